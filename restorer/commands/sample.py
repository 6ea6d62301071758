"""restorer sample --model NAME -n 16 --seed 1 -o grid.png: generate new images with a sampling model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.commands._options import positive_int, seed
from restorer.commands._photos import pick_model, refuse_existing, saving_problem
from restorer.devices import resolve_device
from restorer.errors import EXIT_OK, InputError
from restorer.files import not_a_folder
from restorer.images import photo_from_array, save_format, save_photo
from restorer.jobs import Job
from restorer.pipeline import run_model


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``sample``."""
    parser = subparsers.add_parser("sample", help="generate images with a sampling model", description=__doc__)
    parser.add_argument("--model", help="model name (see `restorer models`)")
    parser.add_argument("-n", type=positive_int, help="how many images (if the model takes n)")
    parser.add_argument("--seed", type=seed, help="random seed, for a reproducible result")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="set a model parameter (repeatable)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("-o", "--output", required=True, help="image file to write (a grid for n > 1)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    return parser


def run(args: argparse.Namespace) -> int:
    """Sample and save one image (a grid when the model makes several)."""
    model = pick_model(args.model, ("sample",))
    params = model.parse_settings(args.settings)
    for key, option, value in (("n", "-n", args.n), ("seed", "--seed", args.seed)):
        if value is not None:
            if key in params:  # which one wins would be a guess
                raise InputError(f"{option} and --set {key}=... are both given; give one of them")
            params[key] = model.param(key).validate(value)
    model.check_params(model.resolve_params(params))
    output = Path(args.output)
    save_format(output)
    if output.is_dir():
        raise InputError(f"{output}: is a folder; give an image file to write")
    refuse_existing(output, args.overwrite)
    if not output.parent.is_dir():
        raise not_a_folder(output.parent, " for the output")
    image = run_model(model, None, None, params, device=resolve_device(args.device), job=Job())
    try:
        save_photo(photo_from_array(image), output, overwrite=args.overwrite)
    except OSError as exc:  # exit 3, naming the output rather than its temporary file
        raise saving_problem(exc, output) from None
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK
