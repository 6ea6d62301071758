"""The Train tab's "New training run" box: the model, its photo folder(s), steps, batch, crop and a name.

What the values must be is :mod:`restorer.train_form`'s to say; this is only the widgets.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QWidget
from superqt.utils import signals_blocked

from restorer.gui.training.folders import FolderField
from restorer.gui.widgets import ElidingComboBox
from restorer.models import Model
from restorer.train_form import TWO_FOLDERS, RunPlan, default_name, folder_prompts, plan_new_run
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import RunRecord


def _spin(low: int, high: int, value: int, step: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSingleStep(step)
    return spin


class RunForm(QGroupBox):
    """The settings of a new run. ``modelChanged`` when another model is chosen (the panel's Start
    button follows it)."""

    modelChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("New training run", parent)
        self._models: dict[str, Model] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.model_combo = ElidingComboBox()
        self.model_combo.currentIndexChanged.connect(self._model_picked)
        form.addRow("Model", self.model_combo)
        # As many fields as a model may ask for; the ones the chosen model does not use are hidden.
        self.folder_fields = [FolderField(prompt.title) for prompt in TWO_FOLDERS]
        self.folder_labels = [QLabel(prompt.label) for prompt in TWO_FOLDERS]
        for label, field in zip(self.folder_labels, self.folder_fields):
            form.addRow(label, field)
        defaults = TrainOptions()
        self.steps = _spin(1, 1_000_000, defaults.steps, 100)
        self.batch_size = _spin(1, 256, defaults.batch_size, 1)
        self.crop = _spin(16, 2048, defaults.crop, 16)
        self.crop.setSuffix(" px")
        form.addRow("Steps", self.steps)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Crop", self.crop)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("letters, digits, '.', '_' or '-'")
        form.addRow("Name", self.name_edit)
        self._update_folders()

    def set_models(self, models: list[Model]) -> None:
        """Offer ``models`` (the trainable ones), keeping the chosen one when it is still offered."""
        self._models = {model.name: model for model in models}
        current = self.model_combo.currentData()
        if current is None and models:  # at first the main repair model, not the first in the list
            current = max(models, key=lambda m: (m.task == "inpaint", m.default_priority)).name
        with signals_blocked(self.model_combo):
            self.model_combo.clear()
            for model in models:
                self.model_combo.addItem(model.label, model.name)
            self.model_combo.setCurrentIndex(max(self.model_combo.findData(current), 0))
        self._model_picked()

    def current_model(self) -> Model | None:
        """The model chosen for a new run."""
        return self._models.get(self.model_combo.currentData())

    def select_model(self, name: str) -> None:
        """Choose model ``name`` for a new run."""
        index = self.model_combo.findData(name)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)

    def _model_picked(self, _index: int = 0) -> None:
        model = self.current_model()
        self._update_folders()
        if model is not None and not self.name_edit.isModified():
            self.name_edit.setText(default_name(model))
        self.modelChanged.emit()

    def _update_folders(self) -> None:
        prompts = folder_prompts(self.current_model())
        for index, (label, field) in enumerate(zip(self.folder_labels, self.folder_fields)):
            if index < len(prompts):
                label.setText(prompts[index].label)
                field.title = prompts[index].title
            for widget in (label, field):
                widget.setVisible(index < len(prompts))

    def folders(self) -> list[str]:
        """The folder paths the chosen model trains on."""
        return [field.path() for field in self.folder_fields[:len(folder_prompts(self.current_model()))]]

    def plan(self) -> RunPlan | None:
        """The new run the form describes (``None`` without a model); raises a
        :class:`~restorer.errors.RestorerError` when a value is not usable."""
        model = self.current_model()
        if model is None:
            return None
        return plan_new_run(model, self.name_edit.text(), self.folders(), steps=self.steps.value(),
                            batch_size=self.batch_size.value(), crop=self.crop.value())

    def show_record(self, record: RunRecord) -> None:
        """Fill the form with what the unfinished run ``record`` was set up with."""
        self.select_model(record.model)
        for field, folder in zip(self.folder_fields, record.folders):
            field.set_path(folder)
        self.steps.setValue(record.options.steps)
        self.batch_size.setValue(record.options.batch_size)
        self.crop.setValue(record.options.crop)
        self.name_edit.setText(record.name)

    def set_editable(self, editable: bool) -> None:
        """Let the person change the settings (not while a run trains)."""
        for widget in (self.model_combo, self.steps, self.batch_size, self.crop, self.name_edit,
                       *self.folder_fields):
            widget.setEnabled(editable)
