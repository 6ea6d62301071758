"""Restorer: repair photos with generative models.

Plugins implement the hooks in :mod:`restorer.hookspecs` using :data:`hookimpl`.
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("restorer")

__all__ = ["hookimpl", "__version__"]
