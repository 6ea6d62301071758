"""The window's parts without a window: RunControl and PhotoFiles work with what they are given."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from restorer.editing.document import Document
from restorer.images import load_photo, photo_from_array


def test_run_control_repairs_the_document_it_is_given(qtbot, registry, photo_rgb):
    from restorer.gui.panel import ModelPanel
    from restorer.gui.run_control import RunControl

    host = QWidget()  # a plain widget: RunControl needs no window attribute
    qtbot.addWidget(host)
    panel = ModelPanel(host)
    panel.set_registry(registry)
    panel.select("opencv-telea")
    control = RunControl(panel, device="cpu", parent=host)
    said = []
    control.status.connect(lambda text, ms: said.append(text))
    model = registry.models["opencv-telea"]
    control.run_model()
    assert said == [f"Open a photo first: {model.label} works on a photo."]

    document = Document(photo_from_array(photo_rgb.copy()))
    control.document = document
    document.mask.stroke([(30.5, 30.5), (60.5, 30.5)], size=9)
    painted = document.mask.mask.copy()
    with qtbot.waitSignal(control.runFinished, timeout=10_000):
        control.run_model()
    assert said[-1].endswith("done")
    assert control.last_result is document.history.applied[-1]
    changed = (document.rgb != photo_rgb).any(axis=2)
    assert changed.any() and not changed[~painted].any()


def test_run_control_reports_a_failing_model_through_its_signal(qtbot, registry, photo_rgb):
    from restorer.gui.panel import ModelPanel
    from restorer.gui.run_control import RunControl

    host = QWidget()
    qtbot.addWidget(host)
    panel = ModelPanel(host)
    panel.set_registry(registry)
    panel.select("test-broken")
    control = RunControl(panel, device="cpu", parent=host)
    control.document = Document(photo_from_array(photo_rgb.copy()))
    control.document.mask.stroke([(30.5, 30.5)], size=9)
    failures = []
    control.failed.connect(lambda title, text, details: failures.append((title, text, details)))
    with qtbot.waitSignal(control.runFinished, timeout=10_000):
        control.run_model()
    [(title, text, details)] = failures
    assert title == "Broken test model failed" and "RuntimeError" in text and "kaboom" in details
    assert np.array_equal(control.document.rgb, photo_rgb)


def test_photo_files_saves_the_document_it_is_given(qtbot, settings, photo_rgb, tmp_path):
    from restorer.gui.files import PhotoFiles

    host = QWidget()
    qtbot.addWidget(host)
    files = PhotoFiles(settings, host)
    assert not files.save_to(tmp_path / "nothing.png")  # no document yet
    said, saved = [], []
    files.status.connect(lambda text, ms: said.append(text))
    files.saved.connect(lambda: saved.append(True))
    files.document = Document(photo_from_array(photo_rgb.copy()))
    assert files.save_to(tmp_path / "out.png")
    assert said == ["Saved out.png"] and saved == [True]
    assert np.array_equal(load_photo(tmp_path / "out.png").rgb, photo_rgb)
    assert files.recent_files() == [str((tmp_path / "out.png").resolve())]
    assert files.last_folder() == str(tmp_path.resolve())

    failures = []
    files.failed.connect(lambda title, text: failures.append((title, text)))
    assert not files.save_to(tmp_path / "no-such-folder" / "out.png")
    assert failures and failures[0][0] == "Cannot save the photo"


def test_a_deleted_window_is_freed_without_the_garbage_collector(qtbot, registry, settings, photo_rgb):
    # Its parts hold no Python reference to it: a cycle would leave the window to the garbage collector,
    # which may run on a worker thread and delete Qt objects there.
    import gc
    import weakref

    from PySide6.QtCore import QCoreApplication, QEvent

    from restorer.gui.window import MainWindow

    gc.collect()
    gc.disable()
    try:
        window = MainWindow(Document(photo_from_array(photo_rgb.copy())), registry=registry, device="cpu",
                            settings=settings)
        window.show()
        qtbot.waitExposed(window)
        window.brush.size = 12
        window.set_document(None)
        window.close()
        gone = weakref.ref(window)
        window.deleteLater()
        del window
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert gone() is None
    finally:
        gc.enable()


def test_a_models_progress_report_reads_as_a_sentence(qtbot):
    from restorer.gui.panel import ModelPanel
    from restorer.jobs import Progress

    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.set_progress(Progress(1, 4, "repairing strokes"))
    assert panel.message.text() == "Repairing strokes"
    panel.set_progress(Progress(2, 4, ""))  # no message: the last one stays
    assert panel.message.text() == "Repairing strokes"



def test_a_narrow_combo_box_ends_its_entry_with_an_ellipsis(qtbot):
    from restorer.gui.widgets import ElidingComboBox

    combo = ElidingComboBox()
    qtbot.addWidget(combo)
    combo.addItems(["Classical damage finder", "Short"])
    combo.resize(400, combo.sizeHint().height())
    assert combo.shown_text() == "Classical damage finder"
    combo.resize(90, combo.sizeHint().height())
    shown = combo.shown_text()
    assert shown.endswith("…") and "Classical damage finder".startswith(shown[:-1]) and len(shown) > 1
    combo.setCurrentIndex(1)
    assert combo.shown_text() == "Short"
    combo.show()
    qtbot.waitExposed(combo)
    combo.grab()  # paints through the eliding paintEvent without error


def test_the_model_lists_elide_rather_than_cut(qtbot, registry):
    from restorer.gui.find_damage import DamageBar
    from restorer.gui.panel import ModelPanel
    from restorer.gui.widgets import ElidingComboBox

    host = QWidget()
    qtbot.addWidget(host)
    panel = ModelPanel(host)
    assert isinstance(panel.combo, ElidingComboBox)
    assert isinstance(DamageBar(host).detector, ElidingComboBox)


def test_a_long_status_message_ends_with_an_ellipsis_in_a_narrow_window(qtbot, registry, settings, photo_rgb):
    from restorer.gui.widgets import ElidingStatusBar
    from restorer.gui.window import MainWindow

    window = MainWindow(Document(photo_from_array(photo_rgb)), registry=registry, device="cpu", settings=settings)
    qtbot.addWidget(window)
    window.resize(1400, 700)
    window.show()
    qtbot.waitExposed(window)
    status = window.statusBar()
    assert isinstance(status, ElidingStatusBar)
    text = "Added 123,456 px to the mask; Ctrl+Z undoes it. " * 3
    status.showMessage(text, 5000)
    assert status.currentMessage() == status.shown_message()
    window.resize(600, 600)
    qtbot.waitUntil(lambda: status.currentMessage().endswith("…"), timeout=3000)
    shown = status.currentMessage()
    assert text.startswith(shown[:-1]) and status.toolTip() == text
    # it stops short of the permanent labels (photo size, zoom, device) instead of running under them
    assert status.fontMetrics().horizontalAdvance(shown) <= window.size_label.geometry().left()
    window.files.status.emit("Short.", 1000)  # the window's parts reach it through their signals
    assert status.currentMessage() == "Short." and status.toolTip() == ""
