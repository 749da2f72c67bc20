"""Rescheduling: a released plan plus shop-floor events → the current state as a problem with pins.

`prepare` applies the events to the problem (breakdowns become downtime on the machine's calendar,
absences on the resource's), pins what may not change (completed operations with their actual
times, running ones on their machine and start, the released plan's operations starting before
`now + freeze`), and keeps every other released operation as the stability reference. A running
operation whose machine breaks down under it is interrupted and planned again from scratch
(`_interrupt`); a cancelled order keeps what has started and drops the rest. `diff` compares a
new plan with the released one by ids. Bad input raises `RescheduleError` naming every
event or field at fault; the problem given is never changed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from scheduler.planning.events import (
    ArrivalDelayed,
    Event,
    Events,
    MachineBreakdown,
    OperationCompleted,
    OperationStarted,
    OrderAdded,
    OrderCancelled,
    QuantityChanged,
    ResourceAbsent,
    StockCorrected,
)
from scheduler.planning.pins import Pin, Pins
from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    Mode,
    Problem,
    parse_problem,
    violations_of,
)
from scheduler.schedule import Schedule, ScheduledOperation

Key = tuple[str, str]
"""An operation by ids: (order id, operation id)."""

ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]
"""The shifts of a calendar that works around the clock (for downtime on a machine without one)."""


class RescheduleError(ValueError):
    """Events or a released plan that do not fit the problem: every field at fault, and why."""

    def __init__(self, violations: list[FieldViolation]):
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations))


@dataclass(frozen=True)
class Prepared:
    """The current state: the problem after the events, and the pins of the new plan."""

    problem: Problem
    pins: Pins
    released: dict[Key, ScheduledOperation]
    """The released plan's operations by ids (machine numbers of the original problem)."""


def parse_events(data: Any) -> Events:
    """Validate plain data into events; raise RescheduleError naming the field and the reason."""
    try:
        return Events.model_validate(data)
    except ValidationError as error:
        raise RescheduleError(violations_of(error)) from None


def prepare(
    problem: Problem,
    released: Schedule,
    events: Events,
    *,
    now: int | None = None,
    freeze: int = 0,
    weight: int = 0,
) -> Prepared:
    """The state after `events`, pinned as the semantics of a reschedule say (module docstring).

    `now` defaults to the latest event time (0 without events); a `now` before an event is an
    error. Every fault is collected first, so nothing is applied unless all of it is valid.
    """
    errors: list[FieldViolation] = []
    plan = _released_by_ids(problem, released, errors)
    latest = max((_time_of(e) for e in events.events), default=0)
    if now is None:
        now = latest
    elif now < latest:
        errors.append(FieldViolation("now", f"{now} is before the last event's time ({latest})"))
    state = _State(problem, plan)
    if errors or events.events:
        data = problem.model_dump(mode="json", exclude_defaults=False)
        for i, event in enumerate(events.events):
            state.apply(f"events[{i}]", event, data, errors)
        _interrupt(data, state, now, errors)
        if errors:
            raise RescheduleError(errors)
        _drop_cancelled(data, state)
        _restrict_started(data, state, now)
        try:
            current = parse_problem(data)
        except InvalidProblem as error:
            raise RescheduleError(error.violations) from None
    else:
        # Nothing happened: the problem stands (validating it again would cost 0.1-0.4 s at
        # 2,000 operations, most of a promise's second).
        current = problem
    pins = _pins(current, plan, state, now, freeze, weight)
    start = warm_start(current, pins, plan)
    # The released purchases too (items and suppliers keep their numbers): without them the
    # hint runs out of stock wherever the plan bought material.
    pins = dataclasses.replace(
        pins, warm_start=dataclasses.replace(start, purchases=released.purchases)
    )
    return Prepared(current, pins, plan)


def _time_of(event: Event) -> int:
    if isinstance(event, OperationStarted):
        return event.start
    if isinstance(event, OperationCompleted):
        return event.end
    # Downtime may be announced ahead (an expected repair, a planned absence): no time of its own.
    return 0


