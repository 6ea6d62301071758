"""The inpainting benchmark's measures and `restorer bench` on a folder of photos."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from restorer import hookimpl
from restorer.errors import ModelError
from restorer.models import Model, int_param
from restorer.registry import load_registry
from restorer import evaluation as quality
from restorer.evaluation import MASK_AREA, bench_methods, benchmark_masks
from restorer.measures import psnr, texture_distance
from tests.conftest import photo_folder, run_cli, run_restorer, textured_photo


def test_benchmark_masks_are_fixed_and_in_the_area_range():
    first, again = benchmark_masks("p", (120, 160)), benchmark_masks("p", (120, 160))
    assert list(first) == ["thin", "medium", "thick", "box"]
    for kind, mask in first.items():
        assert np.array_equal(mask, again[kind])
        assert MASK_AREA[0] <= mask.mean() <= MASK_AREA[1]
    assert not np.array_equal(first["thin"], benchmark_masks("q", (120, 160))["thin"])


def test_texture_distance_punishes_blur_and_noise_but_not_the_truth():
    truth = textured_photo(96, 128)
    hole = np.zeros(truth.shape[:2], bool)
    hole[30:70, 40:100] = True
    blurred, noisy = truth.copy(), truth.copy()
    blurred[hole] = cv2.GaussianBlur(truth, (0, 0), 3)[hole]
    rng = np.random.default_rng(1)
    noisy[hole] = (truth[hole] + rng.normal(0, 40, truth[hole].shape)).clip(0, 255).astype(np.uint8)
    assert texture_distance(truth, truth, hole) == 0
    assert texture_distance(blurred, truth, hole) > 1
    assert texture_distance(noisy, truth, hole) > 1
    assert psnr(truth, truth) == float("inf")
    assert psnr(blurred, truth, hole) < psnr(blurred, truth)  # the error is all in the hole


def test_bench_compares_the_models_on_a_folder(tmp_path):
    env = {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data")}
    photos = photo_folder(tmp_path / "photos", [textured_photo(64, 80, i) for i in range(2)])
    out = tmp_path / "results"
    done = run_restorer("bench", "--data", str(photos), "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    table = (out / "inpaint_quality.md").read_text()
    for method in ("opencv-telea", "opencv-ns", "inpaint-gan"):
        assert f"| {method} |" in table
    assert "p0, p1" in table
    assert (out / "inpaint_quality.png").stat().st_size > 0 and (out / "inpaint_quality.json").exists()

    again = run_restorer("bench", "--data", str(photos), "--out", str(out), "--limit", "1", env=env)
    assert again.returncode == 2 and again.stderr.strip().splitlines() == [
        f"restorer: error: {out / 'inpaint_quality.md'} exists (an earlier run's results); use --overwrite to "
        "replace them, or another --out"], again.stderr
    assert (out / "inpaint_quality.md").read_text() == table  # the earlier results are kept
    replaced = run_restorer("bench", "--data", str(photos), "--out", str(out), "--limit", "1", "--overwrite",
                            env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert "Photos: p0 (" in (out / "inpaint_quality.md").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["inpaint_quality.json", "inpaint_quality.md",
                                                     "inpaint_quality.png"]  # no temporary file left

    missing = run_restorer("bench", "--data", str(tmp_path / "nope"), env=env)
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1
    assert "no such folder" in missing.stderr
    unknown = run_restorer("bench", "--data", str(photos), "--weights", "nope", "--out", str(tmp_path / "r2"), env=env)
    assert unknown.returncode != 0 and len(unknown.stderr.strip().splitlines()) == 1
    assert "nope" in unknown.stderr and not (tmp_path / "r2").exists()


def test_bench_with_named_weights_measures_the_starter_beside_them(tmp_path):
    import shutil

    from restorer.resources import starter_weights_path

    data = tmp_path / "data"
    (data / "weights" / "inpaint-gan").mkdir(parents=True)
    # The same tensors under another name: the side-by-side difference must come out as exactly zero.
    shutil.copy(starter_weights_path("inpaint-gan"), data / "weights" / "inpaint-gan" / "mine.safetensors")
    env = {**os.environ, "RESTORER_DATA_DIR": str(data)}
    photos = photo_folder(tmp_path / "photos", [textured_photo(64, 80, i) for i in range(2)])
    out = tmp_path / "results"
    done = run_restorer("bench", "--data", str(photos), "--out", str(out), "--weights", "mine", env=env)
    assert done.returncode == 0, done.stderr
    table = (out / "inpaint_quality.md").read_text()
    for method in ("inpaint-gan (starter)", "inpaint-gan (mine)", "inpaint-gan (mine), texture 0"):
        assert f"| {method} |" in table
    assert "inpaint-gan (mine) against inpaint-gan (starter), same photos and masks: PSNR +0.00 dB" in table
    assert "| thin PSNR (dB) | medium PSNR (dB) | thick PSNR (dB) | box PSNR (dB) |" in table
    import json

    kinds = json.loads((out / "inpaint_quality.json").read_text())["by_kind"]
    assert kinds["inpaint-gan (mine)"] == kinds["inpaint-gan (starter)"]
    assert set(kinds["opencv-telea"]) == {"thin", "medium", "thick", "box"}


def test_bench_skips_photos_too_small_to_measure_and_keeps_the_rest(tmp_path):
    from PIL import Image

    env = {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data")}
    photos = photo_folder(tmp_path / "photos", [textured_photo(64, 80, 0)])
    Image.fromarray(textured_photo(1, 1, 1)).save(photos / "dot.png")
    Image.fromarray(textured_photo(8, 80, 2)).save(photos / "strip.png")
    out = tmp_path / "results"
    done = run_restorer("bench", "--data", str(photos), "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped ")]
    assert skipped == [f"skipped {photos / 'dot.png'}: 1x1 pixels, less than 16 on a side",
                       f"skipped {photos / 'strip.png'}: 80x8 pixels, less than 16 on a side"], done.stderr
    table = (out / "inpaint_quality.md").read_text()
    assert "Photos: p0 (" in table and (out / "inpaint_quality.json").exists()


def test_bench_refuses_an_out_that_is_a_file_before_any_work(tmp_path):
    env = {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data")}
    photos = photo_folder(tmp_path / "photos", [textured_photo(64, 80, 0)])
    out = tmp_path / "results.md"
    out.write_text("an earlier report")
    refused = run_restorer("bench", "--data", str(photos), "--out", str(out), env=env)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().splitlines() == [f"restorer: error: {out}: is a file; give --out a folder for "
                                                   "the results"]
    assert out.read_text() == "an earlier report"
    for out in (photos, tmp_path):  # the photos' own folder, or one above it
        refused = run_restorer("bench", "--data", str(photos), "--out", str(out), env=env)
        assert refused.returncode == 2 and "is the --data folder or holds it" in refused.stderr, refused.stderr
    assert sorted(p.name for p in photos.iterdir()) == ["broken.jpg", "p0.png"]


def test_photos_too_small_to_measure_are_not_held_out_measures(tmp_path):
    from PIL import Image

    from restorer.training.holdout import holdout_photos

    Image.fromarray(textured_photo(64, 80, 0)).save(tmp_path / "big.png")
    Image.fromarray(textured_photo(3, 3, 0)).save(tmp_path / "tiny.png")
    kept = holdout_photos({"data": [str(tmp_path)], "holdout": ["big.png", "tiny.png"]})
    assert [name for name, _ in kept] == ["big.png"]


class Blur(Model):
    """A third-party baseline: the hole filled with the photo's mean colour."""

    name, task, baseline, uses_torch = "mean-fill", "inpaint", True, False

    def run(self, request, job):  # noqa: D102
        return np.broadcast_to(request.photo.mean((0, 1)).astype(np.uint8), request.photo.shape).copy()


