"""What a solve subprocess reads and prints: the same for our solver and every peer.

The parent writes one JSON `Request` on the child's stdin; the child reads the instance file with
the project's readers (so every solver sees the same problem), solves it under the request's time
limit, workers and seed, and prints one JSON `Outcome` as its last stdout line. The parent measures
the child's wall time and peak memory itself (`runner`), so a child cannot misreport them.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from scheduler.formats import read_problem
from scheduler.problem import Problem


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    time_limit: float
    workers: int
    seed: int


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    """OPTIMAL, FEASIBLE (a schedule, not proven optimal), UNKNOWN (no schedule) or ERROR."""
    makespan: int | None
    bound: int | None
    """The solver's own proven lower bound on the makespan."""
    first_solution_s: float | None
    """Seconds from the start of the solve call to the solver's first schedule."""
    final_solution_s: float | None
    """Seconds from the start of the solve call to the schedule it returned."""
    solve_s: float
    """Seconds the solve call took (model building included; reading the file not)."""
    verified: bool = False
    """The returned schedule passed `scheduler.verify` (ours always does; a peer's is checked)."""
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SolutionClock:
    """Times of the first and the last improving solution, from the solve call's start."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first: float | None = None
        self.last: float | None = None

    def tick(self) -> None:
        now = round(time.monotonic() - self.started, 3)
        if self.first is None:
            self.first = now
        self.last = now

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)


def verified_makespan(problem: Problem, placed: list[tuple[int, int, int]]) -> int | None:
    """The makespan of a peer's schedule, given per operation (dense order) its machine, start and
    end, as the project's independent verifier computes it; None when the schedule is infeasible."""
    from scheduler.schedule import Schedule, ScheduledOperation
    from scheduler.verify import verify

    ix = problem.index
    operations = tuple(
        ScheduledOperation(int(ix.op_job[o]), int(ix.op_position[o]), machine, start, end)
        for o, (machine, start, end) in enumerate(placed)
    )
    report = verify(problem, Schedule(operations))
    return report.kpis.makespan if report.ok and report.kpis is not None else None


def serve(solve: Callable[[Problem, Request], Outcome]) -> None:
    """The body of a solve subprocess: request on stdin, outcome as the last line of stdout."""
    request = Request(**json.loads(sys.stdin.read()))
    try:
        outcome = solve(read_problem(request.path), request)
    except Exception as error:  # reported as data: one failed solve must not end a benchmark run
        reason = f"{type(error).__name__}: {error}"
        outcome = Outcome("ERROR", None, None, None, None, 0.0, error=reason)
    print(json.dumps(outcome.to_json()), flush=True)
