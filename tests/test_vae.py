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
from restorer_plugins.vae.load import prior_from_weights, vae_from_weights
from restorer_plugins.vae.networks import VAE, VAEConfig, vae_loss
from restorer_plugins.vae.prior import LatentPrior, fit_latent_prior, kmeans
from restorer_plugins.vae.training import VAETrainConfig, VAETrainer

TINY = VAEConfig(widths=(4, 8, 8), latent_channels=2)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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


def _correlated_latents(count: int, seed: int = 0) -> torch.Tensor:
    """Latent maps ``(count, 2, 12, 12)``: channel 0 smooth (box-blurred noise) around 3, channel 1 = -channel 0."""
    gen = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.avg_pool2d(torch.randn(count, 1, 14, 14, generator=gen), 3, 1) * 3 + 3
    return torch.cat([smooth, -smooth], 1)


def test_fitted_prior_reproduces_the_latents_statistics():
    latents = _correlated_latents(400)
    prior = fit_latent_prior(latents, radius=3)
    drawn = prior.sample(400, 12, 12, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (400, 2, 12, 12)
    assert drawn.mean(dim=(0, 2, 3)).tolist() == pytest.approx([3.0, -3.0], abs=0.1)
    # the channels are anti-correlated and neighbours correlated, as in the data; N(0, I) has neither
    assert float(torch.corrcoef(drawn[:, :, 5, 5].T)[0, 1]) < -0.95
    neighbours = torch.corrcoef(torch.stack([drawn[:, 0, 5, 5], drawn[:, 0, 5, 6]]))[0, 1]
    expected = torch.corrcoef(torch.stack([latents[:, 0, 5, 5], latents[:, 0, 5, 6]]))[0, 1]
    assert float(neighbours) == pytest.approx(float(expected), abs=0.1) and float(expected) > 0.5
    # same generator state, same maps; any size, larger than the fitted maps too
    again = prior.sample(400, 12, 12, generator=torch.Generator().manual_seed(0))
    assert torch.equal(drawn, again)
    assert prior.sample(2, 20, 7, generator=torch.Generator().manual_seed(0)).shape == (2, 2, 20, 7)
    cooler = prior.sample(400, 12, 12, generator=torch.Generator().manual_seed(0), temperature=0.5)
    assert torch.allclose(cooler - prior.mean[0][None, :, None, None],
                          0.5 * (drawn - prior.mean[0][None, :, None, None]), atol=1e-5)


def test_mixture_prior_finds_the_clusters():
    bright, dark = _correlated_latents(100, 0) + 10, _correlated_latents(300, 1) - 10
    labels = kmeans(torch.cat([bright, dark]).mean(dim=(2, 3)), 2, generator=torch.Generator().manual_seed(0))
    assert len(set(labels[:100].tolist())) == 1 and len(set(labels[100:].tolist())) == 1
    assert labels[0] != labels[100]
    prior = fit_latent_prior(torch.cat([bright, dark]), radius=2, components=2)
    assert sorted(prior.weights.tolist()) == pytest.approx([0.25, 0.75])
    drawn = prior.sample(2000, 6, 6, generator=torch.Generator().manual_seed(0))
    share_bright = float((drawn[:, 0].mean(dim=(1, 2)) > 0).float().mean())
    assert share_bright == pytest.approx(0.25, abs=0.04)  # every map from one component, in proportion


def test_prior_round_trips_through_the_weights_file_and_sampling_uses_it(tmp_path, monkeypatch, tiny_weights):
    from restorer.weights import load_weights

    tensors, meta = load_weights("vae", "tiny")
    assert prior_from_weights(tensors, meta) is None  # trained weights hold no fitted prior
    prior = fit_latent_prior(_correlated_latents(50), radius=2, components=1)
    save_weights("vae", "tiny-prior", {**tensors, **prior.to_tensors()}, meta)
    stored, stored_meta = load_weights("vae", "tiny-prior")
    back = prior_from_weights(stored, stored_meta)
    assert isinstance(back, LatentPrior)
    for name in ("weights", "mean", "autocovariance"):
        assert torch.equal(getattr(back, name), getattr(prior, name))
    # the network loads from the same file, prior tensors and all
    vae = vae_from_weights(stored, stored_meta)
    assert all(torch.equal(a, b) for a, b in zip(vae.state_dict().values(), tiny_weights.state_dict().values()))

    params = {"weights": "tiny-prior", "n": 4, "seed": 3, "size": 16}
    model = VAESample()
    fitted = model.latents(*model.networks("tiny-prior", "cpu"), model.resolve_params(params))
    assert fitted.shape == (4, 2, 4, 4)
    assert fitted.mean(dim=(0, 2, 3)).tolist() == pytest.approx([3.0, -3.0], abs=0.7)  # the fitted means
    standard = model.latents(*model.networks("tiny-prior", "cpu"), model.resolve_params({**params, "prior": "standard"}))
    assert standard.mean().abs() < 0.7  # N(0, I)
    grid = run_model(model, None, None, params)
    assert np.array_equal(grid, run_model(VAESample(), None, None, params))
    assert not np.array_equal(grid, run_model(model, None, None, {**params, "prior": "standard"}))
    # without a fitted prior, "fitted" falls back to N(0, I)
    plain = {**params, "weights": "tiny"}
    assert np.array_equal(run_model(model, None, None, plain), run_model(model, None, None, {**plain, "prior": "standard"}))


def test_the_shipped_starter_holds_a_fitted_prior():
    from restorer.weights import STARTER, load_weights

    tensors, meta = load_weights("vae", STARTER)
    prior = prior_from_weights(tensors, meta)
    assert isinstance(prior, LatentPrior)  # else vae-sample silently falls back to N(0, I)
    assert prior.weights.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert "prior" in meta["provenance"]


def test_a_damaged_prior_is_a_model_error(tiny_weights):
    from restorer.weights import load_weights

    tensors, meta = load_weights("vae", "tiny")
    prior = fit_latent_prior(_correlated_latents(20), radius=1).to_tensors()
    with pytest.raises(ModelError, match="prior"):
        prior_from_weights({**tensors, **prior, "prior.weights": torch.ones(3)}, meta)
    wrong_channels = fit_latent_prior(torch.randn(20, 3, 6, 6), radius=1).to_tensors()
    with pytest.raises(ModelError, match="latent channels"):
        prior_from_weights({**tensors, **wrong_channels}, meta)


def test_training_can_start_from_weights_with_a_prior(tiny_weights):
    from restorer.weights import load_weights

    tensors, _ = load_weights("vae", "tiny")
    prior = fit_latent_prior(_correlated_latents(20), radius=1).to_tensors()
    trainer = VAETrainer(TINY, initial={**tensors, **prior})  # the prior's tensors are not the network's
    assert torch.equal(trainer.vae.state_dict()["decoder.net.0.weight"], tensors["decoder.net.0.weight"])


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
