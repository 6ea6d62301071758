"""How close a repair is to the truth: PSNR, SSIM and a texture distance, on ``uint8`` RGB images.

The texture distance is the sliced Wasserstein distance between the 7x7 patches
of the high-pass (photo minus its Gaussian blur, in gray) centred in the hole, of
the repair and of the truth. Blur (too little detail) and noise (too much, or the
wrong kind) both raise it; 0 means identical patch statistics. The benchmarks and
``restorer bench`` (:mod:`restorer.evaluation`) report all three.
"""

from __future__ import annotations

import numpy as np

#: Patch side, random projections and at most this many patches (sampled) of the texture distance.
PATCH = 7
PROJECTIONS = 128
MAX_PATCHES = 4096


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """PSNR in dB between two ``uint8`` images (over the pixels where ``where`` is true, if given)."""
    diff = a.astype(np.float64) - b.astype(np.float64)
    if where is not None:
        diff = diff[where]
    mse = float(np.mean(diff ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Structural similarity of two ``uint8`` RGB images."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(a, b, channel_axis=2, data_range=255))


def _high_pass(image: np.ndarray) -> np.ndarray:
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return gray - cv2.GaussianBlur(gray, (0, 0), 2.0)


def _patches(detail: np.ndarray, centres: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    half = PATCH // 2
    padded = np.pad(detail, half, mode="reflect")
    ys, xs = centres
    offsets = np.arange(PATCH)
    rows = (ys[:, None] + offsets[None, :])[:, :, None]
    cols = (xs[:, None] + offsets[None, :])[:, None, :]
    return padded[rows, cols].reshape(len(ys), PATCH * PATCH)


def texture_distance(repair: np.ndarray, truth: np.ndarray, hole: np.ndarray, seed: int = 0) -> float:
    """Sliced Wasserstein distance between high-pass 7x7 patches centred in ``hole`` (gray levels)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.nonzero(hole)
    if len(ys) > MAX_PATCHES:
        pick = rng.choice(len(ys), MAX_PATCHES, replace=False)
        ys, xs = ys[pick], xs[pick]
    ours = _patches(_high_pass(repair), (ys, xs))
    real = _patches(_high_pass(truth), (ys, xs))
    directions = rng.normal(size=(PATCH * PATCH, PROJECTIONS))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    projected_ours = np.sort(ours @ directions, axis=0)
    projected_real = np.sort(real @ directions, axis=0)
    return float(np.mean(np.abs(projected_ours - projected_real)))


__all__ = ["psnr", "ssim", "texture_distance"]
