"""Capable-to-promise: the earliest completion a plan can offer a new order, within a second.

The order is added to the problem and the plan repaired around it (`PinnedRepair`): what runs or
starts before `now` stays, every other operation keeps its released place unless the new order
needs it, and no order on time in the plan may become late. The new order is held back until a
tick `t` (its release in the repair): `t = now` inserts it first, a late enough `t` slots it into
the plan's gaps only. A bisection over `t` finds the earliest `t` whose repair keeps every order
on time; the earliest completion seen among those is the promise, and its repaired plan, verified,
is the schedule that goes with it. Appending to the plan as it stands (every released operation
pinned) is the fallback that never moves another order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from scheduler.heuristics import PinnedRepair
from scheduler.planning.events import Events, OrderAdded
from scheduler.planning.pins import Pin, Pins
from scheduler.planning.reschedule import Prepared, RescheduleError, prepare
from scheduler.problem import FieldViolation, Order, Problem
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
    added = OrderAdded(kind="order_added", order=order)
    try:
        prepared = prepare(problem, plan, Events(events=[added]), now=now)
    except RescheduleError as error:
        # The order came as an argument, not as an event: name it so.
        raise RescheduleError(
            [
                FieldViolation(v.field.replace("events[0].order", "order", 1), v.reason)
                for v in error.violations
            ]
        ) from None
    current = prepared.problem
    job = len(current.orders) - 1
    on_time = _on_time(prepared)
    try:
        repair = PinnedRepair(current, deadline)
    except TimeoutError:
        return _cannot(order, current, "no time left to insert the order")
    new_ops = list(range(int(current.index.job_start[job]), current.index.n_operations))

    candidates: list[tuple[int, Schedule]] = []
    slowest = [0.0]

    def attempt(pins: Pins, hold: int) -> int | None:
        """The new order's completion in the repair holding it back to `hold`, when the repair
        keeps every order on time (then a candidate); else None."""
        began = time.perf_counter()
        schedule = repair.repair(pins, deadline, dict.fromkeys(new_ops, hold))
        slowest[0] = max(slowest[0], time.perf_counter() - began)
        if schedule is None:
            return None
        completion = _completions(current, schedule)
        if any(completion[j] > due for j, due in on_time):
            return None
        candidates.append((completion[job], schedule))
        return completion[job]

    appended = attempt(_everything_pinned(prepared), now)
    if appended is None:
        return _cannot(
            order,
            current,
            "the order fits nowhere, not even after the plan (a material nobody makes or sells "
            "in time, a calendar or maximum lag it cannot meet), or time ran out",
        )

    def affordable() -> bool:
        # Room for one more repair and the verification of the answer (no slower than a repair).
        return deadline.remaining() > 2 * slowest[0]

    low, high = now, appended
    if affordable() and attempt(prepared.pins, now) is None:
        # Hold the order back until the plan's orders keep their dates: the earliest such hold.
        resolution = max(1, (high - low) >> BISECTION_STEPS)
        while high - low > resolution and affordable():
            middle = (low + high) // 2
            if attempt(prepared.pins, middle) is None:
                low = middle
            else:
                high = middle
    for completion, schedule in sorted(candidates, key=lambda c: c[0]):
        if deadline.expired:
            break
        if verify(current, schedule).ok and not check_pins(current, schedule, prepared.pins):
            return Promise(
                order.id, PROMISED, completion, schedule, current, moved=_moved(prepared, schedule)
            )
    if deadline.expired:
        return _cannot(order, current, "the time limit passed before a verified insertion")
    return _cannot(order, current, "no insertion into the plan keeps its orders and verifies")


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
