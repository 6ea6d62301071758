"""Running models from a window: loading the models in the background, starting the selected model on
the photo and mask, cancelling it, and taking its result (or its error) back."""

from __future__ import annotations

import traceback

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from superqt.utils import create_worker

from restorer.editing.document import Document
from restorer.errors import Cancelled, RestorerError
from restorer.gui.panel import ModelPanel
from restorer.gui.runner import ModelRun, RunResult, make_room_in_thread_pool
from restorer.images import photo_from_array
from restorer.jobs import Progress
from restorer.tasks import task_spec


class RunControl(QObject):
    """Runs the model chosen in ``panel`` on :attr:`document`, on :attr:`device`.

    The window keeps :attr:`document` and :attr:`device` current; the models offered are
    the panel's (``panel.registry``, ``None`` while loading). It tells the window through
    signals: ``deviceFound(device, name)`` and ``modelsLoaded(registry)`` when the
    background loading is done; ``generated(photo, model title)`` for an image to show
    in a new window; ``resultApplied`` after a result became the photo's last step
    (:attr:`last_result`); ``runFinished`` after every run, however it ended;
    ``status(text, milliseconds)`` for the status bar (0: until the next message);
    ``failed(title, text, details)`` for an error to show (``details`` may be empty).
    """

    deviceFound = Signal(object, object)  # device, its name
    modelsLoaded = Signal(object)  # Registry
    generated = Signal(object, str)  # Photo, the model's title
    resultApplied = Signal()
    runFinished = Signal()
    busyChanged = Signal()  # a run started or ended
    status = Signal(str, int)
    failed = Signal(str, str, str)

    def __init__(self, panel: ModelPanel, *, device: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.panel = panel
        #: The photo a run works on (``None``: no photo open).
        self.document: Document | None = None
        #: Where models run (``None`` until known: the background loading finds it).
        self.device = device
        self.run: ModelRun | None = None
        #: The history step of the last model result (the window's "Undo result" takes back only that).
        self.last_result = None
        self._run_document: Document | None = None
        self._loader = None
        #: The history step the panel's message was written at (see :meth:`history_changed`).
        self._told_at: object | None = None

    # -- loading ----------------------------------------------------------------------------

    def start_background_loading(self) -> None:
        """Load the plugins (and with them torch) and find the device, off the GUI thread."""
        need_registry = self.panel.registry is None
        need_device = self.device is None
        if not (need_registry or need_device):
            return

        def load():
            from restorer.registry import get_registry

            registry = get_registry() if need_registry else None
            device = name = None
            if need_device:
                try:
                    from restorer.devices import describe_device, resolve_device

                    device = resolve_device("auto")
                    name = describe_device(device)
                except Exception:  # no usable torch: the OpenCV models still work
                    device, name = "cpu", "CPU"
            return registry, device, name

        self.status.emit("Loading models…", 0)
        self._loader = create_worker(load, _start_thread=False, _connect={
            "returned": self._loaded, "errored": self._loading_failed})
        make_room_in_thread_pool()
        self._loader.start()

    def _loaded(self, result) -> None:
        registry, device, name = result
        if device is not None:
            self.deviceFound.emit(device, name)
        if registry is not None:
            self.modelsLoaded.emit(registry)
        self.status.emit("Ready", 2000)

    def _loading_failed(self, exc: Exception) -> None:
        self.failed.emit("Cannot load the models", f"{type(exc).__name__}: {exc}",
                         "".join(traceback.format_exception(exc)))

    # -- running ----------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        """``message`` in the status bar and under the model panel's progress bar."""
        self.status.emit(message, 5000)
        self._tell(message)

    def _tell(self, message: str) -> None:
        """``message`` under the panel's progress bar, true of the photo and mask as they are now."""
        self.panel.set_message(message)
        self._told_at = self._last_step()

    def _last_step(self) -> object | None:
        applied = self.document.history.applied if self.document is not None else ()
        return applied[-1] if applied else None

    def history_changed(self) -> None:
        """The photo or mask changed (an edit, an undo, a redo): a message about them from before, such as
        "done; Ctrl+Z undoes it" or "paint over the damage first", no longer holds, so it goes."""
        running = self.run is not None and self.run.running
        if not running and self._last_step() is not self._told_at:
            self.panel.set_message("")
            self._told_at = self._last_step()

    def run_model(self) -> None:
        """Run the selected model on the photo and mask (Ctrl+Return)."""
        panel = self.panel
        if self.run is not None and self.run.running:
            self._say(f"{self.run.model.label} is still running: wait for it or press Cancel (Esc).")
            QApplication.beep()
            return
        model = panel.current_model()
        if model is None:
            self.status.emit("The models are still loading…" if panel.registry is None
                             else "No model is selected.", 4000)
            return
        document = self.document
        task = task_spec(model.task)
        if task.photo and document is None:
            self.status.emit(f"Open a photo first: {model.label} works on a photo.", 5000)
            return
        if task.needs_mask and not document.mask.any():
            self._say("Paint over the damage first (brush: B), then repair.")
            return
        if task.needs_mask and document.mask.mask.all():
            self._say("The whole photo is painted: leave the undamaged part unpainted (eraser: E), then repair.")
            return
        photo = document.rgb if (document is not None and task.photo) else None
        coverage = document.mask.coverage if (document is not None and task.mask != "none") else None
        self.run = ModelRun(model, photo, coverage, panel.values(), self.device, self)
        self._run_document = document  # a result belongs to the photo it was computed from
        self.run.progressed.connect(self._run_progressed)
        self.run.succeeded.connect(self._run_succeeded)
        self.run.failed.connect(self._run_failed)
        self.run.finished.connect(self._run_finished)
        self.run.started.connect(self.busyChanged)
        self.run.finished.connect(self.busyChanged)
        panel.set_running(True)
        panel.set_message(f"{model.label}: starting…")
        self.run.start()

    def cancel_run(self) -> None:
        """Ask the running model to stop (Esc)."""
        if self.run is not None and self.run.running:
            self.run.cancel()
            self.panel.set_message("Cancelling…")

    def _run_progressed(self, progress: Progress) -> None:
        self.panel.set_progress(progress)

    def _run_succeeded(self, result: RunResult) -> None:
        panel, document = self.panel, self.document
        model = result.model
        task = task_spec(model.task)
        if task.returns == "images":
            self.generated.emit(photo_from_array(np.ascontiguousarray(result.image)), model.label)
            panel.set_message(f"Generated with {model.label} in {result.seconds:.1f} s; "
                              "it opened in a new window.")
            return
        if document is None or document is not self._run_document:
            panel.set_message("Another photo was opened while the model ran; its result was dropped.")
            return
        verb = task.title
        clear = task.clears_mask and panel.clear_mask.isChecked()
        self.last_result = document.apply_result(result.image, result.coverage, f"{verb} with {model.label}",
                                                 clear_mask=clear)
        self.resultApplied.emit()
        if self.last_result is None or not getattr(self.last_result, "changes_photo", False):
            # e.g. a model that returned the photo as it was
            panel.set_message(f"{verb} with {model.label} finished in {result.seconds:.1f} s "
                              "but changed no pixel of the photo.")
            self.status.emit(f"{verb}: no change", 4000)
            return
        self._tell(f"{verb} with {model.label} done in {result.seconds:.1f} s. "
                   "Hold \\ to compare with the original; Ctrl+Z undoes it.")
        self.status.emit(f"{verb} done", 4000)

    def _run_failed(self, exc: Exception) -> None:
        model = self.run.model if self.run else None
        generates = model is not None and task_spec(model.task).returns == "images"
        outcome = "nothing was generated" if generates else "the photo is unchanged"
        if isinstance(exc, Cancelled):
            self.panel.set_message(f"Cancelled; {outcome}.")
            self.status.emit("Cancelled", 3000)
            return
        title = f"{model.label} failed" if model else "The model failed"
        if isinstance(exc, RestorerError):
            self.failed.emit(title, str(exc), "")
        else:  # a bug in a plugin: say which, keep the traceback for the report
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self.failed.emit(title, f"The model raised an unexpected error: {type(exc).__name__}"
                                    f"{': ' + text if text else ''}\n{outcome[0].upper() + outcome[1:]}.",
                             "".join(traceback.format_exception(exc)))
        self.panel.set_message(f"{title}; {outcome}.")

    def _run_finished(self) -> None:
        self.panel.set_running(False)
        self.runFinished.emit()
