"""Photos and masks: loading any Pillow mode safely, saving atomically.

A :class:`Photo` holds the ``uint8`` RGB pixels that models work on, with the
alpha channel kept aside and restored on save, and what is needed to save in the
photo's own spirit (grayscale stays grayscale, EXIF and ICC profile are kept).
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from restorer.errors import InputError

#: File suffixes Restorer reads as photos.
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")
#: Formats Restorer saves, by suffix.
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
#: Photos above this many pixels are refused as possible decompression bombs (~ Pillow's default).
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485

_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "La"}


@dataclass
class Photo:
    """An RGB photo ready for a model, with its alpha and save hints kept aside."""

    rgb: np.ndarray  # uint8 (H, W, 3)
    alpha: np.ndarray | None = None  # uint8 (H, W) or None
    grayscale: bool = False
    exif: bytes | None = None
    icc_profile: bytes | None = None
    source: Path | None = None
    source_format: str | None = None
    info: dict = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]

    def with_rgb(self, rgb: np.ndarray) -> "Photo":
        """The same photo (alpha, metadata) with new RGB pixels of the same size."""
        if rgb.shape != self.rgb.shape or rgb.dtype != np.uint8:
            raise ValueError(f"new pixels {rgb.shape} {rgb.dtype} do not match {self.rgb.shape} uint8")
        return replace(self, rgb=rgb)

    def to_pil(self) -> Image.Image:
        """A Pillow image: L/LA for grayscale photos, RGB/RGBA otherwise."""
        if self.grayscale:
            img = Image.fromarray(self.rgb, "RGB").convert("L")
            if self.alpha is not None:
                img = Image.merge("LA", (img, Image.fromarray(self.alpha, "L")))
            return img
        img = Image.fromarray(self.rgb, "RGB")
        if self.alpha is not None:
            img = Image.merge("RGBA", (*img.split(), Image.fromarray(self.alpha, "L")))
        return img


def _open(path: Path) -> Image.Image:
    """Open and fully decode ``path``, turning every failure into one clear :class:`InputError`."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected an image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"{path}: refused, the image is larger than {MAX_PIXELS / 1e6:.0f} megapixels "
            "(possible decompression bomb)") from None
    except UnidentifiedImageError:
        raise InputError(f"{path}: not an image file Restorer can read") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        if "truncated" in reason.lower():
            reason = "the file is truncated"
        raise InputError(f"{path}: cannot read the image ({reason})") from None
    return img


def _to_uint8_gray(img: Image.Image) -> Image.Image:
    """16-bit and float grayscale to 8-bit by scaling, not clipping."""
    array = np.asarray(img)
    if img.mode.startswith("I;16") or (img.mode == "I" and array.max(initial=0) > 255):
        array = np.clip(array.astype(np.float64) / 257.0, 0, 255).round().astype(np.uint8)
    elif img.mode == "F":
        scale = 255.0 if array.max(initial=0) <= 1.0 else 1.0
        array = np.clip(array * scale, 0, 255).round().astype(np.uint8)
    else:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return Image.fromarray(array, "L")


def load_photo(path: str | os.PathLike) -> Photo:
    """Load a photo: EXIF orientation applied, any mode accepted, alpha kept aside."""
    path = Path(path)
    img = _open(path)
    source_format = img.format
    exif = img.info.get("exif")
    icc = img.info.get("icc_profile")
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block must not make a good photo unreadable
        pass
    if exif is not None:
        # The pixels are now upright: drop the orientation tag so viewers do not rotate again.
        try:
            exif_obj = Image.Exif()
            exif_obj.load(exif)
            exif_obj.pop(0x0112, None)
            exif = exif_obj.tobytes()
        except Exception:
            exif = None
    mode = img.mode
    alpha = None
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode == "PA":
        img = img.convert("RGBA")
        mode = "RGBA"
    grayscale = mode in _GRAY_MODES
    if mode in ("LA", "La"):
        alpha = np.asarray(img.getchannel("A")).copy()
        gray = img.getchannel("L")
    elif grayscale:
        gray = img if mode == "L" else img.convert("L") if mode == "1" else _to_uint8_gray(img)
    if grayscale:
        rgb = np.asarray(gray.convert("RGB")).copy()
        icc = None  # an ICC profile of a gray image does not describe RGB data
    else:
        if mode in ("RGBA", "RGBa"):
            alpha = np.asarray(img.getchannel("A")).copy()
        if mode == "CMYK":
            icc = None  # converted to RGB; the CMYK profile no longer applies
        if mode in ("I;16", "I;16B", "RGB;16", "RGBA;16"):  # pragma: no cover - rare modes
            img = img.convert("RGB")
        rgb = np.asarray(img.convert("RGB")).copy()
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise InputError(f"{path}: the image is empty")
    return Photo(rgb=rgb, alpha=alpha, grayscale=grayscale, exif=exif, icc_profile=icc,
                 source=path, source_format=source_format)


