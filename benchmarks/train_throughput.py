"""Training throughput of ``inpaint-gan`` on this machine: images/s, achieved GFLOP/s vs ``torch.matmul``.

    python benchmarks/train_throughput.py                  # default crop and batch, all CPU threads
    python benchmarks/train_throughput.py --threads 1 --steps 5

Measures, in one run and with the same thread count:

- data loading: ``sample_batch`` (random crops, flips, hole masks) per batch, timed
  apart from the step so a slow loader shows up on its own line;
- the training step (``trainer.train_step`` on a ready batch): seconds, images/s,
  and its floating-point work counted with ``torch.utils.flop_counter.FlopCounterMode``
  (convolutions and matrix products, forward and backward; elementwise work and
  the trainer's OpenCV Telea pre-fill are not counted — the latter is timed separately);
- ``torch.matmul`` GFLOP/s on square float32 matrices: what this CPU does at best,
  so ``step GFLOP/s / matmul GFLOP/s`` says how close to the machine's limit training runs.

Writes the figures as JSON to ``--out`` (default ``benchmarks/results/train_throughput.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results"


def matmul_gflops(size: int = 1024, seconds: float = 2.0) -> float:
    """Best-of-5 GFLOP/s of ``torch.matmul`` on ``size``x``size`` float32 matrices."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm up
    reps = max(1, int(seconds / 5 / max(_time(lambda: torch.matmul(a, b)), 1e-6)))
    best = min(_time(lambda: [torch.matmul(a, b) for _ in range(reps)]) for _ in range(5)) / reps
    return 2 * size ** 3 / best / 1e9


def cpu_name() -> str:
    """The CPU's model name (Linux), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _time(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def photo_folder(root: Path):
    """The scikit-image photos the starter weights train on, written as PNGs (real photos, no download)."""
    from PIL import Image
    from restorer_plugins.inpaint_gan.split import TRAIN, skimage_photo

    from restorer.images import load_photo
    from restorer.training import PhotoFolder

    for name in TRAIN:
        Image.fromarray(load_photo(skimage_photo(name)).rgb).save(root / f"{name}.png")
    return PhotoFolder.scan(root)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    from restorer.registry import get_model
    from restorer.training import DataConfig, TrainOptions, sample_batch
    from restorer.weights import list_weights

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = TrainOptions()
    parser.add_argument("--crop", type=int, default=defaults.crop, help=f"crop size (default {defaults.crop})")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size,
                        help=f"batch size (default {defaults.batch_size})")
    parser.add_argument("--steps", type=int, default=8, help="timed training steps (default 8)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help=f"torch threads (default {torch.get_num_threads()}: all of this machine's)")
    parser.add_argument("--out", type=Path, default=RESULTS / "train_throughput.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    model = get_model("inpaint-gan")
    base = "starter" if any(w.starter for w in list_weights(model.name)) else None
    options = TrainOptions(crop=args.crop, batch_size=args.batch_size, base=base)
    trainer = model.make_trainer(options, "cpu")
    data = DataConfig(crop=args.crop, batch_size=args.batch_size)
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory() as tmp:
        folder = photo_folder(Path(tmp))
        first = time.perf_counter()
        batches = [sample_batch([folder], rng, data, masks=True)]  # decodes photos into the cache
        cold = time.perf_counter() - first
        load_times = []
        for _ in range(args.steps + 2):
            start = time.perf_counter()
            batches.append(sample_batch([folder], rng, data, masks=True))
            load_times.append(time.perf_counter() - start)

    torch.manual_seed(0)
    for step in range(2):  # warm up: allocator, one-time weight layouts
        trainer.train_step(batches[step], step)
    step_times = []
    for step in range(2, 2 + args.steps):
        start = time.perf_counter()
        trainer.train_step(batches[step], step)
        step_times.append(time.perf_counter() - start)

    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        trainer.train_step(batches[-1], 2 + args.steps)
    flops = counter.get_total_flops()

    coarse_seconds = None
    try:
        from restorer_plugins.inpaint_gan.fills import coarse_batch

        batch, settings = batches[-1], trainer.settings
        coarse_seconds = statistics.median(
            _time(lambda: coarse_batch(batch.photos, batch.masks, settings.telea_radius, settings.generator.coarse))
            for _ in range(3))
    except (ImportError, AttributeError):
        pass  # the trainer no longer pre-fills with a classical fill

    peak = matmul_gflops()
    step_s = statistics.median(step_times)
    load_s = statistics.median(load_times)
    achieved = flops / step_s / 1e9
    result = {
        "machine": f"{cpu_name()}, {os.cpu_count()} logical CPUs",
        "load_average": list(os.getloadavg()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "model": model.name,
        "base_weights": base or "scratch",
        "crop": args.crop,
        "batch_size": args.batch_size,
        "timed_steps": args.steps,
        "step_seconds_median": step_s,
        "step_seconds_all": step_times,
        "train_images_per_s": args.batch_size / step_s,
        "data_seconds_per_batch_median": load_s,
        "data_seconds_first_batch_cold": cold,
        "data_images_per_s": args.batch_size / load_s,
        "end_to_end_images_per_s": args.batch_size / (step_s + load_s),
        "telea_prefill_seconds_per_batch": coarse_seconds,
        "step_gflop": flops / 1e9,
        "step_gflop_per_s": achieved,
        "matmul_gflop_per_s": peak,
        "fraction_of_matmul": achieved / peak,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"inpaint-gan training on {result['machine']}, {result['threads']} torch threads, "
          f"crop {args.crop}, batch {args.batch_size} (load average {result['load_average'][0]:.2f})")
    print(f"  training step     {step_s * 1000:8.0f} ms  {result['train_images_per_s']:7.2f} images/s")
    if coarse_seconds is not None:
        print(f"    of which the classical fill {coarse_seconds * 1000:8.0f} ms (OpenCV pre-fill, not counted in FLOPs)")
    print(f"  data loading      {load_s * 1000:8.1f} ms  {result['data_images_per_s']:7.1f} images/s "
          f"(first batch, decoding photos: {cold * 1000:.0f} ms)")
    print(f"  end to end                     {result['end_to_end_images_per_s']:7.2f} images/s")
    print(f"  step work         {flops / 1e9:8.2f} GFLOP  -> {achieved:6.2f} GFLOP/s")
    print(f"  torch.matmul                   {peak:6.2f} GFLOP/s  -> training runs at "
          f"{100 * achieved / peak:.1f} % of it")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
