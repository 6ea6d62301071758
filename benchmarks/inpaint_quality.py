"""Inpainting quality benchmark: OpenCV Telea and Navier-Stokes vs inpaint-gan (with and without texture).

    python benchmarks/inpaint_quality.py                      # the test split (report only)
    python benchmarks/inpaint_quality.py --split validation   # the validation split (keep-or-drop decisions)
    restorer bench --data DIR                                 # the same comparison on your own photos

Test split (:mod:`restorer.corpus.splits`): scikit-image's astronaut, camera,
chelsea and coffee plus the 20 corpus photos of ``TEST_PHOTOS``; validation: the
corpus's validation photos. No photo of either was trained on. Corpus photos are
reduced to a shorter side of 512 pixels (the size of the scikit-image ones) first.
Each photo gets a thin, medium, thick and box mask (5-25 % of the photo, fixed
seed). Writes ``inpaint_quality.md`` (tables, with PSNR per mask kind),
``inpaint_quality.png`` (damaged / Telea / ours / truth) and
``inpaint_quality.json`` (every score) to ``--out`` (default
``benchmarks/results``, or ``benchmarks/results/validation``), and, for the test
split and the starter, the mean figures into the starter's provenance file
(``resources/weights/inpaint-gan.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from restorer.images import load_photo
from restorer.registry import get_registry
from restorer.resources import starter_weights_path
from restorer.training.holdout import reduced
from restorer.evaluation import bench_methods, by_kind, run_benchmark, starter_differences

RESULTS = Path(__file__).resolve().parent / "results"


#: Corpus photos are reduced to this shorter side (the scikit-image photos are 300-512 px).
SHORT_SIDE = 512


def split_photos(split: str, corpus: Path | None, limit: int | None = None, *,
                 kind: str = "photo") -> list[tuple[str, "object"]]:
    """The pictures of ``kind`` in ``split`` as (name, uint8 RGB): for the test split's photos
    scikit-image's four first."""
    from restorer.corpus.build import default_out
    from restorer.corpus.splits import BENCHMARK_PHOTOS, TEST_PHOTOS, split_pictures
    from restorer_plugins.inpaint_gan.split import skimage_photo

    photos = []
    if split == "test" and kind == "photo":
        photos = [(name, load_photo(skimage_photo(name)).rgb) for name in BENCHMARK_PHOTOS]
    ids = TEST_PHOTOS if split == "test" and kind == "photo" else None
    for picture, path in split_pictures(split, corpus or default_out(), kind=kind, ids=ids):
        photos.append((picture.split("/", 1)[1], reduced(load_photo(path).rgb, SHORT_SIDE)))
    return photos[:limit]


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (absolute otherwise)."""
    path = path.resolve()
    root = RESULTS.parent.parent
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--corpus", type=Path, help="the corpus folder (default: where `make corpus` writes it)")
    parser.add_argument("--limit", type=int, help="only the first N photos (a quick look)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (the targets are for 2 cores)")
    parser.add_argument("--weights", help="measure these named inpaint-gan weights instead of the starter "
                                          "(the starter's provenance file is then left as it is, with "
                                          "--with-starter too: a candidate's figures are not the starter's)")
    parser.add_argument("--with-starter", action="store_true", help="with --weights: the starter too, side by side")
    args = parser.parse_args(argv)
    out = args.out or (RESULTS if args.split == "test" else RESULTS / args.split)
    torch.set_num_threads(args.threads)

    def show(s) -> None:
        print(f"{s.method:26s} {s.photo:10s} {s.kind:6s} psnr {s.psnr:6.2f} hole {s.hole_psnr:6.2f} "
              f"tex {s.texture:6.3f} {s.seconds_512:6.2f} s", flush=True)

    photos = split_photos(args.split, args.corpus, args.limit)
    methods = bench_methods(get_registry(), weights=args.weights, with_starter=args.with_starter)
    differences = starter_differences(methods)
    report, comparison = run_benchmark(photos, methods, out, differences=differences,
                                       source=f"{args.split} split, never trained on", on_score=show)
    provenance = starter_weights_path("inpaint-gan").with_suffix(".json")
    if provenance.exists() and args.weights is None and args.limit is None:
        record = json.loads(provenance.read_text())
        key = "benchmark" if args.split == "test" else "validation"
        record[key] = {"weights_steps": record.get("steps"), "summary": comparison.summary(),
                       "by_kind": by_kind(comparison), "threads": args.threads, "photos": len(photos),
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "table": _shown(out / "inpaint_quality.md")}
        provenance.write_text(json.dumps(record, indent=2) + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
