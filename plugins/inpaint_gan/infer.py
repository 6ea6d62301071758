"""Repairing one photo with the generator, and per-photo adaptation ("learn from this photo")."""

from __future__ import annotations

import copy

import numpy as np
import torch

from restorer.jobs import Job
from restorer.training import known_region_mask
from restorer_plugins.inpaint_gan.fills import coarse_batch, coarse_fill
from restorer_plugins.inpaint_gan.trainer import hole_l1

#: Adaptation crops and batch: small enough for ~0.3 s per step on 2 CPU cores.
ADAPT_CROP = 128
ADAPT_BATCH = 4
ADAPT_LR = 1e-4


def _to_tensor(pixels: np.ndarray, device: str) -> torch.Tensor:
    return torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(2, 0, 1)[None].to(device)


@torch.no_grad()
def repair(net, photo: np.ndarray, mask: np.ndarray, *, radius: int = 5, device: str = "cpu") -> np.ndarray:
    """``photo`` (``uint8`` RGB) with ``mask`` (``bool``) repaired by ``net`` on top of its classical fill."""
    filled = coarse_fill(photo, mask, radius, net.config.coarse)
    hole = torch.from_numpy(mask.astype(np.float32))[None, None].to(device)
    out = net(_to_tensor(filled, device), hole)[0].clamp(0, 1)
    return (out.permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)


def _windows(mask: np.ndarray, rng: np.random.Generator, count: int, crop: int) -> list[tuple[int, int]]:
    """Top-left corners of ``count`` crops: half centred near the hole (its surroundings matter most)."""
    height, width = mask.shape
    ys, xs = np.nonzero(mask)
    corners = []
    for i in range(count):
        if i % 2 == 0 and len(ys):
            k = int(rng.integers(len(ys)))
            cy, cx = ys[k] + rng.integers(-crop // 2, crop // 2 + 1), xs[k] + rng.integers(-crop // 2, crop // 2 + 1)
        else:
            cy, cx = rng.integers(0, height), rng.integers(0, width)
        corners.append((int(np.clip(cy - crop // 2, 0, height - crop)), int(np.clip(cx - crop // 2, 0, width - crop))))
    return corners


def adapt_generator(net, photo: np.ndarray, mask: np.ndarray, steps: int, *, radius: int = 5, seed: int = 0,
                    device: str = "cpu", job: Job | None = None):
    """A copy of ``net`` fine-tuned for ``steps`` steps on this photo's own undamaged pixels.

    Each step cuts crops (half around the hole), hides random strokes or boxes
    of *known* pixels, and trains the copy to restore them (hole-weighted L1);
    the real hole is hidden too and never a target. ``net`` is not modified.
    """
    job = job or Job()
    rng = np.random.default_rng(seed)
    height, width = mask.shape
    crop = min(ADAPT_CROP, height, width)
    tuned = copy.deepcopy(net).train()
    optimizer = torch.optim.Adam(tuned.parameters(), lr=ADAPT_LR, betas=(0.9, 0.99))
    known = ~mask
    for step in range(steps):
        crops, holes, targets = [], [], []
        for top, left in _windows(mask, rng, ADAPT_BATCH, crop):
            window = (slice(top, top + crop), slice(left, left + crop))
            # Holes drawn for the whole photo and cut, so they are as wide as the real one can be.
            target = known_region_mask(known, rng)[window]
            crops.append(photo[window])
            holes.append(target | mask[window])
            targets.append(target)
        truth = torch.from_numpy(np.stack(crops).astype(np.float32) / 255.0).permute(0, 3, 1, 2).to(device)
        hole = torch.from_numpy(np.stack(holes).astype(np.float32))[:, None].to(device)
        target = torch.from_numpy(np.stack(targets).astype(np.float32))[:, None].to(device)
        repaired = tuned(coarse_batch(truth, hole, radius, net.config.coarse), hole)
        loss = hole_l1(repaired, truth, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        job.update(step + 1, steps, f"learning from this photo {step + 1}/{steps}", metrics={"l1": loss.item()})
    return tuned.eval()
