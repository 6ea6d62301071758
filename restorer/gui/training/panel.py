"""The training panel: fine-tune a trainable model on the person's own photo folders while they keep editing.

The panel puts together the form of a new run (:mod:`~restorer.gui.training.form`), the buttons that
start, pause and cancel it, the view of the run (:mod:`~restorer.gui.training.monitor`) and the runs
and weights on disk (:mod:`~restorer.gui.training.stored`); the checks before a run starts are
:mod:`restorer.train_form`'s.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from restorer.errors import Cancelled, RestorerError
from restorer.gui import dialogs
from restorer.gui.training.form import RunForm
from restorer.gui.training.monitor import TrainingMonitor
from restorer.gui.training.stored import StoredRuns
from restorer.gui.training.worker import Tick, TrainingRun
from restorer.gui.widgets import reveal
from restorer.models import Model
from restorer.registry import Registry
from restorer.train_form import RunPlan, plan_resume
from restorer.trainable import is_trainable


class TrainingPanel(QWidget):
    """Choose a model, photo folder(s), steps, batch, crop and a name; train in the background.

    ``weightsChanged(model name)`` fires when weights were added, renamed or deleted
    (the model panel refreshes its weights); ``useRequested(model name, weights name)``
    when the person wants to repair with fine-tuned weights; ``runningChanged(bool)``
    when a run starts or ends.
    """

    weightsChanged = Signal(str)
    useRequested = Signal(str, str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, device: str | None = None):
        super().__init__(parent)
        self.registry: Registry | None = None
        self.device = device
        self.run: TrainingRun | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.form = RunForm()
        self.form.modelChanged.connect(self._update_buttons)
        #: Whether the message shown is what was wrong with the form: it goes once a folder is edited.
        self._form_error = False
        for field in self.form.folder_fields:
            field.edit.textChanged.connect(self._form_edited)
        layout.addWidget(self.form)

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

        self.monitor = TrainingMonitor()
        layout.addWidget(self.monitor)

        self.stored = StoredRuns()
        self.stored.resumeRequested.connect(self.resume_run)
        self.stored.useRequested.connect(self.useRequested)
        self.stored.weightsChanged.connect(self.weightsChanged)
        self.stored.messaged.connect(self._stored_message)
        layout.addWidget(self.stored)
        layout.addStretch(1)
        self._update_buttons()

    # -- models ----------------------------------------------------------------------------

    def set_registry(self, registry: Registry | None) -> None:
        """Offer the trainable models of ``registry``."""
        self.registry = registry
        models = self.models()
        self.form.set_models(models)
        self.stored.set_models(models)

    def models(self) -> list[Model]:
        """The trainable models, in registry order."""
        return [m for m in (self.registry.models.values() if self.registry else []) if is_trainable(m)]

    def select_model(self, name: str) -> None:
        """Choose model ``name`` for a new run."""
        self.form.select_model(name)

    # -- running ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run is training (paused included)."""
        return self.run is not None and self.run.running

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` under the progress bar (red for errors), above this run's folder warnings."""
        self.monitor.show_message(text, error=error)

    def _form_edited(self) -> None:
        """A folder was typed or chosen: an error about the form as it was no longer holds."""
        if self._form_error and not self.running:
            self._form_error = False
            self.show_message("")

    def start(self) -> bool:
        """Start a new run from the form; ``False`` (and a message) when the form is not usable."""
        if self.running:
            return False
        try:
            plan = self.form.plan()
        except RestorerError as exc:
            self.show_message(str(exc), error=True)
            self._form_error = True
            return False
        if plan is None:
            return False
        self._launch(plan)
        return True

    def resume_run(self) -> bool:
        """Resume the unfinished run chosen under "Unfinished runs"."""
        chosen = self.stored.unfinished_run()
        if self.running or chosen is None or self.registry is None:
            return False
        record, _step = chosen
        try:
            plan = plan_resume(record, self.registry.models)
        except RestorerError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.form.show_record(record)
        self._launch(plan)
        return True

    def _launch(self, plan: RunPlan) -> None:
        run = TrainingRun(plan.model, list(plan.folders), plan.options, plan.name, device=self.device,
                          resume=plan.resume, parent=self)
        self.run = run
        self._form_error = False
        self.monitor.begin(plan.options.steps)
        self.show_message(f"{'Resuming' if plan.resume else 'Starting'} {plan.name}…")
        run.ticked.connect(self._ticked)
        run.noticed.connect(self.monitor.add_notice)
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
        """Whether the window may close: asks first while training, then cancels, waits for the checkpoint
        and joins the training thread."""
        if not self.running:
            return self.run is None or self.run.wait(5.0)  # a run that ended: its thread is joined at once
        if not dialogs.ask_yes(self, "Training is running",
                               "Stop training and close? A checkpoint is saved; resume it later under Unfinished runs."):
            return False
        self.run.cancel()
        return self.run.wait(120.0)

    # -- reports ---------------------------------------------------------------------------

    def _ticked(self, tick: Tick) -> None:
        self.monitor.show_tick(tick, self.run.record.options.batch_size if self.run else 1)
        if self.run is not None and not self.run.paused and not self.run.job.cancelled and tick.step < tick.total:
            self.show_message("Training…")  # not after the last step: the comparison's messages follow

    def _succeeded(self, path) -> None:
        record = self.run.record
        self.show_message(f"Finished: “{record.name}” is ready for {record.model} in the model panel ({path}).")
        self.monitor.show_verdict(self.run.holdout_line or "")
        self.stored.refresh()
        self.weightsChanged.emit(record.model)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.show_message(f"Cancelled at step {self.run.step}; a checkpoint was saved. "
                              "Resume it under Unfinished runs.")
        elif isinstance(exc, RestorerError):
            self.show_message(str(exc), error=True)
        else:
            self.show_message(f"Training failed (a bug): {type(exc).__name__}: {exc}", error=True)
        self.stored.refresh()
        if isinstance(exc, Cancelled):
            reveal(self.stored.runs_box)  # where the message points: at the foot of a long tab

    def _finished(self) -> None:
        self._update_buttons()
        self.runningChanged.emit(False)

    def _stored_message(self, text: str, error: bool) -> None:
        self.show_message(text, error=error)

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(self.form.current_model() is not None and not running)
        self.pause_button.setEnabled(running and not self.run.job.cancelled)
        self.pause_button.setText("Resume" if running and self.run.paused else "Pause")
        self.cancel_button.setEnabled(running and not self.run.job.cancelled)
        self.form.set_editable(not running)
        self.stored.set_training(self.run.record.name if running else None)
