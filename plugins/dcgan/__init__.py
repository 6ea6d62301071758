"""DCGAN: sample small images (faces for the starter weights), morph between them, fill holes by GAN inversion.

Models registered:

- ``dcgan`` (sample): ``n`` images as a grid, from a ``seed``, with optional truncation.
- ``dcgan-interpolate`` (sample): a strip morphing between two random images, per row.
- ``dcgan-inpaint`` (inpaint): fill a hole in a photo framed like the training images
  (for the starter weights: a tight face crop) by searching the noise whose image
  matches the known pixels, then Poisson-blending it in.
"""

from __future__ import annotations

import math

import numpy as np

from restorer import hookimpl
from restorer.errors import ModelError
from restorer.jobs import Job
from restorer.models import RunRequest, choice_param, float_param, int_param
from restorer.weights import WeightsModel, load_weights

FAMILY = "dcgan"

SEED_MAX = 2 ** 31 - 1
_SEED = int_param("seed", 0, 0, SEED_MAX, help="same seed, same images")
_TRUNCATION = float_param("truncation", 0.0, 0.0, 3.0,
                          help="redraw noise values beyond this many standard deviations "
                               "(0 = off; lower = more typical, less varied images)")
_ZOOM = int_param("zoom", 2, 1, 8, help="enlarge each generated image this many times (nearest neighbour)")


class _DCGANModel(WeightsModel):
    """Shared by the DCGAN models: the ``weights`` choice and the family's networks.

    Torch is imported only when a model runs. All three models use the weights of the
    ``dcgan`` family (the starter ones or those trained with ``restorer train dcgan``) and
    one loaded copy of its networks (:func:`restorer_plugins.dcgan.load.networks`).
    """

    family = FAMILY
    starter_script = "scripts/train_starter_dcgan.py"

    def networks(self, weights: str, device: str):
        """(generator, discriminator) on ``device``, loaded once per file version for the whole family."""
        from restorer_plugins.dcgan.load import networks

        return networks(weights, device)


