"""Stopping a solve from outside: a thread-safe token owned by the caller.

A servicer sets it when its RPC is cancelled or its deadline expires, the CLI on Ctrl-C, a job store
when a job is cancelled. The running search registers a callback that interrupts it at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


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
