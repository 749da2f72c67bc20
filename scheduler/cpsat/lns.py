"""Large-neighbourhood search around CP-SAT for plants too large for one monolithic model.

The model is built once around the incumbent, with the changeover circuits pruned to plausible
neighbours (`setups.plausible_successors`), and completed to a full assignment. Then, until the
deadline: pick a neighbourhood (a window of consecutive operations by start time, the same on one
machine group, or a few orders), fix every other operation's start, end, machine and resources
to the incumbent's, and let CP-SAT re-optimise the rest (and every purchase) from the incumbent as
a complete hint, within a short time limit. A better schedule is verified and becomes the
incumbent. Lexicographic objectives are improved level by level: a level is minimised with the
earlier ones held at their current values, so no level ever gets worse.

This is the relax-and-fix LNS of Shaw (1998) and Pisinger & Ropke (2010), with CP-SAT as the
repair operator; the window size adapts (grows after a neighbourhood solved to optimality,
shrinks after one cut off by its time limit).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.cpsat.model import (
    BuildExpired,
    SchedulingModel,
    add_hint,
    build_model,
    complete_hint,
    schedule_from_values,
)
from scheduler.cpsat.objective import hold_level
from scheduler.cpsat.runner import run
from scheduler.cpsat.setups import plausible_successors
from scheduler.problem import Problem
from scheduler.schedule import Purchase, Schedule
from scheduler.stop import Deadline
from scheduler.verify import check

OnImprovement = Callable[[tuple[int, ...], int, Schedule], None]
"""Called on each accepted move with the new schedule's objective levels, the level being
improved and the (verified) schedule."""

FIRST_SIZE = 60
"""Operations freed by the first neighbourhood; adapted between MIN_SIZE and MAX_SIZE."""
MIN_SIZE, MAX_SIZE = 20, 1500
NEIGHBOURHOOD_SECONDS = 3.0
"""Time limit of one neighbourhood's search (less when less is left)."""
BUILD_SECONDS_PER_MODE = 0.6e-3
"""About what building the pruned model takes per mode on two shared cores (plant-2000: 9,763
modes, 5-6.5 s); a model that would take more than half the time left is not built."""
COMPLETION_SECONDS = 10.0
"""At most this long (and a third of the time left) to extend the incumbent to a full hint."""


@dataclass
class LnsOutcome:
    """What the search did: the best verified schedule and how it got there."""

    schedule: Schedule
    levels: tuple[int, ...]
    """The verifier's objective levels of `schedule`."""
    neighbourhoods: int = 0
    """Neighbourhoods searched by CP-SAT (0: CP-SAT never ran)."""
    accepted: int = 0
    """Of those, how many improved the incumbent."""
    build_time: float = 0.0
    """Seconds to build the pruned model and complete the hint."""
    purchases_replanned: bool = False
    """`replan_purchases` improved the incumbent before any neighbourhood."""
    reason: str = ""
    """Why no neighbourhood was searched, when none was."""
    history: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    """(seconds since the search began, levels) of each accepted schedule."""


