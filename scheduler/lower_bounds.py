"""Lower bounds on each objective level from the problem alone, with no search.

Each term gets a bound that holds for every feasible schedule (so also for the optimum), and a
level's bound is the weighted sum of its terms' bounds (every weight is positive). The ingredients:

- earliest completions through calendars: each operation, in routing order, starts no earlier
  than its order's release and its predecessors' earliest ends plus their minimum lags, and ends
  no earlier than its fastest mode can finish in its machine's working time (a head, as in the
  disjunctive-graph literature, but calendar-aware); an order completes no earlier than its
  operations' earliest ends;
- machine load through calendars: the operations that can only run on a set of machines need
  their total work in those machines' working time, from the earliest head among them on
  (a parallel-machine energy bound), and then their shortest tail;
- changeovers: every family whose operations can only run on machines with changeover rules is
  entered at least once, from the depot (the initial setup) or from another family;
- purchases: the part of each item's consumption that stock, open purchase orders and production
  cannot cover is bought, at least at the cheapest supplier's price (and its minimum quantity).

They ignore what couples the orders beyond machine load (materials in time, secondary resources,
sequence-dependent setup times), so they are weak where that coupling decides, but never wrong:
`tests/test_bounds.py` checks them against proven optima of small random plants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from scheduler.problem import ObjectiveKind, Problem
from scheduler.stop import Deadline
from scheduler.worktime import WorkingTime


@dataclass(frozen=True)
class StaticBounds:
    """What `static_bounds` proved: per objective term kind and per level."""

    terms: dict[ObjectiveKind, int]
    levels: tuple[int, ...]
    earliest_completion: np.ndarray
    """Per order: no schedule completes it earlier."""


def static_bounds(problem: Problem, deadline: Deadline | None = None) -> StaticBounds | None:
    """A lower bound on every objective level of `problem`; None when `deadline` passed first or
    some operation can never run (the problem is infeasible, which the search reports)."""
    found = earliest_times(problem, deadline)
    if found is None:
        return None
    heads, earliest = found
    ix = problem.index
    completion = np.zeros(ix.n_jobs, dtype=np.int64)
    np.maximum.at(completion, ix.op_job, earliest)
    completion = np.maximum(completion, ix.release)
    terms: dict[ObjectiveKind, int] = {}
    for kind in problem.objective.kinds:
        if deadline is not None and deadline.expired:
            return None
        terms[kind] = _term_bound(problem, kind, completion, heads)
    levels = tuple(
        sum(term.weight * terms[term.kind] for term in level.terms)
        for level in problem.objective.levels
    )
    return StaticBounds(terms, levels, completion)


def _term_bound(
    problem: Problem, kind: ObjectiveKind, completion: np.ndarray, heads: np.ndarray
) -> int:
    ix = problem.index
    has_due = ix.due >= 0
    lateness = completion - ix.due
    tardiness = np.where(has_due, np.maximum(0, lateness), 0) * ix.weight
    match kind:
        case ObjectiveKind.MAKESPAN:
            return max(int(completion.max(initial=0)), machine_load_bound(problem, heads))
        case ObjectiveKind.TOTAL_WEIGHTED_TARDINESS:
            return int(tardiness.sum())
        case ObjectiveKind.MAX_WEIGHTED_TARDINESS:
            return int(tardiness.max(initial=0))
        case ObjectiveKind.MAX_LATENESS:
            # Without any due date the term is 0 (see `Kpis.value`).
            return int(lateness[has_due].max()) if has_due.any() else 0
        case ObjectiveKind.LATE_ORDERS:
            return int((ix.weight * (has_due & (lateness > 0))).sum())
        case ObjectiveKind.WEIGHTED_COMPLETION:
            return int((ix.weight * completion).sum())
        case ObjectiveKind.SETUP_TIME:
            return changeover_bound(problem, 0)
        case ObjectiveKind.SETUP_COST:
            return changeover_bound(problem, 1)
        case ObjectiveKind.PURCHASE_COST:
            return purchase_cost_bound(problem)
        case ObjectiveKind.WEIGHTED_EARLINESS:
            return 0  # finishing on the due date is never ruled out by these relaxations
    raise ValueError(f"unknown objective kind {kind}")


def earliest_times(
    problem: Problem, deadline: Deadline | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per operation, the earliest start and the earliest end of any schedule (heads through
    the machine calendars); None when `deadline` passed or an operation can never run."""
    ix = problem.index
    calendars: dict[str, WorkingTime] = {}
    machine_calendar = [m.calendar for m in problem.machines]
    resumable = [op.resumable for order in problem.orders for op in order.operations]
    start = ix.release[ix.op_job].astype(np.int64)
    end = np.zeros(ix.n_operations, dtype=np.int64)
    pred_start, pred_op, lag = (
        ix.pred_start.tolist(),
        ix.pred_op.tolist(),
        ix.pred_min_lag.tolist(),
    )
    mode_start, mode_machine = ix.mode_start.tolist(), ix.mode_machine.tolist()
    mode_duration = ix.mode_duration.tolist()
    ends = end.tolist()
    starts = start.tolist()
    for n, o in enumerate(ix.topological.tolist()):
        if deadline is not None and n % 1024 == 0 and deadline.expired:
            return None
        t = starts[o]
        for p in range(pred_start[o], pred_start[o + 1]):
            t = max(t, ends[pred_op[p]] + lag[p])
        best: int | None = None
        for k in range(mode_start[o], mode_start[o + 1]):
            calendar = machine_calendar[mode_machine[k]]
            if calendar is None:
                finish: int | None = t + mode_duration[k]
            else:
                if calendar not in calendars:
                    calendars[calendar] = WorkingTime(problem, calendar)
                finish = calendars[calendar].finish(t, mode_duration[k], resumable[o])
            if finish is not None and (best is None or finish < best):
                best = finish
        if best is None:
            return None
        starts[o], ends[o] = t, best
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def machine_load_bound(problem: Problem, heads: np.ndarray) -> int:
    """The latest of, per set of machines, the earliest time the operations that can only run
    there could all be done (their work spread over the set's working time from their earliest
    head, each machine `capacity` at a time), plus their shortest tail."""
    ix = problem.index
    eligible: dict[frozenset[int], list[int]] = defaultdict(list)
    for o in range(ix.n_operations):
        eligible[frozenset(int(ix.mode_machine[k]) for k in ix.modes(o))].append(o)
    calendars: dict[str, WorkingTime] = {}
    best = 0
    for machines in {s for s in eligible if len(s) <= 16}:
        # Every operation confined to a subset of these machines is confined to them.
        ops = [o for s, group in eligible.items() if s <= machines for o in group]
        work = int(ix.min_duration[ops].sum())
        if work == 0:
            continue
        begin = int(heads[ops].min())
        tail = int(ix.tail[ops].min())
        lanes = []
        for m in sorted(machines):
            machine = problem.machines[m]
            if machine.calendar is not None and machine.calendar not in calendars:
                calendars[machine.calendar] = WorkingTime(problem, machine.calendar)
            lanes.append((machine.capacity, calendars.get(machine.calendar or "")))
        done = _energy_end(lanes, begin, work)
        if done is not None:
            best = max(best, done + tail)
    return best


