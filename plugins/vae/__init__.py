"""Convolutional VAE: restore a noisy photo by projecting it onto what the model learned, sample, inpaint.

Models registered:

- ``vae`` (reconstruct): encode and decode the photo (in overlapping tiles when it is
  large); noise and fine scratches the model never learned to draw are left out.
- ``vae-sample`` (sample): decode random latent maps into ``n`` images; the latents come from
  the prior fitted to the training photos' latents when the weights hold one (the starter's
  do), else from N(0, I).
- ``vae-inpaint`` (inpaint): fill a hole by repeated encode-decode with the known pixels
  clamped, starting from OpenCV's Telea fill.

Weights (``--set weights=NAME``): ``starter`` (``resources/weights/vae.safetensors``,
trained on photo crops bundled with scikit-image by ``scripts/train_starter_vae.py``)
or any named weights trained with ``restorer train vae``.
"""

from __future__ import annotations


import numpy as np

from restorer import hookimpl
from restorer.errors import ModelError
from restorer.jobs import Job
from restorer.models import RunRequest, choice_param, float_param, int_param
from restorer.weights import WeightsModel, load_weights

FAMILY = "vae"

_TILE = int_param("tile", 256, 32, 2048, help="tile size in pixels: bounds memory on large photos")
_OVERLAP = int_param("overlap", 32, 0, 256, help="pixels two tiles share and cross-fade over")


def to_tensor(photo: np.ndarray, device: str):
    """``uint8 (H, W, 3)`` -> ``float (1, 3, H, W)`` in [-1, 1]."""
    import torch

    return (torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 127.5 - 1).to(device)


