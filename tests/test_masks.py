"""Random hole masks: always a hole, never the whole photo, always returned, even on tiny photos."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from restorer.errors import InputError
from restorer.training.masks import MASK_KINDS, random_mask

TINY = [(h, w) for h in range(1, 9) for w in range(1, 9) if h * w >= 2] + [
    (1, 300), (300, 1), (2, 5), (5, 2), (7, 2), (2, 7), (3, 40), (40, 3), (9, 11)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", [*MASK_KINDS, "mixed"])
def test_tiny_photos_always_get_a_hole(kind):
    for height, width in TINY:
        total = height * width
        for seed in range(8):
            mask = random_mask(height, width, np.random.default_rng(seed), kind)
            assert mask.shape == (height, width) and mask.dtype == bool
            holes = int(mask.sum())
            # at least one pixel, never the whole photo, and as close to the asked range as pixels allow
            low = min(max(1, math.ceil(0.05 * total)), total - 1)
            high = min(max(low, math.floor(0.25 * total)), total - 1)
            assert low <= holes <= high, (height, width, kind, seed, holes)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("area", [(0.01, 0.02), (0.4, 0.45), (0.9, 0.95), (0.5, 0.5)])
def test_narrow_and_large_areas_terminate(area):
    for height, width in [(3, 3), (2, 5), (10, 10), (16, 24)]:
        total = height * width
        for kind in MASK_KINDS:
            for seed in range(6):
                holes = int(random_mask(height, width, np.random.default_rng(seed), kind, area).sum())
                assert 1 <= holes <= total - 1


def test_a_single_pixel_has_no_room_for_a_hole():
    with pytest.raises(InputError, match="1x1"):
        random_mask(1, 1, np.random.default_rng(0))


def test_bench_shape_two_by_five_with_boxes():
    # `restorer bench` on a 5x2 photo draws one mask of each kind at this shape
    from restorer.evaluation import benchmark_masks

    masks = benchmark_masks("tiny", (2, 5))
    assert set(masks) == set(MASK_KINDS)
    assert all(1 <= m.sum() <= 9 for m in masks.values())


def test_masks_of_ordinary_sizes_are_unchanged():
    # benchmarks and training replay seeded masks: bounding the loop must not change them
    digest = hashlib.sha256()
    for shape in [(64, 96), (256, 256), (120, 33)]:
        for kind in (*MASK_KINDS, "mixed"):
            for seed in range(5):
                digest.update(np.packbits(random_mask(*shape, np.random.default_rng(seed), kind)).tobytes())
    assert digest.hexdigest() == "5a9830ac1248f39c011f63036bcbf2f48d6d2bb38806c3d80a700d31db5bd139"
