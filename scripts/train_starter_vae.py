"""Train the starter VAE weights (resources/weights/vae.safetensors) on photo crops bundled with scikit-image.

Data: random 32x32 crops (with flips and the colour channels in random order) of the training photos listed in
``restorer_plugins.cyclegan.starter.TRAIN``; the held-out photos there are never
seen and are what ``benchmarks/vae_denoise.py`` measures on. The encoder sees
crops with random Gaussian noise (denoising criterion) and must rebuild the
clean crop. The shared training loop (:func:`restorer.training.train`) cuts the
crops from ``--workdir``/photos, where each photo is written in the six orders of
its colour channels (a crop of a random one of them is a crop with its channels in
random order), and checkpoints, so an interrupted run resumes exactly with
``--resume``. Fixed seed; single CPU thread by default.

After training, a latent prior is fitted to the posterior means of training
crops (ex-post density estimation, Ghosh et al. 2020; see
``restorer_plugins.vae.prior``) and stored in the same file: ``vae-sample``
draws from it instead of N(0, I). ``--prior-only`` fits it to the existing
weights without retraining the network.

    nice -n 10 .venv/bin/python scripts/train_starter_vae.py --steps 3500
    nice -n 10 .venv/bin/python scripts/train_starter_vae.py --steps 3500 --resume   # continue (same --steps)
    nice -n 10 .venv/bin/python scripts/train_starter_vae.py --prior-only
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from restorer.jobs import Job
from restorer.resources import starter_weights_path
from restorer.training import DataConfig, LoopConfig, PhotoFolder, train
from restorer.training.stored_runs import CHECKPOINT_FILE
from restorer.weights import STARTER, read_metadata, save_weights
from restorer_plugins.cyclegan.starter import HELD_OUT, TRAIN, starter_photos
from restorer_plugins.vae.networks import VAE, VAEConfig
from restorer_plugins.vae.prior import LatentPrior, fit_latent_prior
from restorer_plugins.vae.load import network_tensors, vae_from_weights
from restorer_plugins.vae.training import VAETrainConfig, VAETrainer


def colour_orders(names: tuple[str, ...], photos: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Each photo in the six orders of its colour channels (``NAME-gbr``, ...): the training loop draws a photo,
    then crops it, so its crops come in every order alike. The bundled photos have few blues (a sky became
    pink-grey without this); the VAE must rebuild any hue it is shown."""
    return {f"{name}-{''.join('rgb'[c] for c in order)}": np.ascontiguousarray(photo[..., list(order)])
            for name, photo in zip(names, photos) for order in itertools.permutations(range(3))}


def random_crops(photos: list[torch.Tensor], count: int, size: int, gen: torch.Generator) -> torch.Tensor:
    """``count`` random ``size``-pixel crops of random photos, randomly flipped, in their natural colours (what
    the prior is fitted to); ``(count, 3, size, size)`` in [0, 1]."""
    crops = []
    for _ in range(count):
        photo = photos[int(torch.randint(len(photos), (1,), generator=gen))]
        top = int(torch.randint(photo.shape[1] - size + 1, (1,), generator=gen))
        left = int(torch.randint(photo.shape[2] - size + 1, (1,), generator=gen))
        crop = photo[:, top:top + size, left:left + size]
        crops.append(crop.flip(-1) if bool(torch.rand(1, generator=gen) < 0.5) else crop)
    return torch.stack(crops)