class Learned(Blur):
    """A non-baseline repair with a setting it asks to be measured with too."""

    name, baseline, default_priority = "learned-fill", False, 5
    params = (int_param("strength", 3, 0, 10),)
    bench_variants = ({"strength": 0},)


class Quiet(Learned):
    name, default_priority, bench_variants = "quiet-fill", 1, ()


class BenchPlugin:
    @hookimpl
    def register_models(self, register):  # noqa: D102
        for model in (Learned(), Blur(), Quiet()):
            register(model)


@pytest.fixture
def bench_registry(monkeypatch):
    import restorer.registry as registry_module
    import restorer_plugins.opencv as opencv

    loaded = load_registry([opencv, BenchPlugin()], use_entry_points=False)
    assert not loaded.failures, loaded.failures
    monkeypatch.setattr(registry_module, "_registry", loaded)  # compare() looks the models up by name
    return loaded


def test_the_baselines_come_from_the_registry_and_the_models_from_their_names(bench_registry):
    methods = bench_methods(bench_registry)
    assert [(m.label, m.params, m.baseline) for m in methods] == [
        ("opencv-telea", {}, True), ("opencv-ns", {}, True), ("mean-fill", {}, True),  # every baseline, in order
        ("learned-fill", {}, False), ("learned-fill, strength 0", {"strength": 0}, False)]  # the default model
    named = bench_methods(bench_registry, ["quiet-fill"], settings=["strength=7"])
    assert [(m.label, m.params) for m in named][3:] == [("quiet-fill, strength 7", {"strength": 7})]
    with pytest.raises(ModelError, match="opencv-ns has no parameter 'strength'"):
        bench_methods(bench_registry, ["learned-fill", "opencv-ns"], settings=["strength=7"])
    assert [m.label for m in bench_methods(bench_registry, ["opencv-ns", "quiet-fill"])] == [
        "opencv-telea", "opencv-ns", "mean-fill", "quiet-fill"]  # a baseline named again runs once
    with pytest.raises(ModelError, match="model opencv-ns has no parameter 'weights'"):
        bench_methods(bench_registry, ["opencv-ns"], weights="mine")


