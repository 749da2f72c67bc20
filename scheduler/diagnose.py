"""Why a problem has no schedule, said in the planner's words.

Two sources of reasons. `presolve_conflicts` finds the common causes before any search, from the
problem alone: a deadline before the order's release plus its shortest routing, an operation no
working window can hold, a deadline before the earliest window an operation fits, a resource that
never works long enough, an item consumed beyond all it can ever have, or needed before it can
arrive. Every check is sound (it fires only when no schedule can exist) but not complete; what it
misses, the CP-SAT explainer (`scheduler.cpsat.explain`) finds as a small set of named hard
constraints, which `describe` turns into the same kind of `Conflict`.

Domain code: no ortools. It may use the dense index (unlike the verifier), since it only ever
argues that something is impossible, never that a schedule is right.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from scheduler.planning.pins import Pins
from scheduler.problem import MAX_TIME, Problem
from scheduler.worktime import WorkingTime, period

MAX_CALENDAR_WEEKS = 2000
"""Calendar checks expand working windows this many weeks at most; beyond, they stay silent."""


class ConflictCode(StrEnum):
    DEADLINE_BEFORE_ROUTING = "deadline_before_routing"
    """An order's deadline is before its release plus its shortest routing."""
    NO_WORKING_WINDOW = "no_working_window"
    """No eligible machine ever works long enough (or at all) for an operation."""
    DEADLINE_BEFORE_WINDOW = "deadline_before_window"
    """An operation cannot end, within its machines' working time, early enough for the deadline."""
    RESOURCE_NO_WORKING_WINDOW = "resource_no_working_window"
    """No alternative of a resource need ever works long enough for the operation holding it."""
    ITEM_NEVER_AVAILABLE = "item_never_available"
    """An item is consumed beyond its stock, open purchases and production, and cannot be bought."""
    ITEM_NOT_IN_TIME = "item_not_in_time"
    """An item is needed, to meet a deadline, before enough of it can be there."""
    DEADLINE = "deadline"
    """Named by the explainer: an order's deadline."""
    CALENDAR = "calendar"
    """Named by the explainer: an operation's fit into its machine's working time."""
    MATERIAL = "material"
    """Named by the explainer: an item's level never going negative."""
    MAX_LAG = "max_lag"
    """Named by the explainer: the maximum wait (no-wait) after an operation's predecessors."""
    RESOURCE_CALENDAR = "resource_calendar"
    """Named by the explainer: a resource's working time."""
    DEADLINE_BEFORE_NOW = "deadline_before_now"
    """A reschedule: an operation the events moved cannot start before now, nor end by its
    order's deadline."""
    UNEXPLAINED = "unexplained"
    """Proven infeasible, but no named constraint could be isolated (in time)."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """One reason there is no schedule: what, in words, and which ids and field it concerns."""

    code: ConflictCode
    message: str
    field: str = ""
    """Path of the field concerned, as in validation errors (`orders[3].deadline`)."""
    ids: tuple[str, ...] = ()
    """Ids of the orders, operations, machines, resources or items concerned."""

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------------
# Words


def when(problem: Problem, tick: int) -> str:
    """A moment as the planner reads it: a date and time when the problem has a planning start."""
    moment = problem.time_at(tick)
    return f"tick {tick}" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def span(problem: Problem, ticks: int) -> str:
    """A duration: hours and minutes when the problem has a planning start, else ticks."""
    if problem.planning_start is None:
        return f"{ticks} tick" + ("" if ticks == 1 else "s")
    minutes = round(ticks * problem.tick / timedelta(minutes=1))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _operation(problem: Problem, o: int) -> tuple[str, str, str]:
    """(operation id, order id, field path) of flat operation `o`."""
    ix = problem.index
    j, k = int(ix.op_job[o]), int(ix.op_position[o])
    return ix.operation_ids[o], ix.order_ids[j], f"orders[{j}].operations[{k}]"


# --------------------------------------------------------------------------------------------------
# Pre-solve checks


def presolve_conflicts(problem: Problem) -> list[Conflict]:
    """Reasons, found without search, that `problem` has no schedule; empty when none is found."""
    conflicts = list(_deadlines_before_routing(problem))
    late = {c.ids[0] for c in conflicts}
    calendars = _working_times(problem)
    if calendars is not None:
        conflicts += _machine_calendar_conflicts(problem, calendars, late)
        conflicts += _resource_calendar_conflicts(problem, calendars)
    conflicts += _material_conflicts(problem, late)
    return conflicts


def _deadlines_before_routing(problem: Problem) -> Iterable[Conflict]:
    ix = problem.index
    for j, order in enumerate(problem.orders):
        earliest = int(ix.critical_path[j])
        if order.deadline is not None and order.deadline < earliest:
            yield Conflict(
                ConflictCode.DEADLINE_BEFORE_ROUTING,
                f"order {order.id}'s deadline ({when(problem, order.deadline)}) is before its "
                f"release plus its shortest routing: it cannot complete before "
                f"{when(problem, earliest)}",
                f"orders[{j}].deadline",
                (order.id,),
            )


def _working_times(problem: Problem) -> dict[str, WorkingTime] | None:
    """Every calendar's working time, searched a whole exact period past the last exception or
    deadline (so that "never" is a proof); None when that is more than MAX_CALENDAR_WEEKS."""
    if not problem.calendars:
        return None
    ix = problem.index
    week = math.ceil(timedelta(weeks=1) / problem.tick)
    repeat = period(problem)
    latest = max(int(ix.head.max()), int(ix.deadline.max()))
    for calendar in problem.calendars:
        for exception in calendar.exceptions:
            latest = max(latest, math.ceil(problem.tick_of(exception.end)))
    if latest + 2 * repeat + 1 > min(MAX_TIME, MAX_CALENDAR_WEEKS * week):
        return None
    return {c.id: WorkingTime(problem, c.id, repeat) for c in problem.calendars}


def _machine_calendar_conflicts(
    problem: Problem, calendars: dict[str, WorkingTime], late: set[str]
) -> Iterable[Conflict]:
    ix = problem.index
    calendar_of = [m.calendar for m in problem.machines]
    deadline_reported: set[int] = set()
    for o in ix.topological.tolist():
        j = int(ix.op_job[o])
        order = problem.orders[j]
        op = order.operations[int(ix.op_position[o])]
        modes = [(int(ix.mode_machine[k]), int(ix.mode_duration[k])) for k in ix.modes(o)]
        head = int(ix.head[o])
        timed = order.deadline is not None and order.id not in late and j not in deadline_reported
        # Per mode, the earliest end its machine's working time allows (None: never).
        ends: list[float] = []
        longest = 0.0
        for m, d in modes:
            calendar = calendar_of[m]
            if d == 0 or calendar is None:
                ends.append(head + d)
                continue
            longest = max(longest, calendars[calendar].longest())
            if calendars[calendar].longest() < (1 if op.resumable else d):
                continue
            end = calendars[calendar].finish(head, d, op.resumable) if timed else head + d
            if end is not None:
                ends.append(end)
        op_id, order_id, path = _operation(problem, o)
        machines = [ix.machine_ids[m] for m, _ in modes]
        if not ends:
            if longest == 0:
                what = (
                    f"{_either(machines)} {'has' if len(machines) == 1 else 'have'} no working time"
                )
                message = f"{what}, so operation {op_id} of order {order_id} can never run"
            else:
                d = min(d for _, d in modes)
                message = (
                    f"no working window on {_either(machines)} is long enough for operation "
                    f"{op_id} of order {order_id}: it needs {span(problem, d)}"
                    + ("" if op.resumable else " without a break")
                    + f", the longest window is {span(problem, int(longest))}"
                )
            yield Conflict(
                ConflictCode.NO_WORKING_WINDOW,
                message,
                f"{path}.machines",
                (order_id, op_id, *machines),
            )
            continue
        if not timed:
            continue
        assert order.deadline is not None
        earliest = int(min(ends))
        tail = int(ix.tail[o])
        if earliest + tail > order.deadline:
            deadline_reported.add(j)
            after = f", and {span(problem, tail)} of its routing follow it" if tail else ""
            yield Conflict(
                ConflictCode.DEADLINE_BEFORE_WINDOW,
                f"order {order_id} cannot meet its deadline at {when(problem, order.deadline)}: "
                f"the working time of {_either(machines)} lets operation {op_id} end at "
                f"{when(problem, earliest)} at the earliest{after}",
                f"orders[{j}].deadline",
                (order_id, op_id, *machines),
            )


def _resource_calendar_conflicts(
    problem: Problem, calendars: dict[str, WorkingTime]
) -> Iterable[Conflict]:
    ix = problem.index
    calendar_of = {r.id: r.calendar for r in problem.resources}
    for o in range(ix.n_operations):
        j, k = int(ix.op_job[o]), int(ix.op_position[o])
        op = problem.orders[j].operations[k]
        held = int(ix.min_duration[o])
        if held == 0:
            continue
        for n, need in enumerate(op.resources):
            longest = 0.0
            for rid in need.resources:
                calendar = calendar_of[rid]
                longest = max(
                    longest, math.inf if calendar is None else calendars[calendar].longest()
                )
            if longest >= held:
                continue
            op_id, order_id, path = _operation(problem, o)
            names = need.resources
            if longest == 0:
                what = f"{_either(names)} {'has' if len(names) == 1 else 'have'} no working time"
                message = f"{what}, so operation {op_id} of order {order_id} can never run"
            else:
                message = (
                    f"no working window of {_either(names)} is long enough for operation {op_id} "
                    f"of order {order_id}: it holds the resource for {span(problem, held)}, the "
                    f"longest window is {span(problem, int(longest))}"
                )
            yield Conflict(
                ConflictCode.RESOURCE_NO_WORKING_WINDOW,
                message,
                f"{path}.resources[{n}]",
                (order_id, op_id, *names),
            )


def _material_conflicts(problem: Problem, late: set[str]) -> Iterable[Conflict]:
    if not problem.items:
        return
    ix = problem.index
    item_of_id = {item.id: i for i, item in enumerate(problem.items)}
    consumers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    producers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for o in range(ix.n_operations):
        op = problem.orders[int(ix.op_job[o])].operations[int(ix.op_position[o])]
        for flow in op.consumes:
            consumers[item_of_id[flow.item_id]].append((o, flow.quantity))
        for flow in op.produces:
            producers[item_of_id[flow.item_id]].append((o, flow.quantity))
    purchases: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for po in problem.purchase_orders:
        purchases[item_of_id[po.item_id]].append((po.arrival, po.quantity))
    for i, item in enumerate(problem.items):
        if i not in consumers:
            continue
        need = sum(q for _, q in consumers[i])
        bought = sum(q for _, q in purchases[i])
        made = sum(q for _, q in producers[i])
        if not item.suppliers and need > item.stock + bought + made:
            yield Conflict(
                ConflictCode.ITEM_NEVER_AVAILABLE,
                f"item {item.id} can never reach the {need} units its operations consume: stock "
                f"{item.stock}, open purchases {bought} and production {made} give "
                f"{item.stock + bought + made} at most, and it has no supplier",
                f"items[{i}]",
                (item.id,),
            )
            continue
        conflict = _item_not_in_time(problem, i, consumers[i], producers[i], purchases[i], late)
        if conflict is not None:
            yield conflict


def _item_not_in_time(
    problem: Problem,
    i: int,
    consumers: list[tuple[int, int]],
    producers: list[tuple[int, int]],
    purchases: list[tuple[int, int]],
    late: set[str],
) -> Conflict | None:
    """Consumers bound by deadlines must start by their latest start; is enough there by then?"""
    ix = problem.index
    item = problem.items[i]
    fastest = min(item.suppliers, key=lambda s: s.lead_time, default=None)
    latest_starts = []
    for o, quantity in consumers:
        j = int(ix.op_job[o])
        if ix.deadline[j] >= 0 and ix.order_ids[j] not in late:
            latest = int(ix.deadline[j] - ix.tail[o] - ix.min_duration[o])
            latest_starts.append((latest, o, quantity))
    latest_starts.sort()
    # Production can feed a consumption no earlier than the producer's earliest end.
    made = sorted((int(ix.head[p] + ix.min_duration[p]), q) for p, q in producers)
    needed = 0
    for t, o, quantity in latest_starts:
        needed += quantity
        if fastest is not None and fastest.lead_time <= t:
            return None
        there = (
            item.stock
            + sum(q for arrival, q in purchases if arrival <= t)
            + sum(q for end, q in made if end <= t)
        )
        if needed > there:
            op_id, order_id, _ = _operation(problem, o)
            supply = (
                "it has no supplier"
                if fastest is None
                else f"its fastest supplier, {fastest.id}, needs {span(problem, fastest.lead_time)}"
            )
            return Conflict(
                ConflictCode.ITEM_NOT_IN_TIME,
                f"item {item.id} cannot reach {needed} units by {when(problem, t)}, when "
                f"operation {op_id} of order {order_id} must start to meet its deadline: stock, "
                f"open purchases arriving by then and production give {there} at most, and "
                f"{supply}",
                f"items[{i}]",
                (item.id, order_id, op_id),
            )
    return None


# --------------------------------------------------------------------------------------------------
# Named hard constraints (the explainer's keys)


def describe(problem: Problem, key: str) -> Conflict:
    """The named hard constraint `key` (e.g. `deadline:3`, see `OperationVars.guarded`) in words."""
    kind, _, number = key.partition(":")
    ix = problem.index
    try:
        n = int(number)
    except ValueError:
        n = -1
    if kind == "deadline" and 0 <= n < ix.n_jobs:
        order = problem.orders[n]
        assert order.deadline is not None
        return Conflict(
            ConflictCode.DEADLINE,
            f"order {order.id} cannot meet its deadline at {when(problem, order.deadline)}",
            f"orders[{n}].deadline",
            (order.id,),
        )
    if kind == "calendar" and 0 <= n < ix.n_operations:
        op_id, order_id, path = _operation(problem, n)
        machines = [
            ix.machine_ids[m]
            for m in ix.mode_machine[ix.modes(n).start : ix.modes(n).stop].tolist()
            if problem.machines[m].calendar is not None
        ]
        return Conflict(
            ConflictCode.CALENDAR,
            f"operation {op_id} of order {order_id} cannot fit the working time of "
            f"{_either(machines or ['its machine'])}",
            f"{path}.machines",
            (order_id, op_id, *machines),
        )
    if kind == "material" and 0 <= n < len(problem.items):
        item = problem.items[n]
        return Conflict(
            ConflictCode.MATERIAL,
            f"item {item.id} cannot be available in time",
            f"items[{n}]",
            (item.id,),
        )
    if kind == "max_lag" and 0 <= n < ix.n_operations:
        return _max_lag(problem, n)
    if kind == "resource_calendar" and 0 <= n < len(problem.resources):
        resource = problem.resources[n]
        return Conflict(
            ConflictCode.RESOURCE_CALENDAR,
            f"the working time of resource {resource.id} leaves no room",
            f"resources[{n}].calendar",
            (resource.id,),
        )
    return Conflict(ConflictCode.UNEXPLAINED, f"the hard constraint {key}", "", (key,))


def _max_lag(problem: Problem, o: int) -> Conflict:
    ix = problem.index
    op_id, order_id, path = _operation(problem, o)
    waits = []
    before = []
    for p in ix.predecessors(o):
        lag = int(ix.pred_max_lag[p])
        if lag < 0:
            continue
        pred_id = ix.operation_ids[int(ix.pred_op[p])]
        before.append(pred_id)
        if lag == 0:
            waits.append(f"the no-wait between {pred_id} and {op_id} of order {order_id}")
        else:
            waits.append(
                f"the wait of at most {span(problem, lag)} between {pred_id} and {op_id} of "
                f"order {order_id}"
            )
    message = " and ".join(waits) or f"the maximum wait before {op_id} of order {order_id}"
    return Conflict(
        ConflictCode.MAX_LAG, message, f"{path}.predecessors", (order_id, *before, op_id)
    )


__all__ = ["Conflict", "ConflictCode", "describe", "presolve_conflicts", "span", "when"]


def pinned_conflicts(problem: Problem, pins: Pins) -> list[Conflict]:
    """Orders whose deadline an operation not pinned cannot keep, since nothing unpinned starts
    before `pins.now`: a proof that the state has no plan, naming the event that moved the
    operation (when one did). One conflict per order, its first such operation."""
    ix = problem.index
    deadline, durations = ix.deadline.tolist(), ix.mode_duration.tolist()
    found: list[Conflict] = []
    for j, order in enumerate(problem.orders):
        if deadline[j] < 0:
            continue
        for k, operation in enumerate(order.operations):
            o = ix.operation(j, k)
            shortest = min(durations[m] for m in ix.modes(o))
            if o in pins.fixed or pins.now + shortest <= deadline[j]:
                continue
            field_path, why = pins.causes.get(o, (f"orders[{j}].deadline", ""))
            found.append(
                Conflict(
                    ConflictCode.DEADLINE_BEFORE_NOW,
                    f"order {order.id!r} cannot meet its deadline ({when(problem, deadline[j])}): "
                    f"{order.id}/{operation.id} cannot start before now "
                    f"({when(problem, pins.now)}) and takes at least {span(problem, shortest)}"
                    + (f"; {why}" if why else ""),
                    field=field_path,
                    ids=(order.id, f"{order.id}/{operation.id}"),
                )
            )
            break
    return found
