"""The trainable-model contract: every trainable model declares its folders, family and trainer; a broken
declaration is refused when the plugin loads, not when a run starts."""

from __future__ import annotations

import pytest

from restorer import hookimpl
from restorer.models import Model
from restorer.registry import get_registry, load_registry
from restorer.trainable import ModelTrainer, TrainableModel, is_trainable
from tests.conftest import run_cli


def test_every_built_in_trainable_model_keeps_the_contract_and_its_trainer_agrees():
    import torch

    from restorer.training import TrainOptions

    registry = get_registry()
    trainable = {m.name: m for m in registry.models.values() if is_trainable(m)}
    assert {name: m.folders for name, m in trainable.items()} == {
        "cyclegan": 2, "damage-detector": 1, "dcgan": 1, "inpaint-gan": 1, "vae": 1}
    assert all(m.trainable for m in trainable.values())
    assert not any(m.trainable for m in registry.models.values() if m.name not in trainable)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            for model in trainable.values():
                assert isinstance(model, TrainableModel) and model.weights_family == model.name
                trainer = model.make_trainer(TrainOptions(steps=1, base=None), "cpu")
                assert isinstance(trainer, ModelTrainer), model.name
                assert trainer.folders == model.folders, model.name  # the window reads the model's
    finally:
        torch.set_num_threads(threads)


def test_the_trainer_base_class_provides_what_the_loop_needs():
    from restorer.training import Trainer

    assert isinstance(Trainer("cpu"), ModelTrainer)


class Declared(Model):
    task = "inpaint"
    trainable = True
    weights_family = "declared"

    def __init__(self, name: str, **attributes):
        self.name = name
        for key, value in attributes.items():
            setattr(self, key, value)

    def make_trainer(self, options, device):  # noqa: D102
        raise AssertionError("never built here")


class NoTrainer(Model):
    name = "no-trainer"
    task = "inpaint"
    trainable = True
    weights_family = "no-trainer"


class DeclaringPlugin:
    @hookimpl
    def register_models(self, register):  # noqa: D102
        register(Declared("one-folder"))
        register(Declared("two-folders", folders=2))
        register(Declared("three-folders", folders=3))
        register(Declared("no-family", weights_family=""))
        register(NoTrainer())


def test_a_broken_trainable_declaration_is_refused_when_the_plugin_loads():
    registry = load_registry([DeclaringPlugin()], use_entry_points=False)
    assert {name: model.folders for name, model in registry.models.items()} == {"one-folder": 1, "two-folders": 2}
    reasons = " | ".join(f.reason for f in registry.failures)
    assert "three-folders: folders (photo folders it trains on) must be 1 or 2, got 3" in reasons
    assert "no-family says it is trainable but names no weights_family" in reasons
    assert "no-trainer says it is trainable but has no make_trainer" in reasons


def test_a_model_that_does_not_say_it_is_trainable_is_not_whatever_it_has():
    model = Declared("quiet", trainable=False)
    assert isinstance(model, TrainableModel) and not is_trainable(model)
    model.check()  # not trainable: nothing of the contract is asked


def test_train_refuses_the_wrong_number_of_folders_before_reading_any(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "not-there"  # never scanned: the count is known from the model
    code, err, _out = run_cli(["train", "cyclegan", "--data", missing, "--name", "x", "--device", "cpu"],
                              capsys, monkeypatch, tmp_path)
    assert code == 2 and err == ["restorer: error: cyclegan trains on 2 photo folder(s), one --data each; 1 given"]
    code, err, _out = run_cli(["train", "vae", "--data", missing, "--data", missing, "--name", "x",
                               "--device", "cpu"], capsys, monkeypatch, tmp_path)
    assert code == 2 and err == ["restorer: error: vae trains on 1 photo folder(s), one --data each; 2 given"]


@pytest.mark.parametrize("name", ["opencv-telea", "dcgan-inpaint"])
def test_models_that_cannot_be_trained_are_refused_with_the_trainable_ones_named(name, tmp_path, capsys,
                                                                                  monkeypatch):
    code, err, _out = run_cli(["train", name, "--data", tmp_path, "--name", "x", "--device", "cpu"],
                              capsys, monkeypatch, tmp_path)
    assert code == 2 and err == [f"restorer: error: model {name} cannot be trained; trainable models: "
                                 "cyclegan, damage-detector, dcgan, inpaint-gan, vae"]
