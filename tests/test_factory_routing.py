"""Routing graphs with lags, order quantities and machine capacity: each rule binding and slack,
and the verifier's findings on hand-broken schedules."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)


def _op(op_id: str, machine: int, duration: int, preds: Any = None, **extra: Any) -> dict:
    """An operation on one machine; `preds` a list of ids or (id, min_lag, max_lag) tuples."""
    op: dict[str, Any] = {
        "id": op_id,
        "machines": [{"machine_id": f"m{machine}", "duration": duration}],
        **extra,
    }
    if preds is not None:
        op["predecessors"] = [
            {"operation_id": p}
            if isinstance(p, str)
            else {"operation_id": p[0], "min_lag": p[1], "max_lag": p[2]}
            for p in preds
        ]
    return op


def _problem(orders: list[list[dict]], machines: int = 3, **kwargs: Any) -> Problem:
    capacity = kwargs.pop("capacity", {})
    release = kwargs.pop("release", {})
    return parse_problem(
        {
            "machines": [{"id": f"m{i}", "capacity": capacity.get(i, 1)} for i in range(machines)],
            "orders": [
                {"id": f"j{j}", "operations": ops, "release": release.get(j, 0)}
                for j, ops in enumerate(orders)
            ],
            **kwargs,
        }
    )


def _solved(problem: Problem) -> tuple[int, dict[tuple[int, int], ScheduledOperation]]:
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None and result.schedule is not None
    assert verify(problem, result.schedule).ok
    return result.objective, {(op.job, op.index): op for op in result.schedule.operations}


def test_assembly_starts_when_both_branches_are_done():
    """Two parallel branches join: the assembly waits for the longer one, not their sum."""
    problem = _problem([[_op("a", 0, 3, []), _op("b", 1, 5, []), _op("c", 2, 2, ["a", "b"])]])
    objective, ops = _solved(problem)
    assert objective == 7 and ops[(0, 2)].start == 5


def test_every_operation_of_a_graph_waits_for_the_release():
    """A source that is not the routing's first operation still starts at or after the release."""
    problem = _problem([[_op("a", 0, 2, []), _op("b", 1, 3, [])]], release={0: 4})
    objective, ops = _solved(problem)
    assert objective == 7 and ops[(0, 1)].start >= 4


def test_min_lag_binds():
    """A minimum lag longer than the wait for the machine delays the successor by the lag."""
    problem = _problem([[_op("a", 0, 2), _op("b", 1, 3, [("a", 4, None)])], [_op("x", 1, 4)]])
    assert _solved(problem)[0] == 2 + 4 + 3


def test_min_lag_slack():
    """A minimum lag shorter than the wait for the machine changes nothing."""
    problem = _problem([[_op("a", 0, 2), _op("b", 1, 3, [("a", 1, None)])], [_op("x", 1, 4)]])
    assert _solved(problem)[0] == 7


def _no_wait(max_lag: int) -> Problem:
    """j0: a (m0, 2) then b (m1, 3) within `max_lag`, and c (m2, 5) after a; j1: x (m1, 4)."""
    return _problem(
        [
            [_op("a", 0, 2, []), _op("b", 1, 3, [("a", 0, max_lag)]), _op("c", 2, 5, ["a"])],
            [_op("x", 1, 4)],
        ]
    )


def test_no_wait_delays_the_predecessor():
    """Max lag 0: a must end exactly when b starts, after x, so a and then c are delayed."""
    objective, ops = _solved(_no_wait(0))
    assert objective == 9
    assert ops[(0, 1)].start == ops[(0, 0)].end


def test_max_lag_slack():
    """Max lag 2 lets a run at once and b wait for x: the optimum without any lag."""
    assert _solved(_no_wait(2))[0] == 7


@pytest.mark.parametrize(("capacity", "makespan"), [(1, 9), (2, 6), (3, 3)])
def test_oven_capacity(capacity, makespan):
    """Three 3-tick batches in an oven: capacity 2 runs two at once, capacity 3 all three."""
    problem = _problem([[_op("bake", 0, 3)] for _ in range(3)], 1, capacity={0: capacity})
    assert _solved(problem)[0] == makespan


def _quantity_problem(quantity: int) -> Problem:
    """One operation: m0 takes 2 + 3 per unit, m1 a fixed 10."""
    modes = [{"machine_id": "m0", "setup": 2, "per_unit": 3}, {"machine_id": "m1", "duration": 10}]
    return parse_problem(
        {
            "machines": [{"id": "m0"}, {"id": "m1"}],
            "orders": [
                {"id": "j0", "quantity": quantity, "operations": [{"id": "o", "machines": modes}]}
            ],
        }
    )


