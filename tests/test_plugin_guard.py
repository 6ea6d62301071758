"""The plugin guard: a bad plugin is one clear line and never takes down the others or the command.

Third-party plugins here are real distributions: a ``*.dist-info`` folder with an
``entry_points.txt`` next to a module, on ``sys.path`` (in this process) or on
``PYTHONPATH`` (for the command line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import restorer.commands.models as models_command
from restorer import hookimpl
from restorer.errors import ModelError
from restorer.models import Model
from restorer.pipeline import run_model
from restorer.registry import load_registry
from tests.conftest import run_restorer, textured_photo

#: A model module a test plugin can use: ``Copy`` returns the photo, ``Exits`` calls sys.exit in run.
MODELS = '''
import sys
from restorer import hookimpl
from restorer.models import Model

class Copy(Model):
    task = "inpaint"
    def __init__(self, name, priority=0):
        self.name, self.default_priority = name, priority
    def run(self, request, job):
        return request.photo

class Exits(Copy):
    def run(self, request, job):
        sys.exit(0)
'''


def third_party(root: Path, dist: str, module: str, source: str, entry: str | None = None) -> Path:
    """Install ``module`` (``source``) as the distribution ``dist`` 1.0 in ``root``, entry point ``entry``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[restorer]\n{entry or module} = {module}\n")
    return root


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on ``sys.path`` for third-party distributions; their modules are forgotten afterwards."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield root
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(root)):
            del sys.modules[name]


