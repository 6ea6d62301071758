"""The model contract: what a plugin declares and what running a model takes and returns.

A model works on plain numpy arrays and never reads files or touches widgets:

- ``photo``: ``uint8`` array of shape ``(H, W, 3)``, RGB.
- ``mask``: ``bool`` array of shape ``(H, W)``; ``True`` marks pixels to repair.
- the result: ``uint8`` RGB array (same size as ``photo`` for ``inpaint``,
  ``stylize`` and ``reconstruct``; any size for ``sample``).

What each task takes and returns is one row of :mod:`restorer.tasks`. The caller
(:mod:`restorer.pipeline`) composites the result so that pixels
outside the mask are the input's, crops large photos, and validates parameters.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import numpy as np

from restorer.errors import ModelError, plugin_call
from restorer.jobs import Job
from restorer.tasks import TASK_TABLE, Task
from restorer.trainable import check_trainable, is_trainable

ParamKind = Literal["int", "float", "bool", "choice", "str"]
#: Model methods that run plugin code: each subclass's own are run through :func:`~restorer.errors.plugin_call`.
PLUGIN_METHODS = ("run", "weights_status", "refresh_weights", "make_trainer", "check_params", "restore_detail",
                  "fills_scratches_quickly", "fill_scratches", "stroke_params")

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")  # always fullmatch: "$" lets "name\n" through
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Param:
    """A typed model parameter. The GUI builds its control from it, the CLI its ``--set`` parsing."""

    name: str
    kind: ParamKind
    default: Any
    title: str = ""
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME_RE.fullmatch(self.name) or "-" in self.name:
            raise ValueError(f"parameter name {self.name!r} must be lower_snake_case")
        if self.kind not in ("int", "float", "bool", "choice", "str"):
            raise ValueError(f"parameter {self.name!r}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice parameter {self.name!r} needs choices")
        for bound in (self.min, self.max):
            if self.kind in ("int", "float") and bound is not None and not math.isfinite(bound):
                raise ValueError(f"parameter {self.name!r}: bounds must be finite numbers, got {bound!r}")
        if self.kind in ("int", "float") and self.min is not None and self.max is not None:
            if self.min > self.max:
                raise ValueError(f"parameter {self.name!r}: min > max")
        self.validate(self.default)  # a bad default is a plugin bug

    @property
    def label(self) -> str:
        """Human title, derived from the name when none was given."""
        return self.title or self.name.replace("_", " ").capitalize()

    def validate(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ModelError`."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ModelError(f"{self.name} must be true or false, got {value!r}")
        if self.kind in ("int", "float"):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise ModelError(f"{self.name} must be a number, got {value!r}")
            if not math.isfinite(value):
                # NaN passes every range check (all comparisons are false) and turns a photo black
                raise ModelError(f"{self.name} must be a finite number, got {value!r}")
            if self.kind == "int":
                if float(value) != int(value):
                    raise ModelError(f"{self.name} must be a whole number, got {value!r}")
                value = int(value)
            else:
                value = float(value)
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                if self.min is None or self.max is None:
                    limit = f"at least {self.min:g}" if self.max is None else f"at most {self.max:g}"
                got = value if self.kind == "int" else f"{value:g}"  # 100000000, not 1e+08
                if self.min is None or self.max is None:
                    limit = f"at least {self.min:g}" if self.max is None else f"at most {self.max:g}"
                    raise ModelError(f"{self.name} must be {limit}, got {got}")
                raise ModelError(f"{self.name} must be between {self.min:g} and {self.max:g}, got {got}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ModelError(f"{self.name} must be one of {', '.join(self.choices)}; got {value!r}")
            return value
        if not isinstance(value, str):
            raise ModelError(f"{self.name} must be text, got {value!r}")
        return value

    def parse(self, text: str) -> Any:
        """Parse a ``--set`` value given as text and validate it."""
        text = text.strip()
        if self.kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ModelError(f"{self.name} must be true or false, got {text!r}")
        if self.kind in ("int", "float"):
            try:
                number = float(text) if self.kind == "float" else int(text)
            except ValueError:
                kind = "a whole number" if self.kind == "int" else "a number"
                raise ModelError(f"{self.name} must be {kind}, got {text!r}") from None
            return self.validate(number)
        return self.validate(text)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``restorer models --json``)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "default": self.default}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.choices:
            out["choices"] = list(self.choices)
        if self.help:
            out["help"] = self.help
        return out


def int_param(name: str, default: int, min: int, max: int, **kw: Any) -> Param:
    """An integer parameter in ``[min, max]``."""
    return Param(name, "int", default, min=min, max=max, **kw)


def float_param(name: str, default: float, min: float, max: float, **kw: Any) -> Param:
    """A real-valued parameter in ``[min, max]``."""
    return Param(name, "float", float(default), min=min, max=max, **kw)


def bool_param(name: str, default: bool, **kw: Any) -> Param:
    """An on/off parameter."""
    return Param(name, "bool", default, **kw)


def choice_param(name: str, default: str, choices: tuple[str, ...], **kw: Any) -> Param:
    """One of a fixed set of strings."""
    return Param(name, "choice", default, choices=tuple(choices), **kw)


@dataclass
class RunRequest:
    """Everything a model needs for one run. ``params`` are already validated and complete."""

    photo: np.ndarray | None
    mask: np.ndarray | None
    params: Mapping[str, Any]
    device: str = "cpu"


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` run through :func:`~restorer.errors.plugin_call` as ``model NAME``."""
    @functools.wraps(method)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        return plugin_call(f"model {self.name}", method, self, *args, **kwargs)

    guarded.plugin_guarded = True  # type: ignore[attr-defined]
    return guarded


