"""One training run in a worker thread, reported to the GUI thread at a steady, low rate.

The training loop reports every step (for a tiny model, hundreds a second).
Forwarding each report as a signal would flood the GUI thread, so the job's
listener only appends to a buffer under a lock, and a timer on the GUI thread
drains it ten times a second into one :class:`Tick` (every step's losses for the
plot, the latest rate and preview). Painting and repairing stay fluid.

A run lasts hours, so it has a thread of its own (:class:`TrainingThread`) rather
than a slot of Qt's global thread pool, which repairs, model loads and smart
selections share; :meth:`TrainingRun.wait` joins it.

When a run of an inpainting model that kept photos out of training has stored its
weights, the worker thread goes on to compare them with the starting weights on
those photos (:mod:`restorer.training.holdout`) and keeps the one-line result in
:attr:`TrainingRun.holdout_line`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from restorer.errors import Cancelled, RestorerError
from restorer.jobs import Job, Progress
from restorer.models import Model
from restorer.training.options import TrainOptions
from restorer.training.stored_runs import RunRecord

#: How often the GUI thread collects the worker's reports, in milliseconds.
TICK_MS = 100

_torch_import_lock = threading.Lock()


def import_torch_fully() -> None:
    """Import torch with the parts it imports lazily (the first optimizer pulls in ``torch._dynamo``),
    one thread at a time: two worker threads doing that at once can see half-registered operators
    (``'prims' object has no attribute 'sum'``)."""
    with _torch_import_lock:
        import torch._dynamo  # noqa: F401


@dataclass
class Tick:
    """What happened in the worker since the last tick."""

    step: int
    total: int
    #: ``(step, {loss name: value})`` for every step since the last tick, for the loss plot.
    losses: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    images_per_s: float = 0.0
    preview: np.ndarray | None = None
    message: str = ""
    skipped: int = 0


class TrainingThread(QThread):
    """A thread that runs ``work()`` once: ``returned`` with what it returned, or ``errored`` with what it
    raised, then Qt's ``finished``. Connected to a GUI-thread object's methods, they arrive there in order."""

    returned = Signal(object)
    errored = Signal(object)

    def __init__(self, work: Callable[[], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._work = work

    def run(self) -> None:  # the new thread
        try:
            result = self._work()
        except BaseException as exc:  # any failure is reported to the panel, none ends the thread unheard
            self.errored.emit(exc)
        else:
            self.returned.emit(result)


class TrainingRun(QObject):
    """Train ``model`` on ``folders`` in a worker thread; store the result as user weights ``name``.

    Signals arrive on the GUI thread: ``ticked`` (a :class:`Tick`, at most every
    :data:`TICK_MS`), ``noticed`` (a folder warning), ``measuring`` (progress of the
    comparison on the held-out photos, after the weights are stored), ``succeeded``
    (the weights path; :attr:`holdout_line` is set by then), ``failed`` (the exception;
    :class:`~restorer.errors.Cancelled` after a cancel, with the checkpoint saved),
    then ``finished``.
    """

    ticked = Signal(object)
    noticed = Signal(str)
    measuring = Signal(str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, model: Model, folders: list[str], options: TrainOptions, name: str, *,
                 device: str | None = None, resume: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.record = RunRecord(model.name, name, tuple(str(f) for f in folders), options)
        self.device = device
        self.resume = resume
        self.job = Job(self._report)
        self.running = False
        self.step = 0
        #: After success: how the new weights did on the photos kept out of training (or why there is
        #: no comparison); ``None`` when the run kept none out and asked for none.
        self.holdout_line: str | None = None
        self._lock = threading.Lock()
        self._pending: list[tuple[int, dict[str, float]]] = []
        self._latest: Progress | None = None
        self._preview: np.ndarray | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._drain)
        #: The run's own thread (Qt's global pool is left to repairs and other short work).
        self.training_thread = TrainingThread(self._work, self)
        self.training_thread.setObjectName(f"training {self.record.model} {self.record.name}")
        self.training_thread.returned.connect(self._returned)
        self.training_thread.errored.connect(self._errored)
        self.training_thread.finished.connect(self._done)

    @property
    def paused(self) -> bool:
        """Whether the run is asked to hold."""
        return self.job.paused

    def start(self) -> None:
        """Start training in the run's own thread."""
        self.running = True
        self._timer.start()
        self.training_thread.start()

    def pause(self) -> None:
        """Hold after the current step (the model stays in memory)."""
        self.job.pause()

    def resume_training(self) -> None:
        """Continue after :meth:`pause`."""
        self.job.resume()

    def cancel(self) -> None:
        """Stop after the current step; the loop saves a checkpoint first."""
        self.job.cancel()

    # -- worker thread -------------------------------------------------------------------------

    def _report(self, progress: Progress) -> None:
        metrics = progress.metrics or {}
        losses = {k: float(v) for k, v in metrics.items() if k not in ("step", "images_per_s", "skipped")}
        with self._lock:
            if losses:
                self._pending.append((progress.done, losses))
            self._latest = progress
            if progress.preview is not None:
                self._preview = progress.preview

    def _work(self) -> tuple[Path, str | None]:
        import_torch_fully()
        from restorer.training.train_and_store import train_model

        device = self.device
        if device is None:
            from restorer.devices import resolve_device

            device = resolve_device("auto")
        path, _result = train_model(self.model, list(self.record.folders), self.record.options, self.record.name,
                                    device=device, resume=self.resume, job=self.job, on_notice=self.noticed.emit)
        return path, self._compare(device)

    def _compare(self, device: str) -> str | None:
        """The comparison on the held-out photos, as one line; a failure here never fails the run
        (its weights are stored by now)."""
        from restorer.training import holdout

        def report(progress: Progress) -> None:
            self.measuring.emit(f"Measuring on your photos left out of training: {progress.done} / "
                                f"{progress.total} repairs…")
            self.job.check()  # the run's Pause holds the comparison too, and Cancel stops it

        try:
            score = holdout.compare_holdout(self.model, self.record.name, device=device, job=Job(report))
            return holdout.holdout_line(self.model, self.record.name, score)
        except Cancelled:
            return "No comparison: stopped before it finished."
        except RestorerError as exc:
            return f"No comparison: {exc}"
        except Exception as exc:  # a bug in measuring: reported, and the stored weights still count
            return f"No comparison (a bug): {type(exc).__name__}: {exc}"

    # -- GUI thread ----------------------------------------------------------------------------

    def _drain(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            latest, preview, self._preview = self._latest, self._preview, None
        if latest is None or (not pending and preview is None and latest.done == self.step):
            return
        self.step = latest.done
        metrics = latest.metrics or {}
        self.ticked.emit(Tick(latest.done, latest.total, pending, float(metrics.get("images_per_s", 0.0)),
                              preview, latest.message, int(metrics.get("skipped", 0))))

    def _returned(self, result: Any) -> None:
        self._drain()
        path, self.holdout_line = result
        self.succeeded.emit(path)

    def _errored(self, exc: BaseException) -> None:
        self._drain()
        self.failed.emit(exc)

    def _done(self) -> None:
        self._timer.stop()
        self.running = False
        self.finished.emit()

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Process events until the run ended (or ``timeout_s`` passed), then join its thread; whether it ended.

        Events are processed meanwhile: the window is painted, and the run's last reports
        (``succeeded`` or ``failed``, ``finished``) arrive before this returns.
        """
        from PySide6.QtCore import QCoreApplication, QEventLoop

        deadline = time.monotonic() + timeout_s
        while self.running and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.005)
        if self.running:
            return False
        # ``finished`` is the thread's last act, so this returns at once: the thread has ended when it does.
        return self.training_thread.wait(max(1000, int((deadline - time.monotonic()) * 1000)))
