"""Every family's weights: one metadata schema (older files still read), loaders beside the networks, and the
networks a family's models share loaded once."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from restorer.errors import ModelError
from restorer.pipeline import run_model
from restorer.training import Batch
from restorer.weights import CONFIG_KEY, TRAIN_KEY, NetworkCache, load_weights, save_weights

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _dcgan():
    from restorer_plugins.dcgan.load import dcgan_from_weights
    from restorer_plugins.dcgan.networks import DCGANConfig
    from restorer_plugins.dcgan.training import DCGANTrainer

    return DCGANTrainer(DCGANConfig(latent_dim=8, image_size=16, channels=3, width=8)), dcgan_from_weights


def _vae():
    from restorer_plugins.vae.load import vae_from_weights
    from restorer_plugins.vae.networks import VAEConfig
    from restorer_plugins.vae.training import VAETrainer

    return VAETrainer(VAEConfig(widths=(4, 8, 8), latent_channels=2)), vae_from_weights


def _cyclegan():
    from restorer_plugins.cyclegan.load import generators_from_weights
    from restorer_plugins.cyclegan.networks import CycleGANConfig
    from restorer_plugins.cyclegan.training import CycleGANTrainer

    return CycleGANTrainer(CycleGANConfig(ngf=4, ndf=4, blocks=2)), generators_from_weights


def _damage():
    from restorer_plugins.damage.load import detector_from_weights
    from restorer_plugins.damage.network import DetectorConfig
    from restorer_plugins.damage.training import DetectorTrainer

    return DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2))), detector_from_weights


def _inpaint_gan():
    from restorer_plugins.inpaint_gan.load import generator_from_weights
    from restorer_plugins.inpaint_gan.network import GeneratorConfig
    from restorer_plugins.inpaint_gan.trainer import InpaintTrainer, fine_tune_config

    config = fine_tune_config(generator=GeneratorConfig(channels=(4, 8), bottleneck_dilations=(1,)))
    return InpaintTrainer(config, "cpu"), generator_from_weights


FAMILIES = {"dcgan": _dcgan, "vae": _vae, "cyclegan": _cyclegan, "damage-detector": _damage,
            "inpaint-gan": _inpaint_gan}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_exports_the_same_schema_and_loads_it_back(family, tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path))
    trainer, from_weights = FAMILIES[family]()
    tensors, metadata = trainer.export()
    assert {CONFIG_KEY, TRAIN_KEY} <= set(metadata)
    assert not {"generator", "detector", "trainer"} & set(metadata)  # the names of the schema before
    save_weights(family, "mine", tensors, metadata)
    stored, stored_meta = load_weights(family, "mine")
    assert stored_meta[CONFIG_KEY] == json.loads(json.dumps(metadata[CONFIG_KEY]))
    from_weights(stored, stored_meta, "mine")  # a ModelError if the loader read another key


@pytest.mark.parametrize("family, older", [("inpaint-gan", "generator"), ("damage-detector", "detector")])
def test_weights_written_before_the_shared_schema_still_load(family, older):
    trainer, from_weights = FAMILIES[family]()
    tensors, metadata = trainer.export()
    before = {older: metadata[CONFIG_KEY], "trainer" if family == "inpaint-gan" else TRAIN_KEY: metadata[TRAIN_KEY]}
    net = from_weights(tensors, before, "old.safetensors")
    assert sum(p.numel() for p in net.parameters()) == sum(t.numel() for t in tensors.values()
                                                           if t.is_floating_point())
    with pytest.raises(ModelError, match=f"old.safetensors: not {family} weights \\(no config"):
        from_weights(tensors, {"train": {}}, "old.safetensors")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_shipped_starters_load_through_their_family_loader(family):
    _, from_weights = FAMILIES[family]()
    tensors, metadata = load_weights(family)
    from_weights(tensors, metadata, "starter")


@pytest.mark.parametrize("family", ["damage-detector", "inpaint-gan"])
def test_loaded_convolution_networks_are_channels_last_and_compute_the_same(family):
    trainer, from_weights = FAMILIES[family]()
    tensors, metadata = trainer.export()
    net = from_weights(tensors, metadata, "x")
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs)
    assert not net.training
    plain = type(net)(net.config)
    plain.load_state_dict(tensors)
    plain.eval()
    photo = torch.rand(1, 3, 48, 64)
    inputs = (photo,) if family == "damage-detector" else (photo, (torch.rand(1, 1, 48, 64) > 0.7).float())
    with torch.no_grad():
        assert torch.allclose(net(*inputs), plain(*inputs), atol=1e-5)


# -- one loaded copy per family -----------------------------------------------------------------


@pytest.fixture
def counted_builds(monkeypatch):
    """``{family: [weights path, ...]}`` of every network build from now on, through fresh family caches."""
    from restorer_plugins.dcgan import load as dcgan_load
    from restorer_plugins.vae import load as vae_load

    builds: dict[str, list[str]] = {"dcgan": [], "vae": []}
    for family, module, name in (("dcgan", dcgan_load, "dcgan_from_weights"), ("vae", vae_load, "vae_from_weights")):
        monkeypatch.setattr(module, "CACHE", NetworkCache())
        original = getattr(module, name)

        def counting(tensors, meta, source="weights", _original=original, _family=family):
            builds[_family].append(source)
            return _original(tensors, meta, source)

        monkeypatch.setattr(module, name, counting)
    return builds


def test_the_dcgan_models_load_their_network_once(tmp_path, monkeypatch, counted_builds):
    from restorer_plugins.dcgan import DCGANInpaint, DCGANInterpolation, DCGANSampler

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path))
    trainer, _ = _dcgan()
    trainer.train_step(Batch(torch.rand(4, 3, 16, 16)), 0)
    save_weights("dcgan", "tiny", *trainer.export())
    sampler, strip, inpaint = DCGANSampler(), DCGANInterpolation(), DCGANInpaint()
    run_model(sampler, None, None, {"weights": "tiny", "n": 2, "zoom": 1})
    run_model(strip, None, None, {"weights": "tiny", "n": 3, "zoom": 1})
    assert len(counted_builds["dcgan"]) == 1
    assert inpaint.networks("tiny", "cpu") is sampler.networks("tiny", "cpu") is strip.networks("tiny", "cpu")
    run_model(sampler, None, None, {"weights": "starter", "n": 1, "zoom": 1})  # other weights: built for them
    assert len(counted_builds["dcgan"]) == 2


def test_the_vae_models_load_their_network_once_and_only_sampling_needs_a_sound_prior(tmp_path, monkeypatch,
                                                                                     counted_builds):
    from restorer_plugins.vae import VAEInpaint, VAEReconstruct, VAESample

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path))
    trainer, _ = _vae()
    tensors, metadata = trainer.export()
    save_weights("vae", "tiny", tensors, metadata)
    photo = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    mask = np.zeros(photo.shape[:2], bool)
    mask[8:16, 8:16] = True
    run_model(VAEReconstruct(), photo, None, {"weights": "tiny"})
    run_model(VAESample(), None, None, {"weights": "tiny", "n": 2, "size": 16})
    run_model(VAEInpaint(), photo, mask, {"weights": "tiny", "iterations": 1})
    assert len(counted_builds["vae"]) == 1

    from restorer_plugins.vae.prior import fit_latent_prior

    three_channels = fit_latent_prior(torch.randn(20, 3, 6, 6), radius=1).to_tensors()  # the VAE's latent has 2
    save_weights("vae", "odd-prior", {**tensors, **three_channels}, metadata)
    run_model(VAEReconstruct(), photo, None, {"weights": "odd-prior"})  # the prior is not its business
    with pytest.raises(ModelError, match="odd-prior.safetensors: the stored latent prior does not match"):
        run_model(VAESample(), None, None, {"weights": "odd-prior", "n": 2, "size": 16})
    assert len(counted_builds["vae"]) == 2
