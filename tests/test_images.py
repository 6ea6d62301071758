"""Loading and saving photos and masks: every mode, every bad file, EXIF, alpha, atomic writes."""

from __future__ import annotations

import os
import zlib
import struct

import numpy as np
import pytest
from PIL import Image

from restorer.errors import InputError
from restorer.files import atomic_write
from restorer.images import load_mask, load_photo, mask_from_image, photo_from_array, save_mask, save_photo
from tests.conftest import textured_photo

FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "TIFF": ".tif", "BMP": ".bmp"}


def _image_in_mode(mode: str) -> Image.Image:
    rgb = Image.fromarray(textured_photo(32, 48), "RGB")
    if mode == "RGB":
        return rgb
    if mode == "RGBA":
        img = rgb.convert("RGBA")
        img.putalpha(Image.fromarray(np.tile(np.arange(48, dtype=np.uint8) * 5, (32, 1)), "L"))
        return img
    if mode == "L":
        return rgb.convert("L")
    if mode == "1":
        return rgb.convert("1")
    if mode == "LA":
        return rgb.convert("LA")
    if mode == "P":
        img = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
        img.info["transparency"] = 0
        return img
    if mode == "I;16":
        return Image.fromarray((np.asarray(rgb.convert("L")).astype(np.uint16) * 257))
    if mode == "CMYK":
        return rgb.convert("CMYK")
    raise AssertionError(mode)


# (mode, format) pairs Pillow can write.
CASES = [("RGB", f) for f in FORMATS] + [("RGBA", "PNG"), ("RGBA", "WEBP"), ("RGBA", "TIFF"),
    ("L", "PNG"), ("L", "JPEG"), ("L", "TIFF"), ("L", "BMP"), ("LA", "PNG"), ("P", "PNG"), ("P", "BMP"),
    ("I;16", "PNG"), ("I;16", "TIFF"), ("CMYK", "JPEG"), ("CMYK", "TIFF"), ("1", "PNG"), ("1", "TIFF")]


@pytest.mark.parametrize("mode,fmt", CASES)
def test_loads_every_mode_and_format(tmp_path, mode, fmt):
    path = tmp_path / f"photo{FORMATS[fmt]}"
    _image_in_mode(mode).save(path, format=fmt, **({"transparency": 0} if mode == "P" and fmt == "PNG" else {}))
    photo = load_photo(path)
    assert photo.rgb.dtype == np.uint8 and photo.rgb.shape == (32, 48, 3)
    assert photo.grayscale == (mode in ("L", "LA", "I;16", "1"))
    if mode in ("RGBA", "LA") or (mode == "P" and fmt == "PNG"):
        assert photo.alpha is not None and photo.alpha.shape == (32, 48)
    if fmt in ("PNG", "TIFF", "BMP") and mode == "RGB":
        assert np.array_equal(photo.rgb, textured_photo(32, 48))


def test_sixteen_bit_is_scaled_not_clipped(tmp_path):
    ramp = (np.tile(np.linspace(0, 65535, 64), (8, 1))).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    photo = load_photo(tmp_path / "deep.png")
    assert photo.rgb[0, 0, 0] == 0 and photo.rgb[0, -1, 0] == 255
    assert 100 < photo.rgb[0, 32, 0] < 160


def test_alpha_round_trip(tmp_path):
    src = _image_in_mode("RGBA")
    src.save(tmp_path / "a.png")
    photo = load_photo(tmp_path / "a.png")
    save_photo(photo, tmp_path / "b.png")
    back = Image.open(tmp_path / "b.png")
    assert back.mode == "RGBA"
    assert np.array_equal(np.asarray(back), np.asarray(src))


