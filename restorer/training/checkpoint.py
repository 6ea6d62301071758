"""Training checkpoints: one safetensors file holding everything needed to resume exactly.

Layout of the tensors::

    module/<module name>/<state_dict key>      weights of every trained module
    optim/<optimizer name>/<param index>/<key> optimizer state tensors (Adam moments, step)
    rng/torch, rng/cuda                        torch's CPU (and CUDA) random generator state

and of the string metadata (JSON values): ``format``, ``step``, ``trainer``
(the trainer's architecture config, checked on resume), ``optim`` (param groups
and non-tensor optimizer state), ``scalers`` (AMP gradient scalers),
``data_rng`` (the numpy generator that draws crops and masks), ``extra``.
Nothing is unpickled. Files are written atomically, so a crash or a cancel
leaves the previous checkpoint intact; the temporary file a killed writer leaves
behind is removed when the run starts or resumes (:func:`remove_stale_parts`).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from restorer.errors import EnvironmentProblem, InputError
from restorer.files import atomic_write

FORMAT = "restorer-checkpoint/1"

#: When this process started writing, as far as :func:`remove_stale_parts` is concerned: this module is
#: imported before any training file is written, so a temporary file older than this is no writer's now.
PROCESS_START = time.time()
#: The random part :func:`restorer.files.atomic_write` gives its temporary file ``.NAME.XXXXXXXX.part``
#: (``tempfile.mkstemp``: eight of these characters).
_PART_RANDOM = "[a-z0-9_]{8}"


@dataclass
class Checkpoint:
    """A loaded checkpoint, before it is applied to a trainer."""

    step: int
    tensors: dict[str, Any]
    metadata: dict[str, Any]


def _optimizer_to_flat(name: str, optimizer) -> tuple[dict[str, Any], dict[str, Any]]:
    import torch

    state = optimizer.state_dict()
    tensors: dict[str, Any] = {}
    plain: dict[str, dict[str, Any]] = {}
    for index, entry in state["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim/{name}/{index}/{key}"] = value.detach().cpu().contiguous().clone()
            else:
                plain.setdefault(str(index), {})[key] = value
    return tensors, {"param_groups": state["param_groups"], "plain": plain}


def _optimizer_from_flat(name: str, optimizer, tensors: dict[str, Any], meta: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim/{name}/"
    for key, value in tensors.items():
        if key.startswith(prefix):
            index, _, field_name = key[len(prefix):].partition("/")
            state.setdefault(int(index), {})[field_name] = value
    for index, entry in meta["plain"].items():
        state.setdefault(int(index), {}).update(entry)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(path: str | Path, trainer, step: int, data_rng: np.random.Generator,
                    extra: dict[str, Any] | None = None) -> None:
    """Write ``trainer``'s full state at ``step`` to ``path`` atomically."""
    import torch
    from safetensors.torch import save

    tensors: dict[str, Any] = {}
    for name, module in trainer.modules.items():
        for key, value in module.state_dict().items():
            tensors[f"module/{name}/{key}"] = value.detach().cpu().contiguous().clone()
    optim_meta = {}
    for name, optimizer in trainer.optimizers.items():
        flat, meta = _optimizer_to_flat(name, optimizer)
        tensors.update(flat)
        optim_meta[name] = meta
    tensors["rng/torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and str(trainer.device).startswith("cuda"):
        tensors["rng/cuda"] = torch.cuda.get_rng_state(torch.device(trainer.device))
    metadata = {
        "format": FORMAT,
        "step": str(int(step)),
        "trainer": json.dumps(trainer.config()),
        "optim": json.dumps(optim_meta),
        "scalers": json.dumps({k: s.state_dict() for k, s in trainer.scalers.items()}),
        "data_rng": json.dumps(data_rng.bit_generator.state),
        "extra": json.dumps(extra or {}),
    }
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, save(tensors, metadata), overwrite=True)
    except OSError as exc:  # a full disk names no file: say which, and that the last one is kept
        named = OSError(exc.errno, exc.strerror or str(exc), str(path)) if exc.errno else exc
        kept = "the previous checkpoint is kept" if path.exists() else "no checkpoint was written"
        raise EnvironmentProblem.from_os_error(named, f"writing the checkpoint; {kept}") from exc


def remove_stale_parts(folder: str | Path, names: Iterable[str], *, before: float = PROCESS_START) -> list[Path]:
    """Remove the temporary files that writes of ``names`` in ``folder`` left behind, when killed mid-write.

    Only :func:`restorer.files.atomic_write`'s own (``.NAME.XXXXXXXX.part``, exactly) and only those last
    written before ``before`` (this process's start): a write under way in another process is left alone.
    Returns the files removed; one that cannot be removed stays (the next start tries again).
    """
    folder = Path(folder)
    patterns = [re.compile(re.escape(f".{name}.") + _PART_RANDOM + re.escape(".part")) for name in names]
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no folder yet (a new run), or one we cannot list: nothing of ours to remove
        return removed
    for entry in entries:
        if not any(p.fullmatch(entry.name) for p in patterns):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < before:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint file; a missing or foreign file raises :class:`InputError`."""
    from safetensors import safe_open

    from restorer.errors import ModelError
    from restorer.weights import check_file

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no checkpoint to resume from")
    try:
        check_file(path)  # a FIFO or a link to /dev/zero would hang the read
    except ModelError as exc:
        raise InputError(str(exc).replace("weights file", "checkpoint").replace("weights", "a checkpoint")) from None
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as exc:
        raise InputError(f"{path}: not a readable checkpoint ({type(exc).__name__})") from None
    if metadata.get("format") != FORMAT:
        raise InputError(f"{path}: not a Restorer training checkpoint")
    decoded = {key: json.loads(value) for key, value in metadata.items() if key not in ("format", "step")}
    return Checkpoint(int(metadata["step"]), tensors, decoded)


def apply_checkpoint(checkpoint: Checkpoint, trainer, data_rng: np.random.Generator) -> None:
    """Restore modules, optimizers, scalers and random generators from ``checkpoint``.

    Raises :class:`InputError` when the checkpoint was made by a different architecture.
    """
    import torch

    if not trainer.accepts(checkpoint.metadata["trainer"]):
        raise InputError("the checkpoint was trained with a different model configuration; "
                         "start a new run with another --name")
    for name, module in trainer.modules.items():
        prefix = f"module/{name}/"
        state = {k[len(prefix):]: v for k, v in checkpoint.tensors.items() if k.startswith(prefix)}
        module.load_state_dict(state)
    for name, optimizer in trainer.optimizers.items():
        _optimizer_from_flat(name, optimizer, checkpoint.tensors, checkpoint.metadata["optim"][name])
    for name, scaler in trainer.scalers.items():
        if name in checkpoint.metadata["scalers"]:
            scaler.load_state_dict(checkpoint.metadata["scalers"][name])
    torch.set_rng_state(checkpoint.tensors["rng/torch"])
    if "rng/cuda" in checkpoint.tensors and torch.cuda.is_available() and str(trainer.device).startswith("cuda"):
        torch.cuda.set_rng_state(checkpoint.tensors["rng/cuda"], torch.device(trainer.device))
    data_rng.bit_generator.state = checkpoint.metadata["data_rng"]
