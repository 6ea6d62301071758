"""VAE: shapes, determinism, the objective, training, reconstruct in tiles, sampling and inpaint through the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from restorer.errors import ModelError
from restorer.pipeline import run_model
from restorer.training import Batch
from restorer.weights import save_weights
from restorer_plugins.vae import VAEInpaint, VAEReconstruct, VAESample
from restorer_plugins.vae.networks import VAE, VAEConfig, vae_loss
from restorer_plugins.vae.training import VAETrainConfig, VAETrainer

TINY = VAEConfig(widths=(4, 8, 8), latent_channels=2)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks run fastest on one thread; two threads on a busy 2-core machine are ~30x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _photo(height=40, width=52, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 4, yy * 5, (xx + yy) * 2], -1) % 256
    return (base + rng.normal(0, 6, base.shape)).clip(0, 255).astype(np.uint8)


def test_shapes_and_latent_size():
    vae = VAE(VAEConfig(widths=(8, 16, 32), latent_channels=4)).eval()
    images = torch.rand(2, 3, 24, 36) * 2 - 1
    mean, logvar = vae.encoder(images)
    assert mean.shape == logvar.shape == (2, 4, 6, 9)  # a quarter of the size per side
    rebuilt, mean2, _ = vae(images)
    assert rebuilt.shape == images.shape and torch.equal(mean, mean2)
    assert vae.reconstruct(images).shape == images.shape


def test_reconstruct_is_deterministic_and_sampling_is_seeded():
    torch.manual_seed(1)
    vae = VAE(TINY).eval()
    images = torch.rand(1, 3, 16, 16)
    assert torch.equal(vae.reconstruct(images), vae.reconstruct(images))
    a = vae(images, generator=torch.Generator().manual_seed(0))[0]
    b = vae(images, generator=torch.Generator().manual_seed(0))[0]
    c = vae(images, generator=torch.Generator().manual_seed(1))[0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_beta_weighs_the_kl_term():
    images = torch.zeros(2, 3, 8, 8)
    mean, logvar = torch.ones(2, 2, 2, 2), torch.zeros(2, 2, 2, 2)
    low, parts = vae_loss(images, images, mean, logvar, VAEConfig(beta=0.0))
    high, _ = vae_loss(images, images, mean, logvar, VAEConfig(beta=2.0))
    assert float(low) == 0.0 and parts["kl"] == pytest.approx(0.5 * 8 / 192)  # KL of N(1,1) vs N(0,1): 0.5 each
    assert float(high) == pytest.approx(2 * parts["kl"])


def test_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    trainer = VAETrainer(TINY, VAETrainConfig(lr=3e-3, input_noise=0.05))
    photos = torch.from_numpy(np.stack([_photo(16, 16, i) for i in range(8)])).permute(0, 3, 1, 2).float() / 255
    batch = Batch(photos, None, None)
    first = [trainer.train_step(batch, step)["loss"] for step in range(5)]
    for step in range(5, 80):
        trainer.train_step(batch, step)
    last = [trainer.train_step(batch, step)["loss"] for step in range(80, 85)]
    assert np.mean(last) < 0.5 * np.mean(first)
    assert trainer.preview(batch).shape == (16, 32, 3)


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    torch.manual_seed(0)
    trainer = VAETrainer(TINY, VAETrainConfig(lr=3e-3))
    photos = torch.from_numpy(np.stack([_photo(16, 16, i) for i in range(4)])).permute(0, 3, 1, 2).float() / 255
    for step in range(40):  # enough that reconstructions follow the photo (an untrained VAE's are flat)
        trainer.train_step(Batch(photos, None, None), step)
    tensors, meta = trainer.export()
    save_weights("vae", "tiny", tensors, meta)
    return trainer.vae.eval()


def test_reconstruct_in_tiles_matches_one_piece(tiny_weights):
    photo = _photo(100, 130)
    model = VAEReconstruct()
    whole = run_model(model, photo, None, {"weights": "tiny", "tile": 256})
    with torch.no_grad():  # one piece = the network on the photo reflect-padded to a multiple of 4
        padded = np.pad(photo, ((0, 0), (0, 2), (0, 0)), mode="reflect")
        direct = tiny_weights.reconstruct(torch.from_numpy(padded).permute(2, 0, 1)[None].float() / 127.5 - 1)
    expected = ((direct[0, :, :, :130].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.array_equal(whole, expected)
    blended = np.abs(whole.astype(int) - run_model(model, photo, None, {"weights": "tiny", "tile": 64,
                                                                           "overlap": 32}).astype(int))
    butted = np.abs(whole.astype(int) - run_model(model, photo, None, {"weights": "tiny", "tile": 64,
                                                                          "overlap": 0}).astype(int))
    # tiles differ from one piece only by the network's border effects, which cross-fading hides
    assert blended.mean() < 1.0 and blended.max() <= 10
    assert blended.mean() < 0.5 * butted.mean()
    unchanged = run_model(model, photo, None, {"weights": "tiny", "strength": 0.0})
    assert np.array_equal(unchanged, photo)


def test_sampling_is_reproducible(tiny_weights):
    params = {"weights": "tiny", "n": 3, "seed": 7, "size": 16}
    first = run_model(VAESample(), None, None, params)
    assert first.shape == (2 + 2 * 18, 2 + 2 * 18, 3)
    assert np.array_equal(first, run_model(VAESample(), None, None, params))
    assert not np.array_equal(first, run_model(VAESample(), None, None, {**params, "seed": 8}))


def test_inpaint_changes_only_the_hole(tiny_weights):
    photo = _photo()
    mask = np.zeros(photo.shape[:2], bool)
    mask[10:22, 15:35] = True
    out = run_model(VAEInpaint(), photo, mask, {"weights": "tiny", "iterations": 3})
    assert out.shape == photo.shape and np.array_equal(out[~mask], photo[~mask])
    assert not np.array_equal(out[mask], photo[mask])


def test_bad_tiling_and_unknown_weights_are_model_errors(tiny_weights):
    with pytest.raises(ModelError, match="overlap"):
        run_model(VAEReconstruct(), _photo(), None, {"weights": "tiny", "tile": 32, "overlap": 32})
    with pytest.raises(ModelError, match="weights"):
        run_model(VAEReconstruct(), _photo(), None, {"weights": "nope"})


@pytest.mark.slow
def test_cli_reconstruct_inpaint_and_train(tmp_path, tiny_weights):
    import os
    import subprocess
    import sys

    from PIL import Image

    env = {**os.environ}
    photo, mask = _photo(), np.zeros((40, 52), bool)
    mask[10:20, 10:30] = True
    Image.fromarray(photo).save(tmp_path / "p.png")
    Image.fromarray((mask * 255).astype(np.uint8)).save(tmp_path / "m.png")

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "restorer", *args], capture_output=True, text=True, env=env,
                              timeout=240)
        assert done.returncode == 0, done.stderr

    cli("reconstruct", str(tmp_path / "p.png"), "--model", "vae", "--set", "weights=tiny", "-o", str(tmp_path / "r.png"))
    assert np.asarray(Image.open(tmp_path / "r.png")).shape == photo.shape
    cli("inpaint", str(tmp_path / "p.png"), "--mask", str(tmp_path / "m.png"), "--model", "vae-inpaint",
        "--set", "weights=tiny", "--set", "iterations=2", "-o", str(tmp_path / "i.png"))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "i.png"))[~mask], photo[~mask])
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(_photo(40, 40, i)).save(folder / f"{i}.png")
    cli("train", "vae", "--data", str(folder), "--name", "mine", "--from", "tiny", "--steps", "2",
        "--batch-size", "2", "--crop", "16")
    assert (tmp_path / "data" / "weights" / "vae" / "mine.safetensors").exists()