def _energy_end(lanes: list[tuple[int, WorkingTime | None]], begin: int, work: int) -> int | None:
    """The first tick by which `lanes` (capacity, calendar or None: always working) offer `work`
    working ticks after `begin` (a binary search: the offer only grows with time)."""

    def offered(t: int) -> int:
        total = 0
        for capacity, calendar in lanes:
            ticks = t - begin if calendar is None else calendar.working_ticks(begin, t)
            total += capacity * ticks
        return total

    low, high = begin, begin + work
    # Double until enough (a calendar that stops working ends the search without a bound).
    for _ in range(64):
        if offered(high) >= work:
            break
        low, high = high, begin + 2 * (high - begin)
    else:
        return None
    while low < high:
        middle = (low + high) // 2
        if offered(middle) >= work:
            high = middle
        else:
            low = middle + 1
    return high


def changeover_bound(problem: Problem, what: int) -> int:
    """Setup time (`what` 0) or cost (1) that every schedule incurs: each family whose operations
    all must run on machines with changeover rules is entered at least once on one of them."""
    ix = problem.index
    if not any(m.setups for m in problem.machines):
        return 0
    families = [op.family for order in problem.orders for op in order.operations]
    # Per machine, the families of the operations that may run on it (None: one without a family,
    # after which no changeover is charged).
    present: dict[int, set[str | None]] = defaultdict(set)
    forced: dict[str, set[int]] = defaultdict(set)
    avoidable: set[str] = set()
    for o in range(ix.n_operations):
        modes = ix.modes(o)
        for k in modes:
            if ix.mode_duration[k] > 0:
                present[int(ix.mode_machine[k])].add(families[o])
        family = families[o]
        if family is None:
            continue
        if any(
            ix.mode_duration[k] == 0 or not problem.machines[int(ix.mode_machine[k])].setups
            for k in modes
        ):
            avoidable.add(family)
        else:
            forced[family].update(int(ix.mode_machine[k]) for k in modes)
    total = 0
    for family, machines in forced.items():
        if family in avoidable:
            # Some of its operations can avoid changeovers; those confined to setup machines
            # still force an entry, but only when every one of them is confined: keep it simple.
            continue
        total += min(_entry(problem, m, family, present[m], what) for m in machines)
    return total


def _entry(problem: Problem, m: int, family: str, present: set[str | None], what: int) -> int:
    """The least changeover into `family` on machine `m`: from the depot or another family."""
    if None in present:
        return 0
    rules = {
        (r.from_family, r.to_family): (r.time, r.cost)[what] for r in problem.machines[m].setups
    }
    sources: list[str | None] = [None, *(f for f in present if f != family)]
    return min(rules.get((f, family), 0) for f in sources)


def purchase_cost_bound(problem: Problem) -> int:
    """Per bought item, the shortfall of stock, open purchase orders and production against all
    consumption, bought at the cheapest price any supplier allows for it."""
    need: dict[str, int] = defaultdict(int)
    for order in problem.orders:
        for operation in order.operations:
            for flow in operation.consumes:
                need[flow.item_id] += flow.quantity
            for flow in operation.produces:
                need[flow.item_id] -= flow.quantity
    for po in problem.purchase_orders:
        need[po.item_id] -= po.quantity
    total = 0
    for item in problem.items:
        shortfall = need.get(item.id, 0) - item.stock
        if shortfall <= 0 or not item.suppliers:
            continue
        # The cheapest supplier actually used pays at least its price for the whole shortfall
        # and at least its minimum order quantity.
        total += min(s.unit_cost * max(shortfall, s.min_order_quantity) for s in item.suppliers)
    return total
