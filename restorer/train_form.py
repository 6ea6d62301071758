"""The Train tab's rules, without Qt: the photo folders a model asks for, the options a run started from
the tab gets, and the checks before a new run starts or an unfinished one resumes.

:mod:`restorer.gui.training` shows the form and the run; everything it decides about a run
that does not need a widget is here, so it is tested without a ``QApplication``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from restorer.errors import InputError
from restorer.models import Model
from restorer.tasks import task_spec
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import RunRecord
from restorer.weights import check_name, run_dir, weights_path

#: A preview every this many steps (the trainer draws it on a fixed sample).
PREVIEW_EVERY = 10
#: Photos an inpainting run keeps out of training to measure the result on (none when the folder is small).
HOLDOUT = 2


@dataclass(frozen=True)
class FolderPrompt:
    """How the form asks for one photo folder."""

    #: The form's row label; an empty folder field is named by it in the message.
    label: str
    #: The title of the folder dialog.
    title: str


#: The prompts of a model that learns from one folder, and of one that learns between two (cyclegan).
ONE_FOLDER = (FolderPrompt("Photos", "Photos to train on"),)
TWO_FOLDERS = (FolderPrompt("Style A", "Photos of style A"), FolderPrompt("Style B", "Photos of style B"))


def folder_prompts(model: Model | None) -> tuple[FolderPrompt, ...]:
    """One prompt per photo folder ``model`` trains on, as it declares (:mod:`restorer.trainable`);
    one without a model."""
    return TWO_FOLDERS if model is not None and model.folders == 2 else ONE_FOLDER


def default_name(model: Model, now: _dt.datetime | None = None) -> str:
    """The name a new run of ``model`` is offered: ``inpaint-gan-20240131-0945``."""
    return f"{model.name}-{now or _dt.datetime.now():%Y%m%d-%H%M}"


def run_options(model: Model, *, steps: int, batch_size: int, crop: int) -> TrainOptions:
    """The options of a run started from the tab: its previews, and for inpainting models :data:`HOLDOUT`
    photos kept out of training to measure the result on."""
    holdout = HOLDOUT if task_spec(model.task).fills_holes else 0
    return TrainOptions(steps=steps, batch_size=batch_size, crop=crop, preview_every=PREVIEW_EVERY,
                        holdout=holdout)


@dataclass(frozen=True)
class RunPlan:
    """A run that passed the checks: what the tab hands its worker thread."""

    model: Model
    name: str
    folders: tuple[str, ...]
    options: TrainOptions
    #: Whether the run continues from its checkpoint.
    resume: bool = False


def plan_new_run(model: Model, name: str, folders: Sequence[str], *, steps: int, batch_size: int,
                 crop: int) -> RunPlan:
    """Check what the form says for a new run of ``model``; raises a
    :class:`~restorer.errors.RestorerError` that says what to change.

    ``folders`` are the paths typed for each of :func:`folder_prompts` (``""`` for none).
    """
    prompts = folder_prompts(model)
    if len(folders) != len(prompts):
        raise ValueError(f"{model.name} trains on {len(prompts)} photo folder(s), {len(folders)} given")
    name = name.strip()
    check_name(name)
    for prompt, folder in zip(prompts, folders):
        if not folder:
            raise InputError(f"choose a folder of photos for “{prompt.label}”")
        if not Path(folder).expanduser().is_dir():
            raise InputError(f"{folder}: no such folder (choose a folder of photos)")
    if weights_path(model.name, name).exists() or run_dir(model.name, name).exists():
        raise InputError(f"a run named {name!r} exists for {model.name}; choose another name "
                         "(or resume it under Unfinished runs)")
    options = run_options(model, steps=steps, batch_size=batch_size, crop=crop)
    options.check()
    return RunPlan(model, name, tuple(folders), options)


def plan_resume(record: RunRecord, models: Mapping[str, Model]) -> RunPlan:
    """Check that the unfinished run ``record`` can go on with the installed ``models`` (by name); raises
    :class:`~restorer.errors.InputError` when its model is not installed."""
    model = models.get(record.model)
    if model is None:
        raise InputError(f"the model {record.model} of this run is not installed")
    # A run started with `restorer train` had no previews to show: the tab's cadence applies here.
    options = dataclasses.replace(record.options, preview_every=PREVIEW_EVERY)
    return RunPlan(model, record.name, tuple(record.folders), options, resume=True)
