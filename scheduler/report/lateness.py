"""Why is an order late? Its critical chain, walked back from its last operation.

Pure domain: a `Problem` and a feasible `Schedule` (check it with `scheduler.verify.verify` first)
in, explanation dataclasses out; `scheduler.report.kpi` renders them.

At each operation of the chain we ask why it started when it did. Every constraint that holds
an operation back gives a time before which it could not start:

- its order's **release**;
- a **predecessor**'s end plus the minimum lag;
- its **machine** busy with another operation until then (at capacity just before), or that
  operation's end plus the **changeover** (setup) into this operation's family;
- a secondary **resource** (operator, tool) held by another operation until then;
- a **material** arrival (an open purchase, or a purchase of the plan: the order's `waited_for`),
  or an intermediate item another operation produces at that time.

The latest of these is when the operation was *ready*. When it started later, a **calendar**
break (its machine's or a resource's non-working time, or a shift too short for its work) explains
the rest when the earliest working-time fit after the ready time is its start; else a successor
that must start within a **maximum lag** (no-wait) after it could not start earlier (for its own
cause, or because its work would not fit its shift right after this one); otherwise nothing
binds there (an **idle** wait the plan chose) and the chain stops. The chain goes on along the
binding cause's operation (the predecessor, the other order's operation on the machine or the
resource, the producer of the material) until it reaches a release, an arrival, the planning
start, or an unforced wait. Causes binding at the same tick are all kept (`Step.also`); the chain
follows the first in `_PRIORITY`.

The same walk from the order that completes last explains the makespan (`makespan_chain`).

An order is **late** when it completes after its due date (its deadline when it has no due date),
and **at risk** when it completes on time with less slack than a threshold: by default 5 % of the
plan's makespan (at least one tick), so that it scales with the plan whatever the tick length.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from scheduler.problem import Problem, predecessors_of
from scheduler.schedule import (
    Arrival,
    Changeover,
    Schedule,
    ScheduledOperation,
    changeovers,
    material_waits,
)
from scheduler.worktime import INFINITY, WorkingTime

DEFAULT_AT_RISK_SHARE = 0.05
"""Default at-risk threshold as a share of the makespan (see the module docstring)."""

Key = tuple[int, int]
"""(job, position in the job) of an operation."""


class Cause(StrEnum):
    """Why an operation started when it did."""

    RELEASE = "release"
    PREDECESSOR = "predecessor"
    MACHINE = "machine"
    """Its machine was busy with another operation (`Step.blocker`) until it started."""
    CHANGEOVER = "changeover"
    RESOURCE = "resource"
    MATERIAL = "material"
    CALENDAR = "calendar"
    MAX_LAG = "max_lag"
    """A successor that must start at most a maximum lag after it ends (no-wait: 0) could not
    start earlier; `Step.text` says why, and the chain goes on along the successor's cause."""
    PLANNING_START = "planning_start"
    """It starts at tick 0: nothing held it back."""
    IDLE = "idle"
    """It was ready earlier and no constraint binds at its start: a wait the plan chose."""


# Among causes binding at the same tick, the chain follows the first: another order's work
# explains more to a planner than the order's own routing, which the chain shows anyway.
_PRIORITY = (
    Cause.CHANGEOVER,
    Cause.MACHINE,
    Cause.RESOURCE,
    Cause.MATERIAL,
    Cause.PREDECESSOR,
    Cause.RELEASE,
)


@dataclass(frozen=True, slots=True)
class Step:
    """One operation of a critical chain and why it started when it did."""

    job: int
    index: int
    machine: int
    start: int
    end: int
    cause: Cause
    ready: int
    """The earliest start every constraint but the calendars allowed."""
    text: str
    """The cause in planner words, with ids and times."""
    blocker: Key | None = None
    """The operation the chain continues with: the predecessor, the other order's operation on
    the machine or resource, or the producer of a material; None where the chain ends."""
    machine_of_cause: int | None = None
    """The machine that held it back (busy, changeover, calendar), for the bottleneck count."""
    also: tuple[str, ...] = ()
    """Other causes binding at the same tick, in words."""


