"""restorer models [--json]: list the installed models, where each comes from, and anything that failed to load.

A plugin that failed to load, a model that cannot describe itself and a weights
file that cannot be used are each one ``BROKEN`` line (with ``--json``: an entry
with ``"name": null`` and an ``error``); the listing always completes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from restorer.models import Model
from restorer.registry import Registry, describe_error, get_registry, plugin_call
from restorer.weights import WeightsModel, unreadable_weights


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``models``."""
    parser = subparsers.add_parser("models", help="list installed models", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    return parser


def describe(registry: Registry, model: Model) -> dict[str, Any]:
    """The JSON description of ``model`` with its ``plugin`` and ``source`` (from the registry, which keeps
    them beside the model); ``error`` instead of the description when its plugin code raises."""
    plugin = registry.plugin_of(model.name)
    base = {"name": model.name, "task": model.task, "plugin": plugin, "source": registry.source_of(plugin)}
    try:
        described = plugin_call(f"model {model.name}", model.to_json)
    except Exception as exc:  # one model's bug must not hide the others
        return {**base, "error": describe_error(exc)}
    return {**described, "plugin": plugin, "source": base["source"]}


def broken_weights(models: list[Model]) -> list[dict[str, Any]]:
    """One entry per weights file of the models' families that cannot be used: ``family``, ``file``, ``error``."""
    families = dict.fromkeys(m.weights_family for m in models if isinstance(m, WeightsModel))
    return [{"name": None, "family": family, "file": str(path), "error": reason}
            for family in families for path, reason in unreadable_weights(family)]


def run(args: argparse.Namespace) -> int:
    """Print the registry as a table or JSON."""
    registry = get_registry()
    entries = [describe(registry, m) for m in registry.models.values()]
    failures = [{"name": None, "plugin": f.plugin, "source": f.source, "error": f.reason} for f in registry.failures]
    weights = broken_weights(list(registry.models.values()))
    if args.json:
        print(json.dumps(entries + failures + weights, indent=2))
        return 0
    _print_table([e for e in entries if "error" not in e])
    for entry in entries:
        if "error" in entry:
            print(f"BROKEN  model {entry['name']} (plugin {entry['plugin']}, {entry['source']}): {entry['error']}")
    for failure in failures:
        origin = f" ({failure['source']})" if failure["source"] else ""
        print(f"BROKEN  plugin {failure['plugin']}{origin}: {failure['error']}")
    for problem in weights:
        print(f"BROKEN  weights of {problem['family']}: {problem['file']}: {problem['error']}")
    return 0


def _print_table(entries: list[dict[str, Any]]) -> None:
    rows = [("NAME", "TASK", "TRAINABLE", "WEIGHTS", "PLUGIN", "FROM", "PARAMETERS")]
    for e in entries:
        params = ", ".join(f"{p['name']}={p['default']}" for p in e["params"])
        rows.append((e["name"], e["task"], "yes" if e["trainable"] else "no", e["weights"], e["plugin"],
                     e["source"], params))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
