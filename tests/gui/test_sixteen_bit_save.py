"""The window saves a 16-bit photo at 16 bits, and says so when the chosen format cannot."""

from __future__ import annotations

import cv2
import numpy as np


def write_48_bit(path) -> np.ndarray:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:48, 0:64]
    pixels = np.stack([(x * 900 + y * 200 + 5000 * c) % 60000 + rng.integers(0, 255, (48, 64))
                       for c in range(3)], axis=-1).astype(np.uint16)
    cv2.imwrite(str(path), pixels[..., ::-1])
    return pixels


def test_window_keeps_sixteen_bits_outside_the_repair(window, tmp_path):
    source = tmp_path / "deep.png"
    original = write_48_bit(source)
    assert window.open_path(source)
    hole = np.zeros((48, 64), bool)
    hole[10:20, 20:40] = True
    result = window.document.rgb.copy()
    result[hole] = 90
    window.document.apply_result(result, np.where(hole, 255, 0).astype(np.uint8), "Repair")
    assert window.files.save_to(tmp_path / "saved.png")
    saved = cv2.imread(str(tmp_path / "saved.png"), cv2.IMREAD_UNCHANGED)[..., ::-1]
    assert saved.dtype == np.uint16
    assert np.array_equal(saved[~hole], original[~hole])
    assert np.all(saved[hole] == 90 * 257)
    assert "8 bits" not in window.statusBar().currentMessage()


def test_saving_sixteen_bits_as_jpeg_says_what_is_lost(window, tmp_path):
    source = tmp_path / "deep.png"
    write_48_bit(source)
    assert window.open_path(source)
    assert window.files.save_to(tmp_path / "small.jpg")
    message = window.statusBar().currentMessage()
    assert message.startswith("Saved small.jpg") and "8 bits" in message, message
