"""Scenario changes: each kind applied to a small plant, unknown ids named, nothing half-applied."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from scheduler.planning.changes import (
    Change,
    Scenario,
    apply,
    apply_scenario,
    parse_scenarios_json,
)
from scheduler.problem import InvalidProblem, Problem, parse_problem

_CHANGE: TypeAdapter[Any] = TypeAdapter(Change)


def plant() -> Problem:
    """Two machines (one on a shared calendar), an operator, a bought item, an open purchase."""
    return parse_problem(
        {
            "machines": [{"id": "press", "calendar": "days"}, {"id": "lathe"}],
            "calendars": [
                {"id": "days", "shifts": [{"days": ["mon"], "start": "06:00", "end": "14:00"}]}
            ],
            "resources": [{"id": "crew", "calendar": "days"}],
            "items": [{"id": "resin", "stock": 5, "suppliers": [{"id": "acme", "lead_time": 60}]}],
            "purchase_orders": [{"id": "PO-1", "item_id": "resin", "quantity": 5, "arrival": 30}],
            "orders": [
                {
                    "id": "A",
                    "due": 100,
                    "operations": [
                        {
                            "id": "mould",
                            "machines": [{"machine_id": "press", "duration": 5}],
                            "resources": [{"resources": ["crew"]}],
                            "consumes": [{"item_id": "resin", "quantity": 2}],
                        },
                        {
                            "id": "turn",
                            "machines": [
                                {"machine_id": "lathe", "duration": 3},
                                {"machine_id": "press", "duration": 4},
                            ],
                        },
                    ],
                },
                {
                    "id": "B",
                    "operations": [
                        {
                            "id": "turn",
                            "machines": [{"machine_id": "lathe"}, {"machine_id": "press"}],
                        }
                    ],
                },
            ],
        }
    )


def change(**fields: Any) -> Any:
    return _CHANGE.validate_python(fields)


def _calendar_of(problem: Problem, machine: str) -> Any:
    calendar = problem.machines[problem.machine_position(machine)].calendar
    return problem.calendar(calendar) if calendar else None


CASES: list[tuple[dict[str, Any], Any]] = [
    (
        {"kind": "machine_down", "machine_id": "lathe", "start": 10, "end": 20},
        lambda p: (
            _calendar_of(p, "lathe").exceptions[0].end == 20
            and p.working_windows(_calendar_of(p, "lathe").id, 30) == [(0, 10), (20, 30)]
        ),
    ),
    (
        {"kind": "machine_added", "machine_id": "press-2", "like": "press"},
        lambda p: (
            [m.machine_id for m in p.orders[0].operations[1].machines]
            == ["lathe", "press", "press-2"]
            and p.machines[-1].calendar == "days"
        ),
    ),
    (
        {"kind": "machine_removed", "machine_id": "lathe"},
        lambda p: (
            p.index.machine_ids == ("press",)
            and [m.machine_id for m in p.orders[0].operations[1].machines] == ["press"]
        ),
    ),
    (
        {
            "kind": "shift_added",
            "calendar_id": "days",
            "shift": {"days": ["sat"], "start": "06:00", "end": "10:00"},
        },
        lambda p: [s.days for s in p.calendar("days").shifts] == [["mon"], ["sat"]],
    ),
    (
        {
            "kind": "order_added",
            "order": {
                "id": "RUSH",
                "due": 10,
                "operations": [{"id": "x", "machines": [{"machine_id": "lathe", "duration": 2}]}],
            },
        },
        lambda p: p.orders[-1].id == "RUSH" and p.orders[-1].due == 10,
    ),
    ({"kind": "order_cancelled", "order_id": "A"}, lambda p: [o.id for o in p.orders] == ["B"]),
    ({"kind": "due_changed", "order_id": "A", "due": None}, lambda p: p.orders[0].due is None),
    (
        {"kind": "deadline_changed", "order_id": "B", "deadline": 90},
        lambda p: p.orders[1].deadline == 90,
    ),
    ({"kind": "priority_changed", "order_id": "A", "weight": 7}, lambda p: p.orders[0].weight == 7),
    (
        {"kind": "quantity_changed", "order_id": "B", "quantity": 4},
        lambda p: p.orders[1].quantity == 4,
    ),
    (
        {"kind": "lead_time_changed", "item_id": "resin", "supplier_id": "acme", "lead_time": 99},
        lambda p: p.items[0].suppliers[0].lead_time == 99,
    ),
    (
        {"kind": "price_changed", "item_id": "resin", "supplier_id": "acme", "unit_cost": 3},
        lambda p: p.items[0].suppliers[0].unit_cost == 3,
    ),
    ({"kind": "stock_changed", "item_id": "resin", "stock": 0}, lambda p: p.items[0].stock == 0),
    (
        {"kind": "purchase_delayed", "purchase_id": "PO-1", "delay": 70},
        lambda p: p.purchase_orders[0].arrival == 100,
    ),
    (
        {"kind": "resource_absent", "resource_id": "crew", "start": 0, "end": 400},
        # The press shares the crew's calendar and must keep its working time.
        lambda p: (
            p.resources[0].calendar != "days"
            and p.calendar(p.resources[0].calendar).exceptions[0].end == 400
            and p.machines[0].calendar == "days"
            and not p.calendar("days").exceptions
        ),
    ),
    (
        {"kind": "resource_capacity_changed", "resource_id": "crew", "capacity": 2},
        lambda p: p.resources[0].capacity == 2,
    ),
]


@pytest.mark.parametrize(("fields", "holds"), CASES, ids=[c[0]["kind"] for c in CASES])
def test_each_change_kind_edits_what_it_names(fields, holds):
    """Each change kind yields a validated problem with exactly its edit made."""
    base = plant()
    before = base.model_dump()
    assert holds(apply(base, [change(**fields)]))
    assert base.model_dump() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "machine_down", "machine_id": "mill", "start": 0, "end": 5}, "machine_id"),
        ({"kind": "machine_added", "machine_id": "x", "like": "mill"}, "like"),
        ({"kind": "priority_changed", "order_id": "Z", "weight": 2}, "order_id"),
        (
            {"kind": "price_changed", "item_id": "resin", "supplier_id": "nobody", "unit_cost": 1},
            "supplier_id",
        ),
        ({"kind": "purchase_delayed", "purchase_id": "PO-9", "delay": 1}, "purchase_id"),
        ({"kind": "resource_absent", "resource_id": "robot", "start": 0, "end": 5}, "resource_id"),
    ],
)
def test_an_unknown_id_is_named_with_scenario_index_and_field(fields, field):
    """The error names the scenario (position and name), the change's index and its field."""
    scenario = Scenario(
        name="tuesday",
        changes=[change(kind="stock_changed", item_id="resin", stock=1), change(**fields)],
    )
    with pytest.raises(InvalidProblem) as raised:
        apply_scenario(plant(), scenario, 3)
    (violation,) = raised.value.violations
    assert violation.field == f"scenarios[3].changes[1].{field}"
    assert "scenario 'tuesday'" in violation.reason and "unknown" in violation.reason


