"""Drive the real window and save the screenshots shown in the README (run under a display).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_screenshots.py

It opens the bundled damaged sample with its mask, paints one more stroke with
real mouse events, repairs with the default inpainting model in the worker
thread, shows the split view (original | now), and generates a sample image.
Then it scratches a copy of the bundled original with the damage benchmark's own
generator (``benchmarks/damage_detection.py``, not the detector's training
damage), runs Find damage, keeps the proposal and repairs with one click:
``find-damage.png`` (the proposal under review) and ``find-damage-repaired.png``
(the split view, scratched | repaired).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from restorer.gui import window as window_module
    from restorer.gui.app import create_app
    from restorer.gui.window import MainWindow
    from restorer.registry import get_registry
    from restorer.resources import sample_mask_path, sample_photo_path

    app = create_app()
    OUT.mkdir(parents=True, exist_ok=True)
    import tempfile

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)

    def wait(seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.01)

    def until(condition, timeout: float = 300) -> None:
        end = time.time() + timeout
        while not condition():
            if time.time() > end:
                raise TimeoutError(str(condition))
            app.processEvents()
            time.sleep(0.02)

    def shot(widget, name: str) -> None:
        wait(0.3)
        raw = OUT / f".{name}"
        widget.grab().save(str(raw))
        # Small enough for the repository: 80 % size, 256 colours.
        from PIL import Image

        with Image.open(raw) as image:
            image = image.convert("RGB")
            image = image.resize((image.width * 4 // 5, image.height * 4 // 5), Image.Resampling.LANCZOS)
            image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                OUT / name, optimize=True)
        raw.unlink()
        print("saved", OUT / name)

    window = MainWindow(settings=settings, training=True)
    window.resize(1360, 860)
    window.show()
    window.open_path(sample_photo_path(), sample_mask_path(), remember=False)
    window.run_control.start_background_loading()
    until(lambda: window.registry is not None and window.device is not None)
    canvas = window.canvas
    wait(0.5)

    # One more stroke with real mouse events, across the photo's sky.
    window.brush_bar.size_slider.setValue(18)

    def mouse(kind, x, y, buttons):
        point = canvas.image_to_widget(x, y)
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        QApplication.sendEvent(canvas, QMouseEvent(kind, point, QPointF(canvas.mapToGlobal(point)), button,
                                                   buttons, Qt.KeyboardModifier.NoModifier))

    left = Qt.MouseButton.LeftButton
    mouse(QEvent.Type.MouseButtonPress, 430, 60, left)
    for step in range(1, 30):
        mouse(QEvent.Type.MouseMove, 430 + step * 4, 60 + step * 1.5, left)
    mouse(QEvent.Type.MouseButtonRelease, 546, 104, Qt.MouseButton.NoButton)
    mouse(QEvent.Type.MouseMove, 520, 160, Qt.MouseButton.NoButton)  # the brush outline on show
    shot(window, "1-mask.png")

    wanted = sys.argv[1] if len(sys.argv) > 1 else "inpaint-gan"
    if wanted in window.registry.models:
        window.panel.select(wanted)
    model = window.panel.current_model()
    print("repairing with", model.name if model else None)
    window.panel.clear_mask.setChecked(True)
    window.run_control.run_model()
    until(lambda: window.panel.progress.maximum() > 0 or not window.run.running)
    shot(window, "2-running.png")
    until(lambda: not window.run.running)
    if window.last_error is not None:
        shot(window, "error.png")
        print("error:", window.last_error.text())
    mouse(QEvent.Type.MouseMove, 700, 500, Qt.MouseButton.NoButton)
    shot(window, "3-repaired.png")
    window.split_action.trigger()  # the photo as opened | as it is now
    canvas.set_split(0.55)
    mouse(QEvent.Type.MouseMove, 700, 500, Qt.MouseButton.NoButton)
    shot(window, "4-split.png")
    window.split_action.trigger()

    samplers = get_registry().by_task("sample")
    if samplers:
        window.panel.select(samplers[0].name)
        window.run_control.run_model()
        until(lambda: not window.run.running)
        wait(0.5)
        if window_module._windows:
            new = window_module._windows[-1]
            new.resize(900, 640)
            new.canvas.fit()
            shot(new, "5-generated.png")
            new.set_document(None)
            new.close()
    find_damage_shots(window, until, shot)
    window.set_document(None)
    window.close()
    return 0


def find_damage_shots(window, until, shot) -> None:
    """Find damage on a scratched photo, keep the proposal, repair it in one click; a shot of each."""
    import numpy as np
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from restorer.editing.document import Document
    from restorer.images import load_photo, photo_from_array
    from restorer.resources import RESOURCES

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from damage_detection import benchmark_damage

    clean = load_photo(RESOURCES / "samples" / "original.png").rgb
    damaged, _truth = benchmark_damage(clean, seed=7)
    window.set_document(Document(photo_from_array(np.ascontiguousarray(damaged)), title="scratched.png"))
    window.panel.select("inpaint-gan")
    window.find_damage_action.trigger()
    until(lambda: window.find_damage.live)
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))  # no brush outline in the picture
    print(f"proposed {window.document.mask.mask.mean():.1%} of the photo")
    shot(window, "find-damage.png")
    window.find_damage.keep()
    window.panel.clear_mask.setChecked(True)
    window.run_control.run_model()
    until(lambda: not window.run.running)
    window.split_action.trigger()
    window.canvas.set_split(0.5)
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    shot(window, "find-damage-repaired.png")
    window.split_action.trigger()


if __name__ == "__main__":
    raise SystemExit(main())
