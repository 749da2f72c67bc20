"""Tabu search with machine reassignment for flexible job shops: schedules that verify, never worse
than the start, machine moves, and the deadline and stop token bounding it."""

from __future__ import annotations

import time

import pytest
from helpers import make_problem, shop_jobs, solve_stopped
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.formats.generate import generate_fjsp
from scheduler.heuristics import best_dispatch
from scheduler.heuristics.fjsp_tabu import applies, compile_kernels, fjsp_tabu_search
from scheduler.heuristics.tabu import makespan_lower_bound
from scheduler.params import SolveParams
from scheduler.result import StopReason
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.stop import Deadline
from scheduler.verify import check


def setup_module() -> None:
    """The search loop compiled before any test times it (a cold numba cache takes seconds)."""
    assert compile_kernels()


SHOPS = shop_jobs(machines=4, durations=(1, 9), modes=3, operations=5, jobs=6)
"""Flexible shops with durations 1-9: up to 6 jobs of up to 5 operations, 3 of 4 machines each."""


@settings(max_examples=60, deadline=None)
@given(SHOPS, st.lists(st.integers(0, 15), min_size=6, max_size=6), st.integers(0, 3))
def test_fjsp_tabu_schedule_verifies_and_never_worsens(jobs, release, seed):
    """On random small flexible shops with releases the schedule verifies and is no longer than
    the dispatching schedule it starts from."""
    jobs[0][0] = [(0, 4), (1, 3)]  # at least one choice: a flexible shop
    problem = make_problem(jobs, machines=4, release=release[: len(jobs)])
    start = best_dispatch(problem)
    improved = fjsp_tabu_search(problem, start, deadline=Deadline(0.05), seed=seed, lower_bound=0)
    report = check(problem, improved)
    assert report.objective is not None
    assert report.objective <= check(problem, start).objective


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_fjsp_tabu_on_generated_shops_verifies(seed):
    """On generated 8x4 flexible shops, two walks for 0.1 s give a verified schedule no longer
    than dispatching."""
    problem = generate_fjsp(8, 4, seed=seed, machines_per_op=(1, 3))
    start = best_dispatch(problem)
    improved = fjsp_tabu_search(problem, start, deadline=Deadline(0.1), seed=seed, walks=2)
    assert check(problem, improved).objective <= check(problem, start).objective


def test_fjsp_tabu_moves_an_operation_to_another_machine():
    """Two one-operation jobs, both started on m0 one after the other (makespan 10): the search
    moves one to m1, where both finish at 5 (a resequencing alone cannot do better than 10)."""
    problem = make_problem([[[(0, 5), (1, 5)]], [[(0, 5), (1, 5)]]])
    start = Schedule((ScheduledOperation(0, 0, 0, 0, 5), ScheduledOperation(1, 0, 0, 5, 10)))
    assert check(problem, start).objective == 10
    improved = fjsp_tabu_search(problem, start, deadline=Deadline(5.0))
    assert check(problem, improved).objective == 5
    assert sorted(op.machine for op in improved.operations) == [0, 1]


def test_fjsp_tabu_improves_a_generated_shop():
    """On a generated 20x6 shop one second of search shortens the dispatching schedule."""
    problem = generate_fjsp(20, 6, seed=3)
    start = best_dispatch(problem)
    improved = fjsp_tabu_search(problem, start, deadline=Deadline(1.0), lower_bound=0)
    assert check(problem, improved).objective < check(problem, start).objective


def test_deadline_bounds_fjsp_tabu():
    """A 0.5 s deadline ends two walks on a 60x10 shop (never at its bound) within a second."""
    problem = generate_fjsp(60, 10, seed=1)
    start = best_dispatch(problem)
    started = time.perf_counter()
    improved = fjsp_tabu_search(problem, start, deadline=Deadline(0.5), lower_bound=0, walks=2)
    assert time.perf_counter() - started < 1.5
    assert check(problem, improved).objective <= check(problem, start).objective


def test_stop_during_fjsp_tabu_returns_best_verified_schedule_within_a_second():
    """A stop 1 s into a 60 s solve of a 60x10 flexible shop (most of which is tabu search) ends
    it within about a second with the search's verified schedule, better than dispatching."""
    problem = generate_fjsp(60, 10, seed=1)
    result, seconds = solve_stopped(problem, after=1.0)
    assert seconds < 4.0
    assert result.stop_reason is StopReason.CANCELLED
    assert result.schedule is not None
    assert check(problem, result.schedule).objective == result.objective
    assert result.objective < check(problem, best_dispatch(problem)).objective


def test_fjsp_tabu_rejects_what_it_cannot_search():
    """A job shop without choices, a zero-length mode and zero walks are refused with the reason."""
    rigid = make_problem([[[(0, 3)], [(1, 2)]]])
    assert not applies(rigid)
    with pytest.raises(ValueError, match="flexible job shop"):
        fjsp_tabu_search(rigid, best_dispatch(rigid), deadline=Deadline(1.0))
    zero = make_problem([[[(0, 0), (1, 2)]]])
    assert not applies(zero)
    flexible = make_problem([[[(0, 3), (1, 2)]]])
    with pytest.raises(ValueError, match="walks must be at least 1"):
        fjsp_tabu_search(flexible, best_dispatch(flexible), deadline=Deadline(1.0), walks=0)


def test_solve_starts_cp_sat_from_the_flexible_tabu_schedule():
    """A flexible shop's solve runs the machine-moving tabu search before CP-SAT (replacing the
    old straight-to-CP-SAT pipeline): its heuristic schedule is shorter than dispatching's."""
    problem = generate_fjsp(10, 6, seed=1)
    dispatching = check(problem, best_dispatch(problem)).objective
    assert dispatching > makespan_lower_bound(problem)
    result = solve(problem, SolveParams(time_limit=4, workers=2))
    assert result.heuristic_objective is not None and result.heuristic_objective < dispatching
    assert (
        result.schedule is not None
        and check(problem, result.schedule).objective == result.objective
    )
    assert result.objective is not None and result.objective <= result.heuristic_objective
