"""Helpers shared by the GUI tests (imported by name: the tests folder is not a package)."""

from __future__ import annotations

import numpy as np

HEIGHT, WIDTH = 90, 120


def textured(height: int = HEIGHT, width: int = WIDTH, seed: int = 0) -> np.ndarray:
    """A deterministic textured RGB photo (a fill can never reproduce it exactly)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / (width - 1), y * 255 / (height - 1), (x + y) * 127 / (width + height)], -1)
    return np.clip(base + rng.normal(0, 14, (height, width, 3)), 0, 255).astype(np.uint8)


def send_mouse(widget, kind: str, pos, button=None, buttons=None, modifiers=None) -> None:
    """Deliver one mouse event (press, move or release) at widget position ``pos``."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    button = button if button is not None else Qt.MouseButton.LeftButton
    if buttons is None:
        buttons = Qt.MouseButton.NoButton if kind == "release" else button
    local = QPointF(pos)
    event = QMouseEvent(types[kind], local, QPointF(widget.mapToGlobal(local)),
                        button if kind != "move" else Qt.MouseButton.NoButton, buttons,
                        modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, points, button=None) -> None:
    """Press at the first widget point, move through the others, release at the last."""
    send_mouse(widget, "press", points[0], button)
    for point in points[1:]:
        send_mouse(widget, "move", point, button)
    send_mouse(widget, "release", points[-1], button)


def paint_image_points(canvas, points) -> None:
    """Drag the brush through image coordinates (mapped to the canvas' current zoom and pan)."""
    drag(canvas, [canvas.image_to_widget(x, y) for x, y in points])
