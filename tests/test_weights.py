"""The weights store: user weights in the data folder with metadata, the starter weights, names."""

from __future__ import annotations

import os

import numpy as np
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
    (data_dir / "weights" / "m" / "bad.safetensors").write_bytes(b"garbage that is not safetensors")
    assert [w.name for w in weights.list_weights("m")] == ["good"]
    with pytest.raises(ModelError, match="unreadable"):
        weights.load_weights("m", "bad")


def test_the_shipped_inpaint_starter_weights_are_listed_first():
    weights.save_weights("inpaint-gan", "mine", {"x": torch.zeros(1)}, {})
    listed = weights.list_weights("inpaint-gan")
    assert [w.name for w in listed] == ["starter", "mine"] and listed[0].starter
    assert "generator" in weights.find_weights("inpaint-gan").metadata


# -- files that are not what their name says -------------------------------------------------


def _raw_weights(path, metadata_text: str) -> None:
    """A valid safetensors file whose ``restorer`` metadata is ``metadata_text`` as it is."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"x": torch.zeros(1)}, str(path), metadata={"restorer": metadata_text})


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "3"])
def test_metadata_that_is_not_a_json_object_is_skipped_and_named(data_dir, text):
    weights.save_weights("m", "good", {"x": torch.zeros(1)}, {})
    bad = data_dir / "weights" / "m" / "bad.safetensors"
    _raw_weights(bad, text)
    assert [w.name for w in weights.list_weights("m")] == ["good"]
    [(path, reason)] = weights.unreadable_weights("m")
    assert path == bad and "metadata" in reason
    with pytest.raises(ModelError, match="bad.safetensors.*metadata"):
        weights.find_weights("m", "bad")


def test_metadata_that_is_not_json_leaves_inpaint_gan_registered(data_dir):
    from restorer.registry import load_registry

    _raw_weights(data_dir / "weights" / "inpaint-gan" / "bad.safetensors", "{not json")
    registry = load_registry()
    assert registry.failures == []
    assert registry.default_for("inpaint").name == "inpaint-gan"
    assert registry.get("inpaint-gan").param("weights").choices == ("starter",)


def test_settings_naming_an_unusable_weights_file_say_why(data_dir):
    from restorer.registry import load_registry

    _raw_weights(data_dir / "weights" / "inpaint-gan" / "bad.safetensors", "{not json")
    model = load_registry().get("inpaint-gan")
    with pytest.raises(ModelError, match=r"^weights 'bad' of inpaint-gan cannot be used: "):
        model.parse_settings(["weights=bad"])
    with pytest.raises(ModelError, match="must be one of starter"):
        model.parse_settings(["weights=nothing-like-it"])
    assert model.parse_settings(["weights=starter"]) == {"weights": "starter"}


def test_another_models_weights_copied_into_a_folder_are_named_not_offered(data_dir):
    import shutil

    from restorer.registry import load_registry

    weights.save_weights("inpaint-gan", "mine", {"x": torch.zeros(1)}, {})
    stray = data_dir / "weights" / "vae" / "mine.safetensors"
    stray.parent.mkdir(parents=True)
    shutil.copy(data_dir / "weights" / "inpaint-gan" / "mine.safetensors", stray)
    assert [w.name for w in weights.list_weights("vae")] == ["starter"]
    [(path, reason)] = weights.unreadable_weights("vae")
    assert path == stray and reason.startswith("these are weights of inpaint-gan, not of vae (move the file to ")
    with pytest.raises(ModelError, match="weights of inpaint-gan, not of vae"):
        weights.find_weights("vae", "mine")
    with pytest.raises(ModelError, match="^weights 'mine' of vae cannot be used: these are weights of inpaint-gan"):
        load_registry().get("vae").parse_settings(["weights=mine"])
    assert [w.name for w in weights.list_weights("inpaint-gan")] == ["starter", "mine"]


def _special_files(folder):
    """Weights-named things that must never be opened: a FIFO, a folder, /dev/zero, an empty and a huge file."""
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "fifo.safetensors")
    (folder / "folder.safetensors").mkdir()
    (folder / "zero.safetensors").symlink_to("/dev/zero")
    (folder / "empty.safetensors").write_bytes(b"")
    with open(folder / "huge.safetensors", "wb") as handle:  # sparse: costs no disk
        handle.truncate(weights.MAX_WEIGHTS_BYTES + 1)
    return ["fifo", "folder", "zero", "empty", "huge"]


@pytest.mark.timeout(20)
def test_special_files_are_refused_without_opening_them(data_dir):
    names = _special_files(data_dir / "weights" / "m")
    weights.save_weights("m", "good", {"x": torch.zeros(1)}, {})
    assert [w.name for w in weights.list_weights("m")] == ["good"]
    reasons = dict((path.stem, reason) for path, reason in weights.unreadable_weights("m"))
    assert sorted(reasons) == sorted(names)
    assert "not a regular file" in reasons["fifo"] and "not a regular file" in reasons["zero"]
    assert "too large" in reasons["huge"] and "too small" in reasons["empty"]
    for name in names:
        with pytest.raises(ModelError, match=f"{name}.safetensors"):
            weights.load_weights("m", name)


@pytest.mark.timeout(120)
def test_models_command_names_bad_weights_files_and_does_not_hang(data_dir, tmp_path):
    from tests.conftest import run_restorer

    _special_files(data_dir / "weights" / "inpaint-gan")
    _raw_weights(data_dir / "weights" / "inpaint-gan" / "notjson.safetensors", "{not json")
    result = run_restorer("models", env={**os.environ, "RESTORER_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "inpaint-gan" in line and "safetensors" in line]
    assert len(lines) == 6, result.stdout
    assert any("notjson.safetensors" in line and "JSON" in line for line in lines)
    assert any(line.startswith("inpaint-gan ") for line in result.stdout.splitlines())


def test_weights_that_are_not_finite_are_refused(data_dir):
    weights.save_weights("m", "nan", {"x": torch.tensor([1.0, float("nan")]), "n": torch.ones(2, dtype=torch.int64)},
                         {})
    weights.save_weights("m", "inf", {"x": torch.tensor([float("inf")], dtype=torch.float16)}, {})
    for name in ("nan", "inf"):
        with pytest.raises(ModelError, match=f"{name}.safetensors.*not finite"):
            weights.load_weights("m", name)


def test_inpaint_gan_refuses_nan_weights_instead_of_painting_black(data_dir, photo):
    from restorer.pipeline import run_model
    from restorer_plugins.inpaint_gan import InpaintGAN

    tensors, meta = weights.load_weights("inpaint-gan")
    first = next(iter(tensors))
    tensors[first] = torch.full_like(tensors[first], float("nan"))
    own = {k: v for k, v in meta.items() if k not in ("model", "name")}
    weights.save_weights("inpaint-gan", "broken", tensors, own)
    mask = np.zeros(photo.shape[:2], bool)
    mask[20:30, 20:40] = True
    with pytest.raises(ModelError, match="broken.safetensors.*not finite"):
        run_model(InpaintGAN(), photo, mask, {"weights": "broken"})


# -- architecture configs read from a file ----------------------------------------------------


def _inpaint_gan(meta):
    from restorer_plugins.inpaint_gan.load import generator_from_weights

    return generator_from_weights({}, meta, "x.safetensors")


def _dcgan(meta):
    from restorer_plugins.dcgan.load import dcgan_from_weights

    return dcgan_from_weights({}, meta, "x.safetensors")


def _vae(meta):
    from restorer_plugins.vae.load import vae_from_weights

    return vae_from_weights({}, meta, "x.safetensors")


def _vae_prior(meta):
    from restorer_plugins.vae.load import prior_from_weights

    return prior_from_weights({}, meta, "x.safetensors")


def _cyclegan(meta):
    from restorer_plugins.cyclegan.load import generators_from_weights

    return generators_from_weights({}, meta, "x.safetensors")


_GENERATOR = {"channels": [16, 32], "bottleneck_dilations": [1], "fourier": True}
HUGE = 10 ** 7  # channels: a 1x1 convolution alone would take 400 TB


@pytest.mark.timeout(20)
@pytest.mark.parametrize("build, meta, field", [
    (_inpaint_gan, {"generator": {**_GENERATOR, "channels": [16, HUGE]}}, "channels"),
    (_inpaint_gan, {"generator": {**_GENERATOR, "bottleneck_dilations": [HUGE]}}, "bottleneck_dilations"),
    (_inpaint_gan, {"generator": {**_GENERATOR, "full_res_blocks": HUGE}}, "full_res_blocks"),
    (_inpaint_gan, {"generator": {**_GENERATOR, "channels": [16, "32"]}}, "channels"),
    (_inpaint_gan, {"generator": {**_GENERATOR, "channels": 16}}, "channels"),
    (_inpaint_gan, {"generator": {**_GENERATOR, "coarse": "paint"}}, "coarse"),
    (_inpaint_gan, {"generator": {"fourier": True}}, "channels"),
    (_inpaint_gan, {"generator": "big"}, "generator"),
    (_dcgan, {"config": {"width": HUGE}}, "width"),
    (_dcgan, {"config": {"latent_dim": HUGE}}, "latent_dim"),
    (_dcgan, {"config": {"image_size": 2 ** 20}}, "image_size"),
    (_dcgan, {"config": {"channels": 0}}, "channels"),
    (_dcgan, {"config": {"wide": 3}}, "wide"),
    (_dcgan, {"config": [64]}, "config"),
    (_vae, {"config": {"widths": [16, HUGE]}}, "widths"),
    (_vae, {"config": {"latent_channels": HUGE}}, "latent_channels"),
    (_vae, {"config": {"widths": [16] * 64}}, "widths"),
    (_vae, {"config": {"channels": True}}, "channels"),
    (_vae_prior, {"config": {"channels": -1}}, "channels"),
    (_vae_prior, {}, "config"),
    (_cyclegan, {"config": {"ngf": HUGE}}, "ngf"),
    (_cyclegan, {"config": {"blocks": HUGE}}, "blocks"),
    (_cyclegan, {"config": {"disc_layers": 1.5}}, "disc_layers"),
    (_cyclegan, {"config": None}, "config"),
])
def test_architecture_out_of_bounds_is_refused_before_building(build, meta, field):
    with pytest.raises(ModelError, match=rf"x\.safetensors: .*{field}"):
        build(meta)


@pytest.mark.parametrize("family", ["inpaint-gan", "dcgan", "vae", "cyclegan"])
def test_shipped_architectures_are_within_bounds(family):
    build = {"inpaint-gan": _inpaint_gan, "dcgan": _dcgan, "vae": _vae, "cyclegan": _cyclegan}[family]
    tensors, meta = weights.load_weights(family)
    with pytest.raises(ModelError, match="do not match"):  # the config is accepted; no tensors were given
        build(meta)
