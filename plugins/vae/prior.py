"""A latent prior fitted after training (ex-post density estimation, Ghosh et al. 2020).

A VAE's aggregate posterior (the latents of the photos it was trained on) does
not fill N(0, I): decoded N(0, I) draws land in the prior's "holes" and look
like no photo. Ghosh et al. fit a density (a Gaussian mixture) to the encoded
training set instead and sample from that. Our latent is a feature map, not a
vector, so each mixture component is a stationary Gaussian field: a mean per
latent channel and the cross-covariance of the channels at every offset up to
``radius`` latent pixels, the same everywhere in the map. That is a
full-covariance Gaussian over a latent map of any size, so ``vae-sample`` can
draw maps of any size from it. The components come from k-means on the maps'
mean latents (one field fitted per cluster, weighted by its share): a one-step,
hard-assignment fit of the mixture.

Sampling is exact on a torus large enough that no offset within the map wraps:
white noise is coloured in the Fourier domain by a square root of the
cross-spectral density (circulant embedding), then cropped.

Shapes (K components, C channels, R radius): ``weights (K,)``, ``mean (K, C)``,
``autocovariance (K, 2R+1, 2R+1, C, C)`` with ``[k, R + dy, R + dx]`` =
``E[(z(p) - mean) (z(p + (dy, dx)) - mean)^T]`` in component ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: Keys of the prior's tensors in a VAE weights file (next to the network's own).
PREFIX = "prior."


def _autocovariance(centred: torch.Tensor, radius: int) -> torch.Tensor:
    """``(2R+1, 2R+1, C, C)`` cross-covariances of zero-mean maps ``(N, C, h, w)`` (float64).

    Each offset sums every pair of positions that far apart inside a map and divides by
    the positions of the whole map (the "biased" estimator: its spectrum is never
    negative, so the fitted field is a valid Gaussian).
    """
    n, c, h, w = centred.shape
    size = 2 * radius + 1
    out = torch.zeros(size, size, c, c, dtype=torch.float64)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            a = centred[:, :, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            b = centred[:, :, max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)]
            out[radius + dy, radius + dx] = torch.einsum("nihw,njhw->ij", a, b) / (n * h * w)
    return out


def _spectral_root(autocovariance: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """A square root ``S`` (``S S^H = F`` per frequency) of the cross-spectral density ``F`` of one
    field on a ``height x width`` torus: ``(height, width, C, C)`` complex. Negative eigenvalues
    (rounding) are clipped to 0."""
    size, _, c, _ = autocovariance.shape
    r = (size - 1) // 2
    kernel = torch.zeros(height, width, c, c, dtype=torch.float64)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            kernel[dy % height, dx % width] = autocovariance[r + dy, r + dx].double()
    density = torch.fft.fft2(kernel, dim=(0, 1))  # Hermitian per frequency
    density = 0.5 * (density + density.conj().transpose(-1, -2))
    values, vectors = torch.linalg.eigh(density)
    return (vectors * values.clamp(min=0).sqrt()[..., None, :]) @ vectors.conj().transpose(-1, -2)


@dataclass(frozen=True)
class LatentPrior:
    """A mixture of stationary Gaussian fields over latent maps; see the module docstring for the shapes."""

    weights: torch.Tensor
    mean: torch.Tensor
    autocovariance: torch.Tensor

    @property
    def components(self) -> int:
        """Mixture components."""
        return self.weights.shape[0]

    @property
    def radius(self) -> int:
        """The largest offset (latent pixels) with a non-zero covariance."""
        return (self.autocovariance.shape[1] - 1) // 2

    @property
    def channels(self) -> int:
        """Latent channels."""
        return self.mean.shape[1]

    def sample(self, count: int, height: int, width: int, *, generator: torch.Generator | None = None,
               temperature: float = 1.0) -> torch.Tensor:
        """``count`` latent maps ``(count, C, height, width)``, each from one component drawn by weight;
        ``temperature`` scales the deviation from the component's mean. Same generator state, same maps."""
        r = self.radius
        torus_h, torus_w = height + r + 1, width + r + 1  # no offset up to r wraps inside the crop
        which = torch.multinomial(self.weights.double(), count, replacement=True, generator=generator)
        noise = torch.randn(count, torus_h, torus_w, self.channels, generator=generator, dtype=torch.float64)
        spectrum = torch.fft.fft2(noise.to(torch.complex128), dim=(1, 2))
        coloured = torch.empty_like(spectrum)
        for k in which.unique().tolist():
            chosen = which == k
            root = _spectral_root(self.autocovariance[k], torus_h, torus_w)
            coloured[chosen] = torch.einsum("hwij,nhwj->nhwi", root, spectrum[chosen])
        field = torch.fft.ifft2(coloured, dim=(1, 2)).real[:, :height, :width]  # (n, h, w, C)
        latent = self.mean.double()[which][:, None, None, :] + temperature * field
        return latent.permute(0, 3, 1, 2).float().contiguous()

    def to_tensors(self) -> dict[str, torch.Tensor]:
        """The prior as weights-file tensors (keys start with :data:`PREFIX`)."""
        return {f"{PREFIX}{name}": getattr(self, name).float().contiguous()
                for name in ("weights", "mean", "autocovariance")}

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor]) -> LatentPrior | None:
        """The prior stored in a weights file, or ``None`` when it holds none."""
        if f"{PREFIX}mean" not in tensors:
            return None
        weights, mean, cov = (tensors[f"{PREFIX}{name}"] for name in ("weights", "mean", "autocovariance"))
        k, c = mean.shape if mean.ndim == 2 else (0, 0)
        if (weights.shape != (k,) or cov.ndim != 5 or cov.shape[0] != k or cov.shape[3:] != (c, c)
                or cov.shape[1] != cov.shape[2] or cov.shape[1] % 2 != 1):
            raise ValueError(f"malformed latent prior: weights {tuple(weights.shape)}, mean {tuple(mean.shape)}, "
                             f"autocovariance {tuple(cov.shape)}")
        return cls(weights.float(), mean.float(), cov.float())


