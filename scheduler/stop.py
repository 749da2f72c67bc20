"""Stopping a solve from outside: a thread-safe token owned by the caller.

A servicer sets it when its RPC is cancelled or its deadline expires, the CLI on Ctrl-C, a job store
when a job is cancelled. The running search registers a callback that interrupts it at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from types import TracebackType


class StopToken:
    """Set once, from any thread; every registered callback then runs (late ones immediately)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def stop(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    def on_stop(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register `callback`; returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)

                def remove() -> None:
                    with self._lock:
                        if callback in self._callbacks:
                            self._callbacks.remove(callback)

                return remove
        callback()
        return lambda: None


class Deadline:
    """When a call must answer: a wall-clock end (monotonic) and an optional stop token.

    One is made per call from its time limit and handed to every phase (validation, heuristics,
    hint completion, model build, each search, the explainer, verification); each polls `expired`
    or asks `remaining()` for its own time limit, so the whole call ends on time together.
    """

    __slots__ = ("end", "stop")

    def __init__(self, seconds: float | None = None, stop: StopToken | None = None) -> None:
        self.end = math.inf if seconds is None else time.monotonic() + max(0.0, seconds)
        self.stop = stop

    @property
    def expired(self) -> bool:
        """True once the time is up or the stop token is set."""
        return time.monotonic() >= self.end or (self.stop is not None and self.stop.stopped)

    def remaining(self) -> float:
        """Seconds left (0 once expired; inf without a time limit)."""
        if self.stop is not None and self.stop.stopped:
            return 0.0
        return max(0.0, self.end - time.monotonic())

    @classmethod
    def since(cls, started: float, seconds: float, stop: StopToken | None = None) -> Deadline:
        """`seconds` after `started` (a `time.monotonic()` reading, e.g. when a request arrived)."""
        deadline = cls(None, stop)
        deadline.end = started + max(0.0, seconds)
        return deadline

    def within(self, seconds: float) -> Deadline:
        """A deadline at most `seconds` from now, never later than this one, same stop token."""
        inner = Deadline(None, self.stop)
        inner.end = min(self.end, time.monotonic() + max(0.0, seconds))
        return inner


class Stall:
    """A deadline that also expires once a search has gone `patience` seconds without improving
    (counted from its first improvement, `improved`): a stopping criterion for handing the rest
    of the time to another search. A context manager; inf patience never expires it early."""

    def __init__(self, deadline: Deadline, patience: float) -> None:
        self._own = StopToken()
        parent = deadline.stop
        self._unlink = parent.on_stop(self._own.stop) if parent is not None else (lambda: None)
        self.deadline = Deadline(None, self._own)
        self.deadline.end = deadline.end
        self._patience = patience
        self._last: float | None = None
        self._stalled = False
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        if math.isfinite(patience):
            self._thread = threading.Thread(target=self._watch, name="stall", daemon=True)
            self._thread.start()

    def improved(self) -> None:
        """The search found a better solution: its patience starts again."""
        self._last = time.monotonic()

    @property
    def stalled(self) -> bool:
        """True once the patience ran out (not when the deadline or its stop token ended it)."""
        return self._stalled

    def _watch(self) -> None:
        while not self._closed.wait(min(0.05, max(0.001, self._patience / 4))):
            last = self._last
            if last is not None and time.monotonic() - last >= self._patience:
                self._stalled = True
                self._own.stop()
                return

    def __enter__(self) -> Stall:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join()
        self._unlink()