class Model:
    """Base class of every model a plugin registers.

    Subclasses set the class attributes and implement :meth:`run`. The methods that run plugin
    code (:data:`PLUGIN_METHODS`) of every subclass go through :func:`~restorer.errors.plugin_call`
    as the class is made, so a model that calls ``sys.exit`` fails as that model, whoever calls it;
    nothing is changed on an instance once it is made (the registry keeps which plugin registered
    it beside it: :meth:`restorer.registry.Registry.plugin_of`).
    """

    name: str = ""
    #: What the window shows; :attr:`label` falls back on the name when a model gives none.
    title: str = ""
    task: Task = "inpaint"
    description: str = ""
    params: tuple[Param, ...] = ()
    #: Whether a person can fine-tune it; a trainable model implements :class:`restorer.trainable.TrainableModel`
    #: (``make_trainer``, ``weights_family``, and ``folders``: the photo folders it trains on).
    trainable: bool = False
    folders: int = 1
    #: The model of highest priority is the default for its task (e.g. of ``restorer inpaint``).
    default_priority: int = 0
    #: A classical method learned models are measured against: ``restorer bench`` compares every
    #: installed baseline, the first as the reference.
    baseline: bool = False
    #: Settings ``restorer bench`` also measures the model with, beside the ones a person gets: each
    #: a few parameter values (e.g. a repair without its texture stage, to see what the stage adds).
    bench_variants: tuple[Mapping[str, Any], ...] = ()
    #: ``inpaint`` models: the longest side (pixels) a region is filled at. A larger region is filled
    #: reduced to it, enlarged, and given its fine detail back by :meth:`restore_detail` at full size
    #: (:mod:`restorer.resolution`); None fills every region at full size.
    working_size: int | None = None
    #: Whether :meth:`run` needs torch; the commands pick a torch device (importing torch, ~2 s) only then.
    uses_torch: bool = True
    #: The shortest side (pixels) of a photo the model runs on; smaller photos are refused before it runs.
    #: 4 lets the reflection padding of a 7x7 convolution, the widest usual first layer, work; models
    #: that downsample need more.
    min_size: int = 4

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in PLUGIN_METHODS:
            method = cls.__dict__.get(name)
            if inspect.isfunction(method) and not getattr(method, "plugin_guarded", False):
                setattr(cls, name, _guarded(method))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} task={self.task}>"

    @property
    def label(self) -> str:
        """What the window and the commands call the model: its title, or its name when it has none."""
        return self.title or self.name

    def weights_status(self) -> str:
        """Where this model's weights come from, in a few words ("none needed", "starter", ...)."""
        return "none needed"

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Run the model and return a ``uint8`` RGB image. Report progress and honour cancel via ``job``."""
        raise NotImplementedError

    def restore_detail(self, image: np.ndarray, mask: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """Fine detail for an enlarged fill: ``image`` (``uint8`` RGB, the masked pixels a fill enlarged
        from :attr:`working_size`) with detail put back inside ``mask``. Called on bounded tiles; the
        default keeps the enlarged fill as it is."""
        return image

    def fills_scratches_quickly(self, params: Mapping[str, Any]) -> bool:
        """Whether the thin holes (scratches) of a region larger than :attr:`working_size` are filled by
        :meth:`fill_scratches` rather than by :meth:`run` in small tiles: a learned model may offer a
        classical fill there, since a network over a scratched 24-megapixel photo runs over most of
        it. The default: no, :meth:`run` fills them."""
        return False

    def fill_scratches(self, image: np.ndarray, mask: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """The quick fill of thin holes ``mask`` in ``image`` (``uint8`` RGB), called on bounded tiles when
        :meth:`fills_scratches_quickly` says so."""
        raise NotImplementedError

    def stroke_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """The parameter values :meth:`run` gets on the brush strokes of a region larger than
        :attr:`working_size`, which it fills at full size in many small tiles: a model may trade a
        costly refinement there for time. The default: ``params`` as they are."""
        return params

    def check_params(self, values: Mapping[str, Any]) -> None:
        """Raise :class:`ModelError` when resolved ``values`` (each already valid) contradict each other.

        Called once before any photo (by the commands), so a combination the model cannot run
        (e.g. a tile overlap not smaller than the tile) is one error up front, not one per photo.
        No constraint here; models with one override it.
        """

    def refresh_weights(self) -> bool:
        """Re-read stored weights into the parameters; whether they may have changed (none here)."""
        return False

    # -- helpers used by the registry, CLI and GUI -------------------------------------------

    def param(self, name: str) -> Param:
        """The declared parameter called ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ModelError(f"model {self.name} has no parameter {name!r} (its parameters: {known})")

    def defaults(self) -> dict[str, Any]:
        """Every parameter at its default value."""
        return {p.name: p.default for p in self.params}

    def resolve_params(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overridden by ``given`` (already typed), each value validated."""
        values = self.defaults()
        for key, value in (given or {}).items():
            values[key] = self.param(key).validate(value)
        return values

    def parse_settings(self, settings: list[str]) -> dict[str, Any]:
        """Parse CLI ``key=value`` strings into typed, validated values."""
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for item in settings:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ModelError(f"--set expects key=value, got {item!r}")
            if key in given:  # the last one winning silently hides a typo in a long command
                raise ModelError(f"--set {key} is given twice ({given[key]!r} and {text!r}); give it once")
            given[key] = text
            out[key] = self.param(key).parse(text)
        return out

    def check(self) -> None:
        """Raise ``ValueError`` when the declaration itself is broken (a plugin bug)."""
        if not isinstance(self.name, str) or not _NAME_RE.fullmatch(self.name):
            raise ValueError(f"invalid model name {self.name!r}: use lower-case letters, digits, '-', '.', '_'")
        if not isinstance(self.task, str) or self.task not in TASK_TABLE:
            raise ValueError(f"model {self.name}: unknown task {self.task!r} (tasks: {', '.join(TASK_TABLE)})")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"model {self.name}: duplicate parameter names")
        for p in self.params:
            if not isinstance(p, Param):
                raise ValueError(f"model {self.name}: parameter {p!r} is not a Param")
        if isinstance(self.min_size, bool) or not isinstance(self.min_size, int) or self.min_size < 1:
            raise ValueError(f"model {self.name}: min_size must be a whole number of pixels >= 1, "
                             f"got {self.min_size!r}")
        check_trainable(self)
        for variant in self.bench_variants:
            try:
                self.resolve_params(variant)
            except ModelError as exc:
                raise ValueError(f"model {self.name}: bench variant {dict(variant)!r}: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description (``restorer models --json``)."""
        return {
            "name": self.name,
            "title": self.label,
            "task": self.task,
            "trainable": is_trainable(self),
            "weights": self.weights_status(),
            "description": self.description,
            "params": [p.to_json() for p in self.params],
        }
