"""Hard-tile mining for the damage detector (restorer_plugins.damage.mining)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from restorer_plugins.damage.mining import MiningConfig, mine_hard_tiles, tile_origins


def test_tiles_cover_the_largest_clusters_first_and_stay_inside_the_picture():
    found = np.zeros((300, 400), bool)
    found[10:15, 380:400] = True        # 100 px at the top right corner, centre (12, 389.5)
    found[200:231, 100:103] = True      # 93 px, centre (215, 101)
    found[150, 150] = True              # one pixel: below min_pixels
    config = MiningConfig(tile=64, per_picture=4, min_pixels=12)
    origins = tile_origins(found, config)
    assert origins == [(0, 336), (183, 69)]
    assert all(0 <= top <= 300 - 64 and 0 <= left <= 400 - 64 for top, left in origins)
    assert tile_origins(found, MiningConfig(tile=64, per_picture=1)) == [(0, 336)]


def test_a_cluster_inside_a_chosen_tile_makes_no_second_tile_and_small_pictures_give_whole_tiles():
    found = np.zeros((50, 60), bool)
    found[5:25, 5] = True
    found[30:45, 40] = True
    assert tile_origins(found, MiningConfig(tile=256, min_pixels=5)) == [(0, 0)]  # one tile: the whole picture


def test_mining_writes_tiles_of_the_picture_and_resumes_without_running_again(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    picture = tmp_path / "in" / "a.png"
    picture.parent.mkdir()
    Image.fromarray(rgb).save(picture)
    calls = []

    def probability(photo):
        calls.append(photo.shape)
        prob = np.zeros(photo.shape[:2], np.float32)
        prob[60:64, 100:140] = 0.9
        return prob

    out = tmp_path / "tiles"
    counts = mine_hard_tiles(probability, [picture], out, MiningConfig(tile=32))
    assert counts["tiles"] == 1 and calls == [(120, 160, 3)]
    tile = np.asarray(Image.open(out / "a__hard0.png"))
    assert np.array_equal(tile, rgb[46:78, 104:136])
    assert not list(out.glob("*.part.png"))
    assert mine_hard_tiles(probability, [picture], out, MiningConfig(tile=32))["pictures"] == 0
    assert len(calls) == 1


def test_clean_extra_trains_on_two_folders_with_the_second_folders_crops_undamaged(monkeypatch):
    import torch

    from restorer.training import Batch
    from restorer_plugins.damage import training
    from restorer_plugins.damage.network import DetectorConfig

    seen = {}
    real_loss = training.detector_loss

    def spy(logits, masks, settings, photos=None):
        seen.update(logits=tuple(logits.shape), masks=masks.clone(), photos=tuple(photos.shape))
        return real_loss(logits, masks, settings, photos)

    monkeypatch.setattr(training, "detector_loss", spy)
    config = DetectorConfig(width=4, dilations=(1, 2))
    assert training.DetectorTrainer(config).folders == 1
    trainer = training.DetectorTrainer(config, training.DetectorTrainConfig(clean_extra=1))
    assert trainer.folders == 2
    torch.manual_seed(0)
    photos, tiles = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert np.isfinite(trainer.train_step(Batch(photos, tiles, None), 0)["loss"])
    assert seen["logits"] == (3, 1, 32, 32) and seen["photos"] == (3, 3, 32, 32)
    assert seen["masks"][2].sum() == 0  # the added tile: nothing to find
