"""Smart selection: the mask of an object from a box drawn around it or a rough stroke painted on it, by
OpenCV's GrabCut. No Qt, no weights.

GrabCut models the colours inside the box (the object, at first a guess) and
around it (the background) as two Gaussian mixtures, and cuts the box's pixels
between them with a graph cut that prefers edges along colour boundaries. It
needs nothing downloaded and runs on the CPU. A stroke
(:func:`object_under_stroke`) says more: what it covers is the object for
certain. The window calls these off the GUI thread and adds (or, with Alt, removes) the
result from the mask as one undo step.
"""

from __future__ import annotations

import math

import numpy as np

from restorer.errors import InputError
from restorer.geometry import Box, dilated, mask_box
from restorer.jobs import Job

#: GrabCut runs on at most this many pixels; a larger region is reduced first and its mask enlarged.
MAX_PIXELS = 1_000_000
#: GrabCut iterations (each one re-fits the colour models and cuts again; 5 is OpenCV's usual choice).
ITERATIONS = 5
#: The smallest box side, in photo pixels, that holds enough colours to model.
MIN_SIDE = 4
#: An object selected to be repaired away is grown by this share of its outline box's diagonal, within
#: :data:`MARGIN_RANGE` pixels: the blended pixels of its outline (and a thin contact shadow) go with it.
#: Cut at the outline itself, the repair fills from them and draws the object's silhouette back as a
#: dark or light line (seen on a heron in flight: a grow of 8 px took the line away).
MARGIN_SHARE = 0.007
MARGIN_RANGE = (3, 16)


def clip_box(box: Box, height: int, width: int) -> Box:
    """``box`` cut to the photo (possibly empty: then ``bottom <= top`` or ``right <= left``)."""
    return Box(max(0, box.top), max(0, box.left), min(height, box.bottom), min(width, box.right))


def object_in_box(photo: np.ndarray, box: Box, *, iterations: int = ITERATIONS, max_pixels: int = MAX_PIXELS,
                  job: Job | None = None) -> np.ndarray:
    """The ``bool`` mask (the photo's size) of the object inside ``box``, for an RGB ``photo``.

    Pixels outside the box are never selected. ``job`` gets one progress report
    per iteration, each a cancel point. An :class:`~restorer.errors.InputError`
    says when the box is too small to tell an object from its background.
    """
    photo = _eight_bit(photo)
    height, width = photo.shape[:2]
    box = clip_box(box, height, width)
    if box.bottom - box.top < MIN_SIDE or box.right - box.left < MIN_SIDE:
        raise InputError(f"draw a larger box around the object (at least {MIN_SIDE} x {MIN_SIDE} pixels)")
    return _cut(photo, box, None, iterations, max_pixels, job or Job())


def object_under_stroke(photo: np.ndarray, stroke: np.ndarray, *, iterations: int = ITERATIONS,
                        max_pixels: int = MAX_PIXELS, job: Job | None = None) -> np.ndarray:
    """The ``bool`` mask (the photo's size) of the object a rough ``stroke`` (``bool``, the photo's size:
    the pixels painted over it) was painted on.

    The painted pixels are the object for certain; GrabCut grows the selection out
    to where the object's colours end, at most the stroke's extent past it on each side
    (so a stroke across a sky never takes the whole sky). Progress, cancel and
    errors as :func:`object_in_box`.
    """
    photo = _eight_bit(photo)
    height, width = photo.shape[:2]
    if stroke.shape != (height, width):
        raise InputError(f"the stroke is {stroke.shape[1]}x{stroke.shape[0]} pixels, the photo {width}x{height}")
    rows, cols = np.nonzero(stroke)
    if rows.size == 0:
        raise InputError("paint over the object to select it")
    extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    reach = max(2 * MIN_SIDE, extent)
    area = clip_box(Box(int(rows.min()) - reach, int(cols.min()) - reach, int(rows.max()) + 1 + reach,
                        int(cols.max()) + 1 + reach), height, width)
    return _cut(photo, area, stroke, iterations, max_pixels, job or Job())


def _eight_bit(photo: np.ndarray) -> np.ndarray:
    if photo.ndim != 3 or photo.shape[2] != 3:
        raise InputError("smart selection needs an RGB photo")
    if photo.dtype == np.uint16:  # GrabCut takes 8-bit colour; the top byte is plenty to model colours
        return (photo >> 8).astype(np.uint8)
    return photo