def test_a_bench_variant_the_model_cannot_run_is_a_declaration_bug():
    class Odd(Learned):
        name, bench_variants = "odd", ({"strength": 99},)

    with pytest.raises(ValueError, match=r"bench variant \{'strength': 99\}: strength must be between 0 and 10"):
        Odd().check()


def test_bench_measures_the_models_named_with_their_settings(bench_registry, tmp_path, capsys, monkeypatch):
    photos = photo_folder(tmp_path / "photos", [textured_photo(48, 64, 0)])
    out = tmp_path / "results"
    code, err, printed = run_cli(["bench", "--data", photos, "--out", out, "--model", "quiet-fill",
                                  "--set", "strength=2", "--device", "cpu"], capsys, monkeypatch, tmp_path)
    assert code == 0, err
    table = (out / "inpaint_quality.md").read_text()
    rows = [line.split(" | ")[0][2:] for line in table.splitlines() if line.startswith("| ") and "PSNR" not in line]
    assert rows[:4] == ["opencv-telea", "opencv-ns", "mean-fill", "quiet-fill, strength 2"]
    code, err, _ = run_cli(["bench", "--data", photos, "--out", tmp_path / "r2", "--model", "nope"],
                           capsys, monkeypatch, tmp_path)
    assert code == 2 and err[-1].startswith("restorer: error: unknown model 'nope'")
    assert not (tmp_path / "r2").exists()


def test_bench_on_a_full_disk_keeps_no_partial_results_and_names_the_file(tmp_path, capsys, monkeypatch):
    import errno

    import restorer.files as files

    photos = photo_folder(tmp_path / "photos", [textured_photo(48, 64, 0)])
    real_fsync = os.fsync

    def full_after_the_table(fd):
        if any(name.startswith(".inpaint_quality.json.") for name in os.listdir(tmp_path / "r")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_after_the_table)
    code, err, _ = run_cli(["bench", "--data", photos, "--out", tmp_path / "r", "--model", "opencv-ns", "--limit", "1"],
                           capsys, monkeypatch, tmp_path)
    assert code == 3 and str(tmp_path / "r" / "inpaint_quality.json") in err[-1], err
    assert os.listdir(tmp_path / "r") == []  # no table without its data, no temporary file


def test_the_picture_grid_shows_the_reference_baseline_and_the_models(bench_registry, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(quality, "picture_grid", lambda comparison, columns: shown.append(columns) or b"png")
    photos = [("p0", textured_photo(48, 64, 0))]
    quality.run_benchmark(photos, bench_methods(bench_registry), tmp_path, source="test")
    assert shown == [["damaged", "opencv-telea", "learned-fill", "learned-fill, strength 0", "truth"]]
