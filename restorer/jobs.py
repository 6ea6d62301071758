"""Jobs: progress reporting and cooperative cancel/pause for long work.

A job is created by whoever starts the work (CLI, GUI worker, trainer) and handed
to the code doing it. That code calls :meth:`Job.update` between steps; each call
is a progress tick, a pause point and a cancel point (it raises
:class:`~restorer.errors.Cancelled`). Listeners run on the worker's thread: the
GUI forwards them to its thread with a signal.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable

from restorer.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """One progress report. ``preview`` is an optional ``uint8`` RGB array."""

    done: int
    total: int
    message: str = ""
    preview: Any = None
    metrics: dict | None = None

    @property
    def fraction(self) -> float:
        """Done as a fraction in [0, 1] (0 when the total is unknown)."""
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0


Listener = Callable[[Progress], None]

#: Every job not yet garbage-collected, so that quitting can stop them all (see :func:`cancel_all`).
_live: "weakref.WeakSet[Job]" = weakref.WeakSet()
_live_lock = threading.Lock()


def cancel_all() -> int:
    """Cancel every job still alive (on quit: no worker thread may outlive the app). Returns how many."""
    with _live_lock:
        jobs = list(_live)
    for job in jobs:
        job.cancel()
    return len(jobs)


class Job:
    """Progress + cancel + pause for one piece of long work. Thread-safe."""

    def __init__(self, listener: Listener | None = None):
        self._listeners: list[Listener] = [listener] if listener else []
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.last: Progress | None = None
        with _live_lock:
            _live.add(self)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(progress)`` on every update."""
        self._listeners.append(listener)

    # -- called by the side that controls the work -----------------------------------------

    def cancel(self) -> None:
        """Ask the work to stop at its next update (also ends a pause)."""
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        """Hold the work at its next update until :meth:`resume` or :meth:`cancel`."""
        self._running.clear()

    def resume(self) -> None:
        """Let paused work continue."""
        self._running.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked for."""
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        """Whether the work is asked to hold."""
        return not self._running.is_set()

    # -- called by the work ----------------------------------------------------------------

    def check(self) -> None:
        """Wait while paused; raise :class:`Cancelled` if cancel was asked for."""
        while not self._running.wait(0.1):
            pass
        if self._cancel.is_set():
            raise Cancelled()

    def update(self, done: int, total: int, message: str = "", preview: Any = None,
               metrics: dict | None = None) -> None:
        """Report progress, then act as a pause and cancel point."""
        self.last = Progress(done, total, message, preview, metrics)
        for listener in self._listeners:
            listener(self.last)
        self.check()

    def child(self, start: int, span: int, total: int) -> "Job":
        """A job whose ``update(d, t)`` maps onto ``start + span * d / t`` of ``total`` here.

        Lets a model report its own steps while the pipeline reports crops.
        """
        parent = self

        class _Child(Job):
            def update(self, done, total_, message="", preview=None, metrics=None):  # noqa: D102
                frac = done / total_ if total_ else 0.0
                parent.update(start + int(round(span * frac)), total, message, preview, metrics)

            def check(self):  # noqa: D102
                parent.check()

            @property
            def cancelled(self):  # noqa: D102
                return parent.cancelled

        return _Child()
