"""Compiling numba kernels in a background thread, so that a deadline never waits for it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from scheduler.stop import Deadline


class BackgroundCompile:
    """Kernels compiled (or loaded from numba's disk cache) once per process by `build`, which
    returns them by name after calling each on a tiny instance; started by the first `ready`."""

    def __init__(self, name: str, build: Callable[[], dict[str, Any]]) -> None:
        self._name = name
        self._build = build
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.kernels: dict[str, Any] = {}

    def ready(self, deadline: Deadline | None = None) -> bool:
        """True once the kernels are ready; waits for them at most until `deadline` (forever
        without one). A failed compilation stays False (the caller keeps its schedule)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        while not self._done.is_set():
            if deadline is not None and deadline.expired:
                return False
            wait = 0.05 if deadline is None else min(0.05, max(deadline.remaining(), 0.001))
            self._done.wait(wait)
        return bool(self.kernels)

    def _run(self) -> None:
        try:
            self.kernels.update(self._build())
        finally:
            self._done.set()