@dataclass(frozen=True, slots=True)
class OrderStanding:
    """An order's completion against its due date (or deadline), and its chain when late or at
    risk (empty otherwise)."""

    job: int
    order_id: str
    completion: int
    target: int | None
    """Its due date, else its deadline; None when it has neither."""
    slack: int | None
    """target - completion (negative: late); None without a target."""
    at_risk: bool
    chain: tuple[Step, ...] = ()
    """From the order's last operation back to where the chain ends."""

    @property
    def late(self) -> bool:
        return self.slack is not None and self.slack < 0

    @property
    def status(self) -> str:
        if self.slack is None:
            return "no due date"
        return "late" if self.late else "at risk" if self.at_risk else "on time"


@dataclass(frozen=True, slots=True)
class Bottleneck:
    machine: int
    machine_id: str
    waits: int
    """Operations on late or at-risk chains that waited for this machine (busy, changeover or
    calendar)."""
    chain_operations: int
    """Operations of late or at-risk chains that run on it."""
    utilisation: float
    """Busy share of its working time over the plan (see `scheduler.schedule.MachineKpi`)."""


@dataclass(frozen=True, slots=True)
class LatenessReport:
    threshold: int
    """At-risk threshold in ticks: an on-time order with less slack than this is at risk."""
    orders: tuple[OrderStanding, ...]
    """Every order with a due date or deadline: late ones first (latest first), then at risk,
    then on time, by slack."""
    bottlenecks: tuple[Bottleneck, ...]
    """Machines by waits caused on late or at-risk chains (on the makespan chain when no order
    is late or at risk), chain operations, then utilisation."""
    makespan_chain: tuple[Step, ...] = ()
    """The chain of the order that completes last: why the plan is as long as it is."""

    @property
    def explained(self) -> tuple[OrderStanding, ...]:
        """The late and at-risk orders, each with its chain."""
        return tuple(o for o in self.orders if o.late or o.at_risk)


class Clock:
    """Times and durations in planner words: dates when the problem has a planning start."""

    def __init__(self, problem: Problem):
        self.problem = problem

    def at(self, tick: int) -> str:
        moment = self.problem.time_at(tick)
        if moment is None:
            return f"t={tick}"
        return moment.strftime("%a %Y-%m-%d %H:%M")

    def span(self, ticks: int) -> str:
        if self.problem.planning_start is None:
            return f"{ticks} tick{'s' if abs(ticks) != 1 else ''}"
        total = ticks * self.problem.tick
        sign, total = ("-", -total) if total < timedelta(0) else ("", total)
        days, rest = divmod(total, timedelta(days=1))
        hours, rest = divmod(rest, timedelta(hours=1))
        minutes = round(rest / timedelta(minutes=1))
        parts = [f"{days} d"] if days else []
        parts += [f"{hours} h"] if hours else []
        parts += [f"{minutes} min"] if minutes or not parts else []
        return sign + " ".join(parts)


def default_threshold(makespan: int) -> int:
    return max(1, math.ceil(DEFAULT_AT_RISK_SHARE * makespan))


def explain(
    problem: Problem,
    schedule: Schedule,
    *,
    threshold: int | None = None,
    utilisation: dict[int, float] | None = None,
) -> LatenessReport:
    """The standing of every order with a due date or deadline, the critical chain of each late
    or at-risk one, and the bottleneck machines; `threshold` in ticks (default: module
    docstring), `utilisation` per machine for the bottleneck ranking."""
    why = _Explainer(problem, schedule)
    completion: dict[int, int] = defaultdict(int)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
    limit = (
        default_threshold(max(completion.values(), default=0)) if threshold is None else threshold
    )
    standings = []
    for j, order in enumerate(problem.orders):
        target = order.due if order.due is not None else order.deadline
        if target is None:
            continue
        slack = target - completion[j]
        at_risk = 0 <= slack < limit
        chain = why.chain(j) if slack < 0 or at_risk else ()
        standings.append(OrderStanding(j, order.id, completion[j], target, slack, at_risk, chain))
    standings.sort(key=lambda s: (not s.late, not s.at_risk, s.slack))
    last = max(range(len(problem.orders)), key=lambda j: completion[j])
    makespan_chain = why.chain(last)
    chains = [s.chain for s in standings if s.chain] or [makespan_chain]
    return LatenessReport(
        limit,
        tuple(standings),
        _bottlenecks(problem, chains, utilisation or {}),
        makespan_chain,
    )


