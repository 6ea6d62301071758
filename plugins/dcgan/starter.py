"""The data the starter weights are trained and measured on: scikit-image's bundled LFW faces.

``skimage.data.lfw_subset()`` holds 200 grayscale 25x25 crops: the first 100 are
faces, the other 100 are not. The faces are split once, with a fixed seed, into
80 for training and 20 held out for the benchmark, and upsampled to the model size.
"""

from __future__ import annotations

import numpy as np

FACES = 100
HELD_OUT = 20
SPLIT_SEED = 0


def lfw_faces(size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """``(train, held_out)`` grayscale faces as ``float32 (N, 1, size, size)`` in [-1, 1]."""
    import cv2
    from skimage import data

    faces = data.lfw_subset()[:FACES].astype(np.float32)
    order = np.random.default_rng(SPLIT_SEED).permutation(FACES)
    faces = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_CUBIC) for f in faces[order]])
    faces = np.clip(faces, 0, 1) * 2 - 1
    faces = faces[:, None]
    return faces[HELD_OUT:], faces[:HELD_OUT]
