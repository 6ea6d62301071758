"""inpaint-gan: networks (shape, determinism), the model through the pipeline, trainer, CLI."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from PIL import Image

from restorer.errors import ModelError
from restorer.jobs import Job
from restorer.pipeline import run_model
from restorer.training import Batch
from restorer.weights import save_weights
from restorer_plugins.inpaint_gan import InpaintGAN
from restorer_plugins.inpaint_gan.fills import coarse_fill
from restorer_plugins.inpaint_gan.infer import repair
from restorer_plugins.inpaint_gan.network import (GeneratorConfig, PatchCritic, RefineGenerator, load_grown,
                                                  push_pull_fill)
from restorer_plugins.inpaint_gan.texture import RAMP, add_texture
from restorer_plugins.inpaint_gan.trainer import InpaintTrainer, TrainerConfig
from tests.conftest import photo_folder, run_restorer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


TINY = GeneratorConfig(channels=(4, 8, 8), bottleneck_dilations=(1, 2), fourier=True)


def _photo(height=48, width=64, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 3, yy * 4, (xx + yy) * 2], -1) % 256
    return (base + rng.normal(0, 8, base.shape)).clip(0, 255).astype(np.uint8)


def _hole(height=48, width=64) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[10:30, 20:45] = True
    return mask


def _tiny_net(seed=0) -> RefineGenerator:
    torch.manual_seed(seed)
    net = RefineGenerator(TINY)
    for p in net.head.parameters():  # the head starts at zero; give it something to do
        torch.nn.init.normal_(p, std=0.1)
    return net.eval()


def test_generator_shape_and_untouched_outside_the_hole():
    net = _tiny_net()
    telea = torch.rand(2, 3, 37, 53)  # odd sizes: the U-Net must not need multiples of 8
    hole = torch.zeros(2, 1, 37, 53)
    hole[:, :, 5:20, 10:30] = 1
    out = net(telea, hole)
    assert out.shape == (2, 3, 37, 53)
    assert torch.equal(out[hole.expand_as(out) == 0], telea[hole.expand_as(out) == 0])
    assert not torch.allclose(out, telea)  # inside the hole it does change the fill


def test_generator_is_deterministic():
    telea, hole = torch.rand(1, 3, 32, 32), (torch.rand(1, 1, 32, 32) > 0.7).float()
    assert torch.equal(_tiny_net(3)(telea, hole), _tiny_net(3)(telea, hole))
    assert not torch.equal(_tiny_net(3)(telea, hole), _tiny_net(4)(telea, hole))


def test_bfloat16_repair_is_the_float32_repair_to_a_level(monkeypatch):
    from restorer.devices import CPU_BF16_ENV

    net, photo = _tiny_net(), _photo(64, 80)
    hole = np.zeros((64, 80), bool)
    hole[12:40, 20:60] = True
    outputs = {}
    for choice in ("0", "1"):  # "1": bfloat16 even where the CPU emulates it; the Fourier unit stays float32
        monkeypatch.setenv(CPU_BF16_ENV, choice)
        outputs[choice] = repair(net, photo, hole).astype(int)
    difference = np.abs(outputs["1"] - outputs["0"])
    assert difference.max() <= 3 and difference[hole].mean() < 0.5
    assert (outputs["1"][hole] != photo[hole]).any()


def test_mirrored_repair_is_the_mean_of_a_pass_and_its_mirror_image():
    class Leaning(torch.nn.Module):  # darkens the hole more towards the right, wherever it is
        config = TINY

        def forward(self, telea, hole):
            ramp = torch.linspace(0, 0.4, telea.shape[-1])
            return telea - hole * ramp

    photo = np.full((40, 60, 3), 200, np.uint8)
    hole = np.zeros((40, 60), bool)
    hole[10:30, 5:25] = True
    one, both = repair(Leaning(), photo, hole).astype(int), repair(Leaning(), photo, hole, mirror=True).astype(int)
    ramp, fill = np.linspace(0, 0.4, 60), coarse_fill(photo, hole, 5, TINY.coarse)[..., 0].astype(float)
    assert np.abs(one[..., 0] - (fill - 255 * ramp[None, :]))[hole].max() <= 1
    assert np.abs(both[..., 0] - (fill - 255 * (ramp + ramp[::-1])[None, :] / 2))[hole].max() <= 1
    assert np.array_equal(both[~hole], photo[~hole])


def test_fresh_generator_returns_the_classical_fill():
    net = RefineGenerator(TINY)
    telea, hole = torch.rand(1, 3, 24, 24), (torch.rand(1, 1, 24, 24) > 0.5).float()
    assert torch.equal(net(telea, hole), telea)


def test_coarse_fills_keep_the_photo_and_mix_telea_with_navier_stokes():
    import cv2

    photo, hole = _photo(), _hole()
    telea, mixed = coarse_fill(photo, hole, 5, "telea"), coarse_fill(photo, hole, 5, "telea+ns")
    assert np.array_equal(telea[~hole], photo[~hole]) and np.array_equal(mixed[~hole], photo[~hole])
    ns = cv2.inpaint(np.ascontiguousarray(photo[..., ::-1]), hole.astype(np.uint8) * 255, 5.0,
                     cv2.INPAINT_NS)[..., ::-1]
    assert np.abs(mixed.astype(int) - (telea.astype(int) + ns) / 2).max() <= 0.5
    with pytest.raises(ValueError, match="coarse fill"):
        coarse_fill(photo, hole, 5, "blur")


def test_weights_say_which_coarse_fill_their_generator_refines(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    config = GeneratorConfig(**{**TINY.to_json(), "coarse": "telea+ns"})
    assert GeneratorConfig.from_json(config.to_json()) == config
    assert GeneratorConfig.from_json({k: v for k, v in TINY.to_json().items() if k != "coarse"}).coarse == "telea"
    torch.manual_seed(0)
    net = RefineGenerator(config)  # a fresh generator returns its coarse fill unchanged
    save_weights("inpaint-gan", "mixed", net.state_dict(), {"generator": config.to_json()})
    photo, mask = _photo(), _hole()
    out = run_model(InpaintGAN(), photo, mask, {"weights": "mixed", "texture": 0.0})
    assert np.array_equal(out, coarse_fill(photo, mask, 5, "telea+ns"))
    assert not np.array_equal(out, coarse_fill(photo, mask, 5, "telea"))


def test_grown_generator_starts_with_the_smaller_ones_repairs():
    small = _tiny_net(5)
    for p in small.parameters():
        torch.nn.init.normal_(p, std=0.05)
    grown = load_grown(RefineGenerator(GeneratorConfig(**{**TINY.to_json(), "full_res_blocks": 1})),
                       small.state_dict())
    assert len(grown.state_dict()) > len(small.state_dict())
    telea, hole = torch.rand(1, 3, 40, 40), (torch.rand(1, 1, 40, 40) > 0.6).float()
    assert torch.equal(grown(telea, hole), small(telea, hole))
    with pytest.raises(RuntimeError):  # other shapes are not "grown": refused
        load_grown(RefineGenerator(GeneratorConfig(channels=(4, 8, 16), bottleneck_dilations=(1, 2))),
                   small.state_dict())


def _grain(height=96, width=128, seed=0) -> np.ndarray:
    """A photo of fine grain on a gentle gradient, and the same with a hole filled smoothly."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 180, width)[None, :, None].repeat(height, 0).repeat(3, 2)
    return (ramp + rng.normal(0, 20, (height, width, 3))).clip(0, 255).astype(np.uint8)


