"""The Qt binding itself: a release that mishandles references would crash the window after a while."""

from __future__ import annotations

import sys


def test_qt_calls_returning_nothing_keep_the_reference_count_of_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to ``None`` on every call of a method returning
    nothing (``update``, ``setEnabled``): None's count ran down with every repaint and the window aborted
    with "deallocating None" after about a thousand. pyproject.toml leaves that release out."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    widget, action = QWidget(), QAction("x")
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(200):
        widget.update()
        action.setEnabled(True)
    assert sys.getrefcount(None) >= before - 10  # None is immortal from Python 3.12: the count stays put


def test_the_canvas_repaints_without_running_down_none(window, qtbot):
    before = sys.getrefcount(None)
    for _ in range(50):
        window.canvas.repaint()
    assert sys.getrefcount(None) >= before - 25