def improve(
    problem: Problem,
    incumbent: Schedule,
    deadline: Deadline,
    *,
    workers: int = 1,
    seed: int = 0,
    lower_bounds: tuple[int, ...] | None = None,
    on_improvement: OnImprovement | None = None,
    levels: tuple[int, ...] | None = None,
) -> LnsOutcome:
    """Improve the verified `incumbent` of `problem` until `deadline` (or its stop token).

    A level that reaches its entry of `lower_bounds` (proven lower bounds per level) is optimal:
    the search moves on to the next. Every accepted schedule passes `verify.check`. `levels`
    are the incumbent's objective levels when the caller has verified it already.
    """
    began = time.perf_counter()
    if levels is None:
        levels = tuple(check(problem, incumbent).levels)
    outcome = LnsOutcome(incumbent, levels)
    if deadline.expired:
        outcome.reason = "the time limit passed (or a stop came) before it could start"
        return outcome
    replanned = replan_purchases(problem, incumbent, deadline)
    if replanned is not None:
        levels = tuple(check(problem, replanned).levels)
        if levels < outcome.levels:
            outcome.schedule, outcome.levels = replanned, levels
            outcome.purchases_replanned = True
            outcome.accepted += 1
            outcome.history.append((time.perf_counter() - began, levels))
            if on_improvement is not None:
                on_improvement(levels, 0, replanned)
        incumbent = outcome.schedule
    machine, start, _ = incumbent.arrays(problem)
    starts, machines = start.tolist(), machine.tolist()
    estimate = BUILD_SECONDS_PER_MODE * len(problem.index.mode_machine)
    if estimate > deadline.remaining() / 2:
        outcome.reason = (
            f"its model would take about {estimate:.0f} s to build, more than half the time left"
        )
        return outcome
    try:
        makespan = _makespan(incumbent)
        sm = build_model(
            problem,
            incumbent_makespan=makespan,
            deadline=deadline,
            successors=plausible_successors(problem, starts, machines),
            # Neighbourhoods move operations a little: a horizon of years would only make the
            # calendar domains (and the build) large.
            horizon_cap=makespan + makespan // 4,
        )
    except BuildExpired:
        outcome.reason = "the time limit passed while the model was built"
        return outcome
    add_hint(sm, incumbent)
    limit = min(COMPLETION_SECONDS, deadline.remaining() / 3)
    completed = complete_hint(sm, limit, deadline)
    outcome.build_time = time.perf_counter() - began
    if not completed:
        outcome.reason = "the incumbent could not be extended to a full hint in time"
        return outcome
    values = list(sm.model.proto.solution_hint.values)
    sm.model.clear_hints()
    search = _Search(sm, random.Random(seed), workers)
    n_levels = len(problem.objective.levels)
    for level in range(n_levels):
        if isinstance(sm.objective.levels[level], int):
            continue  # a constant level (e.g. tardiness without due dates): nothing to improve
        # Each level its share of the time left; a level proven optimal hands it on.
        share = deadline.within(deadline.remaining() / (n_levels - level))
        while not share.expired:
            if lower_bounds is not None and outcome.levels[level] <= lower_bounds[level]:
                break
            free = search.neighbourhood(starts, machines)
            result = search.solve(free, values, level, outcome.levels, share)
            outcome.neighbourhoods += 1
            if result is None:
                continue
            schedule, new_values = result
            levels = tuple(check(problem, schedule).levels)
            if not _better(levels, outcome.levels, level):
                continue
            # The operations moved: the cheapest purchases for them may be cheaper still.
            replanned = replan_purchases(problem, schedule, deadline)
            if replanned is not None:
                replanned_levels = tuple(check(problem, replanned).levels)
                if replanned_levels < levels:
                    schedule, levels = replanned, replanned_levels
                    search.set_purchases(new_values, replanned)
            outcome.schedule, outcome.levels, values = schedule, levels, new_values
            outcome.accepted += 1
            outcome.history.append((time.perf_counter() - began, levels))
            machine, start, _ = schedule.arrays(problem)
            starts, machines = start.tolist(), machine.tolist()
            if on_improvement is not None:
                on_improvement(levels, level, schedule)
    return outcome


def _better(levels: tuple[int, ...], current: tuple[int, ...], level: int) -> bool:
    """`levels` improve `level` and keep every earlier level at most where it was."""
    return levels[level] < current[level] and all(levels[i] <= current[i] for i in range(level))


def _makespan(schedule: Schedule) -> int:
    return max((op.end for op in schedule.operations), default=0)


