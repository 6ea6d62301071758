"""restorer detect INPUT -o MASK: find damage (scratches, dust, spots) and write it as a mask, white = damage.

A photo in, a mask PNG out; a folder in, a folder of masks named STEM.png out.
Review a mask (e.g. in the window, with the brush), then repair with
`restorer inpaint PHOTO --mask MASK`, or do both at once with `restorer repair`.
`--set threshold=0.3` finds more, `--set grow=4` widens each find.

Exit codes are those of `restorer inpaint`: 0 all done, 1 some photos of a folder failed,
2 a usage or input error (nothing written), 3 the system refused, 4 a bug, 130 cancelled.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from restorer.commands._photos import Bar, Pair, process
from restorer.detection import detect
from restorer.errors import InputError
from restorer.images import load_photo, save_mask
from restorer.jobs import Job
from restorer.models import Model


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``detect``."""
    parser = subparsers.add_parser("detect", help="find damage in photos and write it as masks", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="INPUT", help="a photo, or a folder of photos")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="the mask file (.png) for one photo, or a folder (created if missing) for STEM.png masks")
    parser.add_argument("--model", help="damage detector (default: the best installed; see `restorer models`)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="a detector parameter, e.g. threshold=0.3 or grow=4 (repeatable)")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or cuda:N")
    parser.add_argument("--overwrite", action="store_true", help="replace masks that already exist")
    return parser


def find(rgb: np.ndarray, name: str, model: Model, params: dict, device: str, show_steps: bool) -> np.ndarray:
    """The damage mask of one photo's pixels (``name`` labels the progress bar)."""
    bar = Bar(name, show_steps)
    try:
        return detect(model, rgb, params, device=device, job=Job(bar))
    finally:
        bar.close()


def _detect_one(pair: Pair, model: Model, params: dict, device: str, args: argparse.Namespace,
                show_steps: bool) -> None:
    mask = find(load_photo(pair.photo).rgb, pair.photo.name, model, params, device, show_steps)
    save_mask(mask, pair.output, overwrite=args.overwrite)


def run(args: argparse.Namespace) -> int:
    """Write one damage mask per photo."""
    # What the shared planning reads; in_place None: there is no --in-place, a mask never replaces a photo.
    args.mask, args.in_place, args.quality = None, None, None
    if not str(args.output).lower().endswith(".png") and not Path(args.input).is_dir():
        raise InputError(f"{args.output}: a mask is written as PNG; give an OUTPUT ending in .png")
    return process(args, ("detect",), mask_required=False, work=_detect_one, output_suffix=".png")

