"""Stroke latency: milliseconds per mouse-move segment while painting on a 6000x4000 photo.

Each segment is one mouse-move event delivered to the canvas plus the repaint it
causes (only the rectangle the segment touched), timed until the event loop is
idle again. Run offscreen or under a display:

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/stroke_latency.py
    xvfb-run -a .venv/bin/python benchmarks/stroke_latency.py
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def big_photo(height: int, width: int) -> np.ndarray:
    """A cheap, non-flat test photo."""
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[..., 0] = x
    rgb[..., 1] = y
    rgb[..., 2] = (x + y) / 2
    return rgb


def stroke(canvas, app, segments: int, step: float) -> list[float]:
    """Press, then ``segments`` moves of ``step`` screen pixels along a wave; seconds per move."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    def send(kind, point, button, buttons):
        event = QMouseEvent(kind, point, QPointF(canvas.mapToGlobal(point)), button, buttons,
                            Qt.KeyboardModifier.NoModifier)
        app.sendEvent(canvas, event)

    left = Qt.MouseButton.LeftButton
    start = QPointF(canvas.width() * 0.2, canvas.height() * 0.5)
    send(QEvent.Type.MouseButtonPress, start, left, left)
    app.processEvents()
    times = []
    for index in range(1, segments + 1):
        point = QPointF(start.x() + index * step * 0.8,
                        start.y() + math.sin(index / 6) * canvas.height() * 0.3)
        began = time.perf_counter()
        send(QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, left)
        app.processEvents()  # runs the paint of the dirty rectangle
        times.append(time.perf_counter() - began)
    send(QEvent.Type.MouseButtonRelease, point, left, Qt.MouseButton.NoButton)
    app.processEvents()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--segments", type=int, default=120)
    parser.add_argument("--step", type=float, default=12.0, help="screen pixels per mouse move")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings

    from restorer.gui.app import create_app
    from restorer.editing.document import Document
    from restorer.gui.window import MainWindow
    from restorer.images import photo_from_array
    from restorer.registry import Registry

    app = create_app()
    settings = QSettings(str(Path("/tmp") / "restorer-bench.ini"), QSettings.Format.IniFormat)
    began = time.perf_counter()
    document = Document(photo_from_array(big_photo(args.height, args.width)))
    window = MainWindow(document, registry=Registry(), device="cpu", settings=settings)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    opened = time.perf_counter() - began
    canvas = window.canvas
    print(f"{args.width}x{args.height} photo, canvas {canvas.width()}x{canvas.height()}, "
          f"Qt platform {app.platformName()}, {platform.processor() or platform.machine()}; "
          f"document + window in {opened * 1000:.0f} ms")
    print(f"{'zoom':>8} {'brush':>6} {'mean ms':>8} {'median':>7} {'p95':>7} {'max':>7}")
    for zoom, size in ((None, 40), (None, 300), (1.0, 40), (1.0, 300), (4.0, 40)):
        if zoom is None:
            canvas.fit()
        else:
            canvas.set_zoom(zoom)
        canvas.brush.size = size
        app.processEvents()
        times = sorted(t * 1000 for t in stroke(canvas, app, args.segments, args.step))
        p95 = times[int(0.95 * (len(times) - 1))]
        label = f"fit {canvas.zoom * 100:.0f}%" if zoom is None else f"{zoom * 100:.0f}%"
        print(f"{label:>8} {size:>6} {statistics.mean(times):8.2f} {statistics.median(times):7.2f} "
              f"{p95:7.2f} {times[-1]:7.2f}")
        document.history.undo()
    window.set_document(None)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
