"""Time-window LNS for job shops: schedules that verify, never worse than the start, better when
there is room, bounded by the deadline and stopped at the lower bound."""

from __future__ import annotations

import time

from helpers import jobshop

import scheduler.solve
from scheduler.cpsat import improve_jobshop
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import best_dispatch
from scheduler.params import SolveParams
from scheduler.result import Progress
from scheduler.solve import solve
from scheduler.stop import Deadline
from scheduler.verify import check


def test_lns_improves_ft10_from_dispatching_within_its_deadline():
    """From ft10's dispatching schedule one second of windows shortens the makespan; the result
    verifies, keeps the machines and reports its own makespan."""
    problem = read_problem(instance_path("ft10"))
    start = best_dispatch(problem)
    before = check(problem, start).objective
    started = time.perf_counter()
    outcome = improve_jobshop(problem, start, deadline=Deadline(1.0), workers=2)
    assert time.perf_counter() - started < 2.5
    report = check(problem, outcome.schedule)
    assert report.objective == outcome.makespan < before
    assert outcome.improving >= 1 and outcome.neighbourhoods >= outcome.improving
    machines = {(op.job, op.index): op.machine for op in start.operations}
    assert all(machines[op.job, op.index] == op.machine for op in outcome.schedule.operations)


def test_lns_keeps_releases_and_zero_length_operations():
    """Releases hold and a zero-length operation (which holds no machine) stays in its job's
    order; the start is never made worse."""
    problem = jobshop(
        [[(0, 3), (1, 0), (1, 4)], [(1, 2), (0, 5)], [(0, 0), (1, 3)]], release=[0, 4, 1]
    )
    start = best_dispatch(problem)
    outcome = improve_jobshop(problem, start, deadline=Deadline(0.5))
    assert check(problem, outcome.schedule).objective == outcome.makespan
    assert outcome.makespan <= check(problem, start).objective


def test_lns_stops_at_the_lower_bound():
    """A start already at the lower bound is returned as is, without a neighbourhood."""
    problem = read_problem(instance_path("ft06"))
    start = best_dispatch(problem)
    makespan = check(problem, start).objective
    assert makespan is not None
    outcome = improve_jobshop(problem, start, deadline=Deadline(5.0), lower_bound=makespan)
    assert outcome.schedule is start and outcome.neighbourhoods == 0


def test_solve_with_an_lns_share_returns_a_verified_schedule(monkeypatch):
    """With time for the LNS between the tabu search and CP-SAT, ft10's solve still returns a
    verified schedule no worse than its last progress event, in time."""
    monkeypatch.setattr(scheduler.solve, "JOBSHOP_LNS_SHARE", 0.5)
    problem = read_problem(instance_path("ft10"))
    events: list[Progress] = []
    result = solve(problem, SolveParams(time_limit=3, workers=2), on_progress=events.append)
    assert result.objective is not None and result.wall_time < 4.5
    assert check(problem, result.schedule).objective == result.objective <= events[-1].objective
    objectives = [e.objective for e in events]
    assert objectives == sorted(objectives, reverse=True)
