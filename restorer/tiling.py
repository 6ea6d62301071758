"""Running a fully convolutional network on a large photo in overlapping, blended tiles.

Memory stays bounded by the tile size; overlapping tiles are cross-faded with
linear ramps that ignore each tile's outermost pixels, so no seam shows where two tiles meet.
A core helper so that any plugin (CycleGAN, the VAE) can use it.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn


def _starts(length: int, tile: int, step: int) -> list[int]:
    """Tile origins covering ``[0, length)``; the last tile is flush with the end."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def _ramp(length: int, overlap: int, fade_start: bool, fade_end: bool) -> torch.Tensor:
    """Per-pixel weight of a tile along one axis: 1 inside, fading at each side that meets another tile.

    Over the ``overlap`` pixels two tiles share, the outer quarter of each tile gets
    (almost) no weight, since a network's output is least reliable next to the
    tile's edge, where it sees padding instead of the photo; the middle half cross-fades linearly.
    """
    weight = torch.ones(length)
    if overlap == 0:
        return weight
    margin = overlap // 4
    position = torch.arange(overlap, dtype=torch.float32) + 0.5
    ramp = ((position - margin) / max(1, overlap - 2 * margin)).clamp(1e-4, 1.0)
    span = min(overlap, length)
    if fade_start:
        weight[:span] = torch.minimum(weight[:span], ramp[:span])
    if fade_end:
        weight[-span:] = torch.minimum(weight[-span:], ramp[:span].flip(0))
    return weight


def mirror_pad(x: torch.Tensor, amount: int) -> torch.Tensor:
    """Mirror-pad ``amount`` pixels on each side; small maps (a dilation larger than the map) repeat the edge."""
    mode = "reflect" if amount < min(x.shape[-2:]) else "replicate"
    return nn.functional.pad(x, (amount, amount, amount, amount), mode=mode)


def pad_to_multiple(image: torch.Tensor, multiple: int) -> torch.Tensor:
    """Reflect-pad the bottom and right of ``(B, C, H, W)`` so H and W are multiples of ``multiple``."""
    height, width = image.shape[-2:]
    pad_h, pad_w = -height % multiple, -width % multiple
    if not (pad_h or pad_w):
        return image
    mode = "reflect" if pad_h < height and pad_w < width else "replicate"
    return nn.functional.pad(image, (0, pad_w, 0, pad_h), mode=mode)


def tiled_apply(fn: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor, *, tile: int, overlap: int,
                multiple: int = 1, progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """Apply a size-preserving ``fn`` to ``image (1, C, H, W)`` tile by tile; returns ``(1, C_out, H, W)``.

    The image is reflect-padded to a multiple of ``multiple`` (the padding is cropped
    off the result). Tiles are ``tile`` pixels square (rounded down to a multiple of
    ``multiple``) and overlap by ``overlap``; each output pixel is the weighted mean
    of the tiles covering it. A photo that fits in one tile is run in one piece,
    exactly as ``fn`` would.
    """
    tile -= tile % multiple  # every tile must suit the network
    if overlap >= tile:
        raise ValueError(f"overlap ({overlap}) must be smaller than the tile ({tile})")
    height, width = image.shape[-2:]
    # pad the photo once, so a tile at its edge sees the same padding a one-piece run would
    padded = pad_to_multiple(image, multiple)
    full_h, full_w = padded.shape[-2:]
    rows, cols = _starts(full_h, tile, tile - overlap), _starts(full_w, tile, tile - overlap)
    if len(rows) == 1 and len(cols) == 1:
        out = fn(padded)[..., :height, :width]
        if progress is not None:
            progress(1, 1)
        return out
    out: torch.Tensor | None = None
    norm = torch.zeros(1, 1, full_h, full_w, device=image.device)
    total, done = len(rows) * len(cols), 0
    for top in rows:
        for left in cols:
            bottom, right = min(top + tile, full_h), min(left + tile, full_w)
            piece = fn(padded[..., top:bottom, left:right]).float()  # blended in float32 (fn may autocast)
            if out is None:
                out = torch.zeros(1, piece.shape[1], full_h, full_w, device=image.device)
            wy = _ramp(bottom - top, overlap, top > 0, bottom < full_h)
            wx = _ramp(right - left, overlap, left > 0, right < full_w)
            weight = (wy[:, None] * wx[None, :]).to(image.device)
            out[..., top:bottom, left:right] += piece * weight
            norm[..., top:bottom, left:right] += weight
            done += 1
            if progress is not None:
                progress(done, total)
    return (out / norm)[..., :height, :width]
