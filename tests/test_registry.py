"""The pluggy registry: inline plugins, broken plugins, duplicates, the built-in entry points."""

from __future__ import annotations

import numpy as np
import pytest

import restorer.registry as registry_module
from restorer import hookimpl
from restorer.errors import ModelError
from restorer.models import Model, int_param
from restorer.registry import load_registry


class Echo(Model):
    name = "echo"
    title = "Echo"
    task = "inpaint"
    params = (int_param("strength", 3, 0, 10),)

    def run(self, request, job):
        return request.photo


class InlinePlugin:
    @hookimpl
    def register_models(self, register):
        register(Echo())


class RaisingPlugin:
    @hookimpl
    def register_models(self, register):
        raise RuntimeError("weights corrupted")


class DuplicatePlugin:
    @hookimpl
    def register_models(self, register):
        register(Echo())


class BadModelPlugin:
    @hookimpl
    def register_models(self, register):
        bad = Echo()
        bad.name = "Bad Name!"
        register(bad)
        register("not a model")


def test_inline_plugin_registers_its_model():
    registry = load_registry([InlinePlugin()], use_entry_points=False)
    model = registry.get("echo")
    assert registry.plugin_of("echo") == "InlinePlugin-0"
    assert registry.by_task("inpaint") == [model]
    assert registry.default_for("inpaint") is model


class Untitled(Echo):
    name = "untitled"
    title = ""


def test_registering_changes_nothing_on_the_model(tmp_path, monkeypatch):
    from restorer.weights import WeightsModel

    class Weighted(WeightsModel):
        name, task = "weighted", "inpaint"

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path))
    untitled, weighted = Untitled(), Weighted()
    before = {model.name: dict(vars(model)) for model in (untitled, weighted)}

    class Plugin:
        @hookimpl
        def register_models(self, register):
            register(untitled)
            register(weighted)

    registry = load_registry([Plugin()], use_entry_points=False)
    assert registry.get("untitled") is untitled and registry.get("weighted") is weighted
    weighted.refresh_weights()  # the window does this whenever weights change
    # no plugin name, no title, no wrapped method and no parameters set on the instances
    assert vars(untitled) == before["untitled"]
    assert set(vars(weighted)) == set(before["weighted"])  # its own cache of the store's weights names, re-read
    assert registry.plugin_of("untitled") == "Plugin-0" and registry.plugin_of("nope") == ""
    assert untitled.title == "" and untitled.label == "untitled" and untitled.to_json()["title"] == "untitled"
    assert [p.name for p in weighted.params] == ["weights"]


def test_raising_plugin_is_reported_and_others_load():
    registry = load_registry([RaisingPlugin(), InlinePlugin()], use_entry_points=False)
    assert "echo" in registry.models
    assert [f.plugin for f in registry.failures] == ["RaisingPlugin-0"]
    assert "weights corrupted" in registry.failures[0].reason


def test_duplicate_model_name_refused():
    registry = load_registry([InlinePlugin(), DuplicatePlugin()], use_entry_points=False)
    assert registry.plugin_of("echo") == "InlinePlugin-0"
    assert len(registry.failures) == 1
    assert "already registered by plugin 'InlinePlugin-0'" in registry.failures[0].reason


def test_bad_models_refused_with_reasons():
    registry = load_registry([BadModelPlugin()], use_entry_points=False)
    assert registry.models == {}
    reasons = " ".join(f.reason for f in registry.failures)
    assert "invalid model name" in reasons and "not a restorer Model" in reasons


def test_entry_point_that_fails_to_import_is_reported(monkeypatch):
    from importlib.metadata import EntryPoint

    broken = EntryPoint(name="broken", value="restorer_plugins.does_not_exist", group="restorer")
    real = registry_module.entry_points

    def fake_entry_points(group):
        return [*real(group=group), broken]

    monkeypatch.setattr(registry_module, "entry_points", fake_entry_points)
    registry = load_registry()
    assert "opencv-telea" in registry.models
    failure = next(f for f in registry.failures if f.plugin == "broken")
    assert "ModuleNotFoundError" in failure.reason


def test_builtin_entry_points_are_loaded():
    registry = load_registry()
    assert {"opencv-telea", "opencv-ns"} <= set(registry.models)
    assert registry.plugin_of("opencv-telea") == "opencv"


def test_unknown_model_lists_known_names():
    registry = load_registry([InlinePlugin()], use_entry_points=False)
    with pytest.raises(ModelError, match="available: echo"):
        registry.get("nope")


def test_every_hook_has_a_test():
    """Meta-test, as pluggy's best users keep: each hookspec is exercised in this file."""
    import inspect

    from restorer import hookspecs

    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "restorer_spec")]
    source = open(__file__).read()
    assert hooks == ["register_models"]
    for hook in hooks:
        assert f"def {hook}" in source


def test_settings_parse_and_validate():
    model = Echo()
    assert model.parse_settings(["strength=7"]) == {"strength": 7}
    with pytest.raises(ModelError, match="between 0 and 10"):
        model.parse_settings(["strength=11"])
    with pytest.raises(ModelError, match="whole number"):
        model.parse_settings(["strength=2.5"])
    with pytest.raises(ModelError, match="no parameter 'speed'"):
        model.parse_settings(["speed=1"])
    with pytest.raises(ModelError, match="key=value"):
        model.parse_settings(["strength"])
    assert model.resolve_params({}) == {"strength": 3}
    assert np.array_equal(model.run(type("R", (), {"photo": np.zeros((2, 2, 3))})(), None), np.zeros((2, 2, 3)))
