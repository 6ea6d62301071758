"""Training data: random crops from one or two folders of photos, plus random hole masks.

A :class:`PhotoFolder` finds photos recursively (JPEG, PNG, WebP, TIFF, BMP),
skips and counts files that cannot be read, and cuts random crops with scale
jitter and horizontal flips. Photos smaller than the crop are enlarged first.
All randomness comes from one ``numpy.random.Generator`` that the training loop
owns and checkpoints, so a resumed run sees exactly the batches an
uninterrupted run would have seen.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from restorer.errors import InputError, RestorerError
from restorer.files import atomic_write
from restorer.images import PHOTO_SUFFIXES, load_photo, open_image
from restorer.training.masks import random_mask

if TYPE_CHECKING:  # torch is imported lazily: scanning a folder must not wait for it
    import torch

#: Decoded photos larger than this on their shorter side are reduced once, on load.
MAX_SHORT_SIDE = 1024


@dataclass
class Skipped:
    """A file that could not be used, and why."""

    path: Path
    reason: str


@dataclass
class PhotoFolder:
    """The readable photos under one folder, with a small cache of decoded pixels."""

    root: Path
    paths: list[Path]
    skipped: list[Skipped] = field(default_factory=list)
    cache_pixels: int = 64_000_000
    _cache: "OrderedDict[int, np.ndarray]" = field(default_factory=OrderedDict, repr=False)
    _failed: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def scan(cls, folder: str | os.PathLike, *, recursive: bool = True) -> "PhotoFolder":
        """Find the photos under ``folder``; files whose header cannot be read are skipped and counted.

        Raises :class:`InputError` when the folder does not exist or holds no readable photo.
        """
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise InputError(f"{root}: no such folder (give a folder of photos to train on)")
        pattern = "**/*" if recursive else "*"
        candidates = sorted(p for p in root.glob(pattern)
                            if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))
        paths: list[Path] = []
        skipped: list[Skipped] = []
        for path in candidates:
            try:
                with open_image(path) as img:
                    img.verify()  # cheap integrity check; full decoding happens on first use
                    if img.size[0] < 1 or img.size[1] < 1:
                        raise ValueError("empty image")
                paths.append(path)
            except Exception as exc:  # any unreadable file is counted, never fatal
                skipped.append(Skipped(path, f"{type(exc).__name__}: {exc}".strip()))
        if not paths:
            extra = f" ({len(skipped)} unreadable files skipped)" if skipped else ""
            raise InputError(f"{root}: no readable photos (JPEG, PNG, WebP, TIFF or BMP) found{extra}")
        return cls(root=root, paths=paths, skipped=skipped)

    @classmethod
    def from_pictures(cls, folder: str | os.PathLike, pictures: Mapping[str, np.ndarray]) -> "PhotoFolder":
        """Write ``pictures`` (name -> ``uint8 (H, W, 3)`` RGB) into ``folder`` as ``NAME.png`` and scan it.

        How pictures made in memory (the starter scripts' bundled photos, sketches, faces) reach
        the training loop, which trains from folders. PNG keeps every pixel, so the loop crops the
        pictures as given. Other photo files in ``folder`` would be trained on too: they are refused.
        """
        from PIL import Image

        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        names = {f"{name}.png" for name in pictures}
        strangers = sorted(p.name for p in root.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.name not in names)
        if strangers:
            raise InputError(f"{root}: holds other photos ({', '.join(strangers[:3])}); use an empty folder")
        for name, picture in pictures.items():
            buffer = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(picture, dtype=np.uint8), "RGB").save(buffer, format="PNG")
            atomic_write(root / f"{name}.png", buffer.getvalue(), overwrite=True)
        return cls.scan(root, recursive=False)

    def __len__(self) -> int:
        return len(self.paths)

    def relative(self, path: str | os.PathLike) -> str:
        """``path`` relative to the folder's root, with ``/`` separators (how runs name a photo)."""
        return Path(path).relative_to(self.root).as_posix()

    def without(self, names: Iterable[str]) -> "PhotoFolder":
        """A copy without the photos named in ``names`` (paths relative to the root), e.g. those kept
        out of training; unknown names are ignored. Raises :class:`InputError` when none would be left."""
        drop = set(names)
        kept = [path for path in self.paths if self.relative(path) not in drop]
        if not kept:
            raise InputError(f"{self.root}: no photos left to train on once the held-out ones are set aside")
        return PhotoFolder(root=self.root, paths=kept, skipped=list(self.skipped), cache_pixels=self.cache_pixels)

    def pixels(self, index: int) -> np.ndarray:
        """The ``uint8`` RGB pixels of photo ``index`` (reduced to :data:`MAX_SHORT_SIDE`), cached."""
        import cv2

        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        rgb = load_photo(self.paths[index]).rgb
        short = min(rgb.shape[:2])
        if short > MAX_SHORT_SIDE:
            factor = MAX_SHORT_SIDE / short
            size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        self._cache[index] = rgb
        while sum(a.size // 3 for a in self._cache.values()) > self.cache_pixels and len(self._cache) > 1:
            self._cache.popitem(last=False)
        return rgb

    def _readable(self, index: int) -> np.ndarray:
        """Pixels of ``index``, or of the next readable photo when it fails to decode (deterministic)."""
        for offset in range(len(self.paths)):
            candidate = (index + offset) % len(self.paths)
            if candidate in self._failed:
                continue
            try:
                return self.pixels(candidate)
            except (RestorerError, OSError, ValueError) as exc:
                self._failed.add(candidate)
                self.skipped.append(Skipped(self.paths[candidate], str(exc)))
        raise InputError(f"{self.root}: none of the photos could be decoded")

    def random_crop(self, rng: np.random.Generator, crop: int,
                    scale_range: tuple[float, float] = (0.5, 1.0), flip: bool = True) -> np.ndarray:
        """A random ``(crop, crop, 3)`` ``uint8`` crop of a random photo.

        The photo is first scaled by a factor drawn in ``scale_range`` (enlarged
        instead when it would be smaller than the crop), then cropped, then
        flipped left-right half of the time. Only the crop's source region is resized.
        """
        return self.random_window(rng, crop, scale_range, flip)[0]

    def random_window(self, rng: np.random.Generator, crop: int, scale_range: tuple[float, float] = (0.5, 1.0),
                      flip: bool = True) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
        """Like :meth:`random_crop`, also returning the scaled photo's ``(height, width)`` and the
        crop's ``(top, left)`` in it, so a hole mask can be drawn for the whole photo and cut alike."""
        import cv2

        index = int(rng.integers(len(self.paths)))
        scale = float(rng.uniform(*scale_range))
        flip_it = bool(rng.random() < 0.5) and flip
        u, v = float(rng.random()), float(rng.random())
        rgb = self._readable(index)
        height, width = rgb.shape[:2]
        scale = max(scale, crop / min(height, width))  # photos smaller than the crop are enlarged
        source = min(height, width, max(1, int(round(crop / scale))))
        top = int(u * (height - source + 1))
        left = int(v * (width - source + 1))
        region = rgb[top:top + source, left:left + source]
        if source != crop:
            interp = cv2.INTER_AREA if source > crop else cv2.INTER_LINEAR
            region = cv2.resize(region, (crop, crop), interpolation=interp)
        if flip_it:
            region = region[:, ::-1]
        factor = crop / source
        frame = (max(crop, int(round(height * factor))), max(crop, int(round(width * factor))))
        offset = (min(frame[0] - crop, int(round(top * factor))), min(frame[1] - crop, int(round(left * factor))))
        return np.ascontiguousarray(region), frame, offset


@dataclass
class Batch:
    """One training batch, as float tensors in ``[0, 1]``.

    ``photos`` is ``(B, 3, H, W)``; ``photos_b`` the same from the second folder
    (two-folder training such as CycleGAN), else ``None``; ``masks`` is
    ``(B, 1, H, W)`` with 1 = hole when the trainer asked for masks, else ``None``.
    """

    photos: "torch.Tensor"
    photos_b: "torch.Tensor | None" = None
    masks: "torch.Tensor | None" = None


@dataclass(frozen=True)
class DataConfig:
    """How batches are cut: crop size, scale jitter and hole masks."""

    crop: int = 128
    batch_size: int = 8
    scale_range: tuple[float, float] = (0.5, 1.0)
    flip: bool = True
    mask_area: tuple[float, float] = (0.05, 0.3)
    #: Draw each hole mask for the whole (scaled) photo and cut it with the crop, so holes
    #: have the size they would have on the photo (a 128-pixel crop then sees parts of wide
    #: holes, as the benchmark's photos do), instead of being drawn for the crop alone.
    mask_on_photo: bool = True


def _to_tensor(crops: list[np.ndarray]):
    import torch

    stacked = np.stack(crops).astype(np.float32) / 255.0  # (B, H, W, 3)
    return torch.from_numpy(stacked).permute(0, 3, 1, 2).contiguous()


def _hole(rng: np.random.Generator, config: DataConfig, frame: tuple[int, int],
          offset: tuple[int, int]) -> np.ndarray:
    """A ``(crop, crop)`` hole mask: drawn for the whole photo and cut, or drawn for the crop."""
    crop = config.crop
    if not config.mask_on_photo:
        return random_mask(crop, crop, rng, "mixed", config.mask_area)
    for _ in range(10):  # a window can miss the holes drawn elsewhere on the photo: redraw
        whole = random_mask(frame[0], frame[1], rng, "mixed", config.mask_area)
        hole = whole[offset[0]:offset[0] + crop, offset[1]:offset[1] + crop]
        if hole.mean() >= 0.02:
            return hole
    return random_mask(crop, crop, rng, "mixed", config.mask_area)


def sample_batch(folders: list[PhotoFolder], rng: np.random.Generator, config: DataConfig,
                 *, masks: bool = False) -> Batch:
    """Draw one :class:`Batch` from one or two folders using ``rng``."""
    import torch

    if not 1 <= len(folders) <= 2:
        raise ValueError("training takes one or two photo folders")
    windows = [folders[0].random_window(rng, config.crop, config.scale_range, config.flip)
               for _ in range(config.batch_size)]
    crops = [w[0] for w in windows]
    crops_b = None
    if len(folders) == 2:
        crops_b = [folders[1].random_crop(rng, config.crop, config.scale_range, config.flip)
                   for _ in range(config.batch_size)]
    holes = None
    if masks:
        holes = np.stack([_hole(rng, config, frame, offset) for _, frame, offset in windows])
        holes = torch.from_numpy(holes.astype(np.float32))[:, None]
    return Batch(_to_tensor(crops), _to_tensor(crops_b) if crops_b is not None else None, holes)


def folder_notices(folders: list[PhotoFolder], crop: int) -> list[str]:
    """Warnings about usable-but-imperfect photo folders: unreadable files, photos smaller than the crop
    (reads image headers only)."""
    notices = []
    for folder in folders:
        if folder.skipped:
            names = ", ".join(s.path.name for s in folder.skipped[:3])
            more = f" and {len(folder.skipped) - 3} more" if len(folder.skipped) > 3 else ""
            notices.append(f"{folder.root.name}: {len(folder.skipped)} unreadable file(s) skipped "
                           f"({names}{more}).")
        small = 0
        for photo in folder.paths:
            with open_image(photo) as img:
                small += min(img.size) < crop
        if small:
            notices.append(f"{folder.root.name}: {small} of {len(folder)} photo(s) are smaller than the "
                           f"{crop}-pixel crop; they will be enlarged (blurrier training crops).")
    return notices
