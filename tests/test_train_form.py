"""The Train tab's rules without Qt (restorer.train_form): folder prompts, a run's options, and the checks
before a run starts or resumes."""

from __future__ import annotations

import datetime as dt

import pytest

from restorer.errors import InputError
from restorer.models import Model
from restorer.train_form import (HOLDOUT, ONE_FOLDER, PREVIEW_EVERY, TWO_FOLDERS, default_name, folder_prompts,
                                 plan_new_run, plan_resume, run_options)
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import RunRecord
from restorer.weights import run_dir, save_weights


class Filler(Model):
    name = "test-filler"
    task = "inpaint"
    trainable = True


class Painter(Model):
    name = "test-painter"
    task = "stylize"
    trainable = True
    folders = 2


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    return str(folder)


def _new(model, name="mine", folders=None, *, steps=20, batch_size=2, crop=32):
    return plan_new_run(model, name, folders, steps=steps, batch_size=batch_size, crop=crop)


def test_the_folders_asked_for_are_the_ones_the_model_declares():
    assert folder_prompts(Filler()) == ONE_FOLDER and folder_prompts(None) == ONE_FOLDER
    assert folder_prompts(Painter()) == TWO_FOLDERS
    assert [p.label for p in TWO_FOLDERS] == ["Style A", "Style B"]


def test_a_new_run_is_offered_a_dated_name():
    assert default_name(Filler(), dt.datetime(2024, 1, 31, 9, 45)) == "test-filler-20240131-0945"


def test_inpainting_runs_keep_photos_out_to_measure_on_and_every_run_previews():
    filler = run_options(Filler(), steps=30, batch_size=4, crop=64)
    assert filler == TrainOptions(steps=30, batch_size=4, crop=64, preview_every=PREVIEW_EVERY, holdout=HOLDOUT)
    assert run_options(Painter(), steps=30, batch_size=4, crop=64).holdout == 0


def test_a_good_form_becomes_a_plan(photos):
    plan = _new(Filler(), " mine ", [photos])
    assert plan.name == "mine" and plan.folders == (photos,) and not plan.resume
    assert plan.options == run_options(Filler(), steps=20, batch_size=2, crop=32)


def test_an_empty_folder_field_is_named_by_its_label(photos):
    with pytest.raises(InputError, match="for “Photos”"):
        _new(Filler(), folders=[""])
    with pytest.raises(InputError, match="for “Style B”"):
        _new(Painter(), folders=[photos, ""])


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        _new(Filler(), folders=[str(tmp_path / "missing")])
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(InputError, match="no such folder"):
        _new(Filler(), folders=[str(tmp_path / "a-file")])


def test_a_bad_or_taken_name_is_refused(photos):
    with pytest.raises(InputError, match="invalid weights name"):
        _new(Filler(), "bad name!", [photos])
    with pytest.raises(InputError, match="reserved"):
        _new(Filler(), "starter", [photos])
    save_weights("test-filler", "taken", {}, {"steps": 1})
    with pytest.raises(InputError, match="exists.*Unfinished runs"):
        _new(Filler(), "taken", [photos])
    run_dir("test-filler", "stopped").mkdir(parents=True)  # an unfinished run holds the name too
    with pytest.raises(InputError, match="exists"):
        _new(Filler(), "stopped", [photos])
    assert _new(Painter(), "taken", [photos, photos]).name == "taken"  # names are per model


def test_options_out_of_range_are_refused(photos):
    with pytest.raises(InputError, match="--crop"):
        _new(Filler(), folders=[photos], crop=8)


def test_the_wrong_number_of_folders_is_a_bug(photos):
    with pytest.raises(ValueError):
        _new(Painter(), folders=[photos])


def test_a_resumed_run_keeps_its_options_but_previews():
    record = RunRecord("test-filler", "stopped", ("/photos",), TrainOptions(steps=30, checkpoint_every=100))
    plan = plan_resume(record, {"test-filler": Filler()})
    assert plan.resume and plan.name == "stopped" and plan.folders == ("/photos",)
    assert plan.options == TrainOptions(steps=30, checkpoint_every=100, preview_every=PREVIEW_EVERY)
    with pytest.raises(InputError, match="test-filler of this run is not installed"):
        plan_resume(record, {"test-painter": Painter()})
