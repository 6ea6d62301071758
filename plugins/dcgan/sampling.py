"""Turning generated tensors into pictures: uint8 conversion and grids."""

from __future__ import annotations

import numpy as np
import torch
from torchvision.utils import make_grid


def images_to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(B, C, H, W)`` in [-1, 1] -> ``uint8 (B, H, W, 3)``; a single channel is repeated to RGB."""
    images = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return images.permute(0, 2, 3, 1).numpy()


def grid(images: np.ndarray, columns: int, *, zoom: int = 1, gap: int = 2) -> np.ndarray:
    """Tile ``uint8 (B, H, W, 3)`` images into one picture, ``columns`` per row, separated by white gaps."""
    tensor = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    if zoom > 1:
        tensor = tensor.repeat_interleave(zoom, dim=2).repeat_interleave(zoom, dim=3)
    picture = make_grid(tensor, nrow=columns, padding=gap, pad_value=255)
    return np.ascontiguousarray(picture.permute(1, 2, 0).numpy())