def test_transparency_dropped_by_jpeg_or_bmp_is_said(tmp_path):
    import warnings

    src = _image_in_mode("RGBA")
    assert (np.asarray(src)[..., 3] < 255).any()
    src.save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="JPEG has no transparency"):
        save_photo(load_photo(tmp_path / "a.png"), tmp_path / "b.jpg")
    with pytest.warns(UserWarning, match="BMP has no transparency"):  # its alpha is read back by nothing
        save_photo(load_photo(tmp_path / "a.png"), tmp_path / "b.bmp")
    assert Image.open(tmp_path / "b.bmp").mode == "RGB"
    Image.new("LA", (8, 8), (90, 40)).save(tmp_path / "gray.png")  # gray, mostly transparent
    with pytest.warns(UserWarning, match="BMP has no transparency"):
        save_photo(load_photo(tmp_path / "gray.png"), tmp_path / "gray.bmp")
    assert load_photo(tmp_path / "gray.bmp").grayscale
    Image.new("RGBA", (8, 8), (10, 20, 30, 255)).save(tmp_path / "opaque.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is lost: no warning
        save_photo(load_photo(tmp_path / "opaque.png"), tmp_path / "opaque.jpg")


def test_grayscale_stays_grayscale(tmp_path):
    _image_in_mode("L").save(tmp_path / "g.png")
    save_photo(load_photo(tmp_path / "g.png"), tmp_path / "out.png")
    out = Image.open(tmp_path / "out.png")
    assert out.mode == "L"
    assert np.array_equal(np.asarray(out), np.asarray(_image_in_mode("L")))


def test_exif_orientation_applied(tmp_path):
    img = Image.fromarray(textured_photo(20, 40), "RGB")  # 40 wide, 20 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    img.save(tmp_path / "rot.jpg", exif=exif.tobytes(), quality=95)
    photo = load_photo(tmp_path / "rot.jpg")
    assert photo.size == (20, 40)
    save_photo(photo, tmp_path / "saved.jpg")
    # Saved upright with the orientation tag dropped: reopening does not rotate again.
    assert load_photo(tmp_path / "saved.jpg").size == (20, 40)


def test_non_image_refused(tmp_path):
    (tmp_path / "notes.png").write_text("this is not an image")
    with pytest.raises(InputError, match="its contents are not a PNG image, whatever its name"):
        load_photo(tmp_path / "notes.png")
    (tmp_path / "notes.txt").write_text("this is not an image")
    with pytest.raises(InputError, match=r"notes.txt: not an image Restorer opens \(it opens "):
        load_photo(tmp_path / "notes.txt")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.jpg: the file is empty \(0 bytes\), not an image$"):
        load_photo(tmp_path / "empty.jpg")


def test_empty_file_refused(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError):
        load_photo(tmp_path / "empty.jpg")


def test_truncated_file_refused(tmp_path):
    Image.fromarray(textured_photo(200, 200), "RGB").save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="truncated|cannot read"):
        load_photo(tmp_path / "cut.jpg")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_decompression_bomb_refused(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_header_only(40000, 40000))  # 1.6 gigapixels in ~60 bytes
    with pytest.raises(InputError, match="decompression bomb"):
        load_photo(tmp_path / "bomb.png")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_photo(tmp_path / "nope.png")
    with pytest.raises(InputError, match="folder"):
        load_photo(tmp_path)


def test_mask_white_means_repair_in_any_mode(tmp_path):
    values = np.array([[0, 127, 128, 255]], np.uint8)
    expected = np.array([[False, False, True, True]])
    for mode in ("L", "RGB", "RGBA", "P", "1", "I;16"):
        img = Image.fromarray(values, "L")
        if mode == "I;16":
            img = Image.fromarray(values.astype(np.uint16) * 257)
        else:
            img = img.convert(mode)
        got = mask_from_image(img)
        if mode == "1":  # 1-bit dithers/thresholds at 128 already
            assert got[0, 0] == False and got[0, 3] == True  # noqa: E712
        else:
            assert np.array_equal(got, expected), mode


def test_mask_size_mismatch_names_both_sizes(tmp_path):
    Image.new("L", (10, 20), 255).save(tmp_path / "m.png")
    with pytest.raises(InputError, match=r"10x20.*30x40"):
        load_mask(tmp_path / "m.png", (30, 40))


def test_save_mask_round_trip(tmp_path):
    mask = np.zeros((12, 9), bool)
    mask[3:7, 2:5] = True
    save_mask(mask, tmp_path / "m.png")
    assert np.array_equal(load_mask(tmp_path / "m.png", (9, 12)), mask)


