"""Train the starter weights of inpaint-gan from scikit-image's bundled photos (fixed seed, CPU).

    pip install -e '.[starter]'                                             # the packages whose photos it uses
    python scripts/train_starter_inpaint.py --phase l1 --steps 5000         # PSNR phase, all photos (~78 min)
    python scripts/train_starter_inpaint.py --phase natural --steps 3000    # PSNR phase, ordinary photos
    python scripts/train_starter_inpaint.py --phase gan --steps 1600        # then the adversarial phase (shipped)
    python scripts/train_starter_inpaint.py --phase gan --steps 1600 --resume  # continue an interrupted run
    python scripts/train_starter_inpaint.py --export gan               # write resources/weights/ again

Photos: :data:`restorer_plugins.inpaint_gan.split.TRAIN` (scikit-image) in the
first phase; then :data:`PHOTO_LIKE`, the photos of ordinary scenes and surfaces
among them plus ``split.NATURAL`` (ordinary photos bundled by other packages).
The benchmark's held-out photos (``split.HELD_OUT``) are never read. Checkpoints go to
``--workdir`` (default ``build/inpaint-starter``) so a long run can be resumed,
and any checkpoint can be exported. Each phase after the first starts from the
generator of the one before (``l1`` -> ``natural`` -> ``gan``); ``gan`` adds the
adversarial terms. The provenance file
(``resources/weights/inpaint-gan.json``) records data, split, steps, wall time
and machine; the benchmark adds its measured figures to it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch
from PIL import Image

from restorer.jobs import Job
from restorer.resources import starter_weights_path
from restorer.training import DataConfig, LoopConfig, PhotoFolder, load_checkpoint, train
from restorer.weights import save_weights
from restorer_plugins.inpaint_gan.network import GeneratorConfig
from restorer_plugins.inpaint_gan.split import HELD_OUT, NATURAL, TRAIN, natural_photo, skimage_photo
from restorer_plugins.inpaint_gan.trainer import InpaintTrainer, TrainerConfig

SEED = 20261125
PHASES = {
    # Hole-weighted L1 only: learn the correction that buys PSNR.
    "l1": TrainerConfig(generator=GeneratorConfig(), lr=5e-4, lr_decay=(3500, 5000)),
    # The same on ordinary photos (the benchmark's kind), at a lower rate.
    "natural": TrainerConfig(generator=GeneratorConfig(), lr=3e-4, lr_decay=(2000, 3000)),
    # Then texture: a light adversarial term and critic feature matching on top of the same L1.
    "gan": TrainerConfig(generator=GeneratorConfig(), lr=1e-4, adv_weight=0.01, feature_weight=0.1),
}
DATA = DataConfig(crop=128, batch_size=8, scale_range=(0.5, 1.0), mask_area=(0.05, 0.3))
#: The phase each phase starts from.
BASE = {"natural": "l1", "gan": "natural"}
#: Photos of ordinary scenes and surfaces in TRAIN (no micrographs, scans, sky or text pages).
PHOTO_LIKE = ("brick", "clock_motion", "coins", "color", "grass", "gravel", "motorcycle_left", "motorcycle_right",
              "rocket")


def provenance_path() -> Path:
    """The provenance file next to the starter weights."""
    return starter_weights_path("inpaint-gan").with_suffix(".json")


def photo_names(phase: str) -> tuple[str, ...]:
    """The photos ``phase`` trains on."""
    return TRAIN if phase == "l1" else PHOTO_LIKE + tuple(NATURAL)


def photo_folder(workdir: Path, phase: str) -> PhotoFolder:
    """Put the phase's training photos (and only those) into one folder and scan it."""
    folder = workdir / ("photos" if phase == "l1" else "photos-natural")
    folder.mkdir(parents=True, exist_ok=True)
    names = photo_names(phase)
    assert not set(names) & set(HELD_OUT)
    for name in names:
        if name in NATURAL:
            target = folder / f"{name}.png"
            if not target.exists():
                Image.fromarray(natural_photo(name)).save(target)
            continue
        source = skimage_photo(name)
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
    return PhotoFolder.scan(folder)


