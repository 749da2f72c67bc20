"""Factory-aware dispatching: a feasible schedule for plants with calendars, setups, resources and
materials, in well under a second at a few thousand operations.

Serial schedule generation. Units (an operation, or a block of operations tied by maximum time
lags) become ready when every predecessor outside them is placed; the ready unit with the earliest
possible start wins, the rule breaking ties. Each operation goes to the earliest time, on the
machine (mode) where it ends first, at which every rule of the problem holds given what is placed
so far: release, routing lags, the machine's calendar and capacity (gaps may be filled), setups
(appended after the machine's last operation, so the changeover sequence stays the placement
order), the resources (the first alternative free then) with their calendars, and the materials
(waiting for stock or production that covers the consumption, or buying it just in time).

Deadlines are not a placement rule: `best_factory_dispatch` repairs a schedule that misses some
by squeaky-wheel rounds (late orders promoted by their lateness, generated again), and what it
still misses is left to the solver. A block whose maximum lags cannot be met after its first
operations aim at later ends gives no schedule (None). Each rule is one function
`(start) -> start` below; a placement is their common fixpoint, searched no further than a week
past the time after which only the weekly calendars change. Every run polls a `Deadline`.

This module must never import ortools: it is the fallback when the solver is absent or fails.
"""

from __future__ import annotations

import dataclasses
import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from heapq import heapify, heappop, heappush

import numpy as np

from scheduler.heuristics.dispatching import Rule, _Expired
from scheduler.planning.pins import MACHINE_CHANGE_TICKS, Pin, Pins
from scheduler.problem import ItemQuantity, ObjectiveKind, Problem, ProblemIndex
from scheduler.schedule import (
    Purchase,
    Schedule,
    ScheduledOperation,
    evaluate,
    objective_values,
)
from scheduler.stop import Deadline
from scheduler.worktime import WorkingTime as _Windows

INFINITY = 1 << 62
"""A start no rule can ever allow."""
_MAX_STEPS = 100_000
"""Fixpoint steps per placement before giving the operation up (never reached in practice)."""
_MAX_REKEYS = 2
"""Times a unit whose true earliest start is later than its key goes back to the heap."""
_BLOCK_ATTEMPTS = 4
"""Retries per member of a block of max-lag-linked operations (see `_Run.place_block`) before
the next way of placing it is tried (see `_place_block_somewhere`)."""
_IDLE_BLOCK_ATTEMPTS = 8
"""Retries per member for a block placed after everything else (see `_place_block_somewhere`)."""
_SHORTFALL_STEPS = 4
"""Steps by the shortfall before `_Run.probe_ending_by` falls back to bisection."""
_MINUTES_PER_WEEK = 7 * 24 * 60
_POLL_STEPS = 32
"""Fixpoint steps between two looks at the deadline (a step costs about a microsecond)."""

DEFAULT_FACTORY_SECONDS = 0.8
"""Wall-clock seconds after which `best_factory_dispatch` starts no further rule or repair round
(the first rule always runs): the heuristic is a starting point for the solver, not the search."""
DEFAULT_FACTORY_BUDGET_OPERATIONS = 8_000
"""Operations `best_factory_dispatch` places in total across rules: every rule (up to 7) below
1,150 operations, 4 at 2,000, one past 4,000 (a placement costs about 50 µs: 0.1 s per rule at
2,000 operations)."""


# --------------------------------------------------------------------------------------------------
# Time structures


class _Profile:
    """Units in use over time, a step function: `used[k]` on [times[k], times[k + 1])."""

    __slots__ = ("times", "used")

    def __init__(self) -> None:
        self.times = [0]
        self.used = [0]

    def earliest(self, start: int, end: int, work: int, units: int, capacity: int) -> int:
        """The earliest start from `start` at which `units` more fit for `work` ticks; when that
        is `start` itself, also throughout the whole span [start, end) (a resumable operation's
        span may pass `work`). No start before the answer can fit; INFINITY: none will."""
        times, used = self.times, self.used
        free = capacity - units
        n = len(times)
        k = bisect_right(times, start) - 1
        s, finish = start, end
        while True:
            j = k
            while j < n and times[j] < finish:
                if used[j] > free:
                    break
                j += 1
            else:
                return s
            if j + 1 >= n:
                return INFINITY
            s, k = times[j + 1], j + 1
            finish = s + work

    def add(self, start: int, end: int, units: int) -> None:
        i, j = self._split(start), self._split(end)
        used = self.used
        for k in range(i, j):
            used[k] += units

    def _split(self, t: int) -> int:
        times = self.times
        k = bisect_left(times, t)
        if k == len(times) or times[k] != t:
            times.insert(k, t)
            self.used.insert(k, self.used[k - 1])
        return k


class _Stock:
    """An item's level over time, a step function: `level[k]` on [times[k], times[k + 1])."""

    __slots__ = ("level", "times")

    def __init__(self, stock: int, arrivals: Iterable[tuple[int, int]]):
        self.times = [0]
        self.level = [stock]
        for t, quantity in arrivals:
            self.add(t, quantity)

    def add(self, t: int, delta: int) -> None:
        times, level = self.times, self.level
        k = bisect_left(times, t)
        if k == len(times) or times[k] != t:
            times.insert(k, t)
            level.insert(k, level[k - 1])
        level[k:] = [x + delta for x in level[k:]]

    def lowest_from(self, t: int) -> int:
        """The lowest level at or after `t`: what a consumption at `t` may take."""
        return min(self.level[bisect_right(self.times, t) - 1 :])

    def covered_from(self, quantity: int, t: int) -> int:
        """The earliest time at or after `t` from which `quantity` can be taken; INFINITY: never."""
        level = self.level
        k = len(level) - 1
        if level[k] < quantity:
            return INFINITY
        while k > 0 and level[k - 1] >= quantity:
            k -= 1
        return max(t, self.times[k])


