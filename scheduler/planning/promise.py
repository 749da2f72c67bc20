"""Capable-to-promise: the earliest completion a plan can offer a new order, within a second.

The order is added to the problem and the plan repaired around it (`PinnedRepair`): what runs or
starts before `now` stays, every other operation keeps its released place unless the new order
needs it, and no order on time in the plan may become late. The new order is held back until a
tick `t` (its release in the repair): `t = now` inserts it first, a late enough `t` slots it into
the plan's gaps only. `t = now` is tried first; when it makes an order late, the order is
appended to the plan as it stands (every released operation pinned: the fallback that never
moves another order), and a bisection over `t` looks for an earlier hold that keeps every order
on time, while the time limit leaves room. Each plan that improves the promise is verified at
once, so the best verified one is the answer whenever time runs out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydantic import ValidationError

from scheduler.heuristics import PinnedRepair
from scheduler.planning.events import Events
from scheduler.planning.pins import Pin, Pins
from scheduler.planning.reschedule import Prepared, RescheduleError, prepare
from scheduler.problem import FieldViolation, Order, Problem, violations_of
from scheduler.schedule import Schedule
from scheduler.stop import Deadline
from scheduler.verify import verify
from scheduler.verify.pins import check_pins

PROMISED = "PROMISED"
CANNOT_PROMISE = "CANNOT_PROMISE"
DEFAULT_PROMISE_SECONDS = 1.0
"""The default time limit of a promise (the issue asks for an answer within a second)."""
BISECTION_STEPS = 6
"""The bisection over the new order's hold-back stops when its interval is this many halvings
narrower than at the start (1/64 of it), or earlier when time runs short."""


@dataclass(frozen=True)
class Promise:
    """The answer to "when could this order be done?"."""

    order_id: str
    status: str
    """`PROMISED`, or `CANNOT_PROMISE` (then `reason` says why and `completion` is None)."""
    completion: int | None
    """Ticks: the order's completion in `schedule`."""
    schedule: Schedule | None
    """The plan with the order inserted, verified against `problem` (indices of `problem`)."""
    problem: Problem
    """The problem with the order added (the last order)."""
    reason: str = ""
    moved: int = 0
    """Operations of the plan that start elsewhere or at another time in `schedule`."""


def promise(
    problem: Problem, plan: Schedule, order: Order, *, now: int = 0, deadline: Deadline
) -> Promise:
    """The earliest completion of `order` that `plan` can offer while every order on time in it
    stays on time (module docstring). Bad input (an order id already planned, a plan that does
    not match the problem, a bad order) raises `RescheduleError` naming the field."""
    current = _with_order(problem, order)
    prepared = prepare(current, plan, Events(), now=now)
    job = len(current.orders) - 1
    on_time = _on_time(prepared)
    try:
        repair = PinnedRepair(current, deadline)
    except TimeoutError:
        return _cannot(order, current, "no time left to insert the order")
    new_ops = list(range(int(current.index.job_start[job]), current.index.n_operations))

    best: list[tuple[int, Schedule]] = []
    """The earliest verified completion so far, with its plan (at most one entry)."""
    slowest = [0.0]

    def attempt(pins: Pins, hold: int) -> int | None:
        """The new order's completion in the repair holding it back to `hold`, when the repair
        keeps every order on time and verifies; else None. The best such plan is kept, checked
        at once, so that an answer is ready whenever time runs out."""
        began = time.perf_counter()
        schedule = repair.repair(pins, deadline, dict.fromkeys(new_ops, hold))
        if schedule is None:
            return None
        completion = _completions(current, schedule)
        if any(completion[j] > due for j, due in on_time):
            return None
        if best and completion[job] >= best[0][0]:
            return completion[job]
        if not verify(current, schedule).ok or check_pins(current, schedule, prepared.pins):
            return None  # a repair that broke a rule it does not model (a maximum lag)
        best[:] = [(completion[job], schedule)]
        slowest[0] = max(slowest[0], time.perf_counter() - began)
        return completion[job]

    def affordable() -> bool:
        # Room for one more repair and its verification, twice over (shared, noisy cores).
        return deadline.remaining() > 2 * slowest[0]

    # First the order at once, ahead of everything that has not started: when the plan's
    # orders keep their dates so, nothing earlier is to be had from the plan.
    if attempt(prepared.pins, now) is None:
        appended = attempt(_everything_pinned(prepared), now)
        if appended is None:
            return _cannot(
                order,
                current,
                "the time limit passed before the order was placed"
                if deadline.expired
                else "the order fits nowhere, not even after the plan (a material nobody makes "
                "or sells in time, a calendar or a maximum lag it cannot meet)",
            )
        # Hold the order back until the plan's orders keep their dates: the earliest such hold.
        low, high = now, appended
        resolution = max(1, (high - low) >> BISECTION_STEPS)
        while high - low > resolution and affordable():
            middle = (low + high) // 2
            if attempt(prepared.pins, middle) is None:
                low = middle
            else:
                high = middle
    completion, schedule = best[0]
    return Promise(
        order.id, PROMISED, completion, schedule, current, moved=_moved(prepared, schedule)
    )