def _detail(image: np.ndarray) -> np.ndarray:
    import cv2

    gray = image.astype(np.float32).mean(-1)
    return gray - cv2.GaussianBlur(gray, (0, 0), 2.0)


def test_texture_puts_the_photos_grain_into_a_smooth_fill():
    photo = _grain()
    hole = np.zeros(photo.shape[:2], bool)
    hole[30:70, 40:90] = True
    import cv2

    smooth = photo.copy()
    smooth[hole] = cv2.GaussianBlur(photo, (0, 0), 6)[hole]  # a blurred fill: no grain left
    out = add_texture(smooth, hole, 1.0)
    assert np.array_equal(out[~hole], smooth[~hole])  # only the hole changes
    inner = np.zeros_like(hole)
    r = int(RAMP)
    inner[30 + r:70 - r, 40 + r:90 - r] = True  # where the copied detail has faded in fully
    grain_outside = _detail(photo)[~hole].std()
    assert _detail(smooth)[inner].std() < 0.3 * grain_outside
    assert 0.7 * grain_outside < _detail(out)[inner].std() < 1.3 * grain_outside
    # colours (the low band) stay the fill's
    assert abs(out[inner].astype(float).mean() - smooth[inner].astype(float).mean()) < 3
    half = add_texture(smooth, hole, 0.5)
    assert _detail(smooth)[inner].std() < _detail(half)[inner].std() < _detail(out)[inner].std()
    rim = hole & ~cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # 2 px at the edge
    assert np.abs(_detail(out)[rim]).mean() < 0.5 * np.abs(_detail(out)[inner]).mean()  # fades in from the edge
    assert np.array_equal(add_texture(smooth, hole, 1.0), out)  # deterministic
    assert np.array_equal(add_texture(smooth, hole, 0.0), smooth)


