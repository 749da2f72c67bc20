"""The stop token and the per-call deadline every phase polls."""

import time

from scheduler.stop import Deadline, StopToken


def test_deadline_expires_after_its_seconds():
    """A deadline is open before its end and expired after it."""
    deadline = Deadline(0.05)
    assert not deadline.expired
    assert 0 < deadline.remaining() <= 0.05
    time.sleep(0.06)
    assert deadline.expired
    assert deadline.remaining() == 0.0


def test_deadline_expires_when_stopped():
    """Setting the stop token expires the deadline and every deadline within it at once."""
    stop = StopToken()
    deadline = Deadline(100, stop)
    inner = deadline.within(50)
    stop.stop()
    assert deadline.expired and inner.expired
    assert deadline.remaining() == 0.0


def test_within_never_outlives_its_parent():
    """A sub-deadline asked for more time than is left ends with its parent."""
    deadline = Deadline(0.01)
    assert deadline.within(10).end == deadline.end
    assert Deadline().remaining() == float("inf")


def test_since_counts_from_an_earlier_moment():
    """A deadline since a request's arrival has already used the time that passed since."""
    arrived = time.monotonic() - 0.5
    deadline = Deadline.since(arrived, 1.0)
    assert 0.4 < deadline.remaining() <= 0.5
    assert Deadline.since(arrived, 0.2).expired
