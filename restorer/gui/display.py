"""What the canvas draws: a display buffer shared with a QImage, plus downscaled levels for zooming out.

Drawing a 24-megapixel photo at 15 % by sampling it would alias (fine textures
shimmer into moiré) and read far more memory than needed. Like photo editors, the
canvas draws from a copy averaged down by 2, 4 or 8 when zoomed out. The levels are
made on first use and kept up to date rectangle by rectangle, so a brush stroke
costs the same with them as without. Also the pixel formats it draws: the photo as
``RGB32`` (over a checkerboard where transparent) and the mask's overlay colours.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QImage, QPainter, QPixmap

from restorer.geometry import Box

#: The most a level averages down (1/8: a 6000-pixel-wide photo becomes 750 wide).
MAX_FACTOR = 8


def level_for(zoom: float) -> int:
    """The level factor (1, 2, 4 or 8) to draw at ``zoom``: never below the screen's resolution."""
    factor = 1
    while factor * 2 <= MAX_FACTOR and zoom * factor * 2 <= 1.0:
        factor *= 2
    return factor


def _qimage(buffer: np.ndarray, fmt: QImage.Format) -> QImage:
    height, width = buffer.shape[:2]
    # The QImage reads the numpy buffer in place; the owner keeps the buffer alive.
    return QImage(buffer.data, width, height, width * 4, fmt)


