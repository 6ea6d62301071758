"""The trainer core: masks, photo folders, the loop (checkpoint, exact resume, cancel, NaN guard)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from restorer.errors import Cancelled, InputError
from restorer.jobs import Job
from restorer.training import (
    MASK_KINDS, DataConfig, LoopConfig, PhotoFolder, Trainer, TrainingDiverged, load_checkpoint,
    random_mask, sample_batch, train,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TinyTrainer(Trainer):
    """A two-layer conv net that learns to repair holes; enough to exercise the loop."""

    wants_masks = True

    def __init__(self, lr: float = 1e-2, poison_at: int | None = None):
        super().__init__("cpu")
        torch.manual_seed(0)  # every run starts from the same weights
        self.net = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3, padding=1), torch.nn.ReLU(),
                                       torch.nn.Dropout(0.2), torch.nn.Conv2d(8, 3, 3, padding=1))
        self.modules["net"] = self.net
        self.add_optimizer("net", torch.optim.Adam(self.net.parameters(), lr=lr))
        self.poison_at = poison_at

    def config(self):
        return {"arch": "tiny", "channels": [4, 8, 3]}

    def train_step(self, batch, step):
        hole = batch.masks
        out = self.net(torch.cat([batch.photos * (1 - hole), hole], 1))
        loss = (out - batch.photos).abs().mean()
        if self.poison_at is not None and step >= self.poison_at:
            loss = loss * float("nan")
        self.optimize("net", loss)
        return {"loss": loss.item()}

    def export(self):
        return dict(self.net.state_dict()), self.config()


def _photo_folder(root, count=4, size=(40, 56)):
    rng = np.random.default_rng(1)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        h, w = size
        gradient = np.linspace(0, 255, w)[None, :, None] * np.ones((h, 1, 3))
        pixels = (gradient * rng.uniform(0.3, 1.0, 3) + rng.normal(0, 10, (h, w, 3))).clip(0, 255)
        suffix = [".png", ".jpg", ".webp", ".bmp"][i % 4]
        sub = root / ("nested" if i % 2 else "")
        sub.mkdir(exist_ok=True)
        Image.fromarray(pixels.astype(np.uint8)).save(sub / f"photo{i}{suffix}")
    return root


@pytest.fixture
def folder(tmp_path):
    return _photo_folder(tmp_path / "photos")


def _config(steps, **kw):
    return LoopConfig(steps=steps, seed=3, checkpoint_every=10,
                      data=DataConfig(crop=32, batch_size=2, mask_area=(0.05, 0.3)), **kw)


@pytest.mark.parametrize("kind", MASK_KINDS)
def test_mask_area_stays_in_range(kind):
    rng = np.random.default_rng(0)
    for size in [(64, 64), (128, 96), (300, 451)]:
        for _ in range(15):
            mask = random_mask(*size, rng, kind, area=(0.05, 0.25))
            assert mask.dtype == bool and mask.shape == size
            assert 0.05 <= mask.mean() <= 0.25, (kind, size, mask.mean())


def test_mask_families_differ_in_stroke_width():
    import cv2

    rng = np.random.default_rng(5)
    widths = {}
    for kind in ("thin", "medium", "thick"):
        # The distance to the nearest known pixel, at its maximum, is half the stroke width.
        widths[kind] = np.mean([cv2.distanceTransform(random_mask(256, 256, rng, kind).astype(np.uint8),
                                                      cv2.DIST_L2, 3).max() for _ in range(10)])
    assert widths["thin"] < widths["medium"] < widths["thick"]


def test_folder_scan_recursive_and_skips_unreadable(folder):
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    (folder / "nested" / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not a photo")
    photos = PhotoFolder.scan(folder)
    assert len(photos) == 4
    assert sorted(s.path.name for s in photos.skipped) == ["broken.jpg", "empty.png"]


def test_folder_without_photos_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="no readable photos"):
        PhotoFolder.scan(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        PhotoFolder.scan(tmp_path / "missing")


def test_crops_handle_photos_smaller_than_the_crop(tmp_path):
    folder = _photo_folder(tmp_path / "small", count=2, size=(12, 20))
    photos = PhotoFolder.scan(folder)
    batch = sample_batch([photos, photos], np.random.default_rng(0), DataConfig(crop=48, batch_size=3),
                         masks=True)
    assert batch.photos.shape == (3, 3, 48, 48) and batch.photos_b.shape == (3, 3, 48, 48)
    assert batch.masks.shape == (3, 1, 48, 48)
    assert 0.0 <= batch.photos.min() and batch.photos.max() <= 1.0


def test_twenty_steps_then_exact_resume(folder, tmp_path):
    photos = [PhotoFolder.scan(folder)]
    reference = TinyTrainer()
    train(reference, photos, _config(21), checkpoint=tmp_path / "ref.safetensors")
    losses_ref = []
    job = Job(lambda p: losses_ref.append(p.metrics["loss"]) if p.metrics else None)
    reference = TinyTrainer()
    train(reference, photos, _config(21), checkpoint=tmp_path / "ref2.safetensors", job=job)

    first = TinyTrainer()
    train(first, photos, _config(20), checkpoint=tmp_path / "run.safetensors")
    assert load_checkpoint(tmp_path / "run.safetensors").step == 20
    resumed = TinyTrainer()
    seen = []
    result = train(resumed, photos, _config(21), checkpoint=tmp_path / "run.safetensors", resume=True,
                   job=Job(lambda p: seen.append((p.done, p.metrics["loss"])) if p.metrics else None))
    assert result.step == 21
    assert seen == [(21, losses_ref[20])]  # identical next-step loss (dropout and data RNG restored)
    for a, b in zip(resumed.net.parameters(), reference.net.parameters()):
        assert torch.equal(a, b)


def test_cancel_mid_run_leaves_a_loadable_checkpoint(folder, tmp_path):
    photos = [PhotoFolder.scan(folder)]
    job = Job()
    job.add_listener(lambda p: job.cancel() if p.done == 7 else None)
    with pytest.raises(Cancelled):
        train(TinyTrainer(), photos, _config(50), checkpoint=tmp_path / "c.safetensors", job=job)
    assert load_checkpoint(tmp_path / "c.safetensors").step == 7
    result = train(TinyTrainer(), photos, _config(9), checkpoint=tmp_path / "c.safetensors", resume=True)
    assert result.step == 9


def test_a_run_cancelled_after_its_first_steps_is_remembered_for_resuming(folder, tmp_path, monkeypatch):
    from restorer.training import TrainOptions, train_model
    from restorer.training.runs import unfinished_runs

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(folder.parent)

    class TinyModel:
        name, trainable = "tiny", True

        def make_trainer(self, options, device):
            return TinyTrainer()

    options = TrainOptions(steps=50, batch_size=2, crop=32, base=None, checkpoint_every=10)
    job = Job()
    job.add_listener(lambda p: job.cancel() if p.done == 3 else None)
    with pytest.raises(Cancelled):
        train_model(TinyModel(), [folder.name], options, "cli-run", job=job)  # a relative path, as typed
    [(record, step)] = unfinished_runs({"tiny"})
    assert (record.name, step, record.options) == ("cli-run", 3, options)
    assert record.folders == (str(folder.resolve()),)
    assert unfinished_runs({"other"}) == []


def test_nan_loss_stops_and_keeps_last_good_checkpoint(folder, tmp_path):
    photos = [PhotoFolder.scan(folder)]
    with pytest.raises(TrainingDiverged, match="step 13.*last good checkpoint"):
        train(TinyTrainer(poison_at=12), photos, _config(30), checkpoint=tmp_path / "n.safetensors")
    state = load_checkpoint(tmp_path / "n.safetensors")
    assert state.step == 10
    assert all(torch.isfinite(v).all() for k, v in state.tensors.items() if k.startswith("module/"))


def test_metrics_report_throughput_and_skipped(folder, tmp_path):
    (folder / "broken.png").write_bytes(b"\x89PNG broken")
    reports = []
    train(TinyTrainer(), [PhotoFolder.scan(folder)], _config(3), checkpoint=tmp_path / "m.safetensors",
          job=Job(reports.append))
    last = reports[-1].metrics
    assert last["step"] == 3 and last["skipped"] == 1 and last["images_per_s"] > 0
    assert math.isfinite(last["loss"])


def test_existing_run_is_not_overwritten_without_resume(folder, tmp_path):
    photos = [PhotoFolder.scan(folder)]
    train(TinyTrainer(), photos, _config(2), checkpoint=tmp_path / "x.safetensors")
    with pytest.raises(InputError, match="exists"):
        train(TinyTrainer(), photos, _config(2), checkpoint=tmp_path / "x.safetensors")


def test_resume_into_another_architecture_is_refused(folder, tmp_path):
    photos = [PhotoFolder.scan(folder)]
    train(TinyTrainer(), photos, _config(2), checkpoint=tmp_path / "a.safetensors")
    other = TinyTrainer()
    other.config = lambda: {"arch": "other"}
    with pytest.raises(InputError, match="different model configuration"):
        train(other, photos, _config(4), checkpoint=tmp_path / "a.safetensors", resume=True)
