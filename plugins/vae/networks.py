"""A convolutional VAE (Kingma & Welling 2014) with a spatial latent and a configurable beta (Higgins et al. 2017).

The latent is a small feature map, not a vector, so the network is fully
convolutional: it encodes and decodes photos of any size (multiples of 4; the
callers pad), and large photos can be processed in tiles. No normalisation
layer depends on the image, so a tile's output does not depend on its neighbours'.

Shapes for the default ``widths=(32, 64, 128), latent_channels=8``::

    photo (B, 3, H, W) -> (B, 32, H, W) -> (B, 64, H/2, W/2) -> (B, 128, H/4, W/4)
        -> mean, log-variance (B, 8, H/4, W/4)
    latent (B, 8, H/4, W/4) -> (B, 128, H/4, W/4) -> (B, 64, H/2, W/2) -> (B, 32, H, W) -> (B, 3, H, W)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from restorer.networks import check_bounds


@dataclass(frozen=True)
class VAEConfig:
    """Architecture and objective. ``decoder_std`` is the Gaussian decoder's fixed noise (images in [-1, 1])."""

    channels: int = 3
    widths: tuple[int, ...] = (32, 64, 128)
    latent_channels: int = 8
    beta: float = 1.0
    decoder_std: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.widths, list):
            object.__setattr__(self, "widths", tuple(self.widths))
        # Generous bounds (the starter: widths 16..64, 8 latent channels), so a file cannot ask for gigabytes.
        check_bounds(self, {"channels": (1, 4), "widths": (1, 512), "latent_channels": (1, 256)},
                     lengths={"widths": (2, 6)})  # two entries at least: one downsampling
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (self.beta, self.decoder_std)):
            raise ValueError(f"beta and decoder_std must be numbers, got {self.beta!r} and {self.decoder_std!r}")
        if self.beta < 0 or self.decoder_std <= 0:
            raise ValueError("beta must be >= 0 and decoder_std > 0")

    @property
    def factor(self) -> int:
        """How much smaller the latent map is than the image, per side."""
        return 2 ** (len(self.widths) - 1)


class ResBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection; keeps shape."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.SiLU(), nn.Conv2d(channels, channels, 3, 1, 1),
                                  nn.SiLU(), nn.Conv2d(channels, channels, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x + body(x)``."""
        return x + self.body(x)


class Encoder(nn.Module):
    """Image -> (mean, log-variance) of the latent map."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        w = config.widths
        layers: list[nn.Module] = [nn.Conv2d(config.channels, w[0], 3, 1, 1)]
        for in_ch, out_ch in zip(w, w[1:]):
            layers += [nn.SiLU(), nn.Conv2d(in_ch, out_ch, 4, 2, 1), ResBlock(out_ch)]
        layers += [nn.SiLU(), nn.Conv2d(w[-1], 2 * config.latent_channels, 3, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mean, logvar)``, each ``(B, latent_channels, H/f, W/f)``."""
        mean, logvar = self.net(images).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    """Latent map -> image (unbounded; the mean of the Gaussian decoder, clamped by callers)."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        w = config.widths[::-1]
        layers: list[nn.Module] = [nn.Conv2d(config.latent_channels, w[0], 3, 1, 1), ResBlock(w[0])]
        for in_ch, out_ch in zip(w, w[1:]):
            # resize-convolution: no checkerboard pattern
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_ch, out_ch, 3, 1, 1), nn.SiLU()]
        layers += [nn.Conv2d(w[-1], config.channels, 3, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        """``(B, channels, H, W)``."""
        return self.net(latent)


class VAE(nn.Module):
    """Encoder + decoder; :meth:`forward` samples the latent with the reparameterisation trick."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    def forward(self, images: torch.Tensor, *, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(reconstruction, mean, logvar)`` with one latent sample per image."""
        mean, logvar = self.encoder(images)
        eps = torch.randn(mean.shape, generator=generator, device="cpu").to(mean.device)
        latent = mean + eps * torch.exp(0.5 * logvar)
        return self.decoder(latent), mean, logvar

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Decode the latent mean: the deterministic projection of ``images`` onto what the model learned."""
        mean, _ = self.encoder(images)
        return self.decoder(mean)


def build_vae(*, config: VAEConfig | None = None) -> VAE:
    """A fresh VAE."""
    return VAE(config or VAEConfig())


def vae_loss(images: torch.Tensor, reconstruction: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor,
             config: VAEConfig) -> tuple[torch.Tensor, dict[str, float]]:
    """Negative ELBO with a beta-weighted KL, per pixel: ``NLL + beta * KL``, averaged over the batch.

    The NLL is that of a Gaussian decoder with fixed ``decoder_std`` (constants dropped).
    Dividing by the pixel count changes no optimum; it keeps the scale independent of crop size.
    """
    pixels = images[0].numel()
    nll = ((images - reconstruction) ** 2).flatten(1).sum(1) / (2 * config.decoder_std ** 2)
    kl = 0.5 * (mean ** 2 + logvar.exp() - 1 - logvar).flatten(1).sum(1)
    loss = (nll + config.beta * kl).mean() / pixels
    return loss, {"loss": float(loss.detach()), "nll": float(nll.mean().detach()) / pixels,
                  "kl": float(kl.mean().detach()) / pixels}
