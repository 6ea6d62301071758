"""restorer repair INPUT -o OUTPUT: find the damage, then repair it, in one go.

The detector (`--detect NAME`, default: the best installed; `--detect-set
threshold=0.3` finds more) proposes a mask; the inpainting model (`--model
NAME`, `--set KEY=VALUE`) repairs what it found. `--save-masks DIR` keeps each
mask (STEM.png) so you can review it and rerun `restorer inpaint` with an
edited one. A photo where nothing is found is written unchanged, and said so.
Pixels outside the found damage are untouched.

Exit codes are those of `restorer inpaint`: 0 all done, 1 some photos of a folder failed,
2 a usage or input error (nothing written), 3 the system refused, 4 a bug, 130 cancelled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.commands._photos import (Pair, add_common_arguments, pick_model, process, refuse_existing,
                                      refuse_shared_names, run_and_save, saving_problem)
from restorer.commands.detect import find
from restorer.errors import InputError
from restorer.images import load_photo, save_mask, save_photo
from restorer.models import Model


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``repair``."""
    parser = subparsers.add_parser("repair", help="find damage in photos and repair it", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser, mask_required=False, mask=False)
    parser.add_argument("--detect", dest="detect_model", metavar="NAME",
                        help="damage detector (default: the best installed; see `restorer models`)")
    parser.add_argument("--detect-set", dest="detect_settings", action="append", default=[], metavar="KEY=VALUE",
                        help="a detector parameter, e.g. threshold=0.3 (repeatable)")
    parser.add_argument("--save-masks", type=Path, metavar="DIR", help="also write each found mask as DIR/STEM.png")
    return parser


def run(args: argparse.Namespace) -> int:
    """Detect, then inpaint, each photo."""
    args.mask = None  # repair finds the mask itself; `restorer inpaint --mask` repairs with your own
    detector = pick_model(args.detect_model, ("detect",))
    detect_params = detector.parse_settings(args.detect_settings)
    detector.check_params(detector.resolve_params(detect_params))
    if args.save_masks is not None:
        if args.save_masks.exists() and not args.save_masks.is_dir():
            raise InputError(f"{args.save_masks}: --save-masks must be a folder")

    def work(pair: Pair, model: Model, params: dict, device: str, args: argparse.Namespace, show: bool) -> None:
        photo = load_photo(pair.photo)  # once, for the detector and the repair
        mask = find(photo.rgb, pair.photo.name, detector, detect_params, device, show)
        if mask.size and mask.all():  # refused before anything is written for this photo
            raise InputError(f"{pair.photo}: {detector.name} marked the whole photo as damage, which leaves nothing "
                             "to repair from; try a higher --detect-set threshold")
        if args.save_masks is not None:
            saved = args.save_masks / f"{pair.photo.stem}.png"
            try:
                save_mask(mask, saved, overwrite=args.overwrite)
            except OSError as exc:  # the mask's file named, not the repaired photo's
                raise saving_problem(exc, saved, "saving the found mask") from None
        if not mask.any():
            print(f"{pair.photo}: no damage found; written unchanged", file=sys.stderr)
            save_photo(photo, pair.output, overwrite=args.overwrite, quality=args.quality)
            return
        run_and_save(pair, photo, mask, model, params, device, args, show)

    def check(pairs: list[Pair]) -> None:
        if args.save_masks is not None:
            check_saved_masks(pairs, args.save_masks, args.overwrite)
            args.save_masks.mkdir(parents=True, exist_ok=True)  # only once nothing is refused

    args.uses_torch = detector.uses_torch  # the device serves both models
    return process(args, ("inpaint",), mask_required=False, work=work, check=check)


def check_saved_masks(pairs: list[Pair], folder: Path, overwrite: bool) -> None:
    """Refuse, before any work, ``--save-masks`` files that would replace a photo being repaired, a
    repaired photo, each other, or (without ``--overwrite``) a file already there for a photo that
    will be repaired now."""
    refuse_shared_names([pair.photo for pair in pairs], lambda photo: f"{photo.stem}.png", folder, "masks")
    inputs = {pair.photo.resolve() for pair in pairs}
    outputs = {pair.output.resolve() for pair in pairs}
    for pair in pairs:
        mask = folder / f"{pair.photo.stem}.png"
        if mask.resolve() in inputs:
            raise InputError(f"{mask}: is a photo being repaired; the found mask would replace it, "
                             "choose another --save-masks folder")
        if mask.resolve() in outputs:
            raise InputError(f"{mask}: is where a repaired photo goes; the found mask would collide with it, "
                             "choose another --save-masks folder")
        if overwrite or not pair.output.exists():  # a photo whose result exists is skipped, its mask kept
            refuse_existing(mask, overwrite)
