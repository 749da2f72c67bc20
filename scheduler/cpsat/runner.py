"""Every CpSolver run: parameters, the call's deadline, and a stop token that interrupts it."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from ortools.sat.python import cp_model

from scheduler.stop import Deadline


def run(
    model: cp_model.CpModel,
    parameters: Mapping[str, object],
    deadline: Deadline | None = None,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Solve `model` with `parameters`, within `deadline` (its time left caps the parameters' limit)
    and stopped within milliseconds when its stop token is set. Every CpSolver run goes through
    here: the search, hint completion and the explainer alike."""
    solver = cp_model.CpSolver()
    for name, value in parameters.items():
        setattr(solver.parameters, name, value)
    if deadline is not None:
        limit = solver.parameters.max_time_in_seconds
        solver.parameters.max_time_in_seconds = max(0.0, min(limit, deadline.remaining()))
    stop = deadline.stop if deadline is not None else None
    running = threading.Event()
    finished = threading.Event()

    def interrupt() -> None:
        # stop_search() is a no-op until the search has started, so keep asking until it ends.
        def keep_stopping() -> None:
            while not finished.is_set():
                if running.is_set():
                    solver.stop_search()
                finished.wait(0.02)

        threading.Thread(target=keep_stopping, name="cpsat-stop", daemon=True).start()

    unregister = stop.on_stop(interrupt) if stop is not None else (lambda: None)
    try:
        running.set()
        status = solver.solve(model, callback)
    finally:
        finished.set()
        unregister()
    return solver, status
