"""What a person chooses for a training run (:class:`TrainOptions`), as ``restorer train`` and the Train tab set it.

A run's options are kept with it (``run.json``, :mod:`restorer.training.stored_runs`) and in the
weights' metadata, so they are plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass

from restorer.errors import InputError
from restorer.weights import STARTER

#: The most photos a run may keep out of training (each costs eight repairs when the run ends).
MAX_HOLDOUT = 50


@dataclass(frozen=True)
class TrainOptions:
    """What a person chooses for a training run; the model's trainer reads what concerns it."""

    steps: int = 2000
    batch_size: int = 8
    crop: int = 128
    #: Learning rate; ``None`` lets the model pick its own.
    lr: float | None = None
    seed: int = 0
    #: Weights to start from: ``starter``, a user weights name, or ``None`` to start from scratch.
    base: str | None = STARTER
    checkpoint_every: int = 200
    #: Show the trainer's preview every this many steps (0: never; the GUI sets it).
    preview_every: int = 0
    #: Photos of the (first) folder kept out of training to measure the result on
    #: (:mod:`restorer.training.holdout`); 0 when the folder has fewer than this + 3 photos.
    holdout: int = 0

    def check(self) -> None:
        """Raise :class:`InputError` for values a person could mistype."""
        if self.steps < 1:
            raise InputError(f"--steps must be at least 1, got {self.steps}")
        if self.batch_size < 1:
            raise InputError(f"--batch-size must be at least 1, got {self.batch_size}")
        if not 16 <= self.crop <= 2048:
            raise InputError(f"--crop must be between 16 and 2048 pixels, got {self.crop}")
        if self.lr is not None and not 0 < self.lr < 1:  # also refuses nan
            raise InputError(f"--lr must be between 0 and 1, got {self.lr}")
        if self.checkpoint_every < 1:
            raise InputError(f"--checkpoint-every must be at least 1, got {self.checkpoint_every}")
        if self.seed < 0:  # numpy's generators take no negative seed
            raise InputError(f"--seed must be 0 or more, got {self.seed}")
        if self.preview_every < 0:
            raise InputError(f"the preview interval must be 0 (never) or more steps, got {self.preview_every}")
        if not isinstance(self.holdout, int) or not 0 <= self.holdout <= MAX_HOLDOUT:
            raise InputError(f"--holdout must be from 0 to {MAX_HOLDOUT} photos, got {self.holdout}")
