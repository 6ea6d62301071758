"""Running a model on a photo: crop around the holes, run, composite.

For ``inpaint`` the model sees only a crop around each masked region plus a
margin of context (IOPaint's "crop" strategy), so repairing a scratch on a
24-megapixel photo costs about what the scratch costs. The result is always
composited: outside the mask, the output is the input, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from restorer.errors import InputError, ModelError
from restorer.jobs import Job
from restorer.models import Model, RunRequest

#: Context kept around each hole, in pixels, at least.
MIN_MARGIN = 128
#: Above this fraction of the photo, the crops are merged into one full-frame run.
FULL_FRAME_FRACTION = 0.6


@dataclass(frozen=True)
class Box:
    """A rectangle ``[top, bottom) x [left, right)`` in pixel coordinates."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def area(self) -> int:
        """Pixels covered."""
        return (self.bottom - self.top) * (self.right - self.left)

    def overlaps(self, other: "Box") -> bool:
        """Whether the two rectangles share any pixel."""
        return not (self.bottom <= other.top or other.bottom <= self.top
                    or self.right <= other.left or other.right <= self.left)

    def union(self, other: "Box") -> "Box":
        """The smallest rectangle holding both."""
        return Box(min(self.top, other.top), min(self.left, other.left),
                   max(self.bottom, other.bottom), max(self.right, other.right))

    @property
    def slices(self) -> tuple[slice, slice]:
        """Numpy index for this rectangle."""
        return slice(self.top, self.bottom), slice(self.left, self.right)


def hole_boxes(mask: np.ndarray, min_margin: int = MIN_MARGIN) -> list[Box]:
    """Crop rectangles covering every masked pixel with context around it; overlapping crops merged."""
    import cv2

    height, width = mask.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    boxes: list[Box] = []
    for x, y, w, h, _area in stats[1:count]:
        # Context grows with the hole: a wide hole needs more surroundings to be filled well.
        margin = max(min_margin, int(0.5 * max(w, h)))
        boxes.append(Box(max(0, y - margin), max(0, x - margin),
                         min(height, y + h + margin), min(width, x + w + margin)))
    merged = True
    while merged:  # few boxes in practice; quadratic merging is fine
        merged = False
        out: list[Box] = []
        for box in boxes:
            for i, other in enumerate(out):
                if box.overlaps(other):
                    out[i] = other.union(box)
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return sorted(boxes, key=lambda b: (b.top, b.left))


def composite(original: np.ndarray, result: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``result`` inside the mask, ``original`` outside, exactly."""
    if result.shape != original.shape:
        raise ModelError(f"the model returned an image of shape {result.shape}, expected {original.shape}")
    return np.where(mask[..., None], result, original).astype(np.uint8)


def _check_output(model: Model, out: Any) -> np.ndarray:
    if not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.ndim != 3 or out.shape[2] != 3:
        desc = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ModelError(f"model {model.name} returned {desc}, expected a uint8 RGB image")
    return out


def run_model(model: Model, photo: np.ndarray | None, mask: np.ndarray | None,
              params: Mapping[str, Any] | None = None, *, device: str = "cpu",
              job: Job | None = None, crop: bool = True) -> np.ndarray:
    """Run ``model`` on a ``uint8`` RGB photo (and mask) and return the composited result.

    ``params`` are typed values; missing ones take their defaults.
    """
    job = job or Job()
    values = model.resolve_params(params)
    if model.task == "sample":
        return _check_output(model, model.run(RunRequest(None, None, values, device), job))
    if photo is None:
        raise InputError(f"model {model.name} needs a photo")
    if model.task != "inpaint":
        out = _check_output(model, model.run(RunRequest(photo, mask, values, device), job))
        if out.shape != photo.shape:
            raise ModelError(f"model {model.name} returned {out.shape}, expected {photo.shape}")
        return out if mask is None or not mask.any() else composite(photo, out, mask)

    if mask is None:
        raise InputError(f"model {model.name} repairs a masked area; give a mask")
    if mask.shape != photo.shape[:2]:
        raise InputError(f"the mask is {mask.shape[1]}x{mask.shape[0]} but the photo is "
                         f"{photo.shape[1]}x{photo.shape[0]}")
    if not mask.any():
        raise InputError("the mask is empty: paint (or give) the area to repair")
    if mask.all():
        raise InputError("the mask covers the whole photo: leave some of it unpainted to repair from")
    boxes = hole_boxes(mask) if crop else []
    if not boxes or sum(b.area for b in boxes) > FULL_FRAME_FRACTION * mask.size:
        boxes = [Box(0, 0, mask.shape[0], mask.shape[1])]
    result = photo.copy()
    for index, box in enumerate(boxes):
        tile = photo[box.slices]
        hole = mask[box.slices]
        sub = job.child(index, 1, len(boxes)) if len(boxes) > 1 else job
        # Each crop sees the repairs of the crops before it, as a person repairing by hand would.
        out = _check_output(model, model.run(RunRequest(result[box.slices].copy(), hole.copy(), values, device), sub))
        if out.shape != tile.shape:
            raise ModelError(f"model {model.name} returned {out.shape}, expected {tile.shape}")
        result[box.slices] = composite(result[box.slices], out, hole)
    job.update(len(boxes), len(boxes), "done")
    return result
