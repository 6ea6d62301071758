"""Wide holes in large photos at bounded memory and time: fill reduced, enlarge, restore detail in tiles.

A network's memory grows with the pixels it sees (inpaint-gan: about 0.6 GB per
megapixel), so a 30 % mask on a 24-megapixel photo cannot be filled at full
size on an ordinary machine. As IOPaint's "resize" strategy does, a region
whose long side exceeds the model's ``working_size`` is filled at that size
(:func:`shrink`), the fill is enlarged back (:func:`enlarge`), and the model's
:meth:`~restorer.models.Model.restore_detail` puts fine detail (grain, fur,
foliage) back at full size, one bounded tile at a time (:func:`in_tiles`).
Only the masked pixels ever change. Numpy and OpenCV only: no torch here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

#: Side of the tiles detail is restored in, and the context each sees around it (pixels).
DETAIL_TILE = 1024
DETAIL_MARGIN = 96
#: Holes at most this far (pixels) from an undamaged pixel everywhere are thin: scratches, filled at full size.
THIN_RADIUS = 8


def reduced_size(shape: tuple[int, int], long_side: int | None) -> tuple[int, int] | None:
    """``(height, width)`` of ``shape`` shrunk to a long side of ``long_side``, or None if it fits already."""
    height, width = shape[:2]
    if long_side is None or max(height, width) <= long_side:
        return None
    scale = long_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def hole_depth(mask: np.ndarray) -> np.ndarray:
    """Each masked pixel's distance to the nearest unmasked one (``float32``; 0 outside the mask)."""
    import cv2

    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)


def split_by_width(mask: np.ndarray, radius: int = THIN_RADIUS, *,
                   depth: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(wide, thin)``: the masked pixels near a point deeper than ``radius`` inside the hole, and the rest.

    ``depth``: the mask's :func:`hole_depth`, when it is split at more than one radius."""
    import cv2

    depth = hole_depth(mask) if depth is None else depth
    core = (depth > radius).astype(np.uint8)
    if not core.any():
        return np.zeros_like(mask, bool), mask.astype(bool)
    # A deep point's hole reaches at most ``radius`` (diagonally sqrt(2) x that: a square kernel) further.
    reach = 2 * radius + 5
    wide = (cv2.dilate(core, np.ones((reach, reach), np.uint8)) > 0) & mask
    return wide, mask & ~wide


def shrink(photo: np.ndarray, mask: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``photo`` and ``mask`` reduced to ``size`` ``(height, width)``.

    Area averaging for the photo; a reduced pixel is masked when any pixel it
    averages is, so no damaged pixel leaks into the context the model sees.
    """
    import cv2

    height, width = size
    small = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0
    # A pixel on the border of a box INTER_AREA did not weigh fully: one pixel of dilation covers it.
    small_mask = cv2.dilate(small_mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return small, small_mask


def enlarge(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``uint8`` ``image`` enlarged to ``shape`` ``(height, width)`` (bicubic, clipped to 0..255)."""
    import cv2

    height, width = shape[:2]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)


def _spans(length: int, tile: int) -> list[tuple[int, int]]:
    """``[start, end)`` cores of at most ``tile`` pixels covering ``[0, length)``, of near-equal size."""
    count = max(1, -(-length // tile))
    edges = np.linspace(0, length, count + 1).round().astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def in_tiles(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], image: np.ndarray, mask: np.ndarray, *,
             tile: int = DETAIL_TILE, margin: int = DETAIL_MARGIN, workers: int = 2,
             hole: np.ndarray | None = None) -> np.ndarray:
    """``fn(window, window_mask)`` applied tile by tile to the tiles of ``image`` that hold masked pixels.

    Each tile's core (at most ``tile`` pixels a side) is computed from a window
    ``margin`` pixels larger on each side, so ``fn`` sees the context around it;
    only the core's masked pixels are taken. ``hole`` (a superset of ``mask``: every pixel not
    filled yet) is what ``fn`` is told to fill, so no damaged pixel outside ``mask`` is taken for
    context. Memory is bounded by ``workers`` windows.
    """
    hole = mask if hole is None else hole
    height, width = mask.shape
    out = image.copy()
    cores = [(top, bottom, left, right) for top, bottom in _spans(height, tile) for left, right in _spans(width, tile)
             if mask[top:bottom, left:right].any()]

    def one(core: tuple[int, int, int, int]) -> None:
        top, bottom, left, right = core
        wt, wl = max(0, top - margin), max(0, left - margin)
        wb, wr = min(height, bottom + margin), min(width, right + margin)
        result = fn(image[wt:wb, wl:wr], hole[wt:wb, wl:wr])
        inner = result[top - wt:bottom - wt, left - wl:right - wl]
        where = mask[top:bottom, left:right, None]
        out[top:bottom, left:right] = np.where(where, inner, out[top:bottom, left:right])  # cores are disjoint

    # OpenCV and numpy release the GIL: a second thread nearly halves the time, at one more window of memory.
    with ThreadPoolExecutor(max(1, min(workers, len(cores)))) as pool:
        list(pool.map(one, cores))  # re-raises a tile's error (a cancel, a plugin bug) here
    return out