def to_uint8(image) -> np.ndarray:
    """``(1, 3, H, W)`` in [-1, 1] -> ``uint8 (H, W, 3)``."""
    return ((image[0].detach().cpu().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()


class _VAEModel(WeightsModel):
    """Shared by the VAE models: the ``weights`` choice and the family's network.

    Torch is imported only when a model runs. All three models use the weights of the
    ``vae`` family (the starter ones or those trained with ``restorer train vae``) and one
    loaded copy of its network (:mod:`restorer_plugins.vae.load`).
    """

    family = FAMILY
    starter_script = "scripts/train_starter_vae.py"
    # The encoder downsamples by 4 (the starter; 2 ** (levels - 1) in general): below 8 px the latent
    # map is one cell of mostly padding, and the decoded photo a blur of it.
    min_size = 8

    def network(self, weights: str, device: str):
        """The VAE with weights ``weights`` on ``device``, loaded once per file version for the whole family."""
        from restorer_plugins.vae.load import vae_network

        return vae_network(weights, device)

    def check_params(self, values) -> None:
        """Where the model works in tiles, they must overlap by less than a tile."""
        if "tile" in values and "overlap" in values and values["overlap"] >= values["tile"]:
            raise ModelError(f"overlap ({values['overlap']}) must be smaller than the tile ({values['tile']})")

    def project(self, vae, image, tile: int, overlap: int, job: Job | None = None, message: str = ""):
        """Encode-decode ``(1, 3, H, W)`` through the latent mean, in tiles; same shape out."""
        import torch

        from restorer.tiling import tiled_apply

        if overlap >= tile:
            raise ModelError(f"overlap ({overlap}) must be smaller than the tile ({tile})")
        progress = (lambda done, total: job.update(done, total, message)) if job is not None else None
        with torch.no_grad():
            return tiled_apply(vae.reconstruct, image, tile=tile, overlap=overlap,
                               multiple=vae.config.factor, progress=progress)


class VAEReconstruct(_VAEModel):
    """Denoise by projection: the decoded latent mean of the photo."""

    name = "vae"
    title = "VAE reconstruct (denoise)"
    task = "reconstruct"
    description = ("Rebuild the photo from the VAE's latent: noise and fine scratches it never learned to "
                   "draw are dropped. Soft on fine detail; works on any size through overlapping tiles.")
    trainable = True
    folders = 1
    own_params = (float_param("strength", 1.0, 0.0, 1.0, help="1 = the reconstruction, 0 = the photo unchanged"),
              _TILE, _OVERLAP)

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Project, then mix with the photo by ``strength``."""
        p = request.params
        vae = self.network(p["weights"], request.device)
        photo = to_tensor(request.photo, request.device)
        restored = self.project(vae, photo, p["tile"], p["overlap"], job, "reconstructing")
        mixed = p["strength"] * restored + (1 - p["strength"]) * photo
        return to_uint8(mixed)

    def make_trainer(self, options, device: str):
        """A trainer for ``restorer train vae``: from ``options.base`` weights, or from scratch."""
        from restorer_plugins.vae.load import config_from_metadata
        from restorer_plugins.vae.networks import VAEConfig
        from restorer_plugins.vae.training import VAETrainConfig, VAETrainer

        train = VAETrainConfig(lr=options.lr if options.lr is not None else 2e-4, input_noise=0.12)
        if options.base is None:
            return VAETrainer(VAEConfig(), train, device=device)
        tensors, meta = load_weights(FAMILY, options.base)
        config = config_from_metadata(meta, f"weights {options.base!r}")
        return VAETrainer(config, train, device=device, initial=tensors)


class VAESample(_VAEModel):
    """Decode latent maps drawn from the prior: the one fitted after training, or N(0, I)."""

    name = "vae-sample"
    title = "VAE samples"
    task = "sample"
    description = ("Decode random latents into new images (starter: photo-texture patches), as a grid. The "
                   "latents follow the training photos' (a prior fitted after training) unless prior=standard.")
    own_params = (int_param("n", 16, 1, 256, help="how many images"),
              int_param("seed", 0, 0, 2 ** 31 - 1, help="same seed, same images"),
              int_param("size", 64, 16, 512, help="side of each image in pixels (rounded to a multiple of 4)"),
              float_param("temperature", 1.0, 0.0, 2.0, help="scale of the latent noise; lower = smoother"),
              choice_param("prior", "fitted", ("fitted", "standard"),
                           help="fitted: latents like the training photos' (N(0, I) if the weights hold no "
                                "fitted prior); standard: N(0, I), the VAE's own prior"),
              int_param("zoom", 1, 1, 8, help="enlarge each image this many times (nearest neighbour)"))

    def networks(self, weights: str, device: str):
        """``(vae, prior)`` for weights ``weights``; ``prior`` is ``None`` when the file holds none."""
        from restorer_plugins.vae.load import vae_and_prior

        return vae_and_prior(weights, device)

    def latents(self, vae, prior, params: dict):
        """The ``(n, C, size/f, size/f)`` latent maps to decode, drawn with ``params['seed']``."""
        import torch

        side = max(1, params["size"] // vae.config.factor)
        gen = torch.Generator().manual_seed(params["seed"])
        if params["prior"] == "fitted" and prior is not None:
            return prior.sample(params["n"], side, side, generator=gen, temperature=params["temperature"])
        return torch.randn(params["n"], vae.config.latent_channels, side, side, generator=gen) * params["temperature"]

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Seeded prior draws -> decoder -> grid."""
        import math

        import torch
        from torchvision.utils import make_grid

        p = request.params
        vae, prior = self.networks(p["weights"], request.device)
        latent = self.latents(vae, prior, p)
        images = []
        with torch.no_grad():
            for start in range(0, p["n"], 16):
                job.update(start, p["n"], "decoding")
                images.append(vae.decoder(latent[start:start + 16].to(request.device)).cpu())
        job.update(p["n"], p["n"], "done")
        images = torch.cat(images).clamp(-1, 1).add(1).div(2)
        if p["zoom"] > 1:
            images = images.repeat_interleave(p["zoom"], dim=2).repeat_interleave(p["zoom"], dim=3)
        picture = make_grid(images, nrow=math.ceil(math.sqrt(p["n"])), padding=2, pad_value=1.0)
        return to_uint8(picture[None] * 2 - 1)


class VAEInpaint(_VAEModel):
    """Fill a hole by iterated projection with the known pixels held fixed."""

    name = "vae-inpaint"
    title = "VAE inpaint (iterated projection)"
    task = "inpaint"
    description = ("Start from a Telea fill, then encode-decode the photo a few times, keeping the decoded "
                   "pixels only inside the hole: adds the model's texture to a smooth fill. Best on small holes.")
    # Each round pulls wide holes a little towards a pale average (starter weights, a 40x110 hole on
    # chelsea: hole PSNR 17.80 dB after 1 round, 17.73 after 3, 17.10 after 10, 13.51 after 30; Telea 17.77).
    own_params = (int_param("iterations", 3, 1, 50,
                            help="encode-decode rounds; more rounds smooth more and drift wide holes towards grey"),
                  _TILE, _OVERLAP)

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Telea start, then ``iterations`` projections with the known pixels clamped."""
        import cv2
        import torch

        p = request.params
        vae = self.network(p["weights"], request.device)
        hole = request.mask
        start = cv2.inpaint(np.ascontiguousarray(request.photo[..., ::-1]), hole.astype(np.uint8) * 255,
                            5, cv2.INPAINT_TELEA)[..., ::-1]
        image = to_tensor(np.ascontiguousarray(start), request.device)
        known = to_tensor(request.photo, request.device)
        inside = torch.from_numpy(hole)[None, None].to(request.device)
        for i in range(p["iterations"]):
            job.update(i, p["iterations"], "filling")
            projected = self.project(vae, image, p["tile"], p["overlap"])
            image = torch.where(inside, projected, known)
        job.update(p["iterations"], p["iterations"], "done")
        return to_uint8(image)


@hookimpl
def register_models(register):
    """Register ``vae``, ``vae-sample`` and ``vae-inpaint``."""
    register(VAEReconstruct())
    register(VAESample())
    register(VAEInpaint())
