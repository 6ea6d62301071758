"""Large regions at bounded memory: reduced fills, thin holes at full size in tiles, detail in tiles."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.errors import Cancelled
from restorer.jobs import Job
from restorer.models import Model, RunRequest
from restorer.pipeline import run_model
from restorer.resolution import enlarge, in_tiles, reduced_size, shrink, split_by_width


def test_reduced_size_keeps_the_aspect_and_leaves_small_regions_alone():
    assert reduced_size((300, 200), 400) is None
    assert reduced_size((300, 200), None) is None
    assert reduced_size((3000, 1500), 1000) == (1000, 500)
    assert reduced_size((1, 5000), 100) == (1, 100)


def test_shrink_masks_every_reduced_pixel_that_averages_a_damaged_one():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (301, 203, 3), dtype=np.uint8)
    mask = np.zeros((301, 203), bool)
    mask[10, 17] = mask[150:152, 40:190] = mask[299, 201] = True
    small, small_mask = shrink(photo, mask, (100, 67))
    assert small.shape == (100, 67, 3) and small_mask.shape == (100, 67)
    # Enlarged back (nearest), the reduced mask covers every damaged pixel.
    back = enlarge(small_mask.astype(np.uint8) * 255, mask.shape) > 0
    assert back[mask].all()
    assert small_mask.mean() < 0.2  # and not the whole photo


def test_split_by_width_tells_scratches_from_wide_holes():
    mask = np.zeros((200, 200), bool)
    mask[20, 10:190] = True          # a 1-pixel scratch
    mask[60:64, 10:190] = True       # a 4-pixel one
    mask[100:180, 50:150] = True     # a wide hole
    wide, thin = split_by_width(mask, radius=8)
    assert not (wide & thin).any() and ((wide | thin) == mask).all()
    assert thin[20, 10:190].all() and thin[60:64, 10:190].all()
    assert wide[100:180, 50:150].all()
    no_wide, all_thin = split_by_width(mask & ~wide)
    assert not no_wide.any() and (all_thin == (mask & ~wide)).all()


def test_in_tiles_matches_a_whole_image_run_for_a_local_operation_and_changes_only_the_mask():
    import cv2

    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (257, 390, 3), dtype=np.uint8)
    mask = np.zeros((257, 390), bool)
    mask[5:250:7, 3:380] = True
    mask[:, 200] = True

    def blur(window: np.ndarray, where: np.ndarray) -> np.ndarray:
        return cv2.blur(window, (5, 5), borderType=cv2.BORDER_REFLECT)

    whole = np.where(mask[..., None], blur(image, mask), image)
    for workers in (1, 2):
        tiled = in_tiles(blur, image, mask, tile=64, margin=8, workers=workers)
        assert np.array_equal(tiled, whole)
    assert np.array_equal(in_tiles(blur, image, np.zeros_like(mask)), image)


def test_in_tiles_only_visits_tiles_with_masked_pixels():
    seen = []
    mask = np.zeros((400, 400), bool)
    mask[10:20, 10:20] = True

    def record(window, where):
        seen.append(window.shape)
        return window

    in_tiles(record, np.zeros((400, 400, 3), np.uint8), mask, tile=100, margin=10)
    assert seen == [(110, 110, 3)]


def test_in_tiles_tells_fn_every_unfilled_pixel_but_takes_only_the_masked_ones():
    image = np.zeros((200, 200, 3), np.uint8)
    mask = np.zeros((200, 200), bool)
    mask[50:60, 20:180] = True
    hole = mask.copy()
    hole[100:110, 20:180] = True  # damaged too, filled later: never context
    seen = []

    def fill(window, where):
        seen.append(int(where.sum()))
        out = window.copy()
        out[where] = 9
        return out

    out = in_tiles(fill, image, mask, tile=100, margin=60, hole=hole)
    assert (out[mask] == 9).all() and (out[~mask] == 0).all()
    assert max(seen) > mask[0:160, 0:160].sum()  # the windows reaching row 100 were told of that hole too


class _Fill(Model):
    """Fills the hole with 7s and restores "detail" as 255s; records the size of every call."""

    name, title, task = "fill", "Fill", "inpaint"
    working_size = 96

    def __init__(self):
        self.runs, self.details = [], []

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        self.runs.append(request.photo.shape[:2])
        out = request.photo.copy()
        out[request.mask] = 7
        return out

    def restore_detail(self, image, mask, params):
        self.details.append(image.shape[:2])
        out = image.copy()
        out[mask] = 255  # visible: the detail pass ran on these pixels
        return out


def _large_case():
    rng = np.random.default_rng(2)
    photo = rng.integers(20, 200, (320, 480, 3), dtype=np.uint8)
    mask = np.zeros((320, 480), bool)
    mask[100:260, 150:400] = True   # wide
    mask[20, 5:470] = True          # a scratch
    return photo, mask


def test_a_region_larger_than_the_working_size_never_reaches_the_model_at_full_size():
    photo, mask = _large_case()
    model = _Fill()
    out = run_model(model, photo, mask)
    assert model.runs and all(max(shape) <= model.working_size for shape in model.runs)
    assert model.details and all(max(shape) <= 1024 + 2 * 96 for shape in model.details)
    assert np.array_equal(out[~mask], photo[~mask])  # outside the mask, bit for bit
    wide, thin = split_by_width(mask)
    assert thin[20, 5:470].all() and wide[100:260, 150:400].all()
    # The scratch is filled at full size (no detail pass), the wide hole by the enlarged fill plus detail.
    assert (out[thin] == 7).all() and (out[wide] == 255).all()


def test_brush_strokes_of_a_large_region_are_filled_at_full_size_in_tiles(monkeypatch):
    import restorer.pipeline as pipeline

    photo, mask = _large_case()
    mask[280:300, 10:470] = True  # a brush stroke 20 px wide: deeper than a scratch, shallower than the box
    model = _Fill()
    out = run_model(model, photo, mask)
    stroke = np.zeros_like(mask)
    stroke[280:300, 10:470] = True
    assert (out[stroke] == 7).all()  # the model itself, at full size: no reduced fill, no copied detail
    assert (out[100:260, 150:400] == 255).all() and (out[20, 5:470] == 7).all()
    assert all(max(shape) <= model.working_size for shape in model.runs)  # in windows of the working size
    assert np.array_equal(out[~mask], photo[~mask])
    monkeypatch.setattr(pipeline, "STROKE_RADIUS", 0)  # off: the stroke is reduced with the box, as before
    assert (run_model(_Fill(), photo, mask)[stroke] == 255).all()


def test_the_detail_pass_sees_no_damaged_pixel_of_the_strokes_still_to_fill():
    """The strokes are filled after the wide hole's detail pass: until then the enlarged fill stands in
    them, so their damage (a heron's beak) cannot bleed into the wide hole's edge and back."""
    class Seeing(_Fill):
        def restore_detail(self, image, mask, params):
            self.seen = getattr(self, "seen", []) + [image[mask].copy()]
            return super().restore_detail(image, mask, params)

    photo, mask = _large_case()
    photo[170:194, 400:475] = (250, 250, 0)  # a yellow beak out of the wide hole's side, masked:
    mask[170:194, 400:475] = True            # shallow, a stroke, filled at full size after the detail pass
    wide, narrower = split_by_width(mask, 48)
    assert narrower[170:194, 420:475].all() and wide[100:260, 150:400].all()
    model = Seeing()
    out = run_model(model, photo, mask)
    shown = np.concatenate(model.seen)
    assert len(shown) and not (shown == (250, 250, 0)).all(axis=1).any()
    assert not (out[mask] == (250, 250, 0)).all(axis=1).any()
    assert np.array_equal(out[~mask], photo[~mask])


def test_strokes_run_with_the_models_stroke_params():
    from restorer.models import bool_param

    class Cheaper(_Fill):
        params = (bool_param("refine", True),)

        def run(self, request, job):
            self.seen = getattr(self, "seen", []) + [(request.photo.shape[:2], request.params["refine"])]
            return super().run(request, job)

        def stroke_params(self, params):
            return {**params, "refine": False}

    photo, mask = _large_case()
    mask[280:300, 10:470] = True
    model = Cheaper()
    run_model(model, photo, mask)
    assert {refine for _, refine in model.seen} == {True, False}  # the reduced fill as asked, the strokes cheaper


class _QuickScratches(_Fill):
    """Offers a quick fill of scratches (3s) unless its parameter says no."""

    def __init__(self, quick=True):
        super().__init__()
        self.quick, self.scratch_calls = quick, []

    def fills_scratches_quickly(self, params):
        return self.quick

    def fill_scratches(self, image, mask, params):
        self.scratch_calls.append(image.shape[:2])
        out = image.copy()
        out[mask] = 3
        return out


def test_scratches_of_a_large_region_take_the_models_quick_fill_when_it_offers_one():
    photo, mask = _large_case()
    wide, thin = split_by_width(mask)
    model = _QuickScratches()
    out = run_model(model, photo, mask)
    assert (out[thin] == 3).all() and (out[wide] == 255).all()
    assert np.array_equal(out[~mask], photo[~mask])
    assert model.scratch_calls and all(max(shape) <= 1024 + 2 * 64 for shape in model.scratch_calls)
    assert all(max(shape) <= model.working_size for shape in model.runs)  # the network only on the reduced fill
    slow = _QuickScratches(quick=False)
    assert (run_model(slow, photo, mask)[thin] == 7).all() and not slow.scratch_calls


def test_a_small_photo_runs_at_full_size_as_before():
    photo, mask = _large_case()
    model = _Fill()
    model.working_size = None
    run_model(model, photo, mask, crop=False)
    assert model.runs == [(320, 480)] and not model.details


def test_cancel_stops_between_tiles():
    photo, mask = _large_case()
    model = _Fill()
    job = Job()

    def cancel_on_detail(image, where, params):
        job.cancel()
        return image

    model.restore_detail = cancel_on_detail
    with pytest.raises(Cancelled):
        run_model(model, photo, mask, job=job)
