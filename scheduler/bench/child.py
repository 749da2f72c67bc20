"""Our solver in a benchmark subprocess: `python -m scheduler.bench.child`, request on stdin."""

from __future__ import annotations

from scheduler.bench.protocol import Outcome, Request, serve
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.result import SolveResult, SolveStatus


def solve_ours(problem: Problem, request: Request) -> Outcome:
    from scheduler.solve import solve

    params = SolveParams(time_limit=request.time_limit, workers=request.workers, seed=request.seed)
    result = solve(problem, params)
    makespan = result.kpis.makespan if result.kpis is not None else None
    first, final = _solution_times(result, makespan)
    if result.status is SolveStatus.OPTIMAL:
        status = "OPTIMAL"
    else:
        status = "FEASIBLE" if makespan is not None else "UNKNOWN"
    # solve returns only schedules its verifier passed.
    verified = makespan is not None
    return Outcome(
        status, makespan, result.best_bound, first, final, round(result.wall_time, 3), verified
    )


def _solution_times(result: SolveResult, makespan: int | None) -> tuple[float | None, float | None]:
    """When the first schedule and the returned one were found; the dispatching schedule counts,
    found when the heuristic phase ended (the peers have no such phase)."""
    if makespan is None:
        return None, None
    found = [(event.elapsed, event.objective) for event in result.progress if event.level == 0]
    if result.heuristic_objective is not None:
        found.append((result.heuristic_time, result.heuristic_objective))
    # A job shop's dispatching schedule arrives as a progress event before the heuristic phase
    # (its tabu search) ends: the earliest schedule is the first.
    found.sort()
    if not found:
        return None, None
    final = next((t for t, objective in found if objective <= makespan), found[-1][0])
    return round(found[0][0], 3), round(final, 3)


if __name__ == "__main__":
    serve(solve_ours)
