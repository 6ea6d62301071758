"""Smart selection (restorer.selection): GrabCut from a box, on tiny synthetic photos."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.errors import Cancelled, InputError
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.selection import MARGIN_RANGE, grown_for_repair, object_in_box, object_under_stroke, repair_margin


def photo_with_disc(height: int = 80, width: int = 100, seed: int = 0):
    """A noisy grey photo with a noisy yellow disc; returns the photo and the disc's mask."""
    rng = np.random.default_rng(seed)
    photo = np.clip(rng.normal(70, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:height, :width]
    disc = (yy - height // 2) ** 2 + (xx - width // 2) ** 2 < (min(height, width) // 4) ** 2
    photo[disc] = np.clip(rng.normal((210, 190, 40), 12, (int(disc.sum()), 3)), 0, 255).astype(np.uint8)
    return photo, disc


def test_a_box_around_a_distinct_object_selects_the_object():
    photo, disc = photo_with_disc()
    mask = object_in_box(photo, Box(15, 25, 65, 75))
    assert mask.shape == disc.shape and mask.dtype == bool
    assert (mask & disc).sum() / disc.sum() > 0.95
    assert (mask & ~disc).sum() < 0.05 * disc.sum()


def test_a_like_object_outside_the_box_is_not_selected():
    left, disc = photo_with_disc(80, 100)
    photo = np.concatenate([left, left], axis=1)  # the same disc twice, side by side
    mask = object_in_box(photo, Box(15, 25, 65, 75))
    assert (mask[:, :100] & disc).sum() / disc.sum() > 0.95
    assert not mask[:, 75:].any()


def test_a_large_photo_is_reduced_for_grabcut_and_the_mask_enlarged():
    photo, disc = photo_with_disc(400, 500)
    mask = object_in_box(photo, Box(80, 130, 320, 370), max_pixels=20_000)  # the crop is ~100 000 px
    assert mask.shape == (400, 500)
    assert (mask & disc).sum() / disc.sum() > 0.95
    assert (mask & ~disc).sum() < 0.05 * disc.sum()


def test_a_box_over_the_whole_photo_still_works():
    photo, disc = photo_with_disc(60, 60)
    mask = object_in_box(photo, Box(-5, -5, 70, 70))  # clipped to the photo; its rim is taken as background
    assert (mask & disc).sum() / disc.sum() > 0.9


@pytest.mark.parametrize("box", [Box(10, 10, 12, 40), Box(0, 0, 0, 0), Box(200, 200, 220, 220)])
def test_a_box_too_small_or_outside_the_photo_is_refused(box):
    photo, _ = photo_with_disc()
    with pytest.raises(InputError, match="larger box"):
        object_in_box(photo, box)


def test_every_iteration_reports_progress_and_can_be_cancelled():
    photo, _ = photo_with_disc()
    seen = []
    job = Job(seen.append)
    object_in_box(photo, Box(15, 25, 65, 75), iterations=3, job=job)
    assert [p.done for p in seen] == [0, 1, 2, 3]
    job = Job(lambda progress: job.cancel() if progress.done == 1 else None)
    with pytest.raises(Cancelled):
        object_in_box(photo, Box(15, 25, 65, 75), job=job)


def test_sixteen_bit_photos_are_selected_too():
    photo, disc = photo_with_disc()
    mask = object_in_box(photo.astype(np.uint16) * 257, Box(15, 25, 65, 75))
    assert (mask & disc).sum() / disc.sum() > 0.95


def _stroke_on(shape, points, width: int = 3) -> np.ndarray:
    import cv2

    stroke = np.zeros(shape, np.uint8)
    cv2.polylines(stroke, [np.array(points, np.int32).reshape(-1, 1, 2)], False, 1, width)
    return stroke > 0


def test_a_rough_stroke_on_an_object_selects_the_whole_object():
    photo, disc = photo_with_disc()
    stroke = _stroke_on(disc.shape, [(42, 35), (50, 42), (58, 38)])  # a short scribble inside the disc
    assert stroke.sum() < 0.2 * disc.sum()
    mask = object_under_stroke(photo, stroke)
    assert (mask & disc).sum() / disc.sum() > 0.9
    assert (mask & ~disc).sum() < 0.1 * disc.sum()
    assert mask[stroke].all()


def test_a_stroke_reaches_only_so_far_past_itself():
    photo, _ = photo_with_disc(80, 300)
    photo[:] = photo[0, 0]  # one flat colour everywhere: nothing stops the growth but the reach
    stroke = _stroke_on(photo.shape[:2], [(145, 40), (155, 40)])
    mask = object_under_stroke(photo, stroke)
    assert mask[stroke].all() and not mask[:, :110].any() and not mask[:, 190:].any()


def test_a_stroke_on_a_large_photo_survives_the_reduction():
    photo, disc = photo_with_disc(400, 500)
    stroke = _stroke_on(disc.shape, [(200, 180), (260, 220), (300, 200)], width=1)
    mask = object_under_stroke(photo, stroke, max_pixels=20_000)
    assert (mask & disc).sum() / disc.sum() > 0.9 and mask[stroke].all()


def test_an_empty_or_misshapen_stroke_is_refused():
    photo, disc = photo_with_disc()
    with pytest.raises(InputError, match="paint over"):
        object_under_stroke(photo, np.zeros(disc.shape, bool))
    with pytest.raises(InputError, match="stroke is"):
        object_under_stroke(photo, np.ones((3, 3), bool))


def test_a_selection_to_repair_grows_with_the_objects_size_within_bounds():
    small = np.zeros((600, 800), bool)
    small[100:110, 100:110] = True
    assert repair_margin(small) == MARGIN_RANGE[0]
    large = np.zeros((1080, 1920), bool)
    large[100:900, 200:1400] = True  # a 1200 x 800 object: about a hundredth of its diagonal
    assert MARGIN_RANGE[0] < repair_margin(large) <= MARGIN_RANGE[1]
    huge = np.ones((6000, 9000), bool)
    assert repair_margin(huge) == MARGIN_RANGE[1]
    assert repair_margin(np.zeros((10, 10), bool)) == 0


def test_grown_for_repair_adds_a_ring_of_its_margin_and_nothing_else():
    photo, disc = photo_with_disc(200, 240)
    grown = grown_for_repair(disc)
    margin = repair_margin(disc)
    assert (grown & disc).sum() == disc.sum()
    yy, xx = np.mgrid[:200, :240]
    distance = np.hypot(yy - 100, xx - 120) - 50
    assert grown[(distance > 0.5) & (distance < margin - 1)].all()
    assert not grown[distance > margin + 1].any()
    edge = np.zeros((50, 60), bool)
    edge[:10, :10] = True  # at the photo's corner: grown inside the photo, no wrap-around
    grown = grown_for_repair(edge)
    assert grown[:13, :10].all() and grown[:10, :13].all() and not grown[20:, 20:].any()
    assert not grown_for_repair(np.zeros((5, 5), bool)).any()
