"""The wheel is a complete package (issue #14, section 5).

A wheel built from this tree is installed into a new virtual environment, out of reach of the
checkout, and run as a person who did ``pip install restorer`` runs it: ``restorer models`` finds
every starter, and ``restorer inpaint`` repairs the bundled sample. The environment borrows torch
and the other dependencies from the test's own environment (a ``.pth`` line), so nothing is
downloaded; the wheel itself is installed with ``--no-deps --no-index``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
#: What the build reads: the project definition, its readme (the long description) and the packages.
BUILD_INPUTS = ("pyproject.toml", "README.md", "restorer", "plugins", "resources")
SHIPPED = ("restorer/_resources/samples/damaged.png", "restorer/_resources/samples/damaged_mask.png",
           "restorer/_resources/weights/inpaint-gan.safetensors")
#: Provenance the app never opens: it stays in the repository.
LEFT_OUT = ("restorer/_resources/samples/original.png", "restorer/_resources/weights/dcgan.samples.png")


@dataclass(frozen=True)
class Installed:
    """The wheel, and the virtual environment it is installed in."""

    wheel: Path
    python: Path
    restorer: Path  # the console script pip wrote
    site: Path  # the environment's own site-packages
    work: Path  # a folder outside the checkout: every command runs there
    env: dict[str, str]

    def run(self, *args: object) -> subprocess.CompletedProcess:
        """``ARGS`` (a program and its arguments) in the work folder, output captured as text."""
        return subprocess.run([str(a) for a in args], cwd=self.work, env=self.env, capture_output=True,
                              text=True, timeout=240)


def _run(*args: object, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel built from a copy of this tree (so the build's ``build/`` and ``*.egg-info`` stay out
    of the checkout, and nothing stale in them can slip into the wheel), installed in a new venv."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=junk)
        else:
            shutil.copy2(ROOT / name, source / name)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", base / "dist", source, env=clean)
    (wheel,) = (base / "dist").glob("restorer-*.whl")

    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, env=clean)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    paths = json.loads(_run(python, "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))",
                            env=clean))
    site = Path(paths["purelib"])
    # torch, PySide6 ... come from this environment. A .pth line only adds the folder to sys.path:
    # the editable install's finder (a .pth of its own there) is not run, so the checkout stays hidden.
    borrowed = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "restorer-test-dependencies.pth").write_text("".join(f"{p}\n" for p in borrowed))
    # --ignore-installed: pip must not try to uninstall the editable restorer it sees on the borrowed path.
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
         "--ignore-installed", wheel, env=clean)

    work = base / "work"
    work.mkdir()
    env = {**clean, "QT_QPA_PLATFORM": "offscreen", "RESTORER_DATA_DIR": str(base / "data")}
    return Installed(wheel, python, Path(paths["scripts"]) / "restorer", site, work, env)


def test_the_wheel_ships_the_sample_and_the_starter_weights_but_not_the_provenance_pictures(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    starters = {p.name for p in (ROOT / "resources" / "weights").glob("*.safetensors")}
    assert {f"restorer/_resources/weights/{name}" for name in starters} <= names
    assert set(SHIPPED) <= names
    assert names.isdisjoint(LEFT_OUT)
    assert not any(name.startswith(("resources/", "build/")) for name in names)


def test_the_installed_copy_is_imported_and_finds_its_resources(installed):
    code = ("import json, importlib.metadata, restorer, restorer_plugins.inpaint_gan as gan\n"
            "from restorer import resources\n"
            "print(json.dumps({'restorer': restorer.__file__, 'plugin': gan.__file__,\n"
            "    'resources': str(resources.RESOURCES), 'photo': str(resources.sample_photo_path()),\n"
            "    'mask': str(resources.sample_mask_path()),\n"
            "    'weights': str(resources.starter_weights_path('inpaint-gan')),\n"
            "    'metadata': str(importlib.metadata.distribution('restorer').locate_file('restorer'))}))\n")
    done = installed.run(installed.python, "-c", code)
    assert done.returncode == 0, done.stderr
    found = {key: Path(value) for key, value in json.loads(done.stdout).items()}
    assert found["resources"] == installed.site / "restorer" / "_resources"
    for key, path in found.items():
        assert path.is_relative_to(installed.site), f"{key} comes from {path}, not the installed wheel"
    assert found["photo"].is_file() and found["mask"].is_file() and found["weights"].is_file()


def test_restorer_models_finds_every_starter(installed):
    done = installed.run(installed.restorer, "models", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert [e for e in entries if "error" in e] == []  # no broken plugin, model or weights file
    weights = {e["name"]: e["weights"] for e in entries}
    assert {"opencv-telea", "inpaint-gan", "dcgan", "vae", "cyclegan", "damage-detector"} <= set(weights)
    assert {name: status for name, status in weights.items() if status not in ("starter", "none needed")} == {}
    assert weights["inpaint-gan"] == "starter"


@pytest.mark.parametrize("model", ["opencv-telea", "inpaint-gan"])
def test_restorer_inpaint_repairs_the_bundled_sample(installed, model):
    photo_path = installed.site / "restorer" / "_resources" / "samples" / "damaged.png"
    photo = np.asarray(Image.open(photo_path).convert("RGB"))
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[100:140, 200:250] = 255
    Image.fromarray(mask).save(installed.work / "mask.png")
    out = installed.work / f"{model}.png"

    done = installed.run(installed.restorer, "inpaint", photo_path, "--mask", "mask.png", "--model", model,
                         "--device", "cpu", "-o", out)
    assert done.returncode == 0, done.stderr
    repaired = np.asarray(Image.open(out).convert("RGB"))
    assert repaired.shape == photo.shape
    hole = mask > 127
    assert np.array_equal(repaired[~hole], photo[~hole])  # outside the mask, untouched
    assert np.abs(repaired[hole].astype(int) - photo[hole]).mean() > 1  # inside, filled anew