def test_atomic_write_refuses_existing_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    with pytest.raises(InputError, match="already exists"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    atomic_write(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.png"]


def test_files_written_together_land_all_or_none(tmp_path, monkeypatch):
    import errno

    import restorer.files as files

    first, second = tmp_path / "report.md", tmp_path / "report.json"
    first.write_bytes(b"old report")
    files.write_together({first: b"new report", second: b"new data"})
    assert (first.read_bytes(), second.read_bytes()) == (b"new report", b"new data")
    real_fsync, calls = os.fsync, []

    def full_on_the_second(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_on_the_second)
    with pytest.raises(OSError) as failed:
        files.write_together({first: b"newer report", second: b"newer data"})
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(second)  # the target, not a temp
    assert (first.read_bytes(), second.read_bytes()) == (b"new report", b"new data")  # neither replaced
    assert sorted(os.listdir(tmp_path)) == ["report.json", "report.md"]  # no temporary file left


def test_failed_encode_leaves_nothing(tmp_path, monkeypatch):
    import restorer.files as files

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(files.os, "fsync", boom)
    with pytest.raises(RuntimeError):
        save_photo(photo_from_array(textured_photo(8, 8)), tmp_path / "x.png")
    assert os.listdir(tmp_path) == []


def test_unknown_output_suffix(tmp_path):
    with pytest.raises(InputError, match="cannot save"):
        save_photo(photo_from_array(textured_photo(8, 8)), tmp_path / "x.xyz")


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp", ".tif"])
def test_save_formats_and_jpeg_quality(tmp_path, suffix):
    photo = photo_from_array(textured_photo(64, 64))
    save_photo(photo, tmp_path / f"hi{suffix}", quality=95)
    save_photo(photo, tmp_path / f"lo{suffix}", quality=20)
    back = load_photo(tmp_path / f"hi{suffix}")
    assert back.size == (64, 64)
    if suffix in (".jpg", ".webp"):
        assert (tmp_path / f"lo{suffix}").stat().st_size < (tmp_path / f"hi{suffix}").stat().st_size


def test_saved_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.png", b"x")
        assert (tmp_path / "new.png").stat().st_mode & 0o777 == 0o644
        (tmp_path / "shared.png").write_bytes(b"old")
        os.chmod(tmp_path / "shared.png", 0o664)
        atomic_write(tmp_path / "shared.png", b"new", overwrite=True)
        assert (tmp_path / "shared.png").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def _frames(count: int) -> list[Image.Image]:
    return [Image.fromarray(np.full((16, 20, 3), 40 * i, np.uint8)) for i in range(count)]


@pytest.mark.parametrize("suffix,fmt", [(".png", "PNG"), (".webp", "WEBP"), (".tif", "TIFF")])
def test_animations_and_pages_warn_that_only_the_first_frame_is_kept(tmp_path, suffix, fmt):
    first, *rest = _frames(3)
    path = tmp_path / f"moving{suffix}"
    first.save(path, format=fmt, save_all=True, append_images=rest,
               **({"lossless": True} if fmt == "WEBP" else {}))
    with pytest.warns(UserWarning, match=r"has 3 (frames|pages); only the first") as caught:
        photo = load_photo(path)
    assert len([w for w in caught if "only the first" in str(w.message)]) == 1
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]  # the file is closed
    assert np.array_equal(photo.rgb, np.asarray(first))


def test_a_still_photo_warns_nothing(tmp_path):
    import warnings

    _frames(1)[0].save(tmp_path / "still.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_photo(tmp_path / "still.png")


def _eps(tmp_path) -> bytes:
    eps = tmp_path / "drawing.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\n"
                    b"showpage\n%%EOF\n")
    return eps.read_bytes()


@pytest.mark.parametrize("content", ["eps", "gif", "ico", "pdf"])
def test_only_the_listed_raster_formats_are_opened(tmp_path, monkeypatch, content):
    # A `.png` that is really EPS would make Pillow run Ghostscript: refused before any parser runs.
    import subprocess

    def no_programs(*args, **kwargs):
        raise AssertionError(f"a program was run: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_programs)
    monkeypatch.setattr(subprocess, "check_call", no_programs)
    path = tmp_path / "photo.png"
    if content == "eps":
        path.write_bytes(_eps(tmp_path))
    elif content == "pdf":
        _frames(1)[0].save(path, format="PDF")
    else:
        _frames(1)[0].save(path, format=content.upper())
    for load in (load_photo, lambda p: load_mask(p)):
        with pytest.raises(InputError) as refused:
            load(path)
        message = str(refused.value)
        assert str(path) in message and "PNG, JPEG, WebP, TIFF or BMP" in message and "\n" not in message


def test_open_image_is_the_one_way_in(tmp_path):
    from restorer.images import open_image

    path = tmp_path / "drawing.png"
    path.write_bytes(_eps(tmp_path))
    with pytest.raises(InputError, match="PNG, JPEG, WebP, TIFF or BMP"):
        open_image(path)
    _frames(1)[0].save(tmp_path / "fine.bmp")
    with open_image(tmp_path / "fine.bmp") as img:
        assert img.format == "BMP" and img.size == (20, 16)


def test_no_unrestricted_image_open_in_restorer_or_plugins():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for source in [*root.glob("restorer/**/*.py"), *root.glob("plugins/**/*.py")]:
        for number, line in enumerate(source.read_text().splitlines(), 1):
            if re.search(r"Image\.open\(", line) and "formats=" not in line:
                offenders.append(f"{source.relative_to(root)}:{number}")
    assert offenders == [], offenders
