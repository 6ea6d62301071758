"""16-bit photos: the model sees 8 bits, the file keeps 16 outside what was repaired, exactly."""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image

from restorer.images import load_photo, save_photo
from restorer.pipeline import run_model
from restorer.registry import get_registry

HEIGHT, WIDTH = 40, 56


def deep_pixels(channels: int, seed: int = 0) -> np.ndarray:
    """uint16 (H, W, channels): a smooth ramp (thousands of levels) plus noise in the low bits."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    planes = [(x * 1100 + y * 300 + 4000 * c) % 60000 + rng.integers(0, 255, (HEIGHT, WIDTH))
              for c in range(channels)]
    return np.stack(planes, axis=-1).astype(np.uint16)


def write_deep(path, pixels: np.ndarray) -> None:
    """Write uint16 (H, W, C) as a 16-bit PNG or TIFF (C = 1 gray, 3 RGB, 4 RGBA)."""
    channels = pixels.shape[2]
    if channels == 1:
        Image.fromarray(pixels[..., 0]).save(path)  # mode I;16
    elif path.suffix == ".png":
        cv2.imwrite(str(path), pixels[..., [2, 1, 0, 3][:channels]])
    else:
        tifffile.imwrite(path, pixels, photometric="rgb")


def read_deep(path) -> np.ndarray:
    """The file's pixels at full depth, uint16 (H, W, C), RGB order."""
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16, raw.dtype
    if raw.ndim == 2:
        return raw[..., None]
    return raw[..., [2, 1, 0, 3][:raw.shape[2]]]


def hole() -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[12:20, 18:34] = True
    return mask


CASES = [(1, ".png"), (1, ".tif"), (3, ".png"), (3, ".tif"), (4, ".png"), (4, ".tiff")]


@pytest.mark.parametrize("channels,suffix", CASES)
def test_cli_repair_keeps_sixteen_bits_outside_the_mask(tmp_path, channels, suffix):
    from restorer.cli import main

    source = tmp_path / f"deep{suffix}"
    original = deep_pixels(channels)
    write_deep(source, original)
    assert len(np.unique(original[..., 0])) > 886
    Image.fromarray(np.where(hole(), 255, 0).astype(np.uint8)).save(tmp_path / "mask.png")
    out = tmp_path / f"out{suffix}"
    assert main(["inpaint", str(source), "--mask", str(tmp_path / "mask.png"), "-o", str(out),
                 "--model", "opencv-telea"]) == 0
    saved = read_deep(out)
    assert saved.shape == original.shape
    outside = ~hole()
    assert np.array_equal(saved[outside], original[outside])
    # inside: the 8-bit repair the model made, scaled to 16 bits where it changed the pixel; alpha untouched
    photo = load_photo(source)
    repair = run_model(get_registry().get("opencv-telea"), photo.rgb, hole())[..., :min(channels, 3)]
    colour = saved[..., :min(channels, 3)]
    assert np.array_equal(np.round(colour / 257.0).astype(np.uint8), repair)
    changed = np.any(repair != photo.rgb[..., :min(channels, 3)], axis=-1)
    assert changed.sum() > 20 and np.all(colour[changed] % 257 == 0)
    if channels == 4:
        assert np.array_equal(saved[..., 3], original[..., 3])
    assert len(np.unique(saved[..., 0])) > 886


@pytest.mark.parametrize("channels,suffix", CASES)
def test_load_keeps_full_depth_and_the_model_sees_eight_bits(tmp_path, channels, suffix):
    path = tmp_path / f"deep{suffix}"
    original = deep_pixels(channels)
    write_deep(path, original)
    photo = load_photo(path)
    assert photo.rgb.dtype == np.uint8 and photo.rgb.shape == (HEIGHT, WIDTH, 3)
    assert photo.grayscale == (channels == 1)
    assert np.array_equal(photo.deep, original)
    expected = np.round(original[..., :min(channels, 3)] / 257.0).astype(np.uint8)
    assert np.array_equal(photo.rgb, np.broadcast_to(expected, photo.rgb.shape))
    # saved unchanged, the file is the original, bit for bit
    save_photo(photo, tmp_path / f"same{suffix}")
    assert np.array_equal(read_deep(tmp_path / f"same{suffix}"), original)


