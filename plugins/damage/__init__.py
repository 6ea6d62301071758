"""Finding damage: scratches, dust, hairs and spots, proposed as a mask for the person to review.

Registers ``classical-damage`` (morphological top-hat and black-hat on the
luminance: the baseline, no weights) and, when its weights load,
``damage-detector`` (a small U-Net trained self-supervised on synthetic damage
drawn on clean photos; see :mod:`.synthetic` and :mod:`.network`). Both return a
probability map; :mod:`restorer.detection` turns it into a mask.
"""

from __future__ import annotations

import numpy as np

from restorer import hookimpl
from restorer.detection import detect_params
from restorer.jobs import Job
from restorer.models import Model, RunRequest, int_param
from restorer.weights import WeightsModel, load_weights

#: Contrast (0-255 levels) at which the classical response counts as certain damage.
FULL_CONTRAST = 48.0


def tophat_response(photo: np.ndarray, size: int) -> np.ndarray:
    """Strongest of the white and black top-hat of the luminance (``float32`` levels, 0-255):
    how much brighter or darker each pixel is than the photo with features thinner than ``size`` removed."""
    import cv2

    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    white = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)
    black = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    return np.maximum(white, black).astype(np.float32)


class ClassicalDamage(Model):
    """Thin bright or dark features (scratches, dust) found by morphology; the baseline of the learned one."""

    name = "classical-damage"
    title = "Classical damage finder"
    task = "detect"
    uses_torch = False
    default_priority = 10
    description = ("Morphological top-hat and black-hat on the luminance: thin features much brighter or darker "
                   "than their surroundings. Quick, no weights; also finds thin details that are not damage.")
    params = (*detect_params(threshold=0.5, grow=1),
              int_param("size", 9, 3, 31, help="widest feature (pixels) counted as a scratch or speck"))

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """The damage probability: the top-hat response over :data:`FULL_CONTRAST`, clipped to 1."""
        job.update(0, 1, "finding damage")
        size = int(request.params["size"]) | 1  # an odd kernel
        prob = np.clip(tophat_response(request.photo, size) / FULL_CONTRAST, 0.0, 1.0)
        job.update(1, 1, "found")
        return prob


class DamageDetector(WeightsModel):
    """A small U-Net trained to find synthetic damage drawn on clean photos; see the module."""

    name = "damage-detector"
    title = "Damage detector"
    task = "detect"
    trainable = True
    default_priority = 100  # the default of `restorer detect` and of Find damage
    description = ("Finds scratches, dust, hairs, creases and stains: a small network trained on damage drawn on "
                   "clean photos. Review its proposal, then repair.")
    starter_script = "scripts/train_starter_detector.py"
    #: Chosen on the validation split (benchmarks/damage_detection.py's damage and scoring, 31 photos, views 2,
    #: a repair by inpaint-gan at each threshold; the damaged photos 28.29 dB). The shipped starter (16 channels,
    #: 2026-12-07, last phase with --visible-level 25) keeps them: at 0.75 / 1, F1 0.845, false alarm 0.27 %,
    #: 33.67 dB; before that phase, F1 0.828, 0.41 %, 33.44 dB (its best F1, 0.829 at 0.80, ties). The 12-channel starter before it, after its fifth phase: 0.75 / 1: F1 0.829, false alarm 0.32 %, 33.02 dB;
    #: 0.70 / 1 ties on F1 (0.37 %), 0.60 / 1 repairs best (33.14 dB, F1 0.828, 0.46 %). The 8-channel starter
    #: before it, at 0.75 / 1: F1 0.828, 0.39 %, 32.80 dB (its best F1; with a repair at every setting, grow 1
    #: stayed between 32.71 and 32.86 dB from threshold 0.35 to 0.85, and grow 0 peaked at 32.95). Two views:
    #: that starter's best F1 went from 0.805 to 0.816 with them (four: 0.819), for twice the network's time.
    own_params = (*detect_params(threshold=0.75, grow=1),
                  int_param("views", 2, 1, 4, title="Views averaged",
                            help="look at the photo as it is, mirrored, upside down and both, and average: "
                                 "fewer false finds, for that many times the network's time"))

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """The damage probability of every pixel, in tiles on large photos."""
        from restorer_plugins.damage.infer import damage_probability

        net = self.load_networks(request.params["weights"], request.device, _build(request.device))
        return damage_probability(net, request.photo, request.device, job, views=request.params["views"])

    def make_trainer(self, options, device: str):
        """A trainer for ``restorer train``: from ``options.base`` weights, or from scratch."""
        from restorer_plugins.damage.load import detector_from_weights
        from restorer_plugins.damage.training import DetectorTrainConfig, DetectorTrainer

        if options.base is None:
            return DetectorTrainer(train=DetectorTrainConfig(lr=options.lr or DetectorTrainConfig.lr), device=device)
        tensors, meta = load_weights(self.name, options.base)
        net = detector_from_weights(tensors, meta, f"{self.name} weights {options.base!r}")
        return DetectorTrainer(net.config, DetectorTrainConfig(lr=options.lr or FINE_TUNE_LR), device=device,
                               initial=tensors)


#: Learning rate of ``restorer train damage-detector`` from trained weights.
FINE_TUNE_LR = 2e-4


def _build(device: str):
    def build(tensors: dict, meta: dict, path: str):
        from restorer_plugins.damage.load import detector_from_weights

        return detector_from_weights(tensors, meta, path).to(device)

    return build


@hookimpl
def register_models(register):
    """Register ``classical-damage`` and ``damage-detector``."""
    register(ClassicalDamage())
    register(DamageDetector())
