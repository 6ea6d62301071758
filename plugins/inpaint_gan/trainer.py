"""Training inpaint-gan: hole-weighted L1 on a classical fill's correction, then (optionally) a PatchGAN.

Losses are plain functions. With ``adv_weight = 0`` only the generator trains
(the PSNR phase); with ``adv_weight > 0`` a spectral-norm PatchGAN critic with
hinge loss and critic feature matching is added, with DiffAugment-style
translation + colour jitter so it does not memorise small photo folders.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from restorer.training import Batch, Trainer
from restorer.weights import CONFIG_KEY, TRAIN_KEY
from restorer_plugins.inpaint_gan.fills import coarse_batch
from restorer_plugins.inpaint_gan.network import GeneratorConfig, PatchCritic, RefineGenerator, load_grown


#: The pixel losses :class:`TrainerConfig` knows, and the floor (in [0, 1] levels, about a quarter of a grey
#: level) under each crop's L1 before "log-l1" takes its log: a crop already right to that does not steer training.
PIXEL_LOSSES = ("l1", "l2", "log-l1")
LOG_L1_FLOOR = 1e-3


@dataclass(frozen=True)
class TrainerConfig:
    """Everything that shapes training (stored in checkpoints and with exported weights)."""

    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    lr: float = 1e-3
    critic_lr: float = 2e-4
    adv_weight: float = 0.0
    feature_weight: float = 0.0
    telea_radius: int = 5
    #: The pixel loss inside the hole: "l1" (robust; predicts the median), "l2" (the mean, which PSNR rewards),
    #: or "log-l1": the mean over the batch's crops of the log of each crop's own hole L1. The benchmarks average
    #: PSNR, a log, over photos, so a photo counts by its error relative to what it has (a smooth sky whose error
    #: halves gains as many dB as a forest's), where pooled L1 lets the crops with large, hard holes dominate.
    pixel_loss: str = "l1"
    #: Linear learning-rate decay to 1/10 between these two steps (``None``: constant rate).
    lr_decay: tuple[int, int] | None = None
    #: Weight averaging: the exported generator is an exponential moving average of the trained one,
    #: each step moving it ``1 - ema`` of the way (0: export the trained weights as they are).
    ema: float = 0.0

    def __post_init__(self) -> None:
        if self.pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f"pixel_loss must be one of {', '.join(PIXEL_LOSSES)}, got {self.pixel_loss!r}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be at least 0 and below 1, got {self.ema}")

    def lr_at(self, step: int) -> float:
        """The generator's learning rate at ``step``."""
        if self.lr_decay is None or step <= self.lr_decay[0]:
            return self.lr
        start, end = self.lr_decay
        return self.lr * (1.0 - 0.9 * min(1.0, (step - start) / max(1, end - start)))

    def to_json(self) -> dict:
        """JSON-ready dict."""
        out = asdict(self)
        out["generator"] = self.generator.to_json()
        return out


# -- losses ---------------------------------------------------------------------------------


