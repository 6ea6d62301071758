"""Where the photo sits in a view: zoom, offset, fit, and the mapping between view and image pixels. No Qt.

The canvas draws with a :class:`Viewport` and routes the mouse through it; the
arithmetic (which image point a screen pixel shows, which zoom keeps the point
under the cursor still) is tested here without a widget, as napari keeps its
camera apart from the Qt canvas.

Conventions: view coordinates are widget pixels, a whole number naming the pixel
whose centre is at ``+0.5``; image coordinates are continuous, pixel ``(i, j)``
covering ``[j, j+1) x [i, i+1)``. The offset is where the image's top-left corner
is in the view, kept whole so pixels land on pixels.
"""

from __future__ import annotations

import math

from restorer.geometry import Box

#: Zoom steps for + and - (as in GIMP and Krita: round numbers around 100 %).
ZOOM_LEVELS = (0.02, 0.03, 0.05, 0.0625, 0.083, 0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 1.0,
               1.5, 2.0, 3.0, 4.0, 5.5, 8.0, 11.0, 16.0, 23.0, 32.0)
ZOOM_MIN, ZOOM_MAX = ZOOM_LEVELS[0], ZOOM_LEVELS[-1]
#: Space left around a fitted photo (view pixels).
FIT_MARGIN = 12


class Viewport:
    """Zoom and offset of an image of ``image_size`` (width, height) in a view of ``view_size``.

    In fit mode (after :meth:`fit`, until the person zooms or pans) a resized view
    refits: :meth:`resize` does it.
    """

    def __init__(self, view_size: tuple[int, int] = (1, 1), image_size: tuple[int, int] | None = None):
        self.view_size = view_size
        self.image_size = image_size
        self.zoom = 1.0
        self.offset = (0.0, 0.0)
        self.fit_mode = True

    # -- changing it ------------------------------------------------------------------------

    def fit(self) -> None:
        """Zoom so the whole image fits the view, centred (fit mode: stays fitted on resize)."""
        self.fit_mode = True
        if self.image_size is None:
            return
        (view_w, view_h), (width, height) = self.view_size, self.image_size
        zoom = min((view_w - 2 * FIT_MARGIN) / width, (view_h - 2 * FIT_MARGIN) / height)
        self.zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        self.offset = (float(round((view_w - width * self.zoom) / 2)), float(round((view_h - height * self.zoom) / 2)))

    def resize(self, view_size: tuple[int, int]) -> None:
        """The view's new size; refits in fit mode."""
        self.view_size = view_size
        if self.fit_mode:
            self.fit()

    def set_zoom(self, zoom: float, anchor: tuple[float, float] | None = None) -> None:
        """Zoom to ``zoom`` (clamped) keeping the image point under ``anchor`` (default: the view's
        centre) where it is; leaves fit mode."""
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        ax, ay = anchor if anchor is not None else (self.view_size[0] / 2, self.view_size[1] / 2)
        x, y = self.to_image(ax, ay)
        self.zoom = zoom
        self.offset = (float(round(ax + 0.5 - x * zoom)), float(round(ay + 0.5 - y * zoom)))
        self.fit_mode = False

    def zoom_in(self, anchor: tuple[float, float] | None = None) -> None:
        """The next zoom level up."""
        self.set_zoom(next((z for z in ZOOM_LEVELS if z > self.zoom * 1.001), ZOOM_MAX), anchor)

    def zoom_out(self, anchor: tuple[float, float] | None = None) -> None:
        """The next zoom level down."""
        self.set_zoom(next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom / 1.001), ZOOM_MIN), anchor)

    def pan(self, dx: float, dy: float) -> None:
        """Move the image by ``(dx, dy)`` view pixels; leaves fit mode."""
        self.move_to((self.offset[0] + dx, self.offset[1] + dy))

    def move_to(self, offset: tuple[float, float]) -> None:
        """Put the image's top-left corner at ``offset`` (rounded to whole pixels); leaves fit mode."""
        self.offset = (float(round(offset[0])), float(round(offset[1])))
        self.fit_mode = False

    # -- mapping ----------------------------------------------------------------------------

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """Image coordinates of view pixel ``(x, y)`` (the centre of that screen pixel)."""
        return (x + 0.5 - self.offset[0]) / self.zoom, (y + 0.5 - self.offset[1]) / self.zoom

    def to_view(self, x: float, y: float) -> tuple[float, float]:
        """The view position showing image point ``(x, y)`` (inverse of :meth:`to_image`)."""
        return self.offset[0] + x * self.zoom - 0.5, self.offset[1] + y * self.zoom - 0.5

    def view_rect(self, box: Box) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` in the view of the image rectangle ``box``."""
        return (self.offset[0] + box.left * self.zoom, self.offset[1] + box.top * self.zoom,
                (box.right - box.left) * self.zoom, (box.bottom - box.top) * self.zoom)

    def image_box(self, left: float, top: float, right: float, bottom: float) -> Box | None:
        """The whole image pixels under the view rectangle from ``(left, top)`` to ``(right, bottom)``
        (edges included), clipped to the image; ``None`` if none is."""
        if self.image_size is None:
            return None
        width, height = self.image_size
        x0 = max(0, math.floor((left - self.offset[0]) / self.zoom))
        y0 = max(0, math.floor((top - self.offset[1]) / self.zoom))
        x1 = min(width, math.ceil((right + 1 - self.offset[0]) / self.zoom))
        y1 = min(height, math.ceil((bottom + 1 - self.offset[1]) / self.zoom))
        return Box(y0, x0, y1, x1) if x0 < x1 and y0 < y1 else None

    def pixels_between(self, a: tuple[float, float], b: tuple[float, float]) -> Box | None:
        """The image pixels from the one under view point ``a`` to the one under ``b`` (a dragged box),
        clipped to the image; ``None`` if it misses the image."""
        if self.image_size is None:
            return None
        (x0, y0), (x1, y1) = self.to_image(*a), self.to_image(*b)
        width, height = self.image_size
        left, right = max(0, math.floor(min(x0, x1))), min(width, math.floor(max(x0, x1)) + 1)
        top, bottom = max(0, math.floor(min(y0, y1))), min(height, math.floor(max(y0, y1)) + 1)
        return Box(top, left, bottom, right) if left < right and top < bottom else None

    def pixel_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The image pixel ``(column, row)`` under view pixel ``(x, y)``, ``None`` outside the image."""
        if self.image_size is None:
            return None
        ix, iy = self.to_image(x, y)
        width, height = self.image_size
        return (int(ix), int(iy)) if 0 <= ix < width and 0 <= iy < height else None
