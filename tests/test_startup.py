"""Start-up: a classical model's run does not import torch (issue #13: ~2 s of a 3 s run)."""

from __future__ import annotations

import subprocess
import sys


def test_a_classical_repair_and_detection_never_import_torch(tmp_path):
    code = f"""
import sys
from restorer.cli import main
from restorer.resources import sample_mask_path, sample_photo_path
assert main(["inpaint", str(sample_photo_path()), "--mask", str(sample_mask_path()), "-o", r"{tmp_path / 'a.png'}",
             "--model", "opencv-telea"]) == 0
assert main(["detect", str(sample_photo_path()), "-o", r"{tmp_path / 'm.png'}", "--model", "classical-damage"]) == 0
print("torch" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
