"""One open photo: its pixels, its mask, its undo history and where it is saved. No Qt.

The document owns a copy of the photo's pixels; the file it came from is only
written when the person saves over it. A model's result becomes a history step
like a brush stroke, so Ctrl+Z takes back a repair as naturally as a stroke.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from psygnal import Signal

from restorer.editing.history import CompoundEdit, History, RegionSwap
from restorer.editing.mask import MaskLayer
from restorer.geometry import Box, changed_box
from restorer.images import Photo, load_mask, load_photo, save_mask, save_photo


class Document:
    """A photo being repaired.

    :attr:`photo_changed` fires with the :class:`Box` of pixels that changed (a result, its
    undo or redo); the mask has its own :attr:`MaskLayer.changed`. Connections to bound
    methods are weak (psygnal): a closed canvas is not kept alive by its document.
    """

    photo_changed = Signal(Box)

    def __init__(self, photo: Photo, *, path: Path | None = None, title: str | None = None,
                 history: History | None = None):
        self._photo = photo
        self.rgb = np.array(photo.rgb, dtype=np.uint8, copy=True, order="C")
        self.original_rgb = photo.rgb
        self.path = Path(path) if path is not None else None
        self.title = title or (self.path.name if self.path else "Untitled")
        self.history = history if history is not None else History()
        height, width = self.rgb.shape[:2]
        self.mask = MaskLayer(height, width, self.history)
        # The photo edit the file on disk corresponds to (None: the photo as opened).
        self._saved_state: object | None = None if self.path is not None else object()
        #: Whether the person agreed to overwrite the file the photo came from.
        self.may_overwrite_source = False

    @classmethod
    def open(cls, path: str | os.PathLike, mask_path: str | os.PathLike | None = None) -> "Document":
        """Load a photo (and optionally its mask) from disk."""
        photo = load_photo(path)
        document = cls(photo, path=Path(path))
        if mask_path is not None:
            document.mask.reset(load_mask(mask_path, photo.size))
        return document

    # -- reading ----------------------------------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]

    @property
    def photo(self) -> Photo:
        """The current pixels with the original's alpha and metadata, ready to save."""
        return self._photo.with_rgb(self.rgb)

    @property
    def alpha(self):
        """The photo's alpha channel (``uint8`` H x W, kept on save), or ``None``."""
        return self._photo.alpha

    @property
    def has_alpha(self) -> bool:
        """Whether the photo has an alpha channel (kept on save)."""
        return self._photo.alpha is not None

    def _photo_state(self) -> object | None:
        for edit in reversed(self.history.applied):
            if getattr(edit, "changes_photo", False):
                return edit
        return None

    @property
    def modified(self) -> bool:
        """Whether the photo differs from the file it was opened from or last saved to."""
        return self._photo_state() is not self._saved_state

    # -- changing ---------------------------------------------------------------------------

    def apply_result(self, result: np.ndarray, coverage: np.ndarray | None, description: str,
                     *, clear_mask: bool = False) -> CompoundEdit | None:
        """Blend a model's output into the photo as one undo step.

        ``coverage`` (``uint8``, the mask the model ran with) weights the blend so a
        soft brush edge gives a feathered repair; ``None`` takes the whole output.
        Pixels with coverage 0 keep their current value exactly.
        """
        if result.shape != self.rgb.shape or result.dtype != np.uint8:
            raise ValueError(f"result {result.shape} {result.dtype} does not match the photo {self.rgb.shape}")
        if coverage is None:
            new = result
        else:
            weight = coverage.astype(np.float32)[..., None] / 255.0
            blended = self.rgb.astype(np.float32) * (1.0 - weight) + result.astype(np.float32) * weight
            new = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
        box = changed_box(self.rgb, new)
        edits = []
        if box is not None:
            before = self.rgb[box.slices].copy()
            self.rgb[box.slices] = new[box.slices]
            self.photo_changed.emit(box)
            swap = RegionSwap(description, box, before, self._swap)
            swap.changes_photo = True  # type: ignore[attr-defined]
            edits.append(swap)
        if clear_mask:
            # Cleared inside the same step: undoing the repair brings the mask back too. Only what
            # the model repaired is cleared: strokes painted while it ran stay for the next repair.
            cleared = self.mask.clear(record=False) if coverage is None else self.mask.unpaint(
                coverage > 0, record=False)
            if cleared is not None:
                edits.append(cleared)
        if not edits:
            return None
        step = CompoundEdit(description, edits)
        step.changes_photo = box is not None  # type: ignore[attr-defined]
        self.history.push(step)
        return step

    def save(self, path: str | os.PathLike, *, quality: int = 95) -> None:
        """Save the current photo (alpha and metadata kept); replaces ``path`` if it exists."""
        save_photo(self.photo, path, overwrite=True, quality=quality)
        self.path = Path(path)
        self.title = self.path.name
        self._saved_state = self._photo_state()
        self.may_overwrite_source = True

    def import_mask(self, path: str | os.PathLike) -> None:
        """Replace the mask by a mask file (white = repair); one undo step."""
        self.mask.set_mask(load_mask(path, self.size), "Import mask")

    def export_mask(self, path: str | os.PathLike) -> None:
        """Save the mask as a black-and-white PNG (white = the pixels a model repairs)."""
        save_mask(self.mask.mask, path, overwrite=True)
        self.mask.keep()

    def _swap(self, box: Box, pixels: np.ndarray) -> np.ndarray:
        previous = self.rgb[box.slices].copy()
        self.rgb[box.slices] = pixels
        self.photo_changed.emit(box)
        return previous
