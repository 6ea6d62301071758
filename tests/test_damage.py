"""The damage detectors: synthetic damage, the network, training, and the detect/repair commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from restorer.cli import main
from restorer.detection import detect, probability
from restorer.registry import get_registry
from restorer.training import Batch
from restorer_plugins.damage.infer import damage_probability
from restorer_plugins.damage.network import DamageNet, DetectorConfig, widened
from restorer_plugins.damage.synthetic import add_damage
from restorer_plugins.damage.load import detector_from_weights
from restorer_plugins.damage.training import HARD_MARGIN, DetectorTrainConfig, DetectorTrainer, hard_negative_bce


def _photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(40, 210, (height, width, 3)).astype(np.uint8), (0, 0), 4)


def _scratched(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    photo = _photo(160, 200, seed)
    truth = np.zeros(photo.shape[:2], np.uint8)
    cv2.line(truth, (5, 30), (195, 120), 1, 2)
    cv2.line(truth, (20, 150), (180, 10), 1, 1)
    for x, y in ((40, 60), (150, 140), (100, 20)):
        cv2.circle(truth, (x, y), 2, 1, -1)
    damaged = photo.copy()
    damaged[truth > 0] = 245
    return damaged, truth > 0


def test_synthetic_damage_is_reproducible_and_marks_what_it_changed():
    photo = _photo()
    a, mask_a = add_damage(photo, np.random.default_rng(5))
    b, mask_b = add_damage(photo, np.random.default_rng(5))
    assert np.array_equal(a, b) and np.array_equal(mask_a, mask_b)
    masks = [add_damage(photo, np.random.default_rng(seed))[1] for seed in range(40)]
    empty = sum(not m.any() for m in masks)
    assert 2 <= empty <= 20  # some crops are left clean, most are damaged
    damaged, mask = next((add_damage(photo, np.random.default_rng(s)) for s in range(40)
                          if add_damage(photo, np.random.default_rng(s))[1].mean() > 0.01))
    change = np.abs(damaged.astype(int) - photo).max(-1)
    assert change[mask].mean() > change[~mask].mean() + 20  # the damage is where the mask says


def test_scratches_darken_or_lighten_by_the_dark_share_and_curl_by_the_curly_share():
    from restorer_plugins.damage import synthetic

    photo = np.full((96, 96, 3), 128.0, np.float32)
    for dark, sign in ((1.0, -1), (0.0, 1)):
        for seed in range(10):
            image, mask = photo.copy(), np.zeros((96, 96), bool)
            synthetic._scratch(image, mask, np.random.default_rng(seed), 96, 96, 0.0, dark)
            if mask.any():
                assert (np.sign(image[mask] - 128).mean(-1) * sign > 0).all()
    turning, real_curve = {}, synthetic._curve
    for curly in (0.0, 1.0):
        def curve(rng, height, width, length, wiggle, curly=curly):
            turning.setdefault(curly, []).append(wiggle)
            return real_curve(rng, height, width, length, wiggle)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(synthetic, "_curve", curve)
            for seed in range(10):
                image, mask = photo.copy(), np.zeros((96, 96), bool)
                synthetic._scratch(image, mask, np.random.default_rng(seed), 96, 96, curly, 0.3)
    assert max(turning[0.0]) <= 0.08 < min(turning[1.0])
    # off (the default), the option draws no random number: the same damage as the first starters'
    a = add_damage(photo.astype(np.uint8), np.random.default_rng(3))
    b = add_damage(photo.astype(np.uint8), np.random.default_rng(3), curly_share=0.0, dark_scratch_share=0.3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_structure_is_drawn_into_the_picture_and_the_mask_holds_only_the_damage_over_it():
    from restorer_plugins.damage import synthetic

    photo = np.full((128, 160, 3), 128, np.uint8)
    pieces = (synthetic._outlined_band, synthetic._outlined_shape, synthetic._parallel_lines,
              synthetic._lettering, synthetic._window_grid)
    for piece in pieces:  # each draws visible high-contrast lines
        drawn = [photo.astype(np.float32) for _ in range(6)]
        for seed, image in enumerate(drawn):
            piece(image, np.random.default_rng(seed), 128, 160)
        assert any((np.abs(image - 128).max(-1) > 60).mean() > 0.002 for image in drawn), piece.__name__
    # share 1: one draw, the structure, then the damage on that picture -- the mask is the damage's alone
    a = add_damage(photo, np.random.default_rng(4), structure_share=1.0)
    rng = np.random.default_rng(4)
    rng.random()
    structured = synthetic.add_structure(photo, rng)
    assert not np.array_equal(structured, photo)
    b = add_damage(structured, rng)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    # off (the default), it draws no random number: the damage the earlier starters trained on
    c = add_damage(photo, np.random.default_rng(4), structure_share=0.0)
    d = add_damage(photo, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(c, d))


def test_damage_that_cannot_be_seen_is_left_out_of_the_mask_when_asked(monkeypatch):
    from restorer_plugins.damage import synthetic

    monkeypatch.setattr(synthetic, "_scan", lambda image, rng: np.clip(image + 0.5, 0, 255).astype(np.uint8))
    photo = np.full((96, 128, 3), 240, np.uint8)  # near-white damage on it barely shows
    dropped = 0
    for seed in range(20):
        damaged, full = add_damage(photo, np.random.default_rng(seed))
        same, seen = add_damage(photo, np.random.default_rng(seed), visible_level=12)
        assert np.array_equal(damaged, same)  # the same damage drawn, no extra random number
        assert not (seen & ~full).any()
        assert (np.abs(same.astype(int) - photo).max(-1)[seen] >= 12).all()
        dropped += int((full & ~seen).sum())
    assert dropped > 0


@pytest.mark.parametrize("levels", [3, 4])
@pytest.mark.parametrize("shape", [(1, 1), (7, 50), (37, 61), (130, 70)])
def test_probability_map_has_the_photo_size_for_any_shape(shape, levels):
    net = DamageNet(DetectorConfig(width=4, dilations=(1, 2), levels=levels)).eval()
    prob = damage_probability(net, np.zeros((*shape, 3), np.uint8))
    assert prob.shape == shape and prob.dtype == np.float32 and ((0 <= prob) & (prob <= 1)).all()


def test_bfloat16_probabilities_are_the_float32_ones(monkeypatch):
    from restorer.devices import CPU_BF16_ENV

    torch.manual_seed(0)
    net = DamageNet(DetectorConfig(width=4, levels=4)).eval()
    photo = _photo(600, 540)  # two tiles each way: the blend is float32 too
    maps = {}
    for choice in ("0", "1"):
        monkeypatch.setenv(CPU_BF16_ENV, choice)
        maps[choice] = damage_probability(net, photo)
    assert maps["1"].dtype == np.float32 and np.abs(maps["1"] - maps["0"]).max() < 0.02


def test_views_average_the_flipped_photos_maps_flipped_back(monkeypatch):
    from restorer.devices import CPU_BF16_ENV

    monkeypatch.setenv(CPU_BF16_ENV, "0")  # float32: the flips' sums compare to 1e-6
    torch.manual_seed(0)
    net = DamageNet(DetectorConfig(width=4, dilations=(1, 2), levels=4)).eval()
    for weight in net.parameters():
        torch.nn.init.normal_(weight, std=0.3)  # a map that varies (a fresh network's is almost flat)
    photo = _photo(70, 90)  # padded to the network's multiple: the flips must land back on the photo
    flips = (lambda a: a, lambda a: a[:, ::-1], lambda a: a[::-1], lambda a: a[::-1, ::-1])  # each its own inverse
    views = [flip(damage_probability(net, flip(photo).copy())) for flip in flips]
    assert not np.allclose(views[0], views[1], atol=1e-3)  # the network is not symmetric: views differ
    for count in (2, 4):
        assert np.allclose(damage_probability(net, photo, views=count), np.mean(views[:count], 0), atol=1e-6)
    with pytest.raises(ValueError, match="views"):
        damage_probability(net, photo, views=5)


def test_config_bounds_are_checked():
    with pytest.raises(ValueError):
        DetectorConfig(width=100000)
    with pytest.raises(ValueError):
        DetectorConfig(dilations=())
    with pytest.raises(ValueError):
        DetectorConfig(levels=5)


def test_weights_saved_before_levels_existed_build_three_levels():
    old = DetectorConfig.from_json({"width": 4, "dilations": [1, 2]})
    assert old.levels == 3 and DamageNet(old).multiple == 4
    four = DetectorConfig(width=4, dilations=(1, 2), levels=4)
    assert DetectorConfig.from_json(four.to_json()) == four and DamageNet(four).multiple == 8


@pytest.mark.parametrize("levels", [3, 4])
def test_a_widened_network_computes_what_the_narrow_one_did_and_its_new_channels_can_learn(levels):
    torch.manual_seed(0)
    narrow = DamageNet(DetectorConfig(width=4, dilations=(1, 2), levels=levels)).eval()
    state = torch.random.get_rng_state()
    wide = widened(narrow, 6).eval()
    assert torch.equal(torch.random.get_rng_state(), state)  # seeded on its own
    assert wide.config.width == 6 and wide.config.levels == levels
    photos = torch.rand(2, 3, 32, 40)
    with torch.no_grad():
        torch.testing.assert_close(wide(photos), narrow(photos), atol=1e-5, rtol=0)
    # The new channels get gradients through the zero weights that connect them, so training uses them.
    wide.train()
    wide(photos).square().mean().backward()
    assert wide.head.weight.grad[0, 4:].abs().sum() > 0
    with pytest.raises(ValueError, match="at least"):
        widened(narrow, 3)


def test_shifted_damage_lightens_or_darkens_what_it_crosses(monkeypatch):
    from restorer_plugins.damage import synthetic

    monkeypatch.setattr(synthetic, "SHIFT_SHARE", 1.0)
    photo = _photo()
    layer = np.zeros(photo.shape[:2], np.float32)
    layer[40:44, :] = 1
    for bright, sign in ((True, 1), (False, -1)):
        image = photo.astype(np.float32)
        synthetic._mark(image, layer, np.random.default_rng(0), bright, 1.0)
        change = image - photo
        assert (sign * change[40:44] >= 0).all() and sign * change[40:44].mean() > 20
        assert not change[:40].any() and not change[44:].any()
        band, unclipped = change[40:44], (image[40:44] > 0) & (image[40:44] < 255)
        for channel in range(3):  # one shift per channel: the photo shows through, unlike a flat colour
            assert band[..., channel][unclipped[..., channel]].std() < 0.01


def test_training_steps_lower_the_loss_and_export_round_trips():
    torch.manual_seed(0)
    trainer = DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2)))
    crops = torch.from_numpy(np.stack([_photo(64, 64, s) for s in range(4)]).astype(np.float32) / 255)
    batch = Batch(crops.permute(0, 3, 1, 2).contiguous(), None, None)
    first = [trainer.train_step(batch, step)["loss"] for step in range(3)]
    for step in range(3, 40):
        last = trainer.train_step(batch, step)["loss"]
    assert np.isfinite(first).all() and last < np.mean(first)
    assert trainer.preview(batch).shape == (64, 192, 3)
    tensors, meta = trainer.export()
    net = detector_from_weights(tensors, meta, "test")
    photo = _photo(64, 64)
    trainer.net.eval()
    assert np.allclose(damage_probability(net, photo), damage_probability(trainer.net, photo), atol=1e-6)


def test_hard_negatives_are_the_highest_scoring_clean_pixels_away_from_damage():
    masks = torch.zeros(1, 1, 20, 20)
    masks[0, 0, 10, 10] = 1
    logits = torch.full((1, 1, 20, 20), -5.0)
    logits[0, 0, 10, 10 + HARD_MARGIN] = 9.0  # beside the damage: not a hard negative
    logits[0, 0, 2, 3] = 4.0  # a false find far from it
    count = int((20 * 20 - (2 * HARD_MARGIN + 1) ** 2) * 0.01)
    expected = (torch.nn.functional.softplus(torch.tensor(4.0)) + (count - 1) * torch.nn.functional.softplus(
        torch.tensor(-5.0))) / count
    assert hard_negative_bce(logits, masks, 0.01).item() == pytest.approx(expected.item(), rel=1e-5)
    assert hard_negative_bce(logits, torch.ones_like(masks), 0.01).item() == 0.0  # no clean pixel at all


def test_hard_negative_term_trains_and_old_runs_still_resume():
    torch.manual_seed(0)
    trainer = DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2)),
                              DetectorTrainConfig(hard_weight=1.0, hard_share=0.02))
    crops = torch.from_numpy(np.stack([_photo(64, 64, s) for s in range(2)]).astype(np.float32) / 255)
    metrics = trainer.train_step(Batch(crops.permute(0, 3, 1, 2).contiguous(), None, None), 0)
    assert np.isfinite(metrics["hard"]) and metrics["hard"] > 0
    plain = DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2)))
    old = json.loads(json.dumps(plain.config()))  # as a checkpoint stores it
    old["train"] = {k: v for k, v in old["train"].items() if not k.startswith("hard_")}  # written before the term
    assert plain.accepts(old) and not trainer.accepts(old)


def test_strong_edges_are_outlines_and_thin_lines_not_flat_ground_or_soft_shading():
    from restorer_plugins.damage.training import strong_edges

    photos = torch.full((1, 3, 32, 32), 0.2)
    photos[..., :, 16:] = 0.9  # an object's outline at column 16
    photos[..., 5, :8] = 1.0  # a thin bright line, a pixel wide
    photos[..., 20:, :8] += torch.linspace(0, 0.3, 8)  # soft shading: 0.04 a pixel
    edges = strong_edges(photos, 0.25)[0, 0]
    assert edges[:, 15:17].all() and not edges[:, 18:].any() and not edges[10:14, 2:12].any()
    assert edges[5, :7].all() and edges[4, 2] and edges[6, 2]  # the line and the pixels beside it
    assert not edges[24:, 1:6].any()


def test_edge_term_scores_clean_pixels_on_the_clean_photos_edges_away_from_damage_and_trains():
    from restorer_plugins.damage.training import edge_bce

    photos = torch.full((1, 3, 24, 24), 0.2)
    photos[..., :, 12:] = 0.9
    masks = torch.zeros(1, 1, 24, 24)
    masks[0, 0, 2, 12] = 1  # damage on the edge: its neighbours are left out
    logits = torch.full((1, 1, 24, 24), -5.0)
    logits[0, 0, 20, 11] = 3.0  # a false find on the edge
    logits[0, 0, 20, 3] = 6.0  # one on flat ground: the hard-negative term's, not this one's
    picked = (24 - (2 + HARD_MARGIN + 1)) * 4  # columns 10-13 (the step, a pixel each side), rows 6-23
    softplus = torch.nn.functional.softplus
    expected = (softplus(torch.tensor(3.0)) + (picked - 1) * softplus(torch.tensor(-5.0))) / picked
    assert edge_bce(logits, masks, photos, 0.25).item() == pytest.approx(expected.item(), rel=1e-5)
    assert edge_bce(logits, masks, torch.full_like(photos, 0.5), 0.25).item() == 0.0  # no edge at all
    torch.manual_seed(0)
    trainer = DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2)), DetectorTrainConfig(edge_weight=1.0))
    crops = torch.from_numpy(np.stack([_photo(64, 64, s) for s in range(2)]).astype(np.float32) / 255)
    crops[:, :, 32:] = (crops[:, :, 32:] + 0.5).clamp(max=1)  # an outline down the middle
    metrics = trainer.train_step(Batch(crops.permute(0, 3, 1, 2).contiguous(), None, None), 0)
    assert np.isfinite(metrics["edge"]) and metrics["edge"] > 0
    plain = DetectorTrainer(DetectorConfig(width=4, dilations=(1, 2)))
    old = json.loads(json.dumps(plain.config()))
    old["train"] = {k: v for k, v in old["train"].items() if not k.startswith("edge_")}  # written before the term
    assert plain.accepts(old) and not trainer.accepts(old)


def _near(a: np.ndarray, b: np.ndarray, tolerance: int = 3) -> float:
    """Share of ``a``'s pixels within ``tolerance`` pixels of one of ``b``'s."""
    import cv2

    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1, 2 * tolerance + 1))
    return float((a & (cv2.dilate(b.astype(np.uint8), disc) > 0)).sum() / max(1, a.sum()))


def test_the_starter_detector_beats_the_classical_baseline_on_a_real_photo():
    import cv2

    from restorer.images import load_photo
    from restorer.resources import RESOURCES

    clean = load_photo(RESOURCES / "samples" / "original.png").rgb
    damaged, truth = clean.copy(), np.zeros(clean.shape[:2], np.uint8)
    rng = np.random.default_rng(7)
    for _ in range(8):
        points = rng.integers(0, [clean.shape[1], clean.shape[0]], (3, 2)).reshape(-1, 1, 2).astype(np.int32)
        level, width = int(rng.choice([20, 235])), int(rng.integers(1, 4))
        cv2.polylines(damaged, [points], False, (level,) * 3, width, cv2.LINE_AA)
        cv2.polylines(truth, [points], False, 1, width)
    truth = truth > 0
    registry = get_registry()
    scores = {}
    for name in ("damage-detector", "classical-damage"):
        found = detect(registry.get(name), damaged, {"grow": 0})
        precision, recall = _near(found, truth), _near(truth, found)
        scores[name] = 2 * precision * recall / max(precision + recall, 1e-9)
    assert scores["damage-detector"] > 0.6 and scores["damage-detector"] > scores["classical-damage"] + 0.2, scores
    false_alarm = (probability(registry.get("damage-detector"), clean) > 0.5).mean()
    assert false_alarm < 0.03  # the undamaged photo (a wooden table with its own scratches): few finds


def test_detect_and_repair_commands(tmp_path, capsys):
    damaged, truth = _scratched()
    Image.fromarray(damaged).save(tmp_path / "old.png")
    Image.fromarray(_photo(160, 200, 3)).save(tmp_path / "clean.png")
    assert main(["detect", str(tmp_path / "old.png"), "-o", str(tmp_path / "m.png")]) == 0
    mask = np.asarray(Image.open(tmp_path / "m.png")) > 0
    assert mask[truth].mean() > 0.7
    assert main(["detect", str(tmp_path / "old.png"), "-o", str(tmp_path / "m.png")]) == 2  # exists
    assert main(["detect", str(tmp_path / "old.png"), "-o", str(tmp_path / "m.jpg")]) == 2  # not a PNG
    assert main(["detect", str(tmp_path), "-o", str(tmp_path / "masks")]) == 0
    assert sorted(p.name for p in (tmp_path / "masks").iterdir()) == ["clean.png", "m.png", "old.png"]
    out = tmp_path / "fixed"
    assert main(["repair", str(tmp_path / "old.png"), "-o", str(tmp_path / "fixed.png"), "--model", "opencv-telea",
                 "--save-masks", str(out)]) == 0
    fixed = np.asarray(Image.open(tmp_path / "fixed.png"))
    saved = np.asarray(Image.open(out / "old.png")) > 0
    assert np.array_equal(fixed[~saved], damaged[~saved])  # untouched outside the found damage
    error_before = np.abs(damaged.astype(int) - _photo(160, 200)).mean()
    error_after = np.abs(fixed.astype(int) - _photo(160, 200)).mean()
    assert error_after < error_before / 2
    capsys.readouterr()
    assert main(["repair", str(tmp_path / "clean.png"), "-o", str(tmp_path / "same.png"),
                 "--detect-set", "threshold=0.99"]) == 0
    assert "no damage found" in capsys.readouterr().err
    assert main(["repair", str(tmp_path / "old.png"), "-o", str(tmp_path / "x.png"),
                 "--detect-set", "threshold=nan"]) == 2
    with pytest.raises(SystemExit) as refused:  # repair finds its own mask: it offers no --mask
        main(["repair", str(tmp_path / "old.png"), "-o", str(tmp_path / "y.png"), "--mask", str(tmp_path / "m.png")])
    assert refused.value.code == 2 and not (tmp_path / "y.png").exists()


def _files(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["mask on the photo", "mask on the photo, overwrite", "mask on the result",
                                  "masks share a name", "mask exists", "mask on a folder's photo"])
def test_repair_refuses_saved_masks_that_would_replace_a_file_before_any_work(tmp_path, capsys, case):
    damaged, _ = _scratched()
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(damaged).save(photos / "a.png")
    out = tmp_path / "out"
    out.mkdir()
    args = {"mask on the photo": [photos / "a.png", "-o", out / "a.png", "--save-masks", photos],
            "mask on the photo, overwrite": [photos / "a.png", "-o", out / "a.png", "--save-masks", photos,
                                             "--overwrite"],
            "mask on the result": [photos / "a.png", "-o", out / "a.png", "--save-masks", out, "--overwrite"],
            "masks share a name": [photos, "-o", out, "--save-masks", tmp_path / "masks"],
            "mask exists": [photos / "a.png", "-o", out / "a.png", "--save-masks", tmp_path],
            "mask on a folder's photo": [photos, "-o", out, "--save-masks", photos, "--overwrite"]}[case]
    if case == "masks share a name":
        Image.fromarray(damaged).save(photos / "a.jpg")  # both would save their mask as masks/a.png
    if case == "mask exists":
        (tmp_path / "a.png").write_bytes(b"an earlier file")
    before = _files(tmp_path)
    capsys.readouterr()
    assert main(["repair", *map(str, args), "--model", "opencv-telea"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert _files(tmp_path) == before and not (tmp_path / "masks").exists()  # nothing written, nothing replaced


def test_detect_refuses_photos_whose_masks_share_a_name_and_a_mask_on_its_photo(tmp_path, capsys):
    damaged, _ = _scratched()
    Image.fromarray(damaged).save(tmp_path / "a.png")
    Image.fromarray(damaged).save(tmp_path / "a.jpg")
    before = _files(tmp_path)
    for args in (["-o", str(tmp_path / "masks")], ["-o", str(tmp_path / "masks"), "--overwrite"],
                 ["-o", str(tmp_path)]):
        capsys.readouterr()
        assert main(["detect", str(tmp_path), *args]) == 2
        err = capsys.readouterr().err
        assert "--in-place" not in err and len(err.strip().splitlines()) == 1, err
    assert main(["detect", str(tmp_path / "a.png"), "-o", str(tmp_path / "a.png"), "--overwrite"]) == 2
    assert "--in-place" not in capsys.readouterr().err  # detect has none: a mask never replaces its photo
    assert _files(tmp_path) == before


def test_restorer_train_fine_tunes_the_detector_on_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "photos"
    folder.mkdir()
    for seed in range(3):
        Image.fromarray(_photo(80, 96, seed)).save(folder / f"{seed}.png")
    assert main(["train", "damage-detector", "--data", str(folder), "--name", "mine", "--steps", "3",
                 "--crop", "32", "--batch-size", "2"]) == 0
    assert (tmp_path / "data" / "weights" / "damage-detector" / "mine.safetensors").is_file()
    damaged, _ = _scratched()
    Image.fromarray(damaged).save(tmp_path / "old.png")
    get_registry().get("damage-detector").refresh_weights()  # this process's registry predates the weights
    assert main(["detect", str(tmp_path / "old.png"), "-o", str(tmp_path / "m.png"), "--set", "weights=mine"]) == 0
    monkeypatch.undo()  # back to the real data folder, and the other tests' list of weights
    get_registry().get("damage-detector").refresh_weights()


def test_a_saved_mask_the_disk_refuses_is_named_in_the_error(tmp_path, capsys, monkeypatch):
    import errno
    import os

    damaged, _ = _scratched()
    Image.fromarray(damaged).save(tmp_path / "a.png")

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("restorer.files.os.fsync", disk_full)
    capsys.readouterr()
    assert main(["repair", str(tmp_path / "a.png"), "-o", str(tmp_path / "b.png"), "--detect", "classical-damage",
                 "--model", "opencv-telea", "--save-masks", str(tmp_path / "masks")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / "masks" / "a.png") in err[0] and "saving the found mask" in err[0], err
    assert ".part" not in err[0] and list((tmp_path / "masks").iterdir()) == []


def test_repair_refuses_a_photo_found_damaged_all_over_and_writes_no_mask_for_it(tmp_path, capsys):
    noise = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)  # specks everywhere
    Image.fromarray(noise).save(tmp_path / "a.png")
    capsys.readouterr()
    code = main(["repair", str(tmp_path / "a.png"), "-o", str(tmp_path / "fixed.png"), "--model", "opencv-telea",
                 "--detect", "classical-damage", "--detect-set", "threshold=0.01", "--detect-set", "grow=3",
                 "--save-masks", str(tmp_path / "masks")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "classical-damage marked the whole photo as damage" in err[0] and "a.png" in err[0], err
    assert not (tmp_path / "fixed.png").exists() and not list((tmp_path / "masks").glob("*"))


def test_gray_share_makes_black_and_white_prints_damage_and_all():
    from restorer_plugins.damage import synthetic

    rng = np.random.default_rng(0)
    photo = np.stack([rng.integers(0, 256, (64, 80)), np.full((64, 80), 40), np.full((64, 80), 200)], -1)
    photo = photo.astype(np.uint8)
    luma, tones = synthetic.black_and_white(photo), set()
    for seed in range(12):
        damaged, mask = add_damage(photo, np.random.default_rng(seed), gray_share=1.0, visible_level=10,
                                   structure_share=float(seed % 2))
        r, g, b = (damaged.astype(int)[..., i] for i in range(3))
        assert (r >= g - 1).all() and (g >= b - 1).all()  # neutral or warm: no colour in damage or structure
        tones.add(bool((r - b).max() > 4))
        if mask.any():  # the mask is measured against the print, not the colour photo
            assert (np.abs(synthetic.black_and_white(damaged).astype(int) - luma)[mask].mean() > 10)
    assert tones == {True, False}
    # off (the default), it draws no random number: the damage the earlier starters trained on
    a = add_damage(photo, np.random.default_rng(5), gray_share=0.0)
    b = add_damage(photo, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