def _released_by_ids(
    problem: Problem, released: Schedule, errors: list[FieldViolation]
) -> dict[Key, ScheduledOperation]:
    """The released plan keyed by ids, each operation checked against the problem."""
    plan: dict[Key, ScheduledOperation] = {}
    for i, op in enumerate(released.operations):
        where = f"plan.operations[{i}]"
        if op.job >= len(problem.orders):
            errors.append(FieldViolation(f"{where}.job", f"no order {op.job} in the problem"))
            continue
        order = problem.orders[op.job]
        if op.index >= len(order.operations):
            errors.append(
                FieldViolation(f"{where}.index", f"order {order.id!r} has no operation {op.index}")
            )
            continue
        operation = order.operations[op.index]
        eligible = {m.machine_id for m in operation.machines}
        if op.machine >= len(problem.machines) or problem.machines[op.machine].id not in eligible:
            errors.append(
                FieldViolation(
                    f"{where}.machine",
                    f"machine {op.machine} is not eligible for {order.id}/{operation.id}",
                )
            )
            continue
        if op.end < op.start:
            errors.append(FieldViolation(f"{where}.end", f"ends ({op.end}) before it starts"))
            continue
        key = (order.id, operation.id)
        if key in plan:
            errors.append(FieldViolation(where, f"{order.id}/{operation.id} appears twice"))
        plan[key] = op
    return plan


@dataclass
class _State:
    """What the events said about operations, by ids."""

    problem: Problem
    plan: dict[Key, ScheduledOperation]
    started: dict[Key, tuple[str, int]] = field(default_factory=dict)
    completed: dict[Key, int] = field(default_factory=dict)
    down: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    """Per machine id: its breakdowns (start, expected repair, the event's field path)."""
    cancelled: set[str] = field(default_factory=set)
    """Orders cancelled after some of their operations started (their history stays)."""
    interrupted: dict[Key, str] = field(default_factory=dict)
    """Running operations whose machine broke down under them (planned again, see `_interrupt`),
    each with the breakdown's field path."""

    def apply(
        self, where: str, event: Event, data: dict[str, Any], errors: list[FieldViolation]
    ) -> None:
        orders = {o["id"]: o for o in data["orders"]}
        if isinstance(event, OperationStarted | OperationCompleted):
            order = orders.get(event.order_id)
            if order is None:
                errors.append(FieldViolation(f"{where}.order_id", "no such order"))
                return
            operation = next(
                (o for o in order["operations"] if o["id"] == event.operation_id), None
            )
            if operation is None:
                errors.append(
                    FieldViolation(f"{where}.operation_id", f"no such operation in {order['id']!r}")
                )
                return
            key = (event.order_id, event.operation_id)
            if event.order_id in self.cancelled and key not in self.started:
                errors.append(FieldViolation(f"{where}.order_id", "the order was cancelled"))
                return
            if isinstance(event, OperationStarted):
                if event.machine_id not in {m["machine_id"] for m in operation["machines"]}:
                    errors.append(
                        FieldViolation(f"{where}.machine_id", "no eligible machine of that id")
                    )
                    return
                self.started[key] = (event.machine_id, event.start)
                return
            start = self.started.get(key)
            if start is None and key in self.plan:
                released = self.plan[key]
                start = (self.problem.machines[released.machine].id, released.start)
            if start is None:
                errors.append(FieldViolation(f"{where}", "completed but never started"))
            elif event.end < start[1]:
                errors.append(
                    FieldViolation(f"{where}.end", f"{event.end} is before its start ({start[1]})")
                )
            else:
                self.started[key] = start
                self.completed[key] = event.end
        elif isinstance(event, MachineBreakdown | ResourceAbsent):
            if event.end <= event.start:
                errors.append(FieldViolation(f"{where}.end", "must be after start"))
                return
            kind, ident = (
                ("machines", event.machine_id)
                if isinstance(event, MachineBreakdown)
                else ("resources", event.resource_id)
            )
            entity = next((e for e in data[kind] if e["id"] == ident), None)
            if entity is None:
                field_name = "machine_id" if kind == "machines" else "resource_id"
                errors.append(FieldViolation(f"{where}.{field_name}", f"no such {kind[:-1]}"))
                return
            _add_downtime(data, entity, event.start, event.end, f"{kind[:-1]} down")
            if isinstance(event, MachineBreakdown):
                self.down.setdefault(ident, []).append((event.start, event.end, where))
        elif isinstance(event, OrderAdded):
            if event.order.id in orders:
                errors.append(FieldViolation(f"{where}.order.id", "an order of that id exists"))
                return
            data["orders"].append(event.order.model_dump(mode="json"))
        elif isinstance(event, OrderCancelled | QuantityChanged):
            order = orders.get(event.order_id)
            if order is None:
                errors.append(FieldViolation(f"{where}.order_id", "no such order"))
            elif isinstance(event, QuantityChanged):
                order["quantity"] = event.quantity
            elif any(k[0] == event.order_id for k in self.started):
                self.cancelled.add(event.order_id)
            else:
                data["orders"].remove(order)
        elif isinstance(event, StockCorrected):
            item = next((i for i in data["items"] if i["id"] == event.item_id), None)
            if item is None:
                errors.append(FieldViolation(f"{where}.item_id", "no such item"))
            else:
                item["stock"] = event.stock
        elif isinstance(event, ArrivalDelayed):
            purchase = next(
                (p for p in data["purchase_orders"] if p["id"] == event.purchase_id), None
            )
            if purchase is None:
                errors.append(FieldViolation(f"{where}.purchase_id", "no such open purchase"))
            else:
                purchase["arrival"] = event.arrival


