"""Sequence-dependent setups: the circuit model binding and slack, the verifier, the changeovers."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Any

import pytest
from ortools.sat.python import cp_model

from scheduler import cpsat
from scheduler.cpsat.model import schedule_from_values
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Changeover, Schedule, ScheduledOperation, changeovers
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)

Op = tuple[str | None, Sequence[tuple[int, int]]]
"""(family, eligible (machine, duration) pairs) of one operation."""

Rule = tuple[str | None, str, int] | tuple[str | None, str, int, int]
"""(from family, to family, time[, cost]); from None is the initial setup."""


def _problem(
    orders: Sequence[Sequence[Op]],
    setups: Sequence[Rule] = (),
    *,
    machines: int = 1,
    release: Sequence[int] | None = None,
    other_setups: Sequence[Rule] = (),
) -> Problem:
    """Orders j0.. of operations o0.. on machines m0..; `setups` on m0, `other_setups` on m1."""

    def rules(rows: Sequence[Rule]) -> list[dict[str, Any]]:
        return [
            {
                "from_family": r[0],
                "to_family": r[1],
                "time": r[2],
                "cost": r[3] if len(r) > 3 else 0,
            }
            for r in rows
        ]

    families = {f for order in orders for f, _ in order if f is not None}
    families |= {f for r in (*setups, *other_setups) for f in r[:2] if isinstance(f, str)}
    machine_rows: list[dict[str, Any]] = [{"id": f"m{i}"} for i in range(machines)]
    machine_rows[0]["setups"] = rules(setups)
    if other_setups:
        machine_rows[1]["setups"] = rules(other_setups)
    return parse_problem(
        {
            "machines": machine_rows,
            "families": [{"id": f} for f in sorted(families)],
            "orders": [
                {
                    "id": f"j{j}",
                    "release": release[j] if release else 0,
                    "operations": [
                        {
                            "id": f"o{k}",
                            "family": family,
                            "machines": [{"machine_id": f"m{m}", "duration": d} for m, d in modes],
                        }
                        for k, (family, modes) in enumerate(order)
                    ],
                }
                for j, order in enumerate(orders)
            ],
        }
    )


def _single(*ops: tuple[str | None, int]) -> list[list[Op]]:
    """One single-operation order per (family, duration), all on machine m0."""
    return [[(family, [(0, d)])] for family, d in ops]


def _makespan(problem: Problem) -> int:
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    return result.objective


def _sequence(problem: Problem, machine: int = 0) -> list[str | None]:
    """Families on `machine` in start order in the optimal schedule."""
    result = solve(problem, FAST)
    assert result.schedule is not None
    ops = sorted(
        (op.start, op.job, op.index) for op in result.schedule.operations if op.machine == machine
    )
    return [problem.orders[j].operations[k].family for _, j, k in ops]


# --------------------------------------------------------------------------------------------------
# The model


def test_changeover_forces_a_gap_and_the_cheaper_order():
    """a->b costs 4 ticks, b->a 1: b runs first and the makespan is 2 + 1 + 3 = 6 (no setups: 5)."""
    orders = _single(("a", 3), ("b", 2))
    assert _makespan(_problem(orders)) == 5
    binding = _problem(orders, [("a", "b", 4), ("b", "a", 1)])
    assert _makespan(binding) == 6
    assert _sequence(binding) == ["b", "a"]


def test_changeovers_group_families():
    """With a<->b changeovers of 3, the two a's run back to back: 2 + 2 + 3 + 2 = 9, not 12."""
    problem = _problem(_single(("a", 2), ("b", 2), ("a", 2)), [("a", "b", 3), ("b", "a", 3)])
    assert _makespan(problem) == 9
    assert _sequence(problem) in (["a", "a", "b"], ["b", "a", "a"])


def test_same_family_needs_no_setup():
    """Two operations of one family follow each other without a changeover."""
    problem = _problem(_single(("a", 3), ("a", 2)), [("a", "b", 4), ("b", "a", 4)])
    assert _makespan(problem) == 5


def test_operation_without_family_needs_no_setup():
    """A family-less operation between b and a spares the b->a changeover: 1 + 2 + 3 = 6."""
    problem = _problem(
        _single(("a", 3), (None, 2), ("b", 1)), [("a", "b", 4), ("b", "a", 4), (None, "a", 5)]
    )
    assert _makespan(problem) == 6
    assert _sequence(problem) == ["b", None, "a"]


def test_unlisted_pair_is_free():
    """Only the listed direction a->b costs; b then a runs back to back."""
    problem = _problem(_single(("a", 3), ("b", 2)), [("a", "b", 10)])
    assert _makespan(problem) == 5
    assert _sequence(problem) == ["b", "a"]


def test_initial_setup_binds():
    """The initial setup into a delays the machine's first operation: 4 + 3 = 7."""
    assert _makespan(_problem(_single(("a", 3)), [(None, "a", 4)])) == 7


