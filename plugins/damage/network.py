"""The damage detector's network: a small U-Net that gives every pixel a damage logit.

Three or four levels (full, 1/2, 1/4 and optionally 1/8 resolution) with skip
connections, plain 3x3 convolutions (oneDNN runs them fastest on a CPU) and
dilated convolutions at the 1/4 level, whose receptive field (about 60 pixels)
sees a scratch's course and a stain's edge. The fourth level (``levels=4``, a
fifth more arithmetic) widens the view to about 200 pixels: enough to tell a
scratch crossing a photo from fine texture that looks like one up close. Scratches are 1-4 pixels wide, so the first and last
blocks work at full resolution. Fully convolutional: large photos are run in
tiles (:func:`restorer.tiling.tiled_apply`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from restorer.tiling import mirror_pad
from restorer.networks import channel_places, check_bounds, widen_conv


@dataclass(frozen=True)
class DetectorConfig:
    """Architecture of :class:`DamageNet` (stored with the weights)."""

    width: int = 8
    dilations: tuple[int, ...] = (1, 2, 4, 8)
    levels: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "dilations", tuple(self.dilations))
        check_bounds(self, {"width": (4, 128), "dilations": (1, 32), "levels": (3, 4)}, {"dilations": (1, 12)})

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "DetectorConfig":
        """The config stored by :meth:`to_json` (unknown keys refused; weights from before ``levels``
        existed have three)."""
        return cls(**{"levels": 3, **data})


class _Conv(nn.Sequential):
    """3x3 convolution and LeakyReLU, mirror-padded (:func:`~restorer.tiling.mirror_pad`: a map smaller
    than the padding, as a small training crop's coarsest level, repeats its edge instead)."""

    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 1):
        super().__init__(nn.Conv2d(cin, cout, 3, stride, dilation=dilation), nn.LeakyReLU(0.1, inplace=True))
        self.amount = dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return super().forward(mirror_pad(x, self.amount))


class DamageNet(nn.Module):
    """``(B, 3, H, W)`` photos in [0, 1] -> ``(B, 1, H, W)`` damage logits; H and W multiples of
    :attr:`multiple` (4, or 8 with four levels)."""

    def __init__(self, config: DetectorConfig | None = None):
        super().__init__()
        self.config = config or DetectorConfig()
        w = self.config.width
        self.enc0 = nn.Sequential(_Conv(3, w), _Conv(w, w))
        self.enc1 = nn.Sequential(_Conv(w, 2 * w, stride=2), _Conv(2 * w, 2 * w))
        self.enc2 = nn.Sequential(_Conv(2 * w, 4 * w, stride=2),
                                  *[_Conv(4 * w, 4 * w, dilation=d) for d in self.config.dilations])
        if self.config.levels == 4:
            self.enc3 = nn.Sequential(_Conv(4 * w, 4 * w, stride=2), _Conv(4 * w, 4 * w, dilation=2),
                                      _Conv(4 * w, 4 * w, dilation=4))
            self.dec2 = _Conv(8 * w, 4 * w)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec1 = _Conv(6 * w, 2 * w)
        self.dec0 = _Conv(3 * w, w)
        self.head = nn.Conv2d(w, 1, 1)

    @property
    def multiple(self) -> int:
        """Photo sides must be multiples of this (one halving per level below full resolution)."""
        return 2 ** (self.config.levels - 1)

    def forward(self, photos: torch.Tensor) -> torch.Tensor:  # noqa: D102
        x0 = self.enc0(photos * 2 - 1)
        x1 = self.enc1(x0)
        x2 = self.enc2(x1)
        if self.config.levels == 4:
            x2 = self.dec2(torch.cat([self.up(self.enc3(x2)), x2], 1))
        y1 = self.dec1(torch.cat([self.up(x2), x1], 1))
        y0 = self.dec0(torch.cat([self.up(y1), x0], 1))
        return self.head(y0)


def _channel_groups(config: DetectorConfig) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Each convolution's input and output channels as groups, each a multiple of the width (0 stands
    for the photo's 3 channels, -1 for the head's one logit), in the order :meth:`DamageNet.forward`
    concatenates them."""
    groups = {"enc0.0": ((0,), (1,)), "enc0.1": ((1,), (1,)), "enc1.0": ((1,), (2,)), "enc1.1": ((2,), (2,)),
              "enc2.0": ((2,), (4,))}
    groups.update({f"enc2.{i + 1}": ((4,), (4,)) for i in range(len(config.dilations))})
    if config.levels == 4:
        groups.update({f"enc3.{i}": ((4,), (4,)) for i in range(3)})
        groups["dec2"] = ((4, 4), (4,))
    groups.update({"dec1": ((4, 2), (2,)), "dec0": ((2, 1), (1,)), "head": ((1,), (-1,))})
    return groups


def _places(groups: tuple[int, ...], old: int, new: int) -> list[int]:
    """Where the narrow network's channels sit among the wide one's (each group keeps its first channels)."""
    sizes = [(3, 3) if k == 0 else (1, 1) if k < 0 else (k * old, k * new) for k in groups]
    return channel_places([narrow for narrow, _ in sizes], [wide for _, wide in sizes])


@torch.no_grad()
def widened(net: DamageNet, width: int, *, scale: float = 0.1, seed: int = 0) -> DamageNet:
    """A copy of ``net`` with ``width`` channels per level instead of its own, that computes the same
    logits (Net2Net's function-preserving widening, Chen et al. 2016): the new channels start as the
    usual random filters scaled by ``scale``, and every old channel and the head receive them with
    weight zero, so training from here starts at ``net``'s accuracy and grows into the new channels.
    Seeded on its own; the global random state is left as it was."""
    old = net.config.width
    if width < old:
        raise ValueError(f"widening needs at least the network's own width ({old}), got {width}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        wide = DamageNet(DetectorConfig(width=width, dilations=net.config.dilations, levels=net.config.levels))
    for name, (inputs, outputs) in _channel_groups(net.config).items():
        conv, narrow = (m if isinstance(m, nn.Conv2d) else m[0] for m in (wide.get_submodule(name),
                                                                            net.get_submodule(name)))
        widen_conv(conv, narrow, _places(outputs, old, width), _places(inputs, old, width), scale)
    return wide
