"""A schedule (where and when each operation runs) and the KPIs derived from it.

Operations are referred to by dense indices (job, position in the job, machine), as the solver and
the verifier speak; ids are attached only when a schedule is written for people or other programs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from scheduler.problem import ObjectiveKind, Problem


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
class Schedule:
    """Scheduled operations; a valid schedule has each operation of the problem exactly once."""

    operations: tuple[ScheduledOperation, ...]
    purchases: tuple[Purchase, ...] = ()

    @staticmethod
    def from_arrays(
        problem: Problem, machine: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> Schedule:
        """Build from arrays indexed by flat operation (see `ProblemIndex`)."""
        ix = problem.index
        rows = zip(
            ix.op_job.tolist(),
            ix.op_position.tolist(),
            np.asarray(machine).tolist(),
            np.asarray(start).tolist(),
            np.asarray(end).tolist(),
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


class MachineKpi(_Frozen):
    machine_id: str
    busy: int = Field(description="Ticks spent processing.")
    utilisation: float = Field(description="busy / makespan; 0 when the makespan is 0.")


class Kpis(_Frozen):
    """Key figures of a schedule, recomputed from the schedule alone."""

    makespan: int
    total_weighted_tardiness: int
    weighted_completion: int
    total_tardiness: int
    max_tardiness: int
    late_orders: int
    on_time_rate: float = Field(description="Share of orders with a due date that finish by it.")
    average_flow_time: float
    orders: list[OrderKpi]
    machines: list[MachineKpi]

    def value(self, kind: ObjectiveKind) -> int:
        match kind:
            case ObjectiveKind.MAKESPAN:
                return self.makespan
            case ObjectiveKind.TOTAL_WEIGHTED_TARDINESS:
                return self.total_weighted_tardiness
            case ObjectiveKind.WEIGHTED_COMPLETION:
                return self.weighted_completion
        raise ValueError(f"objective {kind} is not evaluated yet")


def evaluate(problem: Problem, schedule: Schedule) -> Kpis:
    """KPIs of a schedule in which every operation appears once (check with `verify` first)."""
    completion = np.zeros(len(problem.orders), dtype=np.int64)
    busy = np.zeros(len(problem.machines), dtype=np.int64)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
        busy[op.machine] += op.end - op.start
    makespan = int(completion.max(initial=0))
    orders: list[OrderKpi] = []
    total_wt = weighted_completion = total_t = max_t = late = with_due = 0
    flow = 0
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
            )
        )
        total_wt += order.weight * tardiness
        weighted_completion += order.weight * c
        total_t += tardiness
        max_t = max(max_t, tardiness)
        flow += c - order.release
        if order.due is not None:
            with_due += 1
            late += tardiness > 0
    machines = [
        MachineKpi(
            machine_id=m.id,
            busy=int(busy[i]),
            utilisation=float(busy[i]) / makespan if makespan else 0.0,
        )
        for i, m in enumerate(problem.machines)
    ]
    return Kpis(
        makespan=makespan,
        total_weighted_tardiness=total_wt,
        weighted_completion=weighted_completion,
        total_tardiness=total_t,
        max_tardiness=max_t,
        late_orders=late,
        on_time_rate=(with_due - late) / with_due if with_due else 1.0,
        average_flow_time=flow / len(problem.orders),
        orders=orders,
        machines=machines,
    )


def objective_value(problem: Problem, kpis: Kpis) -> int:
    """The problem's objective (a weighted sum of KPI terms) for a schedule with these KPIs."""
    return sum(term.weight * kpis.value(term.kind) for term in problem.objective.terms)