def test_quantity_scales_the_per_unit_mode():
    """Four units on the per-unit machine take 2 + 3 * 4 = 14, so the fixed 10 wins."""
    objective, ops = _solved(_quantity_problem(4))
    assert objective == 10 and ops[(0, 0)].machine == 1


def test_quantity_one_prefers_the_per_unit_mode():
    """One unit takes 2 + 3 = 5 on the per-unit machine."""
    objective, ops = _solved(_quantity_problem(1))
    assert objective == 5 and ops[(0, 0)].machine == 0


# --------------------------------------------------------------------------------------------------
# Verifier


def _kinds(problem: Problem, rows: list[tuple[int, int, int, int, int]]) -> set[ViolationKind]:
    schedule = Schedule(tuple(ScheduledOperation(*r) for r in rows))
    return {v.kind for v in verify(problem, schedule).violations}


def test_verify_assembly_checks_every_predecessor():
    """Starting the assembly after one branch but before the other is a precedence violation."""
    problem = _problem([[_op("a", 0, 3, []), _op("b", 1, 5, []), _op("c", 2, 2, ["a", "b"])]])
    assert _kinds(problem, [(0, 0, 0, 0, 3), (0, 1, 1, 0, 5), (0, 2, 2, 5, 7)]) == set()
    assert _kinds(problem, [(0, 0, 0, 0, 3), (0, 1, 1, 0, 5), (0, 2, 2, 4, 6)]) == {
        ViolationKind.PRECEDENCE
    }


def test_verify_release_of_a_later_source():
    """A graph's second source starting before the release is reported."""
    problem = _problem([[_op("a", 0, 2, []), _op("b", 1, 3, [])]], release={0: 4})
    assert _kinds(problem, [(0, 0, 0, 4, 6), (0, 1, 1, 3, 6)]) == {ViolationKind.BEFORE_RELEASE}


def test_verify_min_lag():
    """Starting after the predecessor's end but within its minimum lag is a precedence violation."""
    problem = _problem([[_op("a", 0, 2), _op("b", 1, 3, [("a", 4, None)])]])
    assert _kinds(problem, [(0, 0, 0, 0, 2), (0, 1, 1, 6, 9)]) == set()
    assert _kinds(problem, [(0, 0, 0, 0, 2), (0, 1, 1, 5, 8)]) == {ViolationKind.PRECEDENCE}


def test_verify_max_lag():
    """Starting later than the maximum lag after the predecessor is reported as MAX_LAG."""
    problem = _no_wait(0)
    good = [(0, 0, 0, 2, 4), (0, 1, 1, 4, 7), (0, 2, 2, 4, 9), (1, 0, 1, 0, 4)]
    late = [(0, 0, 0, 0, 2), (0, 1, 1, 4, 7), (0, 2, 2, 2, 7), (1, 0, 1, 0, 4)]
    assert _kinds(problem, good) == set()
    assert _kinds(problem, late) == {ViolationKind.MAX_LAG}


def test_verify_capacity():
    """Two batches at once fit an oven of capacity 2, three do not; capacity 1 still says overlap."""
    oven = _problem([[_op("bake", 0, 3)] for _ in range(3)], 1, capacity={0: 2})
    two = [(0, 0, 0, 0, 3), (1, 0, 0, 0, 3), (2, 0, 0, 3, 6)]
    three = [(0, 0, 0, 0, 3), (1, 0, 0, 1, 4), (2, 0, 0, 2, 5)]
    assert _kinds(oven, two) == set()
    assert _kinds(oven, three) == {ViolationKind.CAPACITY}
    single = _problem([[_op("bake", 0, 3)] for _ in range(3)], 1)
    assert _kinds(single, three) == {ViolationKind.OVERLAP}


def test_verify_capacity_frees_a_slot_at_an_end():
    """An operation starting when another ends takes its slot: back to back is no violation."""
    oven = _problem([[_op("bake", 0, 3)] for _ in range(3)], 1, capacity={0: 2})
    assert _kinds(oven, [(0, 0, 0, 0, 3), (1, 0, 0, 0, 3), (2, 0, 0, 3, 6)]) == set()
    assert _kinds(oven, [(0, 0, 0, 0, 3), (1, 0, 0, 1, 4), (2, 0, 0, 3, 6)]) == set()
