"""Materials: stock, open purchase orders, purchases from suppliers, intermediates, waits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scheduler.cpsat import add_hint, build_model, materials, search
from scheduler.formats.solution import read_schedule, result_to_json
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Arrival, Purchase, Schedule, ScheduledOperation, material_waits
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)


def _op(
    machine: int,
    duration: int,
    consumes: dict[str, int] | None = None,
    produces: dict[str, int] | None = None,
    name: str = "o0",
) -> dict[str, Any]:
    return {
        "id": name,
        "machines": [{"machine_id": f"m{machine}", "duration": duration}],
        "consumes": [{"item_id": i, "quantity": q} for i, q in (consumes or {}).items()],
        "produces": [{"item_id": i, "quantity": q} for i, q in (produces or {}).items()],
    }


def _problem(
    ops: list[dict[str, Any]],
    items: list[dict[str, Any]],
    purchase_orders: list[dict[str, Any]] | None = None,
    objective: Any = "makespan",
    **extra: Any,
) -> Problem:
    """One single-operation order per entry of `ops` (orders j0, j1, ...), machines m0 and m1."""
    return parse_problem(
        {
            "machines": [{"id": "m0"}, {"id": "m1"}],
            "orders": [{"id": f"j{j}", "operations": [op]} for j, op in enumerate(ops)],
            "items": items,
            "purchase_orders": purchase_orders or [],
            "objective": objective,
            **extra,
        }
    )


def _supplier(name: str, lead: int, cost: int = 0, moq: int = 1) -> dict[str, Any]:
    return {"id": name, "lead_time": lead, "unit_cost": cost, "min_order_quantity": moq}


def _solved(problem: Problem, objective: int) -> Schedule:
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == objective
    assert result.schedule is not None
    return result.schedule


STEEL_PO = [{"id": "PO-7", "item_id": "steel", "quantity": 3, "arrival": 4}]


def test_open_purchase_order_binds():
    """Stock 2 and a consumption of 5: the operation waits for the open order arriving at 4."""
    problem = _problem([_op(0, 3, {"steel": 5})], [{"id": "steel", "stock": 2}], STEEL_PO)
    schedule = _solved(problem, 7)
    assert schedule.operations[0].start == 4
    assert material_waits(problem, schedule) == {0: [Arrival(0, 4, 3, open_purchase=0)]}


def test_stock_covers_consumption():
    """Stock 5 covers the consumption of 5: the open order is not waited for."""
    problem = _problem([_op(0, 3, {"steel": 5})], [{"id": "steel", "stock": 5}], STEEL_PO)
    schedule = _solved(problem, 3)
    assert schedule.purchases == ()
    assert material_waits(problem, schedule) == {}


def test_without_stock_or_supplier_it_is_infeasible():
    """An item short of stock that no one sells makes the problem infeasible."""
    problem = _problem([_op(0, 3, {"steel": 5})], [{"id": "steel", "stock": 4}])
    assert solve(problem, FAST).status is SolveStatus.INFEASIBLE


def test_material_constraint_is_named_for_explanations():
    """With `explain`, the item's stock constraint has the guard `material:<item index>`."""
    problem = _problem(
        [_op(0, 3, {"steel": 5, "bolt": 2})], [{"id": "bolt"}, {"id": "steel", "stock": 4}]
    )
    guards = build_model(problem, explain=True).ops.guards
    assert guards is not None and set(guards) == {"material:0", "material:1"}


def test_purchase_lead_time_decides_the_start():
    """Without stock, a purchase of exactly the need is placed at 0 and the start is its arrival."""
    problem = _problem(
        [_op(0, 3, {"steel": 5})], [{"id": "steel", "suppliers": [_supplier("acme", 6)]}]
    )
    schedule = _solved(problem, 9)
    assert schedule.operations[0].start == 6
    assert schedule.purchases == (Purchase(0, 0, 5, 0, 6),)
    assert material_waits(problem, schedule) == {0: [Arrival(0, 6, 5, purchase=0)]}


def _two_suppliers(makespan_weight: int) -> Problem:
    """Need 3 steel: slow (lead 10, cost 1 each) or fast (lead 2, cost 5 each)."""
    objective = {
        "terms": [
            {"kind": "makespan", "weight": makespan_weight},
            {"kind": "purchase_cost", "weight": 1},
        ]
    }
    steel = {
        "id": "steel",
        "stock": 2,
        "suppliers": [_supplier("slow", 10, cost=1), _supplier("fast", 2, cost=5)],
    }
    return _problem([_op(0, 3, {"steel": 5})], [steel], objective=objective)


def test_cheap_slow_supplier_when_cost_weighs_more():
    """Makespan 13 + cost 3 beats makespan 5 + cost 15: the slow supplier is chosen."""
    schedule = _solved(_two_suppliers(1), 16)
    assert schedule.purchases == (Purchase(0, 0, 3, 0, 10),)


