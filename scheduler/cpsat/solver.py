"""Running CP-SAT on a built model: parameters, stop token, improving-solution callback."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat.model import SchedulingModel, schedule_from_values
from scheduler.schedule import Schedule
from scheduler.stop import StopToken

OnSolution = Callable[[int, int, Schedule], None]
"""Called on each improving solution with (objective, best bound, schedule)."""


@dataclass(frozen=True)
class SearchOutcome:
    status: str
    """CP-SAT's status name: OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID or UNKNOWN."""
    schedule: Schedule | None
    objective: int | None
    bound: int | None
    wall_time: float
    solutions: int
    values: list[int] | None = None
    """Every model variable's value in the returned solution (to hint a follow-up search)."""


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, sm: SchedulingModel, on_solution: OnSolution | None, stop: StopToken | None):
        super().__init__()
        self._sm = sm
        self._on_solution = on_solution
        self._stop = stop
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self._on_solution is not None:
            schedule = schedule_from_values(self._sm, self)
            self._on_solution(
                round(self.objective_value), round(self.best_objective_bound), schedule
            )
        # Closes the window in which a stop arrived before the search could be interrupted.
        if self._stop is not None and self._stop.stopped:
            self.stop_search()


def search(
    sm: SchedulingModel,
    parameters: Mapping[str, object],
    *,
    stop: StopToken | None = None,
    on_solution: OnSolution | None = None,
) -> SearchOutcome:
    solver = cp_model.CpSolver()
    for name, value in parameters.items():
        setattr(solver.parameters, name, value)
    callback = _Callback(sm, on_solution, stop)
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
    started = time.perf_counter()
    try:
        running.set()
        status = solver.solve(sm.model, callback)
    finally:
        finished.set()
        unregister()
    wall = time.perf_counter() - started
    name = solver.status_name(status)
    has_solution = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return SearchOutcome(
        status=name,
        schedule=schedule_from_values(sm, solver) if has_solution else None,
        objective=round(solver.objective_value) if has_solution else None,
        bound=_finite(solver.best_objective_bound)
        if has_solution or status == cp_model.UNKNOWN
        else None,
        wall_time=wall,
        solutions=callback.solutions,
        values=list(solver.response_proto.solution) if has_solution else None,
    )


def _finite(value: float) -> int | None:
    return round(value) if math.isfinite(value) else None
