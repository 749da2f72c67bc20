"""Tiny problem builders and a brute-force oracle shared by the tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from scheduler.problem import ObjectiveKind, Problem, parse_problem
from scheduler.schedule import Schedule, ScheduledOperation, evaluate, objective_value

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


def brute_force_optimum(problem: Problem) -> int:
    """The optimal objective by enumerating every semi-active schedule (tiny problems only).

    Every semi-active schedule arises from appending operations, in start order, each at the
    earliest time its order and its machine allow; so enumerating all routing-respecting orders
    of operations and all machine choices reaches an optimal one for any regular objective.
    """
    ops = [(j, k) for j, order in enumerate(problem.orders) for k in range(len(order.operations))]
    machine_of = {m.id: i for i, m in enumerate(problem.machines)}
    choices = [
        [
            (machine_of[mode.machine_id], mode.duration)
            for mode in problem.orders[j].operations[k].machines
        ]
        for j, k in ops
    ]
    best: int | None = None
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
            value = objective_value(problem, evaluate(problem, Schedule(tuple(scheduled))))
            best = value if best is None else min(best, value)
    assert best is not None
    return best


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
