"""restorer bench --data DIR: compare the inpainting models on your own (undamaged) photos.

Each photo gets a thin, medium, thick and box mask (5-25 % of the photo, fixed
seed). The baselines the installed models declare (the classical fills; the
first is the reference) and the default inpainting model repair them, or the
models named with ``--model`` instead of the default one, each also with the
extra settings it asks to be measured with (``restorer models`` lists the
models). ``--weights NAME`` measures your trained weights NAME beside the
starter, with the difference. The repairs are scored against the originals:
PSNR, SSIM, PSNR inside the hole, a texture distance (lower is better) and
seconds per 512x512 photo. Writes a markdown table, a JSON file and a picture
grid to ``--out``; results already there from an earlier run are kept unless
``--overwrite``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from restorer.commands._options import positive_int
from restorer.devices import resolve_device


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``bench``."""
    parser = subparsers.add_parser("bench", help="compare inpainting models on your photos", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, metavar="DIR", help="folder of undamaged photos (recursive)")
    parser.add_argument("--out", default="bench-results", metavar="DIR",
                        help="where to write the table and pictures (default ./bench-results)")
    parser.add_argument("--overwrite", action="store_true", help="replace the results of an earlier run in --out")
    parser.add_argument("--limit", type=positive_int, default=8, help="at most this many photos (default 8)")
    parser.add_argument("--model", dest="models", action="append", default=[], metavar="NAME",
                        help="an inpainting model to measure beside the baselines (repeatable; default: the "
                             "default inpainting model)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="set a parameter of the measured models (repeatable); each must have it")
    parser.add_argument("--weights", metavar="NAME",
                        help="weights you trained for the measured models: measured beside the starter, with the "
                             "difference")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or cuda:N")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the comparison and print the table."""
    from restorer.errors import InputError
    from restorer.registry import get_registry
    from restorer.evaluation import RESULT_FILES, bench_methods, photos_from_folder, run_benchmark, starter_differences

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file; give --out a folder for the results")
    data = Path(args.data)
    if out.resolve() == data.resolve() or out.resolve() in data.resolve().parents:
        raise InputError(f"{out}: is the --data folder or holds it; give --out a folder of its own for the results")
    earlier = [out / name for name in RESULT_FILES if (out / name).exists()]
    if earlier and not args.overwrite:
        raise InputError(f"{earlier[0]} exists (an earlier run's results); use --overwrite to replace them, "
                         "or another --out")
    # an unknown model, weights name or setting: one line now, before any photo is read
    methods = bench_methods(get_registry(), args.models, weights=args.weights, with_starter=True,
                            settings=args.settings)
    photos = photos_from_folder(args.data, args.limit, exclude=out,
                                on_skip=lambda path, why: print(f"skipped {path}: {why}", file=sys.stderr))
    try:  # a folder the system refuses: exit 3 now, not after the benchmark
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):  # a read-only one too (mkdir of an existing folder checks nothing)
            pass
    except OSError as exc:  # named as the --out folder, not as the probe's temporary file
        raise OSError(exc.errno, exc.strerror or str(exc), str(out)) from exc
    report, _ = run_benchmark(photos, methods, out, differences=starter_differences(methods),
                              source=str(args.data), device=resolve_device(args.device),
                              on_score=lambda s: print(f"{s.method} on {s.photo} ({s.kind}): PSNR {s.psnr:.2f}",
                                                       file=sys.stderr, flush=True))
    print(report, end="")
    print(f"results written to {args.out}/inpaint_quality.md, .json and .png")
    return 0
