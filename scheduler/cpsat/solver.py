"""Running CP-SAT on a built model: parameters, stop token, improving-solution callback."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat.model import SchedulingModel, schedule_from_values
from scheduler.cpsat.runner import run
from scheduler.problem import ObjectiveKind, Problem
from scheduler.schedule import Schedule
from scheduler.stop import Deadline, StopToken

JOBSHOP_PARAMETERS: dict[str, object] = {"use_objective_lb_search": True}
"""Added on a (flexible) job shop with a makespan objective searched by two workers or more: one worker then
raises the bound while the other improves the tabu search's schedule. Measured on issue 11's
31-instance set at 10 s and 2 workers: better bounds everywhere (ft10 883 vs 808, la38 1116 vs
1056), la16/la18 within 2 and 8 of their optimum (`benchmarks/README.md`, "Job-shop quality")."""

CPSAT_FIRST_SECONDS = 8e-4
"""A job shop with a makespan objective is left to CP-SAT's own portfolio first (no tabu search
before it, no lower-bound search; the tabu search polishes its schedule after it,
`solve.POLISH_SHARE`) when its time limit is at least this many seconds times the square of its
operation count: 8 s at 100 operations (10 x 10), 41 s at 225 (15 x 15), 72 s at 300. Given
that time, CP-SAT from the dispatching schedule finds and proves what the tabu search's
schedule as a hint keeps it from; with less, the tabu search's schedule is worth more
(`benchmarks/README.md`, "Job-shop quality (issue 11)": ta01-ta05 at 30 s, mean gap 0.10 % vs
0.57 %, ta01 proven in 12.7 s; ta11-ta32 at 60 s, 3.34 % vs 1.87 %)."""

OVERRUN_SECONDS_PER_ELEMENT = 4e-6
"""A search ends this long per variable and constraint of its model before its deadline: CP-SAT
returns that much after its time limit (stopping its workers, the last solution callback, its
response), 0.06-0.25 s for the 150,051 of a 50,000-operation job shop on two shared cores
(`benchmarks/README.md`, "Large plants (issue 11)"); twice that, for a loaded machine."""

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
        self._lock = threading.Lock()
        self._stop_at_next = False
        self.solutions = 0

    def on_solution_callback(self) -> None:
        with self._lock:
            self.solutions += 1
            stop_now = self._stop_at_next
        if self._on_solution is not None:
            schedule = schedule_from_values(self._sm, self)
            self._on_solution(
                round(self.objective_value), round(self.best_objective_bound), schedule
            )
        # Closes the window in which a stop arrived before the search could be interrupted.
        if stop_now or (self._stop is not None and self._stop.stopped):
            self.stop_search()

    def enough(self) -> bool:
        """The soft limit passed: True when a solution exists (stop now), else stop at the next."""
        with self._lock:
            self._stop_at_next = True
            return self.solutions > 0


def search(
    sm: SchedulingModel,
    parameters: Mapping[str, object],
    *,
    deadline: Deadline | None = None,
    on_solution: OnSolution | None = None,
    soft_limit: float | None = None,
) -> SearchOutcome:
    """One search of `sm`'s current objective, within `deadline` (see `runner.run`).

    After `soft_limit` seconds the search ends at its first solution, at once if it has one: a
    lexicographic level's share of the time, which a level without any solution yet may overrun
    rather than end the solve empty-handed.
    """
    parameters = tuned(sm.problem, parameters)
    parent = deadline.stop if deadline is not None else None
    # A stop of our own, so the soft limit ends this search without stopping the caller's solve.
    own = StopToken()
    unlink = parent.on_stop(own.stop) if parent is not None else (lambda: None)
    bounded = Deadline(None, own)
    if deadline is not None:
        bounded.end = deadline.end - overrun_seconds(sm)
    callback = _Callback(sm, on_solution, own)
    timer = None
    if soft_limit is not None:

        def soft_limit_reached() -> None:
            if callback.enough():
                own.stop()

        timer = threading.Timer(max(0.0, soft_limit), soft_limit_reached)
        timer.daemon = True
        timer.start()
    started = time.perf_counter()
    try:
        solver, status = run(sm.model, parameters, bounded, callback)
    finally:
        if timer is not None:
            timer.cancel()
        unlink()
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


def overrun_seconds(sm: SchedulingModel) -> float:
    """How long before its deadline a search of `sm` ends (`OVERRUN_SECONDS_PER_ELEMENT`)."""
    proto = sm.model.proto
    return OVERRUN_SECONDS_PER_ELEMENT * (len(proto.variables) + len(proto.constraints))


def cpsat_first(problem: Problem, time_limit: float) -> bool:
    """Whether a job shop (one machine per operation) with a makespan objective is small enough
    for `time_limit` that CP-SAT searches it alone (`CPSAT_FIRST_SECONDS`)."""
    if not problem.is_classic or problem.objective.kinds != {ObjectiveKind.MAKESPAN}:
        return False
    n = problem.index.n_operations
    return not problem.index.is_flexible() and time_limit >= CPSAT_FIRST_SECONDS * n * n


def tuned(problem: Problem, parameters: Mapping[str, object]) -> Mapping[str, object]:
    """`parameters` with `JOBSHOP_PARAMETERS` added for a (flexible) job shop with a makespan
    objective and at least two workers (with one, the bound search would be the only search).
    On flexible shops it once cost the schedules (Brandimarte mk01-mk10 at 10 s: 4.26 % with
    it, 2.87 % without) when CP-SAT searched from dispatching; after the flexible tabu search
    (`heuristics/fjsp_tabu.py`) CP-SAT seldom improves the schedule and the bound is what it
    adds: mk07 132 vs 47, mk05 156 vs 127, e-la21 940 vs 895, same makespans within a unit
    (`benchmarks/README.md`, "Flexible job shops (issue 11)")."""
    makespan_shop = problem.is_classic and problem.objective.kinds == {ObjectiveKind.MAKESPAN}
    workers = parameters.get("num_workers", 0)
    limit = parameters.get("max_time_in_seconds", math.inf)
    if isinstance(limit, int | float) and cpsat_first(problem, limit):
        return parameters
    if makespan_shop and isinstance(workers, int) and workers >= 2:
        return {**JOBSHOP_PARAMETERS, **parameters}
    return parameters


def _finite(value: float) -> int | None:
    return round(value) if math.isfinite(value) else None
