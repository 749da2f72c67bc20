"""One solve: heuristic incumbent, CP-SAT under limits, verification, statistics."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction

from scheduler import cpsat
from scheduler.cpsat.explain import explain_infeasibility
from scheduler.diagnose import Conflict, ConflictCode, describe, presolve_conflicts
from scheduler.heuristics import best_dispatch, best_factory_dispatch
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.result import (
    LevelResult,
    Progress,
    SolveResult,
    SolveStatus,
    StopReason,
    relative_gap,
)
from scheduler.schedule import Schedule
from scheduler.stop import StopToken
from scheduler.verify import Report, ViolationKind, check, verify

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
    hinted_in_full = False
    conflicts = presolve_conflicts(problem)
    if conflicts:
        return _infeasible(conflicts, time.perf_counter() - started)

    incumbent, incumbent_objective = _incumbent(problem)
    if hint is not None:
        hinted = verify(problem, hint)
        if hinted.ok and (incumbent_objective is None or _objective(hinted) < incumbent_objective):
            incumbent, incumbent_objective = hint, _objective(hinted)
    heuristic_time = time.perf_counter() - started

    if incumbent is not None and cpsat.circuit_size(problem) > cpsat.MAX_CIRCUIT_ARCS:
        # The changeover circuits alone would take longer to build than the solve may run; the
        # verified dispatching schedule is the answer (status HEURISTIC).
        return _heuristic_only(problem, incumbent, started, heuristic_time)

    sm = cpsat.build_model(
        problem,
        incumbent_objective,
        incumbent_makespan=_makespan(incumbent) if incumbent is not None else 0,
    )
    if params.use_hint and incumbent is not None:
        cpsat.add_hint(sm, incumbent)
        if not problem.is_classic:
            hinted_in_full = cpsat.complete_hint(sm, time_limit=min(2.0, params.time_limit / 5))
    build_time = time.perf_counter() - started - heuristic_time

    # Measured on the example plants: CP-SAT's presolve of a factory model (changeover circuits,
    # reservoirs) can use the whole time limit and never reach the hinted schedule; without it the
    # complete hint is its first solution at once and the search improves on it.
    presolve = problem.is_classic or not hinted_in_full
    progress: list[Progress] = []
    first_solution: list[float] = []
    searching = [0]  # the objective level being searched, for the progress events

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
            level=searching[0],
        )
        progress.append(event)
        if on_progress is not None:
            on_progress(event)

    searches = _search_levels(sm, params, stop, on_solution, searching, presolve=presolve)
    # The last search that found a schedule; the one after it (if any) could only repeat it.
    found = [k for k, o in enumerate(searches) if o.schedule is not None]
    outcome = searches[found[-1]] if found else (searches[0] if searches else None)

    if outcome is not None and outcome.schedule is not None:
        schedule: Schedule | None = outcome.schedule
        proven = len(searches) == len(problem.objective.levels) and all(
            o.status == "OPTIMAL" for o in searches
        )
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
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
    levels = _level_results(problem, searches, schedule, report)
    last = levels[-1]
    bound = last.bound
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
        levels=levels,
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


# --------------------------------------------------------------------------------------------------
# Lexicographic objectives


def _search_levels(
    sm: cpsat.SchedulingModel,
    params: SolveParams,
    stop: StopToken | None,
    on_solution: Callable[[int, int, Schedule], None],
    searching: list[int],
    *,
    presolve: bool = True,
) -> list[cpsat.SearchOutcome]:
    """Minimise each level in turn, holding the earlier ones within their limits.

    The time limit is shared: each level gets the remaining time divided by the levels left, so
    time a level leaves unused goes to the later ones. A later level starts from the previous
    solution (a complete hint, feasible under the new limit). Stops at the first level that finds
    nothing, when time is up, or when `stop` is set. Returns one outcome per level searched.
    """
    levels = sm.problem.objective.levels
    deadline = time.perf_counter() + params.time_limit
    outcomes: list[cpsat.SearchOutcome] = []
    for level in range(len(levels)):
        if stop is not None and stop.stopped:
            break
        parameters = params.cpsat_parameters(presolve=presolve)
        if level > 0:
            previous = outcomes[-1]
            remaining = deadline - time.perf_counter()
            if previous.values is None or previous.objective is None or remaining <= 0:
                break
            limit = level_limit(previous.objective, levels[level - 1].tolerance)
            cpsat.hold_level(sm.model, sm.objective, level - 1, limit)
            cpsat.minimize_level(sm.model, sm.objective, level)
            cpsat.hint_values(sm.model, previous.values)
            parameters["max_time_in_seconds"] = remaining / (len(levels) - level)
        elif len(levels) > 1:
            parameters["max_time_in_seconds"] = params.time_limit / len(levels)
        searching[0] = level
        outcome = cpsat.search(sm, parameters, stop=stop, on_solution=on_solution)
        if level > 0 and outcome.status == "INFEASIBLE":
            raise AssertionError(f"CP-SAT says level {level} is infeasible under a solved limit")
        outcomes.append(outcome)
    return outcomes


def level_limit(best: int, tolerance: float) -> int:
    """The most a level may reach once its best is `best`: best + floor(|best| * tolerance).

    Relative to |best| so that a negative best (max lateness) gives up room, not takes it; the
    tolerance is read as the decimal it was written as, so 0.29 * 100 is 29, not 28.999....
    """
    return best + math.floor(abs(best) * Fraction(repr(tolerance)))


def _level_results(
    problem: Problem,
    searches: list[cpsat.SearchOutcome],
    schedule: Schedule | None,
    report: Report | None,
) -> tuple[LevelResult, ...]:
    """Per level: its value in the returned schedule, and what its own search found and proved.

    Checks that each level's search reported the value the verifier computes for its schedule,
    and that the returned schedule keeps every earlier level within its limit.
    """
    levels = problem.objective.levels
    results = []
    for level in range(len(levels)):
        outcome = searches[level] if level < len(searches) else None
        best = outcome.objective if outcome is not None else None
        if outcome is not None and outcome.schedule is not None and best is not None:
            found = report if outcome.schedule is schedule else check(problem, outcome.schedule)
            assert found is not None
            if best != found.levels[level]:
                raise AssertionError(
                    f"CP-SAT reports objective {best} at level {level}, "
                    f"the verifier computes {found.levels[level]}"
                )
        limit = None
        if level + 1 < len(searches) and best is not None:
            limit = level_limit(best, levels[level].tolerance)
            if report is not None and report.levels[level] > limit:
                raise AssertionError(f"level {level} is {report.levels[level]}, above its limit")
        bound = outcome.bound if outcome is not None else None
        if bound is not None and best is not None:
            bound = min(bound, best)
        status = SolveStatus.UNKNOWN
        if outcome is not None and outcome.schedule is not None:
            optimal = outcome.status == "OPTIMAL"
            status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
        elif outcome is not None and outcome.status == "INFEASIBLE":
            status = SolveStatus.INFEASIBLE
        results.append(
            LevelResult(
                value=report.levels[level] if report is not None else None,
                best=best,
                bound=bound,
                status=status,
                limit=limit,
            )
        )
    return tuple(results)


def _incumbent(problem: Problem) -> tuple[Schedule | None, int | None]:
    """A verified starting schedule and its objective, when a heuristic can build one."""
    if problem.is_classic:
        incumbent = best_dispatch(problem)
        return incumbent, _objective(check(problem, incumbent))
    schedule = best_factory_dispatch(problem)
    if schedule is None:
        return None, None
    # Dispatching cannot promise deadlines (nor every maximum lag): only a verified schedule
    # becomes the incumbent. Any other failure would be a heuristic bug, which `check` raises.
    report = verify(problem, schedule)
    if not report.ok and any(
        v.kind not in (ViolationKind.DEADLINE, ViolationKind.MAX_LAG) for v in report.violations
    ):
        check(problem, schedule)
    return (schedule, _objective(report)) if report.ok else (None, None)


def _heuristic_only(
    problem: Problem, incumbent: Schedule, started: float, heuristic_time: float
) -> SolveResult:
    report = check(problem, incumbent)
    return SolveResult(
        status=SolveStatus.HEURISTIC,
        stop_reason=StopReason.FINISHED,
        objective=_objective(report),
        best_bound=None,
        gap=None,
        wall_time=time.perf_counter() - started,
        heuristic_time=heuristic_time,
        build_time=0.0,
        first_solution_time=None,
        solutions=0,
        heuristic_objective=_objective(report),
        schedule=incumbent,
        kpis=report.kpis,
        levels=tuple(
            LevelResult(value=v, best=None, bound=None, status=SolveStatus.UNKNOWN)
            for v in report.levels
        ),
    )


def _makespan(schedule: Schedule) -> int:
    return max((op.end for op in schedule.operations), default=0)


def _objective(report: Report) -> int:
    """The objective of a verified (ok) report, which always has one."""
    assert report.objective is not None
    return report.objective
