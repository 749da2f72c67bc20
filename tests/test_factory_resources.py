"""Secondary resources (operators, tools): binding and slack solves, qualified alternatives, resource
calendars, the verifier's resource checks and the schedule file's resource field."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from scheduler.cpsat import build_model
from scheduler.cpsat import model as cpsat_model
from scheduler.formats.solution import read_schedule, schedule_to_json
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)


def _problem(
    ops: list[dict[str, Any]],
    resources: list[dict[str, Any]],
    *,
    calendars: list[dict[str, Any]] | None = None,
    objective: str = "makespan",
    release: dict[int, int] | None = None,
) -> Problem:
    """One single-operation order per entry of `ops`, on machines m0.. as the entries name them."""
    machines = sorted({mode["machine_id"] for op in ops for mode in op["machines"]})
    return parse_problem(
        {
            "machines": [{"id": m} for m in machines],
            "resources": resources,
            "calendars": calendars or [],
            "orders": [
                {
                    "id": f"j{j}",
                    "operations": [{"id": "o0", **op}],
                    "release": (release or {}).get(j, 0),
                }
                for j, op in enumerate(ops)
            ],
            "objective": objective,
        }
    )


def _op(machine: str, duration: int, *needs: list[str], quantity: int = 1) -> dict[str, Any]:
    return {
        "machines": [{"machine_id": machine, "duration": duration}],
        "resources": [{"resources": need, "quantity": quantity} for need in needs],
    }


def _solved(problem: Problem) -> Schedule:
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule is not None
    return result.schedule


def _by_job(schedule: Schedule) -> dict[int, ScheduledOperation]:
    return {op.job: op for op in schedule.operations}


def test_shared_operator_serialises_two_machines():
    """One operator on two machines: the two operations run one after the other (makespan 5, not 3)."""
    problem = _problem([_op("m0", 3, ["alice"]), _op("m1", 2, ["alice"])], [{"id": "alice"}])
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 5
    assert result.schedule is not None
    a, b = sorted(result.schedule.operations, key=lambda op: op.start)
    assert a.end <= b.start
    assert a.resources == b.resources == (0,)


def test_operator_crew_of_two_is_slack():
    """A crew of capacity 2 lets both operations run at once (makespan 3)."""
    problem = _problem(
        [_op("m0", 3, ["crew"]), _op("m1", 2, ["crew"])], [{"id": "crew", "capacity": 2}]
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 3


def test_quantity_counts_against_capacity():
    """Two operations needing 2 of a crew of 3 cannot overlap (makespan 5)."""
    problem = _problem(
        [_op("m0", 3, ["crew"], quantity=2), _op("m1", 2, ["crew"], quantity=2)],
        [{"id": "crew", "capacity": 3}],
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 5


def test_solver_picks_the_free_qualified_operator():
    """With alice busy on m0, the operation that bob may also run gets bob (makespan 3)."""
    problem = _problem(
        [_op("m0", 3, ["alice"]), _op("m1", 3, ["alice", "bob"])],
        [{"id": "alice"}, {"id": "bob"}],
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 3
    assert result.schedule is not None
    assert _by_job(result.schedule)[1].resources == (1,)


def test_operator_and_tool_needs_are_read_back_in_order():
    """An operation with an operator need and a tool need records one choice per need, in order."""
    problem = _problem(
        [_op("m0", 2, ["alice", "bob"], ["jig"]), _op("m1", 2, ["bob"])],
        [{"id": "alice"}, {"id": "bob"}, {"id": "jig", "kind": "tool"}],
    )
    schedule = _solved(problem)
    assert _by_job(schedule)[0].resources == (0, 2)
    assert _by_job(schedule)[1].resources == (1,)


def test_multi_mode_operation_holds_its_operator_for_the_chosen_duration():
    """An operation with two machines holds the operator for the chosen mode's span (makespan 4)."""
    flexible = {
        "machines": [{"machine_id": "m0", "duration": 1}, {"machine_id": "m1", "duration": 2}],
        "resources": [{"resources": ["alice"]}],
    }
    problem = _problem([_op("m0", 3, ["alice"]), flexible], [{"id": "alice"}])
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 4


def test_zero_length_operation_holds_nothing():
    """A zero-length operation needing a busy operator does not wait for it (makespan 3)."""
    problem = _problem(
        [_op("m0", 3, ["alice"]), _op("m1", 0, ["alice"])], [{"id": "alice"}], release={1: 1}
    )
    schedule = _solved(problem)
    assert _by_job(schedule)[1].start == 1


