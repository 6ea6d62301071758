"""Display levels: averaged-down copies kept equal to a fresh average after every change."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from restorer.geometry import Box
from restorer.gui.display import DisplayImage, level_for


def test_level_for_zoom():
    assert [level_for(z) for z in (2.0, 1.0, 0.6, 0.5, 0.3, 0.25, 0.2, 0.125, 0.05)] == [1, 1, 1, 2, 2, 4, 4, 8, 8]


def block_average(buffer, factor):
    height, width = buffer.shape[:2]
    rows, cols = -(-height // factor), -(-width // factor)
    padded = np.pad(buffer, ((0, rows * factor - height), (0, cols * factor - width), (0, 0)), mode="edge")
    return padded.reshape(rows, factor, cols, factor, 4).astype(np.float64).mean(axis=(1, 3))


def test_levels_average_blocks_and_follow_changes_rectangle_by_rectangle():
    rng = np.random.default_rng(1)
    buffer = rng.integers(0, 256, (101, 203, 4), dtype=np.uint8)  # sizes not multiples of the factors
    display = DisplayImage(buffer, QImage.Format.Format_ARGB32)
    quarter = display.image(4)
    assert (quarter.width(), quarter.height()) == (51, 26)
    assert np.abs(display._levels[4] - block_average(buffer, 4)).max() <= 1
    buffer[37:45, 150:203] = 255  # a change reaching the partial blocks at the far edge
    display.changed(Box(37, 150, 45, 203))
    assert np.abs(display._levels[4].astype(int) - block_average(buffer, 4)).max() <= 1
    assert display.image(1).constBits() is not None and display.image(4) is quarter  # made once, then kept
