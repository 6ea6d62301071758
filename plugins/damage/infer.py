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


#: The views :func:`damage_probability` may average, in order: the photo, mirrored, upside down, both.
FLIPS = ((), (-1,), (-2,), (-2, -1))


@torch.no_grad()
def damage_probability(net, photo: np.ndarray, device: str = "cpu", job: Job | None = None,
                       views: int = 1) -> np.ndarray:
    """``float32`` ``(H, W)``: the probability that each pixel of ``photo`` (``uint8`` RGB) is damage.

    ``views`` (1-4): average the probabilities of that many flipped views of the photo (:data:`FLIPS`),
    each flipped back; the network's errors differ between them more than its finds do.
    """
    if not 1 <= views <= len(FLIPS):
        raise ValueError(f"views must be 1-{len(FLIPS)}, got {views}")
    height, width = photo.shape[:2]
    image = torch.from_numpy(photo.astype(np.float32) / 255.0).permute(2, 0, 1)[None].to(device)
    pad_h, pad_w = max(0, MIN_SIDE - height), max(0, MIN_SIDE - width)
    if pad_h or pad_w:
        image = F.pad(image, (0, pad_w, 0, pad_h), mode="replicate")

    def progress(view: int):
        def report(done: int, count: int) -> None:
            if job is not None:
                job.update(view * count + done, views * count, "finding damage")
        return report

    multiple = net.multiple
    prob = None
    with inference_autocast(device):
        for view, dims in enumerate(FLIPS[:views]):
            flipped = image.flip(dims) if dims else image
            logits = tiled_apply(net, flipped, tile=TILE, overlap=OVERLAP * multiple // 4, multiple=multiple,
                                 progress=progress(view))
            logits = logits.flip(dims) if dims else logits
            one = torch.sigmoid(logits[0, 0, :height, :width].float())
            prob = one if prob is None else prob + one
    return (prob / views).cpu().numpy().astype(np.float32)
