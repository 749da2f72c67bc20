"""One solve: heuristic incumbent, CP-SAT under limits, verification, statistics."""

from __future__ import annotations

import time
from collections.abc import Callable

from scheduler import cpsat
from scheduler.cpsat.explain import explain_infeasibility
from scheduler.diagnose import Conflict, ConflictCode, describe, presolve_conflicts
from scheduler.heuristics import best_dispatch
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.result import Progress, SolveResult, SolveStatus, StopReason, relative_gap
from scheduler.schedule import Schedule
from scheduler.stop import StopToken
from scheduler.verify import Report, check, verify

OnProgress = Callable[[Progress], None]


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    stop: StopToken | None = None,
    on_progress: OnProgress | None = None,
    hint: Schedule | None = None,
) -> SolveResult:
    """Solve `problem` within `params`; the returned schedule (if any) has passed `verify.check`.

    `stop` ends the search early from any thread (the best schedule so far is kept); `on_progress`
    is called, from the solver's thread, on each improving solution; `hint` is a schedule to start
    from (e.g. a previous run's best), used when it is feasible and better than the heuristic's.
    Infeasibility and time limits are statuses, not exceptions; a schedule failing verification
    is a bug and raises `ScheduleInvalid`.
    """
    params = params or SolveParams()
    started = time.perf_counter()
    conflicts = presolve_conflicts(problem)
    if conflicts:
        return _infeasible(conflicts, time.perf_counter() - started)

    incumbent, incumbent_objective = _incumbent(problem)
    if hint is not None:
        hinted = verify(problem, hint)
        if hinted.ok and (incumbent_objective is None or _objective(hinted) < incumbent_objective):
            incumbent, incumbent_objective = hint, _objective(hinted)
    heuristic_time = time.perf_counter() - started

    sm = cpsat.build_model(problem, incumbent_objective)
    if params.use_hint and incumbent is not None:
        cpsat.add_hint(sm, incumbent)
    build_time = time.perf_counter() - started - heuristic_time

    progress: list[Progress] = []
    first_solution: list[float] = []

    def on_solution(objective: int, bound: int, schedule: Schedule) -> None:
        elapsed = time.perf_counter() - started
        if not first_solution:
            first_solution.append(elapsed)
        event = Progress(
            elapsed=elapsed,
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            solutions=len(progress) + 1,
            schedule=schedule,
        )
        progress.append(event)
        if on_progress is not None:
            on_progress(event)

    if stop is not None and stop.stopped:
        outcome = None
    else:
        outcome = cpsat.search(sm, params.cpsat_parameters(), stop=stop, on_solution=on_solution)

    if outcome is not None and outcome.schedule is not None:
        schedule: Schedule | None = outcome.schedule
        status = SolveStatus.OPTIMAL if outcome.status == "OPTIMAL" else SolveStatus.FEASIBLE
    elif outcome is not None and outcome.status in ("INFEASIBLE", "MODEL_INVALID"):
        if incumbent is not None or outcome.status == "MODEL_INVALID":
            # The incumbent is feasible, so CP-SAT cannot be right here: a modelling bug.
            raise AssertionError(
                f"CP-SAT says {outcome.status} for a problem with a verified schedule"
            )
        schedule, status = None, SolveStatus.INFEASIBLE
        conflicts = _explain(problem, params)
    elif incumbent is not None:
        schedule, status = incumbent, SolveStatus.HEURISTIC
    else:
        schedule, status = None, SolveStatus.UNKNOWN

    report = check(problem, schedule) if schedule is not None else None
    objective = _objective(report) if report is not None else None
    if outcome is not None and outcome.objective is not None and outcome.objective != objective:
        raise AssertionError(
            f"CP-SAT reports objective {outcome.objective}, the verifier computes {objective}"
        )
    bound = outcome.bound if outcome is not None else None
    if bound is not None and objective is not None:
        bound = min(bound, objective)
    if stop is not None and stop.stopped and status is not SolveStatus.OPTIMAL:
        reason = StopReason.CANCELLED
    elif status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE):
        reason = StopReason.FINISHED
    else:
        reason = StopReason.TIME_LIMIT
    return SolveResult(
        status=status,
        stop_reason=reason,
        objective=objective,
        best_bound=bound,
        gap=None if bound is None or objective is None else relative_gap(objective, bound),
        wall_time=time.perf_counter() - started,
        heuristic_time=heuristic_time,
        build_time=build_time,
        first_solution_time=first_solution[0] if first_solution else None,
        solutions=len(progress),
        heuristic_objective=incumbent_objective,
        schedule=schedule,
        kpis=report.kpis if report is not None else None,
        progress=tuple(progress),
        explanation=tuple(conflicts),
    )


EXPLAIN_TIME_LIMIT = 5.0
"""Seconds at most for isolating a conflicting set after CP-SAT proved infeasibility."""


def _explain(problem: Problem, params: SolveParams) -> list[Conflict]:
    """Why CP-SAT found no schedule: a small set of named hard constraints, in words."""
    explanation = explain_infeasibility(
        problem, time_limit=min(EXPLAIN_TIME_LIMIT, params.time_limit)
    )
    if explanation is None:
        return [
            Conflict(
                ConflictCode.UNEXPLAINED,
                "no schedule exists; no conflicting set of deadlines, calendars, materials, lags "
                "or resource calendars was isolated in time",
            )
        ]
    if not explanation.keys:
        return [
            Conflict(
                ConflictCode.UNEXPLAINED,
                "no schedule exists even without deadlines, calendars, materials, lags and "
                "resource calendars",
            )
        ]
    return [describe(problem, key) for key in explanation.keys]


def _infeasible(conflicts: list[Conflict], elapsed: float) -> SolveResult:
    """The result of a problem found infeasible before any search."""
    return SolveResult(
        status=SolveStatus.INFEASIBLE,
        stop_reason=StopReason.FINISHED,
        objective=None,
        best_bound=None,
        gap=None,
        wall_time=elapsed,
        heuristic_time=0.0,
        build_time=0.0,
        first_solution_time=None,
        solutions=0,
        heuristic_objective=None,
        schedule=None,
        kpis=None,
        explanation=tuple(conflicts),
    )


def _incumbent(problem: Problem) -> tuple[Schedule | None, int | None]:
    """A verified starting schedule and its objective, when a heuristic can build one."""
    if not problem.is_classic:
        # The dispatching rules know nothing of calendars, setups, resources or materials.
        return None, None
    incumbent = best_dispatch(problem)
    return incumbent, _objective(check(problem, incumbent))


def _objective(report: Report) -> int:
    """The objective of a verified (ok) report, which always has one."""
    assert report.objective is not None
    return report.objective