def test_texture_leaves_a_fill_alone_with_nothing_undamaged_in_reach():
    photo = _grain(64, 64)
    hole = np.zeros(photo.shape[:2], bool)
    hole[:, 4:60] = True  # only thin slivers at the sides stay: no whole undamaged tile to copy
    assert np.array_equal(add_texture(photo, hole, 1.0), photo)
    tiny = _grain(20, 20)
    assert np.array_equal(add_texture(tiny, np.ones((20, 20), bool), 1.0), tiny)


def test_texture_reaches_the_middle_of_a_wide_hole():
    import cv2

    photo = _grain(192, 192, seed=3)
    hole = np.zeros(photo.shape[:2], bool)
    hole[24:168, 24:168] = True  # its middle is 72 px from anything undamaged, beyond the first search
    smooth = photo.copy()
    smooth[hole] = cv2.GaussianBlur(photo, (0, 0), 8)[hole]
    out = add_texture(smooth, hole, 1.0)
    middle = np.zeros_like(hole)
    middle[80:112, 80:112] = True
    grain_outside = _detail(photo)[~hole].std()
    assert _detail(smooth)[middle].std() < 0.3 * grain_outside
    assert 0.7 * grain_outside < _detail(out)[middle].std() < 1.3 * grain_outside


def test_texture_fades_out_where_tiles_that_copy_meet_tiles_that_do_not(monkeypatch):
    import cv2

    from restorer_plugins.inpaint_gan import texture

    photo = _grain(96, 160, seed=4)
    hole = np.zeros(photo.shape[:2], bool)
    hole[24:72, 16:144] = True
    smooth = photo.copy()
    smooth[hole] = cv2.GaussianBlur(photo, (0, 0), 8)[hole]
    search = texture._search

    def left_half_only(features, usable, targets, reach):  # the tiles right of x = 80 find nothing
        source = search(features, usable, targets, reach)
        source[targets[:, 1] * texture.CELL >= 80] = -1
        return source

    monkeypatch.setattr(texture, "_search", left_half_only)
    out = add_texture(smooth, hole, 1.0)
    strength = np.sqrt(((out.astype(float) - smooth)[24:72] ** 2).mean((0, 2)))  # the detail added, per column
    full, none = strength[48:64].mean(), strength[112:128].mean()
    assert none < 0.1 * full
    between = (strength > none + 0.2 * (full - none)) & (strength < none + 0.8 * (full - none))
    assert between[64:112].sum() >= 3  # a gradual fade over several columns, not a cut-off at the tiles' edge


def test_push_pull_fill_keeps_known_pixels_and_fills_flat_areas_exactly():
    image = torch.full((1, 3, 40, 40), 0.25)
    image[:, 0] = 0.75
    known = torch.ones(1, 1, 40, 40)
    known[:, :, 8:30, 5:35] = 0
    fill = push_pull_fill(image * known, known)
    assert torch.allclose(fill, image, atol=1e-6)
    ramp = torch.linspace(0, 1, 40).view(1, 1, 1, 40).expand(1, 3, 40, 40)
    fill = push_pull_fill(ramp * known, known)
    assert torch.equal(fill[known.expand_as(fill) == 1], ramp[known.expand_as(fill) == 1])
    inside = fill[:, :, 19, 5:35]
    assert bool((inside[:, :, 1:] >= inside[:, :, :-1] - 1e-6).all())  # a ramp stays (roughly) a ramp


