"""End-to-end solves: known optima, a brute-force oracle, each rule binding and slack, stopping."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import brute_force_optimum, jobshop, make_problem, shop_jobs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import generate_jssp
from scheduler.params import SolveParams
from scheduler.result import SolveStatus, StopReason
from scheduler.solve import solve
from scheduler.stop import StopToken
from scheduler.verify import verify

FAST = SolveParams(time_limit=10, workers=2)


@pytest.mark.parametrize(("name", "optimum"), [("ft06", 55), ("la01", 666)])
def test_standard_instances_reach_their_optimum(name, optimum):
    """ft06 and la01 solve to their proven optimum with status OPTIMAL within a few seconds (at
    4 s: on ft06 the tabu search takes half the limit, and CP-SAT proves it in the rest at once)."""
    problem = read_problem(instance_path(name))
    result = solve(problem, SolveParams(time_limit=4, workers=2))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == optimum == result.best_bound
    assert result.wall_time < 4
    assert verify(problem, result.schedule).ok


def test_flexible_instance_matches_brute_force():
    """A small FJSP with real machine choices solves to the brute-force optimum."""
    problem = make_problem(
        [
            [[(0, 3), (1, 5)], [(1, 2), (2, 4)]],
            [[(0, 2), (2, 2)], [(0, 4), (1, 3)]],
            [[(1, 4)], [(0, 1), (2, 3)]],
        ]
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == brute_force_optimum(problem)


OBJECTIVES = ["makespan", "total_weighted_tardiness", "weighted_completion"]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objectives_match_brute_force(objective):
    """Each objective's optimum equals brute force on a 3-order instance with dues and weights."""
    problem = make_problem(
        [[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1), (1, 1)]], [[(0, 2)], [(1, 3)]]],
        due=[4, 5, None],
        weight=[3, 1, 2],
        release=[0, 1, 0],
        objective=objective,
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == brute_force_optimum(problem)


def test_weighted_objective_combines_terms():
    """A weighted sum of terms equals the brute-force optimum of that sum."""
    objective = {"terms": [{"kind": "makespan", "weight": 2}, {"kind": "total_weighted_tardiness"}]}
    problem = make_problem(
        [[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1)]]], due=[3, 4], objective=objective
    )
    result = solve(problem, FAST)
    assert result.objective == brute_force_optimum(problem)


def test_release_binds():
    """A late release pushes the optimum out by exactly the waiting it forces."""
    slack = jobshop([[(0, 3)], [(0, 2)]], release=[0, 3])
    binding = jobshop([[(0, 3)], [(0, 2)]], release=[0, 6])
    assert solve(slack, FAST).objective == 5
    assert solve(binding, FAST).objective == 8


def test_machine_capacity_binds():
    """Two operations on one machine serialise; on two machines they run side by side."""
    shared = jobshop([[(0, 4)], [(0, 4)]])
    separate = jobshop([[(0, 4)], [(1, 4)]])
    assert solve(shared, FAST).objective == 8
    assert solve(separate, FAST).objective == 4


def test_routing_precedence_binds():
    """A routing forces its operations in sequence even when machines are free."""
    chained = jobshop([[(0, 3), (1, 3)]])
    parallel = jobshop([[(0, 3)], [(1, 3)]])
    assert solve(chained, FAST).objective == 6
    assert solve(parallel, FAST).objective == 3


def test_machine_choice_binds():
    """A fast alternative machine is taken when it is free, and the slow one when it is not."""
    alone = make_problem([[[(0, 2), (1, 5)]]])
    crowded = make_problem([[[(0, 2), (1, 5)]], [[(0, 4)]]])
    assert solve(alone, FAST).objective == 2
    result = solve(crowded, FAST)
    assert result.objective == 5
    assert {op.machine for op in result.schedule.operations} == {0, 1}


def test_progress_reports_improving_solutions():
    """Progress events arrive with non-increasing objectives and bounds below them."""
    problem = read_problem(instance_path("ft10"))
    events = []
    result = solve(problem, SolveParams(time_limit=2, workers=2), on_progress=events.append)
    assert events and result.solutions == len(events)
    objectives = [e.objective for e in events]
    assert objectives == sorted(objectives, reverse=True)
    assert all(e.bound <= e.objective for e in events)
    assert result.objective == objectives[-1]


def test_stop_token_returns_best_schedule_within_one_second():
    """Stopping mid-search returns within a second with a verified best-so-far schedule. The shop
    is square: its optimum is far above the trivial bound (a 30 x 15 shop's optimum met it, and
    the tabu search proved it before the stop)."""
    problem = generate_jssp(20, 20, seed=7)
    stop = StopToken()
    threading.Timer(1.5, stop.stop).start()
    started = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=60, workers=2), stop=stop)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.5
    assert result.stop_reason is StopReason.CANCELLED
    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.HEURISTIC)
    assert verify(problem, result.schedule).ok


def test_stop_before_search_returns_heuristic_schedule():
    """A token already set skips the search and returns the heuristic schedule, saying so."""
    problem = read_problem(instance_path("ft10"))
    stop = StopToken()
    stop.stop()
    result = solve(problem, FAST, stop=stop)
    assert result.status is SolveStatus.HEURISTIC
    assert result.stop_reason is StopReason.CANCELLED
    assert result.objective == result.heuristic_objective
    assert verify(problem, result.schedule).ok


def test_hint_better_than_heuristic_is_used():
    """A feasible hint better than the heuristic becomes the incumbent."""
    problem = read_problem(instance_path("ft06"))
    # The hint is optimal (asserted): at FAST's 10 s the tabu search alone took 5 s to end there.
    best = solve(problem, SolveParams(time_limit=2, workers=2))
    assert best.objective == 55
    stop = StopToken()
    stop.stop()
    result = solve(problem, FAST, stop=stop, hint=best.schedule)
    assert result.objective == 55


def test_gap_limit_stops_early():
    """A relative gap limit ends the search once the gap is within it: ft10 at 8 s (half of it in
    the tabu search) is OPTIMAL at a gap within 0.2 at about 4 s, and FEASIBLE at 8 s without
    the gap limit."""
    problem = read_problem(instance_path("ft10"))
    result = solve(problem, SolveParams(time_limit=8, workers=2, relative_gap_limit=0.2))
    assert result.status is SolveStatus.OPTIMAL
    assert result.gap is not None and result.gap <= 0.2
    assert result.wall_time < 8


jobs = shop_jobs(machines=3, durations=(0, 6), modes=2, operations=3, jobs=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    jobs=jobs,
    objective=st.sampled_from(OBJECTIVES),
    data=st.data(),
)
def test_random_small_problems_are_solved_optimally_and_verified(jobs, objective, data):
    """Random tiny problems of every shape: a verified schedule at the brute-force optimum."""
    n = len(jobs)
    release = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    due = data.draw(st.lists(st.none() | st.integers(0, 15), min_size=n, max_size=n))
    weight = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    problem = make_problem(
        jobs, machines=3, release=release, due=due, weight=weight, objective=objective
    )
    result = solve(problem, SolveParams(time_limit=5, workers=1))
    assert verify(problem, result.schedule).ok
    if sum(len(j) for j in jobs) <= 6:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == brute_force_optimum(problem)
