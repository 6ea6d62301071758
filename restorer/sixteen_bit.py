"""16-bit photos: reading the full-depth pixels Pillow reduces, turning them upright, writing them back.

:mod:`restorer.images` keeps a 16-bit PNG or TIFF's pixels beside the 8-bit ones the
models see (``Photo.deep``); this module holds the pixel work of that: OpenCV reads
48- and 64-bit colour (Pillow holds only 16-bit gray), tifffile and OpenCV write it.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

#: Formats that hold 16 bits per channel; the others are written at 8 bits (with a warning).
DEEP_FORMATS = ("PNG", "TIFF")


def deep_pixels(path: Path, img: Image.Image, rawmode: str) -> np.ndarray | None:
    """The 16-bit pixels of a 16-bit PNG or TIFF, ``uint16 (H, W, C)`` in RGB(A) order, else None.

    Pillow holds 16-bit gray (``I;16``) but reduces 48- and 64-bit colour to 8 bits on load, so colour
    is read again by OpenCV. Anything that does not decode to the size Pillow saw stays 8-bit.
    """
    if img.format not in DEEP_FORMATS:
        return None
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(img, dtype=np.uint16)[..., None].copy()
    if img.mode not in ("RGB", "RGBA", "LA") or ";16" not in rawmode:
        return None
    import cv2

    try:
        raw = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        raw = None
    if raw is None or raw.dtype != np.uint16 or raw.shape[:2] != (img.height, img.width):
        return None
    if raw.ndim == 2:
        raw = raw[..., None]
    channels = raw.shape[2]
    if img.mode == "LA":  # OpenCV gives gray + alpha as BGRA
        return np.ascontiguousarray(raw[..., [0, 3]]) if channels == 4 else (raw if channels == 2 else None)
    if channels != len(img.mode):
        return None
    return np.ascontiguousarray(raw[..., [2, 1, 0, 3][:channels]])


#: EXIF orientation -> the numpy operation that turns the stored pixels upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def to_eight_bits(deep: np.ndarray) -> np.ndarray:
    """``uint16`` -> ``uint8`` by scaling (65535 -> 255), rounded, as 16-bit gray always was."""
    return np.round(deep / 257.0).astype(np.uint8)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_deep(deep: np.ndarray, fmt: str, *, exif: bytes | None = None, icc_profile: bytes | None = None) -> bytes:
    """A 16-bit PNG or TIFF of ``deep`` (a photo's ``uint16`` pixels), with its EXIF and ICC profile where
    the writer can."""
    channels = deep.shape[2]
    if channels == 1:  # Pillow holds 16-bit gray and writes its metadata
        options: dict = {"compress_level": 6} if fmt == "PNG" else {"compression": "tiff_deflate"}
        if exif:
            options["exif"] = exif
        buffer = io.BytesIO()
        Image.fromarray(deep[..., 0]).save(buffer, format=fmt, **options)
        return buffer.getvalue()
    if channels == 2:  # no writer here holds 16-bit gray + alpha: RGBA with the gray copied keeps every value
        deep = np.concatenate([np.repeat(deep[..., :1], 3, axis=2), deep[..., 1:]], axis=2)
    if fmt == "TIFF":
        import tifffile

        buffer = io.BytesIO()
        tifffile.imwrite(buffer, deep, photometric="rgb", compression="zlib", iccprofile=icc_profile,
                         extrasamples=("unassalpha",) if deep.shape[2] == 4 else None)
        if exif:
            warnings.warn("the EXIF metadata is not kept in a 16-bit colour TIFF (save as PNG to keep it)",
                          stacklevel=3)
        return buffer.getvalue()
    import cv2

    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(deep[..., [2, 1, 0, 3][:deep.shape[2]]]),
                               [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:  # pragma: no cover - OpenCV writes any uint16 array
        raise ValueError("OpenCV could not encode the 16-bit PNG")
    data = encoded.tobytes()
    extra = b""
    if icc_profile:
        extra += _png_chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc_profile))
    if exif:
        exif = exif[6:] if exif.startswith(b"Exif\0\0") else exif
        extra += _png_chunk(b"eXIf", exif)
    header_end = 8 + 4 + 4 + 13 + 4  # signature, then IHDR: length, type, 13 bytes, CRC
    return data[:header_end] + extra + data[header_end:]
