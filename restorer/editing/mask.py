"""The mask a person paints: brush and eraser strokes, clear, invert, grow, shrink. No Qt.

The mask is held as ``coverage``, a ``uint8`` array the size of the photo: 0 is
untouched, 255 fully painted, values between come from a soft brush edge. The
model repairs every pixel with coverage above 0 (:attr:`MaskLayer.mask`); the
repaired pixels are blended back by coverage, so a soft brush gives a feathered
repair and a hard brush (the default) an exact one.

Strokes are continuous: each mouse move paints the whole capsule between the
previous point and the new one (the exact distance to the segment, not dots), and
only the rectangle it touched is computed, so a move costs the same on a
24-megapixel photo as on a small one. One stroke is one undo step. The
:attr:`MaskLayer.changed` signal gives the rectangle that changed, which is all a
view has to repaint.

Points are in image pixels; pixel ``(i, j)`` covers ``[i, i+1) x [j, j+1)``, so its
centre is ``(i + 0.5, j + 0.5)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from psygnal import Signal

from restorer.editing.brush import MAX_SIZE, MIN_SIZE
from restorer.editing.history import History, RegionSwap
from restorer.geometry import Box, changed_box

@dataclass
class _Stroke:
    size: float
    hardness: float
    erase: bool
    x: float
    y: float
    box: Box | None = None


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return a.union(b)


class MaskLayer:
    """A paintable mask with stroke-level undo (through a shared :class:`History`).

    :attr:`changed` fires with the :class:`Box` of coverage that changed, after every dab,
    undo, redo and whole-mask operation; its connections to bound methods are weak (psygnal).
    """

    changed = Signal(Box)

    def __init__(self, height: int, width: int, history: History | None = None):
        self.coverage = np.zeros((height, width), np.uint8)
        # The mask as of the last finished edit: what an unfinished stroke is undone to.
        self._committed = self.coverage.copy()
        self.history = history if history is not None else History()
        self._stroke: _Stroke | None = None
        # The coverage as opened with the photo or last exported (None: nothing was): painting since is unsaved.
        self._kept: np.ndarray | None = None

    # -- reading ----------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width)."""
        return self.coverage.shape  # type: ignore[return-value]

    @property
    def mask(self) -> np.ndarray:
        """``bool`` array: the pixels a model should repair."""
        return self.coverage > 0

    def any(self) -> bool:
        """Whether anything is painted."""
        return bool(self.coverage.any())

    @property
    def unsaved(self) -> bool:
        """Whether the mask holds painting that is neither the mask it was opened with nor one saved
        since (:meth:`keep`): work that closing the photo would lose."""
        if not self.any():
            return False
        return self._kept is None or not np.array_equal(self._kept, self.coverage)

    def keep(self) -> None:
        """Note the mask as it is now as saved (exported to a file)."""
        self._kept = self.coverage.copy()

    @property
    def stroking(self) -> bool:
        """Whether a stroke is under way."""
        return self._stroke is not None

    # -- strokes ----------------------------------------------------------------------------

    def begin_stroke(self, x: float, y: float, *, size: float, hardness: float = 1.0,
                     erase: bool = False) -> Box | None:
        """Start a brush (or eraser) stroke at ``(x, y)``: paints one dab; returns what changed."""
        if self._stroke is not None:
            self.end_stroke()
        size = float(min(MAX_SIZE, max(MIN_SIZE, size)))
        hardness = float(min(1.0, max(0.0, hardness)))
        self._stroke = _Stroke(size, hardness, erase, x, y)
        return self._paint(x, y, x, y)

    def extend_stroke(self, x: float, y: float) -> Box | None:
        """Continue the stroke to ``(x, y)``, painting the whole segment; returns what changed."""
        if self._stroke is None:
            raise RuntimeError("extend_stroke() without begin_stroke()")
        stroke = self._stroke
        box = self._paint(stroke.x, stroke.y, x, y)
        stroke.x, stroke.y = x, y
        return box

    def end_stroke(self) -> RegionSwap | None:
        """Finish the stroke and record it as one undo step (``None`` if it changed nothing)."""
        stroke, self._stroke = self._stroke, None
        if stroke is None or stroke.box is None:
            return None
        box = changed_box(self._committed[stroke.box.slices], self.coverage[stroke.box.slices])
        if box is None:
            return None
        box = Box(box.top + stroke.box.top, box.left + stroke.box.left,
                  box.bottom + stroke.box.top, box.right + stroke.box.left)
        before = self._committed[box.slices].copy()
        self._committed[box.slices] = self.coverage[box.slices]
        edit = RegionSwap("Eraser stroke" if stroke.erase else "Brush stroke", box, before, self._swap)
        self.history.push(edit)
        return edit

    def abort_stroke(self) -> None:
        """Drop the stroke under way, as if it never happened."""
        stroke, self._stroke = self._stroke, None
        if stroke is not None and stroke.box is not None:
            self.coverage[stroke.box.slices] = self._committed[stroke.box.slices]
            self.changed.emit(stroke.box)

    def stroke(self, points: Iterable[tuple[float, float]], *, size: float, hardness: float = 1.0,
               erase: bool = False) -> RegionSwap | None:
        """Paint a whole stroke through ``points`` (replaying recorded mouse positions)."""
        points = list(points)
        if not points:
            return None
        self.begin_stroke(*points[0], size=size, hardness=hardness, erase=erase)
        for x, y in points[1:]:
            self.extend_stroke(x, y)
        return self.end_stroke()

    def _paint(self, x0: float, y0: float, x1: float, y1: float) -> Box | None:
        """Paint the capsule from ``(x0, y0)`` to ``(x1, y1)`` into the coverage."""
        stroke = self._stroke
        assert stroke is not None
        radius = stroke.size / 2.0
        height, width = self.coverage.shape
        top = max(0, math.floor(min(y0, y1) - radius))
        left = max(0, math.floor(min(x0, x1) - radius))
        bottom = min(height, math.ceil(max(y0, y1) + radius) + 1)
        right = min(width, math.ceil(max(x0, x1) + radius) + 1)
        if top >= bottom or left >= right:
            return None
        box = Box(top, left, bottom, right)
        # Squared distance from each pixel centre in the box to the segment.
        px = (np.arange(left, right, dtype=np.float32) + np.float32(0.5 - x0))[None, :]
        py = (np.arange(top, bottom, dtype=np.float32) + np.float32(0.5 - y0))[:, None]
        dx, dy = np.float32(x1 - x0), np.float32(y1 - y0)
        length2 = float(dx * dx + dy * dy)
        if length2 > 0:
            t = px * (dx / np.float32(length2)) + py * (dy / np.float32(length2))
            np.clip(t, 0.0, 1.0, out=t)
            ex = px - t * dx
            ey = py - t * dy
            distance2 = ex * ex + ey * ey
        else:
            distance2 = px * px + py * py
        dab = self._profile(distance2, radius, stroke.hardness)
        region = self.coverage[box.slices]
        if stroke.erase:
            np.minimum(region, 255 - dab, out=region)
        else:
            np.maximum(region, dab, out=region)
        stroke.box = _union(stroke.box, box)
        self.changed.emit(box)
        return box

    @staticmethod
    def _profile(distance2: np.ndarray, radius: float, hardness: float) -> np.ndarray:
        """Coverage 0..255 from the squared distance to the stroke's centre line."""
        # A tiny tolerance so a 1-pixel brush on a pixel centre always paints that pixel.
        edge = radius + 1e-3
        inner = hardness * edge
        if edge - inner < 0.5:  # hard brush: a crisp, binary edge (no square root needed)
            return (distance2 <= np.float32(edge * edge)).view(np.uint8) * np.uint8(255)
        ramp = (np.float32(edge) - np.sqrt(distance2)) * np.float32(255.0 / (edge - inner))
        return (np.clip(ramp, 0.0, 255.0) + 0.5).astype(np.uint8)

    # -- whole-mask operations (each one undo step) -----------------------------------------

    def clear(self, *, record: bool = True) -> RegionSwap | None:
        """Unpaint everything. With ``record=False`` the step is returned, not pushed (to compose it)."""
        return self._replace(np.zeros_like(self.coverage), "Clear mask", record=record)

    def unpaint(self, where: np.ndarray, *, record: bool = True, description: str = "Clear mask") -> RegionSwap | None:
        """Unpaint the pixels where ``where`` (``bool``) is true; the rest of the mask stays."""
        return self._replace(np.where(where, 0, self.coverage).astype(np.uint8), description, record=record)

    def invert(self) -> RegionSwap | None:
        """Painted becomes unpainted and the other way round."""
        return self._replace(255 - self.coverage, "Invert mask")

    def grow(self, pixels: int) -> RegionSwap | None:
        """Widen the painted area by ``pixels`` in every direction."""
        return self._morph(pixels, grow=True)

    def shrink(self, pixels: int) -> RegionSwap | None:
        """Narrow the painted area by ``pixels`` from every edge."""
        return self._morph(pixels, grow=False)

    def set_mask(self, mask: np.ndarray, description: str = "Import mask") -> RegionSwap | None:
        """Replace the mask by a ``bool`` array (or a ``uint8`` coverage) of the same size."""
        if mask.shape != self.coverage.shape:
            raise ValueError(f"mask {mask.shape} does not match {self.coverage.shape}")
        coverage = np.where(mask, 255, 0).astype(np.uint8) if mask.dtype == bool else mask.astype(np.uint8)
        return self._replace(coverage, description)

    def _morph(self, pixels: int, *, grow: bool) -> RegionSwap | None:
        import cv2

        pixels = int(pixels)
        if pixels <= 0:
            return None
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
        op = cv2.dilate if grow else cv2.erode
        # Shrinking treats outside the photo as painted, so a mask touching the border keeps touching it.
        border = 0 if grow else 255
        out = op(self.coverage, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=border)
        return self._replace(out, f"{'Grow' if grow else 'Shrink'} mask by {pixels} px")

    def reset(self, mask: np.ndarray) -> None:
        """Start over from ``mask`` (``bool``) without an undo step, e.g. a mask opened with its photo."""
        if mask.shape != self.coverage.shape:
            raise ValueError(f"mask {mask.shape} does not match {self.coverage.shape}")
        self._stroke = None
        self.coverage[:] = np.where(mask, 255, 0)
        self._committed[:] = self.coverage
        self.keep()  # the mask a photo was opened with is on disk already
        height, width = self.coverage.shape
        self.changed.emit(Box(0, 0, height, width))

    def _replace(self, coverage: np.ndarray, description: str, *, record: bool = True) -> RegionSwap | None:
        if self._stroke is not None:
            self.end_stroke()
        box = changed_box(self.coverage, coverage)
        if box is None:
            return None
        before = self.coverage[box.slices].copy()
        self.coverage[box.slices] = coverage[box.slices]
        self._committed[box.slices] = coverage[box.slices]
        self.changed.emit(box)
        edit = RegionSwap(description, box, before, self._swap)
        if record:
            self.history.push(edit)
        return edit

    # -- undo support -----------------------------------------------------------------------

    def _swap(self, box: Box, pixels: np.ndarray) -> np.ndarray:
        if self._stroke is not None:
            self.abort_stroke()
        previous = self.coverage[box.slices].copy()
        self.coverage[box.slices] = pixels
        self._committed[box.slices] = pixels
        self.changed.emit(box)
        return previous