# --------------------------------------------------------------------------------------------------
# The problem, flattened once for every rule


@dataclass(eq=False)
class _Data:
    ix: ProblemIndex
    modes: list[list[tuple[int, int]]]
    preds: list[list[tuple[int, int, int]]]
    """Per operation: (predecessor, min lag, max lag or -1)."""
    succs: list[list[int]]
    release: list[int]
    resumable: list[bool]
    family: list[int]
    needs: list[list[tuple[tuple[int, ...], int]]]
    consumes: list[list[tuple[int, int]]]
    produces: list[list[tuple[int, int]]]
    machine_capacity: list[int]
    machine_calendar: list[_Windows | None]
    setups: list[dict[tuple[int, int], int] | None]
    """Per machine with setup rules: (from family, -2 for the initial setup; to family) ->
    (time, cost)."""
    resource_capacity: list[int]
    resource_calendar: list[_Windows | None]
    stock: list[int]
    arrivals: list[list[tuple[int, int]]]
    suppliers: list[list[tuple[int, int, int]]]
    """Per item: (lead time, unit cost, minimum order quantity) per supplier."""
    producers: list[int]
    """Per item: how many operations produce it."""
    units: list[list[int]]
    unit_of: list[int]
    work_left: np.ndarray
    ops_left: np.ndarray
    week: int
    """Ticks per week: every calendar repeats with this period after its last exception."""
    quiet: int
    """A time after which nothing of the problem changes but the weekly calendars: every
    exception, release, open purchase order and supplier lead time lies before it."""
    resource_longest: list[int]
    """Per resource: its calendar's longest working window (INFINITY without a calendar)."""

    @staticmethod
    def build(problem: Problem, deadline: Deadline | None = None) -> _Data:
        """Raises `_Expired` when `deadline` passes (this takes a second at 50,000 operations)."""
        ix = problem.index
        n = ix.n_operations
        week = max(1, math.ceil(timedelta(minutes=_MINUTES_PER_WEEK) / problem.tick))
        calendars = {c.id: _Windows(problem, c.id, week) for c in problem.calendars}
        families = {f.id: i for i, f in enumerate(problem.families)}
        resources = {r.id: i for i, r in enumerate(problem.resources)}
        items = {item.id: i for i, item in enumerate(problem.items)}

        mode_start = ix.mode_start.tolist()
        mode_machine = ix.mode_machine.tolist()
        mode_duration = ix.mode_duration.tolist()
        pred_start = ix.pred_start.tolist()
        pred_op = ix.pred_op.tolist()
        pred_min = ix.pred_min_lag.tolist()
        pred_max = ix.pred_max_lag.tolist()
        modes = [
            list(
                zip(
                    mode_machine[mode_start[o] : mode_start[o + 1]],
                    mode_duration[mode_start[o] : mode_start[o + 1]],
                    strict=True,
                )
            )
            for o in range(n)
        ]
        preds = [
            [
                (pred_op[p], pred_min[p], pred_max[p])
                for p in range(pred_start[o], pred_start[o + 1])
            ]
            for o in range(n)
        ]
        succs: list[list[int]] = [[] for _ in range(n)]
        for o in range(n):
            for p, _, _ in preds[o]:
                succs[p].append(o)

        resumable: list[bool] = []
        family: list[int] = []
        needs: list[list[tuple[tuple[int, ...], int]]] = []
        consumes: list[list[tuple[int, int]]] = []
        produces: list[list[tuple[int, int]]] = []
        producers = [0] * len(problem.items)
        for order in problem.orders:
            if deadline is not None and deadline.expired:
                raise _Expired
            for op in order.operations:
                resumable.append(op.resumable)
                family.append(-1 if op.family is None else families[op.family])
                needs.append(
                    [
                        (tuple(resources[r] for r in need.resources), need.quantity)
                        for need in op.resources
                    ]
                )
                consumes.append(_totals(items, op.consumes))
                made = _totals(items, op.produces)
                produces.append(made)
                for item, _ in made:
                    producers[item] += 1

        setups: list[dict[tuple[int, int], int] | None] = []
        for machine in problem.machines:
            if not machine.setups:
                setups.append(None)
                continue
            setups.append(
                {
                    (
                        -2 if rule.from_family is None else families[rule.from_family],
                        families[rule.to_family],
                    ): rule.time
                    for rule in machine.setups
                }
            )
        arrivals: list[list[tuple[int, int]]] = [[] for _ in problem.items]
        for purchase in problem.purchase_orders:
            arrivals[items[purchase.item_id]].append((purchase.arrival, purchase.quantity))

        units, unit_of = _units(ix, preds)
        work_left = ix.min_duration + ix.tail
        longest = [1] * n
        for o in reversed(ix.topological.tolist()):
            for p, _, _ in preds[o]:
                longest[p] = max(longest[p], longest[o] + 1)
        ops_left = np.asarray(longest, dtype=np.int64)
        quiet = max(
            [0, *(c.stable for c in calendars.values()), *ix.release.tolist()]
            + [t for a in arrivals for t, _ in a]
            + [s.lead_time for item in problem.items for s in item.suppliers]
        )
        resource_calendar = [
            None if r.calendar is None else calendars[r.calendar] for r in problem.resources
        ]
        return _Data(
            ix=ix,
            modes=modes,
            preds=preds,
            succs=succs,
            release=ix.release[ix.op_job].tolist(),
            resumable=resumable,
            family=family,
            needs=needs,
            consumes=consumes,
            produces=produces,
            machine_capacity=[m.capacity for m in problem.machines],
            machine_calendar=[
                None if m.calendar is None else calendars[m.calendar] for m in problem.machines
            ],
            setups=setups,
            resource_capacity=[r.capacity for r in problem.resources],
            resource_calendar=resource_calendar,
            stock=[item.stock for item in problem.items],
            arrivals=arrivals,
            suppliers=[
                [(s.lead_time, s.unit_cost, s.min_order_quantity) for s in item.suppliers]
                for item in problem.items
            ],
            producers=producers,
            units=units,
            unit_of=unit_of,
            work_left=work_left,
            ops_left=ops_left,
            week=week,
            quiet=quiet,
            resource_longest=[
                INFINITY if c is None else _longest_window(c) for c in resource_calendar
            ],
        )


