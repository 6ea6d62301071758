"""Denoising held-out photos with the VAE (``vae``, task reconstruct) against OpenCV's non-local means.

The starter VAE never saw the held-out scikit-image photos (chelsea, rocket,
camera). Each gets seeded Gaussian noise of two strengths; both methods run in
the same process on the same noisy photos, and PSNR (and SSIM) against the clean
photo is reported, with the noisy photo's own PSNR as the baseline to beat.

Each method gets its best setting from a small grid, chosen per noise level on
the mean PSNR over the photos (the same favour for both):
``strength`` for the VAE, filter strength ``h`` for
``cv2.fastNlMeansDenoisingColored`` (with hColor = h, 7x7 patches, 21x21 search).

    .venv/bin/python benchmarks/vae_denoise.py
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
from restorer.measures import psnr, ssim

RESULTS = Path(__file__).resolve().parent / "results"
SIGMAS = (15, 25)  # noise standard deviation, 0-255 scale
VAE_STRENGTHS = (0.6, 0.8, 1.0)
NLM_H = (5, 10, 15, 20)


def noisy(photo: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """The photo with seeded Gaussian noise, clipped to uint8."""
    noise = np.random.default_rng(seed).normal(0, sigma, photo.shape)
    return np.clip(np.round(photo + noise), 0, 255).astype(np.uint8)


def nl_means(photo: np.ndarray, h: float) -> np.ndarray:
    """OpenCV's coloured non-local means (RGB in, RGB out)."""
    bgr = np.ascontiguousarray(photo[..., ::-1])
    return cv2.fastNlMeansDenoisingColored(bgr, None, h, h, 7, 21)[..., ::-1].copy()


def main() -> None:
    """Run both methods on every held-out photo and noise level; write JSON + Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    from restorer_plugins.cyclegan.starter import HELD_OUT, skimage_photo

    vae = load_registry().get("vae")
    photos = {name: skimage_photo(name) for name in HELD_OUT}
    rows = []
    started = time.time()
    for sigma in SIGMAS:
        candidates: dict[str, dict[str, list]] = {}
        for index, (name, clean) in enumerate(photos.items()):
            damaged = noisy(clean, sigma, seed=1000 * sigma + index)
            candidates.setdefault("noisy input", {}).setdefault(name, [damaged, 0.0])
            for strength in VAE_STRENGTHS:
                tick = time.time()
                out = run_model(vae, damaged, None, {"strength": strength})
                candidates.setdefault(f"vae strength={strength}", {})[name] = [out, time.time() - tick]
            for h in NLM_H:
                tick = time.time()
                out = nl_means(damaged, h)
                candidates.setdefault(f"nl-means h={h}", {})[name] = [out, time.time() - tick]
        scores = {label: {name: (psnr(out, photos[name]), ssim(out, photos[name]), seconds)
                          for name, (out, seconds) in per_photo.items()}
                  for label, per_photo in candidates.items()}

        def best(prefix: str) -> str:
            labels = [label for label in scores if label.startswith(prefix)]
            return max(labels, key=lambda label: np.mean([v[0] for v in scores[label].values()]))

        for label in ("noisy input", best("vae"), best("nl-means")):
            per_photo = scores[label]
            megapixels = sum(photos[n].shape[0] * photos[n].shape[1] for n in per_photo) / 1e6
            rows.append({
                "sigma": sigma, "method": label,
                "psnr": {n: round(v[0], 2) for n, v in per_photo.items()},
                "psnr_mean": round(float(np.mean([v[0] for v in per_photo.values()])), 2),
                "ssim_mean": round(float(np.mean([v[1] for v in per_photo.values()])), 3),
                "seconds_per_megapixel": round(sum(v[2] for v in per_photo.values()) / megapixels, 2),
            })
        rows.append({"sigma": sigma, "all_settings_psnr_mean": {
            label: round(float(np.mean([v[0] for v in s.values()])), 2) for label, s in scores.items()}})
        # a picture of a 192-pixel detail of the first photo: noisy | VAE | NL-means | clean
        name = next(iter(photos))
        top, left = (photos[name].shape[0] - 192) // 2, (photos[name].shape[1] - 192) // 2
        detail = (slice(top, top + 192), slice(left, left + 192))
        strip = np.concatenate([candidates["noisy input"][name][0][detail], candidates[best("vae")][name][0][detail],
                                candidates[best("nl-means")][name][0][detail], photos[name][detail]], axis=1)
        RESULTS.mkdir(exist_ok=True)
        from PIL import Image

        Image.fromarray(strip).save(RESULTS / f"vae_denoise_sigma{sigma}.png")

    result = {"machine": f"{platform.machine()} {describe_device('cpu')}", "photos": list(photos),
              "wall_seconds": round(time.time() - started, 1), "rows": rows}
    (RESULTS / "vae_denoise.json").write_text(json.dumps(result, indent=2) + "\n")
    names = list(photos)
    lines = [f"Held-out photos: {', '.join(names)}. Machine: {result['machine']}; "
             f"wall time {result['wall_seconds']} s.", "",
             "| noise σ | method (best setting) | " + " | ".join(f"PSNR {n}" for n in names)
             + " | PSNR mean | SSIM mean | s / MP |",
             "|---:|---|" + "---:|" * (len(names) + 3)]
    for row in rows:
        if "method" in row:
            lines.append(f"| {row['sigma']} | {row['method']} | " + " | ".join(f"{row['psnr'][n]:.2f}" for n in names)
                         + f" | **{row['psnr_mean']:.2f}** | {row['ssim_mean']:.3f} | {row['seconds_per_megapixel']} |")
    (RESULTS / "vae_denoise.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
