"""A schedule (where and when each operation runs) and the KPIs derived from it.

Operations are referred to by dense indices (job, position in the job, machine), as the solver and
the verifier speak; ids are attached only when a schedule is written for people or other programs.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from scheduler.problem import ObjectiveKind, Problem
from scheduler.worktime import WorkingTime


@dataclass(frozen=True, slots=True)
class ScheduledOperation:
    job: int
    """0-based order (job) number."""
    index: int
    """0-based position of the operation in its order's routing."""
    machine: int
    """0-based machine number."""
    start: int
    end: int
    """For a resumable operation that pauses over non-working time, end - start exceeds its work."""
    resources: tuple[int, ...] = ()
    """Per resource need of the operation (in order), the 0-based resource chosen for it."""


@dataclass(frozen=True, slots=True)
class Purchase:
    """A purchase the schedule asks the planner to place."""

    item: int
    """0-based item number."""
    supplier: int
    """0-based supplier number within the item."""
    quantity: int
    order_time: int
    """Tick at which to place it, >= 0; it arrives at order_time + the supplier's lead time."""
    arrival: int


@dataclass(frozen=True, slots=True)
class Arrival:
    """Material arriving: an open purchase order of the problem or a purchase of the schedule."""

    item: int
    """0-based item number."""
    time: int
    quantity: int
    open_purchase: int | None = None
    """0-based index into `problem.purchase_orders`, when it is an open purchase order."""
    purchase: int | None = None
    """0-based index into `schedule.purchases`, when it is a purchase the schedule places."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """Scheduled operations; a valid schedule has each operation of the problem exactly once."""

    operations: tuple[ScheduledOperation, ...]
    purchases: tuple[Purchase, ...] = ()

    @staticmethod
    def from_arrays(
        problem: Problem,
        machine: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        resources: Sequence[tuple[int, ...]] | None = None,
    ) -> Schedule:
        """Build from arrays indexed by flat operation (see `ProblemIndex`); `resources`, when
        given, holds per flat operation the chosen resource of each of its needs."""
        ix = problem.index
        rows = zip(
            ix.op_job.tolist(),
            ix.op_position.tolist(),
            np.asarray(machine).tolist(),
            np.asarray(start).tolist(),
            np.asarray(end).tolist(),
            resources if resources is not None else itertools.repeat((), ix.n_operations),
            strict=True,
        )
        return Schedule(tuple(ScheduledOperation(*row) for row in rows))

    def arrays(self, problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(machine, start, end) indexed by flat operation; assumes each operation appears once."""
        ix = problem.index
        machine = np.full(ix.n_operations, -1, dtype=np.int64)
        start = np.zeros(ix.n_operations, dtype=np.int64)
        end = np.zeros(ix.n_operations, dtype=np.int64)
        for op in self.operations:
            o = ix.operation(op.job, op.index)
            machine[o], start[o], end[o] = op.machine, op.start, op.end
        return machine, start, end


@dataclass(frozen=True, slots=True)
class Changeover:
    """A sequence-dependent setup a schedule incurs on a machine (rule 6 of the setups)."""

    machine: int
    """0-based machine number."""
    before: tuple[int, int] | None
    """(job, index) of the operation before it; None for the initial setup."""
    after: tuple[int, int]
    """(job, index) of the operation it prepares for."""
    time: int
    cost: int


def changeovers(problem: Problem, schedule: Schedule) -> list[Changeover]:
    """The changeovers `schedule` incurs, machine by machine in start order.

    On each machine with setup rules, its operations of positive length in start order: the first
    gets the initial setup into its family, and each next one the setup from the previous one's
    family into its own, when the machine lists that rule and both operations have a family.
    """
    runs: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for op in schedule.operations:
        if op.end > op.start and problem.machines[op.machine].setups:
            runs[op.machine].append((op.start, op.end, op.job, op.index))
    result: list[Changeover] = []
    for m in sorted(runs):
        rules = {(r.from_family, r.to_family): r for r in problem.machines[m].setups}
        before: tuple[int, int] | None = None
        before_family: str | None = None
        for _, _, j, k in sorted(runs[m]):
            family = problem.orders[j].operations[k].family
            if family is not None and (before is None or before_family is not None):
                rule = rules.get((before_family, family))
                if rule is not None:
                    result.append(Changeover(m, before, (j, k), rule.time, rule.cost))
            before, before_family = (j, k), family
    return result


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderKpi(_Frozen):
    order_id: str
    completion: int
    lateness: int | None = Field(
        description="completion - due; None when the order has no due date."
    )
    tardiness: int = Field(description="max(0, lateness); 0 when the order has no due date.")
    flow_time: int = Field(description="completion - release.")
    waited_for: list[str] = Field(
        default_factory=list,
        description="The material arrivals the order waited for, in words (see `material_waits`).",
    )


