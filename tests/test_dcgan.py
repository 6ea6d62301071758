"""DCGAN: network structure and shapes, determinism, training, sampling, interpolation and GAN-inversion inpaint."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from restorer.errors import InputError, ModelError
from restorer.pipeline import run_model
from restorer.training import Batch
from restorer.weights import save_weights
from restorer_plugins.dcgan import DCGANInpaint, DCGANInterpolation, DCGANSampler
from restorer_plugins.dcgan.inversion import invert, poisson_blend
from restorer_plugins.dcgan.networks import DCGANConfig, Discriminator, Generator, build_dcgan, sample_noise, slerp
from restorer_plugins.dcgan.training import DCGANTrainer, DCGANTrainConfig

TINY = DCGANConfig(latent_dim=8, image_size=16, channels=3, width=8)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("upsample", ["transpose", "resize"])
def test_shapes_follow_the_classic_architecture(size, upsample):
    config = DCGANConfig(image_size=size, upsample=upsample, width=8)
    generator, discriminator = build_dcgan(config=config)
    images = generator(torch.randn(3, 100))
    assert images.shape == (3, 3, size, size)
    assert images.min() >= -1 and images.max() <= 1  # tanh output
    assert discriminator(images).shape == (3,)  # one logit per image
    # 4x4 first, then doubling: 4 -> 8 -> ... -> size
    first = generator.net[0]
    assert first(torch.randn(1, 100, 1, 1)).shape[-1] == 4
    assert first.out_channels == 8 * 2 ** (config.stages - 1)


def test_classic_mistakes_are_absent():
    config = DCGANConfig(image_size=32, width=8)
    generator, discriminator = build_dcgan(config=config)
    last = discriminator.net[-1]
    assert isinstance(last, nn.Conv2d) and last.out_channels == 1  # a final 1-channel layer
    for net in (generator, discriminator):
        layers = list(net.net)
        for i, layer in enumerate(layers):
            if isinstance(layer, nn.BatchNorm2d):  # BatchNorm right after a conv, never after an activation
                assert isinstance(layers[i - 1], (nn.Conv2d, nn.ConvTranspose2d, nn.Sequential))
    assert not isinstance(discriminator.net[1], nn.BatchNorm2d)  # no BatchNorm on D's input layer
    assert isinstance(generator.net[-1], nn.Tanh)


def test_hinge_variant_uses_spectral_norm_and_no_batchnorm():
    discriminator = Discriminator(DCGANConfig(image_size=32, width=8, loss="hinge"))
    convs = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert all(hasattr(c, "parametrizations") for c in convs)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in discriminator.modules())


def test_networks_are_deterministic():
    torch.manual_seed(3)
    first = Generator(TINY).eval()
    torch.manual_seed(3)
    second = Generator(TINY).eval()
    noise = sample_noise(4, TINY.latent_dim, seed=5)
    assert torch.equal(first(noise), second(noise))
    assert torch.equal(first(noise), first(noise))


def test_noise_is_seeded_and_truncated():
    assert torch.equal(sample_noise(5, 10, seed=1), sample_noise(5, 10, seed=1))
    assert not torch.equal(sample_noise(5, 10, seed=1), sample_noise(5, 10, seed=2))
    truncated = sample_noise(200, 100, seed=1, truncation=0.5)
    assert truncated.abs().max() <= 0.5 and truncated.std() > 0.2


def test_slerp_ends_at_both_points():
    a, b = torch.randn(10), torch.randn(10)
    path = slerp(a, b, 5)
    assert path.shape == (5, 10)
    assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)


def test_training_steps_move_samples_towards_the_data():
    torch.manual_seed(0)
    trainer = DCGANTrainer(TINY, DCGANTrainConfig(lr=2e-3))
    photos = torch.full((16, 3, 16, 16), 0.9)  # the "data": light grey images (0.8 in [-1, 1])
    photos[:, 0] = 0.2  # with little red

    def distance() -> float:
        trainer.generator.eval()
        with torch.no_grad():
            fake = trainer.generator(sample_noise(32, TINY.latent_dim, seed=9))
        trainer.generator.train()
        return float((fake - (photos[:1] * 2 - 1)).abs().mean())

    before = distance()
    losses = [trainer.train_step(Batch(photos, None, None), step) for step in range(60)]
    assert all(np.isfinite(v) for step in losses for v in step.values())
    assert distance() < 0.5 * before


def test_trainer_resizes_photos_to_the_model_size():
    torch.manual_seed(0)
    trainer = DCGANTrainer(DCGANConfig(latent_dim=8, image_size=16, channels=1, width=8))
    losses = trainer.train_step(Batch(torch.rand(4, 3, 40, 40), None, None), 0)
    assert set(losses) == {"loss_d", "loss_g"}
    tensors, meta = trainer.export()
    assert meta["config"]["channels"] == 1
    assert any(k.startswith("discriminator.") for k in tensors) and any(k.startswith("generator.") for k in tensors)


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    torch.manual_seed(0)
    trainer = DCGANTrainer(TINY)
    trainer.train_step(Batch(torch.rand(4, 3, 16, 16), None, None), 0)  # BatchNorm running stats move
    tensors, meta = trainer.export()
    save_weights("dcgan", "tiny", tensors, meta)
    trainer.generator.eval()
    trainer.discriminator.eval()
    return trainer


def test_sampling_is_reproducible_through_the_pipeline(tiny_weights):
    model = DCGANSampler()
    assert "tiny" in model.param("weights").choices
    first = run_model(model, None, None, {"weights": "tiny", "n": 6, "seed": 4, "zoom": 1})
    again = run_model(model, None, None, {"weights": "tiny", "n": 6, "seed": 4, "zoom": 1})
    other = run_model(model, None, None, {"weights": "tiny", "n": 6, "seed": 5, "zoom": 1})
    assert first.dtype == np.uint8 and first.shape == (2 + 2 * 18, 2 + 3 * 18, 3)  # 3 columns, 2 rows, 2-px gaps
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    with torch.no_grad():
        expected = tiny_weights.generator(sample_noise(6, TINY.latent_dim, seed=4))
    top_left = ((expected[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    assert np.array_equal(first[2:18, 2:18], top_left)


def test_interpolation_rows_start_and_end_at_their_noises(tiny_weights):
    out = run_model(DCGANInterpolation(), None, None, {"weights": "tiny", "n": 5, "rows": 2, "seed": 1, "zoom": 1})
    assert out.shape == (2 + 2 * 18, 2 + 5 * 18, 3)
    ends = sample_noise(4, TINY.latent_dim, seed=1)
    with torch.no_grad():
        last_of_second_row = tiny_weights.generator(ends[3:4])
    expected = ((last_of_second_row[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    assert np.abs(out[20:36, 74:90].astype(int) - expected.astype(int)).max() <= 1


def test_unknown_weights_are_a_model_error(tiny_weights):
    with pytest.raises(ModelError, match="weights"):
        run_model(DCGANSampler(), None, None, {"weights": "nope"})


def test_inversion_finds_a_generated_image_from_its_known_half(tiny_weights):
    generator, discriminator = tiny_weights.generator, tiny_weights.discriminator
    with torch.no_grad():
        target = generator(sample_noise(1, TINY.latent_dim, seed=42))
    known = torch.ones(1, 1, 16, 16)
    known[..., 4:12, 4:12] = 0
    hole = known == 0
    with torch.no_grad():
        start = generator(sample_noise(8, TINY.latent_dim, seed=0))
    start_error = float((start - target).abs().mean(dim=1, keepdim=True)[hole.expand(8, -1, -1, -1)].mean())
    found, _ = invert(generator, discriminator, target, known, steps=150, candidates=8, realism=0.0, seed=0)
    # the hole, never seen by the search, is recovered far better than by a random sample
    assert float((found - target).abs()[hole.expand_as(found)].mean()) < 0.5 * start_error


def test_poisson_blend_keeps_gradients_and_meets_the_photo():
    rng = np.random.default_rng(0)
    photo = rng.uniform(0, 255, (20, 24, 3))
    hole = np.zeros((20, 24), bool)
    hole[5:14, 6:18] = True
    source = photo + 40.0  # same content, wrong brightness: blending must remove the offset exactly
    out = poisson_blend(photo, source, hole)
    assert np.allclose(out, photo, atol=1e-3)


def test_inpaint_runs_through_the_pipeline(tiny_weights):
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    mask = np.zeros((40, 40), bool)
    mask[12:26, 10:30] = True
    params = {"weights": "tiny", "steps": 20, "candidates": 2, "seed": 0}
    out = run_model(DCGANInpaint(), photo, mask, params)
    assert out.shape == photo.shape and np.array_equal(out[~mask], photo[~mask])
    assert not np.array_equal(out[mask], photo[mask])
    assert np.array_equal(out, run_model(DCGANInpaint(), photo, mask, params))  # seeded: reproducible
    with pytest.raises(InputError, match="whole photo"):  # refused by the pipeline before the model runs
        run_model(DCGANInpaint(), photo, np.ones((40, 40), bool), params, crop=False)


@pytest.mark.slow
def test_cli_sample_and_train(tmp_path, tiny_weights):
    env = {**os.environ, "RESTORER_DATA_DIR": os.environ["RESTORER_DATA_DIR"]}
    out = tmp_path / "grid.png"
    done = subprocess.run([sys.executable, "-m", "restorer", "sample", "--model", "dcgan", "-n", "4", "--seed", "1",
                           "--set", "weights=tiny", "-o", str(out)], capture_output=True, text=True, env=env,
                          timeout=240)
    assert done.returncode == 0, done.stderr
    assert np.asarray(Image.open(out)).shape == (2 + 2 * 34, 2 + 2 * 34, 3)  # zoom 2 by default
    photos = tmp_path / "faces"
    photos.mkdir()
    for i in range(3):
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(
            photos / f"{i}.png")
    done = subprocess.run([sys.executable, "-m", "restorer", "train", "dcgan", "--data", str(photos), "--name", "mine",
                           "--from", "tiny", "--steps", "2", "--batch-size", "2", "--crop", "16"],
                          capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "weights" / "dcgan" / "mine.safetensors").exists()
