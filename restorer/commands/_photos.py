"""Shared machinery of the commands that turn photos into photos (inpaint, stylize, reconstruct).

A file or a folder in, a file or a folder out. With folders, masks are matched
to photos by file stem (``photo.jpg`` ↔ ``photo.png`` or ``photo_mask.png``), or
one mask file applies to all. Everything the user gave is checked before the
first photo is processed; per-photo failures in a folder are collected, the
others still processed, and the exit code says whether all went well. A refusal
of the system (a full disk, a read-only folder) stops a folder at that photo,
keeping the photos already written, and exits 3.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from restorer.commands._options import int_in_range
from restorer.devices import check_device_name, resolve_device
from restorer.errors import (EXIT_INTERNAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, Cancelled, EnvironmentProblem,
                             InputError, ModelError, RestorerError)
from restorer.files import not_a_folder
from restorer.images import PHOTO_SUFFIXES, Photo, list_photos, load_mask, load_photo, save_format, save_photo
from restorer.jobs import Job, Progress
from restorer.models import Model
from restorer.pipeline import run_model
from restorer.registry import get_registry
from restorer.tasks import task_spec

MASK_SUFFIX = "_mask"
#: ``--quality`` when it is not given.
DEFAULT_QUALITY = 95
#: The formats ``--quality`` means something for (the others are saved losslessly).
LOSSY_FORMATS = ("JPEG", "WEBP")


def add_common_arguments(parser: argparse.ArgumentParser, *, mask_required: bool, mask: bool = True) -> None:
    """Arguments every photo-to-photo command takes (``mask=False``: a command that finds its own mask
    offers no ``--mask``)."""
    parser.add_argument("input", metavar="INPUT", help="a photo, or a folder of photos")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="output file (for one photo) or folder (created if missing)")
    if mask:
        parser.add_argument("--mask", required=mask_required, metavar="MASK",
                            help=f"mask file (white = {'repair' if mask_required else 'change'}), or a folder of "
                                 "masks matched by file stem"
                                 + ("" if mask_required else "; limits the change to the masked area"))
    parser.add_argument("--model", help="model name (see `restorer models`)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="set a model parameter (repeatable); `restorer models` lists each model's parameters")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or cuda:N")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace output files that already exist (for one photo, an existing OUTPUT is "
                             "refused without it; in a folder, existing outputs are skipped)")
    parser.add_argument("--in-place", action="store_true",
                        help="allow OUTPUT to be INPUT itself (the same photo, or the same folder): each result "
                             "replaces the original photo, which is then lost")
    parser.add_argument("--quality", type=int_in_range(1, 100), default=None, metavar="Q",
                        help=f"JPEG/WebP quality 1-100 (default {DEFAULT_QUALITY}); other formats are lossless")


def pick_model(name: str | None, tasks: tuple[str, ...]) -> Model:
    """The named model (checked to do one of ``tasks``) or the default model of the first task."""
    registry = get_registry()
    if name is None:
        return registry.default_for(tasks[0])
    model = registry.get(name)
    if model.task not in tasks:
        others = ", ".join(m.name for t in tasks for m in registry.by_task(t)) or "none installed"
        raise ModelError(f"model {name} does {model.task}, not {' or '.join(tasks)}; use one of: {others}")
    return model


def refuse_existing(output: Path, overwrite: bool) -> None:
    """The usage error for one output file that exists and may not be replaced (``sample`` says it too)."""
    if output.exists() and not overwrite:
        raise InputError(f"{output} exists; use --overwrite to replace it")


@dataclass
class Pair:
    """One unit of work: a photo, its mask (or None) and where the result goes."""

    photo: Path
    mask: Path | None
    output: Path


def _find_mask(folder: Path, stem: str) -> Path | None:
    """The one mask in ``folder`` named ``stem`` or ``stem_mask`` with a photo suffix, or None; an
    :class:`InputError` when several are there (``a.png`` and ``a_mask.jpg``): which one was meant
    would be a guess."""
    found: dict[Path, Path] = {}  # by resolved path: on a case-blind disk a.png and a.PNG are one file
    for candidate_stem in (stem, stem + MASK_SUFFIX):
        for suffix in PHOTO_SUFFIXES:
            for name in (candidate_stem + suffix, candidate_stem + suffix.upper()):
                if (folder / name).is_file():
                    found.setdefault((folder / name).resolve(), folder / name)
    if len(found) > 1:
        names = ", ".join(path.name for path in found.values())
        raise InputError(f"more than one mask for {stem} in {folder} ({names}); keep one")
    return next(iter(found.values()), None)


def refuse_empty_mask(path: Path, task: str, mask: np.ndarray | None = None) -> None:
    """An :class:`InputError` when the mask file (or its pixels ``mask``, already loaded) has no white
    pixel: nothing would be repaired, and a command that changes the whole photo without a mask would
    change all of it, which is not what a mask asks for."""
    if np.any(load_mask(path) if mask is None else mask):
        return
    if task_spec(task).needs_mask:
        raise InputError(f"{path}: the mask is empty (nothing is white), so there is nothing to repair")
    raise InputError(f"{path}: the mask is empty (nothing is white), so nothing would change; "
                     "leave out --mask to change the whole photo")


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def plan(args: argparse.Namespace, *, mask_required: bool, task: str = "inpaint",
         output_suffix: str | None = None) -> tuple[list[Pair], list[tuple[Path, str]], bool]:
    """Work out (pairs, failures found up front, folder mode) from the arguments, or raise InputError.

    Refused here, before any work: an output that is the input without ``--in-place``, an output that
    would replace a mask, two photos of a folder whose outputs would have the same name, an existing
    output file for one photo without ``--overwrite``, and one mask file (for one photo or a whole
    folder) with nothing white in it. ``output_suffix`` (e.g. ``.png`` for masks) names each output
    of a folder ``STEM + output_suffix`` instead of the photo's name. ``args.in_place`` None: the
    command has no ``--in-place`` (its outputs are not photos), so an output on an input is refused.
    """
    for given, what in ((args.input, "INPUT"), (args.output, "OUTPUT"), (args.mask, "--mask")):
        if given is not None and not str(given).strip():  # Path("") is the current folder: never meant
            raise InputError(f"{what} is empty (an unset shell variable?); name a file or folder")
    source = Path(args.input)
    output = Path(args.output)
    mask_arg = Path(args.mask) if args.mask else None
    offers_in_place = getattr(args, "in_place", False) is not None
    in_place = bool(getattr(args, "in_place", False))
    instead = "use --in-place to replace the original" if offers_in_place else "choose another OUTPUT"
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if mask_arg is not None and not mask_arg.exists():
        raise InputError(f"{mask_arg}: no such mask file or folder")

    if source.is_file():
        if mask_arg is not None and mask_arg.is_dir():
            found = _find_mask(mask_arg, source.stem)
            if found is None:
                raise InputError(f"{mask_arg}: no mask named {source.stem}.* or {source.stem}{MASK_SUFFIX}.*")
            mask_arg = found
        if not output.exists() and str(args.output).endswith(("/", os.sep)):  # `-o results/`: meant a folder
            raise InputError(f"{args.output}: no such folder for the output (create it first, or name a file)")
        target = output / _output_name(source, output_suffix) if output.is_dir() else output
        save_format(target)  # refuse an unknown output suffix before any work
        if not target.parent.is_dir():
            raise not_a_folder(target.parent, " for the output")
        if mask_arg is not None and target.exists() and _same(target, mask_arg):
            raise InputError(f"{target}: is the mask; the result would replace it, choose another OUTPUT")
        if target.exists() and _same(target, source):
            if not in_place:
                raise InputError(f"{target}: is the input photo, the result would replace it; {instead}")
        else:
            refuse_existing(target, args.overwrite)
        if mask_arg is not None:
            refuse_empty_mask(mask_arg, task)
        return [Pair(source, mask_arg, target)], [], False

    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: INPUT is a folder, so OUTPUT must be a folder too")
    if not output.exists() and output.suffix.lower() in PHOTO_SUFFIXES:  # `-o fixed.png` for a folder of photos
        raise InputError(f"{output}: INPUT is a folder, so OUTPUT must be a folder too, and this names a file "
                         "(to use a folder of that name, create it first)")
    if output.exists() and _same(output, source) and not in_place:
        raise InputError(f"{output}: is the input folder, the results would replace the photos; "
                         + ("use --in-place to replace the originals" if offers_in_place
                            else "choose another OUTPUT folder"))
    photos = list_photos(source)
    same_folder = mask_arg is not None and mask_arg.is_dir() and _same(mask_arg, source)
    if same_folder:  # masks beside the photos: name.png + name_mask.png
        photos = [p for p in photos if not p.stem.endswith(MASK_SUFFIX)]
    if not photos:
        raise InputError(f"{source}: no photos found ({', '.join(PHOTO_SUFFIXES)})")
    pairs: list[Pair] = []
    failures: list[tuple[Path, str]] = []
    refuse_shared_names(photos, lambda photo: _output_name(photo, output_suffix), output)
    for photo in photos:
        mask = mask_arg
        if mask_arg is not None and mask_arg.is_dir():
            try:
                mask = (_find_mask(mask_arg, photo.stem) if not same_folder
                        else _find_mask(mask_arg, photo.stem + MASK_SUFFIX))
            except InputError as exc:  # this photo fails; the others go on
                failures.append((photo, str(exc)))
                continue
            if mask is None:
                failures.append((photo, f"no mask named {photo.stem}.* or {photo.stem}{MASK_SUFFIX}.* in {mask_arg}"))
                continue
        target = output / _output_name(photo, output_suffix)
        if mask is not None and target.exists() and _same(target, mask):
            raise InputError(f"{target}: is the mask of {photo.name}; the results would replace the masks, "
                             "choose another OUTPUT folder")
        pairs.append(Pair(photo, mask, target))
    if mask_arg is not None and mask_arg.is_file():
        refuse_empty_mask(mask_arg, task)  # one mask for all: once, before any photo
    return pairs, failures, True


def _output_name(photo: Path, suffix: str | None) -> str:
    return photo.name if suffix is None else photo.stem + suffix


def refuse_shared_names(photos: list[Path], name: Callable[[Path], str], folder: Path, what: str = "results") -> None:
    """An :class:`InputError` when two photos' files in ``folder`` would have the same name (``a.png``
    and ``a.jpg`` both write the mask ``a.png``): the second would replace the first, or be skipped as
    if it were an old file. Case is ignored (a Windows or macOS disk ignores it)."""
    seen: dict[str, Path] = {}
    for photo in photos:
        key = name(photo).lower()
        if key in seen:
            raise InputError(f"{seen[key].name} and {photo.name} would both be written as {folder / name(photo)}; "
                             f"rename one of them (their {what} would replace each other)")
        seen[key] = photo


class Bar:
    """A tqdm bar driven by a job's progress (shown on stderr, only on a terminal or for folders)."""

    def __init__(self, description: str, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.description = description

    def __call__(self, progress: Progress) -> None:
        if not self.enabled or progress.total <= 1:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=progress.total, desc=self.description, unit="step", leave=False, file=sys.stderr)
        self.bar.total = progress.total
        self.bar.n = progress.done
        if progress.message:
            self.bar.set_postfix_str(progress.message[:40], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def saving_problem(exc: OSError, output: Path, doing: str = "saving the result") -> EnvironmentProblem:
    """The system's refusal while a result was made and saved, naming ``output`` rather than the
    temporary file it is written through (or nothing, as a failed write says)."""
    written = exc.filename is not None and Path(str(exc.filename)).name.startswith(f".{output.name}.")
    if exc.filename is None or written:
        exc = OSError(exc.errno, exc.strerror or str(exc), str(output))
    return EnvironmentProblem.from_os_error(exc, doing)


def _settle_quality(args: argparse.Namespace, pairs: list[Pair]) -> None:
    """``args.quality`` made a number; a ``--quality`` that no output can use (PNG, TIFF, BMP are
    lossless) is said in a warning instead of being dropped without a word."""
    given = getattr(args, "quality", None)
    if given is not None and pairs and not any(save_format(p.output) in LOSSY_FORMATS for p in pairs):
        kinds = sorted({save_format(p.output) for p in pairs})
        print(f"restorer: warning: --quality {given} applies to JPEG and WebP only; "
              f"{' and '.join(kinds)} {'is' if len(kinds) == 1 else 'are'} saved losslessly", file=sys.stderr)
    args.quality = DEFAULT_QUALITY if given is None else given


#: ``work(pair, model, params, device, args, show_steps)``: one photo's job (default :func:`_process_one`).
Work = Callable[[Pair, Model, dict, str, argparse.Namespace, bool], None]


def process(args: argparse.Namespace, tasks: tuple[str, ...], *, mask_required: bool, work: Work | None = None,
            output_suffix: str | None = None, check: Callable[[list[Pair]], None] | None = None) -> int:
    """Run the photo-to-photo command described by ``args``; return the exit code.

    ``work`` does one photo (default: run the model and save the photo) and ``output_suffix`` names
    the outputs of a folder (see :func:`plan`); ``check(pairs)`` refuses, before any work, what only
    the command knows is wrong (it raises InputError); the summary says what was done in the words of
    the first task's row (:mod:`restorer.tasks`).
    """
    work = work or _process_one
    model = pick_model(args.model, tasks)
    params = model.parse_settings(args.settings)
    model.check_params(model.resolve_params(params))  # one usage error up front, not one per photo
    pairs, failures, folder_mode = plan(args, mask_required=mask_required, task=model.task,
                                        output_suffix=output_suffix)
    if check is not None:
        check(pairs)
    _settle_quality(args, pairs)
    if getattr(args, "in_place", False) and all(_same(p.photo, p.output) for p in pairs):
        args.overwrite = True  # every output is its own original: replacing it is what --in-place asks
    # Torch takes ~2 s to import: a classical model's run does without (a bad --device is still refused).
    uses_torch = model.uses_torch or bool(getattr(args, "uses_torch", False))
    device = resolve_device(args.device) if uses_torch else check_device_name(args.device)
    created = folder_mode and not Path(args.output).exists()
    if folder_mode:
        Path(args.output).mkdir(parents=True, exist_ok=True)

    done, skipped, left, bugs = 0, 0, 0, 0
    stopped: EnvironmentProblem | None = None
    outer = None
    if folder_mode:
        from tqdm import tqdm

        outer = tqdm(total=len(pairs), desc=model.name, unit="photo", file=sys.stderr)
    try:
        for index, pair in enumerate(pairs):
            if pair.output.exists() and not args.overwrite:
                print(f"skipped {pair.output}: already exists (use --overwrite to replace it)", file=sys.stderr)
                skipped += 1
                if outer is not None:
                    outer.update(1)
                continue
            try:
                work(pair, model, params, device, args, not folder_mode and sys.stderr.isatty())
                done += 1
            except Cancelled:
                raise
            except (EnvironmentProblem, OSError) as exc:
                # The disk or the folder, not this photo: the next photos would fail alike.
                problem = exc if isinstance(exc, EnvironmentProblem) else saving_problem(exc, pair.output)
                if not folder_mode:
                    raise problem from None
                stopped, left = problem, len(pairs) - index
                break
            except RestorerError as exc:
                if not folder_mode:
                    raise
                failures.append((pair.photo, str(exc)))
            except Exception as exc:  # a model bug in one photo must not stop a batch
                if not folder_mode or args.debug:
                    raise
                failures.append((pair.photo, f"{type(exc).__name__}: {exc} (run with --debug for the traceback)"))
                bugs += 1
                if getattr(args, "debug", False):
                    traceback.print_exc()
            if outer is not None:
                outer.update(1)
    finally:
        if outer is not None:
            outer.close()

    if folder_mode or failures:
        word = task_spec(tasks[0]).done_word
        summary = f"{done} {word}, {skipped} skipped, {len(failures)} failed"
        if stopped is not None:
            summary += f"; stopped with {left} photo(s) not done"
        print(summary, file=sys.stderr)
        for photo, reason in failures:
            print(f"  failed {photo}: {reason}", file=sys.stderr)
    elif done:
        print(f"wrote {pairs[0].output}", file=sys.stderr)
    if stopped is not None:
        raise stopped  # exit 3, the cause as the last line; the photos written before it are kept
    if failures and not done and not skipped:
        # Every photo failed: nothing was written, so the folder made for the results goes again,
        # and the exit code is that of the photos' problem (a bad file), or of a bug.
        if created and not any(Path(args.output).iterdir()):
            Path(args.output).rmdir()
        return EXIT_INTERNAL if bugs else EXIT_USAGE
    return EXIT_SOME_FAILED if failures else EXIT_OK


def _process_one(pair: Pair, model: Model, params: dict, device: str, args: argparse.Namespace,
                 show_steps: bool) -> None:
    photo = load_photo(pair.photo)
    mask = load_mask(pair.mask, photo.size) if pair.mask is not None else None
    if mask is not None:
        refuse_empty_mask(pair.mask, model.task, mask)  # a folder's own mask per photo: checked as it is loaded
    run_and_save(pair, photo, mask, model, params, device, args, show_steps)


def run_and_save(pair: Pair, photo: Photo, mask: np.ndarray | None, model: Model, params: dict, device: str,
                 args: argparse.Namespace, show_steps: bool) -> None:
    """Run ``model`` on ``photo`` (and ``mask``) with a progress bar, and save the result to ``pair.output``."""
    bar = Bar(pair.photo.name, show_steps)
    try:
        result = run_model(model, photo.rgb, mask, params, device=device, job=Job(bar))
    finally:
        bar.close()
    save_photo(photo.with_rgb(result), pair.output, overwrite=args.overwrite, quality=args.quality)
