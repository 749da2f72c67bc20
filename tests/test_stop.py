"""The stop token and the per-call deadline every phase polls."""

import math
import time

from scheduler.stop import Deadline, Stall, StopToken


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


def test_a_stall_expires_its_deadline_once_the_search_stops_improving():
    """Binding: 0.3 s without an improvement after the first ends the deadline; slack: improving
    every 0.03 s, or never improving at all, keeps it open; the parent's stop ends it too."""
    with Stall(Deadline(10), 0.3) as stall:
        time.sleep(0.4)
        assert not stall.deadline.expired  # no first improvement yet
        for _ in range(15):
            stall.improved()
            time.sleep(0.03)
        assert not stall.deadline.expired
        time.sleep(0.5)
        assert stall.deadline.expired and stall.stalled
    stop = StopToken()
    with Stall(Deadline(10, stop), math.inf) as stall:
        stop.stop()
        assert stall.deadline.expired and not stall.stalled
    with Stall(Deadline(10), math.inf) as stall:
        stall.improved()
        assert 9 < stall.deadline.remaining() <= 10
