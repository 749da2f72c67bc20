"""Tabu search on the critical path: schedules that verify, never worse than the start, bounded by
the deadline and the stop token, and the early stop at a lower bound."""

from __future__ import annotations

import time

import pytest
from helpers import jobshop, make_problem, solve_stopped
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cpsat.solver import tuned
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import best_dispatch
from scheduler.heuristics.tabu import compile_kernels, makespan_lower_bound, tabu_search
from scheduler.params import SolveParams
from scheduler.result import Progress, SolveStatus, StopReason
from scheduler.solve import solve
from scheduler.stop import Deadline
from scheduler.verify import check


@pytest.fixture(autouse=True, scope="module")
def compiled() -> None:
    """The search loop compiled before any test times it (a cold numba cache takes seconds)."""
    assert compile_kernels()


@st.composite
def small_shops(draw: st.DrawFn) -> tuple[list[list[list[tuple[int, int]]]], list[int]]:
    """Random (flexible) job shops: up to 6 jobs on up to 4 machines, zero durations, releases."""
    n_machines = draw(st.integers(1, 4))
    n_jobs = draw(st.integers(1, 6))
    jobs = []
    for _ in range(n_jobs):
        ops = []
        for _ in range(draw(st.integers(1, 5))):
            machines = draw(
                st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True)
            )
            ops.append([(m, draw(st.integers(0, 9))) for m in machines])
        jobs.append(ops)
    release = draw(st.lists(st.integers(0, 15), min_size=n_jobs, max_size=n_jobs))
    return jobs, release


@settings(max_examples=60, deadline=None)
@given(small_shops())
def test_tabu_schedule_verifies_and_never_worsens(shop):
    """On random small (flexible) job shops the tabu schedule (of one walk or the best of two)
    verifies, keeps the start's machines and is no longer than the dispatching schedule it starts
    from."""
    jobs, release = shop
    problem = make_problem(jobs, machines=4, release=release)
    start = best_dispatch(problem)
    improved = tabu_search(problem, start, deadline=Deadline(0.05), walks=1 + len(jobs) % 2)
    report = check(problem, improved)
    assert report.objective is not None
    assert report.objective <= check(problem, start).objective
    assert improved.arrays(problem)[0].tolist() == start.arrays(problem)[0].tolist()


def test_tabu_reaches_the_ft06_optimum():
    """ft06 (optimum 55) is solved within a second from the dispatching schedule (57 or worse)."""
    problem = read_problem(instance_path("ft06"))
    start = best_dispatch(problem)
    assert check(problem, start).objective > 55
    improved = tabu_search(problem, start, deadline=Deadline(5.0), lower_bound=55)
    assert check(problem, improved).objective == 55


@pytest.mark.parametrize("walks", [1, 2])
def test_tabu_stops_at_the_lower_bound(walks: int):
    """ta51's makespan bound is its optimum (2760): the search ends there, long before its 30 s
    (with two walks, both end when one reaches it)."""
    problem = read_problem(instance_path("ta51"))
    assert makespan_lower_bound(problem) == 2760
    started = time.perf_counter()
    improved = tabu_search(problem, best_dispatch(problem), deadline=Deadline(30.0), walks=walks)
    assert time.perf_counter() - started < 10.0
    assert check(problem, improved).objective == 2760


@pytest.mark.parametrize("walks", [1, 2])
def test_deadline_bounds_tabu(walks: int):
    """A 0.5 s deadline ends the search on swv11 (whose bound it never reaches) within a second,
    every walk of it."""
    problem = read_problem(instance_path("swv11"))
    start = best_dispatch(problem)
    started = time.perf_counter()
    improved = tabu_search(problem, start, deadline=Deadline(0.5), walks=walks)
    assert time.perf_counter() - started < 1.5
    assert check(problem, improved).objective <= check(problem, start).objective


