"""Hard negatives for the damage detector: where a trained detector finds damage on clean photos.

A detector trained on synthetic damage mistakes some real structure for it --
outlines, cables, window bars, lettering. Such structure is a small share of
ordinary photos, so random crops rarely show it. :func:`mine_hard_tiles` runs a
detector over clean training pictures, cuts a tile around each of the largest
clusters of what it finds there, and writes the tiles to a folder.
``scripts/train_starter_detector.py --hard-tiles-from WEIGHTS`` then shows the
network such structure far more often: among the training pictures, with synthetic
damage drawn on it as on every crop, or (``--hard-clean N``) as a folder of its own,
N tiles added to every batch undamaged. This is data (which crops), not a loss term
(compare the hard-negative and edge terms of :mod:`.training`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class MiningConfig:
    """What counts as a false find and how tiles are cut around them."""

    #: Probability at or above which a pixel of a clean picture counts as found.
    threshold: float = 0.5
    #: Side of the square tiles (pixels of the picture).
    tile: int = 256
    #: At most this many tiles per picture, around its largest clusters of false finds.
    per_picture: int = 4
    #: A cluster smaller than this many pixels makes no tile.
    min_pixels: int = 12


def tile_origins(found: np.ndarray, config: MiningConfig) -> list[tuple[int, int]]:
    """``(top, left)`` of up to ``config.per_picture`` tiles over the largest clusters of ``found``
    (``bool (H, W)``), largest first; a cluster inside a tile already chosen makes no other."""
    import cv2

    height, width = found.shape
    side = min(config.tile, height, width)
    count, _, stats, centres = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    order = sorted(range(1, count), key=lambda i: -stats[i, cv2.CC_STAT_AREA])
    origins: list[tuple[int, int]] = []
    for label in order:
        if len(origins) == config.per_picture or stats[label, cv2.CC_STAT_AREA] < config.min_pixels:
            break
        x, y = centres[label]
        if any(top <= y < top + side and left <= x < left + side for top, left in origins):
            continue
        top = int(np.clip(round(y) - side // 2, 0, height - side))
        left = int(np.clip(round(x) - side // 2, 0, width - side))
        origins.append((top, left))
    return origins


def mine_hard_tiles(probability, pictures: list[Path], out: Path, config: MiningConfig | None = None,
                    on_picture=None) -> dict:
    """Write tiles of ``pictures`` around their false finds to ``out`` (``NAME__hardK.png``); returns
    counts. ``probability(rgb) -> (H, W)`` is the detector; ``pictures`` are clean. Idempotent per
    picture: one whose tiles are there already is not run again (an interrupted run resumes)."""
    from restorer.images import load_photo, photo_from_array, save_photo

    config = config or MiningConfig()
    out.mkdir(parents=True, exist_ok=True)
    done = out / "mined.txt"
    finished = set(done.read_text().splitlines()) if done.exists() else set()
    tiles = 0
    found_share = []
    for index, path in enumerate(pictures):
        if path.name in finished:
            continue
        rgb = load_photo(path).rgb
        found = probability(rgb) >= config.threshold
        found_share.append(float(found.mean()))
        side = min(config.tile, *found.shape)
        for k, (top, left) in enumerate(tile_origins(found, config)):
            save_photo(photo_from_array(rgb[top:top + side, left:left + side]), out / f"{path.stem}__hard{k}.png",
                       overwrite=True)
            tiles += 1
        with done.open("a") as log:
            log.write(path.name + "\n")
        if on_picture is not None:
            on_picture(index, len(pictures))
    return {"pictures": len(found_share), "tiles": tiles,
            "mean_found": float(np.mean(found_share)) if found_share else 0.0}
