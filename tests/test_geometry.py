"""restorer.geometry.dilated: a mask grown by a disc."""

from __future__ import annotations

import numpy as np

from restorer.geometry import dilated


def test_a_point_grows_into_a_disc_of_the_radius():
    mask = np.zeros((21, 21), bool)
    mask[10, 10] = True
    grown = dilated(mask, 4)
    rows, cols = np.nonzero(grown)
    assert grown.dtype == bool and grown[10, 6] and grown[10, 14] and grown[6, 10] and not grown[10, 15]
    assert not grown[6, 6]  # a disc, not a square
    assert rows.min() == 6 and rows.max() == 14 and cols.min() == 6 and cols.max() == 14


def test_nothing_to_grow_gives_a_copy():
    mask = np.zeros((5, 6), bool)
    mask[2, 3] = True
    same = dilated(mask, 0)
    assert np.array_equal(same, mask) and same is not mask
    assert not dilated(np.zeros((5, 6), bool), 3).any()


def test_a_slice_of_a_larger_mask_grows_within_the_slice():
    mask = np.zeros((30, 30), bool)
    mask[10, 15] = True
    part = dilated(mask[5:20, 10:25], 2)
    assert part.shape == (15, 15) and part[5, 3] and part[5, 7] and part.sum() == 17  # OpenCV's 5x5 ellipse