def make_trainer(phase: str, workdir: Path) -> InpaintTrainer:
    """The trainer of ``phase``, starting from the generator of the phase before (:data:`BASE`)."""
    initial = None
    if phase in BASE:
        state = load_checkpoint(workdir / f"{BASE[phase]}.safetensors")
        prefix = "module/generator/"
        initial = {k[len(prefix):]: v for k, v in state.tensors.items() if k.startswith(prefix)}
    return InpaintTrainer(PHASES[phase], "cpu", initial=initial)


def export(phase: str, workdir: Path) -> Path:
    """Write the generator of ``phase``'s last checkpoint as the starter weights, with provenance."""
    state = load_checkpoint(workdir / f"{phase}.safetensors")
    prefix = "module/generator/"
    tensors = {k[len(prefix):]: v for k, v in state.tensors.items() if k.startswith(prefix)}
    extra = state.metadata["extra"]
    phases = {}
    for name in PHASES:
        path = workdir / f"{name}.safetensors"
        if path.exists():
            other = load_checkpoint(path)
            phases[name] = {"steps": other.step, "wall_seconds": round(other.metadata["extra"]["seconds"]),
                            "config": other.metadata["trainer"], "last_losses": other.metadata["extra"]["losses"]}
        if name == phase:
            break
    provenance = {
        "model": "inpaint-gan",
        "weights": starter_weights_path("inpaint-gan").name,
        "script": "scripts/train_starter_inpaint.py",
        "seed": SEED,
        "data": "photos bundled with scikit-image (skimage/data), scikit-learn, matplotlib and PyWavelets",
        "train_photos": {name: list(photo_names(name)) for name in phases},
        "natural_photo_sources": {name: f"{package}: {inner}" for name, (package, inner) in NATURAL.items()},
        "held_out_photos": list(HELD_OUT),
        "data_config": json.loads(json.dumps(DATA.__dict__)),
        "phase": phase,
        "phases": phases,
        "steps": state.step,
        "wall_seconds": round(extra["seconds"]),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "torch": torch.__version__, "threads": 1},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # Figures measured on earlier weights do not describe these: benchmarks/inpaint_quality.py adds new ones.
    provenance["benchmark"] = None
    path = save_weights("inpaint-gan", "starter", tensors,
                        {"generator": PHASES[phase].generator.to_json(), "trainer": PHASES[phase].to_json(),
                         "steps": state.step, "phase": phase, "seed": SEED},
                        overwrite=True, path=starter_weights_path("inpaint-gan"))
    provenance_path().write_text(json.dumps(provenance, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line of the script."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=tuple(PHASES), default="l1")
    parser.add_argument("--steps", type=int, default=5000, help="total steps of the phase")
    parser.add_argument("--resume", action="store_true", help="continue the phase's checkpoint")
    parser.add_argument("--workdir", type=Path, default=Path("build/inpaint-starter"))
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (the machine is shared)")
    parser.add_argument("--export", choices=tuple(PHASES), help="only export that phase's checkpoint")
    parser.add_argument("--export-every", type=int, default=0, help="also export every N steps")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.export:
        print(export(args.export, args.workdir))
        return 0
    folders = [photo_folder(args.workdir, args.phase)]
    torch.manual_seed(SEED)  # the networks' initial weights (torch seeds itself randomly otherwise)
    trainer = make_trainer(args.phase, args.workdir)
    config = LoopConfig(steps=args.steps, seed=SEED + list(PHASES).index(args.phase), checkpoint_every=100,
                        checkpoint_seconds=300, data=DATA)
    log = open(args.workdir / f"{args.phase}.log", "a", buffering=1)

    def report(progress) -> None:
        if progress.metrics and progress.done % 20 == 0:
            metrics = " ".join(f"{k}={v:.4g}" for k, v in progress.metrics.items())
            log.write(f"{time.strftime('%H:%M:%S')} {metrics}\n")
        if args.export_every and progress.metrics and progress.done % args.export_every == 0:
            export(args.phase, args.workdir)  # the checkpoint of this step was just written

    train(trainer, folders, config, checkpoint=args.workdir / f"{args.phase}.safetensors",
          resume=args.resume, job=Job(report))
    export(args.phase, args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