def _with_order(problem: Problem, order: Order) -> Problem:
    """`problem` with `order` added last; raises `RescheduleError` naming the order's field.

    Only the new order is validated against the problem (a problem of the same plant with that
    order alone): validating all 2,000 operations again would take most of the second.
    """
    if any(o.id == order.id for o in problem.orders):
        raise RescheduleError([FieldViolation("order.id", "an order of that id exists")])
    fields = {name: getattr(problem, name) for name in Problem.model_fields}
    try:
        alone = Problem.model_validate(fields | {"orders": [order]})
    except ValidationError as error:
        raise RescheduleError(
            [
                FieldViolation(v.field.replace("orders[0]", "order", 1), v.reason)
                for v in violations_of(error)
            ]
        ) from None
    return Problem.model_construct(
        problem.model_fields_set | {"orders"},
        **fields | {"orders": [*problem.orders, *alone.orders]},
    )


def _cannot(order: Order, problem: Problem, reason: str) -> Promise:
    return Promise(order.id, CANNOT_PROMISE, None, None, problem, reason)


def _completions(problem: Problem, schedule: Schedule) -> list[int]:
    done = [0] * len(problem.orders)
    for op in schedule.operations:
        done[op.job] = max(done[op.job], op.end)
    return done


def _on_time(prepared: Prepared) -> list[tuple[int, int]]:
    """(order index, due date) of each order that the released plan completes by its due date."""
    done: dict[str, int] = {}
    for (order_id, _), op in prepared.released.items():
        done[order_id] = max(done.get(order_id, 0), op.end)
    return [
        (j, order.due)
        for j, order in enumerate(prepared.problem.orders)
        if order.due is not None and order.id in done and done[order.id] <= order.due
    ]


def _everything_pinned(prepared: Prepared) -> Pins:
    """The pins that keep every operation of the plan where it is (only the new order moves)."""
    ix = prepared.problem.index
    fixed = dict(prepared.pins.fixed)
    for j, order in enumerate(prepared.problem.orders):
        for k, operation in enumerate(order.operations):
            o = ix.operation(j, k)
            released = prepared.released.get((order.id, operation.id))
            if o not in fixed and released is not None:
                fixed[o] = Pin(
                    prepared.pins.reference[o][0], released.start, released.end, released.resources
                )
    return Pins(fixed=fixed, now=prepared.pins.now, warm_start=prepared.pins.warm_start)


def _moved(prepared: Prepared, schedule: Schedule) -> int:
    """How many of the plan's operations start elsewhere or at another time."""
    ix = prepared.problem.index
    return sum(
        (op.machine, op.start) != prepared.pins.reference[o]
        for op in schedule.operations
        if (o := ix.operation(op.job, op.index)) in prepared.pins.reference
    )
