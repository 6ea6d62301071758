"""Training a DCGAN with the core's loop (:mod:`restorer.training`).

:meth:`DCGANTrainer.export` writes what :mod:`restorer_plugins.dcgan.load` reads back:
both networks' state dicts, with ``config`` (the architecture) and ``train`` in the metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from restorer.training import Batch, Trainer
from restorer.weights import CONFIG_KEY, TRAIN_KEY
from restorer_plugins.dcgan.load import FAMILY, load_pair
from restorer_plugins.dcgan.networks import DCGANConfig, build_dcgan, discriminator_loss, generator_loss


@dataclass(frozen=True)
class DCGANTrainConfig:
    """Optimiser settings (Radford et al.: Adam, lr 2e-4, beta1 0.5)."""

    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999


def to_model_images(photos: torch.Tensor, config: DCGANConfig) -> torch.Tensor:
    """Photos ``(B, 3, H, W)`` in [0, 1] -> the generator's format: ``image_size`` square, channels, [-1, 1]."""
    size = config.image_size
    if photos.shape[-2:] != (size, size):
        photos = nn.functional.interpolate(photos, size=(size, size), mode="bilinear", antialias=True,
                                           align_corners=False)
    if config.channels == 1:
        photos = photos.mean(dim=1, keepdim=True)
    return photos.clamp(0, 1) * 2 - 1


class DCGANTrainer(Trainer):
    """G and D and their optimisers; :meth:`train_step` does one D update, then one G update.

    Batches are photos ``(B, 3, H, W)`` in [0, 1], resized to the config's ``image_size``.
    """

    def __init__(self, config: DCGANConfig, train: DCGANTrainConfig | None = None, *, device: str = "cpu",
                 initial: dict[str, torch.Tensor] | None = None):
        super().__init__(device)
        self.settings = config
        self.train_config = train or DCGANTrainConfig()
        self.generator, self.discriminator = build_dcgan(config=config)
        if initial is not None:
            load_pair(self.generator, self.discriminator, initial, "initial weights")
        self.generator.to(device).train()
        self.discriminator.to(device).train()
        self.modules.update(generator=self.generator, discriminator=self.discriminator)
        betas = (self.train_config.beta1, self.train_config.beta2)
        self.add_optimizer("generator", torch.optim.Adam(self.generator.parameters(), self.train_config.lr, betas))
        self.add_optimizer("discriminator",
                           torch.optim.Adam(self.discriminator.parameters(), self.train_config.lr, betas))

    def config(self) -> dict[str, Any]:
        """Architecture and optimiser settings (a checkpoint resumes only into the same)."""
        return {"model": FAMILY, "config": asdict(self.settings), "train": asdict(self.train_config)}

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One discriminator and one generator update; returns both losses."""
        batch = self.to_device(batch)
        real = to_model_images(batch.photos, self.settings)
        kind = self.settings.loss
        noise = torch.randn(real.shape[0], self.settings.latent_dim).to(real.device)  # global RNG: checkpointed
        with self.autocast():
            fake = self.generator(noise)
            loss_d = discriminator_loss(self.discriminator(real).float(),
                                        self.discriminator(fake.detach()).float(), kind)
        self.optimize("discriminator", loss_d)
        for p in self.discriminator.parameters():  # G's step must not leave gradients in D
            p.requires_grad_(False)
        with self.autocast():
            loss_g = generator_loss(self.discriminator(fake).float(), kind)
        self.optimize("generator", loss_g)
        for p in self.discriminator.parameters():
            p.requires_grad_(True)
        return {"loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach())}

    @torch.no_grad()
    def preview(self, batch: Batch) -> np.ndarray:
        """Eight samples from fixed noise, side by side."""
        from restorer_plugins.dcgan.networks import sample_noise
        from restorer_plugins.dcgan.sampling import grid, images_to_uint8

        self.generator.eval()
        try:
            images = self.generator(sample_noise(8, self.settings.latent_dim, seed=0, device=self.device))
        finally:
            self.generator.train()
        return grid(images_to_uint8(images), 8, zoom=max(1, 64 // self.settings.image_size))

    def export(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """G and D (D's realism term serves inpainting) and the architecture config."""
        tensors = {f"generator.{k}": v for k, v in self.generator.state_dict().items()}
        tensors.update({f"discriminator.{k}": v for k, v in self.discriminator.state_dict().items()})
        return ({k: v.detach().cpu().clone() for k, v in tensors.items()},
                {CONFIG_KEY: asdict(self.settings), TRAIN_KEY: asdict(self.train_config)})
