"""The starter scripts that train from scikit-image's bundled data run through the shared training loop:
a few steps into a temporary folder (never resources/weights/), resumable, with weights the models load."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from restorer.training import load_checkpoint
from restorer.training.stored_runs import CHECKPOINT_FILE
from restorer.weights import CONFIG_KEY, read_metadata

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"starter_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name: str, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out" / "weights.safetensors"
    # the thread count the test runs with, so the script leaves it as it is
    argv = ["--workdir", str(tmp_path / "work"), "--out", str(out), "--threads", str(torch.get_num_threads()), *args]
    assert _script(name).main(argv) == 0
    return out


def test_dcgan_starter_trains_with_the_loop_and_resumes(tmp_path):
    from restorer_plugins.dcgan.load import dcgan_from_weights

    out = _run("train_starter_dcgan", tmp_path, "--steps", "2", "--batch", "4", "--width", "8")
    assert load_checkpoint(tmp_path / "work" / CHECKPOINT_FILE).step == 2
    assert len(list((tmp_path / "work" / "faces").glob("*.png"))) == 80  # the training faces, never the held-out
    _run("train_starter_dcgan", tmp_path, "--steps", "3", "--batch", "4", "--width", "8", "--resume")
    assert load_checkpoint(tmp_path / "work" / CHECKPOINT_FILE).step == 3
    metadata = read_metadata(out)
    assert metadata["provenance"]["train"]["steps"] == 3
    generator, _ = dcgan_from_weights(load_file(out), metadata, str(out))
    assert generator.config.channels == 1 and out.with_suffix(".samples.png").is_file()


def test_vae_starter_trains_with_the_loop_and_fits_its_prior(tmp_path):
    from restorer_plugins.vae.load import prior_from_weights, vae_from_weights

    out = _run("train_starter_vae", tmp_path, "--steps", "2", "--batch", "2", "--widths", "4", "8", "8",
               "--latent-channels", "2", "--prior-crops", "8", "--prior-components", "1", "--prior-radius", "1")
    assert load_checkpoint(tmp_path / "work" / CHECKPOINT_FILE).step == 2
    photos = sorted(p.stem for p in (tmp_path / "work" / "photos").glob("*.png"))
    assert len(photos) == 12 * 6 and "astronaut-rgb" in photos and "astronaut-bgr" in photos  # six channel orders
    tensors, metadata = load_file(out), read_metadata(out)
    assert vae_from_weights(tensors, metadata, str(out)).config.latent_channels == 2
    assert prior_from_weights(tensors, metadata, str(out)) is not None
    assert json.loads(out.with_suffix(".json").read_text())["log"][-1]["step"] == 2


def test_cyclegan_starter_trains_with_the_loop_on_two_folders(tmp_path):
    from restorer_plugins.cyclegan.load import generators_from_weights

    snapshots = tmp_path / "snapshots"
    out = _run("train_starter_cyclegan", tmp_path, "--steps", "2", "--crop", "32", "--ngf", "4", "--ndf", "4",
               "--blocks", "1", "--snapshots", str(snapshots), "--snapshot-every", "1")
    assert load_checkpoint(tmp_path / "work" / CHECKPOINT_FILE).step == 2
    assert {p.name for p in (tmp_path / "work" / "sketches").glob("*.png")} == \
        {p.name for p in (tmp_path / "work" / "photos").glob("*.png")}
    metadata = read_metadata(out)
    assert metadata["a_name"] == "photo" and metadata[CONFIG_KEY]["ngf"] == 4
    assert set(generators_from_weights(load_file(out), metadata, str(out))) == {"a_to_b", "b_to_a"}
    assert sorted(p.name for p in snapshots.iterdir()) == ["step1.safetensors", "step2.safetensors"]
