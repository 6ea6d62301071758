"""Running a model on a photo: crop around the holes, run, composite.

What a run takes and returns follows the model's task (:mod:`restorer.tasks`). For a task
that needs a mask (``inpaint``) the model sees only a crop around each masked region plus a
margin of context (IOPaint's "crop" strategy), so repairing a scratch on a
24-megapixel photo costs about what the scratch costs. The result is always
composited: outside the mask, the output is the input, bit for bit.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from restorer.errors import InputError, ModelError
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.models import Model, RunRequest
from restorer.resolution import enlarge, hole_depth, in_tiles, reduced_size, shrink, split_by_width
from restorer.tasks import task_spec

#: Context kept around each hole, in pixels, at least.
MIN_MARGIN = 128
#: Thin holes in a region larger than the model's working size: tiles of this side, with this context.
SCRATCH_WINDOW, SCRATCH_MARGIN = 512, 64
#: Holes at most this deep (pixels from the nearest undamaged one: brush strokes up to about twice as
#: wide) in a region larger than the working size are filled by the model at full size, in tiles of this
#: side (at most the working size) with this much context, not reduced: a stroke needs only its
#: surroundings, and a reduced fill enlarged is a smear that the copied texture cannot hide. 0: reduce them too.
STROKE_RADIUS, STROKE_WINDOW, STROKE_MARGIN = 48, 512, 64
#: Above this fraction of the photo, the crops are merged into one full-frame run.
FULL_FRAME_FRACTION = 0.6


def _grown(box: Box, min_side: int, height: int, width: int) -> Box:
    """``box`` widened about its centre, inside the photo, until each side is ``min_side`` (or the photo's)."""
    def span(start: int, stop: int, limit: int) -> tuple[int, int]:
        side = min(max(min_side, stop - start), limit)
        start = min(max(0, (start + stop - side) // 2), limit - side)
        return start, start + side

    top, bottom = span(box.top, box.bottom, height)
    left, right = span(box.left, box.right, width)
    return Box(top, left, bottom, right)


def hole_boxes(mask: np.ndarray, min_margin: int = MIN_MARGIN, min_side: int = 1) -> list[Box]:
    """Crop rectangles covering every masked pixel with context around it; overlapping crops merged.

    Each crop is at least ``min_side`` pixels on each side (a model's :attr:`~Model.min_size`), or
    the photo's side where the photo is smaller: a tiny hole by the border still gets a crop the
    model can run on.
    """
    import cv2

    height, width = mask.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    boxes: list[Box] = []
    for x, y, w, h, _area in stats[1:count]:
        # Context grows with the hole: a wide hole needs more surroundings to be filled well.
        margin = max(min_margin, int(0.5 * max(w, h)))
        boxes.append(_grown(Box(max(0, y - margin), max(0, x - margin),
                                min(height, y + h + margin), min(width, x + w + margin)), min_side, height, width))
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
    model.check_params(values)  # the window gets the CLI's up-front check too
    task = task_spec(model.task)
    if task.returns == "probability":
        raise ModelError(f"model {model.name} finds damage and returns a mask: use restorer.detection.detect")
    if not task.photo:  # new images from nothing
        return _check_output(model, model.run(RunRequest(None, None, values, device), job))
    if photo is None:
        raise InputError(f"model {model.name} needs a photo")
    if min(photo.shape[:2]) < model.min_size:
        raise InputError(f"the photo is {photo.shape[1]}x{photo.shape[0]}; model {model.name} needs at least "
                         f"{model.min_size} px on each side")
    if not task.needs_mask:  # the whole photo, then only the masked area kept if a mask was given
        mask = mask if task.mask == "optional" else None
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
    boxes = hole_boxes(mask, min_side=model.min_size) if crop else []
    if not boxes or sum(b.area for b in boxes) > FULL_FRAME_FRACTION * mask.size:
        boxes = [Box(0, 0, mask.shape[0], mask.shape[1])]
    result = photo.copy()
    for index, box in enumerate(boxes):
        sub = job.child(index, 1, len(boxes)) if len(boxes) > 1 else job
        # Each crop sees the repairs of the crops before it, as a person repairing by hand would.
        region, hole = result[box.slices], mask[box.slices]  # read only: _run hands the model copies
        result[box.slices] = composite(region, _fill_region(model, region, hole, values, device, sub), hole)
    job.update(len(boxes), len(boxes), "done")
    return result


def _fill_region(model: Model, region: np.ndarray, hole: np.ndarray, values: dict, device: str,
                 job: Job) -> np.ndarray:
    """The model's fill of one crop, at bounded memory (:mod:`restorer.resolution`).

    A crop within the model's ``working_size`` is filled at full size. In a larger one, wide holes
    are filled reduced to it, enlarged, and given their detail back in tiles; brush strokes (holes
    at most :data:`STROKE_RADIUS` deep) by the model at full size in tiles of :data:`STROKE_WINDOW`,
    with its :meth:`~restorer.models.Model.stroke_params`; thin holes (scratches),
    which need only nearby context and would be lost at a reduced size, are filled at full size:
    by the model's quick fill where it offers one (:meth:`~restorer.models.Model.fill_scratches`), in
    large tiles, or by the model itself in tiles of :data:`SCRATCH_WINDOW` pixels (at most the working size).
    """
    size = reduced_size(hole.shape, model.working_size)
    if size is None:
        return _run(model, region, hole, values, device, job)
    depth = hole_depth(hole)
    wide, thin = split_by_width(hole, depth=depth)
    strokes = np.zeros_like(wide)
    if STROKE_RADIUS and wide.any():
        wide, narrower = split_by_width(hole, STROKE_RADIUS, depth=depth)
        strokes, thin = narrower & ~thin, thin & ~wide
    out = region
    if wide.any():
        # Every damaged pixel, thin ones too, is masked for the reduced run: none leaks into the context.
        small, small_hole = shrink(region, hole, size)
        fill = enlarge(_run(model, small, small_hole, values, device, job.child(0, 1, 3)), hole.shape)

        def detail(image: np.ndarray, where: np.ndarray) -> np.ndarray:
            job.check()  # cancel between tiles
            return _check_output(model, model.restore_detail(image, where, values))

        job.update(1, 3, "restoring detail")
        # The enlarged fill stands in the strokes and scratches too until they are filled at full size:
        # left damaged there, their colours bled into the wide hole's edge through the detail pass's
        # blur, and the strokes' classical fill carried them on (a heron's beak came back as a yellow
        # blob cut straight where the wide hole began).
        out = in_tiles(detail, composite(region, fill, hole), wide, hole=hole)
    if strokes.any():
        job.update(1, 3, "repairing strokes")
        window = min(model.working_size, STROKE_WINDOW)
        margin = min(STROKE_MARGIN, window // 4)
        tiled = _check_stroke_params(model, values)
        out = in_tiles(lambda image, where: _run(model, image, where, tiled, device, job), out, strokes,
                       tile=window - 2 * margin, margin=margin, workers=1, hole=strokes | thin)
    if thin.any():
        job.update(2, 3, "repairing scratches")
        if model.fills_scratches_quickly(values):
            def quick(image: np.ndarray, where: np.ndarray) -> np.ndarray:
                job.check()
                return _check_output(model, model.fill_scratches(image, where, values))

            return in_tiles(quick, out, thin, margin=SCRATCH_MARGIN, workers=1)
        # Small tiles: a scratch needs only nearby context, and tiles it does not cross are skipped.
        window = min(model.working_size, SCRATCH_WINDOW)
        margin = min(SCRATCH_MARGIN, window // 4)
        out = in_tiles(lambda image, where: _run(model, image, where, values, device, job), out, thin,
                       tile=window - 2 * margin, margin=margin, workers=1)
    return out


def _check_stroke_params(model: Model, values: dict) -> dict:
    """The model's :meth:`~restorer.models.Model.stroke_params`, checked as its declared parameters."""
    tiled = dict(model.stroke_params(values))
    if tiled.keys() != values.keys():
        raise ModelError(f"model {model.name}: stroke_params must keep the parameters it was given")
    return model.resolve_params(tiled)


def _run(model: Model, photo: np.ndarray, hole: np.ndarray, values: dict, device: str, job: Job) -> np.ndarray:
    """``model.run`` on one crop, its output checked."""
    out = _check_output(model, model.run(RunRequest(photo.copy(), hole.copy(), values, device), job))
    if out.shape != photo.shape:
        raise ModelError(f"model {model.name} returned {out.shape}, expected {photo.shape}")
    return out
