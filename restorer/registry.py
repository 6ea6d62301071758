"""The model registry: plugins are loaded once through pluggy, each load guarded.

Built-in model families are entry points of the group ``restorer``, declared in
``pyproject.toml`` exactly as a third-party package declares its own. A plugin
that fails to import, raises (or calls ``sys.exit``) while registering, declares
a hook Restorer does not know, or registers a broken or duplicate model is
recorded in :attr:`Registry.failures` with the reason; the others still load.
Built-in plugins (the entry points of Restorer's own distribution) load first, so
they win every clash of plugin or model names with a third party.

Every call into plugin code goes through :func:`~restorer.errors.plugin_call`: the
registry's calls here, and the methods of every model (:data:`~restorer.models.PLUGIN_METHODS`,
wrapped by :class:`~restorer.models.Model` when a plugin defines its class), so a model
that calls ``sys.exit`` while running fails as that model, whoever runs it. A registered
model is not changed: which plugin registered it is kept beside it (:meth:`Registry.plugin_of`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Callable, Iterable

import pluggy

from restorer import hookspecs
from restorer.errors import ModelError, describe_error, plugin_call
from restorer.models import Model

GROUP = "restorer"
#: The distribution whose entry points are the built-in plugins.
BUILTIN_DISTRIBUTION = "restorer"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin (or one of its models) that could not be loaded, and why; ``source``: where it comes from."""

    plugin: str
    reason: str
    source: str = ""


@dataclass
class Registry:
    """The loaded models by name, plus what failed to load and where each plugin comes from."""

    models: dict[str, Model] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)
    #: plugin name -> where it comes from: ``distribution version (module)``, or the module of a passed object.
    sources: dict[str, str] = field(default_factory=dict)
    #: model name -> the name of the plugin that registered it.
    model_plugins: dict[str, str] = field(default_factory=dict)

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

    def plugin_of(self, model: str) -> str:
        """The name of the plugin that registered the model called ``model`` (``""`` when none did)."""
        return self.model_plugins.get(model, "")

    def source_of(self, plugin: str) -> str:
        """Where the plugin called ``plugin`` comes from (``""`` when unknown)."""
        return self.sources.get(plugin, "")

    def fail(self, plugin: str, reason: str) -> None:
        """Record that ``plugin`` (or one of its models) could not be loaded."""
        self.failures.append(PluginFailure(plugin, reason, self.source_of(plugin)))


def _is_builtin(ep: EntryPoint) -> bool:
    dist = getattr(ep, "dist", None)
    return dist is not None and (dist.name or "").lower() == BUILTIN_DISTRIBUTION


def _entry_point_source(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    where = f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"
    return f"{where} ({ep.module})"


def _object_source(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__module__


def _entry_points() -> list[EntryPoint]:
    """The plugins' entry points: the built-in ones first, then the others, each by name."""
    found = sorted(entry_points(group=GROUP), key=lambda e: e.name)
    return [e for e in found if _is_builtin(e)] + [e for e in found if not _is_builtin(e)]


def _register(pm: pluggy.PluginManager, registry: Registry, name: str, load: Callable[[], object],
              source: str) -> object | None:
    """Load one plugin with ``load()`` and register it as ``name``; ``None`` (and a failure) if that fails."""
    if name in registry.sources:  # a built-in, loaded first, keeps its name; the newcomer is not imported
        registry.failures.append(PluginFailure(
            name, f"plugin name {name!r} is already used by the plugin from {registry.source_of(name)}; "
                  "this one was skipped", source))
        return None
    registry.sources[name] = source
    try:
        plugin = plugin_call(f"plugin {name}", load)
        pm.register(plugin, name=name)
    except Exception as exc:  # a broken plugin must not stop the others
        registry.fail(name, f"failed to load: {describe_error(exc)}")
        return None
    if not pm.get_hookcallers(plugin):
        pm.unregister(plugin)
        registry.fail(name, "implements no hook (a plugin provides register_models); nothing was loaded from it")
        return None
    return plugin


def _drop_unknown_hooks(pm: pluggy.PluginManager, registry: Registry, named: list[tuple[str, object]]) -> None:
    """``pm.check_pending()`` until it passes: a plugin with a misspelled hook is reported and unregistered."""
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            unknown = sorted(c.name for c in pm.get_hookcallers(exc.plugin) or () if not c.has_spec())
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            pm.unregister(exc.plugin)
            named[:] = [(n, p) for n, p in named if p is not exc.plugin]
            known = ", ".join(sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "restorer_spec")))
            registry.fail(name, f"implements unknown hook(s) {', '.join(unknown)} (Restorer's hooks: {known}); "
                                "this plugin was skipped")


def load_registry(plugins: Iterable[object] = (), *, use_entry_points: bool = True) -> Registry:
    """Load plugins and collect their models.

    ``plugins`` are extra plugin objects (modules or instances with hookimpls), used
    by tests; entry points of the group ``restorer`` are loaded (built-in ones first)
    unless disabled.
    """
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    named: list[tuple[str, object]] = []

    for ep in _entry_points() if use_entry_points else ():
        plugin = _register(pm, registry, ep.name, ep.load, _entry_point_source(ep))
        if plugin is not None:
            named.append((ep.name, plugin))
    for index, given in enumerate(plugins):
        name = getattr(given, "__name__", None) or f"{type(given).__name__}-{index}"
        plugin = _register(pm, registry, name, lambda given=given: given, _object_source(given))
        if plugin is not None:
            named.append((name, plugin))
    _drop_unknown_hooks(pm, registry, named)

    for name, plugin in named:
        registry.plugins.append(name)
        others = [p for _, p in named if p is not plugin]
        caller = pm.subset_hook_caller("register_models", remove_plugins=others)

        def register(model: Model, _plugin: str = name) -> None:
            _add(registry, model, _plugin)

        try:
            plugin_call(f"plugin {name}", caller, register=register)
        except Exception as exc:
            registry.fail(name, f"raised while registering models: {describe_error(exc)}")
    return registry


def _add(registry: Registry, model: Model, plugin: str) -> None:
    if not isinstance(model, Model):
        registry.fail(plugin, f"registered {model!r}, which is not a restorer Model")
        return
    try:
        plugin_call(f"plugin {plugin}", model.check)
    except Exception as exc:  # the declaration is plugin code too (a params property, an override)
        registry.fail(plugin, f"bad model: {exc if isinstance(exc, ValueError) else describe_error(exc)}")
        return
    if model.name in registry.models:
        owner = registry.plugin_of(model.name)
        registry.fail(plugin, f"model name {model.name!r} is already registered by plugin {owner!r} "
                              f"({registry.source_of(owner)}); this one was skipped")
        return
    registry.models[model.name] = model
    registry.model_plugins[model.name] = plugin


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


__all__ = ["Registry", "PluginFailure", "load_registry", "get_registry", "get_model", "plugin_call",
           "describe_error", "ModelError"]
