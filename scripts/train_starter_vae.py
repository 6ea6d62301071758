"""Train the starter VAE weights (resources/weights/vae.safetensors) on photo crops bundled with scikit-image.

Data: random 32x32 crops (with flips and the colour channels in random order) of the training photos listed in
``restorer_plugins.cyclegan.starter.TRAIN``; the held-out photos there are never
seen and are what ``benchmarks/vae_denoise.py`` measures on. The encoder sees
crops with random Gaussian noise (denoising criterion) and must rebuild the
clean crop. Fixed seeds; single CPU thread by default.

    nice -n 10 .venv/bin/python scripts/train_starter_vae.py --steps 3500
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
from restorer_plugins.cyclegan.starter import HELD_OUT, TRAIN, starter_photos
from restorer_plugins.vae.networks import VAEConfig
from restorer_plugins.vae.training import VAETrainConfig, VAETrainer


def random_crops(photos: list[torch.Tensor], count: int, size: int, gen: torch.Generator) -> torch.Tensor:
    """``count`` random ``size``-pixel crops of random photos, randomly flipped, colour channels in random order;
    ``(count, 3, size, size)`` in [0, 1]."""
    crops = []
    for _ in range(count):
        photo = photos[int(torch.randint(len(photos), (1,), generator=gen))]
        top = int(torch.randint(photo.shape[1] - size + 1, (1,), generator=gen))
        left = int(torch.randint(photo.shape[2] - size + 1, (1,), generator=gen))
        crop = photo[:, top:top + size, left:left + size]
        if bool(torch.rand(1, generator=gen) < 0.5):
            crop = crop.flip(-1)
        # a random order of the colour channels: the bundled photos have few blues (a sky became
        # pink-grey without it); the VAE must rebuild any hue it is shown
        crops.append(crop[torch.randperm(3, generator=gen)])
    return torch.stack(crops)


def main() -> None:
    """Train, then write the weights and a provenance JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3500)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=32)
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--decoder-std", type=float, default=0.1)
    parser.add_argument("--latent-channels", type=int, default=8)
    parser.add_argument("--input-noise", type=float, default=0.12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=starter_weights_path("vae"))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the trainer draws its noise from torch's global generator
    photos = [torch.from_numpy(p).permute(2, 0, 1).float() / 255 for p in starter_photos(TRAIN)]
    config = VAEConfig(widths=tuple(args.widths), latent_channels=args.latent_channels, beta=args.beta,
                       decoder_std=args.decoder_std)
    train = VAETrainConfig(input_noise=args.input_noise, lr_decay=int(args.steps * 0.8))
    trainer = VAETrainer(config, train)
    gen = torch.Generator().manual_seed(args.seed + 2)
    started = time.time()
    log: list[dict] = []
    window: list[dict] = []
    for step in range(1, args.steps + 1):
        batch = Batch(random_crops(photos, args.batch, args.crop, gen), None, None)
        window.append(trainer.train_step(batch, step - 1))
        if step % 100 == 0 or step == args.steps:
            mean = {k: round(float(np.mean([w[k] for w in window])), 5) for k in window[0]}
            log.append({"step": step, "seconds": round(time.time() - started, 1), **mean})
            window = []
            print(json.dumps(log[-1]), flush=True)
    wall = time.time() - started

    provenance = {
        "data": f"random {args.crop}x{args.crop} crops with flips and random colour-channel order of scikit-image photos {', '.join(TRAIN)} "
                f"(grayscale ones repeated to RGB, longest side shrunk to 512); held out: {', '.join(HELD_OUT)}",
        "objective": f"negative ELBO, beta={args.beta}, Gaussian decoder std={args.decoder_std} (images in "
                     f"[-1,1]); denoising criterion: input noise std ~ U(0, {args.input_noise}) in [0,1] units",
        "config": asdict(config),
        "train": {**asdict(train), "steps": args.steps, "batch": args.batch, "crop": args.crop, "seed": args.seed},
        "wall_seconds": round(wall, 1),
        "machine": f"{platform.machine()} CPU, torch threads={args.threads}",
        "torch": torch.__version__,
        "final_losses": log[-1],
        "script": "scripts/train_starter_vae.py",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tensors, metadata = trainer.export()
    save_weights("vae", STARTER, tensors, {**metadata, "provenance": provenance}, overwrite=True, path=args.out)
    args.out.with_suffix(".json").write_text(json.dumps({**provenance, "log": log}, indent=2) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {wall:.0f} s")


if __name__ == "__main__":
    main()