def test_critic_scores_patches():
    scores = PatchCritic(channels=8)(torch.rand(2, 3, 64, 64), torch.zeros(2, 1, 64, 64))
    assert scores.shape == (2, 1, 8, 8)


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    net = _tiny_net()
    save_weights("inpaint-gan", "tiny", net.state_dict(), {"generator": TINY.to_json()})
    return net


def test_model_repairs_through_the_pipeline_with_named_weights(tiny_weights):
    model = InpaintGAN()
    assert "tiny" in model.param("weights").choices and "tiny" in model.weights_status()
    photo, mask = _photo(96, 128), _hole(96, 128)
    out = run_model(model, photo, mask, {"weights": "tiny", "texture": 0.0})
    assert out.dtype == np.uint8 and out.shape == photo.shape
    assert np.array_equal(out[~mask], photo[~mask])
    expected = repair(tiny_weights, photo, mask, mirror=True)  # default: the mirrored pass averaged in
    assert np.array_equal(out[mask], expected[mask])
    single = run_model(model, photo, mask, {"weights": "tiny", "texture": 0.0, "mirror": False})
    assert np.array_equal(single[mask], repair(tiny_weights, photo, mask)[mask])
    assert not np.array_equal(single, out)
    textured = run_model(model, photo, mask, {"weights": "tiny"})  # default: texture copied in
    assert np.array_equal(textured[~mask], photo[~mask])
    assert np.array_equal(textured[mask], add_texture(expected, mask, model.param("texture").default)[mask])
    assert not np.array_equal(textured, out)


def test_scratches_of_a_large_photo_get_the_classical_fill_unless_asked(tiny_weights, monkeypatch):
    import restorer_plugins.inpaint_gan.infer as infer

    model = InpaintGAN()
    monkeypatch.setattr(model, "working_size", 64)  # the photo counts as large
    photo, mask = _photo(96, 200), np.zeros((96, 200), bool)
    mask[40:42, 5:195] = True  # one long scratch across the region
    calls = []
    network = infer.repair
    monkeypatch.setattr(infer, "repair", lambda *a, **k: calls.append(1) or network(*a, **k))
    mixed = GeneratorConfig(**{**TINY.to_json(), "coarse": "telea+ns"})
    save_weights("inpaint-gan", "mixed", _tiny_net().state_dict(), {"generator": mixed.to_json()})
    model.refresh_weights()
    built = []
    generator = model.generator
    monkeypatch.setattr(model, "generator", lambda *a, **k: built.append(a) or generator(*a, **k))
    quick = run_model(model, photo, mask, {"weights": "mixed"})
    # the weights' metadata names their coarse fill: no network is loaded (nor a second copy on the CPU)
    assert not calls and not built and np.array_equal(quick[~mask], photo[~mask])
    assert np.array_equal(quick[mask], coarse_fill(photo, mask, 5, "telea+ns")[mask])  # one tile holds it
    thorough = run_model(model, photo, mask, {"weights": "mixed", "network_scratches": True})
    assert calls and not np.array_equal(thorough[mask], quick[mask])


def test_weights_trained_after_loading_appear_on_refresh(tiny_weights):
    model = InpaintGAN()
    save_weights("inpaint-gan", "later", tiny_weights.state_dict(), {"generator": TINY.to_json()})
    assert "later" not in model.param("weights").choices
    model.refresh_weights()
    assert "later" in model.param("weights").choices


def test_unknown_weights_are_a_model_error(tiny_weights):
    with pytest.raises(ModelError, match="weights"):
        run_model(InpaintGAN(), _photo(), _hole(), {"weights": "nope"})


def test_adaptation_is_no_longer_offered():
    # It lowered PSNR in every measurement; a control that makes repairs worse is not shown.
    assert "adapt_steps" not in {p.name for p in InpaintGAN().params}
    with pytest.raises(ModelError, match="adapt_steps"):
        run_model(InpaintGAN(), _photo(), _hole(), {"adapt_steps": 5})


