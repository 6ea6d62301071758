"""CycleGAN networks (Zhu et al. 2017): a ResNet generator and a 70x70 PatchGAN discriminator.

Shapes of the generator (``ngf`` filters, ``blocks`` residual blocks)::

    photo (B, 3, H, W) -> 7x7 conv (B, ngf, H, W) -> stride-2 (B, 2ngf, H/2, W/2) -> (B, 4ngf, H/4, W/4)
        -> blocks x residual (B, 4ngf, H/4, W/4) -> up (B, 2ngf, H/2, W/2) -> (B, ngf, H, W)
        -> 7x7 conv + tanh (B, 3, H, W)   (residual: tanh(atanh(photo) + 7x7 conv))

H and W must be multiples of 4 (callers reflect-pad). The discriminator maps
``(B, 3, H, W)`` to a map of realism scores, one per overlapping 70x70 patch.

Instance normalisation normalises each image by its own statistics, so a tile
of a large photo would be normalised differently from the whole photo. The
generator's :class:`InstanceNorm` layers can therefore record statistics on one
pass (the whole photo, or a downscaled copy) and reuse them while tiles are
processed: see :func:`shared_statistics`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Literal

import torch
from torch import nn

from restorer.networks import check_bounds

Upsample = Literal["transpose", "resize"]


@dataclass(frozen=True)
class CycleGANConfig:
    """Architecture of the two generators and two discriminators."""

    channels: int = 3
    ngf: int = 64
    ndf: int = 64
    blocks: int = 9  # 9 for 256-px training crops in the paper, 6 for 128 px
    disc_layers: int = 3  # 3 -> the 70x70 PatchGAN
    upsample: Upsample = "transpose"
    #: Learn a change to the photo instead of the photo: ``tanh(atanh(photo) + net(photo))``.
    #: Not in the paper; instance norms drop each image's mean colour, which a plain generator must
    #: re-learn from context, so a short training keeps colours far better with this on.
    residual: bool = False

    def __post_init__(self) -> None:
        # Generous bounds (the starter: ngf 16, 6 blocks), so a file cannot ask for gigabytes.
        check_bounds(self, {"channels": (1, 4), "ngf": (1, 128), "ndf": (1, 128), "blocks": (0, 16),
                            "disc_layers": (1, 6)})
        if not isinstance(self.residual, bool):
            raise ValueError(f"residual must be true or false, got {self.residual!r}")
        if self.upsample not in ("transpose", "resize"):
            raise ValueError(f"upsample must be 'transpose' or 'resize', got {self.upsample!r}")


class InstanceNorm(nn.Module):
    """Instance normalisation without learned scale (as in CycleGAN) that can record or reuse its statistics.

    ``mode``: ``"own"`` (normalise each image by itself), ``"record"`` (same, and keep
    the statistics), ``"shared"`` (use the kept statistics: for tiles of one photo).
    """

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.mode = "own"
        self.kept: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise each channel of each image."""
        if self.mode == "shared":
            if self.kept is None:
                raise RuntimeError("shared statistics were not recorded")
            mean, var = self.kept
        else:
            var, mean = torch.var_mean(x, dim=(2, 3), keepdim=True, unbiased=False)
            if self.mode == "record":
                self.kept = (mean.detach(), var.detach())
        return (x - mean) * torch.rsqrt(var + self.eps)


def _norm_act(channels: int) -> list[nn.Module]:
    return [InstanceNorm(channels), nn.ReLU(True)]


class ResidualBlock(nn.Module):
    """Reflection-padded 3x3 conv, norm, ReLU, 3x3 conv, norm, plus the input."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), *_norm_act(channels),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), InstanceNorm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x + body(x)``."""
        return x + self.body(x)


def _up(in_ch: int, out_ch: int, mode: Upsample) -> nn.Module:
    if mode == "transpose":
        return nn.ConvTranspose2d(in_ch, out_ch, 3, 2, padding=1, output_padding=1)
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                         nn.Conv2d(in_ch, out_ch, 3))


class ResnetGenerator(nn.Module):
    """Photo -> photo in the other style, same size (multiples of 4), values in [-1, 1]."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        c, f = config.channels, config.ngf
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(c, f, 7), *_norm_act(f)]
        layers += [nn.Conv2d(f, 2 * f, 3, 2, 1), *_norm_act(2 * f)]
        layers += [nn.Conv2d(2 * f, 4 * f, 3, 2, 1), *_norm_act(4 * f)]
        layers += [ResidualBlock(4 * f) for _ in range(config.blocks)]
        layers += [_up(4 * f, 2 * f, config.upsample), *_norm_act(2 * f)]
        layers += [_up(2 * f, f, config.upsample), *_norm_act(f)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, c, 7)]
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, photo: torch.Tensor) -> torch.Tensor:
        """The translated photo."""
        change = self.net(photo)
        if self.config.residual:
            return torch.tanh(torch.atanh(photo.clamp(-0.995, 0.995)) + change)
        return torch.tanh(change)


class PatchDiscriminator(nn.Module):
    """Photo -> realism score per overlapping patch (70x70 for ``disc_layers=3``); LSGAN targets 1 / 0."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        f = config.ndf
        layers: list[nn.Module] = [nn.Conv2d(config.channels, f, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        width = f
        for i in range(1, config.disc_layers + 1):
            out = f * min(2 ** i, 8)
            stride = 2 if i < config.disc_layers else 1
            layers += [nn.Conv2d(width, out, 4, stride, 1), nn.InstanceNorm2d(out), nn.LeakyReLU(0.2, True)]
            width = out
        layers.append(nn.Conv2d(width, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        self.apply(init_weights)

    def forward(self, photo: torch.Tensor) -> torch.Tensor:
        """``(B, 1, h, w)`` patch scores."""
        return self.net(photo)


def init_weights(module: nn.Module) -> None:
    """CycleGAN's initialisation: conv weights ~ N(0, 0.02), zero biases."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def build_cyclegan(*, config: CycleGANConfig | None = None) -> dict[str, nn.Module]:
    """Fresh networks: ``a_to_b``, ``b_to_a`` (generators), ``disc_a``, ``disc_b``."""
    config = config or CycleGANConfig()
    return {"a_to_b": ResnetGenerator(config), "b_to_a": ResnetGenerator(config),
            "disc_a": PatchDiscriminator(config), "disc_b": PatchDiscriminator(config)}


@contextmanager
def shared_statistics(generator: ResnetGenerator, reference: torch.Tensor) -> Iterator[None]:
    """Within the block, every instance norm of ``generator`` uses the statistics of ``reference``.

    ``reference`` is the whole photo ``(1, C, H, W)`` (or a downscaled copy of it);
    tiles of the photo are then normalised as the whole photo would be.
    """
    norms = [m for m in generator.modules() if isinstance(m, InstanceNorm)]
    try:
        for norm in norms:
            norm.mode = "record"
        with torch.no_grad():
            generator(reference)
        for norm in norms:
            norm.mode = "shared"
        yield
    finally:
        for norm in norms:
            norm.mode = "own"
            norm.kept = None


def lsgan_loss(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss (Mao et al. 2017): mean squared distance of the scores to 1 (real) or 0 (fake)."""
    return ((scores - (1.0 if real else 0.0)) ** 2).mean()
