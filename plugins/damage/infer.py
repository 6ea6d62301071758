"""Running the damage detector on a photo of any size: tiled, padded, probabilities out."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from restorer.devices import inference_autocast
from restorer.jobs import Job
from restorer.tiling import tiled_apply

#: Tile side and overlap for large photos (memory stays bounded by one tile); the overlap is for a
#: three-level network and doubles with the fourth level's wider view.
TILE, OVERLAP = 512, 32
#: Smaller photos are padded (edge repeated) to this side, so the network's coarsest level (1/4) holds
#: about what its dilated convolutions saw in training rather than repeated edge alone.
MIN_SIDE = 64


@torch.no_grad()
def damage_probability(net, photo: np.ndarray, device: str = "cpu", job: Job | None = None) -> np.ndarray:
    """``float32`` ``(H, W)``: the probability that each pixel of ``photo`` (``uint8`` RGB) is damage."""
    height, width = photo.shape[:2]
    image = torch.from_numpy(photo.astype(np.float32) / 255.0).permute(2, 0, 1)[None].to(device)
    pad_h, pad_w = max(0, MIN_SIDE - height), max(0, MIN_SIDE - width)
    if pad_h or pad_w:
        image = F.pad(image, (0, pad_w, 0, pad_h), mode="replicate")

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.update(done, total, "finding damage")

    multiple = net.multiple
    with inference_autocast(device):
        logits = tiled_apply(net, image, tile=TILE, overlap=OVERLAP * multiple // 4, multiple=multiple,
                             progress=progress)
    return torch.sigmoid(logits[0, 0, :height, :width].float()).cpu().numpy().astype(np.float32)
