"""Hard deadlines, and infeasibility explained in the planner's words: each pre-solve check fires
on a tiny problem and stays silent on its feasible twin; CP-SAT's conflicting set names exactly
the deadlines that clash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scheduler.cli import EXIT_NO_SCHEDULE, main
from scheduler.cpsat.explain import explain_infeasibility
from scheduler.diagnose import ConflictCode, describe, presolve_conflicts
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=5, workers=2)
MONDAY = "2026-11-23T00:00:00"
"""A Monday: tick 0 is Monday 00:00, one tick a minute."""
MORNING = {"id": "morning", "shifts": [{"days": ["mon"], "start": "08:00", "end": "12:00"}]}
"""Four hours on Mondays: ticks 480 to 720 of each week."""


def _op(op_id: str, *modes: tuple[str, int], **fields: Any) -> dict[str, Any]:
    return {
        "id": op_id,
        "machines": [{"machine_id": m, "duration": d} for m, d in modes],
        **fields,
    }


def _problem(orders: list[dict[str, Any]], **fields: Any) -> Problem:
    machines = sorted(
        {m["machine_id"] for o in orders for op in o["operations"] for m in op["machines"]}
    )
    data: dict[str, Any] = {"machines": [{"id": m} for m in machines], "orders": orders}
    for machine in fields.pop("machines", []):
        data["machines"] = [m for m in data["machines"] if m["id"] != machine["id"]] + [machine]
    return parse_problem({**data, **fields})


def _two_orders(deadlines: tuple[int | None, int | None]) -> Problem:
    """One machine; WO-1 takes 2, WO-2 takes 5; weighted completion puts WO-1 first (2 + 7 = 9)."""
    orders: list[dict[str, Any]] = [
        {"id": "WO-1", "operations": [_op("op-10", ("press-1", 2))]},
        {"id": "WO-2", "operations": [_op("op-10", ("press-1", 5))]},
    ]
    for order, deadline in zip(orders, deadlines, strict=True):
        if deadline is not None:
            order["deadline"] = deadline
    return _problem(orders, objective="weighted_completion")


def _codes(problem: Problem) -> list[ConflictCode]:
    return [c.code for c in presolve_conflicts(problem)]


# --------------------------------------------------------------------------------------------------
# Deadlines


def test_deadline_binds_and_changes_the_sequence():
    """A deadline of 5 on the long order puts it first: weighted completion 5 + 7 = 12, not 9."""
    result = solve(_two_orders((None, 5)), FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 12
    assert result.schedule is not None
    assert {op.job: op.end for op in result.schedule.operations} == {0: 7, 1: 5}


def test_deadline_slack_leaves_the_optimum():
    """A deadline of 7 on the long order is met by the best sequence anyway: 2 + 7 = 9."""
    result = solve(_two_orders((None, 7)), FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 9


def test_verifier_reports_a_missed_deadline():
    """Completing after the deadline is a DEADLINE violation; on time is fine."""
    problem = _two_orders((None, 5))
    late = Schedule((ScheduledOperation(0, 0, 0, 0, 2), ScheduledOperation(1, 0, 0, 2, 7)))
    on_time = Schedule((ScheduledOperation(0, 0, 0, 5, 7), ScheduledOperation(1, 0, 0, 0, 5)))
    assert {v.kind for v in verify(problem, late).violations} == {ViolationKind.DEADLINE}
    assert verify(problem, on_time).ok


def _clashing_deadlines() -> Problem:
    """WO-1 by 2 and WO-2 by 5 share press-1 (each alone fits); WO-3 has room on press-9."""
    return _problem(
        [
            {"id": "WO-1", "deadline": 2, "operations": [_op("op-10", ("press-1", 2))]},
            {"id": "WO-2", "deadline": 5, "operations": [_op("op-10", ("press-1", 5))]},
            {"id": "WO-3", "deadline": 50, "operations": [_op("op-10", ("press-9", 5))]},
        ],
        planning_start=MONDAY,
    )


def test_clashing_deadlines_are_explained_by_both_and_not_the_slack_one():
    """CP-SAT proves infeasibility; the explanation names WO-1's and WO-2's deadlines, not WO-3's."""
    problem = _clashing_deadlines()
    assert presolve_conflicts(problem) == []
    result = solve(problem, FAST)
    assert result.status is SolveStatus.INFEASIBLE
    assert [c.message for c in result.explanation] == [
        "order WO-1 cannot meet its deadline at 2026-11-23 00:02",
        "order WO-2 cannot meet its deadline at 2026-11-23 00:05",
    ]
    assert [c.field for c in result.explanation] == ["orders[0].deadline", "orders[1].deadline"]


def test_explainer_returns_a_minimal_set_and_nothing_when_feasible():
    """The conflicting set is minimal; a feasible problem has no explanation."""
    explanation = explain_infeasibility(_clashing_deadlines())
    assert explanation is not None
    assert explanation.keys == ("deadline:0", "deadline:1") and explanation.minimal
    assert explain_infeasibility(_two_orders((None, 5))) is None


# --------------------------------------------------------------------------------------------------
# Pre-solve checks


