"""The task table: every task is one row, and the pipeline and the commands follow the row, not the name."""

from __future__ import annotations

import argparse
from typing import get_args

import numpy as np
import pytest

from restorer.errors import InputError
from restorer.models import Model, RunRequest
from restorer.pipeline import run_model
from restorer.registry import load_registry
from restorer.tasks import TASK_TABLE, TASKS, Task, TaskSpec, listed_tasks, task_spec
from restorer import hookimpl


def test_every_task_a_model_may_declare_has_one_row():
    assert set(TASKS) == set(get_args(Task)) == set(TASK_TABLE)
    assert listed_tasks() == ("inpaint", "stylize", "sample", "reconstruct")  # Find damage runs detect
    assert task_spec("inpaint").needs_mask and task_spec("inpaint").fills_holes
    assert not task_spec("stylize").needs_mask and task_spec("stylize").mask == "optional"
    assert not task_spec("sample").photo and task_spec("sample").returns == "images"
    assert task_spec("detect").returns == "probability" and not task_spec("detect").fills_holes
    assert [name for name, spec in TASK_TABLE.items() if spec.clears_mask] == ["inpaint"]


def test_an_unknown_task_is_a_declaration_bug():
    with pytest.raises(ValueError, match="unknown task 'colourize'"):
        task_spec("colourize")

    class Colourize(Model):
        name = "colourize"
        task = "colourize"

    with pytest.raises(ValueError, match="unknown task"):
        Colourize().check()


@pytest.mark.parametrize("fields, says", [
    ({"mask": "sometimes"}, "mask must be one of"),
    ({"returns": "video"}, "returns must be one of"),
    ({"photo": False, "mask": "optional"}, "takes no mask"),
])
def test_a_row_that_contradicts_itself_is_refused(fields, says):
    row = dict(name="odd", photo=True, mask="required", returns="photo", clears_mask=False, title="Odd",
               hint="", listed=True)
    with pytest.raises(ValueError, match=says):
        TaskSpec(**{**row, **fields})


class Blanker(Model):
    """Paints what it is given white, and records the crops it saw."""

    task = "erase"
    uses_torch = False

    def __init__(self, name: str, task: str):
        self.name, self.task = name, task
        self.shapes: list[tuple[int, ...]] = []

    def run(self, request: RunRequest, job) -> np.ndarray:
        self.shapes.append(request.photo.shape)
        return np.full_like(request.photo, 255)


class NewTaskPlugin:
    @hookimpl
    def register_models(self, register):
        register(Blanker("eraser", "erase"))
        register(Blanker("whitener", "whiten"))


@pytest.fixture
def new_rows(monkeypatch):
    """Two tasks the core has never heard of, each one row: one needs a mask, one takes it optionally."""
    monkeypatch.setitem(TASK_TABLE, "erase", TaskSpec(
        "erase", photo=True, mask="required", returns="photo", clears_mask=True, title="Erase",
        hint="Erases the painted area.", listed=True, done_word="erased"))
    monkeypatch.setitem(TASK_TABLE, "whiten", TaskSpec(
        "whiten", photo=True, mask="optional", returns="photo", clears_mask=False, title="Whiten",
        hint="Whitens the photo.", listed=True))
    registry = load_registry([NewTaskPlugin()], use_entry_points=False)
    assert not registry.failures, registry.failures
    return registry


def test_a_new_task_is_one_row(new_rows):
    photo = np.zeros((400, 400, 3), np.uint8)
    mask = np.zeros((400, 400), bool)
    mask[10:20, 10:20] = True
    eraser, whitener = new_rows.get("eraser"), new_rows.get("whitener")

    # a mask is required: an empty one is refused, and the model sees a crop around the hole
    with pytest.raises(InputError, match="the mask is empty"):
        run_model(eraser, photo, np.zeros_like(mask))
    out = run_model(eraser, photo, mask)
    assert out[mask].min() == 255 and out[~mask].max() == 0
    assert eraser.shapes and eraser.shapes[-1][:2] != photo.shape[:2]

    # an optional mask: the whole photo without one, only the masked area with one
    assert run_model(whitener, photo, None).min() == 255
    assert whitener.shapes[-1] == photo.shape
    limited = run_model(whitener, photo, mask)
    assert limited[mask].min() == 255 and limited[~mask].max() == 0


def test_the_commands_read_the_row(new_rows, tmp_path):
    from restorer.commands import _photos

    mask_file = tmp_path / "mask.png"
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), np.uint8)).save(mask_file)
    with pytest.raises(InputError, match="nothing to repair"):
        _photos.refuse_empty_mask(mask_file, "erase")
    with pytest.raises(InputError, match="leave out --mask"):
        _photos.refuse_empty_mask(mask_file, "whiten")


def test_a_folder_summary_uses_the_rows_word(new_rows, tmp_path, monkeypatch, capsys):
    from PIL import Image

    from restorer.commands import _photos

    photos, out = tmp_path / "photos", tmp_path / "out"
    photos.mkdir()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(photos / "a.png")
    mask = np.zeros((16, 16), np.uint8)
    mask[4:8, 4:8] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    monkeypatch.setattr(_photos, "get_registry", lambda: new_rows)
    args = argparse.Namespace(input=str(photos), output=str(out), mask=str(tmp_path / "mask.png"), model="eraser",
                              settings=[], device="cpu", overwrite=False, in_place=False, quality=95, debug=False)
    assert _photos.process(args, ("erase",), mask_required=True) == 0
    assert "1 erased, 0 skipped, 0 failed" in capsys.readouterr().err
