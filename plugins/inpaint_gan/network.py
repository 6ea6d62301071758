"""The inpaint-gan networks: a refinement generator on top of classical fills, and a PatchGAN critic.

The generator is coarse-to-fine, as DeepFill's two stages, with the coarse
stage classical and free: it sees OpenCV's fill (Telea's, sharp near the
hole's edge, or its mean with the Navier-Stokes fill: ``GeneratorConfig.coarse``),
a push-pull pyramid fill (smooth, reaches the centre of wide holes) and
the mask, and predicts a correction inside the hole. Its blocks follow MI-GAN
for CPU speed (depthwise-separable convolutions, nearest upsampling, no
normalization) with a LaMa-style Fourier unit in the bottleneck, whose
receptive field is the whole image.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from restorer.tiling import mirror_pad
from restorer.networks import channel_places, check_bounds, widen_conv
from restorer_plugins.inpaint_gan.fills import COARSE_FILLS

# -- helpers --------------------------------------------------------------------------------


def push_pull_fill(image: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Fill unknown pixels with a smooth average of the known ones, from coarse to fine.

    ``image`` ``(B, C, H, W)``, ``known`` ``(B, 1, H, W)`` with 1 = known pixel.
    Each level halves the resolution until nothing is unknown (or 1 pixel is
    left); going back up, a pixel keeps its known average and takes the rest
    from the coarser level. Cheap, differentiable, no parameters.
    """
    nums, dens = [image * known], [known]
    while min(nums[-1].shape[-2:]) > 1 and bool((dens[-1] <= 0).any()):
        nums.append(F.avg_pool2d(nums[-1], 2, ceil_mode=True))
        dens.append(F.avg_pool2d(dens[-1], 2, ceil_mode=True))
    num, den = nums[-1], dens[-1]
    # Anything still unknown at the top takes the mean of the known pixels.
    mean = (image * known).sum((2, 3), keepdim=True) / known.sum((2, 3), keepdim=True).clamp_min(1e-6)
    fill = torch.where(den > 0, num / den.clamp_min(1e-6), mean)
    for num, den in zip(reversed(nums[:-1]), reversed(dens[:-1])):
        up = F.interpolate(fill, size=num.shape[-2:], mode="bilinear", align_corners=False)
        # A cell known in a fraction ``den`` keeps that share of its known average (``num``) and
        # takes the rest from the coarser level.
        fill = num + (1 - den) * up
    return fill


# -- blocks ---------------------------------------------------------------------------------


