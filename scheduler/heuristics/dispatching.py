"""Priority-rule dispatching: a feasible schedule in milliseconds, even at 50,000 operations.

Non-delay serial schedule generation. Machines, not operations, sit in the event heap: each
machine is keyed by the earliest time it can start one of the operations queued for it, and the
earliest machine takes the queued operation its rule ranks first. Waiting operations are parked in
per-machine queues, so a busy machine does not make its whole queue churn through the event heap.

Why time is monotone: machines leave the heap in non-decreasing key order and every operation placed
at key `t` starts at or after `t`, so no operation that arrives later can be ready before `t`. That
is what lets a machine's ready time be advanced to the current time without losing idle gaps.

A `Deadline` (time limit and stop token) is polled every `_POLL_EVENTS` machine events and between
rules; once it has passed, the best complete schedule so far comes back.

This module must never import ortools: it is the fallback when the solver is absent or fails.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from enum import StrEnum
from heapq import heappop, heappush
from typing import overload

import numpy as np

from scheduler.problem import ObjectiveKind, Problem, ProblemIndex
from scheduler.schedule import Schedule
from scheduler.stop import Deadline

_POLL_EVENTS = 1024
"""Machine events between two looks at the deadline (an event costs a few microseconds)."""


class _Expired(Exception):
    """A heuristic run's deadline passed: the run is abandoned, the caller keeps what it has."""


class Rule(StrEnum):
    """Which ready operation a free machine takes; ties fall to the lower flat operation index."""

    MWKR = "mwkr"
    """Most work remaining in the job (this operation included): the classic makespan rule."""
    MOPNR = "mopnr"
    """Most operations remaining in the job, then most work remaining."""
    SPT = "spt"
    """Shortest processing time of the operation."""
    LPT = "lpt"
    """Longest processing time of the operation."""
    EDD = "edd"
    """Earliest due date of the job; jobs without one last."""
    SLACK = "slack"
    """Least slack: due date minus remaining work; jobs without a due date last."""
    WSPT = "wspt"
    """Smallest remaining work per unit of order weight (Smith's rule); weight-0 orders last."""
    FIFO = "fifo"
    """First come, first served: the operation whose job became ready earliest."""


# Ranked by how well each rule tends to serve the objective, so a budget that allows only a few
# runs on a large instance spends them on the likeliest winners.
_RULES_FOR: dict[ObjectiveKind, tuple[Rule, ...]] = {
    ObjectiveKind.MAKESPAN: (
        Rule.MWKR,
        Rule.MOPNR,
        Rule.LPT,
        Rule.FIFO,
        Rule.SLACK,
        Rule.SPT,
        Rule.EDD,
        Rule.WSPT,
    ),
    ObjectiveKind.TOTAL_WEIGHTED_TARDINESS: (
        Rule.SLACK,
        Rule.EDD,
        Rule.MWKR,
        Rule.WSPT,
        Rule.SPT,
        Rule.MOPNR,
        Rule.FIFO,
        Rule.LPT,
    ),
    ObjectiveKind.WEIGHTED_COMPLETION: (
        Rule.WSPT,
        Rule.SPT,
        Rule.MWKR,
        Rule.FIFO,
        Rule.MOPNR,
        Rule.SLACK,
        Rule.EDD,
        Rule.LPT,
    ),
}

