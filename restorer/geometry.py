"""Rectangles of pixels: where a hole, a crop, a brush stroke or a repaint lies; and a mask grown
by a disc. No Qt.

A :class:`Box` is ``[top, bottom) x [left, right)`` in pixel coordinates, the rows
and columns numpy indexes with :attr:`Box.slices`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """A rectangle ``[top, bottom) x [left, right)`` in pixel coordinates."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def area(self) -> int:
        """Pixels covered."""
        return (self.bottom - self.top) * (self.right - self.left)

    def overlaps(self, other: "Box") -> bool:
        """Whether the two rectangles share any pixel."""
        return not (self.bottom <= other.top or other.bottom <= self.top
                    or self.right <= other.left or other.right <= self.left)

    def union(self, other: "Box") -> "Box":
        """The smallest rectangle holding both."""
        return Box(min(self.top, other.top), min(self.left, other.left),
                   max(self.bottom, other.bottom), max(self.right, other.right))

    @property
    def slices(self) -> tuple[slice, slice]:
        """Numpy index for this rectangle."""
        return slice(self.top, self.bottom), slice(self.left, self.right)


def mask_box(mask: np.ndarray) -> Box | None:
    """The smallest rectangle holding every set pixel of a 2-D ``mask``, or ``None`` when none is set."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0]:rows[-1] + 1].any(axis=0))
    return Box(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


def dilated(mask: np.ndarray, pixels: int) -> np.ndarray:
    """A ``bool`` copy of 2-D ``mask`` grown by ``pixels`` in every direction (a disc, OpenCV's ellipse)."""
    mask = mask.astype(bool)  # a copy, whatever it was
    if pixels <= 0 or not mask.any():
        return mask
    import cv2

    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    return cv2.dilate(mask.view(np.uint8), disc) > 0


def changed_box(before: np.ndarray, after: np.ndarray) -> Box | None:
    """The smallest rectangle holding every pixel that differs, or ``None``."""
    diff = before != after
    if diff.ndim == 3:
        diff = diff.any(axis=2)
    return mask_box(diff)