def cli_env(site: Path, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
            "RESTORER_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}


# -- name clashes: built-ins win ---------------------------------------------------------------


SQUATTER = MODELS + '''
@hookimpl
def register_models(register):
    register(Copy("inpaint-gan", priority=1000))
    register(Copy("squat-fill"))
'''


def test_a_third_party_model_cannot_take_a_builtin_name(site):
    third_party(site, "squatter", "aaa_squatter", SQUATTER)  # its entry point sorts before every built-in
    registry = load_registry()
    assert registry.plugin_of("inpaint-gan") == "inpaint_gan"
    assert registry.default_for("inpaint").name == "inpaint-gan"
    assert registry.plugin_of("squat-fill") == "aaa_squatter"  # its other model is fine
    [failure] = [f for f in registry.failures if f.plugin == "aaa_squatter"]
    assert "'inpaint-gan' is already registered by plugin 'inpaint_gan' (restorer " in failure.reason
    assert failure.source == "squatter 1.0 (aaa_squatter)"


def test_a_third_party_plugin_cannot_take_a_builtin_plugin_name(site):
    third_party(site, "squatter", "squatter_opencv", SQUATTER, entry="opencv")
    registry = load_registry()
    assert registry.plugin_of("opencv-telea") == "opencv"
    assert registry.plugin_of("inpaint-gan") == "inpaint_gan"
    assert "squatter_opencv" not in sys.modules  # refused by name, never imported
    [failure] = [f for f in registry.failures if f.source.startswith("squatter")]
    assert failure.plugin == "opencv" and "already used" in failure.reason


def test_models_lists_where_each_plugin_comes_from(site, tmp_path):
    third_party(site, "squatter", "aaa_squatter", SQUATTER)
    result = run_restorer("models", "--json", env=cli_env(site, tmp_path))
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    models = {m["name"]: m for m in listed if m["name"]}
    assert models["opencv-telea"]["source"] == f"restorer {_version()} (restorer_plugins.opencv)"
    assert models["squat-fill"]["source"] == "squatter 1.0 (aaa_squatter)"
    assert models["inpaint-gan"]["plugin"] == "inpaint_gan"
    [failure] = [m for m in listed if m["name"] is None]
    assert failure["plugin"] == "aaa_squatter" and "already registered" in failure["error"]
    table = run_restorer("models", env=cli_env(site, tmp_path)).stdout
    assert "FROM" in table.splitlines()[0] and "squatter 1.0 (aaa_squatter)" in table
    assert "BROKEN  plugin aaa_squatter (squatter 1.0 (aaa_squatter)): model name 'inpaint-gan'" in table


def _version() -> str:
    from restorer import __version__

    return __version__


# -- plugins that exit, raise, or misspell a hook ------------------------------------------------


def test_a_plugin_exiting_at_import_is_a_failure_of_that_plugin(site):
    third_party(site, "quitter", "quitter", "import sys\nsys.exit(3)\n")
    registry = load_registry()
    assert {"opencv-telea", "inpaint-gan"} <= set(registry.models)
    [failure] = [f for f in registry.failures if f.plugin == "quitter"]
    assert "sys.exit(3)" in failure.reason and failure.source == "quitter 1.0 (quitter)"


def test_a_plugin_exiting_at_import_does_not_end_the_command(site, tmp_path):
    third_party(site, "quitter", "quitter", "import sys\nsys.exit(3)\n")
    result = run_restorer("models", env=cli_env(site, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "opencv-telea" in result.stdout
    assert "BROKEN  plugin quitter (quitter 1.0 (quitter)): failed to load: plugin quitter failed: it called " \
           "sys.exit(3)" in result.stdout


def test_ctrl_c_while_a_plugin_imports_still_stops(site):
    third_party(site, "slow", "slow_import", "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_registry()


class ExitingRegistration:
    @hookimpl
    def register_models(self, register):
        sys.exit(5)


class Copy(Model):
    name = "copy"
    task = "inpaint"

    def run(self, request, job):
        return request.photo


class CopyPlugin:
    @hookimpl
    def register_models(self, register):
        register(Copy())


def test_a_plugin_exiting_while_registering_is_a_failure():
    registry = load_registry([ExitingRegistration(), CopyPlugin()], use_entry_points=False)
    assert list(registry.models) == ["copy"]
    [failure] = registry.failures
    assert failure.plugin == "ExitingRegistration-0" and "sys.exit(5)" in failure.reason


class BrokenDeclaration(Copy):
    name = "broken-params"

    @property
    def params(self):
        raise RuntimeError("params not ready")


class HalfBrokenPlugin:
    @hookimpl
    def register_models(self, register):
        register(BrokenDeclaration())
        register(Copy())


def test_a_model_whose_declaration_raises_is_refused_and_its_siblings_load():
    registry = load_registry([HalfBrokenPlugin()], use_entry_points=False)
    assert list(registry.models) == ["copy"]
    [failure] = registry.failures
    assert "bad model" in failure.reason and "params not ready" in failure.reason


class MisspelledHook:
    @hookimpl
    def register_model(self, register):  # no such hook: register_models
        register(Copy())


class NoHooks:
    def register_models(self, register):  # not marked with @hookimpl
        register(Copy())


def test_a_misspelled_hook_is_a_failure_of_that_plugin():
    registry = load_registry([MisspelledHook(), CopyPlugin()], use_entry_points=False)
    assert list(registry.models) == ["copy"] and registry.plugin_of("copy") == "CopyPlugin-1"
    [failure] = registry.failures
    assert failure.plugin == "MisspelledHook-0"
    assert "unknown hook(s) register_model" in failure.reason and "register_models" in failure.reason


def test_a_plugin_without_hooks_is_a_failure():
    registry = load_registry([NoHooks()], use_entry_points=False)
    assert registry.models == {}
    [failure] = registry.failures
    assert failure.plugin == "NoHooks-0" and "implements no hook" in failure.reason


# -- models whose own code exits or raises -------------------------------------------------------


class BadStatus(Copy):
    name = "bad-status"

    def weights_status(self):
        raise RuntimeError("weights folder on fire")


class ExitingStatus(Copy):
    name = "exiting-status"

    def weights_status(self):
        sys.exit(1)


class StatusPlugin:
    @hookimpl
    def register_models(self, register):
        register(BadStatus())
        register(ExitingStatus())
        register(Copy())


@pytest.fixture
def status_registry(monkeypatch):
    registry = load_registry([StatusPlugin()], use_entry_points=False)
    monkeypatch.setattr(models_command, "get_registry", lambda: registry)
    return registry


def test_models_lists_the_others_when_a_weights_status_raises(status_registry, capsys):
    assert models_command.run(argparse.Namespace(json=False)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("copy ") for line in lines)
    assert "BROKEN  model bad-status (plugin StatusPlugin-0, test_plugin_guard): RuntimeError: weights folder " \
           "on fire" in lines
    assert any(line.startswith("BROKEN  model exiting-status") and "sys.exit(1)" in line for line in lines)


def test_models_json_lists_the_others_when_a_weights_status_raises(status_registry, capsys):
    assert models_command.run(argparse.Namespace(json=True)) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed["copy"]["weights"] == "none needed" and "error" not in listed["copy"]
    assert listed["bad-status"]["error"] == "RuntimeError: weights folder on fire"
    assert "sys.exit(1)" in listed["exiting-status"]["error"]


class Exits(Copy):
    name = "exits"

    def run(self, request, job):
        sys.exit(0)

    def refresh_weights(self):
        raise SystemExit("bye")


class ExitsPlugin:
    @hookimpl
    def register_models(self, register):
        register(Exits())


def test_a_model_exiting_in_run_is_a_model_error(photo):
    model = load_registry([ExitsPlugin()], use_entry_points=False).get("exits")
    mask = np.zeros(photo.shape[:2], bool)
    mask[10:20, 10:30] = True
    with pytest.raises(ModelError, match=r"^model exits failed: it called sys\.exit\(0\)$"):
        run_model(model, photo, mask)
    with pytest.raises(ModelError, match=r"model exits failed: it called sys\.exit\('bye'\)"):
        model.refresh_weights()


def test_a_model_exiting_is_a_model_error_whoever_runs_it_registered_or_not(photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[10:20, 10:30] = True
    with pytest.raises(ModelError, match=r"^model exits failed: it called sys\.exit\(0\)$"):
        run_model(Exits(), photo, mask)  # never registered: the class itself is guarded

    class ExitsLater(Exits):
        name = "exits-later"

        def run(self, request, job):
            return super().run(request, job)  # through the parent's guard as well: one clear error

    with pytest.raises(ModelError, match=r"^model exits-later failed: it called sys\.exit\(0\)$"):
        run_model(ExitsLater(), photo, mask)


EXITS = MODELS + '''
@hookimpl
def register_models(register):
    register(Exits("exits"))
'''


def _photo_and_mask(photos: Path, masks: Path, stem: str) -> None:
    for folder in (photos, masks):
        folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(textured_photo(32, 48)).save(photos / f"{stem}.png")
    mask = np.zeros((32, 48), np.uint8)
    mask[8:16, 10:30] = 255
    Image.fromarray(mask).save(masks / f"{stem}.png")


def test_a_model_exiting_in_run_fails_the_photo_not_the_command(site, tmp_path):
    third_party(site, "exits", "exits_plugin", EXITS)
    env = cli_env(site, tmp_path)
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    for stem in ("a", "b"):
        _photo_and_mask(photos, masks, stem)

    single = run_restorer("inpaint", photos / "a.png", "--mask", masks / "a.png", "--model", "exits",
                          "-o", tmp_path / "out.png", env=env)
    assert single.returncode == 2, single.stderr
    assert single.stderr.strip() == "restorer: error: model exits failed: it called sys.exit(0)"
    assert not (tmp_path / "out.png").exists()

    batch = run_restorer("inpaint", photos, "--mask", masks, "--model", "exits", "-o", tmp_path / "out",
                         env=env)
    # Every photo of the folder failed: nothing was written, so the exit is 2 (as for one photo)
    # and the output folder the command made is taken back.
    assert batch.returncode == 2, batch.stderr
    assert not (tmp_path / "out").exists()
    assert "0 repaired, 0 skipped, 2 failed" in batch.stderr
    assert f"failed {photos / 'a.png'}: model exits failed: it called sys.exit(0)" in batch.stderr
