"""CycleGAN style transfer: turn a photo into the other domain (A -> B) or back (B -> A), at full resolution.

Model registered:

- ``cyclegan`` (stylize): ``direction`` AtoB or BtoA. The starter weights map photos
  (A) to pencil sketches (B, OpenCV's ``cv2.pencilSketch``: see
  :func:`~restorer_plugins.cyclegan.starter.pencil_sketch`) and back.

Photos of any size are processed in overlapping, cross-faded tiles; the instance
norms use statistics taken from the whole photo (shrunk to ``stats_size`` when it
is larger), so tiles are normalised alike and no seam or tone jump shows.
"""

from __future__ import annotations

import threading

import numpy as np

from restorer import hookimpl
from restorer.errors import ModelError
from restorer.jobs import Job
from restorer.models import RunRequest, choice_param, int_param
from restorer.weights import WeightsModel, load_weights

FAMILY = "cyclegan"


class CycleGANStylize(WeightsModel):
    """Translate a photo with one of the two CycleGAN generators, tile by tile."""

    name = "cyclegan"
    title = "CycleGAN style transfer"
    task = "stylize"
    trainable = True
    folders = 2  # trains on two photo folders: style A and style B (read by the training panel)
    family = FAMILY
    starter_script = "scripts/train_starter_cyclegan.py"
    # Two stride-2 downsamplings: the residual blocks' reflection padding needs 2 px at a quarter size.
    min_size = 8
    description = ("Translate a photo between two styles learned from two unpaired folders (starter: "
                   "photo <-> pencil sketch). Full resolution, in seamless tiles.")
    own_params = (
        choice_param("direction", "AtoB", ("AtoB", "BtoA"), help="AtoB: photo to style; BtoA: back"),
        int_param("tile", 512, 64, 2048, help="tile size in pixels: bounds memory on large photos"),
        int_param("overlap", 64, 0, 512, help="pixels two tiles share and cross-fade over"),
        int_param("stats_size", 1024, 64, 4096,
                  help="normalisation statistics come from the photo shrunk to this longest side"),
    )

    def __init__(self) -> None:
        super().__init__()
        # the generators' norms hold per-run statistics: one run at a time per model
        self._run_lock = threading.Lock()

    def generators(self, weights: str, device: str):
        """``({"a_to_b": G, "b_to_a": F}, metadata)`` on ``device``, loaded once per file version."""
        from restorer_plugins.cyclegan.load import generators_from_weights

        def build(tensors, meta, path):
            nets = generators_from_weights(tensors, meta, path)
            return {k: v.to(device) for k, v in nets.items()}, meta

        return self.load_networks(weights, device, build)

    def check_params(self, values) -> None:
        """The tiles must overlap by less than a tile."""
        if values["overlap"] >= values["tile"]:
            raise ModelError(f"overlap ({values['overlap']}) must be smaller than the tile ({values['tile']})")

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Statistics from the (shrunk) photo, then the generator over overlapping tiles."""
        p = request.params
        self.check_params(p)
        generators, _ = self.generators(p["weights"], request.device)
        generator = generators["a_to_b" if p["direction"] == "AtoB" else "b_to_a"]
        with self._run_lock:
            return stylize(generator, request.photo, tile=p["tile"], overlap=p["overlap"],
                           stats_size=p["stats_size"], device=request.device,
                           progress=lambda done, total: job.update(done, total, "stylizing"))

    def make_trainer(self, options, device: str):
        """A trainer for ``restorer train cyclegan A_FOLDER B_FOLDER``: from ``options.base``, or from scratch.

        From scratch it builds the paper's 6-block generator (for crops up to ~128 px; ``--crop``) with
        resize-convolution upsampling, as the starter's: the paper's transposed convolutions drew a
        checkerboard over dark areas (see resources/weights/cyclegan.json).
        """
        from restorer_plugins.cyclegan.load import config_from_metadata
        from restorer_plugins.cyclegan.networks import CycleGANConfig
        from restorer_plugins.cyclegan.training import CycleGANTrainConfig, CycleGANTrainer

        train = CycleGANTrainConfig(lr=options.lr if options.lr is not None else 2e-4, steps=options.steps)
        if options.base is None:
            return CycleGANTrainer(CycleGANConfig(blocks=6, upsample="resize"), train, device=device)
        tensors, meta = load_weights(FAMILY, options.base)
        # fine-tuned networks only: the starter discriminators are not shipped, so D starts fresh
        config = config_from_metadata(meta, f"weights {options.base!r}")
        return CycleGANTrainer(config, train, device=device, initial=tensors)


def stylize(generator, photo: np.ndarray, *, tile: int, overlap: int, stats_size: int, device: str = "cpu",
            progress=None) -> np.ndarray:
    """``uint8 (H, W, 3)`` -> the generator's translation, same size, computed in tiles."""
    import cv2
    import torch

    from restorer_plugins.cyclegan.networks import shared_statistics
    from restorer.tiling import pad_to_multiple, tiled_apply

    image = (torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 127.5 - 1).to(device)
    height, width = photo.shape[:2]
    scale = min(1.0, stats_size / max(height, width))
    reference = image
    if scale < 1:
        small = cv2.resize(photo, (max(4, round(width * scale)), max(4, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
        reference = (torch.from_numpy(small).permute(2, 0, 1)[None].float() / 127.5 - 1).to(device)
    with torch.no_grad():
        # padded as a single tile is, so a photo that fits in one tile gives exactly the
        # generator's own result on it
        with shared_statistics(generator, pad_to_multiple(reference, 4)):
            out = tiled_apply(generator, image, tile=tile, overlap=overlap, multiple=4, progress=progress)
    return ((out[0].cpu().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()


@hookimpl
def register_models(register):
    """Register ``cyclegan``."""
    register(CycleGANStylize())