def _longest_window(calendar: _Windows) -> int:
    """The longest span of working time `calendar` ever has; INFINITY when it may not end.

    Windows repeat weekly after `stable` and are expanded past it by two weeks, so each window
    cut short at the expansion's end has a whole copy a week earlier, unless it is longer than
    a week (a calendar that never stops).
    """
    longest = 0
    for a, b in zip(calendar.starts, calendar.ends, strict=True):
        if b >= calendar.until:
            if a < calendar.stable + calendar.week:
                return INFINITY
            continue
        longest = max(longest, b - a)
    return longest


def _totals(items: dict[str, int], flows: Iterable[ItemQuantity]) -> list[tuple[int, int]]:
    """(item, quantity) with an item listed twice summed."""
    total: dict[int, int] = {}
    for flow in flows:
        item = items[flow.item_id]
        total[item] = total.get(item, 0) + flow.quantity
    return list(total.items())


def _units(
    ix: ProblemIndex, preds: list[list[tuple[int, int, int]]]
) -> tuple[list[list[int]], list[int]]:
    """The placement units: operations tied by maximum lags are placed together, as a block.

    A block is closed under "lies on a routing path between two members", so that the blocks
    form a DAG and a block never waits for an operation that waits for it.
    """
    units: list[list[int]] = []
    job_start = ix.job_start.tolist()
    topological = ix.topological.tolist()
    for j in range(ix.n_jobs):
        base, stop = job_start[j], job_start[j + 1]
        order_topo = topological[base:stop]
        tied = [(p, o) for o in range(base, stop) for p, _, mx in preds[o] if mx >= 0]
        if not tied:
            units.extend([o] for o in order_topo)
            continue
        ancestors = dict.fromkeys(range(base, stop), 0)
        for o in order_topo:
            for p, _, _ in preds[o]:
                ancestors[o] |= ancestors[p] | 1 << (p - base)
        descendants = dict.fromkeys(range(base, stop), 0)
        for o in reversed(order_topo):
            for p, _, _ in preds[o]:
                descendants[p] |= descendants[o] | 1 << (o - base)
        blocks = [1 << (p - base) | 1 << (o - base) for p, o in tied]
        changed = True
        while changed:
            changed = False
            merged: list[int] = []
            for block in blocks:
                members = [base + k for k in range(stop - base) if block >> k & 1]
                up = down = block
                for o in members:
                    up |= ancestors[o]
                    down |= descendants[o]
                hull = block | (up & down)
                for other in merged[:]:
                    if other & hull:
                        merged.remove(other)
                        hull |= other
                changed |= hull != block
                merged.append(hull)
            changed |= len(merged) != len(blocks)
            blocks = merged
        in_block = 0
        for block in blocks:
            in_block |= block
        block_of_first = {}
        for block in blocks:
            first = next(o for o in order_topo if block >> (o - base) & 1)
            block_of_first[first] = [o for o in order_topo if block >> (o - base) & 1]
        for o in order_topo:
            if o in block_of_first:
                units.append(block_of_first[o])
            elif not in_block >> (o - base) & 1:
                units.append([o])
    unit_of = [0] * ix.n_operations
    for u, members in enumerate(units):
        for o in members:
            unit_of[o] = u
    return units, unit_of


# --------------------------------------------------------------------------------------------------
# One run


@dataclass(frozen=True, slots=True)
class _Placement:
    start: int
    end: int
    machine: int
    resources: tuple[int, ...]
    setup_time: int


