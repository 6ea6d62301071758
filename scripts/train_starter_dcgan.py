"""Train the starter DCGAN weights (resources/weights/dcgan.safetensors) from scikit-image's bundled faces.

Data: the 100 faces of ``skimage.data.lfw_subset()`` (grayscale, 25x25), 80 for
training (upsampled to 32x32, random flips and 1-pixel shifts), 20 held out for
``benchmarks/sampler_quality.py``. Fixed seeds; single CPU thread by default.

    nice -n 10 .venv/bin/python scripts/train_starter_dcgan.py --steps 2400
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from restorer.resources import starter_weights_path
from restorer.training import Batch
from restorer.weights import STARTER, save_weights
from restorer_plugins.dcgan.networks import DCGANConfig, sample_noise
from restorer_plugins.dcgan.sampling import grid, images_to_uint8
from restorer_plugins.dcgan.starter import HELD_OUT, lfw_faces
from restorer_plugins.dcgan.training import DCGANTrainer


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to one pixel (edge-replicated): 80 faces are few."""
    flip = torch.rand(batch.shape[0], generator=gen) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    padded = torch.nn.functional.pad(batch, (1, 1, 1, 1), mode="replicate")
    dy, dx = torch.randint(0, 3, (2,), generator=gen).tolist()
    return padded[:, :, dy:dy + batch.shape[2], dx:dx + batch.shape[3]]


def main() -> None:
    """Train, then write the weights, a provenance JSON and a sample grid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--upsample", choices=("transpose", "resize"), default="resize")
    parser.add_argument("--loss", choices=("bce", "hinge"), default="bce")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=starter_weights_path("dcgan"))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the trainer draws from torch's global generator
    train, _ = lfw_faces(32)
    faces = torch.from_numpy(train)
    config = DCGANConfig(image_size=32, channels=1, width=args.width, upsample=args.upsample, loss=args.loss)
    trainer = DCGANTrainer(config)
    gen = torch.Generator().manual_seed(args.seed + 2)
    started = time.time()
    log = []
    for step in range(1, args.steps + 1):
        index = torch.randint(0, len(faces), (args.batch,), generator=gen)
        photos = (augment(faces[index], gen).repeat(1, 3, 1, 1) + 1) / 2  # gray faces as [0, 1] RGB photos
        losses = trainer.train_step(Batch(photos, None, None), step - 1)
        if step % 100 == 0 or step == args.steps:
            elapsed = time.time() - started
            log.append({"step": step, "seconds": round(elapsed, 1), **{k: round(v, 4) for k, v in losses.items()}})
            print(json.dumps(log[-1]), flush=True)
    wall = time.time() - started

    trainer.generator.eval()
    provenance = {
        "data": f"skimage.data.lfw_subset() faces 0-99 (grayscale 25x25, upsampled bicubic to 32x32); "
                f"{len(faces)} for training after a seeded split, {HELD_OUT} held out for benchmarks",
        "augmentation": "random horizontal flip, random shift of up to 1 pixel",
        "config": asdict(config),
        "train": {**asdict(trainer.train_config), "steps": args.steps, "batch": args.batch, "seed": args.seed},
        "wall_seconds": round(wall, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} CPU, torch threads={args.threads}".strip(),
        "torch": torch.__version__,
        "final_losses": log[-1],
        "script": "scripts/train_starter_dcgan.py",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tensors, metadata = trainer.export()
    save_weights("dcgan", STARTER, tensors, {**metadata, "provenance": provenance}, overwrite=True, path=args.out)
    args.out.with_suffix(".json").write_text(json.dumps({**provenance, "log": log}, indent=2) + "\n")
    with torch.no_grad():
        samples = trainer.generator(sample_noise(64, config.latent_dim, seed=1))
    from PIL import Image

    Image.fromarray(grid(images_to_uint8(samples), 8, zoom=2)).save(args.out.with_suffix(".samples.png"))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {wall:.0f} s")


if __name__ == "__main__":
    main()
