"""The trainer core: masks, photo folders, the loop (checkpoint, exact resume, cancel, NaN guard)."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from types import SimpleNamespace

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


def test_pictures_made_in_memory_become_a_folder_cropped_as_they_are(tmp_path):
    rng = np.random.default_rng(0)
    pictures = {"a": rng.integers(0, 256, (20, 30, 3), dtype=np.uint8), "b": rng.integers(0, 256, (24, 24, 3),
                                                                                           dtype=np.uint8)}
    photos = PhotoFolder.from_pictures(tmp_path / "made", pictures)
    assert [p.name for p in photos.paths] == ["a.png", "b.png"]
    assert np.array_equal(photos.pixels(0), pictures["a"])  # every pixel kept
    crop = photos.random_crop(np.random.default_rng(1), 16, (1.0, 1.0), flip=False)
    assert any(np.array_equal(crop, p[top:top + 16, left:left + 16]) for p in pictures.values()
               for top in range(p.shape[0] - 15) for left in range(p.shape[1] - 15))
    assert len(PhotoFolder.from_pictures(tmp_path / "made", pictures)) == 2  # again: rewritten, not added
    Image.new("RGB", (8, 8)).save(tmp_path / "made" / "other.jpg")
    with pytest.raises(InputError, match="holds other photos .other.jpg"):
        PhotoFolder.from_pictures(tmp_path / "made", pictures)


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
    from restorer.training.stored_runs import unfinished_runs

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


# -- photos kept out of training, and the comparison on them ---------------------------------------------


class ColourTrainer(TinyTrainer):
    """Records the colour of every photo its batches hold (the test folders hold solid colours)."""

    def __init__(self, seen: set):
        super().__init__()
        self.seen = seen

    def train_step(self, batch, step):
        colours = (batch.photos.mean((2, 3)) * 255).round().to(torch.int64)
        self.seen.update(tuple(c) for c in colours.tolist())
        return super().train_step(batch, step)


class ColourModel:
    name, trainable, task = "colours", True, "inpaint"

    def __init__(self):
        self.seen: set = set()

    def make_trainer(self, options, device):
        return ColourTrainer(self.seen)


def _solid(root, name, colour, size=(40, 56)):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*size, 3), colour, np.uint8)).save(path)
    return colour


def test_held_out_photos_are_never_drawn_and_stay_out_when_the_run_resumes(tmp_path, monkeypatch):
    from restorer.training import TrainOptions, train_model
    from restorer.training.holdout import held_out_photos
    from restorer.training.stored_runs import RunRecord
    from restorer.weights import load_weights, run_dir

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "photos"
    names = [f"sub/c{i}.png" if i % 3 == 0 else f"c{i}.png" for i in range(7)]  # relative paths, nested too
    colours = {name: _solid(folder, name, (20 + 25 * i, 200 - 20 * i, 60)) for i, name in enumerate(names)}
    model = ColourModel()
    options = TrainOptions(steps=60, batch_size=2, crop=32, base=None, checkpoint_every=10, holdout=2)
    job = Job()
    job.add_listener(lambda p: job.cancel() if p.done == 5 else None)
    with pytest.raises(Cancelled):
        train_model(model, [folder], options, "held", job=job)
    record = RunRecord.load(run_dir("colours", "held") / "run.json")
    held = record.held_out
    assert len(held) == 2 and set(held) <= set(colours)
    assert held == held_out_photos(PhotoFolder.scan(folder), 2)  # chosen from the relative paths alone
    assert model.seen and not model.seen & {colours[h] for h in held}

    # photos added since would change a fresh choice; the resumed run keeps the recorded one
    for k in range(60):
        colours[f"new{k}.png"] = _solid(folder, f"new{k}.png", (250, 5 + 4 * k, 250))
        if held_out_photos(PhotoFolder.scan(folder), 2) != held:
            break
    else:
        pytest.fail("no added photo changed the fresh choice")
    with pytest.raises(InputError, match=r"^run 'held' was started with --crop 32, --from scratch; resume it with "
                                         r"the same options \(given --crop 48, --from starter\)$"):
        train_model(model, [folder], replace(options, crop=48, base="starter"), "held", resume=True)
    _path, result = train_model(model, [folder], replace(options, steps=60), "held", resume=True)
    assert result.step == 60
    _tensors, meta = load_weights("colours", "held")
    assert tuple(meta["holdout"]) == held and meta["photos"] == [len(colours) - 2]
    assert not model.seen & {colours[h] for h in held}, "a held-out photo was drawn for training"
    assert model.seen == {c for name, c in colours.items() if name not in held}  # all the others were


def test_a_folder_too_small_to_hold_photos_out_trains_on_all_and_says_why(folder, tmp_path, monkeypatch):
    from restorer.training import TrainOptions, holdout_line, train_model
    from restorer.weights import load_weights

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    model = ColourModel()
    options = TrainOptions(steps=2, batch_size=2, crop=32, base=None, holdout=2)
    train_model(model, [folder], options, "small")
    meta = load_weights("colours", "small")[1]
    assert meta["holdout"] == [] and meta["photos"] == [4]
    assert holdout_line(model, "small", None) == ("No comparison: the folder has 4 photo(s); leaving 2 out of "
                                                  "training needs at least 5, so all were trained on.")
    model.task = "sample"  # other tasks get no comparison, and no line
    assert holdout_line(model, "small", None) is None


@pytest.mark.parametrize("value", [-1, 51, 1.5])
def test_bad_holdout_values_are_refused_in_one_line(value):
    from restorer.training import TrainOptions

    with pytest.raises(InputError, match=r"^--holdout must be from 0 to 50 photos, got "):
        TrainOptions(holdout=value).check()


def test_holdout_line_states_the_difference_and_whether_training_helped():
    from restorer.training import HoldoutScore

    better = HoldoutScore(2, "family", "starter", 27.434, 27.096, 19.0, 18.5)
    assert better.difference == pytest.approx(0.338)
    assert better.line() == ("On 2 of your photos left out of training: family 27.43 dB, starter 27.10 dB "
                             "(+0.33 dB): training helped")
    worse = HoldoutScore(3, "beach", "starter", 26.98, 27.10, 18.0, 18.2)
    assert worse.line() == ("On 3 of your photos left out of training: beach 26.98 dB, starter 27.10 dB "
                            "(\u22120.12 dB): training did not help")
    unclear = "no clear difference (under 0.1 dB)"
    assert HoldoutScore(1, "a", "b", 20.0, 20.0, 1.0, 1.0).line().endswith(f"(+0.00 dB): {unclear}")
    assert HoldoutScore(1, "a", "b", 20.09, 20.0, 1.0, 1.0).line().endswith(f"(+0.09 dB): {unclear}")
    assert HoldoutScore(1, "a", "b", 19.91, 20.0, 1.0, 1.0).line().endswith(f"(\u22120.09 dB): {unclear}")
    assert HoldoutScore(1, "a", "b", 20.1, 20.0, 1.0, 1.0).line().endswith("(+0.10 dB): training helped")


def test_held_out_photos_are_measured_with_a_512_pixel_shorter_side_at_most():
    from restorer.training.holdout import reduced

    large = np.zeros((600, 900, 3), np.uint8)
    assert reduced(large).shape == (512, 768, 3)
    small = np.zeros((40, 56, 3), np.uint8)
    assert reduced(small) is small


def test_comparison_scores_the_new_weights_and_the_starter_on_the_held_out_photos(tmp_path, monkeypatch):
    from restorer.images import load_photo
    from restorer.registry import get_model
    from restorer.training import TrainOptions, compare_holdout, train_model
    from restorer.evaluation import Method, compare
    from restorer.weights import load_weights, save_weights

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    folder = _photo_folder(tmp_path / "photos", count=6)
    model = get_model("inpaint-gan")
    options = TrainOptions(steps=2, batch_size=1, crop=32, checkpoint_every=100, holdout=2)
    train_model(model, [folder], options, "family")
    score = compare_holdout(model, "family", job=Job())
    meta = load_weights("inpaint-gan", "family")[1]
    assert len(meta["holdout"]) == 2 and meta["photos"] == [4]
    assert (score.photos, score.label, score.reference) == (2, "family", "starter")
    assert score.difference == score.psnr - score.reference_psnr
    # the same figures as the benchmark's own comparison of the two on exactly the held-out photos
    photos = [(name, load_photo(folder / name).rgb) for name in meta["holdout"]]
    rows = {r["method"]: r for r in compare(photos, [Method("starter", "inpaint-gan", {"weights": "starter"}),
                                                     Method("family", "inpaint-gan", {"weights": "family"})]).summary()}
    assert score.psnr == pytest.approx(rows["family"]["psnr"]) and score.hole_psnr == pytest.approx(
        rows["family"]["hole_psnr"])
    assert score.reference_psnr == pytest.approx(rows["starter"]["psnr"])
    assert score.reference_hole_psnr == pytest.approx(rows["starter"]["hole_psnr"])

    # weights identical to the starter's make no difference at all
    tensors, starter_meta = load_weights("inpaint-gan", "starter")
    own = {k: v for k, v in starter_meta.items() if k not in ("model", "name")}
    save_weights("inpaint-gan", "copy", tensors, {**own, "base": "starter", "data": meta["data"],
                                                  "holdout": meta["holdout"]})
    same = compare_holdout(model, "copy")
    assert same.photos == 2 and same.difference == 0.0 and same.psnr == score.reference_psnr
    assert same.line().endswith("copy {0:.2f} dB, starter {0:.2f} dB (+0.00 dB): no clear difference "
                                "(under 0.1 dB)".format(same.psnr))

    other = SimpleNamespace(name="inpaint-gan", task="sample")  # only inpainting models get a comparison
    assert compare_holdout(other, "family") is None


# -- what a killed write leaves behind, and a disk that refuses the export ------------------------------


class _TinyModel:
    name, trainable = "tiny", True

    def make_trainer(self, options, device):
        return TinyTrainer()


def _stale(path, age=3600.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a checkpoint")
    old = path.stat().st_mtime - age
    os.utime(path, (old, old))
    return path


def test_starting_or_resuming_a_run_removes_the_stale_temporary_files_of_its_writer(folder, tmp_path, monkeypatch):
    import time

    from restorer.training import TrainOptions, train_model
    from restorer.weights import run_dir, weights_path

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    runs, weights = run_dir("tiny", "parts"), weights_path("tiny", "parts").parent
    stale = [_stale(runs / ".checkpoint.safetensors.a1b2_c3d.part"), _stale(runs / ".run.json.zzzzzzzz.part"),
             _stale(weights / ".parts.safetensors.0123abcd.part")]
    theirs = [_stale(runs / "notes.part"), _stale(runs / ".checkpoint.safetensors.part"),
              _stale(runs / ".checkpoint.safetensors.TOOLONG99.part"), _stale(weights / ".other.safetensors.abcdefgh.part"),
              _stale(runs.parent / "another" / ".checkpoint.safetensors.abcdefgh.part")]
    fresh = runs / ".checkpoint.safetensors.fresh123.part"  # being written by a process started after ours
    fresh.write_bytes(b"a write under way")
    os.utime(fresh, (time.time() + 5, time.time() + 5))
    options = TrainOptions(steps=2, batch_size=2, crop=32, base=None, checkpoint_every=1)
    train_model(_TinyModel(), [folder], options, "parts")
    assert [p.exists() for p in stale] == [False] * 3
    assert all(p.exists() for p in theirs) and fresh.exists()

    again = _stale(runs / ".checkpoint.safetensors.killed00.part")
    train_model(_TinyModel(), [folder], replace(options, steps=3), "parts", resume=True)
    assert not again.exists() and fresh.exists()
    assert sorted(p.name for p in runs.iterdir() if p.name.endswith(".part")) == [
        ".checkpoint.safetensors.TOOLONG99.part", ".checkpoint.safetensors.fresh123.part",
        ".checkpoint.safetensors.part", "notes.part"]


def test_a_full_disk_at_the_export_says_the_training_is_saved_and_resume_exports_it(folder, tmp_path, monkeypatch):
    import errno

    from restorer.errors import EnvironmentProblem
    from restorer.training import TrainOptions, train_model
    from restorer.weights import run_dir, weights_path

    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    options = TrainOptions(steps=3, batch_size=2, crop=32, base=None, checkpoint_every=10)
    monkeypatch.setattr("restorer.training.train_and_store.save_weights", disk_full)
    with pytest.raises(EnvironmentProblem) as refused:
        train_model(_TinyModel(), [folder], options, "full")
    message = str(refused.value)
    assert message.startswith(f"{weights_path('tiny', 'full')}: no space left on the device (exporting the weights)")
    assert "the training is saved in" in message and "--resume exports it" in message
    assert load_checkpoint(run_dir("tiny", "full") / "checkpoint.safetensors").step == 3
    monkeypatch.undo()
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path / "data"))
    path, result = train_model(_TinyModel(), [folder], options, "full", resume=True)
    assert path == weights_path("tiny", "full") and path.is_file() and result.step == 3


def test_a_full_disk_while_checkpointing_names_the_checkpoint(folder, tmp_path, monkeypatch):
    import errno

    from restorer.errors import EnvironmentProblem

    monkeypatch.setattr("restorer.images.os.fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(EnvironmentProblem, match=r"c\.safetensors: no space left on the device \(writing the "
                                                 r"checkpoint; no checkpoint was written\)"):
        train(TinyTrainer(), [PhotoFolder.scan(folder)], _config(2), checkpoint=tmp_path / "c.safetensors")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("options, says", [({"checkpoint_every": 0}, "--checkpoint-every must be at least 1"),
                                           ({"seed": -1}, "--seed must be 0 or more"),
                                           ({"preview_every": -1}, "preview interval")])
def test_training_options_a_person_could_mistype_are_refused(options, says):
    from restorer.training import TrainOptions

    with pytest.raises(InputError, match=says):
        TrainOptions(**options).check()


def test_a_crop_too_large_for_the_machine_is_refused_with_the_memory_it_needs():
    from types import SimpleNamespace

    from restorer.training.options import TrainOptions
    from restorer.training.train_and_store import check_memory

    trainer = SimpleNamespace(bytes_per_pixel=2600)
    options = TrainOptions(crop=2048, batch_size=1)
    with pytest.raises(InputError, match=r"needs about 10\.9 GB .* this machine has 8\.0 GB"):
        check_memory(trainer, options, "cpu", available=8_000_000_000)
    check_memory(trainer, options, "cpu", available=24_000_000_000)  # fits
    check_memory(trainer, options, "cuda", available=8_000_000_000)  # a GPU says so itself
    check_memory(SimpleNamespace(), options, "cpu", available=1)  # a trainer without an estimate


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_resuming_from_a_fifo_is_refused_at_once_not_hung(tmp_path):
    from restorer.training import load_checkpoint

    fifo = tmp_path / "checkpoint.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_checkpoint(fifo)
    with pytest.raises(InputError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.safetensors")
