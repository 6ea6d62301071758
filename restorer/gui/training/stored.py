"""The training panel's stored runs and weights: unfinished runs to resume or discard, and the person's
fine-tuned weights to use, rename or delete."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from restorer.errors import RestorerError
from restorer.gui import dialogs
from restorer.gui.widgets import ElidingComboBox
from restorer.models import Model
from restorer.training.stored_runs import RunRecord, unfinished_runs
from restorer.weights import delete_weights, list_weights, rename_weights

_WEIGHTS_ROLE = Qt.ItemDataRole.UserRole + 1


class StoredRuns(QWidget):
    """The "Unfinished runs" and "Your models" boxes of the training panel.

    They list what is on disk for the models given to :meth:`set_models`. While the run
    named by :meth:`set_training` trains, no run is resumed or discarded and that run's
    weights are neither renamed nor deleted. ``resumeRequested`` when Resume is pressed
    (the panel fills its form and starts); ``useRequested(model name, weights name)``;
    ``weightsChanged(model name)`` after a rename or delete; ``messaged(text, error)``
    for the panel's message line.

    The panel tells it what it needs; it holds no reference to the panel (which would be
    a cycle, leaving the panel to the garbage collector, which may run on a training
    thread and delete Qt objects there).
    """

    resumeRequested = Signal()
    useRequested = Signal(str, str)
    weightsChanged = Signal(str)
    messaged = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._models: list[Model] = []
        #: The name of the run training now, ``None`` when none is.
        self._training: str | None = None
        self._unfinished: list[tuple[RunRecord, int]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.runs_box = runs_box = QGroupBox("Unfinished runs")
        runs_layout = QVBoxLayout(runs_box)
        self.runs_combo = ElidingComboBox()  # its own line: the panel is narrow and a run's label is long
        self.runs_combo.setPlaceholderText("none: every run finished")  # an empty list says so
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(lambda: self.resumeRequested.emit())
        self.discard_button = QPushButton("Discard…")
        self.discard_button.clicked.connect(self.discard_run)
        runs_layout.addWidget(self.runs_combo)
        runs_row = QHBoxLayout()
        runs_row.addWidget(self.resume_button)
        runs_row.addWidget(self.discard_button)
        runs_layout.addLayout(runs_row)
        layout.addWidget(runs_box)

        weights_box = QGroupBox("Your models")
        weights_layout = QVBoxLayout(weights_box)
        self.weights_list = QListWidget()
        self.weights_list.setMaximumHeight(120)
        # A long name wraps onto a second line instead of hiding behind a sideways scroll bar.
        self.weights_list.setWordWrap(True)
        self.weights_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.weights_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.weights_list.itemSelectionChanged.connect(self.update_buttons)
        self.weights_list.itemDoubleClicked.connect(lambda _item: self.use_selected())
        weights_layout.addWidget(self.weights_list)
        row = QHBoxLayout()
        self.use_button = QPushButton("Use")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.use_button.clicked.connect(self.use_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        for button in (self.use_button, self.rename_button, self.delete_button):
            row.addWidget(button)
        weights_layout.addLayout(row)
        layout.addWidget(weights_box)
        self.update_buttons()

    def set_models(self, models: list[Model]) -> None:
        """List the unfinished runs and weights of ``models`` (re-read from disk)."""
        self._models = list(models)
        self.refresh()

    def set_training(self, name: str | None) -> None:
        """The name of the run training now (``None``: none is); its run and weights are left alone."""
        self._training = name
        self.update_buttons()

    def refresh(self) -> None:
        """Re-read the unfinished runs and the person's weights from disk."""
        models = self._models
        self._unfinished = unfinished_runs({m.name for m in models})
        self.runs_combo.clear()
        for record, step in self._unfinished:
            self.runs_combo.addItem(f"{record.name} ({record.model}, step {step} of {record.options.steps})")
            self.runs_combo.setItemData(self.runs_combo.count() - 1, "Photos: " + ", ".join(record.folders),
                                        Qt.ItemDataRole.ToolTipRole)
        if self._unfinished:  # with a placeholder text set, a combo picks no item by itself
            self.runs_combo.setCurrentIndex(0)
        self.weights_list.clear()
        for model in models:
            for info in list_weights(model.name):
                if info.starter:
                    continue
                steps = info.metadata.get("steps")
                label = f"{info.name}  —  {model.label}" + (f", {steps} steps" if steps else "")
                item = QListWidgetItem(label)
                item.setToolTip(label)
                item.setData(_WEIGHTS_ROLE, (model.name, info.name))
                self.weights_list.addItem(item)
        self.update_buttons()

    # -- unfinished runs --------------------------------------------------------------------

    def unfinished_run(self) -> tuple[RunRecord, int] | None:
        """The unfinished run chosen under "Unfinished runs" and the step it reached."""
        index = self.runs_combo.currentIndex()
        return self._unfinished[index] if 0 <= index < len(self._unfinished) else None

    def discard_run(self) -> None:
        """Delete the unfinished run chosen under "Unfinished runs" (its checkpoint), after asking."""
        chosen = self.unfinished_run()
        if self._training is not None or chosen is None:
            return
        record, step = chosen
        if not dialogs.ask_yes(self, "Discard run", f"Delete the unfinished run “{record.name}” ({record.model}, "
                                                    f"step {step} of {record.options.steps}) and its checkpoint?"):
            return
        try:
            delete_weights(record.model, record.name)
        except RestorerError as exc:
            self.messaged.emit(str(exc), True)
            return
        self.refresh()
        self.messaged.emit(f"Discarded the run “{record.name}”.", False)

    # -- the person's weights ---------------------------------------------------------------

    def weights_names(self) -> list[tuple[str, str]]:
        """``(model, weights name)`` of every listed user weights set."""
        return [self.weights_list.item(i).data(_WEIGHTS_ROLE) for i in range(self.weights_list.count())]

    def select_weights(self, model: str, name: str) -> None:
        """Select the listed weights ``name`` of ``model``."""
        for row, key in enumerate(self.weights_names()):
            if key == (model, name):
                self.weights_list.setCurrentRow(row)

    def selected_weights(self) -> tuple[str, str] | None:
        """``(model, weights name)`` of the selected weights."""
        item = self.weights_list.currentItem()
        return item.data(_WEIGHTS_ROLE) if item is not None else None

    def use_selected(self) -> None:
        """Ask the window to repair with the selected weights."""
        selected = self.selected_weights()
        if selected:
            self.useRequested.emit(*selected)

    def rename_selected(self) -> None:
        """Rename the selected weights (and their run) after asking for the new name."""
        selected = self.selected_weights()
        if not selected or self._training == selected[1]:
            return
        model, name = selected
        new_name = dialogs.ask_text(self, "Rename model", f"New name for “{name}”:", name)
        if not new_name or new_name.strip() == name:
            return
        try:
            rename_weights(model, name, new_name.strip())
        except RestorerError as exc:
            self.messaged.emit(str(exc), True)
            return
        self.refresh()
        self.select_weights(model, new_name.strip())
        self.messaged.emit(f"Renamed “{name}” to “{new_name.strip()}”.", False)
        self.weightsChanged.emit(model)

    def delete_selected(self) -> None:
        """Delete the selected weights (and their checkpoint) after asking."""
        selected = self.selected_weights()
        if not selected or self._training == selected[1]:
            return
        model, name = selected
        if not dialogs.ask_yes(self, "Delete model", f"Delete “{name}” ({model}) and its training checkpoint?"):
            return
        try:
            delete_weights(model, name)
        except RestorerError as exc:
            self.messaged.emit(str(exc), True)
            return
        self.refresh()
        self.messaged.emit(f"Deleted “{name}”.", False)
        self.weightsChanged.emit(model)

    def update_buttons(self) -> None:
        """Enable what applies: no resume or discard while training, no weights action without a selection."""
        idle = self._training is None
        self.resume_button.setEnabled(idle and bool(self._unfinished))
        self.discard_button.setEnabled(idle and bool(self._unfinished))
        selected = self.selected_weights() is not None
        for button in (self.use_button, self.rename_button, self.delete_button):
            button.setEnabled(selected)
