"""Architecture: the layers of pyproject's import contract hold, at run time too; every package is declared.

The layers (and so the list of core modules) are written once, in pyproject.toml's
``layers`` contract; these tests read them from there.
"""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: What no core module may bring in, even through an import the linter cannot see (importlib, entry points).
NOT_IN_THE_CORE = ("PySide6", "shiboken6", "superqt", "pyqtgraph", "restorer_plugins", "restorer.gui")


def layers() -> list[list[str]]:
    """The modules of each layer of the import contract, top layer first."""
    contract = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [[name.strip() for name in re.split(r"[|:]", layer)] for layer in contract["layers"]]


CORE = layers()[-1]


def test_core_imports_neither_qt_nor_plugins():
    # Every module of the core, subpackages included (``__main__`` would run), and the CLI's parser.
    code = (
        "import importlib, pkgutil, sys\n"
        "import restorer\n"
        f"for name in {CORE!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(module, '__path__', []), name + '.'):\n"
        "        if not info.name.endswith('.__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "import restorer.cli; restorer.cli.build_parser()\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({NOT_IN_THE_CORE!r}))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=240)
    assert out.stdout.strip() == ""


def test_every_module_of_restorer_is_in_a_layer():
    layered = {name for layer in layers() for name in layer}
    modules = {f"restorer.{info.name}" for info in pkgutil.iter_modules([str(ROOT / "restorer")])}
    assert modules - layered == set(), "add these to a layer of the import contract in pyproject.toml"
    assert {name for name in layered if name.startswith("restorer.")} - modules == set()


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_package_is_declared_in_pyproject():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set()
    for top, prefix in (("restorer", "restorer"), ("plugins", "restorer_plugins")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((prefix, *rel)))
    assert found - declared == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_no_import_cycles():
    # grimp sees every import statement, those inside functions too: a cycle there still ties two
    # modules together (and can fail at run time, depending on which is imported first).
    import graphlib

    import grimp

    graph = grimp.build_graph("restorer", "restorer_plugins")
    sorter = graphlib.TopologicalSorter({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise AssertionError("import cycle: " + " -> ".join(exc.args[1])) from None


#: The longest a module of restorer/ or plugins/ may be (lines): past it, it has two jobs to split.
MAX_MODULE_LINES = 400


def test_no_module_is_over_the_size_limit():
    long = {str(path.relative_to(ROOT)): n for top in ("restorer", "plugins") for path in (ROOT / top).rglob("*.py")
            if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}, "split these along a seam"


def test_the_gui_package_holds_only_qt_code():
    # Qt-free code (a model, arithmetic, rules) belongs below the GUI, where tests need no widget.
    qt = re.compile(r"^\s*(from|import) (PySide6|superqt|pyqtgraph)\b", re.M)
    qt_free = [str(path.relative_to(ROOT)) for path in (ROOT / "restorer" / "gui").rglob("*.py")
               if path.name != "__init__.py" and not qt.search(path.read_text())]
    assert qt_free == []
