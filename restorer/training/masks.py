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


def random_mask(height: int, width: int, rng: np.random.Generator, kind: str = "mixed",
                area: tuple[float, float] = (0.05, 0.25), max_tries: int = 50) -> np.ndarray:
    """A ``bool`` mask of shape ``(height, width)`` whose hole covers a fraction in ``area`` of the photo.

    ``kind`` is one of :data:`MASK_KINDS` or ``"mixed"`` (a family drawn at random).
    Shapes are added one at a time until the hole reaches a target drawn in
    ``area``; a shape that would overshoot ``area[1]`` is undone and redrawn.
    """
    low, high = area
    if not 0.0 < low <= high < 1.0:
        raise ValueError(f"area must satisfy 0 < low <= high < 1, got {area}")
    if kind == "mixed":
        kind = MASK_KINDS[int(rng.integers(len(MASK_KINDS)))]
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; use one of {', '.join(MASK_KINDS)} or 'mixed'")
    scale = min(height, width) / 256.0
    total = height * width
    target = rng.uniform(low, high)
    canvas = np.zeros((height, width), np.uint8)
    tries = 0
    while canvas.sum() < target * total:
        trial = canvas.copy()
        if kind == "box":
            _box(trial, rng, max(target - canvas.sum() / total, 0.01))
        else:
            _stroke(trial, rng, STROKE_WIDTHS[kind], scale)
        if trial.sum() <= high * total:
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
    return canvas.astype(bool)
