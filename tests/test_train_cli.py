"""``restorer train`` parity with the panel: progress with loss, images/s and ETA; Ctrl+C saves a checkpoint and
exits 130 with one line; ``--resume`` continues; ``torchrun`` trains data-parallel and only rank 0 writes;
``--holdout N`` prints the comparison on the photos left out of training, and bad values are one line, exit 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from restorer.training import load_checkpoint
from tests.conftest import run_cli

#: Tests that start Python + torch processes (10-40 s each on 2 shared cores); the refusals run in-process.
slow = pytest.mark.slow


def _photos(root, count=4):
    rng = np.random.default_rng(3)
    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        Image.fromarray(rng.integers(0, 256, (40, 52, 3), dtype=np.uint8)).save(root / f"p{index}.png")
    return root


def _env(tmp_path):
    return {**os.environ, "RESTORER_DATA_DIR": str(tmp_path / "data"), "OMP_NUM_THREADS": "1"}


def _common(photos, name):
    return ["train", "inpaint-gan", "--data", str(photos), "--name", name, "--batch-size", "1", "--crop", "32",
            "--from", "scratch", "--device", "cpu"]


def _checkpoint(tmp_path, name):
    return tmp_path / "data" / "runs" / "inpaint-gan" / name / "checkpoint.safetensors"


@slow
def test_ctrl_c_saves_a_checkpoint_exits_130_in_one_line_and_resume_continues(tmp_path):
    photos = _photos(tmp_path / "photos")
    args = [sys.executable, "-m", "restorer", *_common(photos, "stopped"), "--steps", "100000",
            "--checkpoint-every", "100000"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    first = process.stderr.readline()  # logs (not a terminal): a line at step 1, then every 10 %
    assert first.startswith("step 1/100000") and "images/s" in first and "ETA" in first and "l1" in first, first
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("restorer: stopped at step ") and "--resume" in lines[0], err
    step = int(lines[0].split("step ")[1].split(",")[0])
    assert step >= 1 and load_checkpoint(_checkpoint(tmp_path, "stopped")).step == step
    assert out == ""

    resumed = subprocess.run([sys.executable, "-m", "restorer", *_common(photos, "stopped"), "--steps",
                              str(step + 2), "--resume"], capture_output=True, text=True, env=_env(tmp_path),
                             timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert f"for {step + 2} steps" in resumed.stdout
    assert load_checkpoint(_checkpoint(tmp_path, "stopped")).step == step + 2


@slow
def test_torchrun_trains_on_two_processes_and_the_run_resumes_in_one(tmp_path):
    photos = _photos(tmp_path / "photos")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                "-m", "restorer"]
    done = subprocess.run([*torchrun, *_common(photos, "ddp"), "--steps", "3"], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained inpaint-gan for 3 steps") == 1, done.stdout  # rank 0 alone reports
    assert load_checkpoint(_checkpoint(tmp_path, "ddp")).step == 3
    weights = list((tmp_path / "data" / "weights" / "inpaint-gan").glob("*.safetensors"))
    assert [w.name for w in weights] == ["ddp.safetensors"]

    resumed = subprocess.run([sys.executable, "-m", "restorer", *_common(photos, "ddp"), "--steps", "5", "--resume"],
                             capture_output=True, text=True, env=_env(tmp_path), timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert "for 5 steps" in resumed.stdout and load_checkpoint(_checkpoint(tmp_path, "ddp")).step == 5


@slow
def test_holdout_prints_how_the_new_weights_did_on_the_photos_left_out(tmp_path):
    import re

    from restorer.weights import read_metadata

    photos = _photos(tmp_path / "photos", count=6)
    done = subprocess.run([sys.executable, "-m", "restorer", *_common(photos, "held"), "--from", "starter",
                           "--steps", "2", "--holdout", "2"], capture_output=True, text=True, env=_env(tmp_path),
                          timeout=240)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("trained inpaint-gan for 2 steps")
    assert re.fullmatch(r"On 2 of your photos left out of training: held \d+\.\d\d dB, starter \d+\.\d\d dB "
                        r"\([+\u2212]\d+\.\d\d dB\): "
                        r"(training helped|training did not help|no clear difference \(under 0\.1 dB\))",
                        lines[-1]), done.stdout
    meta = read_metadata(tmp_path / "data" / "weights" / "inpaint-gan" / "held.safetensors")
    assert len(meta["holdout"]) == 2 and meta["photos"] == [4] and meta["options"]["holdout"] == 2


_main = run_cli


@pytest.mark.parametrize("value, says", [("-1", "--holdout must be from 0 to 50 photos, got -1"),
                                         ("51", "--holdout must be from 0 to 50 photos, got 51"),
                                         ("two", "argument --holdout: invalid int value: 'two'")])
def test_bad_holdout_values_exit_2_with_one_line(tmp_path, capsys, monkeypatch, value, says):
    photos = _photos(tmp_path / "photos", count=6)
    code, err, out = _main([*_common(photos, "bad"), "--holdout", value], capsys, monkeypatch, tmp_path)
    assert code == 2 and len(err) == 1 and says in err[0] and out == "", err
    assert not (tmp_path / "data" / "runs").exists()  # refused before anything started


def test_holdout_is_refused_for_models_that_do_not_inpaint(tmp_path, capsys, monkeypatch):
    photos = _photos(tmp_path / "photos", count=6)
    code, err, _out = _main(["train", "dcgan", "--data", photos, "--name", "faces", "--holdout", "2"], capsys,
                            monkeypatch, tmp_path)
    assert code == 2 and err == ["restorer: error: --holdout measures inpainting models; dcgan is a sample model"]


@pytest.mark.parametrize("case", ["holdout too big", "no interrupted run", "bad --from", "no photos", "scratch"])
def test_refused_runs_leave_no_run_folder(tmp_path, capsys, monkeypatch, case):
    photos = _photos(tmp_path / "photos", count=4)
    (tmp_path / "empty").mkdir()
    args = {"holdout too big": [*_common(photos, "h"), "--holdout", "2"],  # 2 + 3 photos needed, 4 there
            "no interrupted run": [*_common(photos, "never"), "--resume"],
            "bad --from": ["train", "inpaint-gan", "--data", str(photos), "--name", "b", "--from", "nothing-like-it",
                           "--crop", "32"],
            "no photos": [*_common(tmp_path / "empty", "e")],
            "scratch": ["train", "inpaint-gan", "--data", str(photos), "--name", "scratch", "--crop", "32"]}[case]
    says = {"holdout too big": "--holdout 2 needs at least 5 photos", "no interrupted run":
            "no interrupted run named 'never'", "bad --from": "nothing-like-it", "no photos": "empty",
            "scratch": "reserved"}[case]
    code, err, out = _main([*args, "--steps", "2"], capsys, monkeypatch, tmp_path)
    assert code == 2 and len(err) == 1 and says in err[0] and out == "", err
    assert not (tmp_path / "data" / "runs").exists()  # refused before anything was made


def test_existing_weights_without_a_run_are_not_offered_a_resume(tmp_path, capsys, monkeypatch):
    weights = tmp_path / "data" / "weights" / "inpaint-gan" / "done.safetensors"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"finished earlier")
    code, err, _ = _main([*_common(_photos(tmp_path / "photos"), "done"), "--steps", "2"], capsys, monkeypatch,
                         tmp_path)
    assert code == 2 and "--overwrite" in err[0] and "--resume" not in err[0], err
    code, err, _ = _main([*_common(_photos(tmp_path / "photos"), "done"), "--steps", "2", "--resume"], capsys,
                         monkeypatch, tmp_path)
    assert code == 2 and "nothing to continue" in err[0], err


def test_photos_smaller_than_the_crop_are_named_in_a_warning_before_training(tmp_path, capsys, monkeypatch):
    photos = _photos(tmp_path / "photos", count=3)  # 40x52
    args = ["train", "inpaint-gan", "--data", str(photos), "--name", "small", "--batch-size", "1", "--crop", "48",
            "--from", "scratch", "--device", "cpu", "--steps", "1"]
    code, err, out = _main(args, capsys, monkeypatch, tmp_path)
    assert code == 0, err
    assert err[0] == ("restorer: warning: photos: 3 of 3 photo(s) are smaller than the 48-pixel crop; "
                      "they will be enlarged (blurrier training crops)."), err
    assert out.startswith("trained inpaint-gan for 1 steps")
    args[args.index("small")], args[args.index("48")] = "quiet", "32"
    code, err, _out = _main(args, capsys, monkeypatch, tmp_path)
    assert code == 0 and not any("warning" in line for line in err), err


def test_a_finished_run_is_not_called_interrupted_and_resumes_only_for_more_steps(tmp_path, capsys, monkeypatch):
    photos = _photos(tmp_path / "photos")
    code, err, _ = _main([*_common(photos, "done"), "--steps", "2"], capsys, monkeypatch, tmp_path)
    assert code == 0, err
    weights = tmp_path / "data" / "weights" / "inpaint-gan" / "done.safetensors"
    stored = weights.read_bytes()
    code, err, _ = _main([*_common(photos, "done"), "--steps", "2"], capsys, monkeypatch, tmp_path)
    assert code == 2 and len(err) == 1 and "interrupted" not in err[0], err
    assert "already exist; use --overwrite" in err[0] and "--resume with more than 2 --steps" in err[0], err
    code, err, _ = _main([*_common(photos, "done"), "--steps", "2", "--resume"], capsys, monkeypatch, tmp_path)
    assert code == 2 and "finished at step 2: nothing to continue" in err[0], err
    assert weights.read_bytes() == stored  # a refused resume does not export again
    code, err, _ = _main([*_common(photos, "done"), "--steps", "3", "--resume"], capsys, monkeypatch, tmp_path)
    assert code == 0 and load_checkpoint(_checkpoint(tmp_path, "done")).step == 3, err
    from restorer.training.stored_runs import RunRecord

    record = RunRecord.load(_checkpoint(tmp_path, "done").parent / "run.json")
    assert record.options.steps == 3 and record.finished()


def test_a_run_stopped_before_its_steps_is_still_called_interrupted(tmp_path, capsys, monkeypatch):
    photos = _photos(tmp_path / "photos")
    code, err, _ = _main([*_common(photos, "cut"), "--steps", "2"], capsys, monkeypatch, tmp_path)
    assert code == 0, err
    (tmp_path / "data" / "weights" / "inpaint-gan" / "cut.safetensors").unlink()  # as if the export never came
    code, err, _ = _main([*_common(photos, "cut"), "--steps", "2"], capsys, monkeypatch, tmp_path)
    assert code == 2 and "an interrupted run named 'cut'" in err[0], err