def _interrupt(data: dict[str, Any], state: _State, now: int, errors: list[FieldViolation]) -> None:
    """A running operation whose machine breaks down while it runs is interrupted: it is no
    longer started, and is planned again from scratch (its whole work, on any eligible machine,
    not before now), as if it had never begun. A breakdown during an operation reported
    completed contradicts it: an error naming the breakdown."""
    orders = {o["id"]: o for o in data["orders"]}
    for key, (machine, start) in list(state.started.items()):
        end = state.completed.get(key)
        if end is None:
            end = start + max(_planned(orders[key[0]], key[1], machine), now - start)
        for a, b, where in state.down.get(machine, ()):
            if a < end and start < b:
                if key in state.completed:
                    errors.append(
                        FieldViolation(
                            where, f"the machine is down while {'/'.join(key)} ran ({start}-{end})"
                        )
                    )
                else:
                    del state.started[key]
                    state.interrupted[key] = where
                break


def _planned(order: dict[str, Any], operation_id: str, machine: str) -> int:
    """The processing time of an operation (plain data) on a machine, at the order's quantity."""
    operation = next(o for o in order["operations"] if o["id"] == operation_id)
    mode = next(m for m in operation["machines"] if m["machine_id"] == machine)
    return Mode.model_validate(mode).time(order["quantity"])


def _drop_cancelled(data: dict[str, Any], state: _State) -> None:
    """A cancelled order that had started keeps its started operations (history, or running
    to its end) and loses the others; with nothing left to deliver it has no due date."""
    for order in list(data["orders"]):
        if order["id"] not in state.cancelled:
            continue
        kept = [o for o in order["operations"] if (order["id"], o["id"]) in state.started]
        if not kept:  # what had started was interrupted: nothing of it stays
            data["orders"].remove(order)
            continue
        ids = {o["id"] for o in kept}
        for operation in kept:
            operation["predecessors"] = [
                p for p in operation.get("predecessors") or () if p["operation_id"] in ids
            ]
        order["operations"] = kept
        order["due"] = order["deadline"] = None


def _restrict_started(data: dict[str, Any], state: _State, now: int) -> None:
    """A started operation runs on its machine only: a completed one for as long as it took, a
    running one at least until now (its end moves with actual progress)."""
    for order in data["orders"]:
        for operation in order["operations"]:
            key = (order["id"], operation["id"])
            if key not in state.started:
                continue
            machine, start = state.started[key]
            if key in state.completed:
                duration = state.completed[key] - start
            else:
                duration = max(_planned(order, operation["id"], machine), now - start)
            operation["machines"] = [{"machine_id": machine, "duration": duration}]


