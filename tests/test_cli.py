"""The command line, run as a person runs it: a subprocess, exit codes, files on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import textured_photo

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "samples"


def restorer(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "restorer", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int = 2, match: str = "") -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert match in lines[0]


def write_pair(folder: Path, stem: str, seed: int, *, mask_folder: Path | None = None, suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    photo = textured_photo(48, 64, seed)
    Image.fromarray(photo).save(folder / f"{stem}{suffix}")
    mask = np.zeros((48, 64), np.uint8)
    mask[10 + seed: 20 + seed, 15:40] = 255
    (mask_folder or folder).mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask).save((mask_folder or folder) / f"{stem}.png")
    return photo, mask > 127


def test_models_json_lists_the_opencv_baselines():
    result = restorer("models", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["name"]: m for m in json.loads(result.stdout) if m.get("name")}
    for name in ("opencv-telea", "opencv-ns"):
        assert {"name", "task", "trainable", "plugin", "params"} <= set(models[name])
        assert models[name]["task"] == "inpaint" and models[name]["plugin"] == "opencv"
    assert models["opencv-telea"]["params"][0]["name"] == "radius"


def test_models_table():
    result = restorer("models")
    assert result.returncode == 0 and "opencv-telea" in result.stdout


def test_repairs_the_bundled_sample(tmp_path):
    out = tmp_path / "fixed.png"
    result = restorer("inpaint", SAMPLE / "damaged.png", "--mask", SAMPLE / "damaged_mask.png",
                      "--model", "opencv-telea", "-o", out)
    assert result.returncode == 0, result.stderr
    damaged = np.asarray(Image.open(SAMPLE / "damaged.png").convert("RGB"))
    original = np.asarray(Image.open(SAMPLE / "original.png").convert("RGB"))
    mask = np.asarray(Image.open(SAMPLE / "damaged_mask.png")) > 127
    fixed = np.asarray(Image.open(out).convert("RGB"))
    assert np.array_equal(fixed[~mask], damaged[~mask])
    err_before = np.abs(damaged[mask].astype(int) - original[mask]).mean()
    err_after = np.abs(fixed[mask].astype(int) - original[mask]).mean()
    assert err_after < 0.25 * err_before


def test_file_mode_refuses_an_existing_output_and_overwrites_on_request(tmp_path):
    _, mask = write_pair(tmp_path / "in", "a", 0)
    out = tmp_path / "out.jpg"
    args = ["inpaint", tmp_path / "in" / "a.png", "--mask", tmp_path / "in" / "a.png", "-o", out,
            "--model", "opencv-ns"]
    # A photo used as its own mask is a valid (if odd) mask: the CLI should still work.
    out.write_bytes(b"keep me")
    result = restorer(*args)
    assert_one_line_error(result, 2, f"{out} exists; use --overwrite")  # as `sample` says it
    assert out.read_bytes() == b"keep me"
    result = restorer(*args, "--overwrite", "--quality", "80")
    assert result.returncode == 0, result.stderr
    assert Image.open(out).format == "JPEG"


def test_output_into_existing_folder(tmp_path):
    write_pair(tmp_path / "in", "a", 0, mask_folder=tmp_path / "masks")
    (tmp_path / "out").mkdir()
    result = restorer("inpaint", tmp_path / "in" / "a.png", "--mask", tmp_path / "masks", "-o", tmp_path / "out",
                      "--model", "opencv-telea")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a.png").is_file()


def test_folder_mode_masks_by_stem(tmp_path):
    photos = {}
    for seed, stem in enumerate(["one", "two", "three"]):
        photos[stem] = write_pair(tmp_path / "in", stem, seed, mask_folder=tmp_path / "masks")
    result = restorer("inpaint", tmp_path / "in", "--mask", tmp_path / "masks", "-o", tmp_path / "out",
                      "--model", "opencv-telea")
    assert result.returncode == 0, result.stderr
    assert "3 repaired, 0 skipped, 0 failed" in result.stderr
    for stem, (photo, mask) in photos.items():
        fixed = np.asarray(Image.open(tmp_path / "out" / f"{stem}.png"))
        assert np.array_equal(fixed[~mask], photo[~mask])
        assert not np.array_equal(fixed[mask], photo[mask])
    # Again: everything exists, so everything is skipped.
    again = restorer("inpaint", tmp_path / "in", "--mask", tmp_path / "masks", "-o", tmp_path / "out")
    assert again.returncode == 0 and "0 repaired, 3 skipped" in again.stderr


def test_folder_mode_one_mask_for_all_and_masks_beside_photos(tmp_path):
    # Masks named <stem>_mask.png in the same folder as the photos.
    for stem in ("a", "b"):
        write_pair(tmp_path / "in", stem, 0, mask_folder=tmp_path / "m")
        os.replace(tmp_path / "in" / f"{stem}.png", tmp_path / "in" / f"{stem}.tif")
        os.replace(tmp_path / "m" / f"{stem}.png", tmp_path / "in" / f"{stem}_mask.png")
    result = restorer("inpaint", tmp_path / "in", "--mask", tmp_path / "in", "-o", tmp_path / "out",
                      "--model", "opencv-telea")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.tif", "b.tif"]
    single = tmp_path / "in" / "a_mask.png"
    result = restorer("inpaint", tmp_path / "in", "--mask", single, "-o", tmp_path / "out2", "--model", "opencv-ns")
    # The folder also holds the masks themselves; with one mask file every image is repaired.
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out2").iterdir())) == 4


def test_folder_with_failures_exits_1_and_processes_the_rest(tmp_path):
    write_pair(tmp_path / "in", "good", 0, mask_folder=tmp_path / "masks")
    Image.fromarray(textured_photo(48, 64, 5)).save(tmp_path / "in" / "nomask.png")  # no mask for it
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG not really")
    Image.new("L", (64, 48), 255).save(tmp_path / "masks" / "broken.png")
    Image.fromarray(textured_photo(30, 30, 2)).save(tmp_path / "in" / "small.png")
    Image.new("L", (64, 48), 255).save(tmp_path / "masks" / "small.png")  # wrong size
    result = restorer("inpaint", tmp_path / "in", "--mask", tmp_path / "masks", "-o", tmp_path / "out",
                      "--model", "opencv-telea")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "1 repaired, 0 skipped, 3 failed" in result.stderr
    assert "30x30" in result.stderr and "64x48" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.png"]


@pytest.mark.parametrize("case", ["missing_input", "missing_mask", "bad_photo", "bad_mask_size", "unknown_model",
                                  "bad_set", "bad_suffix", "empty_mask", "bad_device", "folder_to_file"])
def test_user_errors_are_one_line_exit_2_and_write_nothing(tmp_path, case):
    photo, _ = write_pair(tmp_path / "in", "a", 0)
    photo_path, mask_path, out = tmp_path / "in" / "a.png", tmp_path / "in" / "a.png", tmp_path / "out" / "r.png"
    (tmp_path / "out").mkdir()
    extra: list = []
    if case == "missing_input":
        photo_path = tmp_path / "nope.png"
    elif case == "missing_mask":
        mask_path = tmp_path / "nomask.png"
    elif case == "bad_photo":
        photo_path = tmp_path / "in" / "junk.jpg"
        photo_path.write_text("junk")
    elif case == "bad_mask_size":
        mask_path = tmp_path / "m.png"
        Image.new("L", (10, 10), 255).save(mask_path)
    elif case == "unknown_model":
        extra = ["--model", "no-such-model"]
    elif case == "bad_set":
        extra = ["--model", "opencv-telea", "--set", "radius=lots"]
    elif case == "bad_suffix":
        out = tmp_path / "out" / "r.xyz"
    elif case == "empty_mask":
        mask_path = tmp_path / "m.png"
        Image.new("L", (64, 48), 0).save(mask_path)
    elif case == "bad_device":
        extra = ["--device", "tpu"]
    elif case == "folder_to_file":
        photo_path = tmp_path / "in"
        out = tmp_path / "out" / "exists.png"
        out.write_bytes(b"x")
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    result = restorer("inpaint", photo_path, "--mask", mask_path, "-o", out, *extra)
    assert_one_line_error(result, 2)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path):
    result = restorer("--debug", "inpaint", tmp_path / "nope.png", "--mask", tmp_path / "m.png", "-o", tmp_path / "o.png")
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("restorer: error: ")


def test_options_before_the_command_belong_to_the_command(tmp_path):
    out = tmp_path / "fixed.png"
    result = restorer("--device", "cpu", "inpaint", SAMPLE / "damaged.png", "--mask", SAMPLE / "damaged_mask.png",
                      "--model", "opencv-telea", "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert_one_line_error(restorer("--device", "cpu", "inpaint"), 2, "required")


def test_usage_error_exit_2():
    assert_one_line_error(restorer("inpaint"), 2, "required")
    assert_one_line_error(restorer("frobnicate"), 2, "invalid choice")


@pytest.mark.parametrize("command", ["inpaint", "stylize", "reconstruct"])
def test_set_help_is_a_whole_sentence(command, capsys):
    from restorer.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "`restorer models` lists each model's parameters" in text, text


def test_gui_checks_its_paths_and_the_display_before_qt(tmp_path, monkeypatch, capsys):
    from restorer.cli import main
    from restorer.commands.gui import check_display
    from restorer.errors import EnvironmentProblem

    assert main(["gui", str(tmp_path / "nope.png")]) == 2
    assert main(["gui", str(SAMPLE / "damaged.png"), "--mask", str(tmp_path / "nope.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"restorer: error: {tmp_path / 'nope.png'}: no such photo file",
                   f"restorer: error: {tmp_path / 'nope.png'}: no such mask file"]
    with pytest.raises(EnvironmentProblem, match="no display"):
        check_display({}, "linux")
    check_display({"DISPLAY": ":0"}, "linux")
    check_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    check_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    check_display({}, "darwin")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    if sys.platform.startswith("linux"):
        assert main([]) == 3  # `restorer` alone over ssh: one line, not Qt's abort
        assert "no display" in capsys.readouterr().err


def test_a_photo_as_the_only_argument_opens_it_in_the_window(tmp_path, monkeypatch, capsys):
    from restorer.cli import main

    opened = []
    monkeypatch.setattr("restorer.commands.gui.check_display", lambda: None)
    monkeypatch.setattr("restorer.gui.app.main", lambda photo=None, mask=None: opened.append((photo, mask)) or 0)
    photo, mask = str(SAMPLE / "damaged.png"), str(SAMPLE / "damaged_mask.png")
    assert main([photo]) == 0 and main([photo, "--mask", mask]) == 0
    assert opened == [(photo, None), (photo, mask)]
    capsys.readouterr()
    assert main([str(tmp_path / "nope.png")]) == 2  # a photo's name, but no such file
    assert capsys.readouterr().err.strip() == f"restorer: error: {tmp_path / 'nope.png'}: no such photo file"
    with pytest.raises(SystemExit):  # a word that is neither: argparse lists the commands
        main(["inpant"])
    assert "invalid choice: 'inpant'" in capsys.readouterr().err
