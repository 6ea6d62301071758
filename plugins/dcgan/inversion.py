"""Inpainting by GAN inversion (Yeh et al. 2017, "Semantic image inpainting with deep generative models").

Search for the noise whose generated image matches the known pixels (weighted
towards those next to the hole) while the discriminator still finds it real,
then blend the generated content into the hole with Poisson blending so its
colours meet the photo's at the hole's edge.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from restorer_plugins.dcgan.networks import Discriminator, Generator, sample_noise


def context_weights(known: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Weight of each known pixel: the fraction of hole pixels in a window around it (0 inside the hole).

    Known pixels far from the hole say little about what fills it (Yeh et al., eq. 2).
    """
    hole = 1.0 - known
    kernel = torch.ones(1, 1, window, window, device=known.device) / window ** 2
    near_hole = nn.functional.conv2d(hole, kernel, padding=window // 2)
    return known * near_hole


def invert(generator: Generator, discriminator: Discriminator, target: torch.Tensor, known: torch.Tensor, *,
           steps: int, candidates: int, realism: float, seed: int,
           progress: Callable[[int, int], None] | None = None) -> tuple[torch.Tensor, float]:
    """Optimise ``candidates`` noises in parallel; return the best generated image ``(1, C, S, S)`` and its loss.

    ``target``: ``(1, C, S, S)`` in [-1, 1]; ``known``: ``(1, 1, S, S)``, 1 where the pixel is known.
    """
    weights = context_weights(known)
    if float(weights.sum()) == 0.0:  # no known pixel touches the hole: match all known pixels instead
        weights = known
    weights = weights / weights.sum().clamp_min(1e-8)
    noise = sample_noise(candidates, generator.config.latent_dim, seed=seed,
                         device=target.device).requires_grad_(True)
    optimizer = torch.optim.Adam([noise], lr=0.03)
    for p in list(generator.parameters()) + list(discriminator.parameters()):
        p.requires_grad_(False)
    try:
        for step in range(steps):
            images = generator(noise)
            context = ((images - target).abs() * weights).sum(dim=(1, 2, 3))  # per candidate
            prior = nn.functional.softplus(-discriminator(images))  # -log D(G(z)), non-saturating
            loss = context + realism * prior
            optimizer.zero_grad(set_to_none=True)
            loss.sum().backward()
            optimizer.step()
            with torch.no_grad():
                noise.clamp_(-3.0, 3.0)  # stay where the training noise lived
            if progress is not None and (step % 10 == 0 or step == steps - 1):
                progress(step + 1, steps)
        with torch.no_grad():
            images = generator(noise)
            context = ((images - target).abs() * weights).sum(dim=(1, 2, 3))
            loss = context + realism * nn.functional.softplus(-discriminator(images))
            best = int(torch.argmin(loss))
    finally:
        for p in list(generator.parameters()) + list(discriminator.parameters()):
            p.requires_grad_(True)
    return images[best:best + 1].detach(), float(loss[best])


def poisson_blend(photo: np.ndarray, source: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Pixels of ``source`` inside ``hole`` with their gradients kept and their edge matched to ``photo``.

    Solves the Poisson equation over the hole pixels (Pérez et al. 2003) with the
    photo as boundary condition; image borders are treated as free (Neumann).
    All arrays share one (H, W); images are float (H, W, C).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    height, width = hole.shape
    ys, xs = np.nonzero(hole)
    if len(ys) == 0:
        return photo.copy()
    index = -np.ones((height, width), dtype=np.int64)
    index[ys, xs] = np.arange(len(ys))
    rows, cols, vals = [], [], []
    diag = np.zeros(len(ys))
    rhs = np.zeros((len(ys), photo.shape[2]))
    ids = np.arange(len(ys))
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        diag[inside] += 1
        i, ny_in, nx_in = ids[inside], ny[inside], nx[inside]
        # guidance: the source's own gradient towards this neighbour
        rhs[i] += source[ys[inside], xs[inside]] - source[ny_in, nx_in]
        neighbour = index[ny_in, nx_in]
        in_hole = neighbour >= 0
        rows.append(i[in_hole]); cols.append(neighbour[in_hole]); vals.append(-np.ones(in_hole.sum()))
        rhs[i[~in_hole]] += photo[ny_in[~in_hole], nx_in[~in_hole]]  # boundary: the known photo
    # A tiny pull towards the source keeps the system solvable where a hole touches no known pixel.
    diag += 1e-6
    rhs += 1e-6 * source[ys, xs]
    rows.append(ids); cols.append(ids); vals.append(diag)
    matrix = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(len(ys), len(ys))).tocsc()
    solution = spsolve(matrix, rhs)
    out = photo.astype(np.float64).copy()
    out[ys, xs] = solution.reshape(len(ys), -1)
    return out
