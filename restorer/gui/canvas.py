"""The canvas: the photo with its mask drawn over it, brush painting, zoom and pan.

What it draws of the document are :class:`restorer.gui.display.DocumentImages`, which share memory
with numpy buffers: when a stroke or a repair changes a rectangle of the document, only that rectangle
of the buffers is refreshed and only its place on screen is repainted. Where the photo sits (zoom,
offset, fit) and the mapping between screen and photo pixels are its :attr:`Canvas.view`, a Qt-free
:class:`restorer.editing.viewport.Viewport`; what a held button is doing is one :class:`Drag` mode;
the marks drawn over the photo are :mod:`restorer.gui.marks`.
"""

from __future__ import annotations

import enum
import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from restorer.editing.document import Document
from restorer.editing.brush import BrushSettings
from restorer.geometry import Box
from restorer.editing.viewport import Viewport
from restorer.gui import marks
from restorer.gui.display import DocumentImages

BACKGROUND = QColor(38, 38, 41)


class Drag(enum.Enum):
    """What a held mouse button is doing (one at a time)."""

    NONE = enum.auto()
    PAN = enum.auto()      # middle button, or Space + left: moves the photo
    PAINT = enum.auto()    # brush or eraser stroke
    SPLIT = enum.auto()    # the split view's divider
    BOX = enum.auto()      # Smart Select's box
    PATH = enum.auto()     # Smart Select's stroke


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
        #: Zoom, offset and fit of the photo in this widget (:mod:`restorer.editing.viewport`).
        self.view = Viewport((self.width(), self.height()))
        self.compare = False  # show the photo as opened instead of the current state
        self.split: float | None = None  # split view: the original left of this fraction of the width
        self.mask_visible = True
        self.placeholder = "Open a photo (Ctrl+O) or drop one here"
        self._images: DocumentImages | None = None  # what is drawn of the document
        self._mouse: QPointF | None = None
        self._space = False  # Space held: the left button pans
        self.drag = Drag.NONE
        self._drag_start = QPointF()  # where the drag began (widget), and the offset then (panning)
        self._drag_offset = (0.0, 0.0)
        self._drag_modifiers = Qt.KeyboardModifier.NoModifier
        self._path: list[tuple[float, float]] = []  # a select-stroke path being painted (image points)
        self.pending: Box | None = None  # an image box being worked on (Smart Select's), drawn dashed
        self._update_cursor()

    # -- document ---------------------------------------------------------------------------

    def set_document(self, document: Document | None) -> None:
        """Show ``document`` (or nothing), fitted to the view."""
        if self.document is not None:
            self.document.mask.changed.disconnect(self._mask_changed)
            self.document.photo_changed.disconnect(self._photo_changed)
        self.document = document
        self.view.image_size = None if document is None else document.size
        self._images = None if document is None else DocumentImages(document)
        if document is not None:
            document.mask.changed.connect(self._mask_changed)
            document.photo_changed.connect(self._photo_changed)
        self.fit()

    def _mask_changed(self, box: Box) -> None:
        self._images.mask_changed(box)
        self.update(self.widget_rect(box))

    def _photo_changed(self, box: Box) -> None:
        self._images.photo_changed(box)
        self.update(self.widget_rect(box))

    def set_compare(self, on: bool) -> None:
        """Show the photo as it was opened (``True``) or as it is now."""
        if on == self.compare:
            return
        if on and self._images is not None:
            self._images.original()  # made now, not in the paint event
        self.compare = on
        self.update()

    def set_split(self, fraction: float | None) -> None:
        """Split view: the photo as opened left of ``fraction`` of the width, as it is now right of it.

        ``None`` ends the split view. The divider can be dragged with the mouse.
        """
        if fraction is not None:
            fraction = min(1.0, max(0.0, float(fraction)))
            if self._images is not None:
                self._images.original()
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

    def set_pending(self, box: Box | None) -> None:
        """Show ``box`` (image pixels) dashed while it is worked on; ``None``: nothing."""
        self.pending = box
        self.update()

    def set_mask_visible(self, on: bool) -> None:
        """Show or hide the mask overlay."""
        self.mask_visible = on
        self.update()

    # -- coordinates, zoom and pan (the arithmetic is :attr:`view`'s) ------------------------

    @property
    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self.view.zoom

    @property
    def offset(self) -> QPointF:
        """Where the photo's top-left corner is, in widget pixels."""
        return QPointF(*self.view.offset)

    def widget_to_image(self, pos: QPointF) -> tuple[float, float]:
        """Image coordinates of a widget position (the centre of the screen pixel it names)."""
        return self.view.to_image(pos.x(), pos.y())

    def image_to_widget(self, x: float, y: float) -> QPointF:
        """Widget position showing image point ``(x, y)``."""
        return QPointF(*self.view.to_view(x, y))

    def widget_rect(self, box: Box) -> QRect:
        """The screen rectangle (with a small margin) showing an image rectangle."""
        return QRectF(*self.view.view_rect(box)).toAlignedRect().adjusted(-2, -2, 2, 2)

    def _view_changed(self) -> None:
        self._update_cursor()
        self.update()
        self.zoomChanged.emit(self.zoom)

    def fit(self) -> None:
        """Zoom so the whole photo fits the view, centred; refits when the view is resized."""
        self.view.view_size = (self.width(), self.height())
        self.view.fit()
        self._view_changed()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` keeping the image point under ``anchor`` (default: the view's centre) still."""
        self.view.set_zoom(zoom, None if anchor is None else (anchor.x(), anchor.y()))
        self._view_changed()

    def zoom_step(self, up: bool) -> None:
        """The next zoom level up (``True``) or down, keeping the view's centre still."""
        (self.view.zoom_in if up else self.view.zoom_out)()
        self._view_changed()

    def pan(self, dx: float, dy: float) -> None:
        """Move the photo by ``(dx, dy)`` screen pixels."""
        self.view.pan(dx, dy)
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
        if self.drag is Drag.PAN:
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
        images = self._images
        if self.document is None or images is None:
            painter.setPen(QColor(150, 150, 155))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        images.draw(painter, self.view, exposed, original=self.compare, mask=self.mask_visible and not self.compare,
                    original_left_of=None if self.compare else self.split_x())
        divider = self.split_x()
        if divider is not None and not self.compare:
            marks.divider(painter, divider, self.height())
        if self.compare:
            marks.badge(painter, "Original")
        if self.drag is Drag.PATH:  # the select-stroke path so far, as wide as the brush
            marks.path(painter, [self.image_to_widget(x, y) for x, y in self._path], self.brush.size * self.zoom)
        if self.drag is Drag.BOX and self._mouse is not None:  # Smart Select's box so far
            marks.box(painter, QRectF(self._drag_start, self._mouse).normalized())
        if self.pending is not None:
            marks.box(painter, QRectF(*self.view.view_rect(self.pending)), pending=True)
        self._paint_brush_outline(painter)

    def _paint_brush_outline(self, painter: QPainter) -> None:
        if (self._mouse is None or self._space or self.drag in (Drag.PAN, Drag.SPLIT)
                or self.brush.tool == "select"):
            return
        radius = self.brush.size / 2 * self.zoom
        if radius >= 3:
            marks.brush_outline(painter, QPointF(self._mouse.x() + 0.5, self._mouse.y() + 0.5), radius,
                                painting=self.brush.tool == "brush", hardness=self.brush.hardness)

    # -- mouse and keys ---------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        button = event.button()
        left = button == Qt.MouseButton.LeftButton
        if self.drag is not Drag.NONE:
            pass  # one drag at a time: a second button changes nothing
        elif button == Qt.MouseButton.MiddleButton or (left and self._space):
            self._begin(Drag.PAN, pos, event.modifiers())
            self._update_cursor()
            self.update(self._cursor_rect())
        elif left and self._near_divider(pos):
            self._begin(Drag.SPLIT, pos, event.modifiers())
        elif left and self.document is not None and self.brush.tool == "select":
            self._begin(Drag.BOX, pos, event.modifiers())
        elif left and self.document is not None and self.brush.tool == "select-stroke":
            self._begin(Drag.PATH, pos, event.modifiers())
            self._path = [self.widget_to_image(pos)]
        elif left and self.document is not None:
            self._begin(Drag.PAINT, pos, event.modifiers())
            x, y = self.widget_to_image(pos)
            self.document.mask.begin_stroke(x, y, size=self.brush.size, hardness=self.brush.hardness,
                                            erase=self.brush.erases)
        event.accept()

    def _begin(self, drag: Drag, pos: QPointF, modifiers) -> None:
        self.drag, self._drag_start, self._drag_offset, self._drag_modifiers = drag, pos, self.view.offset, modifiers

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        old_cursor = self._cursor_rect()
        self._mouse = QPointF(math.floor(pos.x()), math.floor(pos.y()))
        if self.drag is Drag.PAN:
            start, (x, y) = self._drag_start, self._drag_offset
            self.view.move_to((x + pos.x() - start.x(), y + pos.y() - start.y()))
            self.update()
        elif self.drag is Drag.SPLIT:
            width = self.document.size[0] * self.zoom
            self.set_split((pos.x() - self.offset.x()) / width)
        elif self.drag in (Drag.BOX, Drag.PATH):
            if self.drag is Drag.PATH:
                self._path.append(self.widget_to_image(pos))
            self.update()
        else:
            if self.split is not None and self.drag is Drag.NONE:
                if self._near_divider(pos):
                    self.setCursor(Qt.CursorShape.SplitHCursor)
                else:
                    self._update_cursor()
            if self.drag is Drag.PAINT and self.document is not None and self.document.mask.stroking:
                self.document.mask.extend_stroke(*self.widget_to_image(pos))
            self.update(old_cursor.united(self._cursor_rect()))
        self.cursorMoved.emit(self.view.pixel_at(pos.x(), pos.y()))
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        drag, button = self.drag, event.button()
        ends = (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton) if drag is Drag.PAN else (
            Qt.MouseButton.LeftButton,)
        if drag is Drag.NONE or button not in ends:
            event.accept()
            return
        self.drag = Drag.NONE
        pos = event.position()
        if drag is Drag.PAN:
            self._update_cursor()
        elif drag is Drag.BOX:
            self.update()
            box = self.view.pixels_between((self._drag_start.x(), self._drag_start.y()), (pos.x(), pos.y()))
            if box is not None:
                self.boxDrawn.emit(box, self._drag_modifiers)
        elif drag is Drag.PATH:
            points, self._path = self._path + [self.widget_to_image(pos)], []
            self.update()
            self.pathDrawn.emit(points, self._drag_modifiers)
        elif drag is Drag.PAINT and self.document is not None and self.document.mask.stroking:
            self.document.mask.extend_stroke(*self.widget_to_image(pos))
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
        if not self._space_key(event, True):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if not self._space_key(event, False):
            super().keyReleaseEvent(event)

    def _space_key(self, event, down: bool) -> bool:
        """Space held: the left button pans (as in every photo editor). ``True`` if it was Space."""
        if event.key() != Qt.Key.Key_Space:
            return False
        if not event.isAutoRepeat():
            self._space = down
            self._update_cursor()
            self.update(self._cursor_rect())
        event.accept()
        return True

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
        self.view.resize((self.width(), self.height()))
        if self.view.fit_mode:
            self._view_changed()
        super().resizeEvent(event)