DEFAULT_BUDGET_OPERATIONS = 50_000
"""Operations `best_dispatch` schedules in total across rules: every rule up to ~6,000 operations,
one rule past 25,000 (a rule costs 2-5 µs per operation)."""


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(machine, start, end) per flat operation (see `ProblemIndex`)."""


@overload
def dispatch(problem: Problem, rule: Rule, *, deadline: None = None) -> Schedule: ...
@overload
def dispatch(problem: Problem, rule: Rule, *, deadline: Deadline) -> Schedule | None: ...
def dispatch(problem: Problem, rule: Rule, *, deadline: Deadline | None = None) -> Schedule | None:
    """A feasible schedule built by non-delay dispatching with `rule`; None when `deadline`
    passes (or its stop token is set) first."""
    try:
        machine, start, end = _dispatch(problem, Rule(rule), deadline)
    except _Expired:
        return None
    return Schedule.from_arrays(problem, machine, start, end)


def dispatch_arrays(problem: Problem, rule: Rule) -> Arrays:
    """(machine, start, end) per flat operation (see `ProblemIndex`) of `dispatch`."""
    return _dispatch(problem, Rule(rule), None)


def _dispatch(problem: Problem, rule: Rule, deadline: Deadline | None) -> Arrays:
    ix = problem.index
    return _generate(ix, _rank(ix, rule), fifo=rule is Rule.FIFO, deadline=deadline)


def rules_for(problem: Problem) -> tuple[Rule, ...]:
    """The rules worth trying on `problem`, likeliest winners for its objective first.

    A multi-term objective is ranked by its heaviest term, the first of equals.
    """
    main = max(problem.objective.terms, key=lambda term: term.weight).kind
    rules = _RULES_FOR[main]
    if (problem.index.due < 0).all():
        # Without due dates EDD and SLACK rank exactly as MWKR does: running them is wasted budget.
        rules = tuple(rule for rule in rules if rule not in (Rule.EDD, Rule.SLACK))
    return rules


@overload
def best_dispatch(
    problem: Problem,
    rules: Iterable[Rule] | None = None,
    *,
    budget_operations: int = DEFAULT_BUDGET_OPERATIONS,
    deadline: None = None,
) -> Schedule: ...
@overload
def best_dispatch(
    problem: Problem,
    rules: Iterable[Rule] | None = None,
    *,
    budget_operations: int = DEFAULT_BUDGET_OPERATIONS,
    deadline: Deadline,
) -> Schedule | None: ...
def best_dispatch(
    problem: Problem,
    rules: Iterable[Rule] | None = None,
    *,
    budget_operations: int = DEFAULT_BUDGET_OPERATIONS,
    deadline: Deadline | None = None,
) -> Schedule | None:
    """The dispatch schedule with the lowest objective over several rules.

    Rules run in the given order (by default `rules_for(problem)`) until the next run would take
    the operations scheduled past `budget_operations`; the first rule always runs. Ties go to the
    earlier rule, so the result is deterministic. When `deadline` passes (or its stop token is
    set) the best schedule so far comes back at once: None when the first rule was not done.
    """
    arrays = _best_dispatch(problem, rules, budget_operations, deadline)
    return None if arrays is None else Schedule.from_arrays(problem, *arrays)


def best_dispatch_arrays(
    problem: Problem,
    rules: Iterable[Rule] | None = None,
    *,
    budget_operations: int = DEFAULT_BUDGET_OPERATIONS,
) -> Arrays:
    """(machine, start, end) per flat operation of `best_dispatch`."""
    arrays = _best_dispatch(problem, rules, budget_operations, None)
    assert arrays is not None, "only a deadline ends the search before the first rule"
    return arrays


def _best_dispatch(
    problem: Problem,
    rules: Iterable[Rule] | None,
    budget_operations: int,
    deadline: Deadline | None,
) -> Arrays | None:
    ix = problem.index
    candidates = list(rules_for(problem) if rules is None else dict.fromkeys(map(Rule, rules)))
    if not candidates:
        raise ValueError("best_dispatch needs at least one rule")
    runs = max(1, budget_operations // max(1, ix.n_operations))
    best: Arrays | None = None
    best_value = 0
    for rule in candidates[:runs]:
        try:
            arrays = _dispatch(problem, rule, deadline)
        except _Expired:
            break
        value = objective_of_ends(problem, arrays[2])
        if best is None or value < best_value:
            best, best_value = arrays, value
    return best


def objective_of_ends(problem: Problem, end: np.ndarray) -> int:
    """`objective_value(problem, evaluate(problem, schedule))` from the end time of each operation.

    Vectorised because `evaluate` builds per-order KPI models, too slow to call per rule at 50,000
    operations; sums stay in Python integers because weighted sums can pass 2**63.
    """
    ix = problem.index
    completion = np.maximum.reduceat(np.asarray(end, dtype=np.int64), ix.job_start[:-1])
    weights = ix.weight.tolist()
    total = 0
    for term in problem.objective.terms:
        match term.kind:
            case ObjectiveKind.MAKESPAN:
                value = int(completion.max(initial=0))
            case ObjectiveKind.TOTAL_WEIGHTED_TARDINESS:
                tardy = np.where(ix.due >= 0, np.maximum(completion - ix.due, 0), 0)
                value = sum(map(operator.mul, weights, tardy.tolist()))
            case ObjectiveKind.WEIGHTED_COMPLETION:
                value = sum(map(operator.mul, weights, completion.tolist()))
        total += term.weight * value
    return total


# --------------------------------------------------------------------------------------------------
# Priorities


def _remaining(ix: ProblemIndex) -> tuple[np.ndarray, np.ndarray]:
    """Work and operation count from each operation (included) to the end of its job.

    Work is the mean duration over an operation's modes: exact integers in a classic job shop, a
    float estimate of the load it will bring when the machine is yet to be chosen.
    """
    if ix.is_flexible():
        counts = np.diff(ix.mode_start)
        duration = np.add.reduceat(ix.mode_duration, ix.mode_start[:-1]) / counts
    else:
        duration = ix.mode_duration
    prefix = np.concatenate(([0], np.cumsum(duration)))
    job_end = ix.job_start[1:][ix.op_job]
    work = prefix[job_end] - prefix[:-1]
    ops_left = job_end - np.arange(ix.n_operations)
    return work, ops_left


def _ranks(*keys: np.ndarray) -> list[int]:
    """Rank of each operation under lexicographic `keys` (most significant first), index last."""
    n = len(keys[0])
    order = np.lexsort((np.arange(n), *reversed(keys)))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank.tolist()


def _rank(ix: ProblemIndex, rule: Rule) -> list[int]:
    work, ops_left = _remaining(ix)
    duration = ix.min_duration
    due = ix.due[ix.op_job]
    no_due = due < 0
    match rule:
        case Rule.MWKR | Rule.FIFO:
            return _ranks(-work)
        case Rule.MOPNR:
            return _ranks(-ops_left, -work)
        case Rule.SPT:
            return _ranks(duration, -work)
        case Rule.LPT:
            return _ranks(-duration, -work)
        case Rule.EDD:
            return _ranks(no_due, due, -work)
        case Rule.SLACK:
            return _ranks(no_due, due - work, -work)
        case Rule.WSPT:
            weight = ix.weight[ix.op_job]
            ratio = np.where(weight > 0, work / np.maximum(weight, 1), np.inf)
            return _ranks(ratio, -work)


# --------------------------------------------------------------------------------------------------
# Schedule generation


def _generate(
    ix: ProblemIndex, rank: Sequence[int], *, fifo: bool, deadline: Deadline | None
) -> Arrays:
    """Non-delay serial generation; `fifo` ranks by job ready time first, then by `rank`.

    Raises `_Expired` when `deadline` passes."""
    n = ix.n_operations
    n_machines = ix.n_machines
    mode_start = ix.mode_start.tolist()
    mode_machine = ix.mode_machine.tolist()
    mode_duration = ix.mode_duration.tolist()
    min_duration = ix.min_duration.tolist()
    op_job = ix.op_job.tolist()
    job_end = ix.job_start[1:].tolist()
    flexible = ix.is_flexible()

    out_machine = [0] * n
    out_start = [0] * n
    out_end = [0] * n
    ready = [0] * n  # when the operation's job reached it
    # A flexible operation stays queued on its other machines; they drop it lazily once done.
    done = bytearray(n)

    machine_ready = [0] * n_machines
    # Operations queued on a machine: `pending` (job not yet ready at the machine's ready time),
    # keyed (ready, priority, op); `available` (could start at the machine's ready time), keyed
    # (priority, op). Invariant: every operation in `available[m]` has ready <= machine_ready[m].
    pending: list[list[tuple[int, int, int]]] = [[] for _ in range(n_machines)]
    available: list[list[tuple[int, int]]] = [[] for _ in range(n_machines)]
    # The key of each machine's one live entry in `events`; other entries for it are stale.
    machine_key: list[int | None] = [None] * n_machines
    events: list[tuple[int, int]] = []

    def arrive(o: int, at: int) -> None:
        """Operation `o` becomes ready at `at`: queue it (or, if it takes no time, place it)."""
        last = job_end[op_job[o]]
        # Zero-length operations never block a machine, so they run the moment their job reaches
        # them; only the routing orders them.
        while min_duration[o] == 0:
            e = mode_start[o]
            while mode_duration[e]:
                e += 1
            out_machine[o] = mode_machine[e]
            out_start[o] = out_end[o] = at
            done[o] = 1
            o += 1
            if o == last:
                return
        ready[o] = at
        priority = at * n + rank[o] if fifo else rank[o]
        for e in range(mode_start[o], mode_start[o + 1]):
            m = mode_machine[e]
            free = machine_ready[m]
            if at <= free:
                heappush(available[m], (priority, o))
                key = free
            else:
                heappush(pending[m], (at, priority, o))
                key = at
            current = machine_key[m]
            if current is None or key < current:
                machine_key[m] = key
                heappush(events, (key, m))

    def rekey(m: int) -> None:
        """Push machine `m`'s current key, or retire it when its queues hold nothing live."""
        queue = available[m]
        while queue and done[queue[0][1]]:
            heappop(queue)
        if queue:
            key = machine_ready[m]
        else:
            waiting = pending[m]
            while waiting and done[waiting[0][2]]:
                heappop(waiting)
            if not waiting:
                machine_key[m] = None
                return
            key = max(machine_ready[m], waiting[0][0])
        machine_key[m] = key
        heappush(events, (key, m))

    for j in range(ix.n_jobs):
        arrive(int(ix.job_start[j]), int(ix.release[j]))

    polled = 0
    while events:
        polled += 1
        if polled == _POLL_EVENTS:
            polled = 0
            if deadline is not None and deadline.expired:
                raise _Expired
        t, m = heappop(events)
        if t != machine_key[m]:
            continue
        if machine_ready[m] > t:
            # Work placed here after the key was pushed (a flexible operation sent here by another
            # machine) pushed the machine back; a lazy key is only a lower bound.
            rekey(m)
            continue
        machine_ready[m] = t  # safe: nothing can arrive here ready before t any more
        queue = available[m]
        waiting = pending[m]
        while waiting and waiting[0][0] <= t:
            _, priority, o = heappop(waiting)
            if not done[o]:
                heappush(queue, (priority, o))
        while queue and done[queue[0][1]]:
            heappop(queue)
        if not queue:
            rekey(m)
            continue
        _, o = heappop(queue)

        target, begin, finish = m, t, 0
        if flexible and mode_start[o + 1] - mode_start[o] > 1:
            # The machine that freed up first picks the operation, but it runs where it finishes
            # earliest; ties go to the earlier start, then the picking machine, then the first mode.
            at = ready[o]
            best = None
            for e in range(mode_start[o], mode_start[o + 1]):
                other = mode_machine[e]
                s = max(at, machine_ready[other])
                candidate = (s + mode_duration[e], s, other != m)
                if best is None or candidate < best:
                    best, target, begin = candidate, other, s
            assert best is not None
            finish = best[0]
        else:
            finish = t + mode_duration[mode_start[o]]

        out_machine[o] = target
        out_start[o] = begin
        out_end[o] = finish
        done[o] = 1
        machine_ready[target] = finish
        if o + 1 < job_end[op_job[o]]:
            arrive(o + 1, finish)
        rekey(m)

    i64 = np.int64
    return (
        np.asarray(out_machine, dtype=i64),
        np.asarray(out_start, dtype=i64),
        np.asarray(out_end, dtype=i64),
    )


__all__ = [
    "DEFAULT_BUDGET_OPERATIONS",
    "Rule",
    "best_dispatch",
    "best_dispatch_arrays",
    "dispatch",
    "dispatch_arrays",
    "objective_of_ends",
    "rules_for",
]