@dataclass(eq=False)
class _Run:
    data: _Data
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    machine: list[int] = field(default_factory=list)
    resources: list[tuple[int, ...]] = field(default_factory=list)
    placed: bytearray = field(default_factory=bytearray)
    machine_use: list[_Profile] = field(default_factory=list)
    machine_last: list[list[tuple[int, int]]] = field(default_factory=list)
    """Per machine with setups: a stack of (end, family) of its operations, appended in order;
    family -1: none; the bottom (0, -2) stands for the idle machine before its first one."""
    resource_use: list[_Profile] = field(default_factory=list)
    stocks: list[_Stock] = field(default_factory=list)
    unplaced_producers: list[int] = field(default_factory=list)
    purchases: list[Purchase] = field(default_factory=list)
    bought: list[int] = field(default_factory=list)
    """Per operation: how many purchases its placement added (popped again on undo)."""
    deadline: Deadline | None = None
    busy: int = 0
    """The latest end ever committed: after it (and `data.quiet`) every machine, resource and
    stock is idle for good, so only the weekly calendars still change from one start to the next."""
    preferred: list[int] | None = None
    """Per operation, a machine it should stay on (-1: none); another machine counts as ending
    `MACHINE_CHANGE_TICKS` later in `probe` (a repair keeps the released machines)."""

    def __post_init__(self) -> None:
        d = self.data
        n = d.ix.n_operations
        self.start, self.end, self.machine = [0] * n, [0] * n, [0] * n
        self.resources = [()] * n
        self.placed = bytearray(n)
        self.bought = [0] * n
        self.machine_use = [_Profile() for _ in d.machine_capacity]
        self.machine_last = [[(0, -2)] for _ in d.machine_capacity]
        self.resource_use = [_Profile() for _ in d.resource_capacity]
        self.stocks = [_Stock(s, a) for s, a in zip(d.stock, d.arrivals, strict=True)]
        self.unplaced_producers = list(d.producers)

    # ---------------------------------------------------------------------------------- rules

    def poll(self) -> None:
        """Raise `_Expired` once the deadline has passed or the stop token is set."""
        if self.deadline is not None and self.deadline.expired:
            raise _Expired

    def earliest_ready(self, o: int) -> int:
        """Release and minimum lags after every (placed) predecessor."""
        t = self.data.release[o]
        for p, lag, _ in self.data.preds[o]:
            t = max(t, self.end[p] + lag)
        return t

    def _resource_step(self, r: int, t: int, end: int, work: int, units: int) -> int:
        calendar = self.data.resource_calendar[r]
        if calendar is not None:
            if end - t > self.data.resource_longest[r] + 1:
                # No window ever holds this span: stepping from window to window would run
                # until the calendar's expansion limit (minutes of work), to no avail. One tick
                # more: with a tick that does not divide a week, a window's rounded length
                # differs by one from week to week.
                return INFINITY
            nxt = calendar.contains(t, end)
            if nxt != t:
                return nxt
        return self.resource_use[r].earliest(t, end, work, units, self.data.resource_capacity[r])

    def _material_step(self, o: int, t: int) -> int:
        """`t` when every consumption of `o` at `t` is covered by stock, arrivals and production
        placed so far, or by a purchase arriving by `t`; else the earliest time it could be."""
        d = self.data
        for item, quantity in d.consumes[o]:
            stock = self.stocks[item]
            if stock.lowest_from(t) >= quantity:
                continue
            wait = stock.covered_from(quantity, t)
            lead = min((s[0] for s in d.suppliers[item]), default=INFINITY)
            buy = max(t, lead)
            if buy == t:
                continue
            return min(wait, buy)
        return t

    def _try_mode(self, o: int, m: int, work: int, t: int) -> _Placement | None:
        """The earliest placement of `o` on machine `m` at or after `t`: the fixpoint of the rules."""
        d = self.data
        setup_time = 0
        calendar = d.machine_calendar[m]
        resumable = d.resumable[o]
        rules = d.setups[m]
        capacity = d.machine_capacity[m]
        use = self.machine_use[m]
        needs = d.needs[o] if work > 0 else []
        if work > 0 and rules is not None:
            last_end, last_family = self.machine_last[m][-1]
            family = d.family[o]
            if family >= 0 and last_family != -1:
                setup_time = rules.get((last_family, family), 0)
            t = max(t, last_end + setup_time)
        chosen: list[int] = []
        # Past `limit` the rules repeat weekly (see `busy`): a start a week after the last idle
        # state found nothing has no later copy that fits. Two weeks allow for ticks that do
        # not divide a week.
        limit = max(t, self.busy, d.quiet) + 2 * d.week
        for step in range(_MAX_STEPS):
            if t > limit:
                return None
            if step % _POLL_STEPS == _POLL_STEPS - 1:
                self.poll()
            end = t + work
            if work > 0:
                if calendar is not None:
                    t, end = calendar.fit_resumable(t, work) if resumable else calendar.fit(t, work)
                    if t >= INFINITY:
                        return None
                if rules is None:
                    nxt = use.earliest(t, end, work, 1, capacity)
                    if nxt != t:
                        t = nxt
                        continue
            chosen.clear()
            blocked = -1
            for alternatives, units in needs:
                soonest = INFINITY
                for r in alternatives:
                    held = units + sum(
                        q for (_, q), c in zip(needs, chosen, strict=False) if c == r
                    )
                    nxt = self._resource_step(r, t, end, work, held)
                    if nxt == t:
                        chosen.append(r)
                        break
                    soonest = min(soonest, nxt)
                else:
                    blocked = soonest
                    break
            if blocked >= 0:
                t = blocked
                continue
            nxt = self._material_step(o, t)
            if nxt != t:
                t = nxt
                continue
            if work == 0:
                # An empty span holds nothing: the first alternatives are as good as any.
                chosen = [alternatives[0] for alternatives, _ in d.needs[o]]
            return _Placement(t, end, m, tuple(chosen), setup_time)
        return None

    def probe(self, o: int, t: int, want_end: int = 0) -> _Placement | None:
        """The best placement of `o` at or after `t`: the mode ending first (then starting first,
        then with the least setup, then listed first); with `want_end`, first the mode that ends
        closest to ending by then (a successor's maximum lag asks for a later end). A preferred
        machine (`preferred`) that can start at `t` itself wins outright."""
        best: _Placement | None = None
        best_key = (0, 0, 0, 0)
        keep = -1 if self.preferred is None else self.preferred[o]
        modes = self.data.modes[o]
        if keep >= 0 and not want_end:
            work = next((w for m, w in modes if m == keep), -1)
            placement = self._try_mode(o, keep, work, t) if work >= 0 else None
            if placement is not None and placement.start == t:
                return placement
        for m, work in modes:
            placement = self._try_mode(o, m, work, t)
            if placement is None:
                continue
            key = (
                max(0, want_end - placement.end),
                placement.end + (MACHINE_CHANGE_TICKS if 0 <= keep != m else 0),
                placement.start,
                placement.setup_time,
            )
            if best is None or key < best_key:
                best, best_key = placement, key
        return best

    # --------------------------------------------------------------------------- commit, undo

    def commit(self, o: int, placement: _Placement) -> None:
        d = self.data
        s, e, m = placement.start, placement.end, placement.machine
        self.start[o], self.end[o], self.machine[o] = s, e, m
        self.resources[o] = placement.resources
        self.placed[o] = 1
        self.busy = max(self.busy, e)
        if e > s:
            if d.setups[m] is not None:
                self.machine_last[m].append((e, d.family[o]))
            else:
                self.machine_use[m].add(s, e, 1)
            for (_, units), r in zip(d.needs[o], placement.resources, strict=True):
                self.resource_use[r].add(s, e, units)
        bought = 0
        for item, quantity in d.consumes[o]:
            stock = self.stocks[item]
            short = quantity - stock.lowest_from(s)
            if short > 0:
                self.purchases.append(_purchase(item, d.suppliers[item], short, s))
                stock.add(s, self.purchases[-1].quantity)
                bought += 1
            stock.add(s, -quantity)
        self.bought[o] = bought
        for item, quantity in d.produces[o]:
            self.stocks[item].add(e, quantity)
            self.unplaced_producers[item] -= 1

    def undo(self, o: int) -> None:
        """Take back the last placement (placements are undone in reverse order)."""
        d = self.data
        s, e, m = self.start[o], self.end[o], self.machine[o]
        self.placed[o] = 0
        if e > s:
            if d.setups[m] is not None:
                self.machine_last[m].pop()
            else:
                self.machine_use[m].add(s, e, -1)
            for (_, units), r in zip(d.needs[o], self.resources[o], strict=True):
                self.resource_use[r].add(s, e, -units)
        for item, quantity in d.produces[o]:
            self.stocks[item].add(e, -quantity)
            self.unplaced_producers[item] += 1
        for item, quantity in d.consumes[o]:
            self.stocks[item].add(s, quantity)
        for _ in range(self.bought[o]):
            purchase = self.purchases.pop()
            self.stocks[purchase.item].add(s, -purchase.quantity)
        self.bought[o] = 0

    def _take_back(self, placements: list[tuple[int, _Placement]]) -> None:
        for o, _ in reversed(placements):
            self.undo(o)

    # ------------------------------------------------------------------------------- units

    def waits_for_production(self, u: int) -> int:
        """An item some operation of unit `u` consumes that nothing placed yet can cover but an
        unplaced producer will; -1 when there is none."""
        d = self.data
        for o in d.units[u]:
            if self.placed[o]:
                continue  # pinned by a repair: its material is taken already
            for item, quantity in d.consumes[o]:
                if (
                    self.unplaced_producers[item] > 0
                    and self.stocks[item].level[-1] < quantity
                    and not any(i == item for i, _ in d.produces[o])
                ):
                    return item
        return -1

    def place_block(
        self, members: list[int], floor: int = 0, attempts: int = _BLOCK_ATTEMPTS
    ) -> bool:
        """Place a block of max-lag-linked operations in order, none starting before `floor`.
        When an operation would miss a maximum lag, its late predecessors must end no earlier
        than the lag allows (on a longer mode, or started later): placement goes back to the
        first of them, and this operation starts no earlier than now next time (one at a time,
        the branches of a join take turns pushing each other). False when it never fits.

        A predecessor aims at an end, not at a start delayed by the excess: on a calendar, a
        later start may move the end by much more than the delay (over a night or a weekend),
        and the successor then slips further still, without end.
        """
        want_end = dict.fromkeys(members, 0)
        start_at = dict.fromkeys(members, floor)
        position = {o: k for k, o in enumerate(members)}
        done: list[tuple[int, _Placement]] = []
        retries = attempts * len(members)
        k = 0
        while k < len(members):
            o = members[k]
            ready = max(self.earliest_ready(o), start_at[o])
            placement = self.probe_ending_by(o, ready, want_end[o])
            if placement is None:
                self._take_back(done)
                return False
            missed = [
                (p, placement.start - max_lag)
                for p, _, max_lag in self.data.preds[o]
                if max_lag >= 0 and placement.start > self.end[p] + max_lag
            ]
            if not missed:
                self.commit(o, placement)
                done.append((o, placement))
                k += 1
                continue
            retries -= 1
            if retries < 0:
                self._take_back(done)
                return False
            self.poll()
            start_at[o] = placement.start
            for p, end in missed:
                want_end[p] = max(want_end[p], end)
            k = min(position[p] for p, _ in missed)
            while len(done) > k:
                self.undo(done.pop()[0])
        return True

    def probe_ending_by(self, o: int, t: int, want_end: int) -> _Placement | None:
        """The best placement of `o` from the earliest start at or after `t` at which it ends at
        or after `want_end`; None when it never fits. A later start never ends earlier: the start
        moves by the remaining shortfall (exact when nothing is in the way) until the end is
        late enough, then bisection between the last two starts."""
        low = t
        placement = self.probe(o, low, want_end)
        for _ in range(_SHORTFALL_STEPS):
            if placement is None or placement.end >= want_end:
                return placement
            high = low + want_end - placement.end
            found = self.probe(o, high, want_end)
            if found is None or found.end >= want_end:
                break
            low, placement = high, found
        else:
            high = max(want_end, low + 1)
            found = self.probe(o, high, want_end)
        if found is None or found.end == want_end:
            return found
        while high - low > 1:
            middle = (low + high) // 2
            placement = self.probe(o, middle, want_end)
            if placement is not None and placement.end >= want_end:
                high, found = middle, placement
            else:
                low = middle
        return found