def _bottlenecks(
    problem: Problem, chains: list[tuple[Step, ...]], utilisation: dict[int, float]
) -> tuple[Bottleneck, ...]:
    waits: Counter[int] = Counter()
    runs: Counter[int] = Counter()
    for chain in chains:
        for step in chain:
            runs[step.machine] += 1
            if step.machine_of_cause is not None:
                waits[step.machine_of_cause] += 1
    result = [
        Bottleneck(m, machine.id, waits[m], runs[m], utilisation.get(m, 0.0))
        for m, machine in enumerate(problem.machines)
    ]
    result.sort(key=lambda b: (-b.waits, -b.chain_operations, -b.utilisation, b.machine))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class _Candidate:
    cause: Cause
    time: int
    text: str
    blocker: Key | None = None
    machine: int | None = None


_Fit = tuple[str, int | None, WorkingTime, int, bool]
"""A calendar an operation must fit in: who (words), its machine (None: a resource), its working
time, the ticks to fit, and whether the work may pause."""


class _Explainer:
    """The schedule indexed for the question 'why did this operation start then?'."""

    def __init__(self, problem: Problem, schedule: Schedule):
        self.problem = problem
        self.clock = Clock(problem)
        self.placed: dict[Key, ScheduledOperation] = {
            (op.job, op.index): op for op in schedule.operations
        }
        self.schedule = schedule
        # Per machine and per resource: spans that hold it, by end.
        self.machine_spans: dict[int, list[tuple[int, int, int, Key]]] = defaultdict(list)
        self.resource_spans: dict[int, list[tuple[int, int, int, Key]]] = defaultdict(list)
        for key, op in self.placed.items():
            if op.end <= op.start:
                continue  # an empty span holds nothing
            self.machine_spans[op.machine].append((op.end, op.start, 1, key))
            needs = problem.orders[key[0]].operations[key[1]].resources
            for need, r in zip(needs, op.resources, strict=False):
                self.resource_spans[r].append((op.end, op.start, need.quantity, key))
        for spans in (*self.machine_spans.values(), *self.resource_spans.values()):
            spans.sort()
        self.setup_before: dict[Key, Changeover] = {
            c.after: c for c in changeovers(problem, schedule)
        }
        self.waits = material_waits(problem, schedule) if problem.items else {}
        self.item_of_id = {item.id: i for i, item in enumerate(problem.items)}
        self._times: dict[str, WorkingTime] = {}
        self._steps: dict[Key, Step] = {}  # chains of late orders often share their tails

    def name(self, key: Key) -> str:
        order = self.problem.orders[key[0]]
        return f"{order.operations[key[1]].id} of order {order.id}"

    def chain(self, job: int) -> tuple[Step, ...]:
        ix = self.problem.index
        sinks = [int(o) for o in ix.sinks if ix.op_job[o] == job]
        last = max(sinks, key=lambda o: self.placed[(job, int(ix.op_position[o]))].end)
        key: Key | None = (job, int(ix.op_position[last]))
        steps: list[Step] = []
        seen: set[Key] = set()
        while key is not None and key not in seen:
            seen.add(key)
            if key not in self._steps:
                self._steps[key] = self.step(key)
            step = self._steps[key]
            steps.append(step)
            key = step.blocker
        return tuple(steps)

    def step(self, key: Key) -> Step:
        op = self.placed[key]
        candidates = self._candidates(key, op)
        ready = max((c.time for c in candidates), default=0)
        binding = [c for c in candidates if c.time == ready]
        binding.sort(key=lambda c: _PRIORITY.index(c.cause))

        def step(cause: Cause, ready: int, text: str, **more: Any) -> Step:
            return Step(key[0], key[1], op.machine, op.start, op.end, cause, ready, text, **more)

        if ready == op.start:
            if not binding:
                return step(
                    Cause.PLANNING_START, 0, f"starts at the planning start ({self.clock.at(0)})"
                )
            first = binding[0]
            return step(
                first.cause,
                ready,
                first.text,
                blocker=first.blocker,
                machine_of_cause=first.machine,
                also=tuple(c.text for c in binding[1:]),
            )
        calendar = self._calendar_wait(key, op, ready)
        behind = binding[0] if binding else None
        if calendar is not None:
            text, machine = calendar
            if behind is not None:
                text += f"; it was ready {self.clock.at(ready)}: {behind.text}"
            return step(
                Cause.CALENDAR,
                ready,
                text,
                blocker=behind.blocker if behind else None,
                machine_of_cause=machine,
            )
        held = self._held_for_successor(key, op)
        if held is not None:
            text, cause = held
            return step(
                Cause.MAX_LAG,
                ready,
                f"was ready {self.clock.at(ready)} but is held back: {text}",
                blocker=cause.blocker if cause else None,
                machine_of_cause=cause.machine if cause else None,
            )
        return step(
            Cause.IDLE,
            ready,
            f"was ready {self.clock.at(ready)} but the plan starts it "
            f"{self.clock.span(op.start - ready)} later, {self.clock.at(op.start)}; no "
            "constraint binds then (a choice of the plan, e.g. to let another order go first)",
        )

    def _held_for_successor(
        self, key: Key, op: ScheduledOperation
    ) -> tuple[str, _Candidate | None] | None:
        """When a successor must start at most a maximum lag after this operation ends and the
        lag is tight: why that successor could not start earlier, in words, and its binding
        cause (None: its calendar); None when no such successor explains the wait."""
        j, k = key
        order = self.problem.orders[j]
        me = order.operations[k].id
        for n, successor in enumerate(order.operations):
            for pred in successor.predecessors or ():
                if pred.operation_id != me or pred.max_lag is None:
                    continue
                after = self.placed[(j, n)]
                if op.end + pred.max_lag != after.start:
                    continue
                others = [
                    c
                    for c in self._candidates((j, n), after)
                    if not (c.cause is Cause.PREDECESSOR and c.blocker == key)
                ]
                ready = max((c.time for c in others), default=0)
                lag = "right" if pred.max_lag == 0 else f"at most {self.clock.span(pred.max_lag)}"
                words = f"its successor {self.name((j, n))} must start {lag} after it ends"
                if ready == after.start and others:
                    first = sorted(
                        (c for c in others if c.time == ready),
                        key=lambda c: _PRIORITY.index(c.cause),
                    )[0]
                    return (
                        f"{words}, and could not start before {self.clock.at(ready)}: {first.text}",
                        first,
                    )
                # Could the pair have run earlier? This operation from its own ready time, the
                # successor right after it within the lag, each in its working time.
                own = self._calendar_fit(key, op, self._ready(key, op))
                if own is None:
                    continue
                earliest = max(ready, own[0] + op.end - op.start + pred.min_lag)
                fitted = self._calendar_fit((j, n), after, earliest)
                if fitted is None or fitted[0] <= own[0] + op.end - op.start + pred.max_lag:
                    continue
                calendar = self._calendar_wait((j, n), after, earliest, fitted[0])
                if calendar is not None:
                    return f"{words}, and {calendar[0]}", None
        return None

    def _ready(self, key: Key, op: ScheduledOperation) -> int:
        return max((c.time for c in self._candidates(key, op)), default=0)

    def _candidates(self, key: Key, op: ScheduledOperation) -> list[_Candidate]:
        j, k = key
        problem, at = self.problem, self.clock.at
        order = problem.orders[j]
        found = []
        if order.release > 0:
            found.append(
                _Candidate(
                    Cause.RELEASE,
                    order.release,
                    f"order {order.id} is released {at(order.release)}",
                )
            )
        position = {o.id: p for p, o in enumerate(order.operations)}
        for pred in predecessors_of(order, k):
            before = (j, position[pred.operation_id])
            end = self.placed[before].end
            lag = f" plus a minimum wait of {self.clock.span(pred.min_lag)}" if pred.min_lag else ""
            found.append(
                _Candidate(
                    Cause.PREDECESSOR,
                    end + pred.min_lag,
                    f"its predecessor {self.name(before)} ends {at(end)}{lag}",
                    before,
                )
            )
        if op.end > op.start:
            found.extend(self._machine(key, op))
            found.extend(self._resources(key, op))
        found.extend(self._materials(key, op))
        return found

    def _machine(self, key: Key, op: ScheduledOperation) -> list[_Candidate]:
        machine = self.problem.machines[op.machine]
        found = []
        free, holder = _free_from(
            self.machine_spans[op.machine], machine.capacity, 1, op.start, key
        )
        if holder is not None:
            found.append(
                _Candidate(
                    Cause.MACHINE,
                    free,
                    f"machine {machine.id} is busy with {self.name(holder)} until {self.clock.at(free)}",
                    holder,
                    op.machine,
                )
            )
        setup = self.setup_before.get(key)
        if setup is not None and setup.time > 0:
            family = self.problem.orders[key[0]].operations[key[1]].family
            if setup.before is None:
                found.append(
                    _Candidate(
                        Cause.CHANGEOVER,
                        setup.time,
                        f"machine {machine.id} needs its initial setup into family {family} "
                        f"({self.clock.span(setup.time)})",
                        None,
                        op.machine,
                    )
                )
            else:
                before = self.placed[setup.before]
                was = self.problem.orders[setup.before[0]].operations[setup.before[1]].family
                found.append(
                    _Candidate(
                        Cause.CHANGEOVER,
                        before.end + setup.time,
                        f"machine {machine.id} changes over from family {was} to {family} "
                        f"({self.clock.span(setup.time)}) after {self.name(setup.before)} ends "
                        f"{self.clock.at(before.end)}",
                        setup.before,
                        op.machine,
                    )
                )
        return found

    def _resources(self, key: Key, op: ScheduledOperation) -> list[_Candidate]:
        needs = self.problem.orders[key[0]].operations[key[1]].resources
        found = []
        for need, r in zip(needs, op.resources, strict=False):
            resource = self.problem.resources[r]
            free, holder = _free_from(
                self.resource_spans[r], resource.capacity, need.quantity, op.start, key
            )
            if holder is not None:
                found.append(
                    _Candidate(
                        Cause.RESOURCE,
                        free,
                        f"{resource.kind} {resource.id} is busy with {self.name(holder)} until "
                        f"{self.clock.at(free)}",
                        holder,
                    )
                )
        return found

    def _materials(self, key: Key, op: ScheduledOperation) -> list[_Candidate]:
        j, k = key
        consumed = {
            self.item_of_id[f.item_id] for f in self.problem.orders[j].operations[k].consumes
        }
        if not consumed:
            return []
        found = [
            _Candidate(Cause.MATERIAL, op.start, f"it waits for {self._arrival_words(a)}")
            for a in self.waits.get(j, ())
            if a.item in consumed and a.time == op.start
        ]
        for item in sorted(consumed):
            producer = self._producer_at(item, op.start)
            if producer is not None:
                found.append(
                    _Candidate(
                        Cause.MATERIAL,
                        op.start,
                        f"it waits for {self.problem.items[item].id} made by {self.name(producer)}, "
                        f"which ends {self.clock.at(op.start)}",
                        producer,
                    )
                )
        return found

    def _producer_at(self, item: int, t: int) -> Key | None:
        """An operation producing `item` that ends at `t`, when without its output the stock of
        `item` would be short at `t`; None otherwise."""
        problem = self.problem
        level = problem.items[item].stock
        level += sum(
            p.quantity
            for p in problem.purchase_orders
            if self.item_of_id[p.item_id] == item and p.arrival <= t
        )
        level += sum(
            p.quantity for p in self.schedule.purchases if p.item == item and p.arrival <= t
        )
        producers = []
        for key, op in self.placed.items():
            operation = problem.orders[key[0]].operations[key[1]]
            for flow in operation.produces:
                if self.item_of_id[flow.item_id] == item and op.end < t:
                    level += flow.quantity
                elif self.item_of_id[flow.item_id] == item and op.end == t:
                    producers.append(key)
            for flow in operation.consumes:
                if self.item_of_id[flow.item_id] == item and op.start <= t:
                    level -= flow.quantity
        return min(producers) if producers and level < 0 else None

    def _arrival_words(self, arrival: Arrival) -> str:
        item = self.problem.items[arrival.item]
        when = self.clock.at(arrival.time)
        if arrival.open_purchase is not None:
            po = self.problem.purchase_orders[arrival.open_purchase]
            name = po.id or f"#{arrival.open_purchase + 1}"
            return f"open purchase {name}: {arrival.quantity} {item.id} arriving {when}"
        assert arrival.purchase is not None
        purchase = self.schedule.purchases[arrival.purchase]
        supplier = item.suppliers[purchase.supplier].id
        return (
            f"the purchase of {arrival.quantity} {item.id} from {supplier}, placed "
            f"{self.clock.at(purchase.order_time)}, arriving {when}"
        )

    def _time(self, calendar: str) -> WorkingTime:
        if calendar not in self._times:
            self._times[calendar] = WorkingTime(self.problem, calendar)
        return self._times[calendar]

    def _calendar_wait(
        self, key: Key, op: ScheduledOperation, ready: int, start: int | None = None
    ) -> tuple[str, int | None] | None:
        """When working time alone moves the start from `ready` to `start` (default: the
        operation's start): the calendar break in words and the machine whose calendar it is
        (None: a resource's)."""
        start = op.start if start is None else start
        fitted = self._calendar_fit(key, op, ready)
        if fitted is None or fitted[0] != start or fitted[1] is None:
            return None
        name, machine_index, time, need, _ = fitted[1]
        windows = time.windows(start + 1)
        i = bisect.bisect_left([a for a, _ in windows], start)
        stop = windows[i - 1][1] if i > 0 else 0
        at, span = self.clock.at, self.clock.span
        if ready < stop:
            text = (
                f"its {span(need)} of work did not fit before {name}'s working time ended "
                f"{at(stop)}; it waits for the next shift, {at(start)}"
            )
        else:
            text = f"{name} is not working from {at(stop)} until {at(start)} (calendar break)"
        return text, machine_index

    def _calendar_fit(
        self, key: Key, op: ScheduledOperation, ready: int
    ) -> tuple[int, _Fit | None] | None:
        """The earliest start from `ready` in the working time of the operation's machine and
        resources, and the calendar that moved it last (None: none did); None: never."""
        problem = self.problem
        j, k = key
        order, machine = problem.orders[j], problem.machines[op.machine]
        operation = order.operations[k]
        work = next(
            m.time(order.quantity) for m in operation.machines if m.machine_id == machine.id
        )
        fits: list[_Fit] = []
        if machine.calendar is not None and work > 0:
            fits.append(
                (
                    f"machine {machine.id}",
                    op.machine,
                    self._time(machine.calendar),
                    work,
                    operation.resumable,
                )
            )
        if op.end > op.start:
            for r in op.resources:
                resource = problem.resources[r]
                if resource.calendar is not None:
                    held = op.end - op.start
                    fits.append(
                        (
                            f"{resource.kind} {resource.id}",
                            None,
                            self._time(resource.calendar),
                            held,
                            False,
                        )
                    )
        t, last = ready, None
        for _ in range(64):  # a fixpoint; each round moves to a later window
            moved = False
            for who in fits:
                _, _, time, need, resumable = who
                start = (time.fit_resumable(t, need) if resumable else time.fit(t, need))[0]
                if start >= INFINITY:
                    return None
                if start > t:
                    t, last, moved = start, who, True
            if not moved:
                break
        return t, last


def _free_from(
    spans: list[tuple[int, int, int, Key]], capacity: int, need: int, start: int, me: Key
) -> tuple[int, Key | None]:
    """The latest end `e` <= `start` of a span (end, start, units, key) after whose last tick
    `e - 1` the others held too much for `need` more units, and that span's operation: when the
    machine or resource became free for this operation. (-1, None): never full before it."""
    ends = [s[0] for s in spans]
    for n in range(bisect.bisect_right(ends, start) - 1, -1, -1):
        end, _, _, key = spans[n]
        if key == me:
            continue
        held = sum(q for e, s, q, other in spans if other != me and s <= end - 1 < e)
        if held + need > capacity:
            return end, key
    return -1, None