def test_stop_during_tabu_returns_best_verified_schedule_within_a_second():
    """A stop 1 s into a 60 s solve of swv11 (half of which is tabu) ends it within about a
    second with the tabu's verified schedule, better than dispatching."""
    problem = read_problem(instance_path("swv11"))
    result, seconds = solve_stopped(problem, after=1.0)
    assert seconds < 4.0
    assert result.stop_reason is StopReason.CANCELLED
    assert result.schedule is not None
    assert result.heuristic_objective is not None
    assert check(problem, result.schedule).objective == result.objective
    assert result.objective < check(problem, best_dispatch(problem)).objective


def test_solve_proves_optimality_when_the_makespan_meets_the_bound():
    """ta51 is OPTIMAL from the tabu schedule and the bound alone, without searching 30 s, and
    its schedule is reported as progress too, after the dispatching one."""
    problem = read_problem(instance_path("ta51"))
    dispatching = check(problem, best_dispatch(problem)).objective
    events: list[Progress] = []
    result = solve(problem, SolveParams(time_limit=30, workers=2), on_progress=events.append)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == result.best_bound == 2760
    assert [e.objective for e in events] == [dispatching, 2760]
    assert result.progress == tuple(events) and events[-1].bound == 2760
    assert result.stop_reason is StopReason.FINISHED
    assert result.wall_time < 15.0


def test_makespan_lower_bound_binding_machine_and_job():
    """The one-machine bound binds when a machine is the bottleneck, the job bound otherwise."""
    # m0 carries 3 + 4 after a head of 0 and before a tail of 0: 7 > the longest job (5).
    assert makespan_lower_bound(jobshop([[(0, 3), (1, 2)], [(0, 4)]])) == 7
    # One long job with a release: 10 + 2 + 6 = 18 > the machine bounds.
    problem = jobshop([[(0, 2), (1, 6)], [(1, 1)]], release=[10, 0])
    assert makespan_lower_bound(problem) == 18


def test_tabu_rejects_other_objectives():
    """A tardiness objective is refused with the reason, not searched as if it were makespan."""
    problem = jobshop([[(0, 3)]], due=[1], objective="total_weighted_tardiness")
    with pytest.raises(ValueError, match="makespan"):
        tabu_search(problem, best_dispatch(problem), deadline=Deadline(0.1))


def test_patience_hands_over_once_the_best_stalls():
    """ft06 stalls at its optimum at once; with 0.3 s of patience a 20 s search ends in seconds
    (its bound of 0 is never reached)."""
    problem = read_problem(instance_path("ft06"))
    started = time.perf_counter()
    improved = tabu_search(
        problem, best_dispatch(problem), deadline=Deadline(20.0), lower_bound=0, patience=0.3
    )
    assert time.perf_counter() - started < 5.0
    assert check(problem, improved).objective == 55


def test_bound_search_is_added_only_for_makespan_job_shops_with_two_workers():
    """CP-SAT's objective lower-bound search goes to a makespan (flexible) job shop on 2 workers,
    not to a single worker (it would be the only search) or other objectives."""
    makespan = jobshop([[(0, 3)]])
    tardiness = jobshop([[(0, 3)]], due=[1], objective="total_weighted_tardiness")
    flexible = make_problem([[[(0, 3), (1, 4)]]])
    short = {"num_workers": 2, "max_time_in_seconds": 1e-4}
    assert tuned(makespan, short)["use_objective_lb_search"] is True
    assert "use_objective_lb_search" not in tuned(makespan, {**short, "num_workers": 1})
    assert "use_objective_lb_search" not in tuned(tardiness, short)
    assert tuned(flexible, short)["use_objective_lb_search"] is True
    # Time enough for CP-SAT alone on a job shop (`cpsat_first`): its own portfolio, unchanged.
    assert "use_objective_lb_search" not in tuned(makespan, {**short, "max_time_in_seconds": 1})
    assert tuned(flexible, {**short, "max_time_in_seconds": 1})["use_objective_lb_search"]