def test_initial_setup_only_for_the_first_operation():
    """An initial setup into a is avoided by starting with b (no b->a rule): 2 + 3 = 5, not 9."""
    problem = _problem(_single(("a", 3), ("b", 2)), [(None, "a", 4)])
    assert _makespan(problem) == 5
    assert _sequence(problem) == ["b", "a"]


def test_initial_setup_for_another_family_is_slack():
    """An initial setup into b does not delay an operation of family a."""
    assert _makespan(_problem(_single(("a", 3)), [(None, "b", 4)])) == 3


def test_flexible_operation_avoids_the_changeover():
    """A flexible b-operation takes the slow machine m1 (6) rather than a changeover of 10 on m0."""
    orders: list[list[Op]] = [[("a", [(0, 3)])], [("b", [(0, 2), (1, 6)])]]
    slack = _problem(orders, machines=2)
    assert _makespan(slack) == 5
    binding = _problem(orders, [("a", "b", 10), ("b", "a", 10)], machines=2)
    result = solve(binding, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 6
    assert result.schedule is not None
    assert {(op.job, op.machine) for op in result.schedule.operations} == {(0, 0), (1, 1)}


def test_flexible_machine_left_empty():
    """A machine whose only candidate operation goes elsewhere (its circuit is empty) is fine."""
    orders: list[list[Op]] = [[("a", [(0, 5), (1, 1)])]]
    problem = _problem(orders, [(None, "a", 3)], machines=2, other_setups=[(None, "a", 1)])
    assert _makespan(problem) == 2


def test_routing_order_on_one_machine():
    """Two operations of one order on one machine keep their routing order and its changeover."""
    orders: list[list[Op]] = [[("a", [(0, 2)]), ("b", [(0, 2)])]]
    problem = _problem(orders, [("a", "b", 3)])
    assert _makespan(problem) == 7


def test_setup_waits_for_a_release():
    """A changeover can overlap the wait for a release: b released at 6 starts at 6, not 3 + 4."""
    problem = _problem(_single(("a", 3), ("b", 2)), [("a", "b", 3), ("b", "a", 50)], release=[0, 6])
    assert _makespan(problem) == 8


def _brute_force_single_machine(problem: Problem) -> int:
    """Best makespan over every order of the operations on one machine, each as early as it can."""
    table = {(r.from_family, r.to_family): r.time for r in problem.machines[0].setups}
    ops = [
        (o.release, o.operations[0].machines[0].duration or 0, o.operations[0].family)
        for o in problem.orders
    ]
    best = None
    for permutation in itertools.permutations(ops):
        time, family = 0, None
        for k, (release, duration, fam) in enumerate(permutation):
            if k == 0:
                setup = table.get((None, fam), 0) if fam else 0
            else:
                setup = table.get((family, fam), 0) if fam and family else 0
            time = max(release, time + setup) + duration
            family = fam
        best = time if best is None else min(best, time)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_random_single_machine_matches_brute_force(seed):
    """Random families, releases and full setup matrices: the optimum equals brute force."""
    rng = random.Random(seed)
    families = ["a", "b", "c", None]
    orders = [[(rng.choice(families), [(0, rng.randint(1, 5))])] for _ in range(5)]
    rules: list[Rule] = [
        (f, g, rng.randint(0, 6)) for f in (None, "a", "b", "c") for g in ("a", "b", "c") if f != g
    ]
    problem = _problem(orders, rules, release=[rng.randint(0, 8) for _ in orders])
    assert _makespan(problem) == _brute_force_single_machine(problem)


def test_setup_cost_terms_match_the_changeovers():
    """Minimising the rule's setup cost summands groups families, and equals the schedule's cost."""
    problem = _problem(
        _single(("a", 2), ("b", 2), ("a", 2), ("b", 2)),
        [(None, "a", 0, 7), (None, "b", 0, 1), ("a", "b", 1, 10), ("b", "a", 1, 5)],
    )
    sm = cpsat.build_model(problem)
    cost = sum(sm.ops.setup_cost)
    time = sum(sm.ops.setup_time)
    sm.model.minimize(cost)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    assert solver.solve(sm.model) == cp_model.OPTIMAL
    schedule = schedule_from_values(sm, solver)
    assert verify(problem, schedule).ok
    found = changeovers(problem, schedule)
    # b b a a: initial 1, one b->a 5.
    assert solver.objective_value == 6 == sum(c.cost for c in found)
    assert solver.value(time) == sum(c.time for c in found) == 1


# --------------------------------------------------------------------------------------------------
# The verifier and the changeovers


@pytest.fixture
def line() -> Problem:
    """m0 with initial setup 2 into a, a->b 3; orders a (3), b (2), no family (1)."""
    return _problem(
        _single(("a", 3), ("b", 2), (None, 1)), [(None, "a", 2), ("a", "b", 3, 9), ("b", "a", 1)]
    )


def _ops(*rows: tuple[int, int, int, int, int]) -> Schedule:
    return Schedule(tuple(ScheduledOperation(*r) for r in rows))


def _kinds(problem: Problem, schedule: Schedule) -> list[ViolationKind]:
    return [v.kind for v in verify(problem, schedule).violations]


def test_verifier_accepts_setups_that_fit(line):
    """Initial setup 2, a 2..5, changeover 3, b 8..10, then the family-less operation."""
    assert _kinds(line, _ops((0, 0, 0, 2, 5), (1, 0, 0, 8, 10), (2, 0, 0, 10, 11))) == []


def test_verifier_catches_a_short_changeover(line):
    """b starting 2 ticks after a (the rule asks 3) is a setup violation."""
    kinds = _kinds(line, _ops((0, 0, 0, 2, 5), (1, 0, 0, 7, 9), (2, 0, 0, 10, 11)))
    assert kinds == [ViolationKind.SETUP]


def test_verifier_catches_a_missing_initial_setup(line):
    """a first at tick 1, before its initial setup of 2 ends, is a setup violation."""
    kinds = _kinds(line, _ops((0, 0, 0, 1, 4), (1, 0, 0, 7, 9), (2, 0, 0, 9, 10)))
    assert kinds == [ViolationKind.SETUP]


def test_verifier_family_less_operation_breaks_the_chain(line):
    """a, then a family-less operation, then b: no changeover is needed around it."""
    assert _kinds(line, _ops((0, 0, 0, 2, 5), (2, 0, 0, 5, 6), (1, 0, 0, 6, 8))) == []


def test_verifier_ignores_zero_length_operations():
    """A zero-length operation between a and b neither sequences nor hides the changeover."""
    problem = _problem(_single(("a", 3), ("b", 0), ("b", 2)), [("a", "b", 3)])
    assert _kinds(problem, _ops((0, 0, 0, 0, 3), (1, 0, 0, 3, 3), (2, 0, 0, 6, 8))) == []
    kinds = _kinds(problem, _ops((0, 0, 0, 0, 3), (1, 0, 0, 3, 3), (2, 0, 0, 5, 7)))
    assert kinds == [ViolationKind.SETUP]


def test_changeovers_list_initial_and_consecutive_setups(line):
    """The changeovers of a schedule: the initial one and a->b; none into the family-less one."""
    schedule = _ops((0, 0, 0, 2, 5), (1, 0, 0, 8, 10), (2, 0, 0, 10, 11))
    assert changeovers(line, schedule) == [
        Changeover(0, None, (0, 0), 2, 0),
        Changeover(0, (0, 0), (1, 0), 3, 9),
    ]


def test_setup_cost_and_time_objectives_end_to_end():
    """Setup cost and setup time as objectives: CP-SAT's value equals the verifier's KPI, and
    the cheapest sequence (initial a at cost 1, a->b at cost 2) beats the fastest one."""
    orders = _single(("a", 2), ("b", 2))
    rules = [(None, "a", 1, 1), (None, "b", 1, 10), ("a", "b", 5, 2), ("b", "a", 1, 9)]
    base = _problem(orders, rules)
    for kind, expected in (("setup_cost", 3), ("setup_time", 2)):
        problem = base.model_copy(
            update={
                "objective": parse_problem(
                    {**base.model_dump(mode="json"), "objective": kind}
                ).objective
            }
        )
        result = solve(problem, SolveParams(time_limit=5, workers=1))
        assert result.status is SolveStatus.OPTIMAL and result.objective == expected
        assert result.kpis is not None
        assert result.kpis.value(problem.objective.terms[0].kind) == expected


def test_a_changeover_after_a_resumable_operation_counts_from_its_real_end():
    """A resumable operation stretched over a break (0-4, then 10-12) ends at 12, so its
    same-family successor needs its changeover from 12: the optimum puts the short one first
    (makespan 16). The model once counted from start + duration (6) and returned 12, which
    the verifier rejected."""
    problem = parse_problem(
        {
            "calendars": [
                {
                    "id": "gap",
                    "exceptions": [
                        {"start": 0, "end": 4, "working": True},
                        {"start": 10, "end": 1000, "working": True},
                    ],
                }
            ],
            "machines": [
                {
                    "id": "m0",
                    "calendar": "gap",
                    "setups": [{"from_family": "F", "to_family": "F", "time": 5}],
                }
            ],
            "families": [{"id": "F"}],
            "orders": [
                {
                    "id": "long",
                    "operations": [
                        {
                            "id": "o0",
                            "family": "F",
                            "resumable": True,
                            "machines": [{"machine_id": "m0", "duration": 6}],
                        }
                    ],
                },
                {
                    "id": "short",
                    "operations": [
                        {
                            "id": "o0",
                            "family": "F",
                            "machines": [{"machine_id": "m0", "duration": 1}],
                        }
                    ],
                },
            ],
        }
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 16
    assert verify(problem, result.schedule).ok
