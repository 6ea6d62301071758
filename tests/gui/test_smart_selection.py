"""Smart selection in the window: a box dragged around an object adds it to the mask (Alt: takes it out),
one undo step, computed off the GUI thread."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui_helpers import send_mouse

HEIGHT, WIDTH = 80, 100


def photo_with_disc() -> tuple[np.ndarray, np.ndarray]:
    """A noisy grey photo with a noisy yellow disc in the middle; returns it and the disc's mask."""
    rng = np.random.default_rng(1)
    photo = np.clip(rng.normal(70, 12, (HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    disc = (yy - 40) ** 2 + (xx - 50) ** 2 < 20 ** 2
    photo[disc] = np.clip(rng.normal((210, 190, 40), 12, (int(disc.sum()), 3)), 0, 255).astype(np.uint8)
    return photo, disc


@pytest.fixture
def disc_window(qtbot, registry, settings):
    """A shown window with the disc photo and the Smart Select tool; returns (window, the disc)."""
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    photo, disc = photo_with_disc()
    win = MainWindow(Document(photo_from_array(photo)), registry=registry, device="cpu", settings=settings)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    win.select_action.trigger()
    yield win, disc
    qtbot.waitUntil(lambda: not win.smart_select.running, timeout=5000)
    win.set_document(None)
    win.close()
    win.deleteLater()


def drag_box(window, qtbot, corner, other, modifiers=Qt.KeyboardModifier.NoModifier, *, wait=True) -> None:
    """Drag from image point ``corner`` to ``other`` with ``modifiers`` held; wait for the selection."""
    canvas = window.canvas
    start, end = canvas.image_to_widget(*corner), canvas.image_to_widget(*other)
    send_mouse(canvas, "press", start, modifiers=modifiers)
    send_mouse(canvas, "move", (start + end) / 2, modifiers=modifiers)
    send_mouse(canvas, "move", end, modifiers=modifiers)
    if not wait:
        send_mouse(canvas, "release", end, modifiers=modifiers)
        return
    with qtbot.waitSignal(window.smart_select.finished, timeout=10_000):
        send_mouse(canvas, "release", end, modifiers=modifiers)


def test_a_box_around_an_object_adds_it_to_the_mask_as_one_step(disc_window, qtbot):
    window, disc = disc_window
    assert window.canvas.brush.tool == "select" and window.select_action.shortcut().toString() == "W"
    drag_box(window, qtbot, (25, 15), (75, 65))
    mask = window.document.mask.mask
    assert (mask & disc).sum() / disc.sum() > 0.95
    # a margin past the outline, so the repair leaves no silhouette: the ring 1-3 px out is in, beyond it nothing
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    distance = np.hypot(yy - 40, xx - 50) - 20
    assert mask[(distance > 0.5) & (distance < 2)].mean() > 0.9
    assert not mask[distance > 5].any()
    assert [e.description for e in window.document.history.applied] == ["Smart selection"]
    window.undo_action.trigger()
    assert not window.document.mask.any()


def test_the_cursor_is_busy_while_selecting_and_restored_after(disc_window, qtbot):
    from PySide6.QtWidgets import QApplication

    window, _ = disc_window
    drag_box(window, qtbot, (25, 15), (75, 65), wait=False)
    assert QApplication.overrideCursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: not window.smart_select.running, timeout=10_000)
    assert QApplication.overrideCursor() is None


def test_shift_adds_to_what_is_painted(disc_window, qtbot):
    window, disc = disc_window
    window.document.mask.set_mask(np.pad(np.ones((10, 10), bool), ((0, HEIGHT - 10), (0, WIDTH - 10))))
    drag_box(window, qtbot, (25, 15), (75, 65), Qt.KeyboardModifier.ShiftModifier)
    mask = window.document.mask.mask
    assert mask[:10, :10].all() and (mask & disc).sum() / disc.sum() > 0.95


def test_alt_takes_the_object_out_of_the_mask(disc_window, qtbot):
    window, disc = disc_window
    window.document.mask.set_mask(np.ones((HEIGHT, WIDTH), bool))
    drag_box(window, qtbot, (25, 15), (75, 65), Qt.KeyboardModifier.AltModifier)
    mask = window.document.mask.mask
    assert (mask & disc).sum() < 0.05 * disc.sum()  # the disc is out
    assert mask[~disc].mean() > 0.95  # the rest stays painted
    assert window.document.history.undo_description == "Smart selection (subtract)"
    window.undo_action.trigger()
    assert window.document.mask.mask.all()


def test_the_select_tool_does_not_paint_and_a_click_only_says_what_to_do(disc_window, qtbot):
    window, _ = disc_window
    canvas = window.canvas
    point = canvas.image_to_widget(50, 40)
    send_mouse(canvas, "press", point)
    assert not window.document.mask.any() and not window.document.mask.stroking
    send_mouse(canvas, "release", point)
    assert window.smart_select.run is None
    assert "Drag a box" in window.statusBar().currentMessage()
    window.brush_action.trigger()  # back to the brush: it paints again
    assert canvas.brush.tool == "brush" and window.brush_action.isChecked()


def test_a_box_drawn_while_one_is_selecting_is_refused_visibly(disc_window, qtbot, monkeypatch):
    import threading

    from restorer.gui import smart_select

    release = threading.Event()
    real = smart_select.object_in_box

    def held(photo, box, job=None):
        release.wait(5)
        return real(photo, box, job=job)

    monkeypatch.setattr(smart_select, "object_in_box", held)
    window, disc = disc_window
    drag_box(window, qtbot, (25, 15), (75, 65), wait=False)
    assert window.smart_select.running and window.cancel_action.isEnabled()  # Esc would stop it
    changed_early = window.document.mask.any()  # nothing joins the mask before GrabCut is done
    drag_box(window, qtbot, (0, 0), (20, 20), wait=False)
    assert "Still selecting" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.smart_select.finished, timeout=10_000):
        release.set()
    assert not changed_early and not window.cancel_action.isEnabled()
    assert (window.document.mask.mask & disc).sum() / disc.sum() > 0.95
    assert len(window.document.history.applied) == 1


def test_a_rough_stroke_on_an_object_adds_all_of_it_to_the_mask(disc_window, qtbot):
    window, disc = disc_window
    window.select_stroke_action.trigger()
    assert window.brush.tool == "select-stroke" and window.select_stroke_action.isChecked()
    window.brush.size = 3
    canvas = window.canvas
    points = [(45, 38), (50, 42), (55, 39)]  # a short scribble inside the disc (centre 50, 40; radius 20)
    send_mouse(canvas, "press", canvas.image_to_widget(*points[0]))
    send_mouse(canvas, "move", canvas.image_to_widget(*points[1]))
    with qtbot.waitSignal(window.smart_select.finished, timeout=10_000):
        send_mouse(canvas, "release", canvas.image_to_widget(*points[2]))
    mask = window.document.mask.coverage > 0
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    assert (mask & disc).sum() / disc.sum() > 0.9 and not mask[np.hypot(yy - 40, xx - 50) > 25].any()
    window.undo()
    assert not window.document.mask.coverage.any()  # one undo step


def _yellow_on_screen(canvas, x: float, y: float) -> bool:
    """Whether the canvas shows the box's yellow on its left edge near widget point ``(x, y)`` (within a
    pixel across it, and 8 along it: a dashed edge has gaps)."""
    image = canvas.grab().toImage()
    for dx in (-1, 0, 1):
        for dy in range(-8, 9):
            colour = image.pixelColor(round(x) + dx, round(y) + dy)
            if colour.red() > 200 and colour.green() > 150 and colour.blue() < 120:
                return True
    return False


def test_the_box_shows_while_dragged_and_stays_dashed_until_the_object_is_found(disc_window, qtbot, monkeypatch):
    import threading

    from restorer.gui import smart_select

    release = threading.Event()
    real = smart_select.object_in_box
    monkeypatch.setattr(smart_select, "object_in_box",
                        lambda photo, box, job=None: (release.wait(5), real(photo, box, job=job))[1])
    window, _ = disc_window
    canvas = window.canvas
    start, end = canvas.image_to_widget(25, 15), canvas.image_to_widget(75, 65)
    send_mouse(canvas, "press", start)
    send_mouse(canvas, "move", end)
    left_edge = (start.x(), (start.y() + end.y()) / 2)
    assert _yellow_on_screen(canvas, *left_edge)  # the box so far
    send_mouse(canvas, "release", end)
    assert window.smart_select.running and canvas.pending is not None
    assert canvas.pending.left == 25 and canvas.pending.top == 15
    assert _yellow_on_screen(canvas, *left_edge)  # still there while GrabCut works
    with qtbot.waitSignal(window.smart_select.finished, timeout=10_000):
        release.set()
    assert canvas.pending is None and not _yellow_on_screen(canvas, *left_edge)
