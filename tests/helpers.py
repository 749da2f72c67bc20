"""Tiny problem builders and a brute-force oracle shared by the tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from scheduler.problem import ObjectiveKind, Problem, parse_problem
from scheduler.schedule import Schedule, ScheduledOperation, evaluate, objective_values
from scheduler.verify import verify

CLASSIC_KINDS = (
    ObjectiveKind.MAKESPAN,
    ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
    ObjectiveKind.WEIGHTED_COMPLETION,
)
"""The objectives of the classic (job-shop) benchmarks, which the dispatching heuristics target."""

Modes = Sequence[tuple[int, int]]
"""Eligible (machine, duration) pairs of one operation."""


def make_problem(
    jobs: Sequence[Sequence[Modes]],
    *,
    machines: int | None = None,
    release: Sequence[int] | None = None,
    due: Sequence[int | None] | None = None,
    weight: Sequence[int] | None = None,
    objective: Any = "makespan",
) -> Problem:
    """A problem with machines m0.., orders j0.. and operations o0.. from nested (machine, duration)."""
    n_machines = machines or 1 + max(m for job in jobs for op in job for m, _ in op)
    orders = []
    for j, job in enumerate(jobs):
        order: dict[str, Any] = {
            "id": f"j{j}",
            "operations": [
                {"id": f"o{k}", "machines": [{"machine_id": f"m{m}", "duration": d} for m, d in op]}
                for k, op in enumerate(job)
            ],
        }
        if release is not None:
            order["release"] = release[j]
        if due is not None and due[j] is not None:
            order["due"] = due[j]
        if weight is not None:
            order["weight"] = weight[j]
        orders.append(order)
    return parse_problem(
        {
            "machines": [{"id": f"m{i}"} for i in range(n_machines)],
            "orders": orders,
            "objective": objective,
        }
    )


def jobshop(jobs: Sequence[Sequence[tuple[int, int]]], **kwargs: Any) -> Problem:
    """A classical job shop: each operation has a single (machine, duration)."""
    return make_problem([[[op] for op in job] for job in jobs], **kwargs)


REGULAR_KINDS = frozenset(ObjectiveKind) - {ObjectiveKind.WEIGHTED_EARLINESS}
"""Kinds that never improve when an order completes later (setups and purchases are 0 here)."""


def brute_force_optimum(problem: Problem) -> int:
    """The optimal objective (of a single level) by enumeration (tiny problems only)."""
    assert len(problem.objective.levels) == 1
    return brute_force_levels(problem)[0]


def brute_force_levels(problem: Problem) -> tuple[int, ...]:
    """The lexicographically least per-level objective values, tolerances 0 (tiny problems only).

    Needs problems without setups, resources, calendars or materials (what `make_problem` builds).
    """
    return min(
        objective_values(problem, evaluate(problem, schedule)) for schedule in _candidates(problem)
    )


def _candidates(problem: Problem) -> Iterator[Schedule]:
    """Schedules among which an optimal one lies, for every level at once.

    For regular objectives, the semi-active schedules: each arises from appending operations,
    in start order, each at the earliest time its order and its machine allow; so enumerating all
    routing-respecting orders of operations and all machine choices reaches one that is no worse
    in every level at once. Earliness rewards waiting, so then every start time up to the latest
    due date plus all the work is tried, keeping the feasible schedules.
    """
    ops = [(j, k) for j, order in enumerate(problem.orders) for k in range(len(order.operations))]
    machine_of = {m.id: i for i, m in enumerate(problem.machines)}
    choices = [
        [
            (machine_of[mode.machine_id], mode.time(problem.orders[j].quantity))
            for mode in problem.orders[j].operations[k].machines
        ]
        for j, k in ops
    ]
    if not problem.objective.kinds <= REGULAR_KINDS:
        last = max(o.due or 0 for o in problem.orders) + sum(max(d for _, d in c) for c in choices)
        for assignment in itertools.product(*choices):
            for starts in itertools.product(range(last + 1), repeat=len(ops)):
                schedule = Schedule(
                    tuple(
                        ScheduledOperation(j, k, m, s, s + d)
                        for (j, k), (m, d), s in zip(ops, assignment, starts, strict=True)
                    )
                )
                if verify(problem, schedule).ok:
                    yield schedule
        return
    for assignment in itertools.product(*choices):
        mode = dict(zip(ops, assignment, strict=True))
        for sequence in _sequences(problem):
            job_ready = [o.release for o in problem.orders]
            machine_ready = [0] * len(problem.machines)
            scheduled = []
            for j, k in sequence:
                m, d = mode[(j, k)]
                start = max(job_ready[j], machine_ready[m])
                # A zero-length operation occupies nothing, so it need not wait for the machine.
                if d == 0:
                    start = job_ready[j]
                end = start + d
                job_ready[j] = end
                if d > 0:
                    machine_ready[m] = end
                scheduled.append(ScheduledOperation(j, k, m, start, end))
            yield Schedule(tuple(scheduled))


def _sequences(problem: Problem) -> list[list[tuple[int, int]]]:
    """All interleavings of the orders' routings."""
    lengths = [len(o.operations) for o in problem.orders]
    result: list[list[tuple[int, int]]] = []

    def extend(prefix: list[tuple[int, int]], done: list[int]) -> None:
        if len(prefix) == sum(lengths):
            result.append(list(prefix))
            return
        for j, n in enumerate(lengths):
            if done[j] < n:
                prefix.append((j, done[j]))
                done[j] += 1
                extend(prefix, done)
                done[j] -= 1
                prefix.pop()

    extend([], [0] * len(lengths))
    return result


SLOW_CALENDAR_PROBLEM = """{"name":"slow-heuristic","planning_start":"2025-03-03T18:13:00","tick":"PT5M",
"calendars":[{"id":"cal1","shifts":[
  {"days":["mon","tue","wed","thu","fri"],"start":"06:00","end":"14:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"14:30","end":"22:00"}]},
 {"id":"cal2","shifts":[{"days":["mon","tue","wed","thu","fri"],"start":"06:00","end":"10:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"10:15","end":"14:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"14:00","end":"17:45"}]}],
"machines":[{"id":"m0","calendar":"cal2"},{"id":"m1a","calendar":"cal1"},
 {"id":"m1b","calendar":"cal1"}],
"resources":[{"id":"r1","calendar":"cal2"}],
"orders":[{"id":"A","operations":[
  {"id":"o0","resumable":true,"machines":[{"machine_id":"m0","duration":377}]},
  {"id":"o1","resumable":true,"machines":[{"machine_id":"m1a","setup":11,"per_unit":23},
   {"machine_id":"m1b","duration":274}],
   "predecessors":[{"operation_id":"o0","max_lag":0}],"resources":[{"resources":["r1"]}]}]}],
"objective":"makespan"}"""
"""Issue 8's 2-operation problem: o1 (no wait after o0) needs r1, whose shifts of at most 47
ticks never hold o1's 274-tick span on m1b, and o0 must end early in one of r1's shifts for o1 to
fit on m1a. The optimum is makespan 1041 (o0 ends at 1007, o1 runs 1007-1041 on m1a): o0 ends at
830 at the earliest, and until Friday every end leaves o1 crossing a break of r1."""
