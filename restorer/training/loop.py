"""The trainer contract and the training loop every trainable model shares.

A model supplies a :class:`Trainer` (its networks, optimizers and one training
step); the loop supplies everything else: batches, progress, pause and cancel
through a :class:`~restorer.jobs.Job`, checkpoints, exact resume, the NaN/inf
guard and AMP on CUDA. The loop prints nothing, so a GUI worker thread can run
it as is; it reports through ``job.update(...)`` with ``metrics``.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from restorer.errors import Cancelled, InputError, ModelError
from restorer.jobs import Job
from restorer.training.checkpoint import apply_checkpoint, load_checkpoint, save_checkpoint
from restorer.training.data import Batch, DataConfig, PhotoFolder, sample_batch
from restorer.training.distributed import current as distributed_session


class TrainingDiverged(ModelError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class Trainer:
    """Base class of a model's trainer. Subclasses fill ``modules`` and ``optimizers`` and implement
    :meth:`train_step`, :meth:`config` and :meth:`export`.

    Class attributes tell the loop what data to draw:

    - ``folders``: 1 (one photo folder) or 2 (two domains, e.g. CycleGAN).
    - ``wants_masks``: whether batches carry random hole masks (inpainting).
    """

    folders: int = 1
    wants_masks: bool = False

    def __init__(self, device: str = "cpu", amp: bool | None = None):
        import torch

        self.device = device
        #: Mixed precision: on by default on CUDA, never elsewhere.
        self.amp = bool(device.startswith("cuda") if amp is None else amp) and device.startswith("cuda")
        self.modules: dict[str, torch.nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        #: One AMP gradient scaler per optimizer; checkpointed with it.
        self.scalers: dict[str, Any] = {}

    # -- to implement ----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """JSON-ready architecture config; a checkpoint resumes only into an identical config."""
        raise NotImplementedError

    def accepts(self, stored: dict[str, Any]) -> bool:
        """Whether a checkpoint whose config is ``stored`` resumes into this trainer: the same config.

        A trainer whose config gained fields (with defaults that keep the old behaviour) may
        override this to fill them in, so runs started by an older version still resume.
        """
        import json

        return stored == json.loads(json.dumps(self.config()))

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One optimisation step on ``batch`` (CPU tensors); returns named losses as floats."""
        raise NotImplementedError

    def preview(self, batch: Batch) -> np.ndarray | None:
        """An optional ``uint8`` RGB picture of the current results (shown by the GUI)."""
        return None

    def export(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The final inference weights (``name -> tensor``) and JSON-ready metadata (config)."""
        raise NotImplementedError

    # -- helpers for subclasses -----------------------------------------------------------

    def add_optimizer(self, name: str, optimizer) -> None:
        """Register ``optimizer`` (checkpointed) with its AMP scaler."""
        import torch

        self.optimizers[name] = optimizer
        self.scalers[name] = torch.amp.GradScaler("cuda", enabled=self.amp)

    def autocast(self):
        """Context for the forward pass: float16 autocast on CUDA with AMP, a no-op otherwise."""
        import torch

        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=torch.float16)

    def optimize(self, name: str, loss) -> None:
        """Backward ``loss`` and step optimizer ``name`` (through its scaler under AMP)."""
        optimizer = self.optimizers[name]
        scaler = self.scalers[name]
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def to_device(self, batch: Batch) -> Batch:
        """``batch`` with its tensors moved to the trainer's device."""
        move = (lambda t: None if t is None else t.to(self.device, non_blocking=True))
        return Batch(move(batch.photos), move(batch.photos_b), move(batch.masks))


@dataclass(frozen=True)
class LoopConfig:
    """How long to train and how often to checkpoint and preview."""

    steps: int
    seed: int = 0
    checkpoint_every: int = 200
    #: Also checkpoint when this many seconds passed since the last one (long CPU runs).
    checkpoint_seconds: float = 600.0
    preview_every: int = 0  # 0: never
    data: DataConfig = field(default_factory=DataConfig)


@dataclass
class TrainResult:
    """What a finished (or resumed-and-finished) run reports."""

    step: int
    checkpoint: Path
    losses: dict[str, float]
    skipped: int
    seconds: float


def _finite(values: dict[str, float]) -> bool:
    return all(math.isfinite(v) for v in values.values())


def _modules_finite(trainer: Trainer) -> bool:
    import torch

    return all(bool(torch.isfinite(p).all()) for m in trainer.modules.values() for p in m.parameters())


def train(trainer: Trainer, folders: list[PhotoFolder], config: LoopConfig, *, checkpoint: str | Path,
          resume: bool = False, job: Job | None = None, overwrite: bool = False) -> TrainResult:
    """Train ``trainer`` on ``folders`` until ``config.steps``, checkpointing to ``checkpoint``.

    - ``resume``: continue from ``checkpoint`` exactly (weights, optimizers, step, RNGs).
    - Cancel (``job.cancel()``) saves a checkpoint at the last finished step, then raises
      :class:`~restorer.errors.Cancelled`. Pause holds between steps.
    - A NaN/inf loss or weight raises :class:`TrainingDiverged`; the checkpoint on disk is
      the last good one.
    - ``job.update`` receives ``metrics`` with every loss, ``step``, ``images_per_s``
      and, every ``preview_every`` steps, a preview of the trainer's output on a fixed sample.
    """
    job = job or Job()
    checkpoint = Path(checkpoint)
    if len(folders) != trainer.folders:
        raise InputError(f"this model trains on {trainer.folders} photo folder(s); {len(folders)} given")
    if not resume and checkpoint.exists() and not overwrite:
        raise InputError(f"{checkpoint}: a run with this name exists; resume it or choose another name")
    rng = np.random.default_rng(config.seed)
    step = 0
    elapsed_before = 0.0
    if resume:
        state = load_checkpoint(checkpoint)
        apply_checkpoint(state, trainer, rng)
        step = state.step
        elapsed_before = float(state.metadata.get("extra", {}).get("seconds", 0.0))
    else:
        import torch

        torch.manual_seed(config.seed)
    session = distributed_session()  # under torchrun: shard data, average gradients, sync cancel
    if session is not None:
        folders, job = session.prepare(trainer, folders, rng, step, config.seed, job)

    started = time.perf_counter()
    last_save = time.monotonic()
    losses: dict[str, float] = {}
    skipped = lambda: sum(len(f.skipped) for f in folders)  # noqa: E731 - counted live

    def save(at: int) -> None:
        nonlocal last_save
        extra = {"seconds": elapsed_before + time.perf_counter() - started, "losses": losses,
                 "loop": asdict(config), "skipped": skipped()}
        if session is None or session.is_main:  # one writer under torchrun
            save_checkpoint(checkpoint, trainer, at, rng, extra)
        last_save = time.monotonic()

    total = config.steps
    if step >= total:
        job.update(step, total, f"already trained for {step} steps")
        return TrainResult(step, checkpoint, losses, skipped(), elapsed_before)
    window_start, window_images = time.perf_counter(), 0
    preview_batch: Batch | None = None
    try:
        while step < total:
            batch = sample_batch(folders, rng, config.data, masks=trainer.wants_masks)
            losses = {k: float(v) for k, v in trainer.train_step(batch, step).items()}
            if not _finite(losses) or not _modules_finite(trainer):
                bad = ", ".join(f"{k}={v}" for k, v in losses.items() if not math.isfinite(v)) or "weights"
                kept = f"the last good checkpoint is kept at {checkpoint}" if checkpoint.exists() \
                    else "no checkpoint had been written yet"
                raise TrainingDiverged(f"training diverged at step {step + 1} ({bad} is not finite); "
                                       f"{kept}; try a lower learning rate")
            step += 1
            window_images += config.data.batch_size
            now = time.perf_counter()
            rate = window_images / max(now - window_start, 1e-9)
            if now - window_start > 10.0:
                window_start, window_images = now, 0
            if step % config.checkpoint_every == 0 or step == total \
                    or time.monotonic() - last_save > config.checkpoint_seconds:
                save(step)
            preview = None
            if config.preview_every and step % config.preview_every == 0:
                if preview_batch is None:  # a fixed sample, drawn apart from the training stream
                    preview_batch = sample_batch(folders, np.random.default_rng(config.seed + 1),
                                                 replace(config.data, batch_size=min(4, config.data.batch_size)),
                                                 masks=trainer.wants_masks)
                preview = trainer.preview(preview_batch)
            metrics = {**losses, "step": step, "images_per_s": rate, "skipped": skipped()}
            summary = " ".join(f"{k} {v:.4f}" for k, v in losses.items())
            job.update(step, total, f"step {step}/{total} {summary}", preview, metrics)
    except Cancelled:
        save(step)  # the state after the last finished step: resumable
        raise
    return TrainResult(step, checkpoint, losses, skipped(), elapsed_before + time.perf_counter() - started)
