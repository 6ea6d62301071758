"""Compositing and the crop strategy."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.errors import InputError, ModelError
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.models import Model, RunRequest
from restorer.pipeline import hole_boxes, run_model
from restorer.registry import load_registry
from restorer_plugins import opencv
from tests.conftest import textured_photo


class Recorder(Model):
    """Fills the hole with a flat colour and records the crop sizes it was given."""

    name = "recorder"
    task = "inpaint"

    def __init__(self):
        self.shapes: list[tuple[int, ...]] = []

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        self.shapes.append(request.photo.shape)
        out = np.full_like(request.photo, 200)
        return out


class Scrambler(Model):
    """Returns noise everywhere: compositing must keep the outside intact anyway."""

    name = "scrambler"
    task = "inpaint"

    def run(self, request, job):
        return np.random.default_rng(0).integers(0, 256, request.photo.shape, dtype=np.uint8)


def telea():
    return load_registry([opencv], use_entry_points=False).get("opencv-telea")


def test_outside_of_mask_is_bit_exact(photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[10:30, 20:50] = True
    out = run_model(Scrambler(), photo, mask)
    assert np.array_equal(out[~mask], photo[~mask])
    assert not np.array_equal(out[mask], photo[mask])


def test_telea_changes_only_the_hole(photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[20:28, 30:60] = True
    damaged = photo.copy()
    damaged[mask] = 255
    out = run_model(telea(), damaged, mask)
    assert np.array_equal(out[~mask], damaged[~mask])
    # The fill is closer to the truth than the white damage was.
    assert np.abs(out[mask].astype(int) - photo[mask]).mean() < np.abs(damaged[mask].astype(int) - photo[mask]).mean()


def test_hole_boxes_merge_and_margin():
    mask = np.zeros((1000, 1000), bool)
    mask[100:110, 100:110] = True
    mask[130:140, 130:140] = True  # close: merged with the first
    mask[800:810, 800:810] = True  # far: its own crop
    boxes = hole_boxes(mask, min_margin=50)
    assert len(boxes) == 2
    assert boxes[0] == Box(50, 50, 190, 190)
    assert boxes[1] == Box(750, 750, 860, 860)


def test_large_photo_runs_on_crops_and_matches_full_frame():
    height, width = 4000, 6000
    photo = np.zeros((height, width, 3), np.uint8)
    photo[:] = textured_photo(400, 600)[np.arange(height) % 400][:, np.arange(width) % 600]
    mask = np.zeros((height, width), bool)
    mask[1000:1012, 2000:2300] = True  # a scratch
    mask[3500:3540, 5500:5530] = True  # a stain
    recorder = Recorder()
    run_model(recorder, photo, mask)
    # Cost follows the masked area: each crop is far smaller than the 24-megapixel frame.
    assert len(recorder.shapes) == 2
    assert sum(s[0] * s[1] for s in recorder.shapes) < 0.02 * height * width

    model = telea()
    cropped = run_model(model, photo, mask)
    boxes = hole_boxes(mask)
    for box in boxes:  # the full frame, restricted to each crop, gives the same repair
        full = run_model(model, photo[box.slices], mask[box.slices], crop=False)
        assert np.array_equal(cropped[box.slices], full)
    assert np.array_equal(cropped[~mask], photo[~mask])


def test_empty_mask_and_size_mismatch(photo):
    with pytest.raises(InputError, match="empty"):
        run_model(telea(), photo, np.zeros(photo.shape[:2], bool))
    with pytest.raises(InputError, match="whole photo"):
        run_model(telea(), photo, np.ones(photo.shape[:2], bool))
    with pytest.raises(InputError, match="96x64"):
        run_model(telea(), photo, np.ones((10, 10), bool))


def test_bad_model_output_is_reported(photo):
    class Wrong(Model):
        name = "wrong"
        task = "inpaint"

        def run(self, request, job):
            return request.photo.astype(np.float32)

    mask = np.zeros(photo.shape[:2], bool)
    mask[5:10, 5:10] = True
    with pytest.raises(ModelError, match="uint8"):
        run_model(Wrong(), photo, mask)


class Stylizer(Model):
    """A stylize model that inverts the photo."""

    name = "stylizer"
    task = "stylize"

    def run(self, request, job):
        return 255 - request.photo


@pytest.mark.parametrize("shape", [(3, 3), (1, 40), (40, 2), (3, 500)])
def test_photos_below_the_model_minimum_are_refused(shape):
    photo = textured_photo(*shape)
    mask = np.zeros(shape, bool)
    mask[0, 0] = True
    height, width = shape
    for model in (Recorder(), Stylizer(), telea()):
        with pytest.raises(InputError, match=f"the photo is {width}x{height}; model {model.name} needs at least "
                                             f"{model.min_size} px on each side"):
            run_model(model, photo, mask if model.task == "inpaint" else None)


def test_the_minimum_applies_to_the_photo_and_crops_grow_to_it():
    class Demanding(Recorder):
        name = "demanding"
        min_size = 300

    photo = textured_photo(320, 2000)
    mask = np.zeros(photo.shape[:2], bool)
    mask[2:4, 1:3] = True  # a tiny hole in the corner
    mask[300:302, 1950:1952] = True  # and one in the opposite corner
    model = Demanding()
    out = run_model(model, photo, mask)
    assert len(model.shapes) == 2
    assert all(min(shape[:2]) >= 300 for shape in model.shapes), model.shapes
    assert np.array_equal(out[~mask], photo[~mask])
    with pytest.raises(InputError, match="needs at least 300 px"):
        run_model(model, textured_photo(299, 2000), mask[:299])


def test_hole_boxes_grow_to_the_smallest_side_at_the_border():
    mask = np.zeros((50, 60), bool)
    mask[0, 59] = True
    assert hole_boxes(mask, min_margin=0) == [Box(0, 59, 1, 60)]
    assert hole_boxes(mask, min_margin=0, min_side=8) == [Box(0, 52, 8, 60)]
    assert hole_boxes(mask, min_margin=2, min_side=100) == [Box(0, 0, 50, 60)]  # the photo is the limit


def test_every_registered_model_declares_a_minimum():
    registry = load_registry()
    for model in registry.models.values():
        assert isinstance(model.min_size, int) and model.min_size >= 1, model
    assert registry.get("cyclegan").min_size > Model.min_size


@pytest.mark.parametrize("side", [1, 2, 3, 4, 7])
def test_stylize_on_tiny_photos_is_an_input_error_not_a_crash(side, one_torch_thread):
    model = load_registry().get("cyclegan")
    with pytest.raises(InputError, match=f"the photo is {side}x{side}; model cyclegan needs at least"):
        run_model(model, textured_photo(side, side), None)
    # at its minimum it runs
    size = model.min_size
    assert run_model(model, textured_photo(size, size), None).shape == (size, size, 3)
