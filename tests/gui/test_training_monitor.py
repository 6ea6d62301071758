"""The Train tab's loss plot: the mouse wheel over it scrolls the panel instead of zooming the plot, and a
new run's curves are always in view."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from restorer.gui.training.monitor import TrainingMonitor


def _wheel_over(widget, steps: int = -3) -> QWheelEvent:
    """A wheel turn over the middle of ``widget``, delivered to it; the event, to see whether it took it."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event


def test_the_wheel_over_the_plot_is_left_to_the_panel_and_leaves_the_axes(qtbot):
    monitor = TrainingMonitor()
    qtbot.addWidget(monitor)
    monitor.resize(400, 400)
    monitor.show()
    qtbot.waitExposed(monitor)
    before = monitor.plot.viewRange()
    event = _wheel_over(monitor.plot.viewport())
    assert monitor.plot.viewRange() == before
    # Not taken: Qt hands a wheel turn a widget ignores to its parent, the Train tab's scroll area
    # (a synthetic event, as here, is not handed on, so the scrolling itself is not seen in this test).
    assert not event.isAccepted()


def test_a_new_run_fits_the_axes_to_its_curves(qtbot):
    monitor = TrainingMonitor()
    qtbot.addWidget(monitor)
    monitor.plot.setXRange(410, 440)  # as a stray zoom left it
    monitor.plot.setYRange(-0.4, 0.4)
    monitor.begin(20)
    curve = monitor.plot.plot([0, 10, 20], [3.0, 2.0, 1.0])
    monitor.plot.plotItem.vb.updateAutoRange()
    (x0, x1), (y0, y1) = monitor.plot.viewRange()
    assert x0 <= 0 and x1 >= 20 and y0 <= 1.0 and y1 >= 3.0
    monitor.plot.removeItem(curve)


def test_the_wheel_over_an_unfocused_value_scrolls_the_panel_and_leaves_the_value(qtbot):
    from PySide6.QtWidgets import QFormLayout, QScrollArea, QSpinBox, QWidget

    from restorer.gui.widgets import guard_wheel

    panel = QWidget()
    form = QFormLayout(panel)
    spins = [QSpinBox() for _ in range(40)]  # a panel much taller than its scroll area
    for spin in spins:
        spin.setRange(0, 1000)
        spin.setValue(128)
        form.addRow("Crop", spin)
    guard_wheel(panel)
    scroll = QScrollArea()
    qtbot.addWidget(scroll)
    scroll.setWidget(panel)
    scroll.resize(300, 200)
    scroll.show()
    qtbot.waitExposed(scroll)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    _wheel_over(spins[1], steps=-3)
    assert spins[1].value() == 128  # the value stays
    assert bar.value() > 0          # and the panel scrolled
    spins[1].setFocus()
    qtbot.waitUntil(spins[1].hasFocus)
    _wheel_over(spins[1], steps=3)  # clicked or tabbed to, it takes the wheel as before
    assert spins[1].value() > 128


def test_the_train_tab_guards_its_values_from_the_wheel(qtbot, registry, settings, photo_rgb):
    from PySide6.QtWidgets import QSpinBox

    from restorer.editing.document import Document
    from restorer.gui.widgets import _WheelGuard
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    window = MainWindow(Document(photo_from_array(photo_rgb)), registry=registry, device="cpu", settings=settings,
                        training=True)
    qtbot.addWidget(window)
    spins = window.training.findChildren(QSpinBox)
    assert spins and all(spin.focusPolicy() == Qt.FocusPolicy.StrongFocus for spin in spins)
    assert window.training.findChild(_WheelGuard) is not None


def test_the_preview_says_it_is_coming_once_a_run_begins(qtbot):
    monitor = TrainingMonitor()
    qtbot.addWidget(monitor)
    assert "while training" in monitor.preview.text()
    monitor.begin(20)
    assert "first preview comes" in monitor.preview.text()
