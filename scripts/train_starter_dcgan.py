"""Train the starter DCGAN weights (resources/weights/dcgan.safetensors) from scikit-image's bundled faces.

Data: the 100 faces of ``skimage.data.lfw_subset()`` (grayscale, 25x25), 80 for
training (upsampled to 32x32, random flips and 1-pixel shifts), 20 held out for
``benchmarks/sampler_quality.py``. The shared training loop
(:func:`restorer.training.train`) draws the batches from ``--workdir``/faces, where
each training face is written with a one-pixel border that repeats its edge: a
32-pixel crop of it is the face shifted by up to a pixel. The loop checkpoints, so
an interrupted run resumes exactly with ``--resume``. Fixed seed; single CPU thread
by default.

    nice -n 10 .venv/bin/python scripts/train_starter_dcgan.py --steps 2400
    nice -n 10 .venv/bin/python scripts/train_starter_dcgan.py --steps 2400 --resume   # continue
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

from restorer.jobs import Job
from restorer.resources import starter_weights_path
from restorer.training import DataConfig, LoopConfig, PhotoFolder, train
from restorer.training.stored_runs import CHECKPOINT_FILE
from restorer.weights import STARTER, save_weights
from restorer_plugins.dcgan.networks import DCGANConfig, sample_noise
from restorer_plugins.dcgan.sampling import grid, images_to_uint8
from restorer_plugins.dcgan.starter import HELD_OUT, lfw_faces
from restorer_plugins.dcgan.training import DCGANTrainer


def bordered_faces(faces: np.ndarray) -> dict[str, np.ndarray]:
    """Faces ``(N, 1, S, S)`` in [-1, 1] as ``uint8`` RGB pictures ``(S + 2, S + 2, 3)``, named ``face-NN``: gray
    repeated to RGB, with a one-pixel border repeating the edge, so that a random ``S``-pixel crop (as the
    loop cuts at scale 1) shifts the face by up to one pixel each way. 80 faces are few."""
    gray = np.round((np.clip(faces[:, 0], -1, 1) + 1) * 127.5).astype(np.uint8)
    bordered = np.pad(gray, ((0, 0), (1, 1), (1, 1)), mode="edge")
    return {f"face-{i:02d}": np.repeat(face[..., None], 3, axis=2) for i, face in enumerate(bordered)}


def main(argv: list[str] | None = None) -> int:
    """Train, then write the weights, a provenance JSON and a sample grid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--resume", action="store_true", help="continue the run in --workdir")
    parser.add_argument("--workdir", type=Path, default=Path("build/dcgan-starter"),
                        help="the training faces and the checkpoint")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--upsample", choices=("transpose", "resize"), default="resize")
    parser.add_argument("--loss", choices=("bce", "hinge"), default="bce")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=starter_weights_path("dcgan"))
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the networks' initial weights (the loop seeds the noise the trainer draws)
    faces, _ = lfw_faces(32)
    folder = PhotoFolder.from_pictures(args.workdir / "faces", bordered_faces(faces))
    config = DCGANConfig(image_size=32, channels=1, width=args.width, upsample=args.upsample, loss=args.loss)
    trainer = DCGANTrainer(config)
    # gray faces as RGB photos, cut at their own scale (a shift of up to a pixel), flipped half the time
    data = DataConfig(crop=32, batch_size=args.batch, scale_range=(1.0, 1.0))
    started = time.time()
    log = []

    def report(progress) -> None:
        if progress.metrics and (progress.done % 100 == 0 or progress.done == args.steps):
            losses = {k: round(v, 4) for k, v in progress.metrics.items()
                      if k not in ("step", "images_per_s", "skipped")}
            log.append({"step": progress.done, "seconds": round(time.time() - started, 1), **losses})
            print(json.dumps(log[-1]), flush=True)

    loop = LoopConfig(steps=args.steps, seed=args.seed, checkpoint_every=250, data=data)
    result = train(trainer, [folder], loop, checkpoint=args.workdir / CHECKPOINT_FILE, resume=args.resume,
                   job=Job(report), overwrite=not args.resume)

    trainer.generator.eval()
    provenance = {
        "data": f"skimage.data.lfw_subset() faces 0-99 (grayscale 25x25, upsampled bicubic to 32x32); "
                f"{len(faces)} for training after a seeded split, {HELD_OUT} held out for benchmarks; batches "
                f"drawn by the shared training loop",
        "augmentation": "random horizontal flip, random shift of up to 1 pixel (each face: a 32-px crop of it "
                        "with a 1-px edge-repeating border)",
        "config": asdict(config),
        "train": {**asdict(trainer.train_config), "steps": result.step, "batch": args.batch, "seed": args.seed},
        "wall_seconds": round(result.seconds, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} CPU, torch threads={args.threads}".strip(),
        "torch": torch.__version__,
        "final_losses": log[-1] if log else result.losses,
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
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {result.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