class DisplayImage:
    """A ``(H, W, 4) uint8`` buffer in a QImage format of 32 bits a pixel, with its levels."""

    def __init__(self, buffer: np.ndarray, fmt: QImage.Format):
        self.buffer = buffer
        self.format = fmt
        self._images: dict[int, QImage] = {1: _qimage(buffer, fmt)}
        self._levels: dict[int, np.ndarray] = {1: buffer}

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the full-size buffer."""
        return self.buffer.shape[1], self.buffer.shape[0]

    def image(self, factor: int = 1) -> QImage:
        """The image averaged down by ``factor`` (1: the buffer itself), made on first use."""
        if factor not in self._images:
            height, width = self.buffer.shape[:2]
            level = np.empty((-(-height // factor), -(-width // factor), 4), np.uint8)
            self._levels[factor] = level
            self._fill(factor, Box(0, 0, height, width))
            self._images[factor] = _qimage(level, self.format)
        return self._images[factor]

    def changed(self, box: Box) -> None:
        """Bring the levels up to date after ``buffer[box]`` changed."""
        for factor in self._levels:
            if factor > 1:
                self._fill(factor, box)

    def _fill(self, factor: int, box: Box) -> None:
        import cv2

        height, width = self.buffer.shape[:2]
        # The box grown to whole blocks of the level.
        top, left = box.top // factor * factor, box.left // factor * factor
        bottom = min(height, -(-box.bottom // factor) * factor)
        right = min(width, -(-box.right // factor) * factor)
        rows, cols = -(-(bottom - top) // factor), -(-(right - left) // factor)
        source = self.buffer[top:bottom, left:right]
        if source.shape[0] != rows * factor or source.shape[1] != cols * factor:
            # A partial block at the photo's far edge: repeat its last row/column to fill it.
            source = np.pad(source, ((0, rows * factor - source.shape[0]),
                                     (0, cols * factor - source.shape[1]), (0, 0)), mode="edge")
        level = self._levels[factor]
        # An exact integer shrink with INTER_AREA is the plain average of each block.
        level[top // factor:top // factor + rows, left // factor:left // factor + cols] = cv2.resize(
            source, (cols, rows), interpolation=cv2.INTER_AREA)


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    """A ``uint8`` RGB (or gray) array as a pixmap (a copy: ``rgb`` may change afterwards)."""
    rgb = np.ascontiguousarray(rgb if rgb.ndim == 3 else np.repeat(rgb[..., None], 3, -1), dtype=np.uint8)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())


# A cool blue: unlike red or pink it stands out on skin, wood and the usual stains and scratches.
MASK_COLOR = (40, 110, 255)
MASK_OPACITY = 0.6
#: Side of the checkerboard squares behind transparent pixels, in photo pixels.
CHECKER = 8


def overlay_table(color: tuple[int, int, int] = MASK_COLOR, opacity: float = MASK_OPACITY) -> np.ndarray:
    """Coverage 0..255 -> premultiplied BGRA bytes of the overlay (``(256, 4) uint8``)."""
    alpha = np.arange(256, dtype=np.float32) / 255.0 * opacity
    table = np.empty((256, 4), np.uint8)
    for channel, value in zip((2, 1, 0), color):  # little-endian ARGB32 is B, G, R, A in memory
        table[:, channel] = np.round(alpha * value).astype(np.uint8)
    table[:, 3] = np.round(alpha * 255).astype(np.uint8)
    return table


def rgb32(rgb: np.ndarray, alpha: np.ndarray | None = None, top: int = 0, left: int = 0) -> np.ndarray:
    """``(H, W, 3)`` RGB to the ``(H, W, 4)`` byte layout of ``QImage.Format_RGB32``.

    With an ``alpha`` channel, transparent parts are shown over a checkerboard, as
    photo editors do; ``top`` and ``left`` place the block so the squares line up.
    """
    if alpha is not None:
        height, width = alpha.shape
        rows = (np.arange(top, top + height) // CHECKER)[:, None]
        cols = (np.arange(left, left + width) // CHECKER)[None, :]
        checker = np.where((rows + cols) % 2 == 0, 204, 153).astype(np.float32)[..., None]
        weight = alpha.astype(np.float32)[..., None] / 255.0
        rgb = (rgb * weight + checker * (1.0 - weight) + 0.5).astype(np.uint8)
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., 0] = rgb[..., 2]
    out[..., 1] = rgb[..., 1]
    out[..., 2] = rgb[..., 0]
    out[..., 3] = 255
    return out


class DocumentImages:
    """The display images of one document: the photo (``RGB32``), its mask overlay (premultiplied
    ``ARGB32``, coloured from the mask's coverage by :func:`overlay_table`) and, made on first use,
    the photo as it was opened. :meth:`mask_changed` and :meth:`photo_changed` refresh a rectangle."""

    def __init__(self, document):
        self.document = document
        # The overlay table as one 32-bit pixel per coverage value: indexing with it is one lookup a pixel.
        self._table = overlay_table().view(np.uint32).reshape(256)
        self.photo = DisplayImage(rgb32(document.rgb, document.alpha), QImage.Format.Format_RGB32)
        self._overlay_pixels = self._table[document.mask.coverage]  # the overlay buffer, one uint32 a pixel
        self.overlay = DisplayImage(self._overlay_pixels.view(np.uint8).reshape(self._overlay_pixels.shape + (4,)),
                                    QImage.Format.Format_ARGB32_Premultiplied)
        self._original: DisplayImage | None = None

    @property
    def has_original(self) -> bool:
        """Whether the photo as opened has been made (by :meth:`original`)."""
        return self._original is not None

    def original(self) -> DisplayImage:
        """The photo as it was opened (made on the first call)."""
        if self._original is None:
            self._original = DisplayImage(rgb32(self.document.original_rgb, self.document.alpha),
                                          QImage.Format.Format_RGB32)
        return self._original

    def draw(self, painter: QPainter, view, exposed: QRect, *, original: bool = False, mask: bool = True,
             original_left_of: float | None = None) -> None:
        """Draw the part of the photo under ``exposed`` (widget pixels) where ``view`` (a
        :class:`restorer.editing.viewport.Viewport`) puts it: the photo as opened if ``original``,
        else as it is now with the mask overlay if ``mask``, and the photo as opened left of
        ``original_left_of`` (the split view's divider, widget x)."""
        shown = view.image_box(exposed.left(), exposed.top(), exposed.right(), exposed.bottom())
        if shown is None:
            return
        painter.setClipRect(exposed)
        target = QRectF(*view.view_rect(shown))
        # Zoomed out, draw from a level averaged down (no moiré); the same rectangle, in its pixels.
        factor = level_for(view.zoom)
        source = QRectF(shown.left / factor, shown.top / factor, (shown.right - shown.left) / factor,
                        (shown.bottom - shown.top) / factor)
        # Smooth when shrinking; show real pixels when enlarging, as photo editors do.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, view.zoom * factor < 1)
        painter.drawImage(target, (self.original() if original else self.photo).image(factor), source)
        if mask:
            painter.drawImage(target, self.overlay.image(factor), source)
        if original_left_of is not None:
            painter.save()
            painter.setClipRect(QRectF(exposed).intersected(QRectF(0, 0, original_left_of, exposed.bottom() + 1)))
            painter.drawImage(target, self.original().image(factor), source)
            painter.restore()

    def mask_changed(self, box: Box) -> None:
        """The mask changed inside ``box``: recolour that part of the overlay."""
        self._overlay_pixels[box.slices] = self._table[self.document.mask.coverage[box.slices]]
        self.overlay.changed(box)

    def photo_changed(self, box: Box) -> None:
        """The photo changed inside ``box`` (a repair, an undo): convert that part again."""
        alpha = self.document.alpha
        self.photo.buffer[box.slices] = rgb32(self.document.rgb[box.slices],
                                              None if alpha is None else alpha[box.slices], box.top, box.left)
        self.photo.changed(box)
