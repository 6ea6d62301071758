"""How close are generated images to real ones? Sliced Wasserstein distance of Laplacian-pyramid patches.

Karras et al. 2018 (Progressive GAN, appendix D) measure a sampler without any
pretrained network: 7x7 patches are taken at every level of a Laplacian pyramid,
each set normalised per channel, and the distance between the patch
distributions of generated and real images is the sliced Wasserstein distance
(mean over random 1-D projections of the distance between sorted projections).
Lower is better; the numbers are x1000 as in the paper.

Each sampler is scored next to baselines measured in the same run against the
same held-out real images:

- **real (floor)**: the training images themselves; a perfect sampler scores about this;
- **Gaussian**: samples of a Gaussian with the training images' mean and covariance.

Plus the nearest-training-image distance (RMSE, 0-255): if samples sit much
closer to a training image than held-out real images do, the model memorised.

Samplers: ``dcgan`` (starter: 32x32 grayscale LFW faces, 20 faces held out) and
``vae-sample`` (starter: photo crops; 32x32 crops of the held-out photos), the
latter with its fitted latent prior (the default) and with N(0, I). Also
``dcgan-inpaint`` (GAN inversion) against OpenCV Telea on held-out faces: hole PSNR.

    .venv/bin/python benchmarks/sampler_quality.py
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

RESULTS = Path(__file__).resolve().parent / "results"
PATCH = 7
DESCRIPTORS = 4096  # per level and set
DIRECTIONS = 512
REPEATS = 4


def laplacian_pyramid(images: np.ndarray, levels: int) -> list[np.ndarray]:
    """``float32 (N, H, W, C)`` -> band-pass levels, finest first, the last one the low-pass residual."""
    out, current = [], images
    for _ in range(levels - 1):
        down = np.stack([cv2.pyrDown(im) for im in current]).reshape(
            len(current), current.shape[1] // 2, current.shape[2] // 2, -1)
        up = np.stack([cv2.pyrUp(im, dstsize=(current.shape[2], current.shape[1])) for im in down]).reshape(
            current.shape)
        out.append(current - up)
        current = down
    out.append(current)
    return out


def descriptors(level: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random 7x7 patches of a pyramid level, normalised per channel: ``(count, 49 * C)``."""
    n, height, width, channels = level.shape
    which = rng.integers(0, n, count)
    ys, xs = rng.integers(0, height - PATCH + 1, count), rng.integers(0, width - PATCH + 1, count)
    offsets = np.arange(PATCH)
    patches = level[which[:, None, None], ys[:, None, None] + offsets[None, :, None],
                    xs[:, None, None] + offsets[None, None, :]]  # (count, 7, 7, C)
    patches = patches - patches.mean(axis=(0, 1, 2), keepdims=True)
    patches = patches / (patches.std(axis=(0, 1, 2), keepdims=True) + 1e-8)
    return patches.reshape(count, -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> float:
    """Mean over random unit directions of the mean |sorted projection difference| (equal set sizes)."""
    values = []
    for _ in range(REPEATS):
        directions = rng.normal(size=(a.shape[1], DIRECTIONS))
        directions /= np.linalg.norm(directions, axis=0, keepdims=True)
        values.append(np.mean(np.abs(np.sort(a @ directions, 0) - np.sort(b @ directions, 0))))
    return float(np.mean(values))


def swd_levels(images: np.ndarray, reference: np.ndarray, levels: int, seed: int) -> list[float]:
    """SWD x1000 per pyramid level between two image sets ``uint8 (N, H, W, C)``."""
    pyramid_a = laplacian_pyramid(images.astype(np.float32) / 255, levels)
    pyramid_b = laplacian_pyramid(reference.astype(np.float32) / 255, levels)
    out = []
    for index, (level_a, level_b) in enumerate(zip(pyramid_a, pyramid_b)):
        rng = np.random.default_rng(seed + index)
        out.append(1e3 * sliced_wasserstein(descriptors(level_a, DESCRIPTORS, rng),
                                            descriptors(level_b, DESCRIPTORS, rng), rng))
    return out


def gaussian_like(images: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` samples of the Gaussian with the images' mean and covariance, clipped to uint8."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    mean = flat.mean(0)
    centred = flat - mean
    # sampling through the data matrix avoids forming the (pixels x pixels) covariance
    z = np.random.default_rng(seed).normal(size=(count, len(images)))
    samples = mean + z @ centred / np.sqrt(len(images) - 1)
    return np.clip(np.round(samples), 0, 255).astype(np.uint8).reshape(count, *images.shape[1:])


def nearest_distance(images: np.ndarray, training: np.ndarray, *, exclude_self: bool = False) -> np.ndarray:
    """RMSE (0-255) from each image to its nearest training image."""
    a = images.reshape(len(images), -1).astype(np.float64)
    b = training.reshape(len(training), -1).astype(np.float64)
    squared = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
    if exclude_self:
        np.fill_diagonal(squared, np.inf)
    return np.sqrt(np.maximum(squared.min(1), 0) / a.shape[1])


def split_grid(picture: np.ndarray, size: int, count: int, gap: int = 2) -> np.ndarray:
    """Cut a sample grid (as the models return it) back into ``count`` images."""
    columns = (picture.shape[1] - gap) // (size + gap)
    out = []
    for i in range(count):
        top, left = gap + (i // columns) * (size + gap), gap + (i % columns) * (size + gap)
        out.append(picture[top:top + size, left:left + size])
    return np.stack(out)


def with_flips(images: np.ndarray) -> np.ndarray:
    """The images and their mirror images."""
    return np.concatenate([images, images[:, :, ::-1]])


def score_sets(name: str, reference: np.ndarray, training: np.ndarray, candidates: dict[str, np.ndarray],
               levels: int, seed: int) -> dict:
    """SWD per level for each candidate set against ``reference``, plus nearest-training distances."""
    rows = {}
    for label, images in candidates.items():
        per_level = swd_levels(images, reference, levels, seed)
        rows[label] = {"swd_x1e3": [round(v, 2) for v in per_level], "swd_mean_x1e3": round(float(np.mean(per_level)), 2),
                       "images": int(len(images))}
    distances = {
        "held-out real -> nearest training": nearest_distance(reference, training),
        "training -> nearest other training": nearest_distance(training, training, exclude_self=True),
    }
    for label, images in candidates.items():
        if label.startswith(name):
            distances[f"{label} -> nearest training"] = nearest_distance(images, training)
    return {"swd": rows, "nearest_rmse": {k: {"median": round(float(np.median(v)), 2),
                                               "min": round(float(v.min()), 2)} for k, v in distances.items()}}


def face_inpainting(registry, held_out: np.ndarray, count: int) -> dict:
    """``dcgan-inpaint`` vs OpenCV Telea on held-out faces (96x96) with a band over the eyes: hole PSNR."""
    from restorer.measures import psnr

    mask = np.zeros((96, 96), bool)
    mask[30:55, 20:76] = True
    scores: dict[str, list[float]] = {"dcgan-inpaint": [], "opencv-telea": []}
    seconds = 0.0
    strips = []
    for face in held_out[:count]:
        face = cv2.resize(np.round((face[0] + 1) * 127.5).astype(np.uint8), (96, 96), interpolation=cv2.INTER_CUBIC)
        photo = np.repeat(face[..., None], 3, -1)
        tick = time.time()
        ours = run_model(registry.get("dcgan-inpaint"), photo, mask, {"steps": 300, "candidates": 16})
        seconds += time.time() - tick
        telea = run_model(registry.get("opencv-telea"), photo, mask)
        scores["dcgan-inpaint"].append(psnr(ours, photo, mask))
        scores["opencv-telea"].append(psnr(telea, photo, mask))
        strips.append(np.concatenate([np.where(mask[..., None], 0, photo), ours, telea, photo], axis=1))
    from PIL import Image

    RESULTS.mkdir(exist_ok=True)
    Image.fromarray(np.concatenate(strips)).save(RESULTS / "dcgan_inpaint_faces.png")
    return {"faces": count, "hole": "rows 30-54, columns 20-75 of 96x96 (eyes band)",
            "hole_psnr_mean": {k: round(float(np.mean(v)), 2) for k, v in scores.items()},
            "hole_psnr": {k: [round(x, 2) for x in v] for k, v in scores.items()},
            "dcgan_seconds_per_face": round(seconds / count, 1)}


def main() -> None:
    """Score the starter DCGAN and VAE samplers and write JSON + Markdown to benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--inpaint-faces", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from restorer_plugins.cyclegan.starter import HELD_OUT, TRAIN, starter_photos
    from restorer_plugins.dcgan.starter import lfw_faces

    registry = load_registry()
    started = time.time()
    results: dict = {"machine": f"{platform.machine()} {describe_device('cpu')}", "seed": args.seed}

    # -- DCGAN on faces -------------------------------------------------------------------
    train, held_out = lfw_faces(32)
    to_uint8 = lambda faces: np.repeat(np.round((faces[:, 0] + 1) * 127.5).astype(np.uint8)[..., None], 3, -1)  # noqa: E731
    train_faces, held_faces = with_flips(to_uint8(train)), with_flips(to_uint8(held_out))
    n = args.samples
    tick = time.time()
    grids = [run_model(registry.get("dcgan"), None, None, {"n": min(256, n - i), "seed": args.seed + i, "zoom": 1})
             for i in range(0, n, 256)]
    dcgan_seconds = time.time() - tick
    samples = np.concatenate([split_grid(g, 32, min(256, n - i)) for g, i in zip(grids, range(0, n, 256))])
    truncated = split_grid(run_model(registry.get("dcgan"), None, None,
                                     {"n": 256, "seed": args.seed, "zoom": 1, "truncation": 1.0}), 32, 256)
    results["dcgan"] = score_sets("dcgan", held_faces, train_faces, {
        "dcgan samples": samples,
        "dcgan samples, truncation 1.0": truncated,
        "Gaussian (training mean + covariance)": gaussian_like(train_faces, n, args.seed),
        "real training faces (floor)": train_faces,
    }, levels=3, seed=args.seed)
    results["dcgan"]["seconds_per_sample"] = round(dcgan_seconds / n, 5)
    results["dcgan"]["data"] = ("reference: 20 held-out LFW faces + mirror images (40), 32x32 grayscale; "
                                "training: 80 faces + mirror images (160)")
    results["dcgan_inpaint"] = face_inpainting(registry, held_out, args.inpaint_faces)

    # -- VAE on photo crops ---------------------------------------------------------------
    rng = np.random.default_rng(args.seed)

    def crops(photos: list[np.ndarray], count: int) -> np.ndarray:
        out = []
        for _ in range(count):
            photo = photos[rng.integers(len(photos))]
            top, left = rng.integers(photo.shape[0] - 31), rng.integers(photo.shape[1] - 31)
            out.append(photo[top:top + 32, left:left + 32])
        return np.stack(out)

    train_crops, held_crops = crops(starter_photos(TRAIN), 1000), crops(starter_photos(HELD_OUT), 1000)

    def vae_samples(**params) -> np.ndarray:
        # as many samples as the other sets (a grid holds at most 256)
        return np.concatenate([split_grid(run_model(registry.get("vae-sample"), None, None, {
            "n": min(256, n - i), "seed": args.seed + i, "size": 32, **params}), 32, min(256, n - i))
            for i in range(0, n, 256)])

    tick = time.time()
    fitted = vae_samples()
    vae_seconds = time.time() - tick
    results["vae"] = score_sets("vae", held_crops, train_crops, {
        "vae samples (fitted prior)": fitted,
        "vae samples, fitted prior, temperature 0.7": vae_samples(temperature=0.7),
        "vae samples, N(0, I) prior": vae_samples(prior="standard"),
        "Gaussian (training mean + covariance)": gaussian_like(train_crops, 1000, args.seed),
        "real training crops (floor)": train_crops,
    }, levels=3, seed=args.seed)
    results["vae"]["seconds_per_sample"] = round(vae_seconds / n, 5)
    results["vae"]["data"] = (f"reference: 1000 random 32x32 crops of held-out photos ({', '.join(HELD_OUT)}); "
                              f"training: 1000 random 32x32 crops of the training photos")
    results["wall_seconds"] = round(time.time() - started, 1)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sampler_quality.json").write_text(json.dumps(results, indent=2) + "\n")
    from PIL import Image

    Image.fromarray(run_model(registry.get("dcgan"), None, None, {"n": 64, "seed": 1, "zoom": 2})).save(
        RESULTS / "dcgan_samples.png")
    Image.fromarray(run_model(registry.get("dcgan-interpolate"), None, None,
                              {"n": 10, "rows": 4, "seed": 3, "zoom": 2})).save(RESULTS / "dcgan_interpolation.png")
    Image.fromarray(run_model(registry.get("vae-sample"), None, None,
                              {"n": 16, "seed": 1, "size": 64, "zoom": 2})).save(RESULTS / "vae_samples.png")
    lines = [f"Machine: {results['machine']}; wall time {results['wall_seconds']} s.", ""]
    for family in ("dcgan", "vae"):
        block = results[family]
        lines += [f"**{family}** — {block['data']}", "",
                  "| set | SWD x1e3, finest | middle | coarsest | mean |", "|---|---:|---:|---:|---:|"]
        for label, row in block["swd"].items():
            lines.append(f"| {label} | " + " | ".join(f"{v:.1f}" for v in row["swd_x1e3"])
                         + f" | **{row['swd_mean_x1e3']:.1f}** |")
        lines += ["", "| nearest training image, RMSE (0-255) | median | min |", "|---|---:|---:|"]
        for label, row in block["nearest_rmse"].items():
            lines.append(f"| {label} | {row['median']:.1f} | {row['min']:.1f} |")
        lines.append("")
    inpaint = results["dcgan_inpaint"]
    lines += [f"**dcgan-inpaint** on {inpaint['faces']} held-out faces (96x96, {inpaint['hole']}; "
              f"benchmarks/results/dcgan_inpaint_faces.png: masked | dcgan-inpaint | Telea | truth), "
              f"{inpaint['dcgan_seconds_per_face']} s per face:", "",
              "| model | hole PSNR mean (dB) |", "|---|---:|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in inpaint["hole_psnr_mean"].items()]
    (RESULTS / "sampler_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