class DCGANSampler(_DCGANModel):
    """``n`` generated images in a grid."""

    name = "dcgan"
    title = "DCGAN samples"
    task = "sample"
    description = "Generate new images like the training ones (starter: 32x32 grayscale faces) as a grid."
    trainable = True
    folders = 1
    own_params = (int_param("n", 16, 1, 256, help="how many images"), _SEED, _TRUNCATION, _ZOOM)

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Draw ``n`` noises from ``seed`` and generate them in batches."""
        import torch

        from restorer_plugins.dcgan.networks import sample_noise
        from restorer_plugins.dcgan.sampling import grid, images_to_uint8

        p = request.params
        generator, _ = self.networks(p["weights"], request.device)
        noise = sample_noise(p["n"], generator.config.latent_dim, seed=p["seed"],
                             truncation=p["truncation"], device=request.device)
        out = []
        with torch.no_grad():
            for start in range(0, p["n"], 64):
                job.update(start, p["n"], "generating")
                out.append(images_to_uint8(generator(noise[start:start + 64])))
        job.update(p["n"], p["n"], "done")
        return grid(np.concatenate(out), math.ceil(math.sqrt(p["n"])), zoom=p["zoom"])

    def make_trainer(self, options, device: str):
        """A trainer for ``restorer train dcgan``: from ``options.base`` weights, or a fresh 64x64 RGB DCGAN.

        Training crops (``--crop``) are resized to the generator's size.
        """
        from restorer_plugins.dcgan.load import config_from_metadata
        from restorer_plugins.dcgan.networks import DCGANConfig
        from restorer_plugins.dcgan.training import DCGANTrainConfig, DCGANTrainer

        train = DCGANTrainConfig(lr=options.lr if options.lr is not None else 2e-4)
        if options.base is None:
            return DCGANTrainer(DCGANConfig(), train, device=device)
        tensors, meta = load_weights(FAMILY, options.base)
        config = config_from_metadata(meta, f"weights {options.base!r}")
        return DCGANTrainer(config, train, device=device, initial=tensors)


class DCGANInterpolation(_DCGANModel):
    """Rows of images morphing from one random image to another (spherical interpolation of the noise)."""

    name = "dcgan-interpolate"
    title = "DCGAN interpolation strip"
    task = "sample"
    description = "Morph between two generated images along a row; each row starts from new noise."
    own_params = (int_param("n", 8, 2, 32, help="images per row, ends included"),
              int_param("rows", 1, 1, 16, help="independent strips"), _SEED, _TRUNCATION, _ZOOM)

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """One slerp path per row between two seeded noises."""
        import torch

        from restorer_plugins.dcgan.networks import sample_noise, slerp
        from restorer_plugins.dcgan.sampling import grid, images_to_uint8

        p = request.params
        generator, _ = self.networks(p["weights"], request.device)
        ends = sample_noise(2 * p["rows"], generator.config.latent_dim, seed=p["seed"],
                            truncation=p["truncation"], device=request.device)
        strips = []
        with torch.no_grad():
            for row in range(p["rows"]):
                job.update(row, p["rows"], "generating")
                path = slerp(ends[2 * row], ends[2 * row + 1], p["n"])
                strips.append(images_to_uint8(generator(path)))
        job.update(p["rows"], p["rows"], "done")
        return grid(np.concatenate(strips), p["n"], zoom=p["zoom"])


class DCGANInpaint(_DCGANModel):
    """Fill a hole by GAN inversion (Yeh et al. 2017) and Poisson blending."""

    name = "dcgan-inpaint"
    title = "DCGAN inpaint (GAN inversion)"
    task = "inpaint"
    description = ("Fill a hole in a small image framed like the training images (starter: a tight, "
                   "upright face crop) with the closest image the generator can make.")
    own_params = (
        int_param("steps", 300, 10, 5000, help="optimisation steps of the noise search"),
        int_param("candidates", 16, 1, 128, help="noises searched in parallel; the best one is kept"),
        float_param("realism", 0.003, 0.0, 1.0, help="weight of the discriminator's realism term"),
        _SEED,
        choice_param("blend", "poisson", ("poisson", "paste"),
                     help="poisson: match colours at the hole's edge; paste: generated pixels as they are"),
    )

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Resize the crop to the generator's size, invert, upscale, blend into the hole."""
        import cv2
        import torch

        from restorer_plugins.dcgan.inversion import invert, poisson_blend
        from restorer_plugins.dcgan.sampling import images_to_uint8

        p = request.params
        generator, discriminator = self.networks(p["weights"], request.device)
        size = generator.config.image_size
        photo, hole = request.photo, request.mask
        height, width = hole.shape
        small = cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)
        # a model pixel is known only if no hole pixel falls inside it
        small_hole = cv2.resize(hole.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA) > 0
        if small_hole.all():
            raise ModelError(f"{self.name}: the hole covers the whole image; leave some of it known")
        target = torch.from_numpy(small).float().permute(2, 0, 1)[None] / 127.5 - 1
        if generator.config.channels == 1:
            target = target.mean(dim=1, keepdim=True)
        known = torch.from_numpy(~small_hole).float()[None, None]
        device = request.device
        image, _ = invert(generator, discriminator, target.to(device), known.to(device),
                          steps=p["steps"], candidates=p["candidates"], realism=p["realism"], seed=p["seed"],
                          progress=lambda done, total: job.update(done, total + 1, "searching the generator"))
        generated = images_to_uint8(image)[0]
        generated = cv2.resize(generated, (width, height), interpolation=cv2.INTER_CUBIC)
        if p["blend"] == "paste":
            out = np.where(hole[..., None], generated, photo)
        else:
            out = poisson_blend(photo.astype(np.float64), generated.astype(np.float64), hole)
            out = np.clip(np.round(out), 0, 255).astype(np.uint8)
        job.update(1, 1, "done")
        return np.ascontiguousarray(out)


@hookimpl
def register_models(register):
    """Register ``dcgan``, ``dcgan-interpolate`` and ``dcgan-inpaint``."""
    register(DCGANSampler())
    register(DCGANInterpolation())
    register(DCGANInpaint())
