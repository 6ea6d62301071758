"""The training panel in the main window: a dock tabbed with the model panel, and fine-tuned weights
showing up in the model panel's ``weights`` choice as soon as they are stored, renamed or deleted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea

from restorer.gui.training.panel import TrainingPanel
from restorer.gui.widgets import guard_wheel
from restorer.models import Model
from restorer.registry import Registry

#: The parameter through which a model picks its weights (``--set weights=NAME`` on the command line).
WEIGHTS_PARAM = "weights"


def refresh_weights_choices(model: Model) -> bool:
    """Re-list the stored weights offered by ``model``'s ``weights`` choice; whether it has one."""
    return model.refresh_weights()


def show_weights(panel, registry: Registry | None, model_name: str | None = None, weights: str | None = None) -> None:
    """Refresh every model's weights choice in the model panel ``panel``, keeping the picked model;
    with ``model_name`` and ``weights``, pick that model with those weights."""
    if registry is None:
        return
    changed = [model for model in registry.models.values() if refresh_weights_choices(model)]
    if not changed:
        return
    current = panel.current_model()
    panel.set_registry(registry)  # rebuilds the controls from the refreshed parameters
    target = model_name if weights is not None else (current.name if current is not None else None)
    if target is not None and target in registry.models:
        panel.select(target)
    control = panel.controls().get(WEIGHTS_PARAM)
    if weights is not None and control is not None:
        control.set_value(weights)


def attach_training_panel(window: QMainWindow) -> TrainingPanel:
    """Add a "Train" dock to ``window`` (tabbed with its model dock) and wire it to the model panel.

    The window keeps calling ``set_registry`` on the returned panel when its models
    are loaded, and ``confirm_close()`` before it closes.
    """
    training = TrainingPanel(device=getattr(window, "device", None))
    guard_wheel(training)  # the wheel scrolls the tab; it changed the crop size on the way
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the panel wraps to the dock
    scroll.setWidget(training)
    dock = QDockWidget("Train", window)
    dock.setObjectName("training-dock")
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
    dock.setWidget(scroll)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    model_dock = window.findChild(QDockWidget, "model-dock")
    if model_dock is not None:
        window.tabifyDockWidget(model_dock, dock)
        model_dock.raise_()

    def use(model_name: str, weights: str) -> None:
        show_weights(window.panel, window.registry, model_name, weights)
        if model_dock is not None:
            model_dock.raise_()

    training.weightsChanged.connect(lambda _model: show_weights(window.panel, window.registry))
    training.useRequested.connect(use)
    training.set_registry(getattr(window, "registry", None))
    return training
