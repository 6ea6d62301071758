"""Paths of files shipped with Restorer (sample photo, starter weights).

They live in the repository's top-level ``resources/`` folder. An installed wheel has no
repository around it, so the wheel carries the folder inside the package, as
``restorer/_resources/`` (``pyproject.toml`` maps it there, leaving out the provenance pictures
the app never opens). A checkout, and the editable install ``make install`` makes, use the
folder itself.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_resources"

#: The shipped files: ``restorer/_resources/`` in an installed wheel, else the repository's ``resources/``.
RESOURCES = _INSTALLED if _INSTALLED.is_dir() else _PACKAGE.parent / "resources"


def sample_photo_path() -> Path:
    """The bundled damaged sample photo."""
    return RESOURCES / "samples" / "damaged.png"


def sample_mask_path() -> Path:
    """The mask of the damage on the bundled sample photo."""
    return RESOURCES / "samples" / "damaged_mask.png"


def starter_weights_path(model_name: str) -> Path:
    """Where the starter weights of ``model_name`` are shipped."""
    return RESOURCES / "weights" / f"{model_name}.safetensors"
