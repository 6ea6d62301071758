"""The weights store: user weights in the data folder with metadata, the starter weights, names."""

from __future__ import annotations

import pytest
import torch

from restorer import weights
from restorer.errors import InputError, ModelError


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_save_list_and_load_round_trip(data_dir):
    tensors = {"layer.weight": torch.arange(6, dtype=torch.float32).view(2, 3)}
    path = weights.save_weights("some-model", "beach", tensors, {"steps": 12, "config": {"width": 3}})
    assert path == data_dir / "weights" / "some-model" / "beach.safetensors"
    assert path.stat().st_mode & 0o044  # readable by others, like any file a person saves
    loaded, meta = weights.load_weights("some-model", "beach")
    assert torch.equal(loaded["layer.weight"], tensors["layer.weight"])
    assert meta == {"model": "some-model", "name": "beach", "steps": 12, "config": {"width": 3}}
    assert [w.name for w in weights.list_weights("some-model")] == ["beach"]
    assert weights.list_weights("other-model") == []


def test_existing_weights_are_replaced_only_on_request():
    weights.save_weights("m", "a", {"x": torch.zeros(1)}, {})
    with pytest.raises(InputError, match="exists"):
        weights.save_weights("m", "a", {"x": torch.ones(1)}, {})
    weights.save_weights("m", "a", {"x": torch.ones(1)}, {}, overwrite=True)
    assert weights.load_weights("m", "a")[0]["x"].item() == 1.0


@pytest.mark.parametrize("name", ["", "../escape", "a/b", "starter", "x.safetensors", "-dash", "a" * 65])
def test_bad_names_are_refused(name):
    with pytest.raises(InputError):
        weights.weights_path("m", name)


def test_missing_weights_name_the_available_ones():
    weights.save_weights("m", "one", {"x": torch.zeros(1)}, {})
    with pytest.raises(ModelError, match="available: one"):
        weights.find_weights("m", "two")
    with pytest.raises(ModelError, match="starter weights of m are missing"):
        weights.find_weights("m", weights.STARTER)


def test_a_corrupt_file_is_not_listed_and_not_loaded(data_dir):
    weights.save_weights("m", "good", {"x": torch.zeros(1)}, {})
    (data_dir / "weights" / "m" / "bad.safetensors").write_bytes(b"garbage")
    assert [w.name for w in weights.list_weights("m")] == ["good"]
    with pytest.raises(ModelError, match="unreadable"):
        weights.load_weights("m", "bad")


def test_the_shipped_inpaint_starter_weights_are_listed_first():
    weights.save_weights("inpaint-gan", "mine", {"x": torch.zeros(1)}, {})
    listed = weights.list_weights("inpaint-gan")
    assert [w.name for w in listed] == ["starter", "mine"] and listed[0].starter
    assert "generator" in weights.find_weights("inpaint-gan").metadata
