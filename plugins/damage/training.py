"""Training the damage detector self-supervised: damage drawn on clean crops (:mod:`.synthetic`), found again.

Any photo folder serves; nothing needs labelling. Loss: binary cross-entropy
(damage weighted up, it is a few percent of the pixels) plus a soft Dice term
(the overlap that F1 measures), and optionally an extra term on the hardest clean
pixels (``hard_weight``: online hard-negative mining, the highest-scoring pixels
further than :data:`HARD_MARGIN` from any damage), so that thin real structure --
a cable, a window frame -- is taught apart from a scratch. Tried for the starter
(2500 steps at lr 1e-4 from it, share 0.5 %; validation split, best threshold and grow of a sweep):
weight 0.5 gave F1 0.744, weight 0.1 gave 0.798, against 0.805 without; the term moved the
threshold that is best (to 0.2-0.25) rather than telling structure from damage better, so the starter
trains without it. Another optional term (``edge_weight``) scores, as clean, the pixels on the clean
photo's strong edges and thin lines (:func:`strong_edges`), where the test photos' false finds lie.
Tried from the 16-channel starter (3000 steps at lr 1e-4, weight 0.5, level 0.4; 2026-12-07): on the
validation split it found less (F1 0.813 against 0.828 at threshold 0.75) and had a lower F1 at every
threshold for the same false alarm, so the starter trains without it too. At level 0.4 a crop of the
training corpus has 14 % of its pixels on strong edges on average (0.25: 28 %, most in fine textures
such as gravel and foliage). ``clean_extra`` adds that many crops of a second folder to every
batch undamaged: hard tiles (:mod:`.mining`), structure a trained detector takes for damage. Tried
from the 16-channel starter (3000 steps at lr 1e-4, two such tiles a batch; 2026-12-07): fewer
false finds (validation false alarm 0.25 % against 0.37 % for the same steps without them) but
less found (recall 0.785 against 0.809); at threshold 0.55, where its false alarm is the starter's,
detect + repair gained +5.18 dB against the starter's +5.15 and the plain run's +5.20, so not kept.
``structure_share`` draws thin structure into that share of the crops as part of the picture
(:func:`~restorer_plugins.damage.synthetic.add_structure`). Tried from the 16-channel starter
(3000 steps at lr 1e-4, 2026-12-07): shares 0.3 and 0.6 found less on the validation photos
(recall 0.758 and 0.754 against 0.805; detect + repair +4.73 and +4.17 dB against +5.15) without
marking less of the clean photos (false alarm 0.45 % and 0.55 % against 0.41 %), so not kept.
``visible_level`` leaves out of the mask the drawn damage that changed no colour channel of the
photo by that many levels (at 25, 12 % of the drawn mask): pixels no one could see, which taught
the network that a thin line may be damage or not with nothing to tell them apart. The shipped
starter's last phase (3000 steps at lr 1e-4, level 25) gained on the validation photos (F1 0.845,
false alarm 0.27 %, +5.37 dB, against 0.835, 0.37 %, +5.20 for the same steps without it; level 12:
+5.24 dB; level 40: +4.80, false alarm 0.18 %, finding less; level 30, 2026-12-08: +5.32, within noise).
``gray_share`` makes that share of the crops black-and-white prints, damage and scan included. Tried
like level 25 with a share of 0.3 (2026-12-08): validation photos +5.21 dB, and made black and white
+6.00 against the shipped network's +6.19, so not kept.
:meth:`DetectorTrainer.export` writes what
:mod:`restorer_plugins.damage.load` reads back: the network, with ``config`` (the
architecture) and ``train`` in the metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from restorer.training import Batch, Trainer
from restorer.weights import CONFIG_KEY, TRAIN_KEY
from restorer_plugins.damage.load import FAMILY
from restorer_plugins.damage.network import DamageNet, DetectorConfig
from restorer_plugins.damage.synthetic import add_damage


@dataclass(frozen=True)
class DetectorTrainConfig:
    """Optimiser and loss settings."""

    lr: float = 1e-3
    pos_weight: float = 4.0
    dice_weight: float = 0.5
    #: Weight of the hard-negative term (0: off) and the share of clean pixels it averages over.
    hard_weight: float = 0.0
    hard_share: float = 0.01
    #: Weight of the edge term (0: off): the cross-entropy of the clean pixels on the clean photo's strong
    #: edges and thin lines (a luminance step of at least ``edge_level``, 0-1, across two pixels).
    edge_weight: float = 0.0
    edge_level: float = 0.4
    #: The synthetic scratches (:func:`~restorer_plugins.damage.synthetic.add_damage`): the share that
    #: bend and loop, and the share that darken.
    curly_share: float = 0.0
    dark_scratch_share: float = 0.3
    #: Share of crops that first get thin structure drawn in as part of the picture, not as damage
    #: (:func:`~restorer_plugins.damage.synthetic.add_structure`).
    structure_share: float = 0.0
    #: Damage that changed no channel of the photo by this many levels (0-255) is left out of the mask (0: off).
    visible_level: float = 0.0
    #: Share of crops made black-and-white prints, damage and scan included (no colour to tell them apart).
    gray_share: float = 0.0
    #: Crops of a second folder (hard tiles: :mod:`restorer_plugins.damage.mining`) added to every
    #: batch undamaged (0: one folder, none added).
    clean_extra: int = 0


#: Clean pixels within this many pixels of damage are not hard negatives (the benchmark's tolerance).
HARD_MARGIN = 3


def damaged_batch(photos: torch.Tensor, rng: np.random.Generator,
                  settings: DetectorTrainConfig | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(damaged, masks)``: synthetic damage on a batch of clean ``(B, 3, H, W)`` photos in [0, 1]."""
    settings = settings or DetectorTrainConfig()
    pixels = (photos.detach().cpu().permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    pairs = [add_damage(p, rng, curly_share=settings.curly_share, dark_scratch_share=settings.dark_scratch_share,
                        structure_share=settings.structure_share, visible_level=settings.visible_level,
                        gray_share=settings.gray_share)
             for p in pixels]
    damaged = torch.from_numpy(np.stack([d for d, _ in pairs]).astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    masks = torch.from_numpy(np.stack([m for _, m in pairs]).astype(np.float32))[:, None]
    return damaged.contiguous(), masks


def detector_loss(logits: torch.Tensor, masks: torch.Tensor, settings: DetectorTrainConfig,
                  photos: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
    """Weighted BCE plus soft Dice (and the optional terms, the edge term on the clean ``photos``);
    returns the loss and its parts."""
    weight = torch.tensor(settings.pos_weight, device=logits.device)
    bce = F.binary_cross_entropy_with_logits(logits, masks, pos_weight=weight)
    prob = torch.sigmoid(logits)
    dice = 1 - (2 * (prob * masks).sum() + 1) / (prob.sum() + masks.sum() + 1)
    loss = bce + settings.dice_weight * dice
    parts = {"bce": bce.item(), "dice": dice.item()}
    if settings.hard_weight > 0:
        hard = hard_negative_bce(logits, masks, settings.hard_share)
        loss = loss + settings.hard_weight * hard
        parts["hard"] = hard.item()
    if settings.edge_weight > 0 and photos is not None:
        edge = edge_bce(logits, masks, photos, settings.edge_level)
        loss = loss + settings.edge_weight * edge
        parts["edge"] = edge.item()
    return loss, {**parts, "loss": loss.item()}


def strong_edges(photos: torch.Tensor, level: float) -> torch.Tensor:
    """``bool (B, 1, H, W)``: pixels of ``(B, 3, H, W)`` photos in [0, 1] within a pixel of a luminance
    step of at least ``level`` across two pixels (an object's outline, a cable, a bright rim), the real
    structure a detector of thin damage mistakes for scratches."""
    luma = (photos * torch.tensor([0.299, 0.587, 0.114], device=photos.device)[:, None, None]).sum(1, keepdim=True)
    padded = F.pad(luma, (1, 1, 1, 1), mode="replicate")
    across = (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]).abs()
    down = (padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1]).abs()
    return F.max_pool2d((torch.maximum(across, down) >= level).float(), 3, stride=1, padding=1) > 0


def _near_damage(masks: torch.Tensor) -> torch.Tensor:
    """``bool``: the pixels within :data:`HARD_MARGIN` of damage in ``masks``, whose label is a matter of a pixel."""
    return F.max_pool2d(masks, 2 * HARD_MARGIN + 1, stride=1, padding=HARD_MARGIN) > 0


def edge_bce(logits: torch.Tensor, masks: torch.Tensor, photos: torch.Tensor, level: float) -> torch.Tensor:
    """Mean cross-entropy, against "clean", of the pixels on the clean ``photos``' strong edges
    (:func:`strong_edges`) further than :data:`HARD_MARGIN` from damage; 0 where there are none."""
    picked = logits[strong_edges(photos.to(logits.device), level) & ~_near_damage(masks)]
    if picked.numel() == 0:
        return logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(picked, torch.zeros_like(picked))


def hard_negative_bce(logits: torch.Tensor, masks: torch.Tensor, share: float) -> torch.Tensor:
    """Mean cross-entropy of the ``share`` of clean pixels the network scores highest, leaving out
    those within :data:`HARD_MARGIN` of damage (their label is a matter of a pixel)."""
    clean = logits[~_near_damage(masks)]
    if clean.numel() == 0:
        return logits.sum() * 0.0
    count = max(1, int(clean.numel() * share))
    return F.binary_cross_entropy_with_logits(clean.topk(count).values, torch.zeros(count, device=logits.device))


class DetectorTrainer(Trainer):
    """One :class:`DamageNet` and its Adam optimiser; each step draws fresh damage on the batch's crops."""

    def __init__(self, config: DetectorConfig | None = None, train: DetectorTrainConfig | None = None, *,
                 device: str = "cpu", initial: dict[str, torch.Tensor] | None = None):
        super().__init__(device)
        self.settings = config or DetectorConfig()
        self.train_config = train or DetectorTrainConfig()
        self.net = DamageNet(self.settings).to(device).train()
        if initial is not None:
            self.net.load_state_dict(initial)
        self.modules["detector"] = self.net
        if self.train_config.clean_extra:
            self.folders = 2  # the second folder's crops join each batch undamaged
        self.add_optimizer("detector", torch.optim.Adam(self.net.parameters(), lr=self.train_config.lr))

    def config(self) -> dict[str, Any]:
        """Architecture and training settings (a checkpoint resumes only into the same)."""
        return {"model": FAMILY, "detector": self.settings.to_json(), "train": asdict(self.train_config)}

    def accepts(self, stored: dict[str, Any]) -> bool:
        """The same config, once training fields added since ``stored`` was written (the hard-negative
        term) take their defaults, which train as before."""
        train = stored.get("train")
        if isinstance(train, dict):
            stored = {**stored, "train": {**asdict(DetectorTrainConfig(hard_weight=0.0)), **train}}
        return super().accepts(stored)

    def _rng(self) -> np.random.Generator:
        # From torch's global RNG, which the loop checkpoints: a resumed run draws the same damage.
        return np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One step: damage the crops, predict where, compare."""
        damaged, masks = damaged_batch(batch.photos, self._rng(), self.train_config)
        damaged, masks = damaged.to(self.device), masks.to(self.device)
        photos = batch.photos
        if batch.photos_b is not None and self.train_config.clean_extra:
            clean = batch.photos_b[:self.train_config.clean_extra].to(self.device)
            damaged, masks = torch.cat([damaged, clean]), torch.cat([masks, torch.zeros_like(masks[:len(clean)])])
            photos = torch.cat([photos, clean.to(photos.device)])
        with self.autocast():
            logits = self.net(damaged)
        loss, metrics = detector_loss(logits.float(), masks, self.train_config, photos)
        self.optimize("detector", loss)
        with torch.no_grad():
            found = logits > 0
            tp = (found & (masks > 0.5)).sum().item()
            metrics["f1"] = 2 * tp / max(1.0, found.sum().item() + (masks > 0.5).sum().item())
        return metrics

    @torch.no_grad()
    def preview(self, batch: Batch) -> np.ndarray:
        """Damaged crop | found damage | true damage, of the batch's first crop."""
        damaged, masks = damaged_batch(batch.photos[:1], np.random.default_rng(0))
        self.net.eval()
        try:
            prob = torch.sigmoid(self.net(damaged.to(self.device))).cpu()
        finally:
            self.net.train()
        row = torch.cat([damaged, prob.expand(-1, 3, -1, -1), masks.expand(-1, 3, -1, -1)], 3)[0]
        return (row.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)

    def export(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The network's weights and its config."""
        tensors = {k: v.detach().cpu().clone() for k, v in self.net.state_dict().items()}
        return tensors, {CONFIG_KEY: self.settings.to_json(), TRAIN_KEY: asdict(self.train_config)}
