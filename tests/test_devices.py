"""Device choice: auto, explicit, and the CPU fallback."""

from __future__ import annotations

import pytest
import torch

from restorer.devices import describe_device, resolve_device
from restorer.errors import InputError


def test_auto_picks_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_auto_falls_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"


def test_missing_cuda_warns_and_uses_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(RuntimeWarning, match="CUDA"):
        assert resolve_device("cuda:1") == "cpu"


def test_unknown_device_is_a_user_error():
    with pytest.raises(InputError, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_describe_cpu():
    assert describe_device("cpu").startswith("CPU")
