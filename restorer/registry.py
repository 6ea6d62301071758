"""The model registry: plugins are loaded once through pluggy, each load guarded.

Built-in model families are entry points of the group ``restorer``, declared in
``pyproject.toml`` exactly as a third-party package declares its own. A plugin
that fails to import, raises while registering, or registers a broken or
duplicate model is recorded in :attr:`Registry.failures` with the reason; the
others still load.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Iterable

import pluggy

from restorer import hookspecs
from restorer.errors import ModelError
from restorer.models import Model

GROUP = "restorer"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin (or one of its models) that could not be loaded, and why."""

    plugin: str
    reason: str


@dataclass
class Registry:
    """The loaded models by name, plus what failed to load."""

    models: dict[str, Model] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)

    def get(self, name: str) -> Model:
        """The model called ``name``, or a :class:`ModelError` listing the known names."""
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models)) or "none"
            broken = [f.plugin for f in self.failures]
            hint = f" (plugins that failed to load: {', '.join(broken)})" if broken else ""
            raise ModelError(f"unknown model {name!r}; available: {known}{hint}") from None

    def by_task(self, task: str) -> list[Model]:
        """Models of one task, in registration order."""
        return [m for m in self.models.values() if m.task == task]

    def default_for(self, task: str) -> Model:
        """The default model for ``task``: highest ``default_priority``, then first registered."""
        candidates = self.by_task(task)
        if not candidates:
            raise ModelError(f"no model for the task {task!r} is installed")
        return max(candidates, key=lambda m: m.default_priority)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_registry(plugins: Iterable[object] = (), *, use_entry_points: bool = True) -> Registry:
    """Load plugins and collect their models.

    ``plugins`` are extra plugin objects (modules or instances with hookimpls), used
    by tests; entry points of the group ``restorer`` are loaded unless disabled.
    """
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    named: list[tuple[str, object]] = []

    if use_entry_points:
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            try:
                module = ep.load()
                pm.register(module, name=ep.name)
            except Exception as exc:  # a broken plugin must not stop the others
                registry.failures.append(PluginFailure(ep.name, f"failed to load: {_describe(exc)}"))
                continue
            named.append((ep.name, module))
    for index, plugin in enumerate(plugins):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
        try:
            pm.register(plugin, name=name)
        except Exception as exc:
            registry.failures.append(PluginFailure(name, f"failed to load: {_describe(exc)}"))
            continue
        named.append((name, plugin))

    for name, plugin in named:
        registry.plugins.append(name)
        others = [p for _, p in named if p is not plugin]
        caller = pm.subset_hook_caller("register_models", remove_plugins=others)

        def register(model: Model, _plugin: str = name) -> None:
            _add(registry, model, _plugin)

        try:
            caller(register=register)
        except Exception as exc:
            registry.failures.append(PluginFailure(name, f"raised while registering models: {_describe(exc)}"))
    return registry


def _add(registry: Registry, model: Model, plugin: str) -> None:
    if not isinstance(model, Model):
        registry.failures.append(PluginFailure(plugin, f"registered {model!r}, which is not a restorer Model"))
        return
    try:
        model.check()
    except ValueError as exc:
        registry.failures.append(PluginFailure(plugin, f"bad model: {exc}"))
        return
    existing = registry.models.get(model.name)
    if existing is not None:
        registry.failures.append(PluginFailure(
            plugin,
            f"model name {model.name!r} is already registered by plugin {existing.plugin!r}; this one was skipped",
        ))
        return
    model.plugin = plugin
    registry.models[model.name] = model


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded from entry points on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = load_registry()
        return _registry


def get_model(name: str) -> Model:
    """Shortcut for ``get_registry().get(name)``."""
    return get_registry().get(name)


def _reset_for_tests() -> None:
    global _registry
    with _lock:
        _registry = None


__all__ = ["Registry", "PluginFailure", "load_registry", "get_registry", "get_model", "ModelError"]