class MachineKpi(_Frozen):
    machine_id: str
    busy: int = Field(description="Slot-ticks spent processing, within the machine's working time.")
    available: int = Field(
        description="Working ticks of its calendar (wall ticks without one) in [0, makespan], "
        "times its capacity."
    )
    utilisation: float = Field(description="busy / available; 0 when nothing is available.")


class Kpis(_Frozen):
    """Key figures of a schedule, recomputed from the schedule alone."""

    makespan: int
    total_weighted_tardiness: int
    max_weighted_tardiness: int
    weighted_completion: int
    total_tardiness: int
    max_tardiness: int
    max_lateness: int | None = Field(
        description="Largest completion - due (negative when all are early); None without due dates."
    )
    late_orders: int = Field(description="Orders that complete after their due date.")
    weighted_late_orders: int = Field(description="Sum of the weights of the late orders.")
    weighted_earliness: int = Field(description="Sum of weight * max(0, due - completion).")
    setup_time: int = Field(description="Total sequence-dependent changeover time.")
    setup_cost: int
    purchase_cost: int = Field(description="Cost of the purchases the schedule places.")
    on_time_rate: float = Field(description="Share of orders with a due date that finish by it.")
    average_flow_time: float
    orders: list[OrderKpi]
    machines: list[MachineKpi]

    def value(self, kind: ObjectiveKind) -> int:
        """The value of one objective term (as `ObjectiveKind` defines it) for this schedule."""
        match kind:
            case ObjectiveKind.MAKESPAN:
                return self.makespan
            case ObjectiveKind.TOTAL_WEIGHTED_TARDINESS:
                return self.total_weighted_tardiness
            case ObjectiveKind.MAX_WEIGHTED_TARDINESS:
                return self.max_weighted_tardiness
            case ObjectiveKind.MAX_LATENESS:
                return 0 if self.max_lateness is None else self.max_lateness
            case ObjectiveKind.LATE_ORDERS:
                return self.weighted_late_orders
            case ObjectiveKind.WEIGHTED_COMPLETION:
                return self.weighted_completion
            case ObjectiveKind.WEIGHTED_EARLINESS:
                return self.weighted_earliness
            case ObjectiveKind.SETUP_TIME:
                return self.setup_time
            case ObjectiveKind.SETUP_COST:
                return self.setup_cost
            case ObjectiveKind.PURCHASE_COST:
                return self.purchase_cost
        raise ValueError(f"unknown objective kind {kind}")


def evaluate(problem: Problem, schedule: Schedule) -> Kpis:
    """KPIs of a schedule in which every operation appears once (check with `verify` first)."""
    completion = np.zeros(len(problem.orders), dtype=np.int64)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
    makespan = int(completion.max(initial=0))
    orders: list[OrderKpi] = []
    total_wt = max_wt = weighted_completion = total_t = max_t = 0
    late = weighted_late = earliness = with_due = flow = 0
    max_lateness: int | None = None
    waits = material_waits(problem, schedule) if problem.items else {}
    for j, order in enumerate(problem.orders):
        c = int(completion[j])
        lateness = None if order.due is None else c - order.due
        tardiness = max(0, lateness or 0)
        orders.append(
            OrderKpi(
                order_id=order.id,
                completion=c,
                lateness=lateness,
                tardiness=tardiness,
                flow_time=c - order.release,
                waited_for=[_arrival_words(problem, schedule, a) for a in waits.get(j, ())],
            )
        )
        total_wt += order.weight * tardiness
        max_wt = max(max_wt, order.weight * tardiness)
        weighted_completion += order.weight * c
        total_t += tardiness
        max_t = max(max_t, tardiness)
        flow += c - order.release
        if lateness is not None:
            with_due += 1
            late += tardiness > 0
            weighted_late += order.weight * (tardiness > 0)
            earliness += order.weight * max(0, -lateness)
            max_lateness = lateness if max_lateness is None else max(max_lateness, lateness)
    changes = changeovers(problem, schedule)
    setup_time, setup_cost = sum(c.time for c in changes), sum(c.cost for c in changes)
    return Kpis(
        makespan=makespan,
        total_weighted_tardiness=total_wt,
        max_weighted_tardiness=max_wt,
        weighted_completion=weighted_completion,
        total_tardiness=total_t,
        max_tardiness=max_t,
        max_lateness=max_lateness,
        late_orders=late,
        weighted_late_orders=weighted_late,
        weighted_earliness=earliness,
        setup_time=setup_time,
        setup_cost=setup_cost,
        purchase_cost=sum(
            p.quantity * problem.items[p.item].suppliers[p.supplier].unit_cost
            for p in schedule.purchases
        ),
        on_time_rate=(with_due - late) / with_due if with_due else 1.0,
        average_flow_time=flow / len(problem.orders),
        orders=orders,
        machines=_machines(problem, schedule, makespan),
    )


