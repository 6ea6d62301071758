"""Paths of files shipped with Restorer (sample photo, starter weights)."""

from __future__ import annotations

from pathlib import Path

#: The repository's (or installed tree's) ``resources/`` folder.
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def sample_photo_path() -> Path:
    """The bundled damaged sample photo."""
    return RESOURCES / "samples" / "damaged.png"


def sample_mask_path() -> Path:
    """The mask of the damage on the bundled sample photo."""
    return RESOURCES / "samples" / "damaged_mask.png"


def starter_weights_path(model_name: str) -> Path:
    """Where the starter weights of ``model_name`` are committed."""
    return RESOURCES / "weights" / f"{model_name}.safetensors"