@torch.no_grad()
def fit_prior(vae: VAE, photos: list[torch.Tensor], *, crops: int, size: int, radius: int, components: int,
              seed: int) -> tuple[LatentPrior, dict]:
    """Fit the latent prior to the posterior means of ``crops`` random training crops (natural colours: the
    prior models the photos, not the colour augmentation); returns it and its provenance."""
    gen = torch.Generator().manual_seed(seed)
    latents = torch.cat([vae.encoder(random_crops(photos, min(64, crops - start), size, gen) * 2 - 1)[0]
                         for start in range(0, crops, 64)])
    prior = fit_latent_prior(latents, radius, components, seed=seed)
    return prior, {
        "kind": "mixture of stationary Gaussian fields over the latent map (ex-post density estimation, "
                "Ghosh et al. 2020)",
        "fitted_on": f"posterior means of {crops} random {size}x{size} crops (flipped at random, natural colours) "
                     f"of the training photos",
        "radius": radius, "components": prior.components,
        "weights": [round(w, 4) for w in prior.weights.tolist()], "seed": seed,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    """Train (unless ``--prior-only``), fit the latent prior, then write the weights and a provenance JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3500)
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --workdir (with its --steps: the learning rate decays at 80%%)")
    parser.add_argument("--workdir", type=Path, default=Path("build/vae-starter"),
                        help="the training photos and the checkpoint")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=32)
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--decoder-std", type=float, default=0.1)
    parser.add_argument("--latent-channels", type=int, default=8)
    parser.add_argument("--input-noise", type=float, default=0.12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--prior-only", action="store_true",
                        help="keep the network of --out as it is; only (re)fit its latent prior")
    parser.add_argument("--prior-crops", type=int, default=8192, help="training crops the prior is fitted to")
    parser.add_argument("--prior-crop", type=int, default=64, help="side of those crops in pixels")
    parser.add_argument("--prior-radius", type=int, default=7, help="largest latent offset with a covariance")
    parser.add_argument("--prior-components", type=int, default=4, help="mixture components")
    parser.add_argument("--out", type=Path, default=starter_weights_path("vae"))
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the network's initial weights (the loop seeds the noise it draws)
    pictures = starter_photos(TRAIN)
    photos = [torch.from_numpy(p).permute(2, 0, 1).float() / 255 for p in pictures]
    if args.prior_only:
        from safetensors.torch import load_file

        tensors = network_tensors(load_file(args.out))
        metadata = {k: v for k, v in read_metadata(args.out).items() if k not in ("model", "name")}
        provenance = metadata.pop("provenance")
        log = json.loads(args.out.with_suffix(".json").read_text())["log"]
        vae = vae_from_weights(tensors, metadata, str(args.out))
    else:
        provenance, log, tensors, metadata = train_network(args, pictures)
        vae = vae_from_weights(tensors, metadata)
    started = time.time()
    prior, prior_provenance = fit_prior(vae, photos, crops=args.prior_crops, size=args.prior_crop,
                                        radius=args.prior_radius, components=args.prior_components,
                                        seed=args.seed + 5)
    provenance["prior"] = {**prior_provenance, "wall_seconds": round(time.time() - started, 1),
                           "script": "scripts/train_starter_vae.py"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_weights("vae", STARTER, {**tensors, **prior.to_tensors()}, {**metadata, "provenance": provenance},
                 overwrite=True, path=args.out)
    args.out.with_suffix(".json").write_text(json.dumps({**provenance, "log": log}, indent=2) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); prior: {json.dumps(provenance['prior'])}")
    return 0


def train_network(args: argparse.Namespace, pictures: list[np.ndarray]) -> tuple[dict, list[dict], dict, dict]:
    """Train the network with the shared loop: ``(provenance, log, tensors, metadata)``."""
    config = VAEConfig(widths=tuple(args.widths), latent_channels=args.latent_channels, beta=args.beta,
                       decoder_std=args.decoder_std)
    train_config = VAETrainConfig(input_noise=args.input_noise, lr_decay=int(args.steps * 0.8))
    trainer = VAETrainer(config, train_config)
    folder = PhotoFolder.from_pictures(args.workdir / "photos", colour_orders(TRAIN, pictures))
    data = DataConfig(crop=args.crop, batch_size=args.batch, scale_range=(1.0, 1.0))  # crops at the photos' size
    started = time.time()
    log: list[dict] = []
    window: list[dict] = []

    def report(progress) -> None:  # the mean losses of every 100 steps
        if not progress.metrics:
            return
        window.append({k: v for k, v in progress.metrics.items() if k not in ("step", "images_per_s", "skipped")})
        if progress.done % 100 == 0 or progress.done == args.steps:
            mean = {k: round(float(np.mean([w[k] for w in window])), 5) for k in window[0]}
            log.append({"step": progress.done, "seconds": round(time.time() - started, 1), **mean})
            window.clear()
            print(json.dumps(log[-1]), flush=True)

    loop = LoopConfig(steps=args.steps, seed=args.seed, checkpoint_every=250, data=data)
    result = train(trainer, [folder], loop, checkpoint=args.workdir / CHECKPOINT_FILE, resume=args.resume,
                   job=Job(report), overwrite=not args.resume)

    provenance = {
        "data": f"random {args.crop}x{args.crop} crops with flips and random colour-channel order of scikit-image "
                f"photos {', '.join(TRAIN)} (grayscale ones repeated to RGB, longest side shrunk to 512), cut by "
                f"the shared training loop from each photo in its six channel orders; held out: {', '.join(HELD_OUT)}",
        "objective": f"negative ELBO, beta={args.beta}, Gaussian decoder std={args.decoder_std} (images in "
                     f"[-1,1]); denoising criterion: input noise std ~ U(0, {args.input_noise}) in [0,1] units",
        "config": asdict(config),
        "train": {**asdict(train_config), "steps": result.step, "batch": args.batch, "crop": args.crop,
                  "seed": args.seed},
        "wall_seconds": round(result.seconds, 1),
        "machine": f"{platform.machine()} CPU, torch threads={args.threads}",
        "torch": torch.__version__,
        "final_losses": log[-1] if log else result.losses,
        "script": "scripts/train_starter_vae.py",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    tensors, metadata = trainer.export()
    return provenance, log, tensors, metadata


if __name__ == "__main__":
    raise SystemExit(main())
