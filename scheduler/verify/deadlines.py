"""Hard deadlines: an order completes (its latest operation ends) by its deadline."""

from __future__ import annotations

from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import Placed, Violation, ViolationKind


def check_deadlines(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    for j, order in enumerate(problem.orders):
        if order.deadline is None:
            continue
        completion = max(placed[(j, k)].end for k in range(len(order.operations)))
        if completion > order.deadline:
            violations.append(
                Violation(
                    ViolationKind.DEADLINE,
                    f"order {order.id!r} completes at {completion}, after its deadline "
                    f"{order.deadline}",
                )
            )
