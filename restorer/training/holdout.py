"""Photos kept out of training, and the comparison on them that tells a person whether training helped.

A run asked to hold out ``N`` photos (:attr:`~restorer.training.options.TrainOptions.holdout`)
leaves ``N`` of its (first) folder's photos out of training, chosen by a hash of
each photo's path relative to the folder: the same folder always gives the same
choice, and :func:`~restorer.training.train_and_store.train_model` records the choice in the
run's ``run.json`` and in the weights' metadata (``holdout``), so a resumed run
keeps exactly those photos out even if the folder has gained photos since.

When the run has finished, :func:`compare_holdout` repairs the held-out photos
(reduced to a 512-pixel shorter side, to stay fast) under the quality benchmark's
fixed masks (:func:`restorer.evaluation.compare`) with the new weights and
with the weights the run started from (the starter when it started from scratch),
and :meth:`HoldoutScore.line` says the result in one line, as the CLI and the
Train tab show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from restorer.jobs import Job
from restorer.weights import STARTER

if TYPE_CHECKING:
    from restorer.training.data import PhotoFolder

#: A run holds photos out only when at least this many are left to train on.
MIN_TRAINING_PHOTOS = 3
#: Held-out photos are measured at most this large (shorter side, pixels).
MEASURE_SHORT_SIDE = 512


def _compared(model) -> bool:
    """Whether runs of ``model`` get a comparison: the benchmark's masks and scores are for models whose
    task fills holes (:attr:`restorer.tasks.TaskSpec.fills_holes`)."""
    from restorer.tasks import TASK_TABLE

    spec = TASK_TABLE.get(getattr(model, "task", None))
    return spec is not None and spec.fills_holes


def held_out_photos(folder: "PhotoFolder", count: int) -> tuple[str, ...]:
    """The ``count`` photos of ``folder`` to keep out of training, as paths relative to its root (posix).

    Empty when ``count`` is 0 or the folder has fewer than ``count`` + :data:`MIN_TRAINING_PHOTOS`
    readable photos. The choice depends only on the relative paths (their SHA-256), so it is the
    same on every machine and every run over the same folder.
    """
    if count <= 0 or len(folder) < count + MIN_TRAINING_PHOTOS:
        return ()
    names = [folder.relative(path) for path in folder.paths]
    ranked = sorted(names, key=lambda name: (hashlib.sha256(name.encode()).hexdigest(), name))
    return tuple(sorted(ranked[:count]))


def reduced(rgb: np.ndarray, short_side: int = MEASURE_SHORT_SIDE) -> np.ndarray:
    """``rgb`` scaled down (``INTER_AREA``) so its shorter side is at most ``short_side``; never enlarged."""
    import cv2

    short = min(rgb.shape[:2])
    if short <= short_side:
        return rgb
    factor = short_side / short
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


#: A difference smaller than this, on a few photos, is not called a gain or a loss: fine-tuning runs that
#: changed nothing a benchmark could tell apart scored within +-0.05 dB of their starter (benchmarks/results/
#: finetune_gain-*.md), and another choice of held-out photos moves such a figure as much.
CLEAR_DIFFERENCE_DB = 0.1


@dataclass(frozen=True)
class HoldoutScore:
    """The new weights and the reference weights on the photos left out of training (means over
    the benchmark's four masks per photo)."""

    photos: int
    #: The new weights' name, and the weights they are compared with (``starter`` or the run's base).
    label: str
    reference: str
    psnr: float
    reference_psnr: float
    hole_psnr: float
    reference_hole_psnr: float

    @property
    def difference(self) -> float:
        """The new weights' mean PSNR minus the reference's, in dB (positive: training helped)."""
        return self.psnr - self.reference_psnr

    def line(self) -> str:
        """One sentence: ``On 2 of your photos left out of training: family 27.43 dB, starter 27.10 dB (+0.33 dB)``."""
        ours, theirs = round(self.psnr, 2), round(self.reference_psnr, 2)
        # The shown difference is that of the shown figures, so the line adds up for its reader.
        shown = round(ours - theirs, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
        sign = "+" if shown >= 0 else "\u2212"
        if shown >= CLEAR_DIFFERENCE_DB:
            verdict = "training helped"
        elif shown <= -CLEAR_DIFFERENCE_DB:
            verdict = "training did not help"
        else:
            verdict = f"no clear difference (under {CLEAR_DIFFERENCE_DB} dB)"
        return (f"On {self.photos} of your photos left out of training: {self.label} {ours:.2f} dB, "
                f"{self.reference} {theirs:.2f} dB ({sign}{abs(shown):.2f} dB): {verdict}")


def reference_weights(metadata: dict[str, Any], name: str) -> str:
    """The weights a run's result is compared with: the run's base, or the starter for a run from
    scratch (or one that replaced its own base)."""
    base = metadata.get("base")
    return base if isinstance(base, str) and base and base != name else STARTER


def holdout_photos(metadata: dict[str, Any]) -> list[tuple[str, np.ndarray]]:
    """The held-out photos named in a weights file's metadata, reduced for measuring, as ``(name, rgb)``.

    Photos that have since disappeared or become unreadable, or are too small to measure
    (:func:`restorer.evaluation.too_small`), are left out.
    """
    from restorer.errors import RestorerError
    from restorer.images import load_photo
    from restorer.evaluation import too_small

    data = metadata.get("data") or []
    if not data:
        return []
    root = Path(data[0])
    out = []
    for relative in metadata.get("holdout") or []:
        try:
            rgb = reduced(load_photo(root / relative).rgb)
        except (RestorerError, OSError, ValueError):
            continue
        if too_small(rgb) is None:
            out.append((str(relative), rgb))
    return out


def compare_holdout(model, name: str, *, device: str = "cpu", job: Job | None = None) -> HoldoutScore | None:
    """Score the weights ``name`` of ``model`` against the run's reference weights on its held-out photos.

    ``model`` is the registered model (:func:`~restorer.evaluation.compare` looks models up by
    name) whose ``weights`` parameter chooses the weights. ``None`` when the model is not an
    inpainting model, or the run kept no photo out (or none of them can be read any more).
    ``job`` reports each repair and can cancel (:class:`~restorer.errors.Cancelled`). Raises
    :class:`~restorer.errors.ModelError` when the weights (or the reference weights) are missing.
    """
    from restorer.evaluation import Method, compare
    from restorer.weights import find_weights

    if not _compared(model):
        return None
    metadata = find_weights(model.name, name).metadata
    photos = holdout_photos(metadata)
    if not photos:
        return None
    reference = reference_weights(metadata, name)
    find_weights(model.name, reference)  # a clear error now rather than a failed repair later
    refresh = getattr(model, "refresh_weights", None)
    if refresh is not None:
        refresh()  # the weights param must offer the weights stored since the model was loaded
    methods = [Method(reference, model.name, {"weights": reference}), Method(name, model.name, {"weights": name})]
    rows = {row["method"]: row for row in compare(photos, methods, device=device, job=job, keep_examples=0).summary()}
    ours, theirs = rows[name], rows[reference]
    return HoldoutScore(len(photos), name, reference, ours["psnr"], theirs["psnr"], ours["hole_psnr"],
                        theirs["hole_psnr"])


def holdout_line(model, name: str, score: HoldoutScore | None) -> str | None:
    """The line a person reads after a run: the score, or why there is none; ``None`` when the run
    asked for no photos left out (or the model gets no comparison)."""
    if score is not None:
        return score.line()
    if not _compared(model):
        return None
    from restorer.weights import find_weights

    metadata = find_weights(model.name, name).metadata
    asked = int((metadata.get("options") or {}).get("holdout", 0) or 0)
    if asked <= 0:
        return None
    if metadata.get("holdout"):
        return "No comparison: the photos left out of training can no longer be read."
    trained = (metadata.get("photos") or [0])[0]
    if trained < asked + MIN_TRAINING_PHOTOS:
        return (f"No comparison: the folder has {trained} photo(s); leaving {asked} out of training needs at "
                f"least {asked + MIN_TRAINING_PHOTOS}, so all were trained on.")
    return "No comparison: this run began without photos left out, so all were trained on."