class _Search:
    """The neighbourhoods and their CP-SAT runs over one built model."""

    def __init__(self, sm: SchedulingModel, rng: random.Random, workers: int):
        self.sm = sm
        self.rng = rng
        self.workers = workers
        self.size = FIRST_SIZE
        problem = sm.problem
        ix = problem.index
        v = sm.ops
        # The variables that pin one operation: start, end (when a variable), machine and
        # resource choices.
        self.pinned: list[list[int]] = []
        for o in range(ix.n_operations):
            indices = [v.start[o].index]
            end = v.end[o]
            if isinstance(end, cp_model.IntVar):
                indices.append(end.index)
            for k in ix.modes(o):
                literal = v.mode_presence[k]
                if literal is not None:
                    indices.append(literal.index)
            for alternatives in v.resource_choice.get(o, ()):
                indices.extend(lit.index for _, lit in alternatives if lit is not None)
            self.pinned.append(indices)
        # Purchases stay as they are in a neighbourhood (with them free, CP-SAT's bound is weak
        # and the search slow); `replan_purchases` re-plans them exactly after each move.
        self.purchases = [
            (
                slot.item,
                slot.supplier,
                slot.presence.index,
                slot.quantity.index,
                slot.order_time.index,
            )
            for slot in v.purchases
        ]
        self.machine_group = [
            frozenset(int(ix.mode_machine[k]) for k in ix.modes(o)) for o in range(ix.n_operations)
        ]
        self.setup_groups = [
            g for g in self.machine_group if any(problem.machines[m].setups for m in g)
        ]
        self.op_job = ix.op_job.tolist()
        self.job_ops = [
            list(range(int(ix.job_start[j]), int(ix.job_start[j + 1]))) for j in range(ix.n_jobs)
        ]

    def set_purchases(self, values: list[int], schedule: Schedule) -> None:
        """Make the purchase slots in the full assignment `values` those of `schedule`."""
        placed = {(p.item, p.supplier): p for p in schedule.purchases}
        for item, supplier, presence, quantity, order_time in self.purchases:
            p = placed.get((item, supplier))
            values[presence] = int(p is not None)
            values[quantity] = 0 if p is None else p.quantity
            values[order_time] = 0 if p is None else p.order_time

    def neighbourhood(self, starts: list[int], machines: list[int]) -> set[int]:
        """Operations to free: by start time, all of them or those of one machine group; or
        whole orders."""
        n = len(starts)
        size = min(self.size, n)
        kind = self.rng.random()
        ranked = sorted(range(n), key=lambda o: (starts[o], o))
        if kind < 0.5:
            first = self.rng.randrange(0, n - size + 1)
            return set(ranked[first : first + size])
        if kind < 0.8:
            # Mostly machines with changeovers: where sequencing saves setup time and cost.
            groups = self.setup_groups if self.setup_groups and kind < 0.7 else self.machine_group
            group = groups[self.rng.randrange(len(groups))]
            mine = [o for o in ranked if machines[o] in group]
            first = self.rng.randrange(0, max(1, len(mine) - size + 1))
            return set(mine[first : first + size])
        free: set[int] = set()
        jobs = list(range(len(self.job_ops)))
        self.rng.shuffle(jobs)
        for j in jobs:
            if len(free) >= size:
                break
            free.update(self.job_ops[j])
        return free

    def solve(
        self,
        free: set[int],
        values: list[int],
        level: int,
        current: tuple[int, ...],
        deadline: Deadline,
    ) -> tuple[Schedule, list[int]] | None:
        """Re-optimise `free` (the rest fixed at `values`) for `level`; the schedule and full
        assignment when CP-SAT found one at least as good, else None. Adapts the size."""
        sm = self.sm
        sub = cp_model.CpModel()
        sub.proto.copy_from(sm.model.proto)
        variables = sub.proto.variables
        fixed = [i for o, indices in enumerate(self.pinned) if o not in free for i in indices]
        fixed.extend(i for slot in self.purchases for i in slot[2:])
        for i in fixed:
            domain = variables[i].domain
            domain.clear()
            domain.extend([values[i], values[i]])
        for earlier in range(level):
            hold_level(sub, sm.objective, earlier, current[earlier])
        expression = sm.objective.levels[level]
        assert not isinstance(expression, int), "improve skips constant levels"
        sub.minimize(expression)
        sub.add(expression <= current[level])
        hint = sub.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
        parameters = {
            "max_time_in_seconds": NEIGHBOURHOOD_SECONDS,
            "num_workers": self.workers,
            "random_seed": self.rng.randrange(2**31),
            "catch_sigint_signal": False,
            # Measured on plant-2000: probing the whole (mostly fixed) model took 2.6 s of a
            # 3 s neighbourhood; without it presolve still removes the fixed part in 0.6 s.
            "cp_model_probing_level": 0,
        }
        solver, status = run(sub, parameters, deadline)
        if status == cp_model.OPTIMAL:
            self.size = min(MAX_SIZE, int(self.size * 1.25) + 1)
        elif status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            self.size = max(MIN_SIZE, int(self.size * 0.8))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return schedule_from_values(sm, solver), list(solver.response_proto.solution)