def photo_from_array(rgb: np.ndarray) -> Photo:
    """Wrap a ``uint8`` RGB array (e.g. a sampled image) as a :class:`Photo`."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected uint8 (H, W, 3), got {rgb.dtype} {rgb.shape}")
    return Photo(rgb=np.ascontiguousarray(rgb))


def mask_from_image(img: Image.Image) -> np.ndarray:
    """A boolean mask from an image: white (> 127) marks pixels to repair.

    Images with transparency count transparent pixels as unmasked.
    """
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        value = np.asarray(rgba.convert("L")) > 127
        return value & (np.asarray(rgba.getchannel("A")) > 127)
    if img.mode.startswith("I") or img.mode == "F":
        return np.asarray(_to_uint8_gray(img)) > 127
    return np.asarray(img.convert("L")) > 127


def load_mask(path: str | os.PathLike, size: tuple[int, int] | None = None) -> np.ndarray:
    """Load a mask file; ``size`` (width, height) is the photo's, which the mask must match."""
    path = Path(path)
    img = _open(path)
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:
        pass
    mask = mask_from_image(img)
    if size is not None and (mask.shape[1], mask.shape[0]) != tuple(size):
        raise InputError(
            f"{path}: the mask is {mask.shape[1]}x{mask.shape[0]} but the photo is {size[0]}x{size[1]}; "
            "they must be the same size")
    return mask


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A crash leaves either the old file or the new one, never half of it. An
    existing file is replaced only when ``overwrite`` is true.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: is a folder")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    try:
        # mkstemp makes the file private (0600); a saved photo gets the mode any new file would get,
        # or keeps the mode of the file it replaces.
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() fails if the name appeared meanwhile: no silent clobbering.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
            except OSError:
                os.replace(tmp, path)  # file systems without hard links
            else:
                os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_format(path: str | os.PathLike) -> str:
    """The Pillow format for a file name, or an :class:`InputError` naming the supported suffixes."""
    suffix = Path(path).suffix.lower()
    try:
        return SAVE_FORMATS[suffix]
    except KeyError:
        raise InputError(
            f"{path}: cannot save as {suffix or 'a file without suffix'!r}; "
            f"use one of {', '.join(sorted(set(SAVE_FORMATS)))}") from None


def encode_photo(photo: Photo, fmt: str, *, quality: int = 95) -> bytes:
    """Encode a photo in ``fmt`` (PNG, JPEG, WEBP, TIFF, BMP), keeping alpha where the format can."""
    img = photo.to_pil()
    if fmt in ("JPEG",) and img.mode in ("RGBA", "LA"):
        img = img.convert("RGB" if img.mode == "RGBA" else "L")
    if fmt == "BMP" and img.mode == "LA":
        img = img.convert("RGBA")
    options: dict = {}
    if fmt == "JPEG":
        options.update(quality=int(quality), subsampling=0 if quality >= 90 else 2)
    elif fmt == "WEBP":
        options.update(quality=int(quality), lossless=quality >= 100)
    elif fmt == "PNG":
        options.update(compress_level=6)
    elif fmt == "TIFF":
        options.update(compression="tiff_deflate")
    if photo.exif and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
        options["exif"] = photo.exif
    if photo.icc_profile and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
        options["icc_profile"] = photo.icc_profile
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def save_photo(photo: Photo, path: str | os.PathLike, *, overwrite: bool = False, quality: int = 95) -> None:
    """Save atomically in the format the suffix names; existing files are replaced only on request."""
    fmt = save_format(path)
    atomic_write(path, encode_photo(photo, fmt, quality=quality), overwrite=overwrite)


def save_mask(mask: np.ndarray, path: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Save a mask as a black-and-white PNG (white = repair)."""
    img = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    atomic_write(path, buffer.getvalue(), overwrite=overwrite)


def list_photos(folder: str | os.PathLike, *, recursive: bool = False) -> list[Path]:
    """Photo files in a folder (by suffix), sorted; hidden files skipped."""
    folder = Path(folder)
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))