def kmeans(points: torch.Tensor, k: int, *, generator: torch.Generator, iterations: int = 100) -> torch.Tensor:
    """Cluster labels ``(N,)`` of ``points (N, D)``: k-means++ seeding, then Lloyd's iterations."""
    points = points.double()
    centres = points[torch.randint(len(points), (1,), generator=generator)]
    for _ in range(1, k):
        nearest = torch.cdist(points, centres).min(1).values ** 2
        centres = torch.cat([centres, points[torch.multinomial(nearest + 1e-12, 1, generator=generator)]])
    labels = torch.cdist(points, centres).argmin(1)
    for _ in range(iterations):
        centres = torch.stack([points[labels == j].mean(0) if bool((labels == j).any()) else centres[j]
                               for j in range(k)])
        new = torch.cdist(points, centres).argmin(1)
        if torch.equal(new, labels):
            break
        labels = new
    return labels


def fit_latent_prior(latents: torch.Tensor, radius: int, components: int = 1, *, seed: int = 0) -> LatentPrior:
    """Fit a :class:`LatentPrior` to latent maps ``(N, C, h, w)`` (the posterior means of training crops).

    With ``components > 1`` the maps are clustered by k-means on their mean latent and one
    field is fitted per cluster (clusters of fewer than two maps are dropped).
    """
    n, c, h, w = latents.shape
    if h <= radius or w <= radius:
        raise ValueError(f"latent maps of {h}x{w} are too small for a radius of {radius}")
    latents = latents.double()
    labels = (kmeans(latents.mean(dim=(2, 3)), components, generator=torch.Generator().manual_seed(seed))
              if components > 1 else torch.zeros(n, dtype=torch.long))
    weights, means, covariances = [], [], []
    for k in range(components):
        members = latents[labels == k]
        if len(members) < 2:
            continue
        mean = members.mean(dim=(0, 2, 3))
        weights.append(len(members) / n)
        means.append(mean)
        covariances.append(_autocovariance(members - mean[None, :, None, None], radius))
    weights_t = torch.tensor(weights, dtype=torch.float64)
    return LatentPrior((weights_t / weights_t.sum()).float(), torch.stack(means).float(),
                       torch.stack(covariances).float())
