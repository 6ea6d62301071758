"""Compositing and the crop strategy."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.errors import InputError, ModelError
from restorer.jobs import Job
from restorer.models import Model, RunRequest
from restorer.pipeline import Box, hole_boxes, run_model
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
