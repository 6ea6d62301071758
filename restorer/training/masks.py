"""Random hole masks for self-supervised inpainting: brush strokes (thin, medium, thick) and boxes.

The families follow LaMa's evaluation masks. Stroke widths are given for a
256-pixel photo and scale with the photo's shorter side, so a "thin" mask looks
the same on a 128-pixel training crop and on a 600-pixel benchmark photo.
Every mask is drawn until its hole covers a fraction of the photo inside the
requested ``area`` range (``[low, high]``), so tests and benchmarks can rely on it.
"""

from __future__ import annotations

import math

import numpy as np

from restorer.errors import InputError

#: The mask families, by name.
MASK_KINDS = ("thin", "medium", "thick", "box")
#: Brush width range (pixels at a 256-pixel shorter side) of each stroke family.
STROKE_WIDTHS = {"thin": (2.0, 6.0), "medium": (7.0, 16.0), "thick": (17.0, 34.0)}


def _stroke(canvas: np.ndarray, rng: np.random.Generator, width_range: tuple[float, float], scale: float) -> None:
    """Draw one random polyline brush stroke (a random walk) onto ``canvas`` (uint8, in place)."""
    import cv2

    height, width = canvas.shape
    brush = max(1, int(round(rng.uniform(*width_range) * scale)))
    vertices = int(rng.integers(3, 9))
    y, x = rng.uniform(0, height), rng.uniform(0, width)
    angle = rng.uniform(0, 2 * math.pi)
    for _ in range(vertices):
        angle += rng.uniform(-1.2, 1.2)
        length = rng.uniform(0.08, 0.3) * min(height, width)
        ny = float(np.clip(y + length * math.sin(angle), 0, height - 1))
        nx = float(np.clip(x + length * math.cos(angle), 0, width - 1))
        cv2.line(canvas, (int(x), int(y)), (int(nx), int(ny)), 1, brush, lineType=cv2.LINE_8)
        y, x = ny, nx


def _box(canvas: np.ndarray, rng: np.random.Generator, target: float) -> None:
    """Draw one axis-aligned box of roughly ``target`` of the photo's area (at most) onto ``canvas``."""
    height, width = canvas.shape
    side_area = rng.uniform(0.3, 1.0) * target * height * width
    aspect = math.exp(rng.uniform(-0.7, 0.7))
    box_h = int(np.clip(math.sqrt(side_area / aspect), 2, height - 1))
    box_w = int(np.clip(math.sqrt(side_area * aspect), 2, width - 1))
    top = int(rng.integers(0, height - box_h + 1))
    left = int(rng.integers(0, width - box_w + 1))
    canvas[top:top + box_h, left:left + box_w] = 1


def _hole_range(total: int, area: tuple[float, float]) -> tuple[int, int]:
    """The pixel counts a hole may have: ``area`` of ``total``, at least one pixel, never all of them."""
    low = min(max(1, math.ceil(area[0] * total)), total - 1)
    high = min(max(low, math.floor(area[1] * total)), total - 1)
    return low, high


def _blob(height: int, width: int, rng: np.random.Generator, count: int) -> np.ndarray:
    """A compact hole of exactly ``count`` pixels (a box, its last row partly filled) at a random place."""
    box_w = min(width, max(1, math.ceil(math.sqrt(count))))
    box_h = math.ceil(count / box_w)
    if box_h > height:
        box_h = height
        box_w = math.ceil(count / box_h)
    top = int(rng.integers(0, height - box_h + 1))
    left = int(rng.integers(0, width - box_w + 1))
    canvas = np.zeros((height, width), bool)
    rows = canvas[top:top + box_h, left:left + box_w].reshape(-1)  # a view of the box, row by row
    rows[:count] = True
    canvas[top:top + box_h, left:left + box_w] = rows.reshape(box_h, box_w)
    return canvas


def random_mask(height: int, width: int, rng: np.random.Generator, kind: str = "mixed",
                area: tuple[float, float] = (0.05, 0.25), max_tries: int = 50) -> np.ndarray:
    """A ``bool`` mask of shape ``(height, width)`` whose hole covers a fraction in ``area`` of the photo.

    ``kind`` is one of :data:`MASK_KINDS` or ``"mixed"`` (a family drawn at random).
    Shapes are added one at a time until the hole reaches a target drawn in
    ``area``; a shape that would overshoot ``area[1]`` is undone and redrawn.
    The drawing is bounded: when the shapes cannot reach the range (a photo of a
    few pixels, a 2-pixel box on a 3x3 photo), the hole is a compact blob of the
    target size instead. The hole always has at least one pixel and never covers
    the whole photo; on tiny photos it has the pixel count nearest ``area``.
    """
    low, high = area
    if not 0.0 < low <= high < 1.0:
        raise ValueError(f"area must satisfy 0 < low <= high < 1, got {area}")
    if kind == "mixed":
        kind = MASK_KINDS[int(rng.integers(len(MASK_KINDS)))]
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; use one of {', '.join(MASK_KINDS)} or 'mixed'")
    total = height * width
    if total < 2:
        raise InputError(f"a {width}x{height} photo has no room for a hole: it needs at least 2 pixels")
    fewest, most = _hole_range(total, area)
    scale = min(height, width) / 256.0
    target = rng.uniform(low, high)
    canvas = np.zeros((height, width), np.uint8)
    tries = 0
    # Shapes that add no pixel are accepted too, and a dead end starts over, so neither bounds the loop:
    # it stops when no shape has drawn a larger hole than all before it for many shapes in a row (at
    # ordinary sizes one does within a few), and after far more shapes than any ordinary photo needs.
    shapes_left, stalled, largest = 200 * max_tries, 0, 0
    while canvas.sum() < target * total and shapes_left > 0 and stalled < 4 * max_tries:
        shapes_left -= 1
        trial = canvas.copy()
        if kind == "box":
            _box(trial, rng, max(target - canvas.sum() / total, 0.01))
        else:
            _stroke(trial, rng, STROKE_WIDTHS[kind], scale)
        holes = int(trial.sum())
        stalled = 0 if holes > largest else stalled + 1
        largest = max(largest, holes)
        if holes <= high * total:
            canvas = trial
            tries = 0
        else:
            tries += 1
            if tries >= max_tries:
                # The shapes left are all too large for what remains: stop if we are in range.
                if canvas.sum() >= low * total:
                    break
                canvas[:] = 0  # a rare dead end (e.g. a huge first box): start over
                tries = 0
    if fewest <= canvas.sum() <= most:
        return canvas.astype(bool)
    # Too small a photo for these shapes, or no pixel count in range: the nearest hole the photo allows.
    return _blob(height, width, rng, int(np.clip(round(target * total), fewest, most)))
