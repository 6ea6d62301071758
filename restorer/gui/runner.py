"""Running a model (or other long work) off the GUI thread, with progress and cancel forwarded as Qt signals."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from restorer.jobs import Job
from restorer.models import Model
from restorer.pipeline import run_model
from restorer.tasks import task_spec


@dataclass(frozen=True)
class RunResult:
    """What a finished run hands back to the window."""

    model: Model
    image: np.ndarray
    coverage: np.ndarray | None  # the mask the model ran with (None: the whole photo)
    seconds: float
    device: str


def make_room_in_thread_pool() -> None:
    """Let the next worker start at once, even while other work (a model load, Find damage) holds the pool's threads.

    superqt's workers share Qt's global thread pool, sized by the CPU count: on a
    two-core machine a model load and a damage search would otherwise queue a repair.
    (A training run has a thread of its own: :class:`restorer.gui.training.worker.TrainingThread`.)
    """
    pool = QThreadPool.globalInstance()
    if pool.activeThreadCount() >= pool.maxThreadCount():
        pool.setMaxThreadCount(pool.activeThreadCount() + 1)


class JobRun(QObject):
    """Work done in a worker thread with a :class:`~restorer.jobs.Job`: progress reports and cancel.

    ``progressed``, ``succeeded`` and ``failed`` arrive on the GUI thread. The work
    is ``work(job)``, or a subclass's :meth:`_work`. ``started`` and ``finished`` bracket
    the run (:attr:`running` is ``True`` between them).
    """

    started = Signal()
    progressed = Signal(object)  # Progress
    succeeded = Signal(object)  # what the work returned
    failed = Signal(object)  # the exception (restorer.errors.Cancelled when cancelled)
    finished = Signal()

    def __init__(self, work: Callable[[Job], Any] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._work_function = work
        # The job's listener runs on the worker thread; a signal carries the report across.
        self.job = Job(self.progressed.emit)
        self.running = False
        self._worker = None

    def start(self) -> None:
        """Start the work in a worker thread."""
        self.running = True
        self.started.emit()
        self._worker = create_worker(self._work, _start_thread=False, _connect={
            "returned": self.succeeded.emit, "errored": self.failed.emit, "finished": self._done})
        make_room_in_thread_pool()
        self._worker.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self.job.cancel()

    def _done(self) -> None:
        self.running = False
        self.finished.emit()

    def _work(self) -> Any:
        return self._work_function(self.job)


def resolve_device(device: str | None) -> str:
    """``device``, or the best one found when ``None``; call it on a worker thread (it imports torch)."""
    if device is not None:
        return device
    from restorer.devices import resolve_device as find_device

    return find_device("auto")


class ModelRun(JobRun):
    """One run of one model on a snapshot of the photo and mask.

    The snapshot means the person can keep painting while the model works;
    ``succeeded`` carries a :class:`RunResult`.
    """

    def __init__(self, model: Model, photo: np.ndarray | None, coverage: np.ndarray | None,
                 params: Mapping[str, Any], device: str | None, parent: QObject | None = None):
        super().__init__(parent=parent)
        self.model = model
        self.params = dict(params)
        self.device = device
        self._photo = None if photo is None else photo.copy()
        self._coverage = None if coverage is None else coverage.copy()

    def _work(self) -> RunResult:
        device = resolve_device(self.device)
        coverage = self._coverage
        if coverage is not None and not coverage.any() and not task_spec(self.model.task).needs_mask:
            coverage = None  # nothing painted: a task whose mask is optional changes the whole photo
        mask = None if coverage is None else coverage > 0
        self.job.update(0, 0, f"Starting {self.model.label}…")
        started = time.perf_counter()
        image = run_model(self.model, self._photo, mask, self.params, device=device, job=self.job)
        return RunResult(self.model, image, coverage, time.perf_counter() - started, device)


__all__ = ["JobRun", "ModelRun", "RunResult", "make_room_in_thread_pool", "resolve_device"]


class WindowTool(QObject):
    """A tool of the window that runs one background :class:`JobRun` at a time (Find damage, Smart Select).

    ``busyChanged`` fires when :attr:`cancellable` may have changed (the window enables Esc by it).
    """

    busyChanged = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.run: JobRun | None = None

    def _launch(self, run: JobRun) -> None:
        """Start ``run`` as the tool's run."""
        self.run = run
        run.started.connect(self.busyChanged)
        run.finished.connect(self.busyChanged)
        run.start()

    @property
    def cancellable(self) -> bool:
        """Whether Esc has something of this tool's to stop (its run, by default)."""
        return self.running

    @property
    def window(self):
        """The window: the Qt parent, not a Python attribute (see :class:`MainWindow`)."""
        return self.parent()

    @property
    def running(self) -> bool:
        """Whether the tool's background work is running."""
        return self.run is not None and self.run.running
