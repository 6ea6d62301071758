"""Compute devices: ``auto`` picks CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import warnings

from restorer.errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def _checked(name: str) -> tuple[str, str]:
    """``(name, base)`` of a device choice, normalised (``"CUDA:1 "`` -> ``("cuda:1", "cuda")``), or an InputError."""
    name = (name or "auto").strip().lower()
    base = name.split(":", 1)[0]
    if base not in DEVICE_CHOICES:
        raise InputError(f"unknown device {name!r}; use one of {', '.join(DEVICE_CHOICES)} (or cuda:N)")
    return name, base


def check_device_name(name: str = "auto") -> str:
    """``"cpu"`` after checking ``name`` is a device choice, without importing torch (for models that
    do not use it)."""
    _checked(name)
    return "cpu"


def resolve_device(name: str = "auto") -> str:
    """Turn a user's device choice into a torch device string, falling back to the CPU with a warning."""
    name, base = _checked(name)  # a bad name is refused before torch is imported
    import torch  # imported lazily: opening the window must not wait for torch

    if base == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if base == "cuda" and not torch.cuda.is_available():
        warnings.warn("CUDA was asked for but is not available; running on the CPU", RuntimeWarning, stacklevel=2)
        return "cpu"
    if base == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        warnings.warn("MPS was asked for but is not available; running on the CPU", RuntimeWarning, stacklevel=2)
        return "cpu"
    return name


def describe_device(device: str) -> str:
    """A short human name for a device, e.g. ``NVIDIA H100`` or ``CPU (2 threads)``."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    if device == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"
