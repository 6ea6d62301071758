"""Jobs: progress, cancel, pause."""

from __future__ import annotations

import threading
import time

import pytest

from restorer.errors import Cancelled
from restorer.jobs import Job


def test_progress_reaches_listener():
    seen = []
    job = Job(seen.append)
    job.update(1, 4, "one")
    assert seen[-1].done == 1 and seen[-1].total == 4 and seen[-1].message == "one"
    assert seen[-1].fraction == 0.25


def test_cancel_raises_at_next_update():
    job = Job()
    job.cancel()
    with pytest.raises(Cancelled):
        job.update(1, 2)


def test_pause_holds_until_resume():
    job = Job()
    job.pause()
    ticks = []

    def work():
        job.update(1, 2)
        ticks.append(time.monotonic())

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)
    assert not ticks  # held
    job.resume()
    thread.join(2)
    assert ticks and ticks[0] - started >= 0.3


def test_cancel_ends_a_pause():
    job = Job()
    job.pause()
    errors = []

    def work():
        try:
            job.update(1, 2)
        except Cancelled as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    job.cancel()
    thread.join(2)
    assert errors


def test_child_maps_progress_into_parent_range():
    seen = []
    job = Job(seen.append)
    child = job.child(2, 1, 4)
    child.update(5, 10)
    assert (seen[-1].done, seen[-1].total) == (2, 4) or (seen[-1].done, seen[-1].total) == (3, 4)
    child.update(10, 10)
    assert (seen[-1].done, seen[-1].total) == (3, 4)
    job.cancel()
    with pytest.raises(Cancelled):
        child.update(1, 10)


def test_cancel_all_stops_every_live_job():
    from restorer.jobs import cancel_all

    jobs = [Job(), Job()]
    assert cancel_all() >= 2
    assert all(job.cancelled for job in jobs)
