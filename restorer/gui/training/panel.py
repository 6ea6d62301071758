"""The training panel: fine-tune a trainable model on the person's own photo folders while they keep editing."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from restorer.errors import Cancelled, InputError, RestorerError
from restorer.gui import dialogs
from restorer.gui.display import to_pixmap
from restorer.gui.training.folders import FolderField
from restorer.gui.training.stored import StoredRuns
from restorer.gui.training.worker import Tick, TrainingRun
from restorer.models import Model
from restorer.registry import Registry
from restorer.tasks import task_spec
from restorer.trainable import is_trainable
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import RunRecord
from restorer.weights import check_name, weights_path

#: A preview every this many steps (the trainer draws it on a fixed sample).
PREVIEW_EVERY = 10
#: Photos an inpainting run keeps out of training to measure the result on (none when the folder is small).
HOLDOUT = 2
#: Metrics named with any of these are measures in dB, not losses: on the loss axis they would flatten
#: every loss to a line at 0, so their curves start hidden (a click on the legend shows them).
HIDDEN_AT_FIRST = ("psnr",)


def format_eta(seconds: float) -> str:
    """``"1 h 05 min"``, ``"4 min 10 s"`` or ``"12 s"``."""
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class TrainingPanel(QWidget):
    """Choose a model, photo folder(s), steps, batch, crop and a name; train in the background.

    ``weightsChanged(model name)`` fires when weights were added, renamed or deleted
    (the model panel refreshes its weights); ``useRequested(model name, weights name)``
    when the person wants to repair with fine-tuned weights.
    """

    weightsChanged = Signal(str)
    useRequested = Signal(str, str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, device: str | None = None):
        super().__init__(parent)
        self.registry: Registry | None = None
        self.device = device
        self.run: TrainingRun | None = None
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._history: dict[str, tuple[list[int], list[float]]] = {}
        #: Warnings about the current run's folders (unreadable files, small photos), kept on screen.
        self._notices: list[str] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        setup = QGroupBox("New training run")
        form = QFormLayout(setup)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.model_combo = QComboBox()
        self.model_combo.currentIndexChanged.connect(self._model_picked)
        form.addRow("Model", self.model_combo)
        self.folder_fields = [FolderField("Photos to train on"), FolderField("Photos of style B")]
        self.folder_labels = [QLabel("Photos"), QLabel("Style B")]
        for label, field in zip(self.folder_labels, self.folder_fields):
            form.addRow(label, field)
        defaults = TrainOptions()
        self.steps = self._spin(1, 1_000_000, defaults.steps, 100)
        self.batch_size = self._spin(1, 256, defaults.batch_size, 1)
        self.crop = self._spin(16, 2048, defaults.crop, 16)
        self.crop.setSuffix(" px")
        form.addRow("Steps", self.steps)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Crop", self.crop)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("letters, digits, '.', '_' or '-'")
        form.addRow("Name", self.name_edit)
        layout.addWidget(setup)

        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("run")
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button.clicked.connect(self.cancel)
        for button in (self.start_button, self.pause_button, self.cancel_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.progress = QProgressBar()
        self.progress.setFormat("not started")  # not "step 0 / 1" before any run
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.stats = QLabel("")
        self.stats.setWordWrap(True)
        layout.addWidget(self.stats)
        #: After a finished run: the new weights against the starting ones on photos left out of training.
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.verdict)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(190)
        self.plot.setToolTip("Click a name in the legend to hide or show its curve "
                             "(the axis fits the curves shown).")
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.addLegend(offset=(-5, 5))
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        layout.addWidget(self.plot)
        self.preview = QLabel("The preview appears here while training.")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(96)
        layout.addWidget(self.preview)

        self.stored = StoredRuns(self)
        self.stored.resumeRequested.connect(self.resume_run)
        self.stored.useRequested.connect(self.useRequested)
        self.stored.weightsChanged.connect(self.weightsChanged)
        self.stored.messaged.connect(self._stored_message)
        layout.addWidget(self.stored)
        layout.addStretch(1)

        self._update_folders()
        self._update_buttons()

    @staticmethod
    def _spin(low: int, high: int, value: int, step: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSingleStep(step)
        return spin

    # -- models ----------------------------------------------------------------------------

    def set_registry(self, registry: Registry | None) -> None:
        """Offer the trainable models of ``registry``."""
        self.registry = registry
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for model in self.models():
            self.model_combo.addItem(model.label, model.name)
        index = self.model_combo.findData(current)
        self.model_combo.setCurrentIndex(max(index, 0))
        self.model_combo.blockSignals(False)
        self._model_picked()
        self.refresh()

    def models(self) -> list[Model]:
        """The trainable models, in registry order."""
        return [m for m in (self.registry.models.values() if self.registry else []) if is_trainable(m)]

    def current_model(self) -> Model | None:
        """The model chosen for a new run."""
        name = self.model_combo.currentData()
        return self.registry.models.get(name) if self.registry and name else None

    def select_model(self, name: str) -> None:
        """Choose model ``name`` for a new run."""
        index = self.model_combo.findData(name)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)

    def _model_picked(self, _index: int = 0) -> None:
        model = self.current_model()
        self._update_folders()
        if model is not None and not self.name_edit.isModified():
            self.name_edit.setText(f"{model.name}-{_dt.datetime.now():%Y%m%d-%H%M}")
        self._update_buttons()

    def _update_folders(self) -> None:
        model = self.current_model()
        two = model is not None and model.folders == 2  # as the model declares (restorer.trainable)
        self.folder_labels[0].setText("Style A" if two else "Photos")
        self.folder_fields[0].title = "Photos of style A" if two else "Photos to train on"
        for widget in (self.folder_labels[1], self.folder_fields[1]):
            widget.setVisible(two)

    def folders(self) -> list[str]:
        """The folder paths the chosen model trains on."""
        model = self.current_model()
        count = model.folders if model is not None else 1
        return [field.path() for field in self.folder_fields[:count]]

    def options(self) -> TrainOptions:
        """The run options from the form; inpainting runs keep :data:`HOLDOUT` photos out to measure on."""
        model = self.current_model()
        holdout = HOLDOUT if model is not None and task_spec(model.task).fills_holes else 0
        return TrainOptions(steps=self.steps.value(), batch_size=self.batch_size.value(), crop=self.crop.value(),
                            preview_every=PREVIEW_EVERY, holdout=holdout)

    # -- running ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run is training (paused included)."""
        return self.run is not None and self.run.running

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` under the progress bar (red for errors), above this run's folder warnings."""
        self.message.setStyleSheet("color: #ff7b72;" if error else "")
        self.message.setText("\n".join([text, *self._notices]))

    def start(self) -> bool:
        """Start a new run from the form; ``False`` (and a message) when the form is not usable."""
        model = self.current_model()
        if model is None or self.running:
            return False
        name = self.name_edit.text().strip()
        folders = self.folders()
        try:
            check_name(name)
            for index, folder in enumerate(folders):
                if not folder:
                    which = self.folder_labels[index].text()
                    raise InputError(f"choose a folder of photos for “{which}”")
                if not Path(folder).expanduser().is_dir():
                    raise InputError(f"{folder}: no such folder (choose a folder of photos)")
            if weights_path(model.name, name).exists() or RunRecord(model.name, name, (), TrainOptions()).folder.exists():
                raise InputError(f"a run named {name!r} exists for {model.name}; choose another name "
                                 "(or resume it under Unfinished runs)")
            self.options().check()
        except RestorerError as exc:
            self.show_message(str(exc), error=True)
            return False
        self._launch(TrainingRun(model, folders, self.options(), name, device=self.device, parent=self))
        return True

    def resume_run(self) -> bool:
        """Resume the unfinished run chosen under "Unfinished runs"."""
        chosen = self.stored.unfinished_run()
        if self.running or chosen is None or self.registry is None:
            return False
        record, _step = chosen
        model = self.registry.models.get(record.model)
        if model is None:
            self.show_message(f"the model {record.model} of this run is not installed", error=True)
            return False
        self.select_model(record.model)
        for field, folder in zip(self.folder_fields, record.folders):
            field.set_path(folder)
        self.steps.setValue(record.options.steps)
        self.batch_size.setValue(record.options.batch_size)
        self.crop.setValue(record.options.crop)
        self.name_edit.setText(record.name)
        # A run started with `restorer train` had no previews to show: the panel's cadence applies here.
        options = dataclasses.replace(record.options, preview_every=PREVIEW_EVERY)
        self._launch(TrainingRun(model, list(record.folders), options, record.name, device=self.device,
                                 resume=True, parent=self))
        return True

    def discard_run(self) -> None:
        """Delete the unfinished run chosen under "Unfinished runs" (its checkpoint), after asking."""
        self.stored.discard_run()

    def _launch(self, run: TrainingRun) -> None:
        self.run = run
        self._clear_plot()
        self.progress.setFormat("step %v / %m")
        self.progress.setRange(0, run.record.options.steps)
        self.progress.setValue(0)
        self.stats.setText("")
        self.verdict.setText("")
        verb = "Resuming" if run.resume else "Starting"
        self.show_message(f"{verb} {run.record.name}…")
        run.ticked.connect(self._ticked)
        run.noticed.connect(self._noticed)
        run.measuring.connect(self.show_message)
        run.succeeded.connect(self._succeeded)
        run.failed.connect(self._failed)
        run.finished.connect(self._finished)
        run.start()
        self._update_buttons()
        self.runningChanged.emit(True)

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if not self.running:
            return
        if self.run.paused:
            self.run.resume_training()
            self.show_message("Training…")
        else:
            self.run.pause()
            self.show_message("Paused after the current step. Resume continues from there.")
        self._update_buttons()

    def cancel(self) -> None:
        """Stop the run after the current step; a checkpoint is saved."""
        if self.running:
            self.run.cancel()
            self.show_message("Stopping after the current step and saving a checkpoint…")
            self._update_buttons()

    def confirm_close(self) -> bool:
        """Whether the window may close: asks first while training, then cancels and waits for the checkpoint."""
        if not self.running:
            return True
        if not dialogs.ask_yes(self, "Training is running",
                               "Stop training and close? A checkpoint is saved; resume it later under Unfinished runs."):
            return False
        self.run.cancel()
        return self.run.wait(120.0)

    # -- reports ---------------------------------------------------------------------------

    def _ticked(self, tick: Tick) -> None:
        self.progress.setMaximum(max(tick.total, 1))
        self.progress.setValue(tick.step)
        for step, losses in tick.losses:
            for key, value in losses.items():
                steps, values = self._history.setdefault(key, ([], []))
                steps.append(step)
                values.append(value)
        for key, (steps, values) in self._history.items():
            curve = self._curves.get(key)
            if curve is None:
                curve = self.plot.plot(name=key, pen=pg.mkPen(pg.intColor(len(self._curves), hues=6), width=1.5))
                self._curves[key] = curve
                if any(word in key for word in HIDDEN_AT_FIRST):
                    curve.setVisible(False)
            curve.setData(np.asarray(steps), np.asarray(values))
        parts = []
        if tick.images_per_s > 0:
            parts.append(f"{tick.images_per_s:.1f} images/s")
            batch = self.run.record.options.batch_size if self.run else 1
            parts.append(f"ETA {format_eta((tick.total - tick.step) * batch / tick.images_per_s)}")
        if tick.losses:
            parts.append("  ".join(f"{k} {v:.4f}" for k, v in tick.losses[-1][1].items()))
        if tick.skipped:
            parts.append(f"{tick.skipped} unreadable file(s) skipped")
        self.stats.setText(" · ".join(parts))
        if tick.preview is not None:
            self.preview.setPixmap(to_pixmap(tick.preview).scaled(
                max(self.preview.width(), 96), 160, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        if self.run is not None and not self.run.paused and not self.run.job.cancelled and tick.step < tick.total:
            self.show_message("Training…")  # not after the last step: the comparison's messages follow

    def _noticed(self, text: str) -> None:
        self._notices.append(text)
        self.show_message(self.message.text().split("\n")[0])

    def _succeeded(self, path) -> None:
        record = self.run.record
        self.show_message(f"Finished: “{record.name}” is ready for {record.model} in the model panel ({path}).")
        self.verdict.setText(self.run.holdout_line or "")
        self.refresh()
        self.weightsChanged.emit(record.model)

    def _failed(self, exc: BaseException) -> None:
        record = self.run.record if self.run else None
        if isinstance(exc, Cancelled):
            self.show_message(f"Cancelled at step {self.run.step}; a checkpoint was saved. "
                              "Resume it under Unfinished runs.")
        elif isinstance(exc, RestorerError):
            self.show_message(str(exc), error=True)
        else:
            self.show_message(f"Training failed (a bug): {type(exc).__name__}: {exc}", error=True)
        if record is not None:
            self.refresh()

    def _finished(self) -> None:
        self._update_buttons()
        self.runningChanged.emit(False)

    def _clear_plot(self) -> None:
        for curve in self._curves.values():
            self.plot.removeItem(curve)
        self._curves.clear()
        self._history.clear()
        self._notices = []
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.clear()
        self.preview.clear()
        self.preview.setText("The preview appears here while training.")

    # -- stored runs and weights (the widget is in stored.py) ------------------------------

    def refresh(self) -> None:
        """Re-read the unfinished runs and the person's weights from disk."""
        self.stored.refresh()

    def _stored_message(self, text: str, error: bool) -> None:
        self.show_message(text, error=error)

    def weights_names(self) -> list[tuple[str, str]]:
        """``(model, weights name)`` of every listed user weights set."""
        return self.stored.weights_names()

    def select_weights(self, model: str, name: str) -> None:
        """Select the listed weights ``name`` of ``model``."""
        self.stored.select_weights(model, name)

    def use_selected(self) -> None:
        """Ask the window to repair with the selected weights."""
        self.stored.use_selected()

    def rename_selected(self) -> None:
        """Rename the selected weights (and their run) after asking for the new name."""
        self.stored.rename_selected()

    def delete_selected(self) -> None:
        """Delete the selected weights (and their checkpoint) after asking."""
        self.stored.delete_selected()

    def _update_buttons(self) -> None:
        running = self.running
        has_model = self.current_model() is not None
        self.start_button.setEnabled(has_model and not running)
        self.pause_button.setEnabled(running and not self.run.job.cancelled)
        self.pause_button.setText("Resume" if running and self.run.paused else "Pause")
        self.cancel_button.setEnabled(running and not self.run.job.cancelled)
        for widget in (self.model_combo, self.steps, self.batch_size, self.crop, self.name_edit,
                       *self.folder_fields):
            widget.setEnabled(not running)
        self.stored.update_buttons()
