"""Training CycleGAN with the core's loop (:mod:`restorer.training`, two folders: A and B).

Defaults follow the paper: lambda_cycle = 10, identity weight 0.5 * lambda_cycle,
a pool of 50 generated images per discriminator, Adam(2e-4, beta1 = 0.5), the
learning rate constant for the first half of training and then decayed linearly to 0.

:meth:`CycleGANTrainer.export` writes what :mod:`restorer_plugins.cyclegan.load` reads back:
the two generators, with ``config`` (the architecture), ``train``, ``a_name`` and ``b_name``
in the metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from restorer.errors import ModelError
from restorer.training import Batch, Trainer
from restorer.weights import CONFIG_KEY, TRAIN_KEY
from restorer_plugins.cyclegan.load import FAMILY, load_generators
from restorer_plugins.cyclegan.networks import CycleGANConfig, build_cyclegan, lsgan_loss


@dataclass(frozen=True)
class CycleGANTrainConfig:
    """Optimiser and loss weights; ``steps`` sets the linear learning-rate decay (second half)."""

    lr: float = 2e-4
    beta1: float = 0.5
    lambda_cycle: float = 10.0
    identity: float = 0.5  # fraction of lambda_cycle
    pool_size: int = 50
    steps: int = 10_000
    decay_from: float = 0.5  # fraction of ``steps`` after which the rate decays linearly to 0

    def lr_at(self, step: int) -> float:
        """The rate at ``step``: constant, then linear decay to 0 at ``steps``."""
        start = self.decay_from * self.steps
        if step < start:
            return self.lr
        return self.lr * max(0.0, 1 - (step - start) / max(1.0, self.steps - start))


class ImagePool:
    """Shrivastava et al. 2017: show D a mix of new and past generated images, so G cannot just chase D.

    Draws from torch's global generator (checkpointed by the loop); the pool itself restarts empty on resume.
    """

    def __init__(self, size: int):
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """Each image: kept and returned while the pool fills; then, half the time, swapped for a stored one."""
        if self.size == 0:
            return images.detach()
        out = []
        for image in images.detach():
            image = image[None]
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif float(torch.rand(())) < 0.5:
                index = int(torch.randint(self.size, ()))
                out.append(self.images[index])
                self.images[index] = image
            else:
                out.append(image)
        return torch.cat(out)


class CycleGANTrainer(Trainer):
    """Both generators and both discriminators. Batches: ``photos`` from folder A, ``photos_b`` from folder B,
    ``(B, 3, S, S)`` in [0, 1] with S a multiple of 4; A and B are unpaired."""

    folders = 2

    def __init__(self, config: CycleGANConfig, train: CycleGANTrainConfig | None = None, *, device: str = "cpu",
                 initial: dict[str, torch.Tensor] | None = None, names: tuple[str, str] = ("A", "B")):
        super().__init__(device)
        self.settings = config
        self.train_config = train or CycleGANTrainConfig()
        self.names = names
        self.nets = build_cyclegan(config=config)
        if initial is not None:
            load_generators(self.nets, initial, "initial weights")
        for key, net in self.nets.items():
            self.modules[key] = net.to(device).train()
        betas = (self.train_config.beta1, 0.999)
        self.add_optimizer("generators", torch.optim.Adam(
            list(self.nets["a_to_b"].parameters()) + list(self.nets["b_to_a"].parameters()),
            lr=self.train_config.lr, betas=betas))
        self.add_optimizer("discriminators", torch.optim.Adam(
            list(self.nets["disc_a"].parameters()) + list(self.nets["disc_b"].parameters()),
            lr=self.train_config.lr, betas=betas))
        self.pool_a, self.pool_b = ImagePool(self.train_config.pool_size), ImagePool(self.train_config.pool_size)

    def config(self) -> dict[str, Any]:
        """Architecture and training settings (a checkpoint resumes only into the same)."""
        return {"model": FAMILY, "config": asdict(self.settings), "train": asdict(self.train_config)}

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One update of both generators, then one of both discriminators; returns the losses."""
        batch = self.to_device(batch)
        if batch.photos_b is None:
            raise ModelError("CycleGAN trains on two folders: photos of style A and photos of style B")
        for optimizer in self.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = self.train_config.lr_at(step)
        real_a, real_b = _multiple_of_4(batch.photos) * 2 - 1, _multiple_of_4(batch.photos_b) * 2 - 1
        g_ab, g_ba, d_a, d_b = (self.nets[k] for k in ("a_to_b", "b_to_a", "disc_a", "disc_b"))
        lam = self.train_config.lambda_cycle
        lam_id = lam * self.train_config.identity

        for p in list(d_a.parameters()) + list(d_b.parameters()):
            p.requires_grad_(False)
        with self.autocast():
            fake_b, fake_a = g_ab(real_a), g_ba(real_b)
            adversarial = lsgan_loss(d_b(fake_b).float(), True) + lsgan_loss(d_a(fake_a).float(), True)
            cycle = (g_ba(fake_b).float() - real_a).abs().mean() + (g_ab(fake_a).float() - real_b).abs().mean()
            identity = torch.zeros((), device=real_a.device)
            if lam_id > 0:  # a photo already in the target style should pass unchanged (keeps colours)
                identity = (g_ab(real_b).float() - real_b).abs().mean() + (g_ba(real_a).float() - real_a).abs().mean()
            loss_g = adversarial + lam * cycle + lam_id * identity
        self.optimize("generators", loss_g)
        for p in list(d_a.parameters()) + list(d_b.parameters()):
            p.requires_grad_(True)

        pooled_b, pooled_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
        with self.autocast():
            loss_d_b = 0.5 * (lsgan_loss(d_b(real_b).float(), True) + lsgan_loss(d_b(pooled_b).float(), False))
            loss_d_a = 0.5 * (lsgan_loss(d_a(real_a).float(), True) + lsgan_loss(d_a(pooled_a).float(), False))
        self.optimize("discriminators", loss_d_a + loss_d_b)
        return {"loss_g": float(loss_g.detach()), "adversarial": float(adversarial.detach()),
                "cycle": float(cycle.detach()), "identity": float(identity.detach()),
                "loss_d": float((loss_d_a + loss_d_b).detach())}

    @torch.no_grad()
    def preview(self, batch: Batch) -> np.ndarray:
        """A | A->B | B | B->A for the batch's first pair."""
        real_a, real_b = _multiple_of_4(batch.photos[:1]), _multiple_of_4(batch.photos_b[:1])
        real_a, real_b = real_a.to(self.device) * 2 - 1, real_b.to(self.device) * 2 - 1
        for net in self.nets.values():
            net.eval()
        try:
            row = torch.cat([real_a, self.nets["a_to_b"](real_a), real_b, self.nets["b_to_a"](real_b)], 3)
        finally:
            for net in self.nets.values():
                net.train()
        return ((row[0].clamp(-1, 1) + 1) * 127.5 + 0.5).byte().permute(1, 2, 0).cpu().numpy()

    def export(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The two generators, the config and what A and B are called."""
        tensors = {f"{name}.{k}": v.detach().cpu().clone()
                   for name in ("a_to_b", "b_to_a") for k, v in self.nets[name].state_dict().items()}
        return tensors, {CONFIG_KEY: asdict(self.settings), TRAIN_KEY: asdict(self.train_config),
                         "a_name": self.names[0], "b_name": self.names[1]}


def _multiple_of_4(photos: torch.Tensor) -> torch.Tensor:
    """Crop the bottom/right so both sides are multiples of 4 (the generator halves the size twice)."""
    height, width = photos.shape[-2:]
    return photos[..., : height - height % 4, : width - width % 4]
