"""Shared test setup: Qt offscreen, small photo factories."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest


def textured_photo(height: int = 64, width: int = 96, seed: int = 0) -> np.ndarray:
    """A deterministic uint8 RGB photo with gradients and noise (so a fill is never trivially exact)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1),
                     (x + y) * 127 / max(width + height - 2, 1)], axis=-1)
    noise = rng.normal(0, 12, size=(height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


@pytest.fixture
def photo() -> np.ndarray:
    """A 64x96 textured RGB photo."""
    return textured_photo()


def pytest_sessionfinish(session, exitstatus):
    """A failed test must not leave a worker running (it would keep the interpreter from exiting)."""
    from restorer.jobs import cancel_all

    cancel_all()
