"""The classical first stage: OpenCV Telea fills, for single photos and training batches."""

from __future__ import annotations

import numpy as np


def telea_fill(photo: np.ndarray, hole: np.ndarray, radius: int = 5) -> np.ndarray:
    """``photo`` (``uint8`` RGB ``(H, W, 3)``) with ``hole`` (``bool`` ``(H, W)``) filled by Telea's method."""
    import cv2

    if not hole.any():
        return photo.copy()
    bgr = np.ascontiguousarray(photo[..., ::-1])
    out = cv2.inpaint(bgr, hole.astype(np.uint8) * 255, float(radius), cv2.INPAINT_TELEA)
    return np.ascontiguousarray(out[..., ::-1])


def telea_batch(photos, holes, radius: int = 5):
    """Telea fills of a batch: ``photos`` ``(B, 3, H, W)`` floats in [0, 1], ``holes`` ``(B, 1, H, W)``.

    Returns a float tensor like ``photos``. The fill is computed on 8-bit pixels, as at inference.
    """
    import torch

    pixels = (photos.detach().cpu().permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    masks = holes.detach().cpu()[:, 0].numpy() > 0.5
    filled = np.stack([telea_fill(p, m, radius) for p, m in zip(pixels, masks)])
    return torch.from_numpy(filled.astype(np.float32) / 255.0).permute(0, 3, 1, 2).to(photos.device)
