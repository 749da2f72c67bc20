"""Dispatching heuristics: feasibility under every rule, rule semantics, best-of-rules, speed."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import helpers
import pytest
from helpers import CLASSIC_KINDS
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.heuristics import (
    Rule,
    best_dispatch,
    dispatch,
    dispatch_arrays,
    objective_of_ends,
    rules_for,
)
from scheduler.problem import ObjectiveKind, Problem
from scheduler.schedule import Schedule, evaluate, objective_value
from scheduler.stop import Deadline, StopToken
from scheduler.verify import verify

Route = list[list[tuple[int, int]]]
"""A job's routing: per operation, its (machine, duration) modes."""


def make_problem(
    jobs: list[Route],
    *,
    machines: int | None = None,
    releases: list[int] | None = None,
    dues: list[int | None] | None = None,
    weights: list[int] | None = None,
    objective: Any = "makespan",
) -> Problem:
    """`helpers.make_problem` with the plural keyword names these tests use."""
    return helpers.make_problem(
        jobs, machines=machines, release=releases, due=dues, weight=weights, objective=objective
    )


def assert_feasible(problem: Problem, schedule: Schedule) -> None:
    """Every hard constraint holds, by the project's independent verifier."""
    report = verify(problem, schedule)
    assert report.ok, [v.message for v in report.violations]


def objective_of(problem: Problem, schedule: Schedule) -> int:
    return objective_value(problem, evaluate(problem, schedule))


def rows(schedule: Schedule) -> list[tuple[int, int, int, int, int]]:
    """(job, index, machine, start, end) per operation, in schedule order."""
    return [(op.job, op.index, op.machine, op.start, op.end) for op in schedule.operations]


# --------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def job_shop_3x3() -> Problem:
    return make_problem(
        [
            [[(0, 3)], [(1, 2)], [(2, 2)]],
            [[(0, 2)], [(2, 1)], [(1, 4)]],
            [[(1, 4)], [(2, 3)], [(0, 1)]],
        ]
    )


FLEXIBLE_3X3: list[Route] = [
    [[(0, 3), (1, 5)], [(1, 2), (2, 2)], [(2, 2)]],
    [[(0, 2), (2, 6)], [(2, 1), (0, 1), (1, 3)], [(1, 4)]],
    [[(1, 4), (0, 4)], [(2, 3)], [(0, 1), (1, 1)]],
]


@pytest.fixture
def flexible_3x3() -> Problem:
    return make_problem(FLEXIBLE_3X3)


@pytest.fixture
def released() -> Problem:
    return make_problem(
        [[[(0, 2)], [(1, 3)]], [[(1, 4)], [(0, 1)]], [[(0, 5)]]],
        releases=[4, 0, 10],
    )


@pytest.fixture
def two_by_two() -> Problem:
    return make_problem([[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1)]]])


@pytest.fixture
def one_machine() -> Problem:
    return make_problem(
        [[[(0, 3)]], [[(0, 1)]], [[(0, 2)]]],
        dues=[3, 6, 4],
        objective="weighted_completion",
    )


# --------------------------------------------------------------------------------------------------
# Feasibility


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_feasible_on_job_shop(job_shop_3x3: Problem, rule: Rule) -> None:
    """Every rule yields a feasible schedule on a classic 3x3 job shop."""
    assert_feasible(job_shop_3x3, dispatch(job_shop_3x3, rule))


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_feasible_on_flexible(flexible_3x3: Problem, rule: Rule) -> None:
    """Every rule yields a feasible schedule when operations have several eligible machines."""
    assert_feasible(flexible_3x3, dispatch(flexible_3x3, rule))


@pytest.mark.parametrize("rule", list(Rule))
def test_release_times_respected(released: Problem, rule: Rule) -> None:
    """No order starts before its release, and idle machines wait for released work."""
    schedule = dispatch(released, rule)
    assert_feasible(released, schedule)
    first = {op.job: op.start for op in schedule.operations if op.index == 0}
    assert first[0] >= 4 and first[1] >= 0 and first[2] >= 10


@pytest.mark.parametrize("rule", list(Rule))
def test_zero_duration_does_not_wait_for_machine(rule: Rule) -> None:
    """A zero-length operation runs as soon as its job reaches it, even on a busy machine."""
    problem = make_problem([[[(0, 10)]], [[(1, 1)], [(0, 0)], [(1, 2)]]])
    schedule = dispatch(problem, rule)
    assert_feasible(problem, schedule)
    by_key = {(op.job, op.index): op for op in schedule.operations}
    assert (by_key[1, 1].start, by_key[1, 1].end) == (1, 1)
    assert by_key[1, 2].end == 3