PURCHASE_SECONDS = 5.0
"""At most this long for `replan_purchases` (a small model: it takes milliseconds)."""


def replan_purchases(problem: Problem, schedule: Schedule, deadline: Deadline) -> Schedule | None:
    """`schedule` with the cheapest purchases that keep every item's level non-negative with its
    operations where they are; None when no purchases are needed, or none were found in time.

    With the operations fixed, each purchase best arrives as early as it can (placed at tick 0: a
    purchase is never penalised for arriving early) and one per supplier suffices (see
    `materials.py`); what remains is how much to buy from whom: per item and supplier a quantity,
    0 or at least the minimum order quantity, such that at each consumption the purchases that
    have arrived by then cover the item's shortfall. A dispatching rule buys just in time from the
    fastest supplier; this buys the same need from the cheapest that can deliver in time.
    """
    ix = problem.index
    item_of_id = {item.id: i for i, item in enumerate(problem.items)}
    _machine, start, end = schedule.arrays(problem)
    starts, ends = start.tolist(), end.tolist()
    events: dict[int, list[tuple[int, int]]] = defaultdict(list)
    o = 0
    for order in problem.orders:
        for operation in order.operations:
            for flow in operation.consumes:
                events[item_of_id[flow.item_id]].append((starts[o], -flow.quantity))
            for flow in operation.produces:
                events[item_of_id[flow.item_id]].append((ends[o], flow.quantity))
            o += 1
    assert o == ix.n_operations
    for po in problem.purchase_orders:
        events[item_of_id[po.item_id]].append((po.arrival, po.quantity))
    model = cp_model.CpModel()
    slots: list[tuple[int, int, cp_model.IntVar]] = []
    cost: list[cp_model.LinearExprT] = []
    for i, item in enumerate(problem.items):
        if not item.suppliers or not any(q < 0 for _, q in events.get(i, ())):
            continue
        shortfall = _shortfalls(item.stock, events[i])
        if not shortfall:
            continue
        most = max(shortfall.values())
        bought: list[tuple[int, cp_model.IntVar]] = []
        for s, supplier in enumerate(item.suppliers):
            least = supplier.min_order_quantity
            domain = cp_model.Domain.from_intervals([[0, 0], [least, max(least, most)]])
            quantity = model.new_int_var_from_domain(domain, f"q{i}_{s}")
            bought.append((supplier.lead_time, quantity))
            slots.append((i, s, quantity))
            cost.append(supplier.unit_cost * quantity)
        for t, need in shortfall.items():
            model.add(sum(q for lead, q in bought if lead <= t) >= need)
    if not slots:
        return None
    model.minimize(sum(cost))
    parameters = {"max_time_in_seconds": PURCHASE_SECONDS, "num_workers": 1}
    solver, status = run(model, parameters, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    purchases = [
        Purchase(
            item=i,
            supplier=s,
            quantity=solver.value(quantity),
            order_time=0,
            arrival=problem.items[i].suppliers[s].lead_time,
        )
        for i, s, quantity in slots
        if solver.value(quantity) > 0
    ]
    purchases.sort(key=lambda p: (p.order_time, p.item, p.supplier))
    return dataclasses.replace(schedule, purchases=tuple(purchases))


def _shortfalls(stock: int, events: list[tuple[int, int]]) -> dict[int, int]:
    """Per tick at which the level (stock plus the changes at or before it) is negative: by how
    much, when nothing is bought."""
    level = stock
    found: dict[int, int] = {}
    by_time: dict[int, int] = defaultdict(int)
    for t, change in events:
        by_time[t] += change
    for t in sorted(by_time):
        level += by_time[t]
        if level < 0:
            found[t] = -level
    return found