class SeparableBlock(nn.Module):
    """Residual depthwise-separable block: depthwise 3x3 (dilated) -> pointwise expand -> act -> pointwise."""

    def __init__(self, channels: int, dilation: int = 1, expand: int = 2):
        super().__init__()
        self.dilation = dilation
        self.depthwise = nn.Conv2d(channels, channels, 3, dilation=dilation, groups=channels)
        self.expand = nn.Conv2d(channels, channels * expand, 1)
        self.project = nn.Conv2d(channels * expand, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.project(F.leaky_relu(self.expand(self.depthwise(mirror_pad(x, self.dilation))), 0.2))


class FourierUnit(nn.Module):
    """LaMa's spectral transform: a 1x1 convolution on the 2D Fourier coefficients (global receptive field)."""

    def __init__(self, channels: int):
        super().__init__()
        self.spectral = nn.Conv2d(channels * 2, channels * 2, 1)
        self.mix = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        with torch.autocast(x.device.type, enabled=False):  # FFTs take float32 only (and need its range)
            spectrum = torch.fft.rfft2(x.float(), norm="ortho")  # (B, C, H, W//2+1) complex
            stacked = torch.cat([spectrum.real, spectrum.imag], 1)
            stacked = F.leaky_relu(self.spectral(stacked), 0.2)
            real, imag = stacked.chunk(2, 1)
            back = torch.fft.irfft2(torch.complex(real, imag), s=(height, width), norm="ortho")
        return x + self.mix(back.to(x.dtype))


class Down(nn.Module):
    """Halve the resolution (strided 3x3) then refine."""

    def __init__(self, cin: int, cout: int, blocks: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1)
        self.blocks = nn.Sequential(*[SeparableBlock(cout) for _ in range(blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(F.leaky_relu(self.conv(x), 0.2))


class Up(nn.Module):
    """Double the resolution (nearest), merge the skip connection (1x1), refine."""

    def __init__(self, cin: int, cskip: int, cout: int, blocks: int = 1):
        super().__init__()
        self.merge = nn.Conv2d(cin + cskip, cout, 1)
        self.blocks = nn.Sequential(*[SeparableBlock(cout) for _ in range(blocks)])

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
        return self.blocks(F.leaky_relu(self.merge(torch.cat([x, skip], 1)), 0.2))


# -- the generator --------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorConfig:
    """Architecture of :class:`RefineGenerator` (stored with the weights)."""

    channels: tuple[int, ...] = (16, 32, 64, 128)
    bottleneck_dilations: tuple[int, ...] = (1, 2, 4, 8)
    fourier: bool = True
    #: Refinement blocks at full resolution, after the last skip merge (thin strokes need them most).
    full_res_blocks: int = 0
    #: The classical fill the generator refines (one of ``fills.COARSE_FILLS``), made before it runs.
    coarse: str = "telea"

    def __post_init__(self) -> None:
        for name in ("channels", "bottleneck_dilations"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        # Generous bounds (the starter: 16..128 channels), so a file cannot ask for gigabytes.
        check_bounds(self, {"channels": (1, 512), "bottleneck_dilations": (1, 64), "full_res_blocks": (0, 16)},
                     lengths={"channels": (2, 6), "bottleneck_dilations": (0, 16)})
        if not isinstance(self.fourier, bool):
            raise ValueError(f"fourier must be true or false, got {self.fourier!r}")
        if self.coarse not in COARSE_FILLS:
            raise ValueError(f"coarse must be one of {', '.join(COARSE_FILLS)}, got {self.coarse!r}")

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "GeneratorConfig":
        """Inverse of :meth:`to_json`; ``ValueError``/``KeyError`` for a config out of bounds or incomplete."""
        # Fields added later take their defaults (which behave as weights saved before them did).
        defaults = cls()
        return cls(channels=data["channels"], bottleneck_dilations=data["bottleneck_dilations"],
                   fourier=data["fourier"],
                   full_res_blocks=data.get("full_res_blocks", defaults.full_res_blocks),
                   coarse=data.get("coarse", defaults.coarse))


def _as_tuple(value):
    """A JSON list as a tuple; anything else as it is (for the bounds check to name)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


class RefineGenerator(nn.Module):
    """U-Net that corrects a classical fill inside the hole.

    Input: ``telea`` ``(B, 3, H, W)`` in [0, 1] (the photo with its hole filled by
    the classical fill its config names) and ``hole`` ``(B, 1, H, W)`` (1 = hole). Output: the repaired photo
    ``(B, 3, H, W)``, equal to the input outside the hole.
    """

    def __init__(self, config: GeneratorConfig = GeneratorConfig()):
        super().__init__()
        self.config = config
        c = config.channels
        self.stem = nn.Conv2d(7, c[0], 3)  # telea, push-pull, hole
        self.downs = nn.ModuleList(Down(c[i], c[i + 1]) for i in range(len(c) - 1))
        self.bottleneck = nn.Sequential(*[SeparableBlock(c[-1], d) for d in config.bottleneck_dilations])
        self.global_unit = FourierUnit(c[-1]) if config.fourier else nn.Identity()
        # Full-resolution blocks cost the most per channel: only ``full_res_blocks`` of them.
        self.ups = nn.ModuleList(Up(c[i + 1], c[i], c[i], blocks=config.full_res_blocks if i == 0 else 1)
                                 for i in reversed(range(len(c) - 1)))
        self.head = nn.Conv2d(c[0], 3, 3)
        nn.init.zeros_(self.head.weight)  # start as the identity on the classical fill
        nn.init.zeros_(self.head.bias)

    def forward(self, telea: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        smooth = push_pull_fill(telea, 1 - hole)
        x = torch.cat([telea - 0.5, smooth - 0.5, hole], 1)
        skips = [F.leaky_relu(self.stem(mirror_pad(x, 1)), 0.2)]          # full resolution
        for down in self.downs:                               # 1/2, 1/4, 1/8
            skips.append(down(skips[-1]))
        x = self.global_unit(self.bottleneck(skips.pop()))
        for up in self.ups:
            x = up(x, skips.pop())
        correction = self.head(mirror_pad(x, 1))
        return telea + hole * correction


def load_grown(net: RefineGenerator, state: dict[str, torch.Tensor]) -> RefineGenerator:
    """Load ``state`` (weights of a generator with fewer blocks) into ``net`` without changing its output.

    Blocks that ``state`` lacks (e.g. ``full_res_blocks`` added to trained
    weights) start as the identity: their last convolution is zeroed, so
    training continues from the smaller network's repairs. Any other mismatch raises.
    """
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected:
        raise RuntimeError(f"weights hold tensors this generator has not: {unexpected[:3]}")
    modules = dict(net.named_modules())
    # 'ups.2.blocks.0.depthwise.weight' -> the block 'ups.2.blocks.0'
    for name in {key.rsplit(".", 2)[0] for key in missing}:
        block = modules[name]
        whole = {f"{name}.{key}" for key in block.state_dict()}
        if not isinstance(block, SeparableBlock) or not whole <= set(missing):
            raise RuntimeError(f"weights lack part of {name}, which cannot start as the identity")
        nn.init.zeros_(block.project.weight)
        nn.init.zeros_(block.project.bias)
    return net


def _segments(net: RefineGenerator, name: str, conv: nn.Conv2d) -> tuple[list[int], list[int]]:
    """The sizes of the channel groups a convolution of ``net`` reads and writes, in the order
    :meth:`RefineGenerator.forward` concatenates them (an Up's merge reads the coarser level, then the
    skip; the Fourier unit's spectral convolution reads and writes the real parts, then the imaginary)."""
    if name.endswith(".merge"):
        skip = conv.out_channels  # an Up writes as many channels as its skip connection brings
        return [conv.in_channels - skip, skip], [conv.out_channels]
    if name.endswith("global_unit.spectral"):
        half = conv.in_channels // 2
        return [half, half], [half, half]
    return [conv.in_channels // conv.groups], [conv.out_channels]


@torch.no_grad()
def widened(net: RefineGenerator, channels: tuple[int, ...], *, scale: float = 0.1, seed: int = 0) -> RefineGenerator:
    """A copy of ``net`` with ``channels`` per level instead of its own, that repairs exactly as it does
    (Net2Net's function-preserving widening, Chen et al. 2016): the new channels start as the usual random
    filters scaled by ``scale``, and every old channel and the head receive them with weight zero, so
    training from here starts at ``net``'s quality and grows into the new channels. Seeded on its own;
    the global random state is left as it was."""
    old = net.config.channels
    if len(channels) != len(old) or any(new < was for new, was in zip(channels, old)):
        raise ValueError(f"widening needs as many levels as {old}, none narrower, got {tuple(channels)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        wide = RefineGenerator(replace(net.config, channels=tuple(channels)))
    for name, narrow in net.named_modules():
        if not isinstance(narrow, nn.Conv2d):
            continue
        conv = wide.get_submodule(name)
        inputs, outputs = (channel_places(a, b) for a, b in zip(_segments(net, name, narrow), _segments(wide, name, conv)))
        widen_conv(conv, narrow, outputs, inputs, scale)
    return wide


def build_generator(*, config: GeneratorConfig | None = None) -> RefineGenerator:
    """A :class:`RefineGenerator` (default config unless given)."""
    return RefineGenerator(config or GeneratorConfig())


# -- the critic -----------------------------------------------------------------------------


class PatchCritic(nn.Module):
    """Spectral-norm PatchGAN critic: one realness score per ~34-pixel patch, sees the hole mask too."""

    def __init__(self, channels: int = 32, layers: int = 3):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        blocks: list[nn.Module] = []
        cin = 4
        for i in range(layers):
            cout = channels * 2 ** i
            blocks += [sn(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            cin = cout
        blocks += [sn(nn.Conv2d(cin, cin, 3, padding=1)), nn.LeakyReLU(0.2), sn(nn.Conv2d(cin, 1, 3, padding=1))]
        self.net = nn.Sequential(*blocks)

    def forward(self, photo: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([photo * 2 - 1, hole], 1))  # (B, 1, H/8, W/8)
