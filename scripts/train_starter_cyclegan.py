"""Train the starter CycleGAN weights (resources/weights/cyclegan.safetensors): photo <-> pencil sketch.

Domain A: random crops (with flips) of the scikit-image photos listed in
``restorer_plugins.cyclegan.starter.TRAIN``. Domain B: random crops of those
photos passed through ``restorer_plugins.cyclegan.starter.pencil_sketch``
(OpenCV's ``cv2.pencilSketch``, its gray output repeated to RGB; the benchmark
makes its targets with the same function). The shared training loop
(:func:`restorer.training.train`) cuts the crops from the two folders of
``--workdir`` (photos/ and sketches/), each crop of B drawn independently of A's
(another photo, another position), so the pairs are never aligned: the training
is unpaired, as CycleGAN's is. The loop checkpoints, so an interrupted run
resumes exactly with ``--resume`` (the same ``--steps``: the learning rate decays
over them). The config is much smaller than the
paper's (fewer filters, 96-px crops, a higher learning rate, 6,000 steps at
batch 1) to fit a ~40-minute single-thread CPU budget; the generators and the
cycle weight (10) are the paper's, except that they upsample by resize-convolution
(the transposed convolutions drew a checkerboard grid over dark skies).

    nice -n 5 .venv/bin/python scripts/train_starter_cyclegan.py --threads 1
    nice -n 5 .venv/bin/python scripts/train_starter_cyclegan.py --threads 1 --resume   # continue

Earlier starters mapped photos to ``cv2.stylization``, a change too subtle for
so short a training: A -> B only shifted colours (``earlier_runs_not_kept`` in
resources/weights/cyclegan.json records the runs, and ``--no-plain`` /
``--lambda-cycle`` still select their residual generator and weights).

``--snapshots DIR`` also writes the generators every ``--snapshot-every`` steps, so
a run can be measured while it goes on (``benchmarks/cyclegan_quality.py --weights stepN``).
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
from restorer_plugins.cyclegan.networks import CycleGANConfig
from restorer_plugins.cyclegan.starter import HELD_OUT, PENCIL_SKETCH, TRAIN, pencil_sketch, starter_photos
from restorer_plugins.cyclegan.training import CycleGANTrainConfig, CycleGANTrainer


def main(argv: list[str] | None = None) -> int:
    """Train, then write the generators and a provenance JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--resume", action="store_true", help="continue the run in --workdir (the same --steps)")
    parser.add_argument("--workdir", type=Path, default=Path("build/cyclegan-starter"),
                        help="the two training folders and the checkpoint")
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--lr", type=float, default=5e-4,
                        help="the paper's 2e-4 learns too little in the few steps a CPU budget allows")
    parser.add_argument("--ngf", type=int, default=16)
    parser.add_argument("--ndf", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--lambda-cycle", type=float, default=10.0,
                        help="cycle weight (the paper's 10); in 1000-step trials 1 washed the sketches out and lost "
                             "the photo's content on the way back")
    parser.add_argument("--identity", type=float, default=0.5, help="identity weight, as a fraction of --lambda-cycle")
    parser.add_argument("--upsample", choices=("transpose", "resize"), default="resize",
                        help="the generator's upsampling: resize-convolutions (default) or the paper's transposed "
                             "convolutions, which drew a checkerboard over dark areas")
    parser.add_argument("--plain", action=argparse.BooleanOptionalAction, default=True,
                        help="the paper's plain generator (default); --no-plain: the residual one (see "
                             "CycleGANConfig.residual), which in 1000-step trials stayed near the photo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=starter_weights_path("cyclegan"))
    parser.add_argument("--snapshots", type=Path, default=None,
                        help="also write the generators to SNAPSHOTS/stepN.safetensors every --snapshot-every steps "
                             "(to measure a run while it goes on: RESTORER_DATA_DIR=D, SNAPSHOTS=D/weights/cyclegan)")
    parser.add_argument("--snapshot-every", type=int, default=1000)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the networks' initial weights (the loop seeds what the trainer draws)
    photos = dict(zip(TRAIN, starter_photos(TRAIN)))
    domain_a = PhotoFolder.from_pictures(args.workdir / "photos", photos)
    domain_b = PhotoFolder.from_pictures(args.workdir / "sketches",
                                         {name: pencil_sketch(photo) for name, photo in photos.items()})
    config = CycleGANConfig(ngf=args.ngf, ndf=args.ndf, blocks=args.blocks, upsample=args.upsample,
                            residual=not args.plain)
    settings = CycleGANTrainConfig(lr=args.lr, steps=args.steps, lambda_cycle=args.lambda_cycle,
                                   identity=args.identity)
    trainer = CycleGANTrainer(config, settings, names=("photo", "pencil sketch"))
    # one crop of each domain per step, at the photos' own scale, flipped half the time
    data = DataConfig(crop=args.crop, batch_size=1, scale_range=(1.0, 1.0))
    started = time.time()
    log: list[dict] = []
    window: list[dict] = []

    def report(progress) -> None:  # the mean losses of every 50 steps, and the snapshots
        if not progress.metrics:
            return
        step = progress.done
        window.append({k: v for k, v in progress.metrics.items() if k not in ("step", "images_per_s", "skipped")})
        if step % 50 == 0 or step == args.steps:
            mean = {k: round(float(np.mean([w[k] for w in window])), 4) for k in window[0]}
            log.append({"step": step, "seconds": round(time.time() - started, 1), **mean})
            window.clear()
            print(json.dumps(log[-1]), flush=True)
        if args.snapshots is not None and step % args.snapshot_every == 0:
            tensors, metadata = trainer.export()
            save_weights("cyclegan", f"step{step}", tensors, metadata, overwrite=True,
                         path=args.snapshots / f"step{step}.safetensors")

    loop = LoopConfig(steps=args.steps, seed=args.seed, checkpoint_every=250, data=data)
    result = train(trainer, [domain_a, domain_b], loop, checkpoint=args.workdir / CHECKPOINT_FILE,
                   resume=args.resume, job=Job(report), overwrite=not args.resume)

    provenance = {
        "a_name": "photo",
        "b_name": "pencil sketch",
        "data": f"A: random {args.crop}x{args.crop} crops with flips of scikit-image photos {', '.join(TRAIN)} "
                f"(grayscale repeated to RGB, longest side shrunk to 512); B: the same photos through {PENCIL_SKETCH}, "
                f"cropped independently (unpaired); crops cut by the shared training loop; held out: "
                f"{', '.join(HELD_OUT)}",
        "config": asdict(config),
        "train": {**asdict(settings), "batch": 1, "crop": args.crop, "seed": args.seed},
        "note": "much smaller than the paper's setup (ngf 64, 9 blocks, 256-px crops, 200 epochs, lr 2e-4): "
                "fits a ~40-minute single-thread CPU budget on a shared machine; lr raised to make the few steps count",
        "wall_seconds": round(result.seconds, 1),
        "machine": f"{platform.machine()} CPU, torch threads={args.threads}",
        "torch": torch.__version__,
        "final_losses": log[-1] if log else result.losses,
        "script": "scripts/train_starter_cyclegan.py",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tensors, metadata = trainer.export()
    save_weights("cyclegan", STARTER, tensors, {**metadata, "provenance": provenance}, overwrite=True,
                 path=args.out)
    args.out.with_suffix(".json").write_text(json.dumps({**provenance, "log": log}, indent=2) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {result.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