def test_removing_the_only_machine_of_an_operation_is_refused():
    """An operation left without an eligible machine is named under the change that did it."""
    with pytest.raises(InvalidProblem) as raised:
        apply(plant(), [change(kind="machine_removed", machine_id="press")])
    (violation,) = raised.value.violations
    assert violation.field == "changes[0]"
    assert "orders[0].operations[0].machines" in violation.reason


def test_a_rejected_scenario_leaves_the_base_untouched():
    """A later bad change leaves no trace of the earlier good ones: nothing half-applied."""
    base = plant()
    with pytest.raises(InvalidProblem):
        apply(
            base,
            [
                change(kind="stock_changed", item_id="resin", stock=0),
                change(kind="order_cancelled", order_id="Q"),
            ],
        )
    assert base.items[0].stock == 5 and apply(base, []) == base


def test_a_scenarios_file_refuses_repeated_names_and_bad_kinds():
    """Scenario names are distinct and a change kind outside the vocabulary is named."""
    with pytest.raises(InvalidProblem, match="repeated"):
        parse_scenarios_json('{"scenarios": [{"name": "a"}, {"name": "a"}]}')
    with pytest.raises(InvalidProblem, match=r"scenarios\[0\]\.changes\[0\]"):
        parse_scenarios_json('{"scenarios": [{"name": "a", "changes": [{"kind": "meteor"}]}]}')


def test_the_schema_command_prints_the_scenarios_file_schema(capsys):
    """`scheduler schema --scenarios` prints a schema naming every change kind."""
    from scheduler.cli import main

    assert main(["schema", "--scenarios"]) == 0
    printed = capsys.readouterr().out
    assert '"ScenarioFile"' in printed and '"purchase_delayed"' in printed


def test_a_shift_added_after_a_downtime_reaches_the_machine_down():
    """A machine given a private calendar for its downtime still gets the shared calendar's new
    shifts, whichever change comes first."""
    down = change(kind="resource_absent", resource_id="crew", start=0, end=60)
    saturday = change(
        kind="shift_added",
        calendar_id="days",
        shift={"days": ["sat"], "start": "06:00", "end": "10:00"},
    )
    for changes in ([down, saturday], [saturday, down]):
        edited = apply(plant(), changes)
        private = edited.calendar(edited.resources[0].calendar)
        assert private.id != "days" and [s.days for s in private.shifts] == [["mon"], ["sat"]]
        assert edited.calendar("days").shifts == private.shifts
