"""Static lower bounds per objective level: never above a proven optimum, and binding where built to."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import edited, local_plant

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import PlantSpec, generate_plant
from scheduler.lower_bounds import static_bounds
from scheduler.params import SolveParams
from scheduler.problem import ObjectiveKind, Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.solve import solve

KINDS = list(ObjectiveKind)


def _with_objective(problem: Problem, kind: ObjectiveKind, due_shift: int) -> Problem:
    """`problem` minimising `kind` alone, every due date `due_shift` ticks after its release."""
    data = problem.model_dump()
    for order in data["orders"]:
        order["due"] = order["release"] + due_shift
    data["objective"] = {"terms": [{"kind": kind.value}]}
    return parse_problem(data)


@pytest.mark.parametrize("seed", range(3))
def test_bounds_never_exceed_a_proven_optimum(seed: int) -> None:
    """On small random plants, each term's bound is at most the optimum CP-SAT proves for it."""
    spec = PlantSpec(
        "tiny",
        orders=3,
        machines=(("cut", 1), ("press", 2), ("paint", 1), ("assembly", 1)),
        products=2,
        purchased=2,
        quantity=(1, 4),
        crews=seed == 2,
    )
    plant = generate_plant(spec, seed)
    proven = 0
    for kind in KINDS:
        problem = _with_objective(plant, kind, due_shift=300 + 200 * seed)
        bounds = static_bounds(problem)
        assert bounds is not None
        result = solve(problem, SolveParams(time_limit=20.0, workers=2))
        if result.status is SolveStatus.OPTIMAL:
            proven += 1
            assert result.objective is not None
            assert bounds.terms[kind] <= result.objective, kind
    assert proven >= len(KINDS) - 2  # the check above must have something to check


def _plant(**changes: Any) -> Problem:
    """`local_plant()` (one press, a shift Monday 08:00-14:00 after maintenance) with changes."""
    data = local_plant()
    for path, value in changes.items():
        data = edited(data, path.replace("__", "."), value)
    return parse_problem(data)


def test_calendar_head_binds() -> None:
    """The one operation cannot end before 09:00 (maintenance until 08:00, 60 minutes of work)."""
    bounds = static_bounds(_plant())
    assert bounds is not None
    assert bounds.terms[ObjectiveKind.MAKESPAN] == 9 * 60
    result = solve(_plant(), SolveParams(time_limit=5.0, workers=1))
    assert result.best_bound == result.objective == 9 * 60


def test_machine_load_through_the_calendar_binds() -> None:
    """Two 4-hour jobs do not fit one 6-hour shift: the load bound reaches the next Monday."""
    data = local_plant()
    data["orders"][0]["operations"][0]["machines"][0]["duration"] = 240
    second = edited(data["orders"][0], "id", "WO-2")
    data["orders"].append(second)
    bounds = static_bounds(parse_problem(data))
    assert bounds is not None
    week = 7 * 24 * 60
    # Heads alone say 12:00; the second job's work only fits the following Monday's shift.
    assert bounds.terms[ObjectiveKind.MAKESPAN] >= week + 6 * 60


def test_tardiness_bound_binds() -> None:
    """An order due at 06:00 that cannot end before 09:00 is at least 180 minutes late (x weight)."""
    problem = _plant(
        orders__0__due=6 * 60,
        orders__0__weight=3,
        objective={"terms": [{"kind": "total_weighted_tardiness"}]},
    )
    bounds = static_bounds(problem)
    assert bounds is not None
    assert bounds.levels == (3 * 180,)


def test_purchase_cost_bound_binds() -> None:
    """7 units short, bought cheapest: 10 (the minimum) at 2 beats 7 at 3."""
    problem = _plant(
        items=[
            {
                "id": "bolt",
                "stock": 5,
                "suppliers": [
                    {"id": "fast", "lead_time": 0, "unit_cost": 3},
                    {"id": "bulk", "lead_time": 0, "unit_cost": 2, "min_order_quantity": 10},
                ],
            }
        ],
        orders__0__operations__0__consumes=[{"item_id": "bolt", "quantity": 12}],
        objective={"terms": [{"kind": "purchase_cost"}]},
    )
    bounds = static_bounds(problem)
    assert bounds is not None
    assert bounds.levels == (20,)
    result = solve(problem, SolveParams(time_limit=5.0, workers=1))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 20


def test_changeover_bound_binds() -> None:
    """The press must be set up once for the only family it runs: the initial setup's cost."""
    problem = _plant(
        families=[{"id": "steel"}],
        machines__0__setups=[{"to_family": "steel", "cost": 7, "time": 5}],
        orders__0__operations__0__family="steel",
        objective={"terms": [{"kind": "setup_cost"}]},
    )
    bounds = static_bounds(problem)
    assert bounds is not None
    assert bounds.levels == (7,)
    assert bounds.terms[ObjectiveKind.SETUP_COST] == 7


def test_example_plant_reports_a_bound_above_zero() -> None:
    """auto-parts used to report bound 0 (gap 100 %): the purchases it must make cost money."""
    problem = _read("auto-parts")
    result = solve(problem, SolveParams(time_limit=3.0, workers=1))
    assert result.best_bound is not None and result.best_bound > 0
    assert result.objective is not None and result.best_bound <= result.objective


def _read(name: str) -> Problem:
    return read_problem(instance_path(name))
