"""The ``detect`` task: a model proposes a mask of damage (scratches, dust, spots) for the person to review.

A detect model's :meth:`~restorer.models.Model.run` returns a probability map,
``float32`` ``(H, W)`` in [0, 1], 1 = damage. The mask is made here, not in the
model: pixels above ``threshold``, grown by ``grow`` pixels. The window keeps the
map and thresholds it again as the sensitivity slider moves, without running
the network again. Every detect model declares the two parameters with
:func:`detect_params`, so the CLI's ``--set threshold=...`` and the slider mean
the same thing for all of them.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from restorer.errors import InputError, ModelError
from restorer.geometry import dilated
from restorer.jobs import Job
from restorer.models import Model, Param, RunRequest, float_param, int_param
from restorer.tasks import task_spec


def detect_params(threshold: float = 0.5, grow: int = 2) -> tuple[Param, Param]:
    """The ``threshold`` and ``grow`` parameters of a detect model, with its own defaults."""
    return (float_param("threshold", threshold, 0.01, 0.99,
                        help="how sure the model must be that a pixel is damage (lower finds more)"),
            int_param("grow", grow, 0, 32, help="pixels added around each find, so a repair covers its edge"))


def probability(model: Model, photo: np.ndarray, params: Mapping[str, Any] | None = None, *,
                device: str = "cpu", job: Job | None = None) -> np.ndarray:
    """``model``'s damage probability for a ``uint8`` RGB photo: ``float32`` ``(H, W)`` in [0, 1]."""
    if task_spec(model.task).returns != "probability":
        raise ModelError(f"model {model.name} does not find damage (its task is {model.task})")
    if photo is None or photo.ndim != 3 or photo.shape[2] != 3:
        raise InputError("finding damage needs an RGB photo")
    values = model.resolve_params(params)
    out = model.run(RunRequest(photo, None, values, device), job or Job())
    if not isinstance(out, np.ndarray) or out.shape != photo.shape[:2] or not np.issubdtype(out.dtype, np.floating):
        desc = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ModelError(f"model {model.name} returned {desc}, expected a float map of {photo.shape[:2]}")
    return np.clip(np.nan_to_num(out.astype(np.float32), nan=0.0), 0.0, 1.0)


def proposal(prob: np.ndarray, threshold: float, grow: int = 0) -> np.ndarray:
    """The ``bool`` mask of ``prob > threshold``, dilated by ``grow`` pixels (a disc)."""
    return dilated(prob > threshold, grow)


def detect(model: Model, photo: np.ndarray, params: Mapping[str, Any] | None = None, *,
           device: str = "cpu", job: Job | None = None) -> np.ndarray:
    """The damage mask ``model`` proposes for ``photo``, with its ``threshold`` and ``grow``."""
    values = model.resolve_params(params)
    prob = probability(model, photo, values, device=device, job=job)
    return proposal(prob, values["threshold"], values["grow"])
