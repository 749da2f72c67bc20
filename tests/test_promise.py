"""Capable-to-promise: the earliest completion a plan offers a new order, keeping its dates."""

from __future__ import annotations

import json
import random

import pytest
from helpers import jobshop, make_problem

from scheduler.cli import EXIT_INPUT, EXIT_OK, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import best_factory_dispatch
from scheduler.planning.promise import PROMISED, promise
from scheduler.planning.reschedule import RescheduleError
from scheduler.problem import Order, parse_problem
from scheduler.schedule import Schedule, ScheduledOperation, evaluate
from scheduler.stop import Deadline
from scheduler.verify import verify


def _line() -> tuple:
    """One machine: j0 (3 ticks, due 3) then j1 (2 ticks, due 20), planned back to back."""
    problem = jobshop([[(0, 3)], [(0, 2)]], due=[3, 20])
    plan = Schedule((ScheduledOperation(0, 0, 0, 0, 3), ScheduledOperation(1, 0, 0, 3, 5)))
    return problem, plan


def _order(order_id: str, duration: int) -> Order:
    return Order.model_validate(
        {
            "id": order_id,
            "operations": [{"id": "o0", "machines": [{"machine_id": "m0", "duration": duration}]}],
        }
    )


def test_a_promise_goes_before_an_order_with_slack_but_not_before_a_tight_one():
    """The rush order jumps j1 (due 20, slack) but not j0 (due 3): completion 3 + 4 = 7."""
    problem, plan = _line()
    answer = promise(problem, plan, _order("rush", 4), deadline=Deadline(5.0))
    assert answer.status == PROMISED
    assert answer.completion == 7  # appended after the plan it would be 9, first it would be 4
    assert answer.schedule is not None and verify(answer.problem, answer.schedule).ok
    assert answer.problem.orders[-1].id == "rush"


def test_a_promise_is_never_later_than_the_plan_it_comes_with_and_keeps_dates():
    """On auto-parts: the promised completion is the order's in the verified resulting plan,
    and every order on time in the current plan stays on time."""
    problem = read_problem(instance_path("auto-parts"))
    plan = best_factory_dispatch(problem)
    assert plan is not None
    # An order whose materials can be bought: one needing a subassembly cannot be promised.
    buyable = {item.id for item in problem.items if item.suppliers}
    template = next(
        o
        for o in problem.orders
        if all(use.item_id in buyable for op in o.operations for use in op.consumes)
    )
    data = template.model_dump(mode="json") | {"id": "RUSH", "due": None, "deadline": None}
    now = max(op.end for op in plan.operations) // 4
    answer = promise(problem, plan, Order.model_validate(data), now=now, deadline=Deadline(5.0))
    assert answer.status == PROMISED and answer.schedule is not None
    assert verify(answer.problem, answer.schedule).ok
    after = evaluate(answer.problem, answer.schedule).orders
    assert answer.completion == after[-1].completion
    before = evaluate(problem, plan).orders
    for order, was, now_kpi in zip(problem.orders, before, after, strict=False):
        if order.due is not None and was.completion <= order.due:
            assert now_kpi.completion <= order.due, order.id


def test_an_order_already_planned_is_rejected_naming_the_field():
    """A new order with the id of a planned one is an error naming `order.id`."""
    problem, plan = _line()
    with pytest.raises(RescheduleError, match=r"order\.id: an order of that id exists"):
        promise(problem, plan, _order("j1", 1), deadline=Deadline(5.0))


def test_cli_promises_an_order_and_writes_the_plan(tmp_path, capsys):
    """`scheduler promise` prints the promised tick and writes the plan with the order."""
    problem, plan = _line()
    files = {name: tmp_path / f"{name}.json" for name in ("problem", "plan", "order", "out")}
    files["problem"].write_text(problem.model_dump_json())
    rows = [
        {"job": op.job, "index": op.index, "machine": op.machine, "start": op.start, "end": op.end}
        for op in plan.operations
    ]
    files["plan"].write_text(json.dumps({"operations": rows}))
    files["order"].write_text(_order("rush", 4).model_dump_json())
    argv = ["promise", str(files["problem"]), "--plan", str(files["plan"])]
    assert main([*argv, "--order", str(files["order"]), "--out", str(files["out"])]) == EXIT_OK
    assert "rush: promised for tick 7" in capsys.readouterr().out
    assert json.loads(files["out"].read_text())["completion"] == 7
    files["order"].write_text(json.dumps({"id": "rush", "operations": "none"}))
    assert main([*argv, "--order", str(files["order"])]) == EXIT_INPUT
    assert "operations" in capsys.readouterr().err


def test_an_order_naming_an_unknown_machine_is_rejected_naming_the_field():
    """The new order is checked against the plant: an unknown machine is named in `order`."""
    problem, plan = _line()
    order = _order("rush", 2).model_dump(mode="json")
    order["operations"][0]["machines"][0]["machine_id"] = "m9"
    with pytest.raises(RescheduleError) as error:
        promise(problem, plan, Order.model_validate(order), deadline=Deadline(5.0))
    assert [v.field for v in error.value.violations] == [
        "order.operations[0].machines[0].machine_id"
    ]


def test_the_problem_of_a_promise_is_the_problem_with_the_order_validated_whole():
    """Adding the order without validating the plant again yields the same problem (and index)."""
    problem, plan = _line()
    answer = promise(problem, plan, _order("rush", 4), deadline=Deadline(5.0))
    data = problem.model_dump(mode="json")
    data["orders"].append(_order("rush", 4).model_dump(mode="json"))
    whole = parse_problem(data)
    assert answer.problem == whole
    assert answer.problem.index.job_start.tolist() == whole.index.job_start.tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_promise_keeps_every_date_and_is_no_later_than_appending(seed):
    """Random flexible shops with tight and loose due dates: the promise verifies, keeps every
    order on time that was, and is no later than running the order after the whole plan."""
    rng = random.Random(seed)
    jobs = [
        [[(m, rng.randint(1, 5)) for m in rng.sample(range(3), 2)] for _ in range(3)]
        for _ in range(5)
    ]
    problem = make_problem(jobs, machines=3)
    plan = best_factory_dispatch(problem)
    assert plan is not None
    done = evaluate(problem, plan).orders
    due = [kpi.completion + rng.choice([0, 2, 8]) for kpi in done]
    problem = make_problem(jobs, machines=3, due=due)
    modes = [[(m, rng.randint(1, 5)) for m in rng.sample(range(3), 2)] for _ in range(2)]
    order = Order.model_validate(
        {
            "id": "rush",
            "operations": [
                {"id": f"o{k}", "machines": [{"machine_id": f"m{m}", "duration": d} for m, d in op]}
                for k, op in enumerate(modes)
            ],
        }
    )
    answer = promise(problem, plan, order, now=2, deadline=Deadline(5.0))
    assert answer.status == PROMISED and answer.schedule is not None
    assert verify(answer.problem, answer.schedule).ok
    after = evaluate(answer.problem, answer.schedule).orders
    kept = zip(done, after[: len(done)], due, strict=True)
    assert all(now.completion <= d for was, now, d in kept if was.completion <= d)
    makespan = max(op.end for op in plan.operations)
    assert answer.completion is not None
    assert answer.completion <= makespan + sum(max(d for _, d in op) for op in modes)