def _routing(deadline: int) -> Problem:
    return _problem(
        [
            {
                "id": "WO-17",
                "release": 60,
                "deadline": deadline,
                "operations": [_op("op-10", ("press-1", 30)), _op("op-20", ("press-2", 45))],
            }
        ],
        planning_start=MONDAY,
    )


def test_deadline_before_release_plus_routing_fails_before_search():
    """A deadline before release + shortest routing is INFEASIBLE without a search, in words."""
    result = solve(_routing(134), FAST)
    assert result.status is SolveStatus.INFEASIBLE and result.build_time == 0
    (conflict,) = result.explanation
    assert conflict.code is ConflictCode.DEADLINE_BEFORE_ROUTING
    assert conflict.message == (
        "order WO-17's deadline (2026-11-23 02:14) is before its release plus its shortest "
        "routing: it cannot complete before 2026-11-23 02:15"
    )
    assert conflict.field == "orders[0].deadline" and conflict.ids == ("WO-17",)
    assert presolve_conflicts(_routing(135)) == []


def _calendar_op(duration: int, *, resumable: bool = False, deadline: int | None = None) -> Problem:
    order: dict[str, Any] = {
        "id": "WO-17",
        "operations": [_op("op-40", ("press-2", duration), resumable=resumable)],
    }
    if deadline is not None:
        order["deadline"] = deadline
    return _problem(
        [order],
        planning_start=MONDAY,
        calendars=[MORNING],
        machines=[{"id": "press-2", "calendar": "morning"}],
    )


def test_no_working_window_long_enough():
    """Five hours of work cannot fit a four-hour shift; four hours can, and so can a resumable five."""
    (conflict,) = presolve_conflicts(_calendar_op(300))
    assert conflict.code is ConflictCode.NO_WORKING_WINDOW
    assert conflict.message == (
        "no working window on press-2 is long enough for operation op-40 of order WO-17: it "
        "needs 5 h without a break, the longest window is 4 h"
    )
    assert conflict.ids == ("WO-17", "op-40", "press-2")
    assert presolve_conflicts(_calendar_op(240)) == []
    assert presolve_conflicts(_calendar_op(300, resumable=True)) == []


def test_machine_without_working_time():
    """A machine whose calendar never works cannot run anything; an always-on alternative can."""
    never = {"id": "never"}
    alone = _problem(
        [{"id": "WO-17", "operations": [_op("op-40", ("press-2", 10))]}],
        calendars=[never],
        machines=[{"id": "press-2", "calendar": "never"}],
    )
    (conflict,) = presolve_conflicts(alone)
    assert (
        conflict.message
        == "press-2 has no working time, so operation op-40 of order WO-17 can never run"
    )
    with_alternative = _problem(
        [{"id": "WO-17", "operations": [_op("op-40", ("press-2", 10), ("press-3", 20))]}],
        calendars=[never],
        machines=[{"id": "press-2", "calendar": "never"}],
    )
    assert presolve_conflicts(with_alternative) == []


def test_deadline_before_the_earliest_window():
    """Two hours of work from the 08:00 shift end at 10:00: a 09:00 deadline fails, 10:00 holds."""
    (conflict,) = presolve_conflicts(_calendar_op(120, deadline=540))
    assert conflict.code is ConflictCode.DEADLINE_BEFORE_WINDOW
    assert conflict.message == (
        "order WO-17 cannot meet its deadline at 2026-11-23 09:00: the working time of press-2 "
        "lets operation op-40 end at 2026-11-23 10:00 at the earliest"
    )
    assert presolve_conflicts(_calendar_op(120, deadline=600)) == []
    # Resumable work pauses at noon and resumes next Monday.
    (late,) = presolve_conflicts(_calendar_op(300, resumable=True, deadline=7 * 1440))
    assert "end at 2026-11-30 09:00" in late.message
    assert presolve_conflicts(_calendar_op(300, resumable=True, deadline=7 * 1440 + 540)) == []


def _crew(duration: int) -> Problem:
    return _problem(
        [
            {
                "id": "WO-17",
                "operations": [
                    _op("op-40", ("press-2", duration), resources=[{"resources": ["crew-A"]}])
                ],
            }
        ],
        planning_start=MONDAY,
        calendars=[MORNING],
        resources=[{"id": "crew-A", "calendar": "morning"}],
    )


def test_resource_working_time_too_short():
    """A crew working four hours cannot be held for five; for three it can."""
    (conflict,) = presolve_conflicts(_crew(300))
    assert conflict.code is ConflictCode.RESOURCE_NO_WORKING_WINDOW
    assert conflict.message == (
        "no working window of crew-A is long enough for operation op-40 of order WO-17: it holds "
        "the resource for 5 h, the longest window is 4 h"
    )
    assert conflict.field == "orders[0].operations[0].resources[0]"
    assert presolve_conflicts(_crew(180)) == []


