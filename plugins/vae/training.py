"""Training the VAE with the core's loop (:mod:`restorer.training`).

:meth:`VAETrainer.export` writes what :mod:`restorer_plugins.vae.load` reads back: the
VAE's state dict, with ``config`` (the architecture) and ``train`` in the metadata. The
starter's latent prior is fitted afterwards (``scripts/train_starter_vae.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from restorer.training import Batch, Trainer
from restorer.weights import CONFIG_KEY, TRAIN_KEY
from restorer_plugins.vae.load import FAMILY, network_tensors
from restorer_plugins.vae.networks import VAEConfig, build_vae, vae_loss


@dataclass(frozen=True)
class VAETrainConfig:
    """Optimiser and the denoising criterion (Im et al. 2017).

    ``input_noise``: the encoder sees each training crop with Gaussian noise of a
    standard deviation drawn uniformly in ``[0, input_noise]`` (in [0, 1] pixel
    units) and must rebuild the clean crop, which is what ``reconstruct`` asks of it.
    ``lr_decay``: the rate drops to a fifth from this step on (``None``: constant).
    """

    lr: float = 1e-3
    input_noise: float = 0.0
    lr_decay: int | None = None


class VAETrainer(Trainer):
    """One VAE and its Adam optimiser. Batches are photos ``(B, 3, S, S)`` in [0, 1], S a multiple of 4."""

    def __init__(self, config: VAEConfig, train: VAETrainConfig | None = None, *, device: str = "cpu",
                 initial: dict[str, torch.Tensor] | None = None):
        super().__init__(device)
        self.settings = config
        self.train_config = train or VAETrainConfig()
        self.vae = build_vae(config=config).to(device).train()
        if initial is not None:
            self.vae.load_state_dict(network_tensors(initial))
        self.modules["vae"] = self.vae
        self.add_optimizer("vae", torch.optim.Adam(self.vae.parameters(), lr=self.train_config.lr))

    def config(self) -> dict[str, Any]:
        """Architecture and training settings (a checkpoint resumes only into the same)."""
        return {"model": FAMILY, "config": asdict(self.settings), "train": asdict(self.train_config)}

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One step on the negative ELBO (noisy input, clean target); returns loss, nll, kl per pixel."""
        batch = self.to_device(batch)
        decay = self.train_config.lr_decay
        for group in self.optimizers["vae"].param_groups:
            group["lr"] = self.train_config.lr * (0.2 if decay is not None and step >= decay else 1.0)
        images = batch.photos * 2 - 1
        inputs = images
        if self.train_config.input_noise > 0:
            std = torch.rand(images.shape[0], 1, 1, 1) * self.train_config.input_noise * 2  # [0,1] -> [-1,1]
            inputs = images + (torch.randn(images.shape) * std).to(images.device)
        with self.autocast():
            reconstruction, mean, logvar = self.vae(inputs)
        loss, metrics = vae_loss(images, reconstruction.float(), mean.float(), logvar.float(), self.settings)
        self.optimize("vae", loss)
        return metrics

    @torch.no_grad()
    def preview(self, batch: Batch) -> np.ndarray:
        """Photo | reconstruction of the batch's first crop."""
        photo = batch.photos[:1].to(self.device)
        self.vae.eval()
        try:
            rebuilt = (self.vae.reconstruct(photo * 2 - 1).clamp(-1, 1) + 1) / 2
        finally:
            self.vae.train()
        row = torch.cat([photo, rebuilt], 3)[0].permute(1, 2, 0).cpu().numpy()
        return (row * 255 + 0.5).astype(np.uint8)

    def export(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The VAE's weights and its config."""
        tensors = {k: v.detach().cpu().clone() for k, v in self.vae.state_dict().items()}
        return tensors, {CONFIG_KEY: asdict(self.settings), TRAIN_KEY: asdict(self.train_config)}
