"""The model panel: models from the registry grouped by task, their parameters, Run, progress, Cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)
from superqt.utils import signals_blocked

from restorer.errors import as_sentence
from restorer.gui.display import to_pixmap
from restorer.gui.params import ParamControl, make_control
from restorer.gui.widgets import ElidingComboBox
from restorer.jobs import Progress
from restorer.models import Model
from restorer.registry import Registry
from restorer.tasks import listed_tasks, task_spec

_MODEL_ROLE = Qt.ItemDataRole.UserRole + 1


class ModelPanel(QWidget):
    """Pick a model, set its parameters, run it, follow its progress."""

    runRequested = Signal()
    cancelRequested = Signal()
    modelChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.registry: Registry | None = None
        self._controls: list[ParamControl] = []
        self._values: dict[str, dict[str, Any]] = {}  # per model, kept while switching
        self._shown_model: str | None = None
        self._running = False
        self._has_photo = True  # the window says (set_has_photo): a model that works on a photo needs one
        self._notice = ""  # shown under Run whenever no run has something to say (plugin load failures)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        self.combo = ElidingComboBox()
        self.combo.setModel(QStandardItemModel(self.combo))
        self.combo.setMinimumContentsLength(18)
        self.combo.currentIndexChanged.connect(self._model_picked)
        layout.addWidget(self.combo)

        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("description")
        layout.addWidget(self.description)

        self.params_box = QGroupBox("Parameters")
        self.params_form = QFormLayout(self.params_box)
        self.params_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addWidget(self.params_box)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.clicked.connect(self.reset_params)
        self.params_form.addRow(self.reset_button)

        self.clear_mask = QCheckBox("Clear the mask after a repair")
        self.clear_mask.setChecked(True)
        layout.addWidget(self.clear_mask)

        self.run_button = QPushButton("Repair")
        self.run_button.setToolTip("Run the selected model (Ctrl+Return)")
        self.run_button.setMinimumHeight(34)
        self.run_button.setObjectName("run")
        self.run_button.clicked.connect(self.runRequested)
        layout.addWidget(self.run_button)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelRequested)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.hide()
        layout.addWidget(self.preview)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.set_running(False)
        self.set_registry(None)

    # -- models -----------------------------------------------------------------------------

    def set_registry(self, registry: Registry | None) -> None:
        """List the registry's models, grouped by task (``None``: still loading).

        The tasks are the table's listed ones (:func:`restorer.tasks.listed_tasks`), in its order: a
        detect model returns a map of damage, not a photo, and Find damage runs it instead.
        """
        self.registry = registry
        tasks = listed_tasks()
        runnable = [m for m in registry.models.values() if m.task in tasks] if registry is not None else []
        items: QStandardItemModel = self.combo.model()  # type: ignore[assignment]
        with signals_blocked(self.combo):
            items.clear()
            if registry is None:
                items.appendRow(self._header("Loading models…"))
            else:
                for task in tasks:
                    models = registry.by_task(task)
                    if not models:
                        continue
                    items.appendRow(self._header(task_spec(task).title))
                    for model in models:
                        item = QStandardItem("    " + model.label)
                        item.setData(model.name, _MODEL_ROLE)
                        item.setToolTip(model.description)
                        items.appendRow(item)
                if not runnable:
                    items.appendRow(self._header("No models installed"))
        row = -1
        if runnable:
            first = next(task for task in tasks if registry.by_task(task))  # inpaint, when installed
            row = self.index_of(registry.default_for(first).name)
        # The group titles cannot be picked, so with no model the combo shows this instead of a blank.
        self.combo.setPlaceholderText("Loading models…" if registry is None
                                      else "" if runnable else "No models installed")
        self.combo.setCurrentIndex(row)
        self._model_picked(row)
        failures = registry.failures if registry is not None else []
        notices = ["Some plugins did not load: " + "; ".join(f"{f.plugin}: {f.reason}" for f in failures)
                   ] if failures else []
        broken = _unreadable_weights(registry)
        if broken:
            notices.append("Weights files left out: " + "; ".join(f"{path.name}: {why}" for path, why in broken))
        self._notice = "\n".join(notices)
        self.set_message(self._notice)

    @staticmethod
    def _header(text: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # not selectable: a group title
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        return item

    def index_of(self, name: str) -> int:
        """Combo row of the model called ``name`` (-1 if absent)."""
        items: QStandardItemModel = self.combo.model()  # type: ignore[assignment]
        for row in range(items.rowCount()):
            if items.item(row).data(_MODEL_ROLE) == name:
                return row
        return -1

    def select(self, name: str) -> None:
        """Pick the model called ``name``."""
        row = self.index_of(name)
        if row < 0:
            raise KeyError(name)
        self.combo.setCurrentIndex(row)

    def current_model(self) -> Model | None:
        """The picked model, or ``None`` while none is available."""
        if self.registry is None or self.combo.currentIndex() < 0:
            return None
        name = self.combo.currentData(_MODEL_ROLE)
        return self.registry.models.get(name) if name else None

    def _model_picked(self, _row: int) -> None:
        if self._shown_model is not None and self._controls:
            self._values[self._shown_model] = self.values()
        if not self._running:
            self.set_message(self._notice)  # the last run's outcome belongs to the model that ran
        for control in self._controls:
            self.params_form.removeRow(control)
        self._controls = []
        model = self.current_model()
        self._shown_model = model.name if model else None
        if model is None:
            self.description.setText("")
            self.params_box.hide()
            self.run_button.setText("Run")
            self.run_button.setEnabled(False)
            self.modelChanged.emit(None)
            return
        task = task_spec(model.task)
        self.description.setText(f"{model.description}\n{task.hint}".strip())
        saved = self._values.get(model.name, {})
        for param in model.params:
            control = make_control(param)
            if param.name in saved:
                control.set_value(saved[param.name])
            self._controls.append(control)
            label = "" if param.kind == "bool" else param.label
            self.params_form.insertRow(self.params_form.rowCount() - 1, label, control)
        self.params_box.setVisible(bool(model.params))
        self.clear_mask.setVisible(task.clears_mask)
        self.run_button.setText(task.title)
        self._update_run_button()
        self.modelChanged.emit(model)

    def controls(self) -> dict[str, ParamControl]:
        """The parameter controls of the picked model, by parameter name."""
        return {control.param.name: control for control in self._controls}

    def values(self) -> dict[str, Any]:
        """The parameter values set in the controls."""
        return {control.param.name: control.value() for control in self._controls}

    def reset_params(self) -> None:
        """Every control back to its parameter's default."""
        for control in self._controls:
            control.reset()

    # -- run state --------------------------------------------------------------------------

    def set_has_photo(self, has_photo: bool) -> None:
        """Whether a photo is open: without one, only models that make images from nothing can run."""
        self._has_photo = has_photo
        self._update_run_button()

    def _update_run_button(self) -> None:
        model = self.current_model()
        can = model is not None and (self._has_photo or not task_spec(model.task).photo)
        self.run_button.setEnabled(can and not self._running)
        self.run_button.setToolTip("Run the selected model (Ctrl+Return)" if can or model is None
                                   else "Open a photo first (Ctrl+O)")

    def set_running(self, running: bool) -> None:
        """Show the progress row and Cancel while a run is going."""
        self._running = running
        self._update_run_button()
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first report
            self.preview.clear()
        self.preview.setVisible(running and self.preview.pixmap() is not None
                                and not self.preview.pixmap().isNull())

    def set_progress(self, progress: Progress) -> None:
        """Show a job's report."""
        if progress.total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(progress.fraction * 1000))
        if progress.message:  # a model reports "repairing"
            self.set_message(as_sentence(progress.message))
        if progress.preview is not None:
            self.show_preview(progress.preview)

    def show_preview(self, rgb) -> None:
        """Show a model's preview image (``uint8`` RGB) under the progress bar, at most 240 px wide."""
        pixmap = to_pixmap(rgb)
        if pixmap.width() > 240:
            pixmap = pixmap.scaledToWidth(240, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pixmap)
        self.preview.show()

    def set_message(self, text: str) -> None:
        """The line under the progress bar."""
        self.message.setText(text)


def _unreadable_weights(registry) -> list:
    """``(path, reason)`` of every weights file the models' families leave out (as ``restorer models`` lists)."""
    if registry is None:
        return []
    from restorer.weights import unreadable_weights

    families = dict.fromkeys(m.weights_family for m in registry.models.values() if hasattr(m, "weights_family"))
    return [item for family in families for item in unreadable_weights(family)]
