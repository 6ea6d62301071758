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


@pytest.mark.parametrize("name", ["cuda:x", "cuda:", "cpu:0", "mps:1", "cuda:-1"])
def test_a_malformed_device_index_is_a_user_error(name):
    with pytest.raises(InputError, match="unknown device"):
        resolve_device(name)


def test_a_cuda_index_the_machine_lacks_is_a_user_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(InputError, match=r"^no device cuda:2: this machine has 2 CUDA device\(s\), cuda:0 to cuda:1$"):
        resolve_device("cuda:2")


def test_describe_cpu():
    assert describe_device("cpu").startswith("CPU")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert describe_device("cpu") == "CPU (1 thread)"
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("choice, expected", [("0", False), ("1", True), ("", None), ("yes", None)])
def test_cpu_inference_runs_in_bfloat16_where_native_unless_told(monkeypatch, choice, expected):
    from restorer.devices import CPU_BF16_ENV, cpu_has_native_bf16, inference_autocast

    monkeypatch.setenv(CPU_BF16_ENV, choice)
    with inference_autocast("cpu"):
        enabled = torch.is_autocast_enabled("cpu")
        dtype = torch.get_autocast_dtype("cpu")
    assert enabled == (cpu_has_native_bf16() if expected is None else expected)
    if enabled:
        assert dtype == torch.bfloat16
    with inference_autocast("cuda"):  # no CPU autocast for another device
        assert not torch.is_autocast_enabled("cpu")