def test_all_zero_durations() -> None:
    """A problem whose every operation takes no time is scheduled at the releases."""
    problem = make_problem([[[(0, 0)], [(0, 0), (1, 0)]], [[(1, 0)]]], releases=[5, 0])
    schedule = dispatch(problem, Rule.MWKR)
    assert_feasible(problem, schedule)
    assert sorted((op.job, op.start, op.end) for op in schedule.operations) == [
        (0, 5, 5),
        (0, 5, 5),
        (1, 0, 0),
    ]


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    machines = draw(st.integers(1, 4))
    n_jobs = draw(st.integers(1, 5))
    jobs: list[Route] = []
    for _ in range(n_jobs):
        route: Route = []
        for _ in range(draw(st.integers(1, 4))):
            eligible = draw(
                st.lists(st.integers(0, machines - 1), min_size=1, max_size=3, unique=True)
            )
            route.append([(m, draw(st.integers(0, 9))) for m in eligible])
        jobs.append(route)
    objective = draw(st.sampled_from(CLASSIC_KINDS))
    return make_problem(
        jobs,
        machines=machines,
        releases=draw(st.lists(st.integers(0, 20), min_size=n_jobs, max_size=n_jobs)),
        dues=draw(st.lists(st.none() | st.integers(0, 60), min_size=n_jobs, max_size=n_jobs)),
        weights=draw(st.lists(st.integers(0, 5), min_size=n_jobs, max_size=n_jobs)),
        objective=objective,
    )


@settings(max_examples=300, deadline=None)
@given(small_problems())
def test_property_every_rule_feasible(problem: Problem) -> None:
    """On random small problems every rule is feasible and the fast objective matches evaluate."""
    for rule in Rule:
        schedule = dispatch(problem, rule)
        assert_feasible(problem, schedule)
        _, _, end = dispatch_arrays(problem, rule)
        assert objective_of_ends(problem, end) == objective_of(problem, schedule)
    best = best_dispatch(problem)
    assert_feasible(problem, best)
    assert objective_of(problem, best) == min(
        objective_of(problem, dispatch(problem, r)) for r in Rule
    )


# --------------------------------------------------------------------------------------------------
# Rule semantics, hand-checked


@pytest.mark.parametrize("rule", list(Rule))
def test_hand_checked_two_by_two(two_by_two: Problem, rule: Rule) -> None:
    """J0 = M0:3, M1:2 and J1 = M1:4, M0:1 give exactly the makespan-6 schedule under any rule."""
    schedule = dispatch(two_by_two, rule)
    assert sorted(rows(schedule)) == [
        (0, 0, 0, 0, 3),
        (0, 1, 1, 4, 6),
        (1, 0, 1, 0, 4),
        (1, 1, 0, 4, 5),
    ]
    assert evaluate(two_by_two, schedule).makespan == 6


def test_spt_and_lpt_on_one_machine(one_machine: Problem) -> None:
    """Durations 3, 1, 2 on one machine: SPT runs 1, 2, 3 (completions sum 10), LPT 3, 2, 1 (14)."""
    spt = dispatch(one_machine, Rule.SPT)
    lpt = dispatch(one_machine, Rule.LPT)
    assert [op.end for op in spt.operations] == [6, 1, 3]
    assert [op.end for op in lpt.operations] == [3, 6, 5]
    assert objective_of(one_machine, spt) == 10
    assert objective_of(one_machine, lpt) == 14


def test_edd_follows_due_dates(one_machine: Problem) -> None:
    """Due dates 3, 6, 4: EDD runs J0, J2, J1, finishing at 3, 5 and 6."""
    edd = dispatch(one_machine, Rule.EDD)
    assert [op.end for op in edd.operations] == [3, 6, 5]


def test_wspt_prefers_heavy_short_orders() -> None:
    """Smith's rule: work per weight 4/4 = 1 before 1/1 = 1 on ties by work, 3/1 last."""
    problem = make_problem([[[(0, 3)]], [[(0, 1)]], [[(0, 4)]]], weights=[1, 1, 4])
    assert [op.end for op in dispatch(problem, Rule.WSPT).operations] == [8, 5, 4]


def test_flexible_operation_goes_where_it_ends_first() -> None:
    """An operation eligible on a slow free machine and a fast one runs on the fast one."""
    problem = make_problem([[[(0, 10), (1, 2)]]])
    (op,) = dispatch(problem, Rule.MWKR).operations
    assert (op.machine, op.start, op.end) == (1, 0, 2)


