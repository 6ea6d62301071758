"""One training run from start to stored weights: what ``restorer train`` and the window's Train tab run.

:func:`train_model` scans the photo folders, builds the model's trainer, runs the loop
(:mod:`restorer.training.loop`) into the run folder of the weights store, records the run
(:mod:`restorer.training.stored_runs`) and stores the result as the person's named weights.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from restorer.errors import EnvironmentProblem, InputError, ModelError
from restorer.jobs import Job
from restorer.training.checkpoint import remove_stale_parts
from restorer.training.data import DataConfig, PhotoFolder, folder_notices
from restorer.training.distributed import init_from_env
from restorer.training.holdout import MIN_TRAINING_PHOTOS, held_out_photos
from restorer.training.loop import LoopConfig, TrainResult, train
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import CHECKPOINT_FILE, RUN_FILE, RunRecord, checkpoint_step
from restorer.weights import read_metadata, run_dir, save_weights, weights_path

def trainable(model) -> bool:
    """Whether ``model`` can be trained: it says so (``trainable``) and can build a trainer (``make_trainer``)."""
    return bool(getattr(model, "trainable", False)) and hasattr(model, "make_trainer")


def train_model(model, data: list[str | os.PathLike], options: TrainOptions, name: str, *,
                device: str = "cpu", resume: bool = False, overwrite: bool = False,
                job: Job | None = None, holdout_required: bool = False,
                on_notice: Callable[[str], None] | None = None) -> tuple[Path, TrainResult]:
    """Train ``model`` on the photo folder(s) ``data`` and store the result as user weights ``name``.

    The checkpoint lives in the run folder of the weights store, so ``resume``
    continues an interrupted run; once the first step is done, the run's
    ``run.json`` (:class:`~restorer.training.stored_runs.RunRecord`) is written beside it,
    so the app can offer to resume it too. Returns the weights path and the loop's result.
    A new run whose first folder is too small for ``options.holdout`` trains on all of its photos
    (the comparison then says why), or with ``holdout_required`` is refused before anything is made.
    Once the run is accepted, ``on_notice`` hears of what is imperfect in its folders (unreadable files,
    photos smaller than the crop: :func:`~restorer.training.data.folder_notices`), one line each.
    """
    options.check()
    if not trainable(model):
        raise ModelError(f"model {model.name} cannot be trained")
    target = weights_path(model.name, name)
    checkpoint = run_dir(model.name, name) / CHECKPOINT_FILE
    # A finished run keeps its checkpoint (``--resume`` with more ``--steps`` trains it further), so the
    # checkpoint alone does not say the run was interrupted: its step against the run's own steps does.
    reached = checkpoint_step(checkpoint)
    finished = target.exists() and reached >= _recorded_steps(model.name, name, reached)
    if not resume and not overwrite and checkpoint.exists() and not finished:
        raise InputError(f"an interrupted run named {name!r} of {model.name} exists; use --resume to continue it, "
                         "--overwrite to start it again, or choose another --name")
    if not resume and not overwrite and target.exists():
        further = (f", --resume with more than {reached} --steps to train them further" if checkpoint.exists()
                   else "")
        raise InputError(f"weights named {name!r} for {model.name} already exist; use --overwrite to replace them"
                         f"{further}, or choose another --name")
    session = init_from_env(device)  # None unless started by torchrun as one of several ranks
    main = session is None or session.is_main  # the rank that checks, records and stores
    if resume and not checkpoint.exists() and main:
        finished_note = " (its weights are finished: nothing to continue)" if target.exists() else ""
        raise InputError(f"no interrupted run named {name!r} of {model.name} to resume{finished_note}")
    if resume and main and finished and options.steps <= reached:
        raise InputError(f"run {name!r} of {model.name} finished at step {reached}: nothing to continue "
                         f"(give --steps above {reached} to train it further)")
    if resume and main:
        _check_same_options(model.name, name, options)
    if session is not None:
        device = session.device  # cuda:LOCAL_RANK, or cpu
        if resume:
            session.share_file(checkpoint)  # machines without shared storage get rank 0's checkpoint
    # Everything the person gave is checked before the run's folder is made: a refused run leaves nothing.
    folders = [PhotoFolder.scan(folder) for folder in data]
    held_out = _held_out(model.name, name, folders[0], options, resume)
    if holdout_required and options.holdout and not resume and not held_out:
        needed = options.holdout + MIN_TRAINING_PHOTOS
        raise InputError(f"--holdout {options.holdout} needs at least {needed} photos in {data[0]} "
                         f"({len(folders[0])} there): {MIN_TRAINING_PHOTOS} or more must be left to train on")
    if held_out:
        folders[0] = folders[0].without(held_out)
    if main and on_notice is not None:  # the run is accepted: what is imperfect in its folders
        for notice in folder_notices(folders, options.crop):
            on_notice(notice)
    import torch

    torch.manual_seed(options.seed)  # networks built from scratch start from the seed too
    trainer = model.make_trainer(options, device)
    check_memory(trainer, options, device)
    if main:
        _prepare_run_folder(checkpoint.parent, target)  # the system's refusal now, not after the first step
    job = job or Job()
    if not resume and main:
        _record_after_first_step(job, model.name, name, folders, options, held_out)
    elif main:
        _record_new_steps(model.name, name, options.steps)
    config = LoopConfig(steps=options.steps, seed=options.seed, checkpoint_every=options.checkpoint_every,
                        preview_every=options.preview_every,
                        data=DataConfig(crop=options.crop, batch_size=options.batch_size))
    result = train(trainer, folders, config, checkpoint=checkpoint, resume=resume, job=job,
                   overwrite=overwrite)
    if not main:
        return target, result  # rank 0 stores the weights
    tensors, metadata = trainer.export()
    metadata = {
        **metadata,
        "base": options.base,
        "data": [str(Path(f.root).resolve()) for f in folders],
        "photos": [len(f) for f in folders],  # trained on: the held-out photos are not counted
        "holdout": list(held_out),
        "skipped_files": result.skipped,
        "steps": result.step,
        "options": asdict(options),
        "seconds": round(result.seconds, 1),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "device": device,
    }
    try:
        return save_weights(model.name, name, tensors, metadata, overwrite=True), result
    except OSError as exc:
        # The weights file, not the temporary one it is written through (a full disk names none).
        named = OSError(exc.errno, exc.strerror or str(exc), str(target)) if exc.errno else exc
        problem = EnvironmentProblem.from_os_error(named, "exporting the weights")
        raise EnvironmentProblem(f"{problem}; the training is saved in {checkpoint}, and the same command with "
                                 "--resume exports it") from exc


def _prepare_run_folder(folder: Path, target: Path) -> None:
    """Create the run folder (refusing, as :class:`EnvironmentProblem`, a data folder that is a file or
    read-only) and remove the temporary files a killed write of this run left in it and beside its weights."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocking = next((p for p in folder.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise EnvironmentProblem(f"{blocking}: is a file, not a folder (Restorer keeps its training runs "
                                     "and weights under it; see RESTORER_DATA_DIR)") from exc
        raise EnvironmentProblem.from_os_error(exc, "creating the training run's folder") from exc
    remove_stale_parts(folder, (CHECKPOINT_FILE, RUN_FILE))
    remove_stale_parts(target.parent, (target.name,))


