"""restorer models [--json]: list the installed models and any plugin that failed to load."""

from __future__ import annotations

import argparse
import json

from restorer.registry import get_registry


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare ``models``."""
    parser = subparsers.add_parser("models", help="list installed models", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the registry as a table or JSON."""
    registry = get_registry()
    models = list(registry.models.values())
    if args.json:
        out = [m.to_json() for m in models]
        if registry.failures:
            out += [{"name": None, "plugin": f.plugin, "error": f.reason} for f in registry.failures]
        print(json.dumps(out, indent=2))
        return 0
    rows = [("NAME", "TASK", "TRAINABLE", "WEIGHTS", "PLUGIN", "PARAMETERS")]
    for m in models:
        params = ", ".join(f"{p.name}={p.default}" for p in m.params)
        rows.append((m.name, m.task, "yes" if m.trainable else "no", m.weights_status(), m.plugin, params))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    for failure in registry.failures:
        print(f"BROKEN  plugin {failure.plugin}: {failure.reason}")
    return 0