def test_unchanged_pixels_inside_the_edit_keep_their_sixteen_bits(tmp_path):
    path = tmp_path / "deep.png"
    original = deep_pixels(3)
    write_deep(path, original)
    photo = load_photo(path)
    edited = photo.rgb.copy()
    edited[5, 7] = [1, 2, 3]
    repaired = photo.with_rgb(edited)
    assert np.array_equal(repaired.deep[5, 7], [257, 514, 771])
    others = np.ones((HEIGHT, WIDTH), bool)
    others[5, 7] = False
    assert np.array_equal(repaired.deep[others], original[others])
    assert np.array_equal(photo.deep, original)  # the loaded photo is not changed in place


@pytest.mark.parametrize("suffix", [".jpg", ".webp", ".bmp"])
def test_eight_bit_formats_warn_once(tmp_path, suffix):
    path = tmp_path / "deep.png"
    write_deep(path, deep_pixels(3))
    with pytest.warns(UserWarning, match="8 bits") as caught:
        save_photo(load_photo(path), tmp_path / f"out{suffix}")
    assert len([w for w in caught if "8 bits" in str(w.message)]) == 1
    assert Image.open(tmp_path / f"out{suffix}").size == (WIDTH, HEIGHT)


def test_cli_prints_the_warning_in_one_line(tmp_path, capsys):
    from restorer.cli import main

    source = tmp_path / "deep.png"
    write_deep(source, deep_pixels(1))
    Image.fromarray(np.where(hole(), 255, 0).astype(np.uint8)).save(tmp_path / "mask.png")
    assert main(["inpaint", str(source), "--mask", str(tmp_path / "mask.png"), "-o", str(tmp_path / "out.jpg"),
                 "--model", "opencv-telea"]) == 0
    warning_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("restorer: warning")]
    assert len(warning_lines) == 1 and warning_lines[0].startswith("restorer: warning: ") \
        and "8 bits" in warning_lines[0], warning_lines


def test_eight_bit_photos_warn_nothing_and_have_no_deep_pixels(tmp_path):
    Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(tmp_path / "plain.png")
    photo = load_photo(tmp_path / "plain.png")
    assert photo.deep is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_photo(photo.with_rgb(photo.rgb + 1), tmp_path / "out.jpg")


def test_exif_orientation_turns_the_sixteen_bit_pixels_too(tmp_path):
    original = deep_pixels(1)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "turned.png"
    Image.fromarray(original[..., 0]).save(path, exif=exif.tobytes())
    photo = load_photo(path)
    assert photo.size == (HEIGHT, WIDTH)
    upright = np.asarray(Image.open(path).transpose(Image.Transpose.ROTATE_270))
    assert np.array_equal(photo.deep[..., 0], upright)
    assert np.array_equal(photo.rgb[..., 0], np.round(upright / 257.0).astype(np.uint8))


def test_gui_document_saves_sixteen_bits(tmp_path):
    from restorer.editing.document import Document

    path = tmp_path / "deep.tif"
    original = deep_pixels(3)
    write_deep(path, original)
    document = Document.open(path)
    result = document.rgb.copy()
    result[hole()] = 128
    document.apply_result(result, np.where(hole(), 255, 0).astype(np.uint8), "Repair")
    document.save(tmp_path / "saved.tif")
    saved = read_deep(tmp_path / "saved.tif")
    assert np.array_equal(saved[~hole()], original[~hole()])
    assert np.all(saved[hole()] == 128 * 257)


@pytest.mark.parametrize("channels,suffix", [(1, ".png"), (3, ".png"), (4, ".png"), (3, ".tif")])
def test_metadata_is_kept_in_sixteen_bit_files(tmp_path, channels, suffix):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "Restorer camera"  # Make
    path = tmp_path / f"deep{suffix}"
    write_deep(path, deep_pixels(channels))
    photo = load_photo(path)
    photo.exif, photo.icc_profile = exif.tobytes(), (None if channels == 1 else icc)
    out = tmp_path / f"out{suffix}"
    if suffix == ".tif":
        with pytest.warns(UserWarning, match="EXIF metadata is not kept"):
            save_photo(photo, out)
    else:
        save_photo(photo, out)
    again = Image.open(out)
    if suffix == ".png":
        assert again.getexif().get(0x010F) == "Restorer camera"
    if channels != 1:
        assert again.info.get("icc_profile") == icc
    assert np.array_equal(read_deep(out), photo.deep)