#: Options a resumed run must share with its start (``steps`` may grow: a run is continued for longer),
#: by their command-line spelling.
_SAME_ON_RESUME = {"crop": "--crop", "batch_size": "--batch-size", "lr": "--lr", "seed": "--seed", "base": "--from"}


def _check_same_options(model: str, name: str, options: TrainOptions) -> None:
    """Refuse to resume run ``name`` with other options than it was started with (its ``run.json``):
    the checkpoint would go on under settings its record, and its weights' metadata, do not state."""
    try:
        started = RunRecord.load(run_dir(model, name) / RUN_FILE).options
    except (OSError, ValueError, KeyError, TypeError):
        return  # no record (a run from before records): nothing to compare with

    def shown(key: str, value) -> str:
        return "scratch" if key == "base" and value is None else ("the model's" if value is None else str(value))

    differ = [(flag, shown(key, getattr(started, key)), shown(key, getattr(options, key)))
              for key, flag in _SAME_ON_RESUME.items() if getattr(started, key) != getattr(options, key)]
    if differ:
        was = ", ".join(f"{flag} {old}" for flag, old, _ in differ)
        now = ", ".join(f"{flag} {new}" for flag, _, new in differ)
        raise InputError(f"run {name!r} was started with {was}; resume it with the same options (given {now})")


