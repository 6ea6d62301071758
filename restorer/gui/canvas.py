"""The canvas: the photo with its mask drawn over it, brush painting, zoom and pan.

The widget keeps two display images that share memory with numpy buffers: the
photo (``RGB32``) and the mask overlay (premultiplied ``ARGB32``, coloured by a
lookup table from the mask's coverage). When a stroke or a repair changes a
rectangle of the document, only that rectangle of the buffers is refreshed and
only its place on screen is repainted.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QRubberBand, QWidget

from restorer.editing.document import Document
from restorer.editing.brush import BrushSettings
from restorer.geometry import Box
from restorer.gui.display import DisplayImage, level_for, overlay_table, rgb32

#: Zoom steps for + and - (as in GIMP and Krita: round numbers around 100 %).
ZOOM_LEVELS = (0.02, 0.03, 0.05, 0.0625, 0.083, 0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 1.0,
               1.5, 2.0, 3.0, 4.0, 5.5, 8.0, 11.0, 16.0, 23.0, 32.0)
ZOOM_MIN, ZOOM_MAX = ZOOM_LEVELS[0], ZOOM_LEVELS[-1]
BACKGROUND = QColor(38, 38, 41)
class Canvas(QWidget):
    """Shows a :class:`Document` and paints its mask with the mouse."""

    cursorMoved = Signal(object)  # (x, y) image pixel under the mouse, or None
    zoomChanged = Signal(float)
    strokeFinished = Signal()
    #: With the ``"select"`` tool: the image rectangle (a :class:`Box`, inside the photo) dragged out with
    #: the left button, and the keyboard modifiers held when the drag began.
    boxDrawn = Signal(object, object)
    #: With the ``"select-stroke"`` tool: the path painted (image points ``(x, y)``) and the modifiers held.
    pathDrawn = Signal(object, object)

    def __init__(self, parent: QWidget | None = None, *, brush: BrushSettings | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self.document: Document | None = None
        #: The tool, size and hardness it paints with (the window's toolbar shows the same object).
        self.brush = brush if brush is not None else BrushSettings()
        self.brush.tool_changed.connect(self._tool_changed)
        self.brush.size_changed.connect(self._brush_size_changed)
        self.brush.hardness_changed.connect(self._hardness_changed)
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # where the photo's top-left corner is, in widget pixels
        self.compare = False  # show the photo as opened instead of the current state
        self.split: float | None = None  # split view: the original left of this fraction of the width
        self.mask_visible = True
        self.placeholder = "Open a photo (Ctrl+O) or drop one here"
        self._fit_mode = True
        # The overlay table as one 32-bit pixel per coverage value: indexing with it is one lookup a pixel.
        self._table = overlay_table().view(np.uint32).reshape(256)
        self._photo: DisplayImage | None = None
        self._overlay: DisplayImage | None = None
        self._overlay_pixels: np.ndarray | None = None  # the overlay buffer seen as one uint32 a pixel
        self._original: DisplayImage | None = None  # made when first compared
        self._mouse: QPointF | None = None
        self._pan_from: tuple[QPointF, QPointF] | None = None
        self._space = False
        self._painting = False
        self._split_drag = False
        self._box_drag: tuple[QPointF, Qt.KeyboardModifier] | None = None  # where a select drag began
        self._path: tuple[list, Qt.KeyboardModifier] | None = None  # a select-stroke path being painted
        self._rubber_band = QRubberBand(QRubberBand.Shape.Rectangle, self)
        self._update_cursor()

    # -- document ---------------------------------------------------------------------------

    def set_document(self, document: Document | None) -> None:
        """Show ``document`` (or nothing), fitted to the view."""
        if self.document is not None:
            self.document.mask.changed.disconnect(self._mask_changed)
            self.document.photo_changed.disconnect(self._photo_changed)
        self.document = document
        self._original = None
        if document is None:
            self._photo = self._overlay = None
            self._overlay_pixels = None
        else:
            self._photo = DisplayImage(rgb32(document.rgb, document.alpha), QImage.Format.Format_RGB32)
            overlay = self._table[document.mask.coverage]
            self._overlay_pixels = overlay
            self._overlay = DisplayImage(overlay.view(np.uint8).reshape(overlay.shape + (4,)),
                                         QImage.Format.Format_ARGB32_Premultiplied)
            document.mask.changed.connect(self._mask_changed)
            document.photo_changed.connect(self._photo_changed)
        self.fit()

    def _mask_changed(self, box: Box) -> None:
        assert self.document is not None and self._overlay is not None
        self._overlay_pixels[box.slices] = self._table[self.document.mask.coverage[box.slices]]
        self._overlay.changed(box)
        self.update(self.widget_rect(box))

    def _photo_changed(self, box: Box) -> None:
        assert self.document is not None and self._photo is not None
        alpha = self.document.alpha
        self._photo.buffer[box.slices] = rgb32(self.document.rgb[box.slices],
                                                None if alpha is None else alpha[box.slices], box.top, box.left)
        self._photo.changed(box)
        self.update(self.widget_rect(box))

    def set_compare(self, on: bool) -> None:
        """Show the photo as it was opened (``True``) or as it is now."""
        if on == self.compare:
            return
        if on and self.document is not None and self._original is None:
            self._original = DisplayImage(rgb32(self.document.original_rgb, self.document.alpha),
                                          QImage.Format.Format_RGB32)
        self.compare = on
        self.update()

    def set_split(self, fraction: float | None) -> None:
        """Split view: the photo as opened left of ``fraction`` of the width, as it is now right of it.

        ``None`` ends the split view. The divider can be dragged with the mouse.
        """
        if fraction is not None:
            fraction = min(1.0, max(0.0, float(fraction)))
            if self.document is not None and self._original is None:
                self._original = DisplayImage(rgb32(self.document.original_rgb, self.document.alpha),
                                              QImage.Format.Format_RGB32)
        self.split = fraction
        self.update()

    def split_x(self) -> float | None:
        """Where the split view's divider is, in widget pixels (``None`` without a split view)."""
        if self.split is None or self.document is None:
            return None
        return self.offset.x() + self.split * self.document.size[0] * self.zoom

    def _near_divider(self, pos: QPointF) -> bool:
        divider = self.split_x()
        return divider is not None and abs(pos.x() - divider) <= 5

    def set_mask_visible(self, on: bool) -> None:
        """Show or hide the mask overlay."""
        self.mask_visible = on
        self.update()

    # -- coordinates ------------------------------------------------------------------------

    def widget_to_image(self, pos: QPointF) -> tuple[float, float]:
        """Image coordinates of a widget position (the centre of the screen pixel it names)."""
        return ((pos.x() + 0.5 - self.offset.x()) / self.zoom,
                (pos.y() + 0.5 - self.offset.y()) / self.zoom)

    def image_to_widget(self, x: float, y: float) -> QPointF:
        """Widget position showing image point ``(x, y)``."""
        return QPointF(self.offset.x() + x * self.zoom - 0.5, self.offset.y() + y * self.zoom - 0.5)

    def widget_rect(self, box: Box) -> QRect:
        """The screen rectangle (with a small margin) showing an image rectangle."""
        rect = QRectF(self.offset.x() + box.left * self.zoom, self.offset.y() + box.top * self.zoom,
                      (box.right - box.left) * self.zoom, (box.bottom - box.top) * self.zoom)
        return rect.toAlignedRect().adjusted(-2, -2, 2, 2)

    # -- zoom and pan -----------------------------------------------------------------------

    def fit(self) -> None:
        """Zoom so the whole photo fits the view, centred; refits when the view is resized."""
        self._fit_mode = True
        if self.document is not None:
            width, height = self.document.size
            margin = 12
            zoom = min((self.width() - 2 * margin) / width, (self.height() - 2 * margin) / height)
            self.zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
            self.offset = QPointF(round((self.width() - width * self.zoom) / 2),
                                  round((self.height() - height * self.zoom) / 2))
        self._update_cursor()
        self.update()
        self.zoomChanged.emit(self.zoom)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` keeping the image point under ``anchor`` (default: the view's centre) still."""
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        if anchor is None:
            anchor = QPointF(self.width() / 2, self.height() / 2)
        x = (anchor.x() - self.offset.x()) / self.zoom
        y = (anchor.y() - self.offset.y()) / self.zoom
        self.zoom = zoom
        self.offset = QPointF(round(anchor.x() - x * zoom), round(anchor.y() - y * zoom))
        self._fit_mode = False
        self._update_cursor()
        self.update()
        self.zoomChanged.emit(self.zoom)

    def zoom_in(self, anchor: QPointF | None = None) -> None:
        """The next zoom level up."""
        self.set_zoom(next((z for z in ZOOM_LEVELS if z > self.zoom * 1.001), ZOOM_MAX), anchor)

    def zoom_out(self, anchor: QPointF | None = None) -> None:
        """The next zoom level down."""
        self.set_zoom(next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom / 1.001), ZOOM_MIN), anchor)

    def pan(self, dx: float, dy: float) -> None:
        """Move the photo by ``(dx, dy)`` screen pixels."""
        self.offset = QPointF(round(self.offset.x() + dx), round(self.offset.y() + dy))
        self._fit_mode = False
        self.update()

    # -- brush (what to paint with is :attr:`brush`; these follow its changes) -------------

    def _tool_changed(self, _tool: str) -> None:
        self._update_cursor()
        self.update(self._cursor_rect())  # the outline: white for the brush, blue for the eraser, none to select

    def _brush_size_changed(self, _size: int, old: int) -> None:
        old_rect = self._cursor_rect(old)
        self._update_cursor()
        self.update(old_rect.united(self._cursor_rect()))

    def _hardness_changed(self, _hardness: float, _old: float) -> None:
        self.update(self._cursor_rect())

    def _cursor_rect(self, size: int | None = None) -> QRect:
        if self._mouse is None:
            return QRect()
        radius = (self.brush.size if size is None else size) / 2 * self.zoom + 3
        return QRectF(self._mouse.x() - radius, self._mouse.y() - radius, 2 * radius + 1,
                      2 * radius + 1).toAlignedRect()

    def _update_cursor(self) -> None:
        if self._pan_from is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        elif self.document is not None and self.brush.tool != "select" and self.brush.size * self.zoom >= 6:
            self.setCursor(Qt.CursorShape.BlankCursor)  # the outline is the cursor
        else:
            self.setCursor(Qt.CursorShape.CrossCursor)

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        exposed = event.rect()
        painter.fillRect(exposed, BACKGROUND)
        if self.document is None or self._photo is None:
            painter.setPen(QColor(150, 150, 155))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        width, height = self.document.size
        # The part of the photo under the exposed rectangle, in whole image pixels.
        left = max(0, math.floor((exposed.left() - self.offset.x()) / self.zoom))
        top = max(0, math.floor((exposed.top() - self.offset.y()) / self.zoom))
        right = min(width, math.ceil((exposed.right() + 1 - self.offset.x()) / self.zoom))
        bottom = min(height, math.ceil((exposed.bottom() + 1 - self.offset.y()) / self.zoom))
        if left < right and top < bottom:
            painter.setClipRect(exposed)
            target = QRectF(self.offset.x() + left * self.zoom, self.offset.y() + top * self.zoom,
                            (right - left) * self.zoom, (bottom - top) * self.zoom)
            # Zoomed out, draw from a level averaged down (no moiré); the same rectangle, in its pixels.
            factor = level_for(self.zoom)
            source = QRectF(left / factor, top / factor, (right - left) / factor, (bottom - top) / factor)
            # Smooth when shrinking; show real pixels when enlarging, as photo editors do.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom * factor < 1)
            photo = self._original if self.compare and self._original is not None else self._photo
            painter.drawImage(target, photo.image(factor), source)
            if self.mask_visible and not self.compare:
                painter.drawImage(target, self._overlay.image(factor), source)
            divider = self.split_x()
            if divider is not None and not self.compare and self._original is not None:
                painter.save()
                painter.setClipRect(QRectF(exposed).intersected(QRectF(0, 0, divider, self.height())))
                painter.drawImage(target, self._original.image(factor), source)
                painter.restore()
        divider = self.split_x()
        if divider is not None and not self.compare:
            painter.setPen(QPen(QColor(0, 0, 0, 160), 3))
            painter.drawLine(QPointF(divider, 0), QPointF(divider, self.height()))
            painter.setPen(QPen(QColor(255, 255, 255), 1))
            painter.drawLine(QPointF(divider, 0), QPointF(divider, self.height()))
            self._paint_badge(painter, "Original", QPointF(divider - 10, 10), right_aligned=True)
            self._paint_badge(painter, "Now", QPointF(divider + 10, 10))
        if self.compare:
            self._paint_badge(painter, "Original")
        if self._path is not None:  # the select-stroke path so far, as wide as the brush
            painter.setPen(QPen(QColor(255, 200, 40, 150), max(1.0, self.brush.size * self.zoom),
                                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.drawPolyline([QPointF(self.offset.x() + x * self.zoom, self.offset.y() + y * self.zoom)
                                  for x, y in self._path[0]])
        self._paint_brush_outline(painter)

    def _paint_badge(self, painter: QPainter, text: str, at: QPointF = QPointF(10, 10), *,
                     right_aligned: bool = False) -> None:
        """A label (top-left corner by default), so a person knows what they are looking at."""
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 20
        x = at.x() - width if right_aligned else at.x()
        box = QRect(round(x), round(at.y()), width, metrics.height() + 10)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_brush_outline(self, painter: QPainter) -> None:
        if (self._mouse is None or self._space or self._pan_from is not None or self._split_drag
                or self.brush.tool == "select"):
            return
        radius = self.brush.size / 2 * self.zoom
        if radius < 3:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        centre = QPointF(self._mouse.x() + 0.5, self._mouse.y() + 0.5)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
        painter.drawEllipse(centre, radius, radius)
        painter.setPen(QPen(QColor(255, 255, 255) if self.brush.tool == "brush" else QColor(120, 200, 255), 1))
        painter.drawEllipse(centre, radius, radius)
        hardness = self.brush.hardness
        if hardness < 1 and radius * (1 - hardness) >= 2:
            inner = radius * hardness
            pen = QPen(QColor(255, 255, 255, 160), 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawEllipse(centre, inner, inner)

    # -- mouse and keys ---------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = (pos, QPointF(self.offset))
            self._update_cursor()
            self.update(self._cursor_rect())
        elif button == Qt.MouseButton.LeftButton and self._near_divider(pos):
            self._split_drag = True
        elif button == Qt.MouseButton.LeftButton and self.document is not None and self.brush.tool == "select":
            self._box_drag = (pos, event.modifiers())
            self._rubber_band.setGeometry(QRect(pos.toPoint(), QSize()))
            self._rubber_band.show()
        elif button == Qt.MouseButton.LeftButton and self.document is not None and self.brush.tool == "select-stroke":
            self._path = ([self.widget_to_image(pos)], event.modifiers())
        elif button == Qt.MouseButton.LeftButton and self.document is not None:
            x, y = self.widget_to_image(pos)
            self._painting = True
            self.document.mask.begin_stroke(x, y, size=self.brush.size, hardness=self.brush.hardness,
                                            erase=self.brush.erases)
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        old_cursor = self._cursor_rect()
        self._mouse = QPointF(math.floor(pos.x()), math.floor(pos.y()))
        if self._pan_from is not None:
            start, offset = self._pan_from
            self.offset = QPointF(round(offset.x() + pos.x() - start.x()), round(offset.y() + pos.y() - start.y()))
            self._fit_mode = False
            self.update()
        elif self._split_drag:
            width = self.document.size[0] * self.zoom
            self.set_split((pos.x() - self.offset.x()) / width)
        elif self._box_drag is not None:
            self._rubber_band.setGeometry(QRect(self._box_drag[0].toPoint(), pos.toPoint()).normalized())
        elif self._path is not None:
            self._path[0].append(self.widget_to_image(pos))
            self.update()
        else:
            if self.split is not None and not self._painting:
                if self._near_divider(pos):
                    self.setCursor(Qt.CursorShape.SplitHCursor)
                else:
                    self._update_cursor()
            if self._painting and self.document is not None and self.document.mask.stroking:
                self.document.mask.extend_stroke(*self.widget_to_image(pos))
            self.update(old_cursor.united(self._cursor_rect()))
        self.cursorMoved.emit(self._pixel_under(pos))
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._update_cursor()
        elif event.button() == Qt.MouseButton.LeftButton and self._split_drag:
            self._split_drag = False
        elif event.button() == Qt.MouseButton.LeftButton and self._box_drag is not None:
            (start, modifiers), self._box_drag = self._box_drag, None
            self._rubber_band.hide()
            box = self._image_box(start, event.position())
            if box is not None:
                self.boxDrawn.emit(box, modifiers)
        elif event.button() == Qt.MouseButton.LeftButton and self._path is not None:
            (points, modifiers), self._path = self._path, None
            points.append(self.widget_to_image(event.position()))
            self.update()
            self.pathDrawn.emit(points, modifiers)
        elif event.button() == Qt.MouseButton.LeftButton and self._painting:
            self._painting = False
            if self.document is not None and self.document.mask.stroking:
                self.document.mask.extend_stroke(*self.widget_to_image(event.position()))
                self.document.mask.end_stroke()
                self.strokeFinished.emit()
        event.accept()

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120.0
            if steps:
                self.set_zoom(self.zoom * (1.25 ** steps), event.position())
        else:
            pixels = event.pixelDelta()
            dx, dy = (pixels.x(), pixels.y()) if not pixels.isNull() else (delta.x() / 2, delta.y() / 2)
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                dx, dy = dy, dx
            self.pan(dx, dy)
        event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = True
                self._update_cursor()
                self.update(self._cursor_rect())
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = False
                self._update_cursor()
                self.update(self._cursor_rect())
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self._space = False
        self._update_cursor()
        super().focusOutEvent(event)

    def enterEvent(self, event) -> None:  # noqa: N802
        if self.window().isActiveWindow():
            self.setFocus(Qt.FocusReason.MouseFocusReason)  # so Space-drag works without a click first
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        old = self._cursor_rect()
        self._mouse = None
        self.update(old)
        self.cursorMoved.emit(None)
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._fit_mode:
            self.fit()
        super().resizeEvent(event)

    def _image_box(self, a: QPointF, b: QPointF) -> Box | None:
        """The photo pixels from the one under ``a`` to the one under ``b`` (``None``: outside the photo)."""
        (x0, y0), (x1, y1) = self.widget_to_image(a), self.widget_to_image(b)
        width, height = self.document.size
        left, right = max(0, math.floor(min(x0, x1))), min(width, math.floor(max(x0, x1)) + 1)
        top, bottom = max(0, math.floor(min(y0, y1))), min(height, math.floor(max(y0, y1)) + 1)
        return Box(top, left, bottom, right) if left < right and top < bottom else None

    def _pixel_under(self, pos: QPointF) -> tuple[int, int] | None:
        if self.document is None:
            return None
        x, y = self.widget_to_image(pos)
        width, height = self.document.size
        if 0 <= x < width and 0 <= y < height:
            return int(x), int(y)
        return None
