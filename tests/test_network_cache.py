"""The shared weights helpers every model with weights uses."""

from __future__ import annotations

import os

import torch

from restorer.weights import NetworkCache, save_weights, weights_param, weights_summary


def test_weights_param_lists_user_weights_and_cache_follows_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTORER_DATA_DIR", str(tmp_path))
    family = "no-such-family"
    assert weights_summary(family, "scripts/x.py") == "missing: run scripts/x.py"
    path = save_weights(family, "mine", {"w": torch.ones(2)}, {"config": {}})
    param = weights_param(family)
    assert param.choices == ("mine",) and param.default == "mine"
    assert weights_summary(family, "scripts/x.py") == "mine"

    builds = []

    def build(tensors, meta, where):
        builds.append(where)
        return tensors["w"].sum().item()

    cache = NetworkCache()
    assert cache.get(family, "mine", "cpu", build) == 2.0
    assert cache.get(family, "mine", "cpu", build) == 2.0
    assert len(builds) == 1  # built once
    save_weights(family, "mine", {"w": torch.ones(3)}, {"config": {}}, overwrite=True)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    assert cache.get(family, "mine", "cpu", build) == 3.0  # the file changed: rebuilt
    assert len(builds) == 2
