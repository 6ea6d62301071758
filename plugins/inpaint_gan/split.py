"""Which of scikit-image's bundled photos train the starter weights and which the benchmark evaluates on.

The two sets are disjoint; the stereo pair ``motorcycle_left``/``motorcycle_right``
(almost the same scene) stays on one side. Scans, charts and synthetic images
that are not photos (chessboards, logo, horse silhouette, phantom) are left out.
"""

#: Evaluated by benchmarks/inpaint_quality.py; never seen in training.
HELD_OUT = ("astronaut", "camera", "chelsea", "coffee")

#: Train the starter weights (scripts/train_starter_inpaint.py).
TRAIN = ("brick", "cell", "clock_motion", "coins", "color", "grass", "gravel", "hubble_deep_field",
         "ihc", "moon", "motorcycle_left", "motorcycle_right", "page", "retina", "rocket", "text")


def skimage_photo(name: str):
    """Path of the bundled scikit-image photo ``name`` (``.png`` or ``.jpg``)."""
    from pathlib import Path

    import skimage

    folder = Path(skimage.__file__).parent / "data"
    for suffix in (".png", ".jpg"):
        if (folder / f"{name}{suffix}").is_file():
            return folder / f"{name}{suffix}"
    raise FileNotFoundError(f"scikit-image ships no photo named {name!r} in {folder}")
