"""Hook specifications: the whole plugin contract of Restorer."""

import pluggy

hookspec = pluggy.HookspecMarker("restorer")


@hookspec
def register_models(register):
    """Contribute models by calling ``register(model)`` once per :class:`restorer.models.Model`."""