def test_fast_supplier_when_makespan_weighs_more():
    """With makespan weighted 3, 3*5 + 15 beats 3*13 + 3: the fast supplier is chosen."""
    schedule = _solved(_two_suppliers(3), 30)
    assert schedule.purchases == (Purchase(0, 1, 3, 0, 2),)


def _moq(big_moq: int) -> Problem:
    """Need 5 bolts: `bulk` at 1 each with a minimum order, or `retail` at 3 each."""
    bolt = {
        "id": "bolt",
        "suppliers": [_supplier("bulk", 1, cost=1, moq=big_moq), _supplier("retail", 1, cost=3)],
    }
    return _problem([_op(0, 2, {"bolt": 5})], [bolt], objective="purchase_cost")


def test_minimum_order_quantity_binds():
    """A minimum of 20 at 1 each (20) loses to 5 at 3 each (15); a minimum of 10 (10) wins."""
    assert _solved(_moq(20), 15).purchases[0].supplier == 1
    (purchase,) = _solved(_moq(10), 10).purchases
    assert (purchase.supplier, purchase.quantity) == (0, 10)


def test_minimum_order_quantity_slack():
    """A minimum below the need does not bind: exactly the need is bought."""
    (purchase,) = _solved(_moq(3), 5).purchases
    assert (purchase.supplier, purchase.quantity) == (0, 5)


def _bom(stock: int) -> Problem:
    """j0 makes a frame on m0 in 4; j1 on m1 uses it for 2."""
    return _problem(
        [_op(0, 4, produces={"frame": 1}), _op(1, 2, consumes={"frame": 1})],
        [{"id": "frame", "stock": stock}],
    )


def test_intermediate_forces_order():
    """The frame exists only when j0 ends: j1 starts at 4, makespan 6."""
    schedule = _solved(_bom(0), 6)
    assert schedule.operations[1].start == 4
    # Production is not an arrival: nothing is reported as waited for.
    assert material_waits(_bom(0), schedule) == {}


def test_intermediate_in_stock():
    """A frame in stock lets both run at once: makespan 4."""
    _solved(_bom(1), 4)


def _three_orders() -> Problem:
    """Three orders on m0 each consume 2 steel; acme delivers in 3 at 1 each, at least 2."""
    return parse_problem(
        {
            "machines": [{"id": "m0"}],
            "orders": [{"id": f"j{j}", "operations": [_op(0, 2, {"steel": 2})]} for j in range(3)],
            "items": [{"id": "steel", "suppliers": [_supplier("acme", 3, cost=1, moq=2)]}],
            "objective": {"terms": [{"kind": "makespan"}, {"kind": "purchase_cost"}]},
        }
    )


def test_several_slots_per_supplier_reach_the_same_optimum(monkeypatch):
    """With three purchase slots per supplier the optimum is the same as with one."""
    (purchase,) = _solved(_three_orders(), 9 + 6).purchases
    assert purchase == Purchase(0, 0, 6, 0, 3)
    monkeypatch.setattr(materials, "PURCHASES_PER_SUPPLIER", 3)
    assert len(build_model(_three_orders()).ops.purchases) == 3
    _solved(_three_orders(), 9 + 6)


@pytest.mark.parametrize("slots", [1, 3])
def test_hint_carries_the_purchases(monkeypatch, slots):
    """A schedule's purchases hint the slots completely (merged when there are fewer slots)."""
    monkeypatch.setattr(materials, "PURCHASES_PER_SUPPLIER", slots)
    problem = _three_orders()
    purchases = tuple(Purchase(0, 0, 2, t, t + 3) for t in range(3))
    hint = Schedule(
        tuple(ScheduledOperation(j, 0, 0, 3 + 2 * j, 5 + 2 * j) for j in range(3)), purchases
    )
    assert verify(problem, hint).objective == 9 + 6
    sm = build_model(problem)
    add_hint(sm, hint)
    outcome = search(sm, {"fix_variables_to_their_hinted_value": True, "num_workers": 1})
    assert outcome.status == "OPTIMAL" and outcome.schedule is not None
    merged = (Purchase(0, 0, 6, 0, 3),)
    assert outcome.schedule.purchases == (purchases if slots == 3 else merged)


def test_material_waits_credits_every_order_consuming_at_the_arrival():
    """Two orders consuming at the arrival tick both waited for it; one at 0 from stock did not."""
    problem = _problem(
        [_op(0, 1, {"steel": 2}), _op(1, 1, {"steel": 2}), _op(0, 1, {"steel": 1})],
        [{"id": "steel", "stock": 2}],
        STEEL_PO,
    )
    schedule = Schedule(
        (
            ScheduledOperation(0, 0, 0, 4, 5),
            ScheduledOperation(1, 0, 1, 4, 5),
            ScheduledOperation(2, 0, 0, 0, 1),
        )
    )
    assert verify(problem, schedule).ok
    po = Arrival(0, 4, 3, open_purchase=0)
    assert material_waits(problem, schedule) == {0: [po], 1: [po]}


