"""The weights store: starter weights shipped in ``resources/weights/`` and the person's own, fine-tuned weights.

User weights live in the user data directory (``platformdirs``; override with
the ``RESTORER_DATA_DIR`` environment variable, as tests do)::

    <data dir>/weights/<model name>/<weights name>.safetensors
    <data dir>/runs/<model name>/<weights name>/checkpoint.safetensors   (training state, for --resume)

A weights file is plain safetensors; its metadata has one key, ``restorer``,
holding a JSON object, the same schema for every family:

- ``model``, ``name``: the family and the weights' name (:func:`save_weights` adds them);
- ``config``: the architecture config the network is built from (:data:`CONFIG_KEY`,
  read with :func:`restorer.networks.architecture`); ``train``: the training settings (:data:`TRAIN_KEY`);
- what a run adds (:func:`restorer.training.train_model`): ``base``, ``data``, ``photos``,
  ``holdout``, ``skipped_files``, ``steps``, ``options``, ``seconds``, ``date``, ``device``;
  a starter's ``provenance``; and a family's own extras (CycleGAN: ``a_name``, ``b_name``).

Weights written before the schema was shared named the config after the network
(inpaint-gan ``generator``, damage-detector ``detector``) and inpaint-gan's training
settings ``trainer``; they are read as they are (the shipped starters among them).
Nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from restorer.errors import InputError, ModelError
from restorer.files import atomic_write
from restorer.models import Model, Param, choice_param
from restorer.resources import starter_weights_path

#: The name that always means the weights shipped with Restorer.
STARTER = "starter"
#: The metadata keys of every family's architecture config and training settings (see the module).
CONFIG_KEY = "config"
TRAIN_KEY = "train"
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # always fullmatch: "$" lets "name\n" through
#: Far above any network Restorer builds (the starters are a few MB); a larger file is not opened.
MAX_WEIGHTS_BYTES = 2 * 1024 ** 3
#: A safetensors file starts with an 8-byte header length and a JSON header of at least ``{}``.
MIN_WEIGHTS_BYTES = 10


def data_dir() -> Path:
    """Restorer's user data directory (``RESTORER_DATA_DIR`` overrides the platform default)."""
    override = os.environ.get("RESTORER_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("restorer", appauthor=False))


#: What ``restorer train --from`` takes for "no weights": a new network's random ones.
SCRATCH = "scratch"


def check_name(name: str) -> str:
    """Validate a user-chosen weights name (letters, digits, '.', '_', '-'; not ``starter`` or ``scratch``)."""
    if not _NAME_RE.fullmatch(name or "") or name.endswith(".safetensors"):
        raise InputError(f"invalid weights name {name!r}: use letters, digits, '.', '_' or '-' (up to 64)")
    if name == STARTER:
        raise InputError(f"the name {STARTER!r} is reserved for the shipped weights; choose another name")
    if name == SCRATCH:
        raise InputError(f"the name {SCRATCH!r} is reserved (training --from {SCRATCH} starts from random weights); "
                         "choose another name")
    return name


def weights_path(model: str, name: str) -> Path:
    """Where the user weights ``name`` of ``model`` are (or would be) stored."""
    return data_dir() / "weights" / model / f"{check_name(name)}.safetensors"


def run_dir(model: str, name: str) -> Path:
    """The folder holding the training checkpoint of run ``name`` of ``model``."""
    return data_dir() / "runs" / model / check_name(name)


@dataclass(frozen=True)
class WeightsInfo:
    """One set of weights a model can use."""

    model: str
    name: str
    path: Path
    metadata: dict[str, Any]

    @property
    def starter(self) -> bool:
        """Whether these are the weights shipped with Restorer."""
        return self.name == STARTER


def check_file(path: str | os.PathLike) -> None:
    """Raise :class:`ModelError` unless ``path`` (symlinks resolved) is a regular file of a plausible size.

    Checked before a weights file is opened: opening a FIFO or a device such as
    ``/dev/zero`` would block or never end.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the weights file ({exc.strerror or type(exc).__name__})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{path}: not a regular file, so not weights; remove or rename it")
    if info.st_size < MIN_WEIGHTS_BYTES:
        raise ModelError(f"{path}: too small ({info.st_size} bytes) to be a weights file")
    if info.st_size > MAX_WEIGHTS_BYTES:
        raise ModelError(f"{path}: too large ({info.st_size / 1024 ** 3:.1f} GB) to be weights for Restorer "
                         f"(at most {MAX_WEIGHTS_BYTES // 1024 ** 3} GB)")


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``restorer`` JSON metadata of a weights file (``{}`` when it has none); :class:`ModelError` if unusable."""
    from safetensors import safe_open

    check_file(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            raw = (handle.metadata() or {}).get("restorer")
    except Exception as exc:
        raise ModelError(f"{path}: unreadable weights file ({type(exc).__name__})") from None
    if not raw:
        return {}
    try:
        metadata = json.loads(raw)
    except ValueError:
        raise ModelError(f"{path}: the weights' metadata is not valid JSON") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"{path}: the weights' metadata is not a JSON object")
    return metadata


def save_weights(model: str, name: str, tensors: dict[str, Any], metadata: dict[str, Any], *,
                 overwrite: bool = False, path: str | os.PathLike | None = None) -> Path:
    """Store ``tensors`` with ``metadata`` as user weights ``name`` of ``model`` (or at ``path``); atomic."""
    from safetensors.torch import save

    target = Path(path) if path is not None else weights_path(model, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    blob = save(clean, {"restorer": json.dumps({"model": model, "name": name, **metadata})})
    atomic_write(target, blob, overwrite=overwrite)
    os.chmod(target, 0o644)  # the temporary file it was renamed from is private; weights are not
    return target


def _own_metadata(model: str, path: Path) -> dict[str, Any]:
    """The metadata of a file in ``model``'s weights folder; :class:`ModelError` where it is unusable or
    says it holds another model's weights (a file copied into the wrong folder)."""
    metadata = read_metadata(path)
    owner = metadata.get("model")
    if isinstance(owner, str) and owner != model:
        raise ModelError(f"{path}: these are weights of {owner}, not of {model} "
                         f"(move the file to {path.parent.parent / owner})")
    return metadata


def find_weights(model: str, name: str = STARTER) -> WeightsInfo:
    """The weights ``name`` of ``model`` (``starter`` = the shipped file); :class:`ModelError` if missing."""
    if name == STARTER:
        path = starter_weights_path(model)
        if not path.exists():
            raise ModelError(f"the starter weights of {model} are missing ({path}); "
                             f"rebuild them with scripts/ or train your own with 'restorer train {model}'")
    else:
        path = weights_path(model, name)
        if not path.exists() and not path.is_symlink():  # anything else there is named by read_metadata
            known = ", ".join(w.name for w in list_weights(model)) or "none"
            raise ModelError(f"no weights named {name!r} for {model} (available: {known})")
    return WeightsInfo(model, name, path, read_metadata(path) if name == STARTER else _own_metadata(model, path))


def load_weights(model: str, name: str = STARTER) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tensors and metadata of weights ``name`` of ``model``; :class:`ModelError` if any value is NaN or inf."""
    info = find_weights(model, name)
    tensors = _read_tensors(info.path)
    _check_finite(tensors, info.path)
    return tensors, info.metadata


def _read_tensors(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    check_file(path)
    try:
        return load_file(str(path))
    except Exception as exc:
        raise ModelError(f"{path}: unreadable weights file ({type(exc).__name__})") from None


def _check_finite(tensors: Mapping[str, Any], path: Path) -> None:
    """Once per load: a NaN or infinite weight would turn every result black, silently."""
    import torch

    for key, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelError(f"{path}: the weights are damaged ({key} holds values that are not finite: NaN or "
                             f"inf); retrain them or choose other weights")


def _scan_weights(model: str) -> tuple[list[WeightsInfo], list[tuple[Path, str]]]:
    """The usable weights of ``model`` and the unusable files of its folder, each with the reason."""
    usable: list[WeightsInfo] = []
    unusable: list[tuple[Path, str]] = []
    starter = starter_weights_path(model)
    if starter.is_file():
        usable.append(WeightsInfo(model, STARTER, starter, {}))
    folder = data_dir() / "weights" / model
    if folder.is_dir():
        for path in sorted(folder.glob("*.safetensors")):
            if _NAME_RE.fullmatch(path.stem) and path.stem != STARTER:
                try:
                    usable.append(WeightsInfo(model, path.stem, path, _own_metadata(model, path)))
                except ModelError as exc:
                    unusable.append((path, str(exc).removeprefix(f"{path}: ")))
    return usable, unusable


def list_weights(model: str) -> list[WeightsInfo]:
    """Every usable weights set of ``model``: the starter (if shipped) first, then the user's, by name.

    A file that cannot be used is left out; :func:`unreadable_weights` says which and why.
    """
    return _scan_weights(model)[0]


def unreadable_weights(model: str) -> list[tuple[Path, str]]:
    """The files in the user weights folder of ``model`` that :func:`list_weights` leaves out, with the reason."""
    return _scan_weights(model)[1]


def rename_weights(model: str, name: str, new_name: str) -> Path:
    """Rename the user weights ``name`` of ``model`` (and its training run folder) to ``new_name``."""
    if name == STARTER:
        raise InputError("the starter weights cannot be renamed")
    source = find_weights(model, name)
    target = weights_path(model, new_name)
    if target.exists() or run_dir(model, new_name).exists():
        raise InputError(f"weights named {new_name!r} for {model} already exist; choose another name")
    tensors, metadata = _read_tensors(source.path), source.metadata  # damaged values move with the file
    save_weights(model, new_name, tensors, {k: v for k, v in metadata.items() if k not in ("model", "name")})
    source.path.unlink()
    if run_dir(model, name).is_dir():
        run_dir(model, name).rename(run_dir(model, new_name))
    return target


def delete_weights(model: str, name: str) -> None:
    """Delete the user weights ``name`` of ``model`` and its training run folder (checkpoint)."""
    import shutil

    if name == STARTER:
        raise InputError("the starter weights cannot be deleted")
    path, run = weights_path(model, name), run_dir(model, name)
    if not path.exists() and not run.exists():
        raise ModelError(f"no weights named {name!r} for {model}")
    path.unlink(missing_ok=True)
    if run.is_dir():
        shutil.rmtree(run)


def weights_param(model: str) -> Param:
    """The ``weights`` choice every model with weights declares: ``starter`` and the person's own."""
    names = tuple(w.name for w in list_weights(model)) or (STARTER,)
    default = STARTER if STARTER in names else names[0]
    return choice_param("weights", default, names, help="starter weights or weights you trained")


def weights_summary(model: str, script: str) -> str:
    """A model's ``weights_status``: the names of its weights, or how to rebuild the missing starter."""
    names = [w.name for w in list_weights(model)]
    return ", ".join(names) if names else f"missing: run {script}"


class NetworkCache:
    """Networks built from one weights file, kept until another file or device is asked for or the file changes.

    ``build(tensors, metadata, path)`` makes the networks (already on ``device``); thread-safe.
    Models of one family that run the same networks share one cache (the family's ``load``
    module holds it), so the networks are loaded once for all of them.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._value: Any = None

    def get(self, model: str, name: str, device: str, build) -> Any:
        """The networks for weights ``name`` of ``model`` on ``device``, built once per file version."""
        info = find_weights(model, name)
        key = (str(info.path), device, info.path.stat().st_mtime_ns)
        with self._lock:
            if self._key != key:
                tensors, metadata = load_weights(model, name)
                self._value = build(tensors, metadata, str(info.path))
                self._key = key
            return self._value


class WeightsModel(Model):
    """A model whose networks come from stored weights: the shipped starter file or the person's own.

    Subclasses set ``family`` (the weights several models may share; default: the model's
    name), ``starter_script`` and ``own_params`` (the parameters after ``weights``), and load
    their networks with :meth:`load_networks`.
    """

    family: str = ""
    starter_script: str = ""
    own_params: tuple[Param, ...] = ()

    def __init__(self) -> None:
        self._cache = NetworkCache()
        self.refresh_weights()

    @property
    def weights_family(self) -> str:
        """The family whose weights this model uses."""
        return self.family or self.name

    @property
    def params(self) -> tuple[Param, ...]:  # type: ignore[override]
        """``weights`` (the stored weights as last read: :meth:`refresh_weights`), then ``own_params``."""
        return (self._weights, *self.own_params)

    def refresh_weights(self) -> bool:
        """Re-read the weights store, so weights trained, renamed or deleted since appear in ``weights``."""
        self._weights = weights_param(self.weights_family)
        return True

    def parse_settings(self, settings: list[str]) -> dict[str, Any]:
        """As :meth:`Model.parse_settings`; ``weights=NAME`` whose file is there but unusable says why
        (a damaged or foreign file), not only which names there are."""
        for item in settings:
            key, _, name = item.partition("=")
            if key.strip() == "weights" and name not in self._weights.choices:
                for path, reason in unreadable_weights(self.weights_family):
                    if path.stem == name:
                        raise ModelError(f"weights {name!r} of {self.name} cannot be used: {reason}")
        return super().parse_settings(settings)

    def weights_status(self) -> str:
        """``starter`` plus the names of the person's trained weights, or how to rebuild the missing starter."""
        return weights_summary(self.weights_family, self.starter_script)

    def load_networks(self, name: str, device: str, build) -> Any:
        """The networks of weights ``name`` on ``device`` (``build(tensors, metadata, path)``), built once."""
        return self._cache.get(self.weights_family, name, device, build)
