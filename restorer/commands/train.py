"""restorer train MODEL --data DIR --name NAME: train a model on a folder of your photos.

The result is stored as named weights in your user data folder; ``restorer
models`` lists them and ``--set weights=NAME`` (e.g. with ``restorer inpaint``)
uses them. An interrupted run (Ctrl+C, a crash) continues with ``--resume``
and the same options. Give ``--data`` twice for models that learn between two
kinds of photos (cyclegan). ``--holdout N`` keeps N of the photos out of
training and, when the run ends, repairs them with the new weights and with
the weights the run started from, and prints the difference in dB (for
inpainting models).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time

from restorer.commands._options import positive_float, positive_int, seed, weights_name
from restorer.devices import resolve_device
from restorer.errors import Cancelled, InputError, ModelError
from restorer.jobs import Job, Progress
from restorer.registry import get_model
from restorer.tasks import task_spec
from restorer.trainable import is_trainable
from restorer.weights import SCRATCH, STARTER


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``train``."""
    parser = subparsers.add_parser("train", help="train a model on your photos", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="the model to train (see 'restorer models': TRAINABLE yes)")
    parser.add_argument("--data", action="append", required=True, metavar="DIR",
                        help="folder of photos, searched recursively (twice for two-domain models)")
    parser.add_argument("--name", required=True, type=weights_name,
                        help="name of the trained weights (letters, digits, . _ -)")
    parser.add_argument("--steps", type=positive_int, default=2000, help="training steps (default 2000)")
    parser.add_argument("--batch-size", type=positive_int, default=8, help="photos per step (default 8)")
    parser.add_argument("--crop", type=positive_int, default=128,
                        help="training crop size in pixels, 16 to 2048 (default 128)")
    parser.add_argument("--lr", type=positive_float, default=None, help="learning rate (default: the model's)")
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    parser.add_argument("--from", dest="base", default=STARTER, metavar="WEIGHTS",
                        help="weights to start from: starter (default), your weights' name, or scratch")
    parser.add_argument("--checkpoint-every", type=positive_int, default=200,
                        help="steps between checkpoints (default 200)")
    parser.add_argument("--holdout", type=int, default=0, metavar="N",
                        help="keep N photos out of training and compare the new weights with the starting ones "
                             "on them at the end (inpainting models; needs N + 3 photos; default 0)")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run of this name")
    parser.add_argument("--overwrite", action="store_true", help="replace existing weights of this name")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or cuda:N")
    return parser


class _Progress:
    """A tqdm bar on a terminal; otherwise a line every 10 % (logs stay readable)."""

    def __init__(self, batch_size: int = 1) -> None:
        self.batch_size = batch_size
        self.bar = None
        self.tty = sys.stderr.isatty()
        self.next_line = 0.0

    def __call__(self, progress: Progress) -> None:
        metrics = progress.metrics or {}
        rate = float(metrics.get("images_per_s", 0.0))
        losses = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if k not in ("step", "skipped", "images_per_s"))
        shown = (f"{rate:.1f} images/s, " if rate else "") + losses
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=progress.total, initial=progress.done, unit="step", file=sys.stderr)
            self.bar.n = progress.done
            self.bar.set_postfix_str(shown[:80], refresh=True)  # tqdm adds elapsed < ETA
        elif progress.fraction >= self.next_line:
            eta = f", ETA {(progress.total - progress.done) * self.batch_size / rate / 60:.1f} min" if rate else ""
            print(f"step {progress.done}/{progress.total} {shown}{eta}", file=sys.stderr, flush=True)
            self.next_line = progress.fraction + 0.1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(args: argparse.Namespace) -> int:
    """Train, then report where the weights are and how to use them."""
    from restorer.training import TrainOptions, train_model

    model = get_model(args.model)
    if not is_trainable(model):
        raise ModelError(f"model {model.name} cannot be trained; trainable models: "
                         f"{', '.join(m for m, v in _registry_models().items() if is_trainable(v)) or 'none'}")
    if len(args.data) != model.folders:  # declared by the model: known before any folder is read
        raise InputError(f"{model.name} trains on {model.folders} photo folder(s), one --data each; "
                         f"{len(args.data)} given")
    options = TrainOptions(steps=args.steps, batch_size=args.batch_size, crop=args.crop, lr=args.lr,
                           seed=args.seed, base=None if args.base == SCRATCH else args.base,
                           checkpoint_every=args.checkpoint_every, holdout=args.holdout)
    options.check()  # before anything slow: a mistyped value is one line at once
    if options.holdout and not task_spec(model.task).fills_holes:
        raise InputError(f"--holdout measures inpainting models; {model.name} is a {model.task} model")
    from restorer.training.distributed import is_main_process

    device = resolve_device(args.device)
    bar = _Progress(args.batch_size)
    job = Job(bar)
    try:
        with _interrupt_cancels(job):
            path, result = train_model(model, args.data, options, args.name, device=device,
                                       resume=args.resume, overwrite=args.overwrite, job=job,
                                       holdout_required=True,
                                       on_notice=lambda text: print(f"restorer: warning: {text}", file=sys.stderr))
    except Cancelled:
        bar.close()
        if is_main_process():
            step = job.last.done if job.last else 0
            print(f"restorer: stopped at step {step}, checkpoint saved; continue with the same command and --resume",
                  file=sys.stderr)
        return 130
    finally:
        bar.close()
    if not is_main_process():
        return 0  # under torchrun, rank 0 reports
    skipped = f", {result.skipped} unreadable files skipped" if result.skipped else ""
    print(f"trained {model.name} for {result.step} steps in {result.seconds / 60:.1f} min{skipped}")
    print(f"saved weights {args.name!r} to {path}")
    print(f"use them with: restorer {model.task} ... --model {model.name} --set weights={args.name}")
    if options.holdout:
        return _compare(model, args.name, device)
    return 0


def _compare(model, name: str, device: str) -> int:
    """Print how the new weights and the starting ones do on the photos kept out of training."""
    from restorer.training.holdout import compare_holdout, holdout_line

    print("measuring on the photos left out of training...", file=sys.stderr, flush=True)
    job = Job()
    try:
        with _interrupt_cancels(job):
            score = compare_holdout(model, name, device=device, job=job)
    except Cancelled:
        print("restorer: comparison stopped; the weights are saved", file=sys.stderr)
        return 130
    line = holdout_line(model, name, score)
    if line:
        print(line)
    return 0


@contextlib.contextmanager
def _interrupt_cancels(job: Job):
    """Ctrl+C (or SIGTERM, as torchrun forwards it) cancels ``job``: the loop finishes its step, saves a
    checkpoint and stops. A second Ctrl+C more than 3 s later stops at once (no checkpoint)."""
    first: list[float] = []

    def handler(signum, _frame) -> None:
        if first and signum == signal.SIGINT and time.monotonic() - first[0] > 3.0:
            raise KeyboardInterrupt
        if not first:
            first.append(time.monotonic())
            job.cancel()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _registry_models():
    from restorer.registry import get_registry

    return get_registry().models
