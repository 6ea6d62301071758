"""Hardening of the command line (issue #13): bad values, files and exit codes.

A bad value gets one clear line and a distinct exit code before any work; nothing is
written with exit 0 that should not be; finished work is never lost. The commands run in
this process (``restorer.cli.main``), which is what a person runs, without a new Python each.
"""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
from PIL import Image

from restorer.errors import EXIT_ENVIRONMENT, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from tests.conftest import run_cli, textured_photo


def one_line(code, err, expected_code, says=""):
    assert code == expected_code, err
    assert len(err) == 1, err
    assert "Traceback" not in err[0] and says in err[0], err


def photo_file(path, height=48, width=64, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(textured_photo(height, width, seed)).save(path)
    return path


def mask_file(path, height=48, width=64, empty=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    mask = np.zeros((height, width), np.uint8)
    if not empty:
        mask[10:20, 15:40] = 255
    Image.fromarray(mask).save(path)
    return path


def listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- 1. an empty mask ------------------------------------------------------------------------


@pytest.mark.parametrize("command, model", [("stylize", "cyclegan"), ("reconstruct", "vae"),
                                            ("inpaint", "opencv-telea")])
def test_an_empty_mask_is_refused_by_every_photo_command(tmp_path, capsys, monkeypatch, command, model):
    photo = photo_file(tmp_path / "in" / "a.png")
    empty = mask_file(tmp_path / "empty.png", empty=True)
    out = tmp_path / "out.png"
    code, err, _ = run_cli([command, photo, "--mask", empty, "-o", out, "--model", model], capsys, monkeypatch,
                           tmp_path)
    one_line(code, err, EXIT_USAGE, "the mask is empty")
    assert not out.exists()


def test_one_empty_mask_for_a_folder_is_refused_before_any_photo(tmp_path, capsys, monkeypatch):
    for stem in ("a", "b"):
        photo_file(tmp_path / "in" / f"{stem}.png")
    empty = mask_file(tmp_path / "empty.png", empty=True)
    code, err, _ = run_cli(["reconstruct", tmp_path / "in", "--mask", empty, "-o", tmp_path / "out",
                            "--model", "vae"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "the mask is empty")
    assert listing(tmp_path / "out") == []


def test_without_a_mask_the_whole_photo_changes(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    out = tmp_path / "out.png"
    code, err, _ = run_cli(["reconstruct", photo, "-o", out, "--model", "vae"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK, err
    changed = np.asarray(Image.open(out).convert("RGB")) != np.asarray(Image.open(photo).convert("RGB"))
    assert changed.any(axis=2).mean() > 0.5


# -- 2. parameters that contradict each other -------------------------------------------------


@pytest.mark.parametrize("command, model", [("stylize", "cyclegan"), ("reconstruct", "vae"),
                                            ("inpaint", "vae-inpaint")])
def test_overlap_not_below_the_tile_is_one_usage_error_before_any_photo(tmp_path, capsys, monkeypatch, command,
                                                                       model):
    for stem in ("a", "b"):
        photo_file(tmp_path / "in" / f"{stem}.png")
        mask_file(tmp_path / "masks" / f"{stem}.png")
    code, err, _ = run_cli([command, tmp_path / "in", "--mask", tmp_path / "masks", "-o", tmp_path / "out",
                            "--model", model, "--set", "overlap=256", "--set", "tile=64"],
                           capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "overlap (256) must be smaller than the tile (64)")
    assert not (tmp_path / "out").exists()


def test_the_model_checks_its_resolved_parameters():
    from restorer.errors import ModelError
    from restorer.registry import get_model

    model = get_model("cyclegan")
    model.check_params(model.resolve_params())  # the defaults agree
    with pytest.raises(ModelError, match="overlap"):
        model.check_params(model.resolve_params({"tile": 64, "overlap": 64}))


# -- 3. numeric options ----------------------------------------------------------------------


def _train(tmp_path, *extra):
    photos = tmp_path / "photos"
    for index in range(4):
        photo_file(photos / f"p{index}.png", 40, 52, index)
    return ["train", "inpaint-gan", "--data", photos, "--name", "run", "--batch-size", "1", "--crop", "32",
            "--from", "scratch", "--device", "cpu", "--steps", "2", *extra]


@pytest.mark.parametrize("option, value, says", [
    ("--checkpoint-every", "0", "argument --checkpoint-every: must be at least 1, got 0"),
    ("--checkpoint-every", "-5", "argument --checkpoint-every: must be at least 1, got -5"),
    ("--steps", "-1", "argument --steps: must be at least 1, got -1"),
    ("--steps", "many", "argument --steps: must be a whole number, got 'many'"),
    ("--batch-size", "0", "argument --batch-size: must be at least 1, got 0"),
    ("--seed", "-1", "argument --seed: must be from 0 to 4294967295, got -1"),
    ("--lr", "nan", "argument --lr: must be a finite number, got 'nan'"),
    ("--lr", "-0.1", "argument --lr: must be above 0, got -0.1"),
    ("--crop", "0", "argument --crop: must be at least 1, got 0"),
])
def test_bad_train_numbers_are_one_line_exit_2_before_anything(tmp_path, capsys, monkeypatch, option, value, says):
    code, err, out = run_cli(_train(tmp_path, option, value), capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, says)
    assert out == "" and not (tmp_path / "data" / "runs").exists()


def test_the_training_options_refuse_a_zero_checkpoint_interval_and_a_negative_seed():
    from restorer.errors import InputError
    from restorer.training import TrainOptions

    with pytest.raises(InputError, match="--checkpoint-every must be at least 1, got 0"):
        TrainOptions(checkpoint_every=0).check()
    with pytest.raises(InputError, match="--seed"):
        TrainOptions(seed=-3).check()


@pytest.mark.parametrize("args, says", [
    (["sample", "--model", "dcgan", "-n", "0"], "argument -n: must be at least 1, got 0"),
    (["sample", "--model", "dcgan", "--seed", "-2"], "argument --seed: must be from 0 to 4294967295, got -2"),
    (["bench", "--data", ".", "--limit", "0"], "argument --limit: must be at least 1, got 0"),
    (["inpaint", "x.png", "--mask", "m.png", "-o", "o.jpg", "--quality", "0"],
     "argument --quality: must be from 1 to 100, got 0"),
    (["stylize", "x.png", "-o", "o.jpg", "--quality", "high"], "argument --quality: must be a whole number"),
])
def test_bad_numbers_of_the_other_commands_are_one_line_exit_2(tmp_path, capsys, monkeypatch, args, says):
    code, err, _ = run_cli([*args, *(["-o", tmp_path / "s.png"] if args[0] == "sample" else [])], capsys,
                           monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, says)


# -- 4. names checked to their end ------------------------------------------------------------


@pytest.mark.parametrize("name", ["nl\n", "a\nb", "ok\r"])
def test_a_weights_name_with_a_line_break_is_refused(tmp_path, capsys, monkeypatch, name):
    code, err, _ = run_cli([*_train(tmp_path)[:5], name, *_train(tmp_path)[6:]], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "invalid weights name")
    assert not (tmp_path / "data").exists()


# -- 8. an existing output of one photo --------------------------------------------------------


@pytest.mark.parametrize("command, model", [("inpaint", "opencv-telea"), ("stylize", "cyclegan")])
def test_an_existing_single_output_is_a_usage_error_like_sample(tmp_path, capsys, monkeypatch, command, model):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    code, err, _ = run_cli([command, photo, "--mask", mask, "-o", out, "--model", model], capsys, monkeypatch,
                           tmp_path)
    one_line(code, err, EXIT_USAGE, f"{out} exists; use --overwrite")
    assert out.read_bytes() == b"keep me"
    code, err, _ = run_cli([command, photo, "--mask", mask, "-o", out, "--model", model, "--overwrite"], capsys,
                           monkeypatch, tmp_path)
    assert code == EXIT_OK, err
    assert Image.open(out).size == (64, 48)


def test_sample_says_the_same_for_an_existing_output(tmp_path, capsys, monkeypatch):
    out = tmp_path / "grid.png"
    out.write_bytes(b"keep me")
    code, err, _ = run_cli(["sample", "--model", "dcgan", "-n", "1", "-o", out], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, f"{out} exists; use --overwrite")
    assert out.read_bytes() == b"keep me"


def test_existing_outputs_in_a_folder_are_still_skipped_and_counted(tmp_path, capsys, monkeypatch):
    for stem in ("a", "b"):
        photo_file(tmp_path / "in" / f"{stem}.png")
    mask = mask_file(tmp_path / "m.png")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.png").write_bytes(b"keep me")
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "out", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK and "1 repaired, 1 skipped, 0 failed" in "\n".join(err), err
    assert (tmp_path / "out" / "a.png").read_bytes() == b"keep me"


def test_a_folder_of_photos_to_an_output_named_like_a_file_is_refused(tmp_path, capsys, monkeypatch):
    photo_file(tmp_path / "in" / "a.png")
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "fixed.png", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "names a file")
    assert not (tmp_path / "fixed.png").exists()
    (tmp_path / "fixed.png").mkdir()  # a folder of that name, made on purpose, is used
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "fixed.png", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK and listing(tmp_path / "fixed.png") == ["a.png"], err


# -- 9. writing over the originals -------------------------------------------------------------


def test_an_output_folder_that_is_the_input_folder_needs_in_place(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "in" / "a.png")
    original = photo.read_bytes()
    mask = mask_file(tmp_path / "m.png")
    same = tmp_path / "in" / ".." / "in"  # another spelling of the same folder
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", same, "--overwrite", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "--in-place")
    assert photo.read_bytes() == original
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", same, "--in-place", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK, err
    assert photo.read_bytes() != original and listing(tmp_path / "in") == ["a.png"]


def test_an_output_file_that_is_the_input_file_needs_in_place(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    original = photo.read_bytes()
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", tmp_path, "--overwrite", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "--in-place")
    assert photo.read_bytes() == original
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", photo, "--in-place", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK, err
    assert photo.read_bytes() != original


def test_an_output_that_would_replace_the_masks_is_refused(tmp_path, capsys, monkeypatch):
    photo_file(tmp_path / "in" / "a.png")
    mask = mask_file(tmp_path / "masks" / "a.png")
    original = mask.read_bytes()
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", tmp_path / "masks", "-o", tmp_path / "masks",
                            "--overwrite", "--model", "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "mask")
    assert mask.read_bytes() == original


@pytest.mark.parametrize("command", ["inpaint", "stylize", "reconstruct"])
def test_the_in_place_flag_is_documented(command, capsys):
    from restorer.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--in-place allow OUTPUT to be INPUT itself" in help_text and "replaces the original" in help_text


# -- 7. the system refuses -------------------------------------------------------------------


def test_a_data_dir_that_is_a_file_is_exit_3_before_training(tmp_path, capsys, monkeypatch):
    args = _train(tmp_path)
    (tmp_path / "data").write_text("not a folder")
    code, err, out = run_cli(args, capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_ENVIRONMENT, str(tmp_path / "data"))
    assert "internal error" not in err[0] and out == ""


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders, so chmod cannot make one here")
def test_a_read_only_output_folder_is_exit_3_with_the_path(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", locked / "out.png", "--model",
                                "opencv-telea"], capsys, monkeypatch, tmp_path)
    finally:
        locked.chmod(0o700)
    one_line(code, err, EXIT_ENVIRONMENT, str(locked))
    assert listing(locked) == []


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_for_one_photo_is_exit_3_naming_the_output(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    monkeypatch.setattr("restorer.files.os.fsync", _disk_full)
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", tmp_path / "out.png", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_ENVIRONMENT, "no space left on the device")
    assert str(tmp_path / "out.png") in err[0]
    assert [p for p in listing(tmp_path) if p.endswith(".part")] == []


def test_a_full_disk_stops_a_folder_keeping_the_photos_done(tmp_path, capsys, monkeypatch):
    import restorer.files

    for stem in ("a", "b", "c"):
        photo_file(tmp_path / "in" / f"{stem}.png")
    mask = mask_file(tmp_path / "m.png")
    real_fsync, calls = restorer.images.os.fsync, []

    def fsync_then_full(fd):
        calls.append(fd)
        if len(calls) > 1:
            _disk_full()
        real_fsync(fd)

    monkeypatch.setattr("restorer.files.os.fsync", fsync_then_full)
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "out", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_ENVIRONMENT, err
    assert "1 repaired" in "\n".join(err) and "no space left on the device" in err[-1], err
    assert str(tmp_path / "out" / "b.png") in err[-1]
    assert len(calls) == 2  # the batch stopped at the full disk instead of failing every photo after it
    assert listing(tmp_path / "out") == ["a.png"]


def test_a_photo_that_fails_in_a_folder_still_exits_1(tmp_path, capsys, monkeypatch):
    photo_file(tmp_path / "in" / "a.png")
    (tmp_path / "in" / "b.png").write_bytes(b"\x89PNG not really")
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "out", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_SOME_FAILED and "1 repaired, 0 skipped, 1 failed" in "\n".join(err), err


def test_a_folder_whose_every_photo_fails_exits_2_and_leaves_no_empty_output_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "in").mkdir()
    for name in ("a.png", "b.png"):
        (tmp_path / "in" / name).write_bytes(b"\x89PNG not really")
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "out", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_USAGE and "0 repaired, 0 skipped, 2 failed" in "\n".join(err), err
    assert not (tmp_path / "out").exists()
    (tmp_path / "kept").mkdir()  # a folder the person made stays, empty or not
    code, err, _ = run_cli(["inpaint", tmp_path / "in", "--mask", mask, "-o", tmp_path / "kept", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_USAGE and (tmp_path / "kept").is_dir(), err


def test_an_output_folder_that_does_not_exist_is_named_as_one(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask_file(tmp_path / "m.png"), "-o", f"{tmp_path / 'new'}/",
                            "--model", "opencv-telea"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_USAGE and err == [f"restorer: error: {tmp_path / 'new'}/: no such folder for the output "
                                          "(create it first, or name a file)"], err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("which", ["input", "output", "mask"])
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(tmp_path, capsys, monkeypatch, which):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    args = {"input": photo, "output": tmp_path / "out.png", "mask": mask}
    args[which] = ""
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    code, err, _ = run_cli(["inpaint", args["input"], "--mask", args["mask"], "-o", args["output"], "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    what = {"input": "INPUT", "output": "OUTPUT", "mask": "--mask"}[which]
    assert code == EXIT_USAGE and len(err) == 1 and f"{what} is empty" in err[0], err
    assert listing(tmp_path) == before


def test_a_folder_that_refuses_the_output_is_exit_3_naming_the_output_not_its_temporary_file(
        tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    out = tmp_path / "out.png"

    def refused(prefix="", suffix="", dir=None):  # what mkstemp says in a read-only folder (works as root too)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.path.join(dir, f"{prefix}abcdefgh{suffix}"))

    monkeypatch.setattr("restorer.files.tempfile.mkstemp", refused)
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", out, "--model", "opencv-telea"], capsys,
                           monkeypatch, tmp_path)
    one_line(code, err, EXIT_ENVIRONMENT, f"restorer: error: {out}: Permission denied (saving the result)")
    code, err, _ = run_cli(["sample", "--model", "dcgan", "-n", "1", "-o", out], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_ENVIRONMENT, f"restorer: error: {out}: Permission denied (saving the result)")


def test_the_readme_table_lists_every_exit_code():
    from pathlib import Path

    import restorer.errors

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    codes = {value for name, value in vars(restorer.errors).items() if name.startswith("EXIT_")}
    rows = {int(line.split("|")[1]) for line in readme.splitlines()
            if line.startswith("  | ") and line.split("|")[1].strip().isdigit()}
    assert rows == codes


# -- options that would be resolved by a guess -----------------------------------------------


def test_a_parameter_set_twice_is_refused_not_the_last_one_taken(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    out = tmp_path / "out.png"
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", out, "--model", "opencv-telea",
                            "--set", "radius=3", "--set", "radius=9"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, "--set radius is given twice ('3' and '9'); give it once")
    assert not out.exists()


@pytest.mark.parametrize("option, key", [(["-n", "2"], "n=3"), (["--seed", "1"], "seed=2")])
def test_sample_refuses_an_option_and_the_same_parameter_by_set(tmp_path, capsys, monkeypatch, option, key):
    out = tmp_path / "grid.png"
    code, err, _ = run_cli(["sample", "--model", "dcgan", *option, "--set", key, "-o", out], capsys, monkeypatch,
                           tmp_path)
    one_line(code, err, EXIT_USAGE, f"{option[0]} and --set {key.split('=')[0]}=... are both given")
    assert not out.exists()


def test_a_photo_with_two_masks_in_the_mask_folder_fails_and_the_others_are_repaired(tmp_path, capsys,
                                                                                       monkeypatch):
    photos, masks, out = tmp_path / "photos", tmp_path / "masks", tmp_path / "out"
    photo_file(photos / "a.png")
    photo_file(photos / "b.png", seed=1)
    mask_file(masks / "a.png")
    mask_file(masks / "a_mask.jpg")
    mask_file(masks / "b.png")
    code, err, _ = run_cli(["inpaint", photos, "--mask", masks, "-o", out, "--model", "opencv-telea"], capsys,
                           monkeypatch, tmp_path)
    assert code == EXIT_SOME_FAILED, err
    assert any(f"failed {photos / 'a.png'}: more than one mask for a in {masks} (a.png, a_mask.jpg); keep one"
               in line for line in err), err
    assert listing(out) == ["b.png"]


def test_an_output_inside_a_file_is_named_as_a_file_not_a_missing_folder(tmp_path, capsys, monkeypatch):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", tmp_path / "a.png" / "x.png", "--model",
                            "opencv-telea"], capsys, monkeypatch, tmp_path)
    one_line(code, err, EXIT_USAGE, f"{tmp_path / 'a.png'}: is a file, not a folder")


@pytest.mark.parametrize("name, warned", [("out.png", True), ("out.tif", True), ("out.jpg", False),
                                          ("out.webp", False)])
def test_quality_for_a_lossless_output_is_a_warning(tmp_path, capsys, monkeypatch, name, warned):
    photo = photo_file(tmp_path / "a.png")
    mask = mask_file(tmp_path / "m.png")
    code, err, _ = run_cli(["inpaint", photo, "--mask", mask, "-o", tmp_path / name, "--model", "opencv-telea",
                            "--quality", "80"], capsys, monkeypatch, tmp_path)
    assert code == EXIT_OK, err
    warnings = [line for line in err if "--quality 80 applies to JPEG and WebP only" in line]
    assert len(warnings) == int(warned), err
    assert (tmp_path / name).exists()


def test_a_message_shown_in_the_window_reads_as_a_sentence_unless_it_starts_with_a_path_or_name():
    from restorer.errors import as_sentence

    assert as_sentence("choose a folder of photos") == "Choose a folder of photos"
    assert as_sentence("photos/a.png: no such file") == "photos/a.png: no such file"
    assert as_sentence("inpaint-gan: the weights are damaged") == "inpaint-gan: the weights are damaged"
    assert as_sentence("a.png is too small") == "a.png is too small"
    assert as_sentence("") == ""