@pytest.mark.parametrize("pixel_loss", ["l1", "l2", "log-l1"])
def test_trainer_steps_reduce_the_hole_error(pixel_loss):
    torch.manual_seed(0)
    trainer = InpaintTrainer(TrainerConfig(generator=TINY, lr=3e-3, pixel_loss=pixel_loss))
    photos = torch.from_numpy(np.stack([_photo(32, 32, s) for s in range(4)]).astype(np.float32) / 255)
    photos = photos.permute(0, 3, 1, 2)
    masks = torch.zeros(4, 1, 32, 32)
    masks[:, :, 8:20, 8:24] = 1
    batch = Batch(photos, None, masks)
    first = trainer.train_step(batch, 0)
    if pixel_loss != "log-l1":
        assert first["loss"] == pytest.approx(first["l1"] if pixel_loss == "l1" else 10 ** (-first["hole_psnr"] / 10),
                                              rel=1e-4)
    for step in range(1, 40):
        last = trainer.train_step(batch, step)["l1"]
    assert last < first["l1"] * 0.9


def test_adversarial_trainer_trains_the_critic_too():
    torch.manual_seed(0)
    trainer = InpaintTrainer(TrainerConfig(generator=TINY, adv_weight=0.1, feature_weight=0.1))
    assert set(trainer.optimizers) == {"generator", "critic"}
    photos = torch.rand(2, 3, 32, 32)
    masks = torch.zeros(2, 1, 32, 32)
    masks[:, :, 4:16, 4:16] = 1
    critic_before = [p.clone() for p in trainer.critic.parameters()]
    losses = trainer.train_step(Batch(photos, None, masks), 0)
    assert {"l1", "adv", "critic", "features"} <= set(losses)
    assert all(np.isfinite(v) for v in losses.values())
    assert any(not torch.equal(a, b) for a, b in zip(critic_before, trainer.critic.parameters()))
    assert trainer.preview(Batch(photos, None, masks)).shape == (32, 96, 3)


def test_runs_started_before_new_config_fields_still_resume():
    import json

    trainer = InpaintTrainer(TrainerConfig(generator=TINY))
    older = json.loads(json.dumps(trainer.config()))
    del older["pixel_loss"]
    del older["generator"]["full_res_blocks"], older["generator"]["coarse"]
    assert trainer.accepts(older)
    assert not trainer.accepts({**older, "lr": 0.5})
    assert not trainer.accepts({**older, "generator": {**older["generator"], "coarse": "telea+ns"}})
    assert not trainer.accepts({**older, "pixel_loss": "l2"})


def test_learning_rate_decays_linearly_to_a_tenth():
    config = TrainerConfig(lr=1e-3, lr_decay=(100, 200))
    assert config.lr_at(50) == 1e-3 and config.lr_at(150) == pytest.approx(5.5e-4)
    assert config.lr_at(200) == pytest.approx(1e-4) and config.lr_at(999) == pytest.approx(1e-4)


# -- the command line, end to end -------------------------------------------------------------


