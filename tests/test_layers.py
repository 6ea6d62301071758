"""Architecture: the core imports neither Qt nor any plugin; every package is declared."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ["restorer", "restorer.images", "restorer.models", "restorer.registry", "restorer.pipeline",
        "restorer.jobs", "restorer.devices", "restorer.errors", "restorer.hookspecs", "restorer.resources",
        "restorer.cli", "restorer.corpus.build", "restorer.corpus.splits", "restorer.resolution",
        "restorer.detection", "restorer.selection", "restorer.sixteen_bit", "restorer.tasks",
        "restorer.trainable", "restorer.geometry", "restorer.files", "restorer.editing.document"]


def test_core_imports_neither_qt_nor_plugins():
    code = (
        "import sys, importlib\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "import restorer.cli; restorer.cli.build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'restorer_plugins', 'restorer.gui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_package_is_declared_in_pyproject():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for top, prefix in (("restorer", "restorer"), ("plugins", "restorer_plugins")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((prefix, *rel)))
    assert found - declared == set(), "add these to [tool.setuptools] packages in pyproject.toml"