def _place_block_somewhere(run: _Run, members: list[int], week: int) -> bool:
    """Place a block at its earliest, members in topological order, else with its branches in
    the other order (see `_other_order`), else after everything placed so far, starting every 6
    hours over two days in turn, before giving up: the block then meets only the calendars, not
    the work around it, and an idle plant settles it in a few attempts."""
    orders = [members]
    other = _other_order(run.data, members)
    if other != members:
        orders.append(other)
    if any(run.place_block(order) for order in orders):
        return True
    quarter = max(1, week // 28)
    return any(
        run.place_block(order, run.busy + k * quarter, _IDLE_BLOCK_ATTEMPTS)
        for k in range(8)
        for order in orders
    )


def _other_order(data: _Data, members: list[int]) -> list[int]:
    """The members in another topological order: of those whose predecessors in the block are
    placed, the one listed last goes first. Two branches that share a machine, joined under
    maximum lags, often fit only one way round: the branch placed second ends nearer the join."""
    inside = set(members)
    position = {o: k for k, o in enumerate(members)}
    waiting = {o: sum(p in inside for p, _, _ in data.preds[o]) for o in members}
    ready = [-position[o] for o in members if waiting[o] == 0]
    heapify(ready)
    order: list[int] = []
    while ready:
        o = members[-heappop(ready)]
        order.append(o)
        for s in data.succs[o]:
            if s in inside:
                waiting[s] -= 1
                if waiting[s] == 0:
                    heappush(ready, -position[s])
    return order


def _purchase(item: int, suppliers: list[tuple[int, int, int]], short: int, start: int) -> Purchase:
    """Buy at least `short` to arrive by `start`: the cheapest supplier that makes it in time."""
    best: tuple[int, int, int] | None = None
    for k, (lead, unit_cost, moq) in enumerate(suppliers):
        if lead <= start:
            key = (unit_cost * max(short, moq), lead, k)
            if best is None or key < best:
                best = key
    assert best is not None, "the material rule only lets a shortfall through when buying helps"
    k = best[2]
    lead, _, moq = suppliers[k]
    return Purchase(
        item=item, supplier=k, quantity=max(short, moq), order_time=start - lead, arrival=start
    )


def _rank(data: _Data, rule: Rule) -> list[int]:
    """Rank of each operation under `rule` (lower first); ties fall to the lower index. EDD and
    slack read an order's due date as the earlier of its due date and its deadline."""
    ix = data.ix
    work = data.work_left
    # The earlier of the due date and the hard deadline: the deadline binds when it comes first.
    job_due = np.where(
        (ix.deadline >= 0) & ((ix.due < 0) | (ix.deadline < ix.due)), ix.deadline, ix.due
    )
    due = job_due[ix.op_job]
    no_due = due < 0
    keys: tuple[np.ndarray, ...]
    match rule:
        case Rule.MWKR | Rule.FIFO:
            keys = (-work,)
        case Rule.MOPNR:
            keys = (-data.ops_left, -work)
        case Rule.SPT:
            keys = (ix.min_duration, -work)
        case Rule.LPT:
            keys = (-ix.min_duration, -work)
        case Rule.EDD:
            keys = (no_due, due, -work)
        case Rule.SLACK:
            keys = (no_due, due - work, -work)
        case Rule.WSPT:
            weight = ix.weight[ix.op_job]
            keys = (np.where(weight > 0, work / np.maximum(weight, 1), np.inf), -work)
    n = ix.n_operations
    order = np.lexsort((np.arange(n), *reversed(keys)))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank.tolist()


def _generate(
    data: _Data,
    rank: list[int],
    deadline: Deadline | None,
    boost: list[int] | None = None,
    run: _Run | None = None,
) -> Schedule | None:
    """One serial generation: the ready unit with the earliest start goes first, then the one
    ranked first. `boost` (ticks per job) makes a job's units count as that much earlier, so a
    job that missed its deadline takes capacity before others that could start sooner. `run`,
    when given, holds operations already placed (a repair's pins): they stay as they are.

    Raises `_Expired` when `deadline` passes."""
    run = _Run(data, deadline=deadline) if run is None else run
    boosts = [0] * data.ix.n_jobs if boost is None else boost
    op_job = data.ix.op_job.tolist()
    units, unit_of = data.units, data.unit_of
    waiting = [0] * len(units)
    for u, members in enumerate(units):
        for o in members:
            if not run.placed[o]:
                waiting[u] += sum(
                    unit_of[p] != u and not run.placed[p] for p, _, _ in data.preds[o]
                )
    rekeys = [0] * len(units)
    forced = bytearray(len(units))
    heap: list[tuple[int, int, int]] = []
    blocked: dict[int, list[int]] = {}

    def push(u: int) -> None:
        first = next(o for o in units[u] if not run.placed[o])
        key = run.earliest_ready(first) - boosts[op_job[first]]
        heappush(heap, (key, min(rank[o] for o in units[u]), u))

    for u in range(len(units)):
        if waiting[u] == 0 and not all(run.placed[o] for o in units[u]):
            push(u)
    while heap or blocked:
        if not heap:
            # Every ready unit waits for production that cannot come first: buy instead, or fail.
            for stuck in blocked.values():
                for u in stuck:
                    forced[u] = 1
                    push(u)
            blocked.clear()
        run.poll()
        key, priority, u = heappop(heap)
        if not forced[u] and run.preferred is None:
            # (A repair keeps the released order: its materials were covered there.)
            item = run.waits_for_production(u)
            if item >= 0:
                blocked.setdefault(item, []).append(u)
                continue
        members = [o for o in units[u] if not run.placed[o]]
        if len(members) == 1:
            o = members[0]
            placement = run.probe(o, run.earliest_ready(o))
            if placement is None:
                return None
            true_key = placement.start - boosts[op_job[o]]
            if (
                true_key > key
                and rekeys[u] < _MAX_REKEYS
                and heap
                and (true_key, priority) > heap[0][:2]
            ):
                rekeys[u] += 1
                heappush(heap, (true_key, priority, u))
                continue
            run.commit(o, placement)
        elif not _place_block_somewhere(run, members, data.week):
            return None
        for o in members:
            for item, _ in data.produces[o]:
                for v in blocked.pop(item, ()):
                    push(v)
            for s in data.succs[o]:
                v = unit_of[s]
                if v != u and not run.placed[s]:
                    waiting[v] -= 1
                    if waiting[v] == 0:
                        push(v)
    if not all(run.placed):
        return None
    ix = data.ix
    operations = tuple(
        ScheduledOperation(j, k, m, s, e, r)
        for j, k, m, s, e, r in zip(
            ix.op_job.tolist(),
            ix.op_position.tolist(),
            run.machine,
            run.start,
            run.end,
            run.resources,
            strict=True,
        )
    )
    return Schedule(operations, tuple(run.purchases))


# --------------------------------------------------------------------------------------------------
# Entry points


def factory_dispatch(
    problem: Problem, rule: Rule = Rule.MWKR, *, deadline: Deadline | None = None
) -> Schedule | None:
    """A schedule honouring every hard rule except deadlines, built by serial generation with
    `rule` breaking ties between equally early operations; None when the heuristic cannot build
    one (maximum lags it cannot meet, a material nobody makes or sells, a calendar that never
    works long enough) or `deadline` passes first."""
    try:
        data = _Data.build(problem, deadline)
        return _generate(data, _rank(data, Rule(rule)), deadline)
    except _Expired:
        return None


class PinnedRepair:
    """Repairs a released plan after shop-floor events (the pins of a reschedule), fast.

    Pinned operations are placed first, exactly as pinned (machine, start, end, resources). The
    others go through the serial generation right-shifted: none starts before `pins.now` or its
    released start, the released start is its priority, and its released machine wins when it
    can start there at once, else counts as ending `MACHINE_CHANGE_TICKS` sooner than any other.
    An operation the events did not touch thus keeps its place, and the rest moves as little as
    the generation finds. The released purchases (`pins.warm_start.purchases`) stand; more are
    bought where stock runs short. Without `pins.reference` it is a fresh dispatch of the
    current state from `now`.

    The problem is flattened once, so several repairs of one problem (a promise tries a few)
    cost one generation each (about 0.1 s at 2,000 operations).
    """

    def __init__(self, problem: Problem, deadline: Deadline | None = None):
        """Raises `TimeoutError` when `deadline` passes while the problem is flattened."""
        try:
            self._data = _Data.build(problem, deadline)
        except _Expired:
            raise TimeoutError("the deadline passed before the repair could start") from None
        # Ties (equal released starts, or every start `now` without a released plan) go to the
        # rule the dispatcher would try first for this objective.
        self._tie = _rank(self._data, factory_rules_for(problem)[0])

    def repair(
        self,
        pins: Pins,
        deadline: Deadline | None = None,
        not_before: Mapping[int, int] | None = None,
    ) -> Schedule | None:
        """The repaired plan; None when the generation cannot place everything (the pins leave
        no room, a maximum lag it cannot meet) or `deadline` passes first. Not verified.
        `not_before` holds back operations without a released start (a promise's new order)
        until the tick given, as if released there."""
        data = self._data
        n = data.ix.n_operations
        floor = list(data.release)
        preferred = [-1] * n
        later = not_before or {}
        for o in range(n):
            if o in pins.fixed:
                continue
            floor[o] = max(floor[o], pins.now, later.get(o, 0))
            reference = pins.reference.get(o)
            if reference is not None:
                preferred[o] = reference[0]
                floor[o] = max(floor[o], reference[1])
        data = dataclasses.replace(data, release=floor, quiet=max(data.quiet, *floor, 0))
        # Without a released plan to follow it is a plain generation (waiting for production).
        run = _Run(data, deadline=deadline, preferred=preferred if pins.reference else None)
        for purchase in pins.warm_start.purchases if pins.warm_start is not None else ():
            run.purchases.append(purchase)
            run.stocks[purchase.item].add(purchase.arrival, purchase.quantity)
        for o, pin in sorted(pins.fixed.items(), key=lambda item: item[1].start):
            run.commit(o, _pinned(run, o, pin))
        tie = self._tie
        rank = sorted(range(n), key=lambda o: (floor[o], tie[o]))
        position = [0] * n
        for k, o in enumerate(rank):
            position[o] = k
        try:
            _place_tied_to_pins(run, rank)
            return _generate(data, position, deadline, run=run)
        except _Expired:
            return None


def _place_tied_to_pins(run: _Run, rank: list[int]) -> None:
    """Place first the operations tied by maximum lags to pinned ones (a block partly pinned):
    they have the least room of all, and on a machine with setups (sequenced in placement order)
    anything placed before them may take the only slot the lags leave. In `rank` order; a lag
    still missed is left to the verifier (the repair then yields no incumbent)."""
    data = run.data
    for o in rank:
        members = data.units[data.unit_of[o]]
        if run.placed[o] or all(not run.placed[m] for m in members):
            continue
        if all(run.placed[p] for p, _, _ in data.preds[o]):
            placement = run.probe(o, run.earliest_ready(o))
            if placement is not None:
                run.commit(o, placement)


def _pinned(run: _Run, o: int, pin: Pin) -> _Placement:
    """Where a pinned operation runs: as pinned; its end, when the pin has none, is its work
    from its start (across breaks when resumable); its resources, when the pin names none, the
    first that are free then."""
    d = run.data
    work = next(w for m, w in d.modes[o] if m == pin.machine)
    end = pin.end
    if end is None:
        end = pin.start + work
        calendar = d.machine_calendar[pin.machine]
        if calendar is not None and work > 0 and d.resumable[o]:
            end = calendar.fit_resumable(pin.start, work)[1]
    resources = pin.resources
    if resources is None:
        found = run._try_mode(o, pin.machine, work, pin.start)
        resources = (
            found.resources
            if found is not None and found.start == pin.start
            else tuple(alternatives[0] for alternatives, _ in d.needs[o])
        )
    return _Placement(pin.start, end, pin.machine, resources, 0)


def factory_rules_for(problem: Problem) -> tuple[Rule, ...]:
    """The rules `best_factory_dispatch` tries, likeliest winners for the objective first."""
    kinds = problem.objective.levels[0].terms
    main = max(kinds, key=lambda term: term.weight).kind
    due_kinds = {
        ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
        ObjectiveKind.MAX_WEIGHTED_TARDINESS,
        ObjectiveKind.MAX_LATENESS,
        ObjectiveKind.LATE_ORDERS,
        ObjectiveKind.WEIGHTED_EARLINESS,
    }
    has_deadline = bool((problem.index.deadline >= 0).any())
    has_due = has_deadline or bool((problem.index.due >= 0).any())
    rules: tuple[Rule, ...]
    if main in due_kinds or has_deadline:
        rules = (Rule.SLACK, Rule.EDD, Rule.MWKR, Rule.WSPT, Rule.MOPNR, Rule.SPT, Rule.FIFO)
    elif main is ObjectiveKind.WEIGHTED_COMPLETION:
        rules = (Rule.WSPT, Rule.SPT, Rule.MWKR, Rule.MOPNR, Rule.FIFO, Rule.SLACK, Rule.EDD)
    else:
        rules = (Rule.MWKR, Rule.MOPNR, Rule.LPT, Rule.SLACK, Rule.FIFO, Rule.SPT, Rule.EDD)
    if not has_due:
        rules = tuple(r for r in rules if r not in (Rule.EDD, Rule.SLACK))
    return rules


def best_factory_dispatch(
    problem: Problem,
    rules: Iterable[Rule] | None = None,
    *,
    budget_operations: int = DEFAULT_FACTORY_BUDGET_OPERATIONS,
    seconds: float = DEFAULT_FACTORY_SECONDS,
    deadline: Deadline | None = None,
) -> Schedule | None:
    """The best `factory_dispatch` schedule over several rules, repaired when it misses deadlines:
    fewest missed deadlines, then the objective's levels in order; None when no rule builds a
    schedule.

    Rules run in order (by default `factory_rules_for(problem)`) while the operations placed stay
    within `budget_operations`, then `_repair` rounds (when deadlines are missed) within as many
    again, all while the time spent plus the slowest run so far stays within `seconds`; the first
    rule always runs. Ties go to the earlier rule. When `deadline` passes (or its stop token is
    set) the best complete schedule so far comes back at once (None if there is none yet).
    """
    budget = _Budget(seconds)
    candidates = list(
        factory_rules_for(problem) if rules is None else dict.fromkeys(map(Rule, rules))
    )
    if not candidates:
        raise ValueError("best_factory_dispatch needs at least one rule")
    rule_runs = max(1, budget_operations // max(1, problem.index.n_operations))
    budget.runs = 2 * rule_runs
    found: list[_Found] = []
    try:
        data = _Data.build(problem, deadline)
        for k, rule in enumerate(candidates[:rule_runs]):
            if not budget.take():
                break
            rank = _rank(data, rule)
            schedule = _generate(data, rank, deadline)
            if schedule is not None:
                found.append((_quality(problem, schedule), k, schedule, rank))
        found.sort(key=lambda f: f[:2])
        if found and found[0][0][0] > 0:
            found.insert(0, _repair(problem, data, found, deadline, budget))
    except _Expired:
        found.sort(key=lambda f: f[:2])
    return found[0][2] if found else None


_Found = tuple[tuple[int, ...], int, Schedule, list[int]]
"""A schedule found: (its `_quality`, the index of its rule, itself, the rule's rank)."""


@dataclass(eq=False)
class _Budget:
    """What `best_factory_dispatch` may still spend: generations and wall-clock seconds."""

    seconds: float
    runs: int = 1
    begun: float = field(default_factory=time.monotonic)
    last: float = -1.0
    slowest: float = 0.0

    def take(self) -> bool:
        """Whether one more generation fits (then counted): a run left, and the time spent plus
        the slowest run so far within `seconds`. The first always fits."""
        now = time.monotonic()
        if self.last >= 0:
            self.slowest = max(self.slowest, now - self.last)
            if self.runs <= 0 or now - self.begun + self.slowest > self.seconds:
                return False
        self.runs -= 1
        self.last = now
        return True


_REPAIR_CHAIN = 12
"""Repair rounds from one rule's schedule before starting over from the next best one."""


def _repair(
    problem: Problem,
    data: _Data,
    found: list[_Found],
    deadline: Deadline | None,
    budget: _Budget,
) -> _Found:
    """Squeaky-wheel repair of missed deadlines (Joslin and Clements, JAIR 1999): each round,
    every order late in the last schedule gains priority worth its lateness (its units count as
    that much earlier in the generation), and the generation runs again with the same rule.
    Chains of `_REPAIR_CHAIN` rounds start from the rules' schedules, best first, until one
    meets every deadline or the budget is spent; the best schedule seen wins (ties keep the
    earlier one, so the result never gets worse than `found[0]`)."""
    deadlines = [-1 if o.deadline is None else o.deadline for o in problem.orders]
    best = found[0]
    starts: list[Schedule] = []
    try:
        for _, k, schedule, rank in list(found):
            if schedule in starts:
                # Rules often agree (slack and EDD when every order has a deadline): a chain
                # from the same schedule would only repeat itself.
                continue
            starts.append(schedule)
            boost = [0] * len(deadlines)
            current = schedule
            for _ in range(_REPAIR_CHAIN):
                if not budget.take():
                    return best
                completion = [0] * len(deadlines)
                for op in current.operations:
                    completion[op.job] = max(completion[op.job], op.end)
                for j, (done, due) in enumerate(zip(completion, deadlines, strict=True)):
                    if due >= 0 and done > due:
                        boost[j] += done - due
                attempt = _generate(data, rank, deadline, boost)
                if attempt is None:
                    break
                key = _quality(problem, attempt)
                if key < best[0]:
                    best = (key, k, attempt, rank)
                    if key[0] == 0:
                        return best
                current = attempt
    except _Expired:
        pass  # the best so far stands
    return best


def _quality(problem: Problem, schedule: Schedule) -> tuple[int, ...]:
    """(missed deadlines, objective value of each level): lower is better."""
    kpis = evaluate(problem, schedule)
    missed = sum(
        order.deadline is not None and kpi.completion > order.deadline
        for order, kpi in zip(problem.orders, kpis.orders, strict=True)
    )
    return (missed, *objective_values(problem, kpis))


__all__ = [
    "DEFAULT_FACTORY_BUDGET_OPERATIONS",
    "DEFAULT_FACTORY_SECONDS",
    "PinnedRepair",
    "best_factory_dispatch",
    "factory_dispatch",
    "factory_rules_for",
]
