"""Time windows derived from the problem and from an incumbent schedule's objective.

A real schedule with objective F bounds every optimal schedule: each objective term is
non-negative, so term k can never exceed F / weight_k, and each term in turn caps completions.
This gives a horizon from a real schedule, and per-order completion caps that tighten the
variable domains (much stronger than the sum of all durations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from scheduler.problem import MAX_TIME, ObjectiveKind, Problem
from scheduler.worktime import Windows, WorkingTime, working_windows


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
    working: dict[int, Windows] = field(default_factory=dict)
    """Per machine with a calendar: its working windows up to the horizon."""


def horizon(problem: Problem) -> int:
    """A tick no operation of an optimal schedule needs to end after, before any incumbent.

    Everything run one after the other, after the latest release and the latest material
    arrival, with the longest setup before each machine's operations. With machine calendars, the
    same serial schedule is simulated through the working windows (see `_serial_end`).
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
    plain = base + arrivals + waiting + min(setups, MAX_TIME)
    if all(m.calendar is None for m in problem.machines) and all(
        r.calendar is None for r in problem.resources
    ):
        return plain
    return max(plain, _serial_end(problem, int(ix.release.max()) + arrivals) + waiting)


def horizon_is_proof(problem: Problem) -> bool:
    """True when `horizon(problem)` is proven: if any schedule exists, one ends by it.

    Left-shifting a schedule keeps it feasible and never ends it later than the serial bound,
    except across maximum lags: a no-wait step may have to wait for a window far past it (a
    weekend, a shift that comes once a week). With maximum lags, a search that finds no schedule
    under the horizon proves nothing; `solve` widens it instead.
    """
    return not bool((problem.index.pred_max_lag >= 0).any())


def widening_cap(problem: Problem) -> int:
    """The largest horizon `solve` widens to when the horizon is not a proof.

    Calendars repeat weekly after their last exception; 64 weeks past that, the releases, the
    arrivals and the deadlines, a schedule that still cannot be found is not worth a model that
    large (the answer is then UNKNOWN, not INFEASIBLE).
    """
    week = math.ceil(timedelta(weeks=1) / problem.tick)
    exceptions = [
        math.ceil(problem.tick_of(e.end)) for c in problem.calendars for e in c.exceptions
    ]
    ix = problem.index
    settled = max(
        [0, *exceptions, int(ix.release.max()), int(ix.deadline.max())]
        + [p.arrival for p in problem.purchase_orders]
    )
    return min(MAX_TIME, settled + 64 * week + horizon(problem))


def completion_caps(
    problem: Problem, incumbent_objective: int | None, *, any_problem: bool = False
) -> np.ndarray:
    """Latest completion per order that a schedule no worse than the incumbent can have.

    Classic problems only, unless `any_problem` (a reschedule, whose repaired plan is the
    incumbent: the factory terms, setups and purchases, are never negative either, so they
    only leave less room to the terms that cap completions)."""
    ix = problem.index
    caps = np.full(ix.n_jobs, horizon(problem), dtype=np.int64)
    if incumbent_objective is None or not (problem.is_classic or any_problem):
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


def time_windows(
    problem: Problem,
    incumbent_objective: int | None,
    incumbent_makespan: int = 0,
    horizon_cap: int | None = None,
    *,
    any_problem: bool = False,
) -> TimeWindows:
    """`horizon_cap` (a large-neighbourhood search's choice, not a proof) keeps every completion
    at most there, though never below `incumbent_makespan` nor an order's critical path."""
    ix = problem.index
    caps = completion_caps(problem, incumbent_objective, any_problem=any_problem)
    if horizon_cap is not None:
        caps = np.minimum(caps, horizon_cap)
    # A factory horizon is an estimate (calendars, lags); a real schedule proves more is enough.
    caps = np.maximum(caps, incumbent_makespan)
    # Never below the order's own critical path: then the caps are unsatisfiable only when the
    # incumbent itself would be, which the verifier rules out.
    caps = np.maximum(caps, ix.critical_path)
    latest_end = caps[ix.op_job] - ix.tail
    until = int(caps.max())
    by_calendar: dict[str, Windows] = {}
    working: dict[int, Windows] = {}
    for m, machine in enumerate(problem.machines):
        if machine.calendar is not None:
            if machine.calendar not in by_calendar:
                by_calendar[machine.calendar] = working_windows(problem, machine.calendar, until)
            working[m] = by_calendar[machine.calendar]
    return TimeWindows(
        horizon=until,
        completion_cap=caps,
        earliest_start=ix.head,
        latest_end=latest_end,
        working=working,
    )


def _serial_end(problem: Problem, begin: int) -> int:
    """The end of a serial schedule through the machine calendars: from `begin`, every operation
    in routing order, each after the longest setup of its machines and its predecessors' largest
    lag, in whichever mode finishes first in its machine's working time.

    As without calendars, a left-shifted schedule's last operation ends after a chain of
    operations each waiting for the one before it, and waiting for working time only grows with
    the time it starts; this bound assumes that chain is no longer than the serial schedule. It is
    not a proof with maximum lags (a no-wait step across a break may have to wait a week).
    """
    ix = problem.index
    machines = problem.machines
    longest_setup = [max((r.time for r in m.setups), default=0) for m in machines]
    lag = np.maximum(ix.pred_min_lag, ix.pred_max_lag)
    calendar_ids = {m.calendar for m in machines if m.calendar}
    calendar_ids |= {r.calendar for r in problem.resources if r.calendar}
    calendars = {c: WorkingTime(problem, c) for c in calendar_ids if c is not None}
    operations = [op for order in problem.orders for op in order.operations]
    resource_calendar = {r.id: r.calendar for r in problem.resources}
    t = begin
    for o in ix.topological.tolist():
        modes = ix.modes(o)
        t += max(longest_setup[int(ix.mode_machine[k])] for k in modes)
        t += max((int(lag[p]) for p in ix.predecessors(o)), default=0)
        # The resources' calendars the operation's whole span must fit (first alternative each).
        held = [
            calendars[c]
            for need in operations[o].resources
            if (c := resource_calendar[need.resources[0]]) is not None
        ]
        best: int | None = None
        for k in modes:
            end = _mode_end(
                calendars,
                machines[int(ix.mode_machine[k])].calendar,
                t,
                int(ix.mode_duration[k]),
                operations[o].resumable,
                held,
            )
            if end is not None and (best is None or end < best):
                best = end
        # An operation no mode can ever run makes the problem infeasible; the model finds out.
        t = t if best is None else best
        if t > MAX_TIME:
            return MAX_TIME
    return t


def _mode_end(
    calendars: dict[str, WorkingTime],
    machine_calendar: str | None,
    t: int,
    work: int,
    resumable: bool,
    held: list[WorkingTime],
) -> int | None:
    """The earliest end of an operation started at or after `t` in its machine's working time,
    its span also inside one working window of each held resource (alternating until both agree)."""
    if work == 0:
        return t
    for _ in range(64):
        if machine_calendar is None:
            end: int | None = t + work
        else:
            end = calendars[machine_calendar].finish(t, work, resumable)
        if end is None or not held:
            return end
        # A resumable span may include waiting before it starts; counting it only lengthens it.
        span = end - t if resumable else work
        start = end - span
        for calendar in held:
            fitted = calendar.finish(start, span, False)
            if fitted is None:
                return None
            start = max(start, fitted - span)
        if start == end - span:
            return end
        t = start
    return None