@pytest.mark.slow
def test_cli_train_resume_and_inpaint_round_trip(tmp_path):
    env = {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data")}
    photos = photo_folder(tmp_path / "photos", [_photo(40, 50, i) for i in range(3)])
    common = ["train", "inpaint-gan", "--data", str(photos), "--name", "mine", "--batch-size", "2",
              "--crop", "32", "--from", "scratch"]
    done = run_restorer(*common, "--steps", "3", env=env)
    assert done.returncode == 0, done.stderr
    assert "1 unreadable files skipped" in done.stdout and "--set weights=mine" in done.stdout
    again = run_restorer(*common, "--steps", "3", env=env)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "--resume" in again.stderr
    resumed = run_restorer(*common, "--steps", "5", "--resume", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert "for 5 steps" in resumed.stdout
    listed = run_restorer("models", env=env)
    assert "mine" in [line for line in listed.stdout.splitlines() if line.startswith("inpaint-gan")][0]
    Image.fromarray((_hole(40, 50) * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    out = tmp_path / "out.png"
    repaired = run_restorer("inpaint", str(photos / "p0.png"), "--mask", str(tmp_path / "mask.png"), "-o", str(out),
                    "--model", "inpaint-gan", "--set", "weights=mine", "--device", "cpu", env=env)
    assert repaired.returncode == 0, repaired.stderr
    result, original = np.asarray(Image.open(out)), _photo(40, 50, 0)
    assert np.array_equal(result[~_hole(40, 50)], original[~_hole(40, 50)])


def test_cli_train_refuses_what_cannot_be_trained(tmp_path):
    env = {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data")}
    done = run_restorer("train", "opencv-telea", "--data", str(tmp_path), "--name", "x", env=env)
    assert done.returncode == 2 and "cannot be trained" in done.stderr and done.stderr.count("\n") == 1
    done = run_restorer("train", "inpaint-gan", "--data", str(tmp_path / "missing"), "--name", "x", env=env)
    assert done.returncode == 2 and "no such folder" in done.stderr


def _three_photos(folder):
    """A :class:`PhotoFolder` of three small photos written to ``folder``."""
    from restorer.training import PhotoFolder

    folder.mkdir()
    for i in range(3):
        Image.fromarray(_photo(40, 48, i)).save(folder / f"p{i}.png")
    return PhotoFolder.scan(folder)


def test_adversarial_training_resumes_exactly(tmp_path):
    from restorer.training import DataConfig, LoopConfig, train

    photos = [_three_photos(tmp_path / "photos")]
    config = TrainerConfig(generator=TINY, adv_weight=0.1, feature_weight=0.1, lr_decay=(5, 30))

    def loop(steps):
        return LoopConfig(steps=steps, seed=1, checkpoint_every=100, data=DataConfig(crop=32, batch_size=2))

    def trainer():
        torch.manual_seed(0)  # the same initial weights for every run
        return InpaintTrainer(config)

    straight = []
    train(trainer(), photos, loop(21), checkpoint=tmp_path / "a.safetensors",
          job=Job(lambda p: straight.append(p.metrics) if p.metrics else None))
    train(trainer(), photos, loop(20), checkpoint=tmp_path / "b.safetensors")
    resumed = []
    train(trainer(), photos, loop(21), checkpoint=tmp_path / "b.safetensors", resume=True,
          job=Job(lambda p: resumed.append(p.metrics) if p.metrics else None))
    keys = ("l1", "adv", "critic", "features")
    assert [resumed[0][k] for k in keys] == [straight[20][k] for k in keys]


# -- the starter's photo split --------------------------------------------------------------


def test_training_photos_never_include_the_benchmark_photos():
    from restorer_plugins.inpaint_gan.split import HELD_OUT, NATURAL, TRAIN

    assert not set(HELD_OUT) & (set(TRAIN) | set(NATURAL))
    # PyWavelets also ships scikit-image's "camera" (held out): no natural photo may point at it.
    assert not any("camera" in inner for _, inner in NATURAL.values())


def test_natural_photo_without_its_package_names_the_extra(monkeypatch):
    import importlib.util

    from restorer_plugins.inpaint_gan import split

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"\.\[starter\]"):
        split.natural_photo("china")


def test_fine_tuning_from_weights_uses_the_lower_rate_chosen_on_validation():
    from restorer.training import TrainOptions
    from restorer_plugins.inpaint_gan.trainer import FINE_TUNE_LR, SCRATCH_LR

    assert FINE_TUNE_LR < SCRATCH_LR
    assert InpaintGAN().make_trainer(TrainOptions(base="starter"), "cpu").settings.lr == FINE_TUNE_LR
    assert InpaintGAN().make_trainer(TrainOptions(base=None), "cpu").settings.lr == SCRATCH_LR
    assert InpaintGAN().make_trainer(TrainOptions(base="starter", lr=1e-3), "cpu").settings.lr == 1e-3


def test_averaged_training_exports_the_running_mean_of_the_weights():
    torch.manual_seed(0)
    photos = torch.rand(2, 3, 32, 32)
    masks = torch.zeros(2, 1, 32, 32)
    masks[:, :, 4:16, 4:20] = 1
    plain = InpaintTrainer(TrainerConfig(generator=TINY, lr=1e-2))
    plain.train_step(Batch(photos, None, masks), 0)
    exported, _ = plain.export()
    assert all(torch.equal(exported[k], v) for k, v in plain.generator.state_dict().items())

    torch.manual_seed(0)
    averaged = InpaintTrainer(TrainerConfig(generator=TINY, lr=1e-2, ema=0.75))
    start = {k: v.clone() for k, v in averaged.generator.state_dict().items()}
    averaged.train_step(Batch(photos, None, masks), 0)
    exported, meta = averaged.export()
    trained = averaged.generator.state_dict()
    assert meta["train"]["ema"] == 0.75
    assert any(not torch.equal(trained[k], start[k]) for k in start)
    for key in start:  # one step a quarter of the way from the start to the trained weights
        assert torch.allclose(exported[key], 0.75 * start[key] + 0.25 * trained[key], atol=1e-6)


def test_averaged_training_resumes_exactly(tmp_path):
    from restorer.training import DataConfig, LoopConfig, train

    photos = [_three_photos(tmp_path / "photos")]

    def run(steps, checkpoint, resume=False):
        torch.manual_seed(0)
        trainer = InpaintTrainer(TrainerConfig(generator=TINY, lr=1e-2, ema=0.9))
        train(trainer, photos, LoopConfig(steps=steps, seed=1, checkpoint_every=100,
                                          data=DataConfig(crop=32, batch_size=2)),
              checkpoint=tmp_path / checkpoint, resume=resume)
        return trainer.export()[0]

    straight = run(8, "a.safetensors")
    run(5, "b.safetensors")
    resumed = run(8, "b.safetensors", resume=True)
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


def test_widened_generator_repairs_exactly_as_the_narrow_one_then_trains_its_new_channels():
    from restorer_plugins.inpaint_gan.network import widened

    torch.manual_seed(0)
    narrow = RefineGenerator(GeneratorConfig(channels=(4, 8, 16), bottleneck_dilations=(1, 2),
                                             full_res_blocks=1, coarse="telea+ns"))
    for parameter in narrow.parameters():  # a trained network: no zero head, every weight in use
        parameter.data.normal_(0, 0.2)
    wide = widened(narrow, (6, 12, 20))
    assert wide.config.channels == (6, 12, 20) and wide.config.coarse == "telea+ns"
    photo, hole = torch.rand(2, 3, 40, 48), torch.zeros(2, 1, 40, 48)
    hole[:, :, 10:30, 12:36] = 1
    with torch.no_grad():
        assert torch.allclose(wide(photo, hole), narrow(photo, hole), atol=1e-5)
    wide(photo, hole).square().mean().backward()  # the new channels' weights into the old ones learn
    assert wide.head.weight.grad[:, 4:].abs().sum() > 0
    with pytest.raises(ValueError, match="none narrower"):
        widened(narrow, (6, 6, 20))


def test_log_l1_counts_each_crop_by_its_error_relative_to_itself():
    from restorer_plugins.inpaint_gan.trainer import LOG_L1_FLOOR, hole_log_l1

    truth = torch.zeros(3, 3, 8, 8)
    repaired = truth.clone()
    repaired[0] += 0.01   # a crop nearly right (a smooth sky)
    repaired[1] += 0.3    # a crop far off (a forest)
    hole = torch.zeros(3, 1, 8, 8)
    hole[0, :, :2] = 1    # a small hole
    hole[1, :, :6] = 1    # a large one; crop 2 has none and does not count
    expected = (np.log(LOG_L1_FLOOR + 0.01) + np.log(LOG_L1_FLOOR + 0.3)) / 2
    assert hole_log_l1(repaired, truth, hole).item() == pytest.approx(expected, rel=1e-5)
    repaired.requires_grad_(True)
    hole_log_l1(repaired, truth, hole).backward()
    per_pixel = repaired.grad.abs()
    # Each crop's pull is the inverse of its own error, whatever its hole's size: the near-right crop leads.
    assert per_pixel[0][hole[0].expand(3, -1, -1) > 0].sum() > 5 * per_pixel[1][hole[1].expand(3, -1, -1) > 0].sum()
    assert per_pixel[2].sum() == 0
    with pytest.raises(ValueError, match="pixel_loss must be one of"):
        TrainerConfig(pixel_loss="l3")
