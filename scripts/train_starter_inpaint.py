"""Train the starter weights of inpaint-gan from scikit-image's bundled photos (fixed seed, CPU).

    pip install -e '.[starter]'                                             # the packages whose photos it uses
    python scripts/train_starter_inpaint.py --phase l1 --steps 5000         # PSNR phase, all photos (~78 min)
    python scripts/train_starter_inpaint.py --phase gan --steps 1600        # then an adversarial phase
    python scripts/train_starter_inpaint.py --phase natural --steps 3000    # then PSNR on ordinary photos
    python scripts/train_starter_inpaint.py --phase telea-ns --steps 7000   # then on the Telea+NS fill (shipped)
    python scripts/train_starter_inpaint.py --phase telea-ns --steps 7000 --resume  # continue an interrupted run
    python scripts/train_starter_inpaint.py --export telea-ns              # write resources/weights/ again

The shipped weights' first two phases were trained in an earlier session whose
checkpoints are gone; their export is in git (``resources/weights/inpaint-gan.safetensors``
at commit deddfd2), and the natural phase started from it::

    git show deddfd2:resources/weights/inpaint-gan.safetensors > build/inpaint-gan.safetensors
    python scripts/train_starter_inpaint.py --phase natural --steps 3000 --from-weights build/inpaint-gan.safetensors

Photos: :data:`restorer_plugins.inpaint_gan.split.TRAIN` (scikit-image) in the
first two phases; then :data:`PHOTO_LIKE`, the photos of ordinary scenes and surfaces
among them plus ``split.NATURAL`` (ordinary photos bundled by other packages).
The benchmark's held-out photos (``split.HELD_OUT``) are never read. Checkpoints go to
``--workdir`` (default ``build/inpaint-starter``) so a long run can be resumed,
and any checkpoint can be exported. Each phase after the first starts from the
generator of the one before (``l1`` -> ``gan`` -> ``natural`` -> ``telea-ns``), or
from an exported weights file (``--from-weights``); ``gan`` adds the adversarial
terms, ``natural`` a refinement block at full resolution, ``telea-ns`` the mean of
Telea's and the Navier-Stokes fill as the fill to refine. The provenance file
(``resources/weights/inpaint-gan.json``) records data, split, steps, wall time
and machine; the benchmark adds its measured figures to it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from PIL import Image

from restorer.jobs import Job
from restorer.resources import starter_weights_path
from restorer.training import DataConfig, LoopConfig, PhotoFolder, load_checkpoint, train
from restorer.weights import CONFIG_KEY, TRAIN_KEY, save_weights
from restorer_plugins.inpaint_gan.network import GeneratorConfig, RefineGenerator, load_grown, widened
from restorer_plugins.inpaint_gan.split import HELD_OUT, NATURAL, TRAIN, natural_photo, skimage_photo
from restorer_plugins.inpaint_gan.trainer import InpaintTrainer, TrainerConfig

SEED = 20261125
PHASES = {
    # Hole-weighted L1 only: learn the correction that buys PSNR.
    "l1": TrainerConfig(generator=GeneratorConfig(), lr=5e-4, lr_decay=(3500, 5000)),
    # Then texture: a light adversarial term and critic feature matching on top of the same L1.
    "gan": TrainerConfig(generator=GeneratorConfig(), lr=1e-4, adv_weight=0.01, feature_weight=0.1),
    # Then L1 on ordinary photos (the benchmark's kind), with a refinement block added at full
    # resolution (it starts as the identity, so training continues from the phase before).
    "natural": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1), lr=3e-4, lr_decay=(6000, 10000)),
    # Then the same, refining the mean of Telea's and the Navier-Stokes fill instead of Telea's alone.
    "telea-ns": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=3e-4,
                              lr_decay=(3000, 7000)),
    # Then the same network on the corpus's train split (hundreds of photos and photo textures from
    # Debian packages, `make corpus`), starting from the telea-ns export (the previous starter).
    "corpus": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=2e-4,
                            lr_decay=(6000, 12000)),
    # Then a second, gentler cycle on the same split with 192-px crops (more context around wide
    # holes, closer to the 512-px photos the benchmark repairs), from the corpus export.
    "corpus-192": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=1e-4,
                                lr_decay=(3000, 8000)),
    # The same cycle cut short (a session's end came before step 8000 would): from corpus-192's export
    # at step 3000, the learning rate decays from 1e-4 to 1e-5 over 2500 steps.
    "corpus-192-decay": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=1e-4,
                                      lr_decay=(0, 2500)),
    # Then a deeper bottleneck: four more dilated blocks at 1/8 resolution (they start as the identity,
    # so training continues from the corpus-192-decay export; ~5 ms more per 512x512 photo).
    "corpus-deep": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns",
                                                           bottleneck_dilations=(1, 2, 4, 8, 1, 2, 4, 8)),
                                 lr=1e-4, lr_decay=(1500, 6000)),
    # Or the same network averaged: a gentle constant rate from the corpus-192-decay export, exporting
    # the running mean of the weights over about the last thousand steps (Polyak averaging).
    "corpus-ema": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=5e-5,
                                ema=0.999),
    # The same on the ordinary photos of the train split alone, without its textures (which are about
    # 40 % of what the corpus phases draw; the benchmarks measure photos).
    "corpus-ema-photos": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=5e-5,
                                       ema=0.999),
    # A wider generator (1.5 times the channels at every level), widened from the corpus-192-decay export so
    # that it starts out repairing exactly as that does (network.widened), then the averaged continuation.
    "corpus-wide": TrainerConfig(generator=GeneratorConfig(channels=(24, 48, 96, 192), full_res_blocks=1,
                                                           coarse="telea+ns"), lr=5e-5, ema=0.999),
    # The step that gained most so far was to larger crops (128 -> 192 px: +0.07 dB on the validation split);
    # the benchmark repairs 512-px photos whose box holes reach 250 px. So: 256-px crops, the same network,
    # a cycle from the corpus-192-decay export decaying from 1e-4 to 1e-5, the running mean exported.
    # The averaged continuation of corpus-ema (its control: +0.01 dB), with the loss of what is measured:
    # each crop's hole L1 on a log scale (TrainerConfig.pixel_loss "log-l1"), as PSNR averaged over photos is.
    "corpus-log": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=5e-5,
                                ema=0.999, pixel_loss="log-l1"),
    "corpus-256": TrainerConfig(generator=GeneratorConfig(full_res_blocks=1, coarse="telea+ns"), lr=1e-4,
                                lr_decay=(500, 3000), ema=0.999),
}
DATA = DataConfig(crop=128, batch_size=8, scale_range=(0.5, 1.0), mask_area=(0.05, 0.3))
#: Phases whose crops differ from :data:`DATA`.
CROPS_192 = DataConfig(crop=192, batch_size=4, scale_range=(0.5, 1.0), mask_area=(0.05, 0.3))
CROPS_256 = DataConfig(crop=256, batch_size=4, scale_range=(0.5, 1.0), mask_area=(0.05, 0.3))
PHASE_DATA = {"corpus-192": CROPS_192, "corpus-192-decay": CROPS_192, "corpus-deep": CROPS_192,
              "corpus-ema": CROPS_192, "corpus-ema-photos": CROPS_192,
              "corpus-wide": CROPS_192, "corpus-256": CROPS_256, "corpus-log": CROPS_192}
#: Phases that train on the corpus's train split.
CORPUS_PHASES = ("corpus", "corpus-192", "corpus-192-decay", "corpus-deep", "corpus-ema", "corpus-ema-photos",
                 "corpus-wide", "corpus-256", "corpus-log")
#: Corpus phases that train on its ordinary photos only (no textures).
PHOTOS_ONLY = ("corpus-ema-photos",)
#: The phase each phase starts from (or ``--from-weights``).
BASE = {"gan": "l1", "natural": "gan", "telea-ns": "natural", "corpus": "telea-ns", "corpus-192": "corpus",
        "corpus-192-decay": "corpus-192", "corpus-deep": "corpus-192-decay",
        "corpus-ema": "corpus-192-decay", "corpus-ema-photos": "corpus-192-decay",
        "corpus-wide": "corpus-192-decay", "corpus-256": "corpus-192-decay", "corpus-log": "corpus-192-decay"}
#: Corpus phase: pictures are reduced to this shorter side once (the benchmark's photos are ~512 px),
#: and an ordinary photo is drawn this many times as often as a texture.
CORPUS_SHORT_SIDE = 640
CORPUS_PHOTO_WEIGHT = 3
#: Photos of ordinary scenes and surfaces in TRAIN (no micrographs, scans, sky or text pages).
PHOTO_LIKE = ("brick", "clock_motion", "coins", "color", "grass", "gravel", "motorcycle_left", "motorcycle_right",
              "rocket")


def provenance_path() -> Path:
    """The provenance file next to the starter weights."""
    return starter_weights_path("inpaint-gan").with_suffix(".json")


def photo_names(phase: str) -> tuple[str, ...]:
    """The photos ``phase`` trains on."""
    return TRAIN if phase in ("l1", "gan") else PHOTO_LIKE + tuple(NATURAL)


def corpus_folder(workdir: Path, corpus: Path, photos_only: bool = False) -> PhotoFolder:
    """The corpus's train split, reduced to :data:`CORPUS_SHORT_SIDE` once, in one folder; each ordinary
    photo appears :data:`CORPUS_PHOTO_WEIGHT` times (hard links), so photos are drawn that much more often.
    ``photos_only``: its ordinary photos alone, each once."""
    from restorer.corpus.splits import reduced_split_folder
    from restorer.errors import InputError

    try:
        if photos_only:
            folder = reduced_split_folder("train", corpus, workdir / "photos-corpus-only",
                                          short_side=CORPUS_SHORT_SIDE, kinds=("photo",))
        else:
            folder = reduced_split_folder("train", corpus, workdir / "photos-corpus", short_side=CORPUS_SHORT_SIDE,
                                          photo_weight=CORPUS_PHOTO_WEIGHT)
    except InputError as exc:
        raise SystemExit(f"{exc}: run `make corpus` first") from None
    return PhotoFolder.scan(folder)


def photo_folder(workdir: Path, phase: str) -> PhotoFolder:
    """Put the phase's training photos (and only those) into one folder and scan it."""
    folder = workdir / ("photos" if phase in ("l1", "gan") else "photos-natural")
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


