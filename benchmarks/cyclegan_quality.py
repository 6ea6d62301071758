"""CycleGAN starter (photo <-> pencil sketch) on held-out photos: cycle consistency and how far A -> B moves toward B.

Measured on scikit-image photos the model never saw (chelsea, rocket, camera),
at full resolution through the same tiled ``cyclegan`` model the app runs:

- **cycle PSNR**: photo A -> B -> A against the photo, and sketch B -> A -> B
  against the sketch (how much content survives the round trip);
- **moved toward B?**: distances to the true pencil sketch of the same photo
  (:func:`~restorer_plugins.cyclegan.starter.pencil_sketch`, the filter the
  training script made domain B with) from the input photo and from the model's
  A -> B output. Lower after than before means the output moved toward B. Three
  distances: colour (mean over RGB channels of the 1-D Wasserstein distance
  between pixel-value distributions, 0-255), texture (sliced Wasserstein distance
  of 7x7 high-pass patches, as in the inpainting benchmark) and PSNR of the pair
  (the held-out pairs exist here, though training was unpaired);
- a PNG grid: photo | A -> B | A -> B -> A | true pencil sketch.

    .venv/bin/python benchmarks/cyclegan_quality.py
    .venv/bin/python benchmarks/cyclegan_quality.py --weights step1000 --results /tmp/step1000  # a snapshot
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from restorer.devices import describe_device
from restorer.pipeline import run_model
from restorer.registry import load_registry
from restorer.measures import psnr, texture_distance

RESULTS = Path(__file__).resolve().parent / "results"


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over channels of the 1-D Wasserstein distance between the two images' pixel values (0-255)."""
    return float(np.mean([np.mean(np.abs(np.sort(a[..., c].ravel()).astype(float)
                                         - np.sort(b[..., c].ravel()).astype(float))) for c in range(3)]))


def texture(a: np.ndarray, b: np.ndarray) -> float:
    """Sliced Wasserstein distance of high-pass 7x7 patches over the whole photo."""
    return texture_distance(a, b, np.ones(a.shape[:2], bool), seed=0)


def main() -> None:
    """Measure, write JSON + Markdown + a PNG grid to benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--weights", default="starter", help="which cyclegan weights to measure")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON, Markdown and grid go")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from restorer_plugins.cyclegan.starter import HELD_OUT, PENCIL_SKETCH, pencil_sketch, skimage_photo

    model = load_registry().get("cyclegan")
    started = time.time()
    rows, strips, seconds, pixels = [], [], 0.0, 0
    for name in HELD_OUT:
        photo = skimage_photo(name)
        target = pencil_sketch(photo)
        tick = time.time()
        to_b = run_model(model, photo, None, {"weights": args.weights, "direction": "AtoB"})
        seconds += time.time() - tick
        pixels += photo.shape[0] * photo.shape[1]
        back = run_model(model, to_b, None, {"weights": args.weights, "direction": "BtoA"})
        b_back = run_model(model, run_model(model, target, None, {"weights": args.weights, "direction": "BtoA"}),
                           None, {"weights": args.weights, "direction": "AtoB"})
        rows.append({
            "photo": name,
            "cycle_psnr_ABA": round(psnr(back, photo), 2),
            "cycle_psnr_BAB": round(psnr(b_back, target), 2),
            "colour_to_B": {"input": round(colour_distance(photo, target), 2),
                            "A->B": round(colour_distance(to_b, target), 2)},
            "texture_to_B": {"input": round(texture(photo, target), 3), "A->B": round(texture(to_b, target), 3)},
            "psnr_to_B": {"input": round(psnr(photo, target), 2), "A->B": round(psnr(to_b, target), 2)},
        })
        scale = 192 / photo.shape[0]
        size = (round(photo.shape[1] * scale), 192)
        strips.append(np.concatenate([cv2.resize(im, size, interpolation=cv2.INTER_AREA)
                                      for im in (photo, to_b, back, target)], axis=1))
    result = {"machine": f"{platform.machine()} {describe_device('cpu')}", "weights": args.weights, "B": PENCIL_SKETCH,
              "stylize_seconds_per_megapixel": round(seconds / (pixels / 1e6), 2),
              "wall_seconds": round(time.time() - started, 1), "rows": rows}
    results = args.results
    results.mkdir(parents=True, exist_ok=True)
    (results / "cyclegan_quality.json").write_text(json.dumps(result, indent=2) + "\n")
    width = max(s.shape[1] for s in strips)
    grid = np.concatenate([np.pad(s, ((0, 4), (0, width - s.shape[1]), (0, 0)), constant_values=255)
                           for s in strips])
    from PIL import Image

    Image.fromarray(grid).save(results / "cyclegan_grid.png")
    lines = [f"Held-out photos; machine: {result['machine']}; stylize "
             f"{result['stylize_seconds_per_megapixel']} s per megapixel (A->B, default tiles).", "",
             "A = photo, B = pencil sketch; distances to B are to the true sketch of the same photo.", "",
             "| photo | cycle PSNR A→B→A | cycle PSNR B→A→B | colour dist. to sketch: photo → A→B "
             "| texture dist. to sketch: photo → A→B | PSNR to sketch: photo → A→B |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['photo']} | {r['cycle_psnr_ABA']:.2f} | {r['cycle_psnr_BAB']:.2f} | "
                     f"{r['colour_to_B']['input']:.2f} → {r['colour_to_B']['A->B']:.2f} | "
                     f"{r['texture_to_B']['input']:.3f} → {r['texture_to_B']['A->B']:.3f} | "
                     f"{r['psnr_to_B']['input']:.2f} → {r['psnr_to_B']['A->B']:.2f} |")
    lines += ["", "Grid (benchmarks/results/cyclegan_grid.png): photo | A→B (sketch by the model) "
                  "| A→B→A (back to a photo) | true pencil sketch."]
    (results / "cyclegan_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