def test_flexible_prefers_a_later_but_faster_machine() -> None:
    """Earliest completion beats earliest start: wait for busy M1 (done at 3) rather than 10 on M0."""
    problem = make_problem([[[(1, 3)]], [[(0, 10), (1, 2)]]], releases=[0, 1])
    schedule = dispatch(problem, Rule.MWKR)
    assert_feasible(problem, schedule)
    assert rows(schedule)[1][2:] == (1, 3, 5)


def test_mopnr_prefers_longer_routings() -> None:
    """MOPNR starts the job with more operations left even when its work is smaller."""
    problem = make_problem([[[(0, 9)]], [[(0, 1)], [(1, 1)]]])
    schedule = dispatch(problem, Rule.MOPNR)
    assert schedule.operations[1].start == 0 and schedule.operations[0].start == 1


def test_fifo_takes_the_earliest_arrival() -> None:
    """FIFO runs the job that reached the machine first, whatever its work."""
    problem = make_problem([[[(1, 1)], [(0, 1)]], [[(0, 5)]], [[(0, 9)]]], releases=[0, 0, 2])
    schedule = dispatch(problem, Rule.FIFO)
    assert [op.start for op in schedule.operations] == [0, 5, 0, 6]


# --------------------------------------------------------------------------------------------------
# best_dispatch


@pytest.mark.parametrize("objective", CLASSIC_KINDS)
def test_best_dispatch_no_worse_than_each_rule(objective: ObjectiveKind) -> None:
    """best_dispatch is at least as good as every single rule for the problem's own objective."""
    problem = make_problem(
        FLEXIBLE_3X3, releases=[0, 3, 1], dues=[6, 9, None], weights=[2, 1, 3], objective=objective
    )
    best = objective_of(problem, best_dispatch(problem))
    for rule in Rule:
        assert best <= objective_of(problem, dispatch(problem, rule))


def test_best_dispatch_is_deterministic(job_shop_3x3: Problem) -> None:
    """Two runs return the identical schedule."""
    assert best_dispatch(job_shop_3x3) == best_dispatch(job_shop_3x3)


def test_budget_limits_rules(one_machine: Problem) -> None:
    """With a budget for one run, only the objective's first rule runs (WSPT here)."""
    assert rules_for(one_machine)[0] is Rule.WSPT
    only = best_dispatch(one_machine, [Rule.LPT, Rule.SPT], budget_operations=1)
    assert only == dispatch(one_machine, Rule.LPT)
    assert best_dispatch(one_machine, budget_operations=1) == dispatch(one_machine, Rule.WSPT)


def test_best_dispatch_rejects_no_rules(one_machine: Problem) -> None:
    """An empty rule list is a caller error, not an empty schedule."""
    with pytest.raises(ValueError):
        best_dispatch(one_machine, [])


# --------------------------------------------------------------------------------------------------
# Speed and isolation


def test_medium_instance_is_fast() -> None:
    """A 100x20 job shop (2,000 operations) dispatches well under a second."""
    jobs = [[[((7 * j + 3 * k) % 20, 1 + (j * k) % 9)] for k in range(20)] for j in range(100)]
    problem = make_problem(jobs)
    _ = problem.index
    begin = time.perf_counter()
    schedule = dispatch(problem, Rule.MWKR)
    assert time.perf_counter() - begin < 1.0
    assert_feasible(problem, schedule)


def test_deadline_ends_dispatching_inside_a_rule() -> None:
    """An expired deadline or a set stop token ends dispatching within a rule (None: no complete
    schedule yet); a deadline far away changes nothing."""
    jobs = [[[((7 * j + 3 * k) % 25, 1 + (j * k) % 9)] for k in range(25)] for j in range(400)]
    problem = make_problem(jobs)
    token = StopToken()
    token.stop()
    begin = time.perf_counter()
    assert best_dispatch(problem, deadline=Deadline(None, token)) is None
    assert dispatch(problem, Rule.MWKR, deadline=Deadline(0.0)) is None
    assert time.perf_counter() - begin < 0.5
    assert best_dispatch(problem, deadline=Deadline(60.0)) == best_dispatch(problem)


def test_never_imports_ortools() -> None:
    """The fallback heuristic must work where ortools cannot be imported."""
    code = (
        "import sys; import scheduler.heuristics as h; "
        "from scheduler.problem import Problem; "
        "p = Problem.model_validate({'machines': [{'id': 'm'}], 'orders': [{'id': 'o', "
        "'operations': [{'id': 'a', 'machines': [{'machine_id': 'm', 'duration': 1}]}]}]}); "
        "h.best_dispatch(p); assert 'ortools' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
