"""CycleGAN: shapes, determinism, the 70x70 PatchGAN, training, tiles without seams, stylize through the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from restorer.errors import ModelError
from restorer.pipeline import run_model
from restorer.training import Batch
from restorer.weights import save_weights
from restorer_plugins.cyclegan import CycleGANStylize, stylize
from restorer_plugins.cyclegan.networks import (
    CycleGANConfig, InstanceNorm, PatchDiscriminator, ResnetGenerator, shared_statistics,
)
from restorer.tiling import tiled_apply
from restorer_plugins.cyclegan.training import CycleGANTrainConfig, CycleGANTrainer, ImagePool

TINY = CycleGANConfig(ngf=4, ndf=4, blocks=2)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _photo(height=48, width=64, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 4, yy * 5, (xx + yy) * 2], -1) % 256
    return (base + rng.normal(0, 6, base.shape)).clip(0, 255).astype(np.uint8)


def _random_generator(seed=0, config=TINY) -> ResnetGenerator:
    torch.manual_seed(seed)
    generator = ResnetGenerator(config)
    for module in generator.modules():  # N(0, 0.02) weights give a near-constant output; make it vary
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, std=0.05)
    return generator.eval()


def test_generator_keeps_the_size_and_resnet_layout():
    for upsample in ("transpose", "resize"):
        generator = ResnetGenerator(CycleGANConfig(ngf=4, blocks=6, upsample=upsample))
        assert generator(torch.rand(2, 3, 32, 44) * 2 - 1).shape == (2, 3, 32, 44)
    generator = ResnetGenerator(CycleGANConfig(ngf=4, blocks=9))
    assert sum(type(m).__name__ == "ResidualBlock" for m in generator.modules()) == 9
    assert sum(isinstance(m, InstanceNorm) for m in generator.modules()) == 3 + 2 * 9 + 2


def test_residual_generator_starts_from_the_photo():
    generator = ResnetGenerator(CycleGANConfig(ngf=4, blocks=2, residual=True)).eval()
    last = generator.net[-1]
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    photo = torch.rand(1, 3, 16, 16) * 1.8 - 0.9
    assert torch.allclose(generator(photo), photo, atol=1e-5)  # no change learnt: the photo itself
    plain = ResnetGenerator(CycleGANConfig(ngf=4, blocks=2)).eval()
    nn.init.zeros_(plain.net[-1].weight)
    nn.init.zeros_(plain.net[-1].bias)
    assert torch.equal(plain(photo), torch.zeros_like(photo))


def test_patch_discriminator_sees_70_pixel_patches():
    discriminator = PatchDiscriminator(CycleGANConfig(ndf=4))
    assert discriminator(torch.rand(1, 3, 256, 256)).shape == (1, 1, 30, 30)  # as in the paper
    field = 1  # receptive field of one score, walking back through the convolutions
    for conv in reversed([m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]):
        field = (field - 1) * conv.stride[0] + conv.kernel_size[0]
    assert field == 70
    assert isinstance(discriminator.net[-1], nn.Conv2d) and discriminator.net[-1].out_channels == 1


def test_generator_is_deterministic():
    photo = torch.rand(1, 3, 32, 32) * 2 - 1
    assert torch.equal(_random_generator(1)(photo), _random_generator(1)(photo))


def test_shared_statistics_reproduce_the_whole_photo_run():
    generator = _random_generator()
    photo = torch.rand(1, 3, 32, 48) * 2 - 1
    own = generator(photo)
    with shared_statistics(generator, photo):
        shared = generator(photo)
        tile = generator(photo[..., :16, :16])  # a tile normalised like the whole photo
    assert torch.allclose(own, shared, atol=1e-5)
    assert not torch.allclose(tile, generator(photo[..., :16, :16]), atol=1e-3)  # its own stats differ
    assert all(m.mode == "own" and m.kept is None for m in generator.modules() if isinstance(m, InstanceNorm))


def test_image_pool_mixes_old_and_new_images():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # filling up: returned as given
    new = torch.arange(10.0, 110.0).view(100, 1, 1, 1)
    out = pool.query(new)
    swapped = int((out != new).sum())
    assert 30 < swapped < 70  # about half answered from the pool
    assert len(pool.images) == 4


def test_training_steps_reduce_the_cycle_loss():
    torch.manual_seed(0)
    trainer = CycleGANTrainer(TINY, CycleGANTrainConfig(lr=2e-3, steps=100, pool_size=4))
    a = torch.from_numpy(_photo(32, 32)).permute(2, 0, 1)[None].float() / 255
    b = 1 - a  # style B: the negative
    batch = Batch(a, b, None)
    first = [trainer.train_step(batch, step)["cycle"] for step in range(3)]
    for step in range(3, 40):
        trainer.train_step(batch, step)
    last = [trainer.train_step(batch, step)["cycle"] for step in range(40, 43)]
    assert np.mean(last) < 0.5 * np.mean(first)
    assert trainer.preview(batch).shape == (32, 128, 3)
    assert CycleGANTrainConfig(steps=100).lr_at(75) == pytest.approx(1e-4)
    with pytest.raises(ModelError, match="two folders"):
        trainer.train_step(Batch(a, None, None), 0)


def test_tiled_apply_has_no_seam():
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(3, 8, 5, padding=2), nn.Tanh(), nn.Conv2d(8, 3, 5, padding=2)).eval()
    image = torch.rand(1, 3, 70, 90)
    with torch.no_grad():
        whole = conv(image)
        tiled = tiled_apply(conv, image, tile=32, overlap=16)
        butted = tiled_apply(conv, image, tile=32, overlap=0)
    # the network sees 4 pixels each side and the cross-fade (almost) ignores each tile's outer 4
    assert torch.allclose(tiled, whole, atol=1e-3)
    assert (butted - whole).abs().max() > 0.05  # without overlap, the tiles' zero padding shows as seams


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    trainer = CycleGANTrainer(TINY)
    trainer.nets["a_to_b"].load_state_dict(_random_generator(0).state_dict())
    trainer.nets["b_to_a"].load_state_dict(_random_generator(1).state_dict())
    tensors, meta = trainer.export()
    save_weights("cyclegan", "tiny", tensors, meta)
    return trainer


def test_tiled_stylize_equals_one_piece_and_has_no_seam(tiny_weights):
    photo = _photo(160, 200)
    generator = tiny_weights.nets["a_to_b"].eval()
    model = CycleGANStylize()
    whole = run_model(model, photo, None, {"weights": "tiny", "direction": "AtoB", "tile": 512})
    with torch.no_grad():
        direct = generator(torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 127.5 - 1)
    expected = ((direct[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.array_equal(whole, expected)  # one tile: exactly the generator
    assert whole.std() > 20  # the test network's output is not flat
    tiled = run_model(model, photo, None, {"weights": "tiny", "direction": "AtoB", "tile": 128, "overlap": 64})
    difference = np.abs(whole.astype(int) - tiled.astype(int))
    assert difference.mean() < 0.5 and np.percentile(difference, 99) <= 3
    # no seam: along every column/row, the tiled result steps like the one-piece result
    for axis in (0, 1):
        tiled_steps = np.abs(np.diff(tiled.astype(float), axis=axis)).mean(axis=(1 - axis, 2))
        whole_steps = np.abs(np.diff(whole.astype(float), axis=axis)).mean(axis=(1 - axis, 2))
        assert np.abs(tiled_steps - whole_steps).max() < 1.0
    other = run_model(model, photo, None, {"weights": "tiny", "direction": "BtoA", "tile": 512})
    assert not np.array_equal(other, whole)


def test_tiles_share_the_photo_statistics(tiny_weights):
    photo = _photo(160, 200)
    generator = tiny_weights.nets["a_to_b"].eval()
    image = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 127.5 - 1
    whole = stylize(generator, photo, tile=512, overlap=0, stats_size=512).astype(int)
    assert np.array_equal(stylize(generator, photo, tile=512, overlap=0, stats_size=200), whole)
    with torch.no_grad():  # what tiles would give, each normalised by its own statistics
        own = tiled_apply(generator, image, tile=64, overlap=32, multiple=4)
    own = ((own[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy().astype(int)
    shared = stylize(generator, photo, tile=64, overlap=32, stats_size=512).astype(int)
    shrunk = stylize(generator, photo, tile=64, overlap=32, stats_size=100).astype(int)
    assert np.abs(shared - whole).mean() < 0.5 * np.abs(own - whole).mean()
    assert np.abs(shrunk - whole).mean() < np.abs(own - whole).mean()  # a shrunk copy's statistics still help


def test_bad_tiling_is_a_model_error(tiny_weights):
    with pytest.raises(ModelError, match="overlap"):
        run_model(CycleGANStylize(), _photo(), None, {"weights": "tiny", "tile": 64, "overlap": 64})


@pytest.mark.slow
def test_cli_stylize_and_train_on_two_folders(tmp_path, tiny_weights):
    import os
    import subprocess
    import sys

    from PIL import Image

    env = {**os.environ}
    photo = _photo(40, 52)
    Image.fromarray(photo).save(tmp_path / "p.png")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "restorer", *args], capture_output=True, text=True, env=env,
                              timeout=240)

    done = cli("stylize", str(tmp_path / "p.png"), "--model", "cyclegan", "--set", "weights=tiny",
               "--set", "direction=BtoA", "-o", str(tmp_path / "s.png"))
    assert done.returncode == 0, done.stderr
    expected = stylize(tiny_weights.nets["b_to_a"].eval(), photo, tile=512, overlap=64, stats_size=1024)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "s.png")), expected)
    for domain in ("a", "b"):
        (tmp_path / domain).mkdir()
        Image.fromarray(_photo(40, 40, ord(domain))).save(tmp_path / domain / "x.png")
    one = cli("train", "cyclegan", "--data", str(tmp_path / "a"), "--name", "mine", "--from", "tiny",
              "--steps", "1", "--batch-size", "1", "--crop", "32")
    assert one.returncode != 0 and "2 photo folder" in one.stderr
    two = cli("train", "cyclegan", "--data", str(tmp_path / "a"), "--data", str(tmp_path / "b"), "--name", "mine",
              "--from", "tiny", "--steps", "2", "--batch-size", "1", "--crop", "32")
    assert two.returncode == 0, two.stderr
    assert (tmp_path / "data" / "weights" / "cyclegan" / "mine.safetensors").exists()


def test_models_declare_their_training_folders():
    from restorer.registry import load_registry

    registry = load_registry()
    assert registry.get("cyclegan").folders == 2 == CycleGANTrainer.folders
    trainable = {m.name for m in registry.models.values() if m.trainable}
    assert {"dcgan", "vae", "cyclegan"} <= trainable
    assert not {"dcgan-interpolate", "dcgan-inpaint", "vae-sample", "vae-inpaint"} & trainable  # one entry per family
