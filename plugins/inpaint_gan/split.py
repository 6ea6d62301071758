"""Which bundled photos train the starter weights and which the benchmark evaluates on.

The two sets are disjoint; the stereo pair ``motorcycle_left``/``motorcycle_right``
(almost the same scene) stays on one side. Scans, charts and synthetic images
that are not photos (chessboards, logo, horse silhouette, phantom) are left out.

scikit-image's photos are mostly micrographs, textures and scans; the benchmark's
are ordinary photos. :data:`NATURAL` adds the ordinary photos other packages
ship (installed with ``pip install -e '.[starter]'``), none of them a copy of a
held-out photo (PyWavelets also ships ``camera``, which is held out, so it is not listed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Evaluated by benchmarks/inpaint_quality.py; never seen in training.
HELD_OUT = ("astronaut", "camera", "chelsea", "coffee")

#: Train the starter weights (scripts/train_starter_inpaint.py).
TRAIN = ("brick", "cell", "clock_motion", "coins", "color", "grass", "gravel", "hubble_deep_field",
         "ihc", "moon", "motorcycle_left", "motorcycle_right", "page", "retina", "rocket", "text")

#: Ordinary photos bundled by other packages: name -> (package, path inside the package).
NATURAL = {
    "grace_hopper": ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    "china": ("sklearn", "datasets/images/china.jpg"),
    "flower": ("sklearn", "datasets/images/flower.jpg"),
    "ascent": ("pywt", "data/ascent.npz"),
    "aero": ("pywt", "data/aero.npz"),
}


def skimage_photo(name: str) -> Path:
    """Path of the bundled scikit-image photo ``name`` (``.png`` or ``.jpg``)."""
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    for suffix in (".png", ".jpg"):
        if (folder / f"{name}{suffix}").is_file():
            return folder / f"{name}{suffix}"
    raise FileNotFoundError(f"scikit-image ships no photo named {name!r} in {folder}")


def natural_photo(name: str) -> np.ndarray:
    """The :data:`NATURAL` photo ``name`` as ``uint8`` pixels (gray ``(H, W)`` or RGB ``(H, W, 3)``)."""
    import importlib.util

    from restorer.images import open_image

    package, inner = NATURAL[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"photo {name!r} needs the package {package!r}: pip install -e '.[starter]'")
    path = Path(list(spec.submodule_search_locations)[0]) / inner
    if path.suffix == ".npz":
        with np.load(path) as archive:
            return np.asarray(archive[archive.files[0]], dtype=np.uint8)
    with open_image(path) as image:
        return np.asarray(image.convert("RGB"))