def _machines(problem: Problem, schedule: Schedule, makespan: int) -> list[MachineKpi]:
    """Busy and available slot-ticks per machine, over its working time within [0, makespan]."""
    used = {m.calendar for m in problem.machines if m.calendar is not None}
    calendars = {c: WorkingTime(problem, c) for c in used}
    times = [None if m.calendar is None else calendars[m.calendar] for m in problem.machines]
    busy = [0] * len(problem.machines)
    for op in schedule.operations:
        busy[op.machine] += _working_ticks(times[op.machine], op.start, op.end)
    result = []
    for i, m in enumerate(problem.machines):
        available = _working_ticks(times[i], 0, makespan) * m.capacity
        result.append(
            MachineKpi(
                machine_id=m.id,
                busy=busy[i],
                available=available,
                utilisation=busy[i] / available if available else 0.0,
            )
        )
    return result


def _working_ticks(time: WorkingTime | None, start: int, end: int) -> int:
    """Ticks of [start, end) in working time (all of them without a calendar)."""
    return max(0, end - start) if time is None else time.working_ticks(start, end)


def objective_values(problem: Problem, kpis: Kpis) -> tuple[int, ...]:
    """The value of each objective level (a weighted sum of KPI terms), in lexicographic order."""
    return tuple(
        sum(term.weight * kpis.value(term.kind) for term in level.terms)
        for level in problem.objective.levels
    )


def _arrival_words(problem: Problem, schedule: Schedule, arrival: Arrival) -> str:
    item = problem.items[arrival.item].id
    if arrival.open_purchase is not None:
        name = problem.purchase_orders[arrival.open_purchase].id or f"#{arrival.open_purchase}"
        return f"{arrival.quantity} {item} from open purchase {name} at tick {arrival.time}"
    assert arrival.purchase is not None
    supplier = problem.items[arrival.item].suppliers[schedule.purchases[arrival.purchase].supplier]
    return f"{arrival.quantity} {item} from the purchase at {supplier.id} arriving at tick {arrival.time}"


def material_waits(problem: Problem, schedule: Schedule) -> dict[int, list[Arrival]]:
    """Per order (0-based), the material arrivals it waited for; orders that waited for none are
    absent.

    An order waited for the arrivals of item i at tick t when one of its operations consuming i
    starts exactly at t and the level of i at t without those arrivals (stock, earlier arrivals,
    production ending at or before t, minus consumption starting at or before t) is negative:
    without them the consumptions at t could not start then. Every order consuming i at such a t
    is credited with all of i's arrivals at t, even when some of them alone were enough.
    """
    item_of_id = {item.id: i for i, item in enumerate(problem.items)}
    arrivals: dict[int, list[Arrival]] = defaultdict(list)
    for p, po in enumerate(problem.purchase_orders):
        i = item_of_id[po.item_id]
        arrivals[i].append(Arrival(i, po.arrival, po.quantity, open_purchase=p))
    for p, purchase in enumerate(schedule.purchases):
        arrivals[purchase.item].append(
            Arrival(purchase.item, purchase.arrival, purchase.quantity, purchase=p)
        )
    produced: dict[int, list[tuple[int, int]]] = defaultdict(list)
    consumed: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for op in schedule.operations:
        operation = problem.orders[op.job].operations[op.index]
        for flow in operation.produces:
            produced[item_of_id[flow.item_id]].append((op.end, flow.quantity))
        for flow in operation.consumes:
            consumed[item_of_id[flow.item_id]].append((op.start, flow.quantity, op.job))
    waits: dict[int, list[Arrival]] = defaultdict(list)
    for i, incoming in arrivals.items():
        if i not in consumed:
            continue
        at: dict[int, list[Arrival]] = defaultdict(list)
        for arrival in incoming:
            at[arrival.time].append(arrival)
        for t, batch in sorted(at.items()):
            level = (
                problem.items[i].stock
                + sum(a.quantity for a in incoming if a.time < t)
                + sum(q for end, q in produced[i] if end <= t)
                - sum(q for start, q, _ in consumed[i] if start <= t)
            )
            if level >= 0:
                continue
            for job in sorted({job for start, _, job in consumed[i] if start == t}):
                waits[job].extend(batch)
    return {j: sorted(w, key=lambda a: (a.time, a.item)) for j, w in sorted(waits.items())}


def objective_value(problem: Problem, kpis: Kpis) -> int:
    """The objective as one number: its only level's value; for a lexicographic objective, the
    last level's (the one the final search minimised, as `SolveResult.objective` reports)."""
    return objective_values(problem, kpis)[-1]