def _add_downtime(
    data: dict[str, Any], entity: dict[str, Any], start: int, end: int, why: str
) -> None:
    """Non-working time on the entity's own calendar (a copy, so others sharing it keep theirs)."""
    calendars = {c["id"]: c for c in data["calendars"]}
    base = calendars.get(entity["calendar"]) if entity["calendar"] else None
    own = f"{entity['id']}~events"
    if own not in calendars:
        calendar = {
            "id": own,
            "shifts": base["shifts"] if base else ALWAYS,
            "exceptions": list(base["exceptions"]) if base else [],
        }
        data["calendars"].append(calendar)
        entity["calendar"] = own
        calendars[own] = calendar
    calendars[own]["exceptions"].append(
        {"start": start, "end": end, "working": False, "reason": why}
    )


def _pins(
    problem: Problem,
    plan: dict[Key, ScheduledOperation],
    state: _State,
    now: int,
    freeze: int,
    weight: int,
) -> Pins:
    """Started operations are pinned as reported; a released operation starting before
    `now + freeze` is frozen unless its machine breaks down during it or a predecessor is not
    pinned (it could not keep its start then); every other released one is the reference."""
    ix = problem.index
    machine_of = ix.machine_of_id
    machine_ids = [m.id for m in state.problem.machines]
    keys = [(order.id, operation.id) for order in problem.orders for operation in order.operations]
    pred_start, pred_op = ix.pred_start.tolist(), ix.pred_op.tolist()
    fixed: dict[int, Pin] = {}
    reference: dict[int, tuple[int, int]] = {}
    causes: dict[int, tuple[str, str]] = {}
    for o in ix.topological.tolist():
        key = keys[o]
        released = plan.get(key)
        if key in state.started:
            machine, start = state.started[key]
            # The resources it was released with, when it runs where it was released to.
            same = released is not None and machine_ids[released.machine] == machine
            holds = released.resources if same and released is not None else None
            fixed[o] = Pin(machine_of[machine], start, state.completed.get(key), holds)
            continue
        if released is None:
            continue
        machine_id = machine_ids[released.machine]
        windows = state.down.get(machine_id, ())
        hits = [w for a, b, w in windows if a < released.end and released.start < b]
        preds = pred_op[pred_start[o] : pred_start[o + 1]]
        held = all(p in fixed for p in preds)
        fresh = key not in state.interrupted
        if released.start < now + freeze and held and not hits and fresh:
            fixed[o] = Pin(machine_of[machine_id], released.start, None, released.resources)
            continue
        reference[o] = (machine_of[machine_id], released.start)
        name = "/".join(key)
        if not fresh:
            where = state.interrupted[key]
            causes[o] = (where, f"{where} (a breakdown of {machine_id}) interrupted {name}")
        elif hits:
            causes[o] = (hits[0], f"{hits[0]}: {machine_id} is down in {name}'s released slot")
        else:
            # Moved because a predecessor was (or released after now): what moved the predecessor.
            moved = next((causes[p] for p in preds if p in causes), None)
            if moved is not None:
                causes[o] = moved
    return Pins(fixed=fixed, now=now, reference=reference, weight=weight, causes=causes)


def warm_start(problem: Problem, pins: Pins, plan: dict[Key, ScheduledOperation]) -> Schedule:
    """The released plan in the current problem's indices, as a starting point for the search.

    Pinned operations where they are pinned; the others where released, but not before `now`;
    added operations after everything else. Not necessarily feasible (CP-SAT repairs it).
    """
    ix = problem.index
    machines, durations = ix.mode_machine.tolist(), ix.mode_duration.tolist()
    after = max((op.end for op in plan.values()), default=pins.now)
    keys = [(order.id, operation.id) for order in problem.orders for operation in order.operations]
    operations = []
    for j, order in enumerate(problem.orders):
        for k in range(len(order.operations)):
            o = ix.operation(j, k)
            modes = ix.modes(o)
            pin = pins.fixed.get(o)
            ref = pins.reference.get(o)
            machine, start = (pin.machine, pin.start) if pin else ref or (machines[modes[0]], after)
            start = start if pin else max(start, pins.now)
            mode = next((m for m in modes if machines[m] == machine), modes[0])
            released = plan.get(keys[o])
            # A released span (breaks included) shifted as a whole; else the plain duration.
            span = released.end - released.start if released else durations[mode]
            end = pin.end if pin and pin.end is not None else start + span
            if ref is None and pin is None:
                after = end
            resources = released.resources if released is not None else ()
            operations.append(ScheduledOperation(j, k, machine, start, end, resources))
    return Schedule(tuple(operations))