def _recorded_steps(model: str, name: str, default: int) -> int:
    """The steps run ``name`` was last set to reach (its ``run.json``); ``default`` when nothing says."""
    try:
        return RunRecord.load(run_dir(model, name) / RUN_FILE).options.steps
    except (OSError, ValueError, KeyError, TypeError):
        return default


def _held_out(model: str, name: str, folder: PhotoFolder, options: TrainOptions, resume: bool) -> tuple[str, ...]:
    """The photos of ``folder`` this run keeps out of training (relative paths).

    A resumed run keeps the ones it recorded (``run.json``, else its weights' metadata), whatever
    ``options.holdout`` says now: photos it trained on cannot become a fair measure, and photos added
    to the folder since must not change the choice. A new run chooses by
    :func:`~restorer.training.holdout.held_out_photos`.
    """
    if resume:
        recorded = _recorded_held_out(model, name)
        if recorded is not None:
            return recorded
    return held_out_photos(folder, options.holdout)


def _recorded_held_out(model: str, name: str) -> tuple[str, ...] | None:
    """The held-out photos an earlier part of run ``name`` recorded; ``None`` when nothing says."""
    try:
        return RunRecord.load(run_dir(model, name) / RUN_FILE).held_out
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no (readable) record: a run started before records, or a rank without shared storage
    target = weights_path(model, name)
    if target.is_file():
        try:
            return tuple(read_metadata(target).get("holdout") or ())
        except ModelError:
            pass
    return None


def _record_new_steps(model: str, name: str, steps: int) -> None:
    """A resumed run set to go further than it was: its ``run.json`` now says so, so that stopping it before
    then leaves it listed as interrupted."""
    path = run_dir(model, name) / RUN_FILE
    try:
        record = RunRecord.load(path)
    except (OSError, ValueError, KeyError, TypeError):
        return  # no record to update (a run from before records)
    if steps > record.options.steps:
        replace(record, options=replace(record.options, steps=steps)).save()


def _record_after_first_step(job: Job, model: str, name: str, folders: list[PhotoFolder],
                             options: TrainOptions, held_out: tuple[str, ...] = ()) -> None:
    """Write the run's ``run.json`` when the loop reports its first step (it accepted the run)."""
    record = RunRecord(model, name, tuple(str(Path(f.root).resolve()) for f in folders), options, held_out)
    written = False

    def listener(progress) -> None:  # called by the loop, on its own thread only
        nonlocal written
        if progress.done > 0 and not written:
            written = True
            record.save()

    job.add_listener(listener)


def physical_memory() -> int | None:
    """Bytes of RAM this machine has (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(trainer, options: TrainOptions, device: str, available: int | None = None) -> None:
    """Refuse a crop and batch whose training would need more memory than the machine has.

    ``trainer.bytes_per_pixel`` (when a trainer declares it) is its measured peak per training pixel;
    only CPU runs are checked (a GPU reports its own out-of-memory error).
    """
    per_pixel = getattr(trainer, "bytes_per_pixel", None)
    available = available if available is not None else physical_memory()
    if not per_pixel or not available or not str(device).startswith("cpu"):
        return
    needed = per_pixel * options.crop ** 2 * options.batch_size
    if needed > 0.8 * available:
        raise InputError(f"--crop {options.crop} with --batch-size {options.batch_size} needs about "
                         f"{needed / 1e9:.1f} GB of memory to train; this machine has {available / 1e9:.1f} GB. "
                         "Use a smaller --crop or --batch-size")
