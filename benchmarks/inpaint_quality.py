"""Inpainting quality benchmark: OpenCV Telea and Navier-Stokes vs inpaint-gan (with and without adaptation).

    python benchmarks/inpaint_quality.py                 # held-out scikit-image photos
    restorer bench --data DIR                            # the same comparison on your own photos

Held-out photos: ``restorer_plugins.inpaint_gan.split.HELD_OUT`` (never used to
train the starter weights). Each photo gets a thin, medium, thick and box mask
(5-25 % of the photo, fixed seed). Writes ``inpaint_quality.md`` (table),
``inpaint_quality.png`` (damaged / Telea / ours / truth) and
``inpaint_quality.json`` (every score) to ``--out`` (default
``benchmarks/results``), and the mean figures into the starter weights'
provenance file (``resources/weights/inpaint-gan.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from restorer.images import load_photo
from restorer.resources import starter_weights_path
from restorer.training.quality import default_methods, run_benchmark

RESULTS = Path(__file__).resolve().parent / "results"


def held_out_photos() -> list[tuple[str, "object"]]:
    """The benchmark's scikit-image photos, as (name, uint8 RGB)."""
    from restorer_plugins.inpaint_gan.split import HELD_OUT, skimage_photo

    return [(name, load_photo(skimage_photo(name)).rgb) for name in HELD_OUT]


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--adapt-steps", type=int, default=100, help="0 leaves out the adaptation row")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (the targets are for 2 cores)")
    parser.add_argument("--weights", help="measure these named inpaint-gan weights instead of the starter "
                                          "(the starter's provenance file is then left as it is)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    def show(s) -> None:
        print(f"{s.method:26s} {s.photo:10s} {s.kind:6s} psnr {s.psnr:6.2f} hole {s.hole_psnr:6.2f} "
              f"tex {s.texture:6.3f} {s.seconds_512:6.2f} s", flush=True)

    report, comparison = run_benchmark(held_out_photos(), default_methods(args.adapt_steps, args.weights), args.out,
                                       source="held out from training", on_score=show)
    provenance = starter_weights_path("inpaint-gan").with_suffix(".json")
    if provenance.exists() and args.weights is None:
        record = json.loads(provenance.read_text())
        record["benchmark"] = {"weights_steps": record.get("steps"), "summary": comparison.summary(),
                               "threads": args.threads,
                               "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "table": "benchmarks/results/inpaint_quality.md"}
        provenance.write_text(json.dumps(record, indent=2) + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