def busiest_breakdown(problem: Problem, plan: Schedule) -> tuple[int, MachineBreakdown]:
    """The benchmark scenario of rescheduling (benchmarks/README.md, "Rescheduling"): `now` at a
    quarter of the plan's makespan, and the machine with the most operations in it down from
    then for a tenth of the makespan."""
    makespan = max((op.end for op in plan.operations), default=0)
    counts = Counter(op.machine for op in plan.operations)
    busiest = max(range(len(problem.machines)), key=lambda m: (counts[m], -m))
    now = makespan // 4
    breakdown = MachineBreakdown(
        kind="machine_breakdown",
        machine_id=problem.machines[busiest].id,
        start=now,
        end=now + makespan // 10,
    )
    return now, breakdown


@dataclass(frozen=True)
class Diff:
    """A new plan against the released one, operation by operation (by ids)."""

    unchanged: list[str]
    moved: dict[str, int]
    """Same machine, another start: by how many ticks (later is positive)."""
    reassigned: dict[str, tuple[str, str]]
    """Another machine: (released machine id, new machine id)."""
    added: list[str]
    dropped: list[str]
    became_late: list[str]
    became_on_time: list[str]

    def counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("unchanged", "moved", "reassigned", "added", "dropped")
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "unchanged": self.unchanged,
            "moved": [{"operation": k, "by": v} for k, v in self.moved.items()],
            "reassigned": [
                {"operation": k, "from": a, "to": b} for k, (a, b) in self.reassigned.items()
            ],
            "added": self.added,
            "dropped": self.dropped,
            "became_late": self.became_late,
            "became_on_time": self.became_on_time,
        }


def diff(original: Problem, released: Schedule, current: Problem, schedule: Schedule) -> Diff:
    """What changed from `released` (a plan of `original`) to `schedule` (of `current`)."""
    before = _by_ids(original, released)
    after = _by_ids(current, schedule)
    result = Diff([], {}, {}, [], [], [], [])
    for key, (machine, start) in after.items():
        name = "/".join(key)
        if key not in before:
            result.added.append(name)
        elif before[key][0] != machine:
            result.reassigned[name] = (before[key][0], machine)
        elif before[key][1] != start:
            result.moved[name] = start - before[key][1]
        else:
            result.unchanged.append(name)
    result.dropped.extend("/".join(key) for key in before if key not in after)
    late_before, late_after = _late(original, released), _late(current, schedule)
    result.became_late.extend(sorted(late_after - late_before))
    result.became_on_time.extend(sorted(late_before - late_after - _gone(original, current)))
    return result


def _by_ids(problem: Problem, schedule: Schedule) -> dict[Key, tuple[str, int]]:
    return {
        (problem.orders[op.job].id, problem.orders[op.job].operations[op.index].id): (
            problem.machines[op.machine].id,
            op.start,
        )
        for op in schedule.operations
    }


def _late(problem: Problem, schedule: Schedule) -> set[str]:
    completion: dict[int, int] = {}
    for op in schedule.operations:
        completion[op.job] = max(completion.get(op.job, 0), op.end)
    return {
        order.id
        for j, order in enumerate(problem.orders)
        if order.due is not None and completion.get(j, 0) > order.due
    }


def _gone(original: Problem, current: Problem) -> set[str]:
    return {o.id for o in original.orders} - {o.id for o in current.orders}
