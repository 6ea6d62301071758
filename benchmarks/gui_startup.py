"""Time to window: from starting ``restorer`` to the window (and the sample photo) on screen.

Each run starts a fresh interpreter, as a person starting the app does, and reports:

- ``window``: the main window's first paint;
- ``photo``: the first paint of the canvas showing the opened photo (the bundled sample);
- ``torch``: whether torch had been imported by then (it must not: it loads in the background);
- ``models``: when the models (plugins, torch) finished loading in the background.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_startup.py
    xvfb-run -a .venv/bin/python benchmarks/gui_startup.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
t0 = float(sys.argv[1])
marks = {}
from PySide6.QtCore import QEvent, QObject, QTimer
from restorer.gui.app import create_app, open_window
app = create_app()

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            now = time.time() - t0
            if obj is window and "window" not in marks:
                marks["window"] = now
                marks["torch_at_window"] = "torch" in sys.modules
            if obj is window.canvas and window.document is not None and "photo" not in marks:
                marks["photo"] = now
                marks["torch_at_photo"] = "torch" in sys.modules
        return False

watch = Watch()
app.installEventFilter(watch)
window = open_window()

def check():
    if window.registry is not None and window.device is not None and "models" not in marks:
        marks["models"] = time.time() - t0
        marks["device"] = window.device_name
        marks["models_loaded"] = sorted(window.registry.models)
    if "models" in marks and "photo" in marks:
        print(json.dumps(marks), flush=True)
        import os
        os._exit(0)

timer = QTimer()
timer.timeout.connect(check)
timer.start(20)
app.exec()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for _ in range(args.runs):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, repr(start)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        line = [l for l in out.stdout.splitlines() if l.startswith("{")]
        if out.returncode != 0 or not line:
            print(out.stdout, out.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(line[-1]))
    for key in ("window", "photo", "models"):
        values = [r[key] * 1000 for r in results]
        print(f"{key:>7}: median {statistics.median(values):7.0f} ms  (runs: "
              + ", ".join(f"{v:.0f}" for v in values) + ")")
    print(f"torch imported before the window appeared: {any(r['torch_at_window'] for r in results)}; "
          f"before the photo appeared: {any(r['torch_at_photo'] for r in results)}")
    print(f"platform {env['QT_QPA_PLATFORM']}; device: {results[-1]['device']}; "
          f"models: {', '.join(results[-1]['models_loaded'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
