"""inpaint-gan: a learned refinement of OpenCV's classical fills, with texture copied from the photo itself.

Three stages: a classical fill of the hole (Telea's, or the mean of Telea's and
Navier-Stokes', as the weights' config says; :mod:`.fills`), a small U-Net
that corrects it (:mod:`.network`, trained self-supervised on photos, first
with an adversarial phase), and fine detail copied in from the photo's own
undamaged pixels (:mod:`.texture`). Trainable on a person's photos.

Registers the model ``inpaint-gan`` (the default ``inpaint`` model). Weights:
``starter`` (``resources/weights/inpaint-gan.safetensors``, rebuilt by
``scripts/train_starter_inpaint.py``) or any named weights trained with
``restorer train inpaint-gan`` (``--set weights=NAME``).
"""

from __future__ import annotations

import numpy as np

from restorer import hookimpl
from restorer.jobs import Job
from restorer.models import RunRequest, bool_param, float_param, int_param
from restorer.weights import WeightsModel, load_weights

NAME = "inpaint-gan"


class InpaintGAN(WeightsModel):
    """A classical fill refined by a small U-Net with a Fourier bottleneck, then given texture; see the module."""

    name = NAME
    title = "Inpaint GAN"
    task = "inpaint"
    trainable = True
    default_priority = 100  # the default of `restorer inpaint` and the window
    description = ("A network trained on photos refines a classical fill, then fine texture is copied in from "
                   "the rest of the photo.")
    starter_script = "scripts/train_starter_inpaint.py"
    #: Regions wider than this are filled reduced, then textured at full size: see :mod:`restorer.resolution`
    #: (0.6 GB per megapixel the network sees). On the large-photo benchmark's box (6000 x 4000, a 1500 x 1000
    #: hole), 1024 instead of 1536 gave the same hole PSNR (15.56 against 15.53 dB) in half the time.
    working_size = 1024
    own_params = (
        int_param("radius", 5, 1, 50, help="neighbourhood (pixels) of the first, classical fill"),
        float_param("texture", 1.0, 0.0, 1.0,
                    help="fine detail (grain, fur, foliage) copied into the repair from this photo's "
                         "undamaged parts; 0 = the smooth learned fill"),
        bool_param("mirror", True, title="Second, mirrored pass (slower)",
                   help="also repair the mirrored photo and average the two fills: a little closer to the "
                        "truth, for twice the network's time (not on the brush strokes of photos larger than "
                        "the working size, where it gains less than its time)"),
        bool_param("network_scratches", False, title="Best quality on thin scratches (slower)",
                   help="in photos larger than the working size, run the network on thin scratches too "
                        "instead of its classical fill (about 1 dB closer on them, several times slower)"),
    )
    bench_variants = ({"texture": 0.0},)  # restorer bench also measures the learned fill alone

    def generator(self, weights: str, device: str = "cpu"):
        """The generator with weights ``weights`` on ``device`` (loaded once, reloaded if the file changes)."""
        from restorer_plugins.inpaint_gan.load import generator_from_weights

        return self.load_networks(weights, device,
                                  lambda tensors, meta, path: generator_from_weights(tensors, meta, path).to(device))

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Repair the masked pixels: the classical fill, refined, then textured."""
        from restorer_plugins.inpaint_gan.infer import repair

        params = request.params
        net = self.generator(params["weights"], request.device)
        job.update(0, 100, "repairing")
        out = repair(net, request.photo, request.mask, radius=params["radius"], device=request.device,
                     mirror=params["mirror"])
        if params["texture"] > 0:
            from restorer_plugins.inpaint_gan.texture import add_texture

            job.update(80, 100, "adding texture")
            out = add_texture(out, request.mask, params["texture"])
        job.update(100, 100, "repaired")
        return out

    def restore_detail(self, image: np.ndarray, mask: np.ndarray, params) -> np.ndarray:
        """Texture for an enlarged fill: fine detail copied from the photo's own pixels at full size."""
        if params["texture"] <= 0:
            return image
        from restorer_plugins.inpaint_gan.texture import add_texture

        return add_texture(image, mask, params["texture"])

    def fills_scratches_quickly(self, params) -> bool:
        """Scratches of a large photo get the classical fill the network refines, unless asked otherwise:
        on a 24-megapixel photo the network would run over most of the frame for about 1 dB."""
        return not params["network_scratches"]

    def stroke_params(self, params):
        """No mirrored pass on the brush strokes of a large photo, filled in many small tiles: on 4 validation
        photos of 3840 x 2160 with 30-90 px strokes (4 % of each) it gained 0.05 dB there (hole PSNR 30.12
        against 30.07; Telea 28.17, the reduced fill before strokes were filled at full size 28.62) for a
        third more time."""
        return {**params, "mirror": False}

    def fill_scratches(self, image: np.ndarray, mask: np.ndarray, params) -> np.ndarray:
        """The classical first stage alone (the weights' coarse fill: Telea's, or its mean with Navier-Stokes')."""
        from restorer_plugins.inpaint_gan.fills import coarse_fill
        from restorer_plugins.inpaint_gan.load import coarse_of_weights

        return coarse_fill(image, mask, params["radius"], coarse_of_weights(params["weights"]))

    def make_trainer(self, options, device: str):
        """A trainer for ``restorer train``: starts from ``options.base`` weights (or from scratch)."""
        from restorer_plugins.inpaint_gan.trainer import InpaintTrainer, fine_tune_config

        initial = None
        config = fine_tune_config(lr=options.lr)
        if options.base is not None:
            tensors, meta = load_weights(NAME, options.base)
            from restorer_plugins.inpaint_gan.load import generator_config

            generator = generator_config(meta, f"weights {options.base!r}")
            config = fine_tune_config(lr=options.lr, generator=generator)
            initial = tensors
        return InpaintTrainer(config, device, initial=initial)


@hookimpl
def register_models(register):
    """Register ``inpaint-gan``."""
    register(InpaintGAN())
