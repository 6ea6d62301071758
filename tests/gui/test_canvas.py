"""The canvas with a real window: painting with the mouse, zoom and pan, what is shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from gui_helpers import drag, paint_image_points, send_mouse


def shown_color(canvas, x: float, y: float):
    """The colour the canvas shows at image point (x, y)."""
    image = canvas.grab().toImage()
    point = canvas.image_to_widget(x, y).toPoint()
    return image.pixelColor(point)


def overlaid(rgb, channel: int) -> float:
    """What a fully painted pixel shows: the photo under the translucent mask colour."""
    from restorer.gui.display import MASK_COLOR, MASK_OPACITY

    return rgb[channel] * (1 - MASK_OPACITY) + MASK_COLOR[channel] * MASK_OPACITY


def test_a_mouse_stroke_paints_the_mask_under_it_only(window):
    canvas = window.canvas
    window.brush_bar.size_slider.setValue(5)
    paint_image_points(canvas, [(20.5, 30.5), (40.5, 30.5), (60.5, 30.5)])
    mask = window.document.mask.mask
    rows, cols = np.nonzero(mask)
    # The brush is 5 image pixels wide at any zoom; a screen pixel may shift the ends by < 1/zoom.
    assert 27 <= rows.min() and rows.max() <= 33
    assert 17 <= cols.min() and cols.max() <= 63
    assert mask[30, 20:61].all()  # continuous along the drag
    assert window.document.history.undo_description == "Brush stroke"


def test_eraser_tool_and_undo_redo_actions(window):
    canvas = window.canvas
    window.brush_bar.size_slider.setValue(9)
    paint_image_points(canvas, [(10.5, 45.5), (100.5, 45.5)])
    painted = window.document.mask.coverage.copy()
    window.eraser_action.trigger()
    assert canvas.brush.tool == "eraser"
    paint_image_points(canvas, [(55.5, 20.5), (55.5, 70.5)])
    assert not window.document.mask.mask[45, 52:59].any() and window.document.mask.mask[45, 20]
    window.undo_action.trigger()
    assert np.array_equal(window.document.mask.coverage, painted)
    window.redo_action.trigger()
    assert not window.document.mask.mask[45, 55]
    window.brush_action.trigger()
    assert canvas.brush.tool == "brush"


def test_clear_and_invert_actions(window):
    paint_image_points(window.canvas, [(30.5, 30.5)])
    painted = window.document.mask.mask.copy()
    window.invert_mask_action.trigger()
    assert np.array_equal(window.document.mask.mask, ~painted)
    window.clear_mask_action.trigger()
    assert not window.document.mask.any()
    window.undo_action.trigger()
    assert np.array_equal(window.document.mask.mask, ~painted)


def test_zoom_and_pan_keep_the_mask_aligned(window):
    canvas = window.canvas
    canvas.set_zoom(3.0)
    canvas.pan(-40, 25)
    window.brush_bar.size_slider.setValue(3)
    paint_image_points(canvas, [(50.5, 40.5)])
    mask = window.document.mask.mask
    assert mask[40, 50] and mask.sum() == 9  # a 3-pixel brush: the 3x3 block around (50, 40)
    # What is on screen at that image point is the overlay; one brush width away it is not.
    painted = shown_color(canvas, 50.5, 40.5)
    clean = shown_color(canvas, 53.5, 40.5)
    photo = window.document.rgb
    assert abs(painted.blue() - overlaid(photo[40, 50], 2)) <= 3  # the blue overlay on top
    assert abs(painted.red() - overlaid(photo[40, 50], 0)) <= 3
    assert abs(clean.red() - int(photo[40, 53, 0])) <= 2 and abs(clean.green() - int(photo[40, 53, 1])) <= 2
    # After zooming back out and fitting, the same image pixel is still painted and shown so.
    window.fit_action.trigger()
    assert abs(shown_color(canvas, 50.5, 40.5).blue() - overlaid(photo[40, 50], 2)) <= 3
    canvas.set_zoom(8.0, QPointF(100, 100))
    assert abs(shown_color(canvas, 50.5, 40.5).blue() - overlaid(photo[40, 50], 2)) <= 3


def test_ctrl_wheel_zooms_around_the_cursor(window):
    canvas = window.canvas
    anchor = QPointF(200, 150)
    before = canvas.widget_to_image(anchor)
    event = QWheelEvent(anchor, QPointF(canvas.mapToGlobal(anchor)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    zoom = canvas.zoom
    QApplication.sendEvent(canvas, event)
    assert canvas.zoom > zoom * 1.4
    after = canvas.widget_to_image(anchor)
    assert abs(after[0] - before[0]) < 1 and abs(after[1] - before[1]) < 1


def test_fit_and_actual_pixels(window):
    window.actual_size_action.trigger()
    assert window.canvas.zoom == 1.0
    assert window.zoom_label.text() == "100%"
    window.fit_action.trigger()
    width, height = window.document.size
    assert window.canvas.zoom * width <= window.canvas.width()
    assert window.canvas.zoom * height <= window.canvas.height()
    zoom = window.canvas.zoom
    window.zoom_in_action.trigger()
    assert window.canvas.zoom > zoom


def test_middle_drag_and_space_drag_pan_without_painting(window, qtbot):
    canvas = window.canvas
    offset = QPointF(canvas.offset)
    drag(canvas, [QPointF(100, 100), QPointF(130, 90)], Qt.MouseButton.MiddleButton)
    assert canvas.offset == offset + QPointF(30, -10)
    canvas.setFocus()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    drag(canvas, [QPointF(100, 100), QPointF(90, 120)])
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.offset == offset + QPointF(20, 10)
    assert not window.document.mask.any()


def test_brush_size_keys_and_status_bar(window, qtbot):
    window.brush_bar.size_slider.setValue(40)
    window.bigger_action.trigger()
    assert window.brush_bar.size_slider.value() == 46 and window.canvas.brush.size == 46
    window.smaller_action.trigger()
    window.smaller_action.trigger()
    assert window.brush_bar.size_slider.value() < 46
    window.brush_bar.size_slider.setValue(1)
    window.smaller_action.trigger()
    assert window.canvas.brush.size == 1
    assert window.size_label.text().startswith("120 × 90")
    assert window.device_label.text() == "Device: CPU"
    send_mouse(window.canvas, "move", window.canvas.image_to_widget(33.5, 21.5), buttons=Qt.MouseButton.NoButton)
    assert window.cursor_label.text() == "33, 21"


def test_the_canvas_and_the_toolbar_show_one_brush(window, qtbot):
    brush = window.brush
    assert window.canvas.brush is brush
    window.brush_bar.size_slider.setValue(77)  # the toolbar sets the brush...
    window.brush_bar.hardness_slider.setValue(30)
    assert (brush.size, brush.hardness) == (77, 0.3)
    brush.size, brush.hardness, brush.tool = 12, 0.55, "eraser"  # ...and follows it, whoever changed it
    assert window.brush_bar.size_slider.value() == 12 and window.brush_bar.hardness_slider.value() == 55
    assert window.eraser_action.isChecked() and not window.brush_action.isChecked()
    brush.tool = "select"
    assert window.select_action.isChecked()
    window.brush_action.trigger()
    assert brush.tool == "brush"
    window.brush.tool = "eraser"
    paint_image_points(window.canvas, [(30.5, 30.5)])  # the canvas paints with the brush it shares
    assert not window.document.mask.any()
    brush.tool = "brush"
    paint_image_points(window.canvas, [(30.5, 30.5)])
    painted = window.document.mask.coverage > 0
    assert painted[30, 30] and painted[30, 30 + 5] and not painted[30, 30 + 7]  # 12 px across
    assert 0 < window.document.mask.coverage[30, 35] < 255  # and with its soft edge


def test_keyboard_shortcuts_reach_the_actions(window, qtbot):
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.canvas.brush.tool == "eraser"
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert window.canvas.brush.tool == "brush"
    paint_image_points(window.canvas, [(30.5, 30.5)])
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.document.mask.any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.mask.any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.zoom == 1.0
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.canvas.brush.size > 40
    window.panel.select("opencv-telea")
    with qtbot.waitSignal(window.runFinished, timeout=10_000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not np.array_equal(window.document.rgb, window.document.original_rgb)


def test_holding_backslash_shows_the_original(window, qtbot):
    window.document.apply_result(np.zeros_like(window.document.rgb), None, "Stylize")
    assert shown_color(window.canvas, 60.5, 45.5).red() == 0
    qtbot.keyPress(window.canvas, Qt.Key.Key_Backslash)
    assert window.canvas.compare
    original = window.document.original_rgb[45, 60]
    assert abs(shown_color(window.canvas, 60.5, 45.5).red() - int(original[0])) <= 2
    qtbot.keyRelease(window.canvas, Qt.Key.Key_Backslash)
    assert not window.canvas.compare


def test_a_stroke_repaints_only_the_rectangle_it_touched_on_a_large_photo(qtbot, registry, settings):
    from PySide6.QtCore import QEvent, QObject

    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    big = np.zeros((3000, 4000, 3), np.uint8)
    big[..., 1] = 90
    window = MainWindow(Document(photo_from_array(big)), registry=registry, device="cpu", settings=settings)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    canvas.set_zoom(1.0)
    window.brush_bar.size_slider.setValue(20)
    QApplication.processEvents()

    painted = []

    class Spy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if obj is canvas and event.type() == QEvent.Type.Paint:
                painted.append(event.rect())
            return False

    spy = Spy()
    canvas.installEventFilter(spy)
    start = QPointF(400, 300)
    send_mouse(canvas, "press", start)
    QApplication.processEvents()
    for step in range(1, 6):
        painted.clear()
        send_mouse(canvas, "move", start + QPointF(step * 8, step * 3))
        QApplication.processEvents()
        assert painted, "the segment was not repainted"
        # A 20-pixel brush moving 8 px, plus the brush outline: far from the 1000x600 view.
        assert all(rect.width() * rect.height() < 60 * 60 for rect in painted), painted
    send_mouse(canvas, "release", start + QPointF(40, 15))
    canvas.removeEventFilter(spy)
    assert window.document.mask.mask.sum() > 0
    window.set_document(None)


def test_zoomed_out_the_photo_is_averaged_not_sampled(qtbot, registry, settings):
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array

    # One-pixel stripes: sampling shows black or white (moiré); averaging shows grey.
    stripes = np.zeros((1200, 1600, 3), np.uint8)
    stripes[:, ::2] = 255
    window = MainWindow(Document(photo_from_array(stripes)), registry=registry, device="cpu", settings=settings)
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    canvas.set_zoom(0.3)  # sampling positions fall at varying fractions of a pixel here
    image = canvas.grab().toImage()
    centre = canvas.image_to_widget(800, 600).toPoint()
    greys = [image.pixelColor(centre.x() + dx, centre.y()).red() for dx in range(-20, 20)]
    assert all(100 <= g <= 155 for g in greys), greys
    # Painting at that zoom still shows the mask where it is, through the averaged overlay.
    window.brush_bar.size_slider.setValue(200)
    paint_image_points(canvas, [(800.5, 600.5)])
    image = canvas.grab().toImage()
    assert image.pixelColor(centre).blue() > 200 and image.pixelColor(centre).red() < 100
    far = canvas.image_to_widget(200, 200).toPoint()
    assert 100 <= image.pixelColor(far).red() <= 155
    window.set_document(None)


def test_transparent_pixels_show_a_checkerboard_and_keep_their_colour_when_saved(window, tmp_path):
    from PIL import Image

    from restorer.gui.display import CHECKER

    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 0] = 255  # red everywhere...
    rgba[:, 32:, 3] = 255  # ...opaque on the right half only
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cutout.png")
    assert window.open_path(tmp_path / "cutout.png")
    canvas = window.canvas
    window.show_mask_action.trigger()  # hide the mask overlay for a clean look
    assert window.size_label.text().endswith("alpha")
    opaque = shown_color(canvas, 48.5, 8.5)
    assert (opaque.red(), opaque.green(), opaque.blue()) == (255, 0, 0)
    light = shown_color(canvas, 0.5 + 2, 0.5 + 2)
    dark = shown_color(canvas, CHECKER + 2.5, 2.5)
    assert light.red() == light.green() == light.blue() == 204
    assert dark.red() == dark.green() == dark.blue() == 153
    window.files.save_to(tmp_path / "again.png")
    with Image.open(tmp_path / "again.png") as saved:
        assert np.array_equal(np.asarray(saved), rgba)


def test_split_view_shows_the_original_left_of_a_divider_that_can_be_dragged(window, qtbot):
    canvas = window.canvas
    original = window.document.original_rgb
    window.document.apply_result(np.zeros_like(window.document.rgb), None, "Stylize")
    window.split_action.trigger()
    assert canvas.split == 0.5 and window.split_button.isChecked()
    left, right = shown_color(canvas, 30.5, 45.5), shown_color(canvas, 90.5, 45.5)
    assert abs(left.red() - int(original[45, 30, 0])) <= 2 and abs(left.green() - int(original[45, 30, 1])) <= 2
    assert (right.red(), right.green(), right.blue()) == (0, 0, 0)
    # Drag the divider from the middle to a quarter of the width: no paint on the way.
    y = canvas.image_to_widget(0, 45.5).y()
    drag(canvas, [QPointF(canvas.split_x(), y), QPointF(canvas.image_to_widget(30, 0).x(), y)])
    assert abs(canvas.split - 0.25) < 0.02
    assert not window.document.mask.any()
    assert shown_color(canvas, 45.5, 45.5).red() == 0  # now right of the divider: the current photo
    window.split_button.click()
    assert canvas.split is None and not window.split_action.isChecked()
    assert shown_color(canvas, 30.5, 45.5).red() == 0


def test_a_deleted_canvas_is_not_kept_alive_by_its_document(qapp, photo_rgb):
    import gc
    import weakref

    from restorer.editing.document import Document
    from restorer.gui.canvas import Canvas
    from restorer.images import photo_from_array

    document = Document(photo_from_array(photo_rgb.copy()))
    canvas = Canvas()
    canvas.set_document(document)
    gone = weakref.ref(canvas)
    del canvas
    gc.collect()
    assert gone() is None  # the document's signals hold no strong reference to the widget
    # Edits after the widget went call nothing of it (a call would reach a deleted widget).
    document.mask.stroke([(10.5, 10.5), (30.5, 20.5)], size=7)
    document.apply_result(np.zeros_like(document.rgb), None, "Black")
    document.history.undo()
    assert document.mask.any()