# --------------------------------------------------------------------------------------------------
# Verifier


def _steel(stock: int = 0) -> Problem:
    steel = {"id": "steel", "stock": stock, "suppliers": [_supplier("acme", 6, cost=2, moq=4)]}
    return _problem([_op(0, 3, {"steel": 5})], [steel], STEEL_PO)


def _kinds(problem: Problem, start: int, *purchases: Purchase) -> set[ViolationKind]:
    schedule = Schedule((ScheduledOperation(0, 0, 0, start, start + 3),), purchases)
    return {v.kind for v in verify(problem, schedule).violations}


def test_verifier_accepts_purchases_and_counts_their_cost():
    """A valid purchase covering the shortfall passes; its cost is the purchase_cost KPI."""
    schedule = Schedule((ScheduledOperation(0, 0, 0, 7, 10),), (Purchase(0, 0, 4, 1, 7),))
    report = verify(_steel(), schedule)
    assert report.ok and report.kpis is not None and report.kpis.purchase_cost == 8


def test_verifier_stockout():
    """Consuming before enough has arrived is a stockout; stock on hand avoids it."""
    assert _kinds(_steel(), 3) == {ViolationKind.STOCKOUT}
    assert _kinds(_steel(), 4) == {ViolationKind.STOCKOUT}
    assert _kinds(_steel(2), 4) == set()


@pytest.mark.parametrize(
    "purchase",
    [
        Purchase(0, 0, 3, 1, 7),  # below the minimum order quantity 4
        Purchase(0, 0, 4, 1, 6),  # arrival is not order time + lead time
        Purchase(0, 0, 4, -1, 5),  # placed before the planning start
        Purchase(0, 1, 4, 1, 7),  # no such supplier
        Purchase(1, 0, 4, 1, 7),  # no such item
    ],
)
def test_verifier_invalid_purchase(purchase):
    """Each way a purchase breaks its supplier's terms is reported as a purchase violation."""
    assert ViolationKind.PURCHASE in _kinds(_steel(), 7, purchase)


def test_verifier_ignores_the_quantity_of_an_unknown_supplier():
    """A purchase from an unknown supplier brings nothing: the consumption is short as well."""
    assert _kinds(_steel(), 7, Purchase(0, 3, 4, 1, 7)) == {
        ViolationKind.PURCHASE,
        ViolationKind.STOCKOUT,
    }


# --------------------------------------------------------------------------------------------------
# Schedule file


def test_schedule_file_round_trips_purchases_and_waits():
    """The schedule file lists purchases with ids and timestamps, waits, and reads them back."""
    problem = _problem(
        [_op(0, 3, {"steel": 5})],
        [{"id": "steel", "suppliers": [_supplier("acme", 6)]}],
        planning_start="2025-03-03T06:00:00Z",
    )
    result = solve(problem, FAST)
    data = json.loads(json.dumps(result_to_json(problem, result)))
    (row,) = data["purchases"]
    assert (row["item_id"], row["supplier_id"], row["cost"]) == ("steel", "acme", 0)
    assert (row["quantity"], row["order_time"], row["arrival"]) == (5, 0, 6)
    assert row["arrival_time"] == "2025-03-03T06:06:00+00:00"
    assert data["material_waits"] == [
        {
            "job": 0,
            "order_id": "j0",
            "arrivals": [
                {
                    "item": 0,
                    "item_id": "steel",
                    "arrival": 6,
                    "quantity": 5,
                    "purchase": 0,
                    "arrival_time": "2025-03-03T06:06:00+00:00",
                }
            ],
        }
    ]
    back = read_schedule(json.dumps(data))
    assert back == result.schedule and verify(problem, back).ok


def test_order_kpi_says_what_it_waited_for() -> None:
    """The order KPIs name, in words, the open purchase order an order waited for."""
    problem = parse_problem(
        {
            "machines": [{"id": "m"}],
            "items": [{"id": "resin", "stock": 0}],
            "purchase_orders": [{"id": "PO-7", "item_id": "resin", "quantity": 5, "arrival": 4}],
            "orders": [
                {
                    "id": "WO-1",
                    "operations": [
                        {
                            "id": "mould",
                            "machines": [{"machine_id": "m", "duration": 2}],
                            "consumes": [{"item_id": "resin", "quantity": 5}],
                        }
                    ],
                }
            ],
        }
    )
    result = solve(problem, SolveParams(time_limit=5, workers=1))
    assert result.objective == 6 and result.kpis is not None
    assert result.kpis.orders[0].waited_for == ["5 resin from open purchase PO-7 at tick 4"]
