"""Make the bundled damaged sample photo and its mask from a scikit-image photo (fixed seed).

    python scripts/make_sample.py

Writes resources/samples/damaged.png (the photo with scratches and stains painted in),
damaged_mask.png (white = damage) and original.png (the undamaged photo, for comparison).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from skimage import data

OUT = Path(__file__).resolve().parent.parent / "resources" / "samples"
SEED = 7


def damage(photo: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Paint scratches and stains on a copy of ``photo``; return (damaged, mask)."""
    rng = np.random.default_rng(seed)
    height, width = photo.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    # Long thin scratches, the way old prints crack.
    for _ in range(5):
        points = [(int(rng.integers(0, width)), int(rng.integers(0, height)))]
        for _ in range(3):
            x, y = points[-1]
            points.append((int(np.clip(x + rng.integers(-150, 150), 0, width - 1)),
                           int(np.clip(y + rng.integers(-120, 120), 0, height - 1))))
        cv2.polylines(mask, [np.array(points, np.int32)], False, 255, int(rng.integers(2, 6)))
    # A few stains.
    for _ in range(3):
        center = (int(rng.integers(40, width - 40)), int(rng.integers(40, height - 40)))
        axes = (int(rng.integers(8, 22)), int(rng.integers(6, 16)))
        cv2.ellipse(mask, center, axes, float(rng.integers(0, 180)), 0, 360, 255, -1)
    damaged = photo.copy()
    hole = mask > 127
    tint = np.array([235, 228, 210], np.uint8)  # the cream of a scratched emulsion
    noise = rng.integers(-12, 12, size=(int(hole.sum()), 3))
    damaged[hole] = np.clip(tint.astype(int) + noise, 0, 255).astype(np.uint8)
    return damaged, mask


def main() -> None:
    """Write the sample files."""
    photo = data.coffee()  # 400x600 RGB, ships inside scikit-image
    damaged, mask = damage(photo)
    OUT.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT / "original.png"), photo[..., ::-1])
    cv2.imwrite(str(OUT / "damaged.png"), damaged[..., ::-1])
    cv2.imwrite(str(OUT / "damaged_mask.png"), mask)
    print(f"wrote {OUT}/damaged.png, damaged_mask.png, original.png "
          f"({100 * (mask > 127).mean():.1f}% of the photo masked)")


if __name__ == "__main__":
    main()