def _resin(
    *,
    stock: int = 50,
    arrival: int = 9 * 1440,
    suppliers: list[dict[str, Any]] | None = None,
    deadline: int | None = None,
) -> Problem:
    order: dict[str, Any] = {
        "id": "WO-17",
        "operations": [
            _op("op-10", ("press-2", 60), consumes=[{"item_id": "resin-A", "quantity": 120}])
        ],
    }
    if deadline is not None:
        order["deadline"] = deadline
    return _problem(
        [order],
        planning_start=MONDAY,
        items=[{"id": "resin-A", "stock": stock, "suppliers": suppliers or []}],
        purchase_orders=[{"item_id": "resin-A", "quantity": 30, "arrival": arrival}],
    )


def test_item_consumed_beyond_all_it_can_have():
    """120 units needed from stock 50 and 30 on order, with no supplier, can never be there."""
    (conflict,) = presolve_conflicts(_resin())
    assert conflict.code is ConflictCode.ITEM_NEVER_AVAILABLE
    assert conflict.message == (
        "item resin-A can never reach the 120 units its operations consume: stock 50, open "
        "purchases 30 and production 0 give 80 at most, and it has no supplier"
    )
    assert conflict.field == "items[0]" and conflict.ids == ("resin-A",)
    assert presolve_conflicts(_resin(stock=90)) == []
    assert presolve_conflicts(_resin(suppliers=[{"id": "acme", "lead_time": 60}])) == []


def test_item_needed_before_it_can_arrive():
    """Needed by day 2 but the purchase lands on day 9 and the supplier needs 10 days: too late."""
    slow = [{"id": "acme", "lead_time": 10 * 1440}]
    (conflict,) = presolve_conflicts(_resin(stock=90, suppliers=slow, deadline=2 * 1440))
    assert conflict.code is ConflictCode.ITEM_NOT_IN_TIME
    assert conflict.message == (
        "item resin-A cannot reach 120 units by 2026-11-24 23:00, when operation op-10 of order "
        "WO-17 must start to meet its deadline: stock, open purchases arriving by then and "
        "production give 90 at most, and its fastest supplier, acme, needs 10 d"
    )
    assert presolve_conflicts(_resin(stock=90, arrival=1440, deadline=2 * 1440)) == []
    fast = [{"id": "acme", "lead_time": 1440}]
    assert presolve_conflicts(_resin(stock=90, suppliers=fast, deadline=2 * 1440)) == []


# --------------------------------------------------------------------------------------------------
# Named hard constraints in words


def test_every_guard_key_has_words():
    """Each key the model may guard is described with the ids the planner knows."""
    problem = _problem(
        [
            {
                "id": "WO-17",
                "deadline": 900,
                "operations": [
                    _op("op-10", ("press-1", 30)),
                    _op(
                        "op-20",
                        ("press-2", 30),
                        predecessors=[{"operation_id": "op-10", "max_lag": 0}],
                    ),
                    _op(
                        "op-30",
                        ("press-2", 30),
                        predecessors=[{"operation_id": "op-20", "max_lag": 90}],
                    ),
                ],
            }
        ],
        planning_start=MONDAY,
        calendars=[MORNING],
        machines=[{"id": "press-2", "calendar": "morning"}],
        items=[{"id": "resin-A"}],
        resources=[{"id": "crew-A"}],
    )
    words = {
        key: describe(problem, key).message
        for key in (
            "deadline:0",
            "calendar:1",
            "material:0",
            "max_lag:1",
            "max_lag:2",
            "resource_calendar:0",
            "bogus:7",
        )
    }
    assert words == {
        "deadline:0": "order WO-17 cannot meet its deadline at 2026-11-23 15:00",
        "calendar:1": "operation op-20 of order WO-17 cannot fit the working time of press-2",
        "material:0": "item resin-A cannot be available in time",
        "max_lag:1": "the no-wait between op-10 and op-20 of order WO-17",
        "max_lag:2": "the wait of at most 1 h 30 min between op-20 and op-30 of order WO-17",
        "resource_calendar:0": "the working time of resource crew-A leaves no room",
        "bogus:7": "the hard constraint bogus:7",
    }


def test_cli_prints_and_writes_the_explanation(tmp_path, capsys):
    """solve prints why on INFEASIBLE and writes the conflicts into the result JSON."""
    path = tmp_path / "p.json"
    path.write_text(_routing(134).model_dump_json())
    out = tmp_path / "r.json"
    code = main(["solve", str(path), "--time-limit", "2", "--quiet", "--out", str(out)])
    assert code == EXIT_NO_SCHEDULE
    printed = capsys.readouterr().out
    assert "status      INFEASIBLE" in printed
    assert "why         order WO-17's deadline (2026-11-23 02:14)" in printed
    (conflict,) = json.loads(out.read_text())["explanation"]
    assert conflict["code"] == "deadline_before_routing"
    assert conflict["field"] == "orders[0].deadline" and conflict["ids"] == ["WO-17"]


@pytest.mark.parametrize("deadlines", [(2, 7), (None, 5)])
def test_feasible_deadlines_have_no_conflicts(deadlines):
    """Deadlines that can be met give no pre-solve conflict and a verified schedule."""
    problem = _two_orders(deadlines)
    assert presolve_conflicts(problem) == []
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and not result.explanation
