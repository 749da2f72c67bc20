"""Tabu search on the critical path: schedules that verify, never worse than the start, bounded by
the deadline and the stop token, and the early stop at a lower bound."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest
from helpers import jobshop, make_problem, solve_stopped
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cpsat.solver import tuned
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import _tabu_kernels as kernels
from scheduler.heuristics import best_dispatch, tabu
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
    default = tabu.NEIGHBOURHOOD
    for neighbourhood in ("n5", "n7"):
        tabu.NEIGHBOURHOOD = neighbourhood
        try:
            improved = tabu_search(problem, start, deadline=Deadline(0.05), walks=1 + len(jobs) % 2)
        finally:
            tabu.NEIGHBOURHOOD = default
        report = check(problem, improved)
        assert report.objective is not None
        assert report.objective <= check(problem, start).objective
        assert improved.arrays(problem)[0].tolist() == start.arrays(problem)[0].tolist()


def test_n7_adds_moves_into_and_out_of_a_block():
    """A critical path of one operation, a block of four (b1..b4, machine positions 0..3) and one
    operation: N5 swaps the block's first two and last two; N7 also moves b1 and b2 to its end,
    b3 and b4 to its front, b1 inside (after b3) and b4 inside (before b2)."""
    i64 = np.int64
    path = np.array([0, 1, 2, 3, 4, 5], i64)
    pos = np.array([0, 0, 1, 2, 3, 0], i64)
    mpred = np.array([-1, -1, 1, 2, 3, -1], i64)
    cand = np.empty((40, 3), i64)

    def moves(wide: bool) -> set[tuple[int, int, int]]:
        count = kernels._candidates(len(path), path, pos, mpred, wide, cand)
        return {(int(a), int(b), int(c)) for a, b, c in cand[:count]}

    n5 = {(0, 1, 1), (2, 3, 1)}
    assert moves(False) == n5
    assert moves(True) == n5 | {(0, 3, 1), (1, 3, 1), (0, 2, 0), (0, 3, 0), (0, 2, 1), (1, 3, 0)}


def test_n5_leaves_the_outer_ends_of_the_path_alone():
    """A path that is one block of three and then a block of two: the first block's first pair and
    the last block's last pair cannot shorten the path, so neither is a move, nor (N7) moving an
    operation to the front of the first block or to the end of the last."""
    i64 = np.int64
    path = np.array([0, 1, 2, 3, 4], i64)
    pos = np.array([0, 1, 2, 0, 1], i64)
    mpred = np.array([-1, 0, 1, -1, 3], i64)
    cand = np.empty((40, 3), i64)
    count = kernels._candidates(len(path), path, pos, mpred, True, cand)
    moves = {(int(a), int(b), int(c)) for a, b, c in cand[:count]}
    # the first block (positions 0-2 of its machine): its last pair, and 0 to its end;
    # the second (positions 0-1 of another): its first pair
    assert moves == {(1, 2, 1), (0, 2, 1), (0, 1, 1)}


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 7), st.integers(2, 5), st.integers(0, 10**6))
def test_every_move_the_condition_admits_keeps_the_graph_acyclic(jobs, machines, seed):
    """Positive durations, jobs that may come back to a machine: every N7 move of a random
    schedule's critical path that the sufficient condition admits yields machine sequences
    without a cycle."""
    rng = random.Random(seed)
    problem = jobshop(
        [
            [(rng.randrange(machines), rng.randint(1, 9)) for _ in range(rng.randint(1, 8))]
            for _ in range(jobs)
        ]
    )
    machine, start, end = best_dispatch(problem).arrays(problem)
    state = tabu._State.of(problem, machine, start, end - start, seed)
    duration, jpred, jsucc, head0 = state.graph
    pos, mpred, _ = state.links
    head, tail = state.times
    n = len(duration)
    path = np.empty(n, np.int64)
    makespan = int((head + duration).max())
    length = kernels._critical_path(duration, jpred, mpred, head, makespan, path)
    cand = np.empty((4 * n + 4, 3), np.int64)
    count = kernels._candidates(length, path, pos, mpred, True, cand)
    seg = np.empty(n, np.int64)
    for first, last, forward in cand[:count]:
        u, v = state.mseq[first], state.mseq[last]
        if not kernels._acyclic(u, v, forward == 1, duration, jpred, jsucc, head, tail):
            continue
        k = kernels._reorder(state.mseq, first, last, forward == 1, seg)
        mseq = state.mseq.copy()
        mseq[first : last + 1] = seg[:k]
        links = np.zeros((3, n), np.int64)
        kernels._link(state.moff, mseq, *links)
        times = np.zeros((2, n), np.int64)
        after = kernels._evaluate(
            duration, jpred, jsucc, head0, links[1], links[2], *times, state.work
        )
        assert after >= 0, (first, last, forward)


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
