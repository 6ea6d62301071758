"""Photos that ship inside scikit-image, split once into training and held-out sets.

Used to train and measure the starter weights of the photo models (CycleGAN
here, the VAE too) without downloading anything. Grayscale photos are repeated
to RGB; photos larger than 512 pixels are shrunk so their longest side is 512.
The CycleGAN starter's second style, :func:`pencil_sketch`, lives here too, so
its training script and its benchmark make domain B the same way.
"""

from __future__ import annotations

import numpy as np

#: Photos the starter weights are trained on.
TRAIN = ("astronaut", "coffee", "motorcycle", "hubble_deep_field", "immunohistochemistry", "retina",
         "brick", "grass", "gravel", "moon", "coins", "clock")
#: Photos no starter weights ever saw; benchmarks measure on them.
HELD_OUT = ("chelsea", "rocket", "camera")
MAX_SIDE = 512
#: Domain B of the CycleGAN starter, in words (its provenance and benchmark say this).
PENCIL_SKETCH = "cv2.pencilSketch(sigma_s=60, sigma_r=0.07, shade_factor=0.05), its gray output repeated to RGB"


def skimage_photo(name: str) -> np.ndarray:
    """One bundled photo as ``uint8 (H, W, 3)``, longest side at most 512."""
    import cv2
    from skimage import data

    image = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3]).astype(np.uint8)
    scale = MAX_SIDE / max(image.shape[:2])
    if scale < 1:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


def starter_photos(names: tuple[str, ...]) -> list[np.ndarray]:
    """The named photos, in order."""
    return [skimage_photo(name) for name in names]


def pencil_sketch(photo: np.ndarray) -> np.ndarray:
    """Domain B of the CycleGAN starter: OpenCV's pencil sketch of ``photo`` (``uint8 (H, W, 3)`` RGB in and out).

    The gray sketch, repeated to RGB: dark strokes along edges and textures on white.
    """
    import cv2

    gray, _ = cv2.pencilSketch(np.ascontiguousarray(photo[..., ::-1]), sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    return np.repeat(gray[..., None], 3, axis=2)
