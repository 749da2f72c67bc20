"""Time windows derived from the problem and from an incumbent schedule's objective.

A real schedule with objective F bounds every optimal schedule: each objective term is
non-negative, so term k can never exceed F / weight_k, and each term in turn caps completions.
This gives a horizon from a real schedule, and per-order completion caps that tighten the
variable domains (much stronger than the sum of all durations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.problem import MAX_TIME, ObjectiveKind, Problem


@dataclass(frozen=True, eq=False)
class TimeWindows:
    horizon: int
    """No operation of an optimal schedule needs to end after this tick."""
    completion_cap: np.ndarray
    """Per order: the latest completion an optimal schedule needs."""
    earliest_start: np.ndarray
    """Per operation: its order's release plus the shortest work before it."""
    latest_end: np.ndarray
    """Per operation: its order's completion cap minus the shortest work after it."""


def horizon(problem: Problem) -> int:
    """A tick no operation of an optimal schedule needs to end after, before any incumbent.

    Everything run one after the other, after the latest release and the latest material
    arrival, with the longest setup before each machine's operations.
    """
    ix = problem.index
    base = ix.safe_horizon
    if problem.is_classic:
        return base
    arrivals = max(
        [0, *(p.arrival for p in problem.purchase_orders)]
        + [s.lead_time for item in problem.items for s in item.suppliers]
    )
    setups = sum(max((rule.time for rule in m.setups), default=0) for m in problem.machines) * max(
        1, ix.n_operations
    )
    # Earliness rewards waiting: an order may best complete at its due date, past all the work.
    early = ObjectiveKind.WEIGHTED_EARLINESS in problem.objective.kinds
    waiting = max(0, int(ix.due.max())) if early else 0
    return base + arrivals + waiting + min(setups, MAX_TIME)


def completion_caps(problem: Problem, incumbent_objective: int | None) -> np.ndarray:
    """Latest completion per order that a schedule no worse than the incumbent can have."""
    ix = problem.index
    caps = np.full(ix.n_jobs, horizon(problem), dtype=np.int64)
    if incumbent_objective is None or not problem.is_classic:
        return caps
    # Each term is at most the incumbent's value only when no other term can be negative
    # (max lateness can), and only for one level: a later level may loosen an earlier one by
    # its tolerance, past the incumbent.
    kinds = problem.objective.kinds
    if len(problem.objective.levels) > 1 or ObjectiveKind.MAX_LATENESS in kinds:
        return caps
    for term in problem.objective.terms:
        budget = incumbent_objective // term.weight
        match term.kind:
            case ObjectiveKind.MAKESPAN:
                caps = np.minimum(caps, budget)
            case ObjectiveKind.TOTAL_WEIGHTED_TARDINESS | ObjectiveKind.MAX_WEIGHTED_TARDINESS:
                bounded = (ix.weight > 0) & (ix.due >= 0)
                cap = ix.due + budget // np.maximum(ix.weight, 1)
                caps = np.where(bounded, np.minimum(caps, cap), caps)
            case ObjectiveKind.WEIGHTED_COMPLETION:
                bounded = ix.weight > 0
                cap = budget // np.maximum(ix.weight, 1)
                caps = np.where(bounded, np.minimum(caps, cap), caps)
    return caps


def time_windows(problem: Problem, incumbent_objective: int | None) -> TimeWindows:
    ix = problem.index
    caps = completion_caps(problem, incumbent_objective)
    # Never below the order's own critical path: then the caps are unsatisfiable only when the
    # incumbent itself would be, which the verifier rules out.
    caps = np.maximum(caps, ix.critical_path)
    latest_end = caps[ix.op_job] - ix.tail
    return TimeWindows(
        horizon=int(caps.max()),
        completion_cap=caps,
        earliest_start=ix.head,
        latest_end=latest_end,
    )