def test_zero_length_mode_of_a_flexible_operation_holds_nothing():
    """Choosing the zero-length mode frees an operation from both busy operators (3 + 3 + 1)."""
    flexible = {
        "machines": [{"machine_id": "m2", "duration": 0}, {"machine_id": "m3", "duration": 2}],
        "resources": [{"resources": ["alice", "bob"]}],
    }
    problem = _problem(
        [_op("m0", 3, ["alice"]), _op("m1", 3, ["bob"]), flexible],
        [{"id": "alice"}, {"id": "bob"}],
        objective="weighted_completion",
        release={2: 1},
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 7


TOOL_SHIFT = [{"id": "shift", "exceptions": [{"start": 10, "end": 20, "working": True}]}]


def _tool_problem(tool_calendar: str | None) -> Problem:
    # The second order (released at 20) keeps the horizon beyond the tool's shift.
    return _problem(
        [_op("m0", 3, ["jig"]), _op("m1", 1)],
        [{"id": "jig", "kind": "tool", "calendar": tool_calendar}],
        calendars=TOOL_SHIFT,
        objective="weighted_completion",
        release={1: 20},
    )


def test_tool_calendar_makes_the_operation_wait_for_the_shift():
    """A tool working only in [10, 20) delays its operation to 10 (weighted completion 13 + 21)."""
    result = solve(_tool_problem("shift"), FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 34
    assert result.schedule is not None
    assert _by_job(result.schedule)[0].start == 10


def test_tool_without_calendar_is_slack():
    """The same tool always available lets its operation start at 0 (weighted completion 3 + 21)."""
    result = solve(_tool_problem(None), FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 24


def test_resource_calendar_is_guarded_for_explanations(monkeypatch):
    """When explaining, the resource calendar is enforced under the key resource_calendar:<r>."""
    real = cpsat_model.operation_vars
    monkeypatch.setattr(
        cpsat_model,
        "operation_vars",
        lambda *args, **kwargs: dataclasses.replace(real(*args, **kwargs), guards={}),
    )
    sm = build_model(_tool_problem("shift"), explain=True)
    assert sm.ops.guards is not None and "resource_calendar:0" in sm.ops.guards


# --------------------------------------------------------------------------------------------------
# Verifier


@pytest.fixture
def shared():
    """j0 on m0 [0, 3) and j1 on m1 [0, 2), both needing alice or bob; bob works in [0, 2)."""
    return _problem(
        [_op("m0", 3, ["alice", "bob"]), _op("m1", 2, ["alice", "bob"])],
        [{"id": "alice"}, {"id": "bob", "calendar": "early"}, {"id": "carol"}],
        calendars=[{"id": "early", "exceptions": [{"start": 0, "end": 2, "working": True}]}],
    )


def _kinds(problem: Problem, *rows: tuple[int, int, int, int, int, tuple[int, ...]]) -> set[str]:
    schedule = Schedule(tuple(ScheduledOperation(*row) for row in rows))
    return {v.kind for v in verify(problem, schedule).violations}


def test_verifier_accepts_a_feasible_resource_choice(shared):
    """alice on the long operation and bob within his shift is feasible."""
    assert _kinds(shared, (0, 0, 0, 0, 3, (0,)), (1, 0, 1, 0, 2, (1,))) == set()


def test_verifier_reports_a_missing_choice(shared):
    """A need without a chosen resource is a resource choice violation."""
    assert _kinds(shared, (0, 0, 0, 0, 3, ()), (1, 0, 1, 0, 2, (1,))) == {
        ViolationKind.RESOURCE_CHOICE
    }


def test_verifier_reports_an_unqualified_resource(shared):
    """A resource not among the need's alternatives (or not in the problem) is reported."""
    assert _kinds(shared, (0, 0, 0, 0, 3, (2,)), (1, 0, 1, 0, 2, (1,))) == {
        ViolationKind.RESOURCE_CHOICE
    }
    assert _kinds(shared, (0, 0, 0, 0, 3, (7,)), (1, 0, 1, 0, 2, (1,))) == {
        ViolationKind.RESOURCE_CHOICE
    }


def test_verifier_reports_capacity_exceeded(shared):
    """Two overlapping operations holding alice exceed her capacity of 1."""
    assert _kinds(shared, (0, 0, 0, 0, 3, (0,)), (1, 0, 1, 0, 2, (0,))) == {
        ViolationKind.RESOURCE_CAPACITY
    }


def test_verifier_lets_a_resource_pass_from_one_span_to_the_next(shared):
    """A span ending at t frees the resource for a span starting at t."""
    assert _kinds(shared, (0, 0, 0, 0, 3, (0,)), (1, 0, 1, 3, 5, (0,))) == set()


def test_verifier_reports_a_span_outside_the_resource_calendar(shared):
    """bob holding [0, 3) runs past his working window [0, 2)."""
    assert _kinds(shared, (0, 0, 0, 0, 3, (1,)), (1, 0, 1, 0, 2, (0,))) == {
        ViolationKind.RESOURCE_CALENDAR
    }


# --------------------------------------------------------------------------------------------------
# Schedule file


def test_schedule_file_round_trips_resource_choices(shared):
    """The schedule file writes resource numbers and ids and reads the numbers back."""
    schedule = Schedule(
        (ScheduledOperation(0, 0, 0, 0, 3, (0,)), ScheduledOperation(1, 0, 1, 0, 2, (1,)))
    )
    rows = schedule_to_json(shared, schedule)
    assert [row["resource_ids"] for row in rows] == [["alice"], ["bob"]]
    assert set(read_schedule(json.dumps({"operations": rows})).operations) == set(
        schedule.operations
    )


def test_tool_calendar_alone_stretches_the_horizon() -> None:
    """A tool that only works late is waited for, not reported infeasible (regression: the
    horizon ignored resource calendars)."""
    problem = parse_problem(
        {
            "machines": [{"id": "m"}],
            "calendars": [
                {"id": "late", "exceptions": [{"start": 10, "end": 20, "working": True}]}
            ],
            "resources": [{"id": "jig", "kind": "tool", "calendar": "late"}],
            "orders": [
                {
                    "id": "o",
                    "operations": [
                        {
                            "id": "a",
                            "machines": [{"machine_id": "m", "duration": 3}],
                            "resources": [{"resources": ["jig"]}],
                        }
                    ],
                }
            ],
        }
    )
    result = solve(problem, SolveParams(time_limit=5, workers=1))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 13
