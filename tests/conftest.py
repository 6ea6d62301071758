"""Shared test setup: Qt offscreen, small photo factories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def photo_folder(root: Path, photos: list[np.ndarray]) -> Path:
    """``root`` holding ``photos`` as p0.png, p1.png, ... and one unreadable file, broken.jpg."""
    from PIL import Image

    root.mkdir(parents=True)
    for i, pixels in enumerate(photos):
        Image.fromarray(pixels).save(root / f"p{i}.png")
    (root / "broken.jpg").write_bytes(b"not a photo")
    return root


def run_cli(args, capsys, monkeypatch, tmp_path):
    """``restorer ARGS`` in this process (a refusal needs no new Python): (exit code, stderr lines, stdout)."""
    from restorer.cli import main

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse refuses by exiting
        code = exc.code
    captured = capsys.readouterr()
    return code, [line for line in captured.err.splitlines() if line.strip()], captured.out


def run_restorer(*args, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m restorer ARGS`` in a subprocess with ``env``; output captured as text."""
    return subprocess.run([sys.executable, "-m", "restorer", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=240)


@pytest.fixture
def one_torch_thread():
    """Tiny networks run fastest on one torch thread: two on a busy 2-core machine stall in OpenMP
    synchronisation (up to ~30x slower). Modules that train or run networks use it."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def photo() -> np.ndarray:
    """A 64x96 textured RGB photo."""
    return textured_photo()


def pytest_sessionfinish(session, exitstatus):
    """A failed test must not leave a worker running (it would keep the interpreter from exiting)."""
    from restorer.jobs import cancel_all

    cancel_all()
