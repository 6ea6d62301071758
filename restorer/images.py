"""Photos and masks: loading any Pillow mode safely, saving atomically.

A :class:`Photo` holds the ``uint8`` RGB pixels that models work on, with the
alpha channel kept aside and restored on save, and what is needed to save in the
photo's own spirit (grayscale stays grayscale, EXIF and ICC profile are kept).

16-bit PNG and TIFF photos (gray, RGB, RGBA) keep their full-depth pixels beside
the 8-bit ones the models see: on save, only the pixels a repair changed are
replaced (the 8-bit result scaled to 16 bits), every other pixel is written back
as it was read. Formats of 8 bits (JPEG, WebP, BMP) get a warning instead.

Only the raster formats of :data:`OPEN_FORMATS` are ever parsed (:func:`open_image`):
a ``.png`` that is really EPS or PDF must not reach Pillow's Ghostscript bridge.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from restorer.errors import InputError
from restorer.files import atomic_write
from restorer.sixteen_bit import DEEP_FORMATS, UPRIGHT, deep_pixels, encode_deep, to_eight_bits

#: File suffixes Restorer reads as photos.
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")
#: Formats Restorer saves, by suffix.
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
#: Pillow formats Restorer opens, photos and masks alike (the suffixes above); nothing else is parsed.
OPEN_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP")
#: The same, as a person reads them in a message.
OPEN_FORMATS_TEXT = "PNG, JPEG, WebP, TIFF or BMP"
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
    #: 16-bit photos: ``uint16 (H, W, C)`` as read (C: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA), upright,
    #: with the pixels changed since replaced; ``rgb`` (and ``alpha``) are its 8-bit reduction. None for
    #: 8-bit photos.
    deep: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]

    def with_rgb(self, rgb: np.ndarray) -> "Photo":
        """The same photo (alpha, metadata) with new RGB pixels of the same size.

        A 16-bit photo keeps its full depth: the pixels whose 8-bit value changed take the new value
        scaled to 16 bits, every other pixel keeps its 16-bit value exactly (so a repair composited
        into the photo leaves the 16 bits outside its mask as they were).
        """
        if rgb.shape != self.rgb.shape or rgb.dtype != np.uint8:
            raise ValueError(f"new pixels {rgb.shape} {rgb.dtype} do not match {self.rgb.shape} uint8")
        if self.deep is None:
            return replace(self, rgb=rgb)
        changed = np.any(rgb != self.rgb, axis=-1)
        deep = self.deep.copy()
        if self.deep.shape[2] <= 2:  # gray: the luminance the 8-bit file would get
            gray = np.asarray(Image.fromarray(np.ascontiguousarray(rgb), "RGB").convert("L"))
            deep[changed, 0] = gray[changed].astype(np.uint16) * 257
        else:
            deep[changed, :3] = rgb[changed].astype(np.uint16) * 257
        return replace(self, rgb=rgb, deep=deep)

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


def open_image(path: str | os.PathLike) -> Image.Image:
    """``Image.open`` restricted to :data:`OPEN_FORMATS` (lazy, as Pillow's): every way a file enters Restorer.

    Any other content, whatever the file's suffix, is an :class:`InputError` naming the file and the
    formats Restorer opens, raised before a parser of another format (EPS, PDF: Ghostscript) runs.
    """
    try:
        return Image.open(path, formats=OPEN_FORMATS)
    except UnidentifiedImageError:
        if Path(path).stat().st_size == 0:
            raise InputError(f"{path}: the file is empty (0 bytes), not an image") from None
        named = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP", ".tif": "TIFF", ".tiff": "TIFF",
                 ".bmp": "BMP"}.get(Path(path).suffix.lower())
        told = (f"its contents are not a {named} image, whatever its name, nor another image Restorer opens"
                if named else "not an image Restorer opens")
        raise InputError(f"{path}: {told} (it opens {OPEN_FORMATS_TEXT})") from None


def _open(path: Path) -> tuple[Image.Image, str]:
    """Open and fully decode ``path``, turning every failure into one clear :class:`InputError`.

    Returns the image and the raw mode its pixels were stored in (``RGB;16B`` for a 48-bit PNG, which
    Pillow decodes to 8-bit ``RGB``), known only before decoding.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected an image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = open_image(path)
            rawmode = img.tile[0].args if img.tile else ""
            rawmode = rawmode[0] if isinstance(rawmode, tuple) and rawmode else rawmode
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"{path}: refused, the image is larger than {MAX_PIXELS / 1e6:.0f} megapixels "
            "(possible decompression bomb)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        if "truncated" in reason.lower():
            reason = "the file is truncated"
        raise InputError(f"{path}: cannot read the image ({reason})") from None
    return img, rawmode if isinstance(rawmode, str) else ""


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


def _warn_if_animated(path: Path, img: Image.Image) -> None:
    """One line when the file holds more frames (APNG, animated WebP) or pages (TIFF) than the first."""
    frames = getattr(img, "n_frames", 1)
    if frames > 1:
        what = "pages" if img.format == "TIFF" else "frames"
        warnings.warn(f"{path}: has {frames} {what}; only the first is repaired and saved", stacklevel=3)


def load_photo(path: str | os.PathLike) -> Photo:
    """Load a photo: EXIF orientation applied, any mode accepted, alpha kept aside, 16 bits kept."""
    path = Path(path)
    img, rawmode = _open(path)
    try:
        _warn_if_animated(path, img)
        return _decode_photo(path, img, rawmode)
    finally:
        img.close()  # a file of several frames stays open for seeking until closed


def _decode_photo(path: Path, img: Image.Image, rawmode: str) -> Photo:
    """The :class:`Photo` of an opened, decoded image (see :func:`load_photo`)."""
    source_format = img.format
    exif = img.info.get("exif")
    icc = img.info.get("icc_profile")
    deep = deep_pixels(path, img, rawmode)
    try:
        orientation = img.getexif().get(0x0112, 1)
        img = ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block must not make a good photo unreadable
        orientation = 1
    if deep is not None:
        turn = UPRIGHT.get(orientation)
        deep = np.ascontiguousarray(turn(deep)) if turn else deep
        if deep.shape[:2] != (img.height, img.width):  # the EXIF turn failed for Pillow: follow it
            deep = None
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
    if deep is not None:
        # The 8-bit pixels are the 16-bit ones scaled (Pillow truncates colour), so an unchanged pixel
        # is recognised on save and written back with its 16 bits.
        colour = to_eight_bits(deep[..., :1] if deep.shape[2] <= 2 else deep[..., :3])
        rgb = np.ascontiguousarray(np.broadcast_to(colour, rgb.shape))
        if deep.shape[2] in (2, 4):
            alpha = to_eight_bits(deep[..., -1])
    return Photo(rgb=rgb, alpha=alpha, grayscale=grayscale, exif=exif, icc_profile=icc,
                 source=path, source_format=source_format, deep=deep)


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
    opened, _ = _open(path)
    try:
        _warn_if_animated(path, opened)
        try:
            img = ImageOps.exif_transpose(opened)
        except Exception:
            img = opened
        mask = mask_from_image(img)
    finally:
        opened.close()
    if size is not None and (mask.shape[1], mask.shape[0]) != tuple(size):
        raise InputError(
            f"{path}: the mask is {mask.shape[1]}x{mask.shape[0]} but the photo is {size[0]}x{size[1]}; "
            "they must be the same size")
    return mask


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
    """Encode a photo in ``fmt`` (PNG, JPEG, WEBP, TIFF, BMP), keeping alpha where the format can.

    A 16-bit photo stays 16-bit in PNG and TIFF; in the other formats it is written at 8 bits, with
    a warning.
    """
    if photo.deep is not None:
        if fmt in DEEP_FORMATS:
            return encode_deep(photo.deep, fmt, exif=photo.exif, icc_profile=photo.icc_profile)
        warnings.warn(f"{fmt} holds 8 bits per channel: the 16-bit photo is saved with 256 levels "
                      "(save as PNG or TIFF to keep 16 bits)", stacklevel=3)
    img = photo.to_pil()
    if fmt in ("JPEG", "BMP") and img.mode in ("RGBA", "LA"):
        # Pillow writes BMP's alpha in a form no reader (Pillow, OpenCV, this app) takes for transparency.
        if photo.alpha is not None and (photo.alpha < 255).any():
            warnings.warn(f"{fmt} has no transparency: the photo's transparent parts are saved opaque "
                          "(save as PNG, WebP or TIFF to keep them)", stacklevel=3)
        img = img.convert("RGB" if img.mode == "RGBA" else "L")
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