def _cut(photo: np.ndarray, box: Box, seeds: np.ndarray | None, iterations: int, max_pixels: int,
         job: Job) -> np.ndarray:
    """GrabCut inside ``box`` (clipped to the photo): without ``seeds`` every pixel of the box starts as
    probably the object; with them (``bool``, the photo's size) the seeds are the object for certain and
    the rest of the box starts as probably background. Nothing outside ``box`` is selected."""
    import cv2

    height, width = photo.shape[:2]
    # A margin around the box is the background GrabCut learns from; the rest of the photo is not
    # looked at, so a small box on a large photo costs what the box costs.
    margin = max(8, (box.bottom - box.top + box.right - box.left) // 8)
    crop = clip_box(Box(box.top - margin, box.left - margin, box.bottom + margin, box.right + margin),
                    height, width)
    crop_height, crop_width = crop.bottom - crop.top, crop.right - crop.left
    # GrabCut takes about a second per megapixel and iteration on one core, so a large region is reduced
    # to MAX_PIXELS first and its mask enlarged back: object outlines lose a little detail, nothing more.
    scale = min(1.0, math.sqrt(max_pixels / (crop_height * crop_width)))
    small_width, small_height = max(1, round(crop_width * scale)), max(1, round(crop_height * scale))
    region = np.ascontiguousarray(photo[crop.slices])
    if scale < 1.0:
        region = cv2.resize(region, (small_width, small_height), interpolation=cv2.INTER_AREA)
    sy, sx = small_height / crop_height, small_width / crop_width
    inner = Box(math.floor((box.top - crop.top) * sy), math.floor((box.left - crop.left) * sx),
                math.ceil((box.bottom - crop.top) * sy), math.ceil((box.right - crop.left) * sx))
    labels = np.full((small_height, small_width), cv2.GC_BGD, np.uint8)
    labels[inner.slices] = cv2.GC_PR_FGD if seeds is None else cv2.GC_PR_BGD
    if seeds is not None:
        painted = seeds[crop.slices].astype(np.float32)
        if scale < 1.0:  # a thin stroke must survive the reduction: any painted share counts
            painted = cv2.resize(painted, (small_width, small_height), interpolation=cv2.INTER_AREA)
        labels[painted > 0] = cv2.GC_FGD
    if not (labels == cv2.GC_BGD).any():  # the box is the whole photo: its rim is probably background
        for rim in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
            rim[rim != cv2.GC_FGD] = cv2.GC_PR_BGD
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    for step in range(iterations):
        job.update(step, iterations, "Selecting the object…")
        mode = cv2.GC_INIT_WITH_MASK if step == 0 else cv2.GC_EVAL
        try:
            cv2.grabCut(region, labels, None, background, foreground, 1, mode)
        except cv2.error as exc:  # too few pixels of one side to fit its colour model
            raise InputError("this box is too small to tell the object from its background: "
                             "draw a larger one") from exc
    job.update(iterations, iterations, "Selected")
    found = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    if scale < 1.0:
        found = cv2.resize(found, (crop_width, crop_height), interpolation=cv2.INTER_LINEAR)
    mask = np.zeros((height, width), bool)
    mask[crop.slices] = found > 127
    outside = np.ones((height, width), bool)
    outside[box.slices] = False
    mask[outside] = False  # the enlarged edge may spill a pixel past the box
    if seeds is not None:
        mask |= seeds  # what was painted is selected, even where the reduction blurred it
    return mask


def repair_margin(selection: np.ndarray) -> int:
    """How many pixels :func:`grown_for_repair` grows ``selection`` (``bool``) by: :data:`MARGIN_SHARE` of
    the diagonal of the box around it, within :data:`MARGIN_RANGE`; 0 for an empty selection."""
    return _margin(mask_box(selection))


def _margin(box: Box | None) -> int:
    if box is None:
        return 0
    low, high = MARGIN_RANGE
    diagonal = math.hypot(box.bottom - box.top, box.right - box.left)
    return int(min(high, max(low, round(MARGIN_SHARE * diagonal))))


def grown_for_repair(selection: np.ndarray) -> np.ndarray:
    """``selection`` (``bool``) grown by :func:`repair_margin` pixels (a disc), as a mask to repair an
    object away: content-aware fills are given the object and a little of its surroundings."""
    box = mask_box(selection)
    margin = _margin(box)
    if margin == 0:
        return selection.copy()
    # Only the box around the object, grown by the margin, can change: a small object on a large photo
    # costs what its box costs.
    area = clip_box(Box(box.top - margin, box.left - margin, box.bottom + margin, box.right + margin),
                    *selection.shape)
    grown = selection.copy()
    grown[area.slices] = dilated(selection[area.slices], margin)
    return grown


__all__ = ["ITERATIONS", "MARGIN_RANGE", "MARGIN_SHARE", "MAX_PIXELS", "MIN_SIDE", "clip_box", "grown_for_repair",
           "object_in_box", "object_under_stroke", "repair_margin"]