def generator_tensors(checkpoint: Path) -> dict:
    """The generator's tensors in a training checkpoint: the running average of its weights where the
    phase keeps one (``TrainerConfig.ema``; what the phase exports), else the trained weights."""
    state = load_checkpoint(checkpoint)
    prefix = "module/average/" if any(k.startswith("module/average/") for k in state.tensors) else "module/generator/"
    return {k[len(prefix):]: v for k, v in state.tensors.items() if k.startswith(prefix)}


def record_base(weights: Path, record: Path) -> None:
    """Note which weights file a phase started from (its hash and its own provenance) for the export."""
    import hashlib

    sidecar = weights.with_suffix(".json")
    record.write_text(json.dumps({
        "weights": str(weights), "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "provenance": json.loads(sidecar.read_text()) if sidecar.exists() else None}, indent=2) + "\n")


def make_trainer(phase: str, workdir: Path, from_weights: Path | None = None) -> InpaintTrainer:
    """The trainer of ``phase``, starting from the generator of the phase before (:data:`BASE`),
    or from the weights file ``from_weights`` (an export of that phase, e.g. the shipped starter)."""
    initial = None
    if from_weights is not None:
        from safetensors.torch import load_file

        initial = load_file(str(from_weights))
    elif phase in BASE:
        initial = generator_tensors(workdir / f"{BASE[phase]}.safetensors")
    config = PHASES[phase].generator
    start = channels_of(initial, len(config.channels)) if initial is not None else config.channels
    if start != config.channels:
        # A wider phase: the narrower generator, widened so that it repairs exactly as before.
        narrow = RefineGenerator(replace(config, channels=start))
        initial = widened(load_grown(narrow, initial), config.channels).state_dict()
    return InpaintTrainer(PHASES[phase], "cpu", initial=initial)


def channels_of(tensors: dict, levels: int) -> tuple[int, ...]:
    """The channels per level of the generator whose tensors these are."""
    return (tensors["stem.weight"].shape[0], *(tensors[f"downs.{i}.conv.weight"].shape[0] for i in range(levels - 1)))


def export(phase: str, workdir: Path, out: Path | None = None, corpus_dir: Path | None = None) -> Path:
    """Write the generator of ``phase``'s last checkpoint as the starter weights (or to ``out``, without
    provenance: a snapshot to measure), with provenance."""
    state = load_checkpoint(workdir / f"{phase}.safetensors")
    tensors = generator_tensors(workdir / f"{phase}.safetensors")
    metadata = {CONFIG_KEY: PHASES[phase].generator.to_json(), TRAIN_KEY: PHASES[phase].to_json(),
                "steps": state.step, "phase": phase, "seed": SEED}
    if out is not None:
        return save_weights("inpaint-gan", out.stem, tensors, metadata, overwrite=True, path=out)
    path = save_weights("inpaint-gan", "starter", tensors, metadata, overwrite=True,
                        path=starter_weights_path("inpaint-gan"))
    provenance_path().write_text(json.dumps(provenance_record(phase, workdir, corpus_dir), indent=2) + "\n")
    return path


def provenance_record(phase: str, workdir: Path, corpus_dir: Path | None = None) -> dict:
    """Where the export of ``phase`` came from: data, split, each phase's steps, config and wall time,
    the weights a phase started from (``--from-weights``), machine, date. ``benchmark`` is left empty:
    benchmarks/inpaint_quality.py fills it in."""
    state = load_checkpoint(workdir / f"{phase}.safetensors")
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
    corpus = None
    if phase in CORPUS_PHASES:
        from restorer.corpus.build import manifest_hash, read_manifest
        from restorer.corpus.sources import read_sources
        from restorer.corpus.splits import BENCHMARK_PHOTOS, SPLITS, TEST_PHOTOS, assign_splits

        rows = read_manifest(corpus_dir)
        splits = assign_splits(read_sources())
        train_rows = [r for r in rows if splits.get(r["id"]) == "train"]
        corpus = {"manifest_sha256": manifest_hash(rows), "train_manifest_sha256": manifest_hash(train_rows),
                  "pictures": len(rows), "train_pictures": len(train_rows),
                  "split_counts": {name: sum(splits.get(r["id"]) == name for r in rows) for name in SPLITS},
                  "short_side": CORPUS_SHORT_SIDE, "photo_weight": CORPUS_PHOTO_WEIGHT,
                  "test_photos": [*BENCHMARK_PHOTOS, *TEST_PHOTOS],
                  "train_ids": sorted(r["id"] for r in train_rows)}
    provenance = {
        "model": "inpaint-gan",
        "weights": starter_weights_path("inpaint-gan").name,
        "script": "scripts/train_starter_inpaint.py",
        "seed": SEED,
        "data": ("the corpus's train split (`make corpus`: photos and photo textures from Debian packages, "
                 "restorer/corpus/sources.tsv; splits in restorer/corpus/splits.py)" if corpus else
                 "photos bundled with scikit-image (skimage/data), scikit-learn, matplotlib and PyWavelets"),
        "corpus": corpus,
        "train_photos": {name: list(photo_names(name)) for name in phases if name not in CORPUS_PHASES},
        "natural_photo_sources": {name: f"{package}: {inner}" for name, (package, inner) in NATURAL.items()},
        "held_out_photos": list(HELD_OUT),
        "data_config": json.loads(json.dumps(PHASE_DATA.get(phase, DATA).__dict__)),
        "phase": phase,
        "phases": phases,
        "steps": state.step,
        "wall_seconds": round(extra["seconds"]),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "torch": torch.__version__, "threads": 1},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    bases = {name: workdir / f"{name}.base.json" for name in phases}
    provenance["started_from"] = {name: json.loads(base.read_text()) for name, base in bases.items() if base.exists()}
    # Figures measured on earlier weights do not describe these: benchmarks/inpaint_quality.py adds new ones.
    provenance["benchmark"] = None
    return provenance


def main(argv: list[str] | None = None) -> int:
    """Command line of the script."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=tuple(PHASES), default="l1")
    parser.add_argument("--steps", type=int, default=5000, help="total steps of the phase")
    parser.add_argument("--resume", action="store_true", help="continue the phase's checkpoint")
    parser.add_argument("--workdir", type=Path, default=Path("build/inpaint-starter"))
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (the machine is shared)")
    parser.add_argument("--export", choices=tuple(PHASES), help="only export that phase's checkpoint")
    parser.add_argument("--from-weights", type=Path,
                        help="start from this weights file instead of the checkpoint of the phase before "
                             "(e.g. the shipped starter, an export of that phase)")
    parser.add_argument("--snapshots", type=Path,
                        help="write the generator to SNAPSHOTS/stepN.safetensors every --snapshot-every steps, to "
                             "measure a run while it goes on (RESTORER_DATA_DIR=D, SNAPSHOTS=D/weights/inpaint-gan, "
                             "then benchmarks/inpaint_quality.py --weights stepN)")
    parser.add_argument("--no-export", action="store_true",
                        help="an experiment: keep the checkpoint (and snapshots) but leave resources/weights/ as it is")
    parser.add_argument("--snapshot-every", type=int, default=1000, help="a multiple of 100 (checkpoints)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="the corpus folder of `make corpus` (default: the user cache folder)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.corpus is None:
        from restorer.corpus.build import default_out

        args.corpus = default_out()
    if args.export:
        print(export(args.export, args.workdir, corpus_dir=args.corpus))
        return 0
    if args.phase in CORPUS_PHASES:
        folders = [corpus_folder(args.workdir, args.corpus, photos_only=args.phase in PHOTOS_ONLY)]
    else:
        folders = [photo_folder(args.workdir, args.phase)]
    torch.manual_seed(SEED)  # the networks' initial weights (torch seeds itself randomly otherwise)
    trainer = make_trainer(args.phase, args.workdir, args.from_weights)
    if args.from_weights is not None and not args.resume:
        record_base(args.from_weights, args.workdir / f"{args.phase}.base.json")
    config = LoopConfig(steps=args.steps, seed=SEED + list(PHASES).index(args.phase), checkpoint_every=100,
                        checkpoint_seconds=300, data=PHASE_DATA.get(args.phase, DATA))
    log = open(args.workdir / f"{args.phase}.log", "a", buffering=1)

    def report(progress) -> None:
        if progress.metrics and progress.done % 20 == 0:
            metrics = " ".join(f"{k}={v:.4g}" for k, v in progress.metrics.items())
            log.write(f"{time.strftime('%H:%M:%S')} {metrics}\n")
        if args.snapshots and progress.metrics and progress.done % args.snapshot_every == 0:
            # the checkpoint of this step was just written
            export(args.phase, args.workdir, out=args.snapshots / f"step{progress.done}.safetensors")

    train(trainer, folders, config, checkpoint=args.workdir / f"{args.phase}.safetensors",
          resume=args.resume, job=Job(report))
    if not args.no_export:
        export(args.phase, args.workdir, corpus_dir=args.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