def hole_l1(repaired: torch.Tensor, truth: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over hole pixels only (each photo weighted by its hole's size)."""
    return ((repaired - truth).abs() * hole).sum() / (hole.sum() * repaired.shape[1]).clamp_min(1.0)


def hole_log_l1(repaired: torch.Tensor, truth: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Mean over the crops of log(floor + the crop's mean absolute error over its hole pixels); crops
    without a hole do not count."""
    per_crop = ((repaired - truth).abs() * hole).sum((1, 2, 3))
    pixels = hole.sum((1, 2, 3)) * repaired.shape[1]
    has_hole = pixels > 0
    if not has_hole.any():
        return repaired.sum() * 0.0
    return torch.log(LOG_L1_FLOOR + per_crop[has_hole] / pixels[has_hole]).mean()


def hinge_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Hinge loss of the critic."""
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def hinge_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Hinge loss of the generator."""
    return -fake_scores.mean()


def diff_augment(photos: torch.Tensor, hole: torch.Tensor, generator: torch.Generator | None = None):
    """The same random translation (up to 1/8 of the size) and brightness jitter for a batch's
    real and fake photos (DiffAugment), applied identically to ``photos`` (a list) and ``hole``."""
    batch, _, height, width = photos[0].shape
    shift = torch.randint(-(height // 8), height // 8 + 1, (2,), generator=generator).tolist()
    bright = torch.rand(batch, 1, 1, 1, generator=generator) * 0.4 - 0.2
    out = [torch.roll(p + bright.to(p.device), shifts=shift, dims=(2, 3)) for p in photos]
    return out, torch.roll(hole, shifts=shift, dims=(2, 3))


# -- the trainer ----------------------------------------------------------------------------


class InpaintTrainer(Trainer):
    """Trains a :class:`RefineGenerator` (and a :class:`PatchCritic` when ``adv_weight > 0``)."""

    wants_masks = True
    #: Peak training memory per crop pixel on the CPU (restorer.training.train_and_store.check_memory): measured
    #: 10.9 GB at --crop 2048 --batch-size 1 (issue #13), about 2.6 kB per pixel.
    bytes_per_pixel = 2600

    def __init__(self, config: TrainerConfig, device: str = "cpu", initial: dict | None = None):
        super().__init__(device)
        self.settings = config
        self.generator = RefineGenerator(config.generator).to(device)
        if initial is not None:
            load_grown(self.generator, initial)
        self.modules["generator"] = self.generator
        self.average = None
        if config.ema > 0:
            # A running average of the generator's weights (checkpointed with it), for export: each step
            # follows one small batch, and the average keeps what many steps agree on.
            self.average = copy.deepcopy(self.generator).requires_grad_(False)
            self.modules["average"] = self.average
        self.add_optimizer("generator", torch.optim.Adam(self.generator.parameters(), lr=config.lr,
                                                         betas=(0.5 if config.adv_weight else 0.9, 0.99)))
        self.critic = None
        if config.adv_weight > 0:
            self.critic = PatchCritic().to(device)
            self.modules["critic"] = self.critic
            self.add_optimizer("critic", torch.optim.Adam(self.critic.parameters(), lr=config.critic_lr,
                                                          betas=(0.5, 0.99)))

    def config(self) -> dict:
        """The trainer's config as JSON."""
        return {"model": "inpaint-gan", **self.settings.to_json()}

    def accepts(self, stored: dict) -> bool:
        """The same config, once fields added since ``stored`` was written take their defaults
        (full-resolution blocks, the coarse fill, the pixel loss: defaults that train as before)."""
        import json

        defaults = {"model": "inpaint-gan", **TrainerConfig().to_json()}
        filled = {**defaults, **stored}
        if isinstance(stored.get("generator"), dict):
            filled["generator"] = GeneratorConfig.from_json(stored["generator"]).to_json()
        return super().accepts(json.loads(json.dumps(filled)))  # JSON-normalised, as the stored config is

    def repair(self, photos: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        """The generator's repair of ``photos`` with ``hole`` blanked (the classical fill computed here)."""
        coarse = coarse_batch(photos, hole, self.settings.telea_radius, self.settings.generator.coarse)
        with self.autocast():
            return self.generator(coarse, hole)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One generator step (and one critic step when adversarial)."""
        batch = self.to_device(batch)
        for group in self.optimizers["generator"].param_groups:
            group["lr"] = self.settings.lr_at(step)
        truth, hole = batch.photos, batch.masks
        repaired = self.repair(truth, hole)
        losses: dict[str, float] = {}
        l1 = hole_l1(repaired.float(), truth, hole)
        mse = (((repaired.float() - truth) ** 2) * hole).sum() / (hole.sum() * 3).clamp_min(1.0)
        loss = {"l1": l1, "l2": mse}.get(self.settings.pixel_loss)
        if loss is None:
            loss = hole_log_l1(repaired.float(), truth, hole)
        losses["l1"] = l1.item()
        losses["hole_psnr"] = float(-10 * torch.log10(mse.detach().clamp_min(1e-10)))
        if self.critic is not None:
            composite = truth * (1 - hole) + repaired * hole
            (real_aug, fake_aug), hole_aug = diff_augment([truth, composite], hole)
            fake_feats = self._critic_features(fake_aug, hole_aug)
            adv = hinge_generator_loss(fake_feats[-1])
            loss = loss + self.settings.adv_weight * adv
            losses["adv"] = adv.item()
            if self.settings.feature_weight:
                with torch.no_grad():
                    real_feats = self._critic_features(real_aug, hole_aug)
                matching = sum(F.l1_loss(f, r) for f, r in zip(fake_feats[:-1], real_feats[:-1]))
                loss = loss + self.settings.feature_weight * matching
                losses["features"] = matching.item()
        self.optimize("generator", loss)
        if self.average is not None:
            with torch.no_grad():
                for mean, current in zip(self.average.parameters(), self.generator.parameters()):
                    mean.lerp_(current, 1.0 - self.settings.ema)
        if self.critic is not None:
            with self.autocast():
                real_scores = self.critic(real_aug, hole_aug)
                fake_scores = self.critic(fake_aug.detach(), hole_aug)
            critic_loss = hinge_critic_loss(real_scores.float(), fake_scores.float())
            self.optimize("critic", critic_loss)
            losses["critic"] = critic_loss.item()
        losses["loss"] = loss.item()
        return losses

    def _critic_features(self, photos: torch.Tensor, hole: torch.Tensor) -> list[torch.Tensor]:
        """The critic's intermediate activations (for feature matching) and, last, its scores."""
        feats = []
        x = torch.cat([photos * 2 - 1, hole], 1)
        with self.autocast():
            for layer in self.critic.net:
                x = layer(x)
                if isinstance(layer, torch.nn.LeakyReLU):
                    feats.append(x)
        return feats + [x]

    @torch.no_grad()
    def preview(self, batch: Batch) -> np.ndarray:
        """Damaged / repaired / truth of the batch's first crop, side by side."""
        truth, hole = batch.photos[:1].to(self.device), batch.masks[:1].to(self.device)
        repaired = self.repair(truth, hole).float().clamp(0, 1)
        damaged = truth * (1 - hole)
        row = torch.cat([damaged, repaired, truth], 3)[0].permute(1, 2, 0).cpu().numpy()
        return (row * 255 + 0.5).astype(np.uint8)

    def export(self) -> tuple[dict, dict]:
        """The generator's weights and its config (the critic is not needed to repair)."""
        source = self.average if self.average is not None else self.generator
        state = {k: v.detach().cpu().clone() for k, v in source.state_dict().items()}
        return state, {CONFIG_KEY: self.settings.generator.to_json(), TRAIN_KEY: self.settings.to_json()}


#: Learning rate of ``restorer train inpaint-gan`` from trained weights. Chosen on the validation theme of
#: benchmarks/finetune_gain.py (8 nature wallpapers, 600 steps, from a corpus-trained snapshot; gain on the
#: theme's other 6 photos): 2e-4 -0.03 dB, 5e-5 +0.08 dB, 2e-5 +0.07 dB.
FINE_TUNE_LR = 5e-5
#: Learning rate when training from scratch (no weights to keep).
SCRATCH_LR = 2e-4


def fine_tune_config(*, lr: float | None = None, generator: GeneratorConfig | None = None) -> TrainerConfig:
    """The config ``restorer train inpaint-gan`` uses: the starter's PSNR phase at a fine-tuning rate
    (:data:`FINE_TUNE_LR` when ``generator`` comes from trained weights, :data:`SCRATCH_LR` otherwise)."""
    default = FINE_TUNE_LR if generator is not None else SCRATCH_LR
    return TrainerConfig(generator=generator or GeneratorConfig(), lr=lr if lr is not None else default)
