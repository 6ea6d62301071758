"""``restorer train`` parity with the panel: progress with loss, images/s and ETA; Ctrl+C saves a checkpoint and
exits 130 with one line; ``--resume`` continues; ``torchrun`` trains data-parallel and only rank 0 writes."""

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

pytestmark = pytest.mark.slow  # each test starts Python + torch processes (10-40 s on 2 shared cores)


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
