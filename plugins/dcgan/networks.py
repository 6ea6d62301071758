"""DCGAN networks (Radford et al. 2016): a generator from noise to a small image, and its discriminator.

Shapes for ``image_size=64, width=64`` (the classic configuration)::

    noise (B, 100) -> 4x4x512 -> 8x8x256 -> 16x16x128 -> 32x32x64 -> 64x64x3 (tanh)
    image (B, 3, 64, 64) -> 32x32x64 -> 16x16x128 -> 8x8x256 -> 4x4x512 -> one logit per image

``image_size=32`` drops one stage at each end. BatchNorm sits between each
convolution and its activation (never after the activation), the first
discriminator layer has no BatchNorm, and the discriminator ends in a single
1-channel convolution so it outputs one logit per image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from restorer.networks import check_bounds

Upsample = Literal["transpose", "resize"]
Loss = Literal["bce", "hinge"]


@dataclass(frozen=True)
class DCGANConfig:
    """Architecture of a DCGAN pair. Stored in the weights' metadata so a file rebuilds its own networks."""

    latent_dim: int = 100
    image_size: int = 64  # 32 or 64 (any power of two >= 16 works)
    channels: int = 3
    width: int = 64  # filters of the last generator / first discriminator stage
    upsample: Upsample = "transpose"  # "resize": nearest upsample + 3x3 conv, no checkerboard artifacts
    loss: Loss = "bce"  # "bce": non-saturating BCE-with-logits; "hinge": hinge loss + spectral norm in D

    def __post_init__(self) -> None:
        # Generous bounds (the starter: 32 px, width 32), so a file cannot ask for gigabytes.
        check_bounds(self, {"latent_dim": (1, 1024), "image_size": (16, 128), "channels": (1, 4), "width": (1, 128)})
        stages = math.log2(self.image_size)
        if stages != int(stages):
            raise ValueError(f"image_size must be a power of two from 16 to 128, got {self.image_size}")
        if self.upsample not in ("transpose", "resize"):
            raise ValueError(f"upsample must be 'transpose' or 'resize', got {self.upsample!r}")
        if self.loss not in ("bce", "hinge"):
            raise ValueError(f"loss must be 'bce' or 'hinge', got {self.loss!r}")

    @property
    def stages(self) -> int:
        """Number of 2x resolution steps between 4x4 and ``image_size``."""
        return int(math.log2(self.image_size)) - 2


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _up(in_ch: int, out_ch: int, mode: Upsample, *, bias: bool = False) -> nn.Module:
    """Double the resolution: a strided transposed conv, or resize-convolution (Odena et al. 2016)."""
    if mode == "transpose":
        return nn.ConvTranspose2d(in_ch, out_ch, 4, 2, 1, bias=bias)
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_ch, out_ch, 3, 1, 1, bias=bias))


class Generator(nn.Module):
    """Noise ``(B, latent_dim)`` -> image ``(B, channels, image_size, image_size)`` in [-1, 1]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        widths = [config.width * 2 ** i for i in reversed(range(config.stages))]  # e.g. 512, 256, 128, 64
        layers: list[nn.Module] = [
            # 1x1 -> 4x4: a dense projection written as a transposed conv, as in the paper
            nn.ConvTranspose2d(config.latent_dim, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for in_ch, out_ch in zip(widths, widths[1:]):
            layers += [_up(in_ch, out_ch, config.upsample), nn.BatchNorm2d(out_ch), nn.ReLU(True)]
        # no BatchNorm before the output: the tanh sees the conv directly, with a bias
        layers += [_up(widths[-1], config.channels, config.upsample, bias=True), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Map noise to images."""
        return self.net(noise[:, :, None, None])


class Discriminator(nn.Module):
    """Image ``(B, channels, S, S)`` -> one realism logit per image ``(B,)``."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        spectral = config.loss == "hinge"
        wrap = nn.utils.parametrizations.spectral_norm if spectral else (lambda m: m)
        widths = [config.width * 2 ** i for i in range(config.stages)]  # e.g. 64, 128, 256, 512
        layers: list[nn.Module] = [wrap(nn.Conv2d(config.channels, widths[0], 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        for in_ch, out_ch in zip(widths, widths[1:]):
            layers.append(wrap(nn.Conv2d(in_ch, out_ch, 4, 2, 1, bias=spectral)))
            if not spectral:  # spectral norm already bounds D; BatchNorm would fight it
                layers.append(nn.BatchNorm2d(out_ch))
            layers.append(nn.LeakyReLU(0.2, True))
        layers.append(wrap(nn.Conv2d(widths[-1], 1, 4, 1, 0)))  # 4x4 -> 1x1: the final 1-channel layer
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Realism logits, one per image."""
        return self.net(images).flatten()


def build_dcgan(*, config: DCGANConfig | None = None) -> tuple[Generator, Discriminator]:
    """A fresh, initialised generator and discriminator."""
    config = config or DCGANConfig()
    return Generator(config), Discriminator(config)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, kind: Loss) -> torch.Tensor:
    """D's loss: BCE-with-logits (real -> 1, fake -> 0), or the hinge loss."""
    if kind == "hinge":
        return torch.relu(1 - real_logits).mean() + torch.relu(1 + fake_logits).mean()
    # softplus(-x) = BCE(sigmoid(x), 1); softplus(x) = BCE(sigmoid(x), 0): stable, sigmoid included
    return nn.functional.softplus(-real_logits).mean() + nn.functional.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, kind: Loss) -> torch.Tensor:
    """G's loss: non-saturating BCE (maximise log D(G(z))), or the hinge generator loss."""
    if kind == "hinge":
        return -fake_logits.mean()
    return nn.functional.softplus(-fake_logits).mean()


def sample_noise(count: int, latent_dim: int, *, seed: int, truncation: float = 0.0,
                 device: str | torch.device = "cpu") -> torch.Tensor:
    """Standard normal noise from a seeded generator; with ``truncation > 0`` values beyond it are redrawn.

    Drawn on the CPU so a seed gives the same noise on every device.
    """
    gen = torch.Generator().manual_seed(seed)
    noise = torch.randn(count, latent_dim, generator=gen)
    if truncation > 0:
        for _ in range(100):  # each pass redraws ~ P(|z| > t) of the values; converges fast
            outside = noise.abs() > truncation
            if not outside.any():
                break
            noise[outside] = torch.randn(int(outside.sum()), generator=gen)
        noise.clamp_(-truncation, truncation)
    return noise.to(device)


def slerp(start: torch.Tensor, end: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points on the great circle from ``start`` to ``end`` (White 2016): stays where the noise is typical."""
    t = torch.linspace(0, 1, steps, device=start.device)[:, None]
    a, b = start / start.norm(), end / end.norm()
    omega = torch.arccos((a * b).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:
        return (1 - t) * start + t * end
    return (torch.sin((1 - t) * omega) * start + torch.sin(t * omega) * end) / torch.sin(omega)
