"""The verifier's shared vocabulary and the checks every problem needs: the set of operations,
eligible machines and durations, releases, routings, machine occupancy."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from scheduler.problem import Problem
from scheduler.schedule import Schedule, ScheduledOperation


class ViolationKind(StrEnum):
    UNKNOWN_OPERATION = "unknown_operation"
    DUPLICATE = "duplicate"
    MISSING = "missing"
    INELIGIBLE_MACHINE = "ineligible_machine"
    WRONG_DURATION = "wrong_duration"
    NEGATIVE_START = "negative_start"
    BEFORE_RELEASE = "before_release"
    PRECEDENCE = "precedence"
    OVERLAP = "overlap"
    SETUP = "setup"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    message: str


Placed = dict[tuple[int, int], ScheduledOperation]
"""Each operation of the problem, by (job, position), as the schedule places it."""


def name_of(problem: Problem, job: int, index: int) -> str:
    order = problem.orders[job]
    return f"{order.id}/{order.operations[index].id}"


def place_operations(
    problem: Problem, schedule: Schedule, violations: list[Violation]
) -> dict[tuple[int, int], ScheduledOperation] | None:
    """Map (job, index) to its scheduled operation; None when the set of operations is wrong."""
    placed: dict[tuple[int, int], ScheduledOperation] = {}
    for op in schedule.operations:
        if not (
            0 <= op.job < len(problem.orders)
            and 0 <= op.index < len(problem.orders[op.job].operations)
            and 0 <= op.machine < len(problem.machines)
        ):
            violations.append(
                Violation(
                    ViolationKind.UNKNOWN_OPERATION,
                    f"job {op.job}, index {op.index}, machine {op.machine} is not in the problem",
                )
            )
            continue
        key = (op.job, op.index)
        if key in placed:
            violations.append(
                Violation(
                    ViolationKind.DUPLICATE,
                    f"operation {name_of(problem, *key)} is scheduled more than once",
                )
            )
            continue
        placed[key] = op
    for j, order in enumerate(problem.orders):
        for k in range(len(order.operations)):
            if (j, k) not in placed:
                violations.append(
                    Violation(
                        ViolationKind.MISSING,
                        f"operation {name_of(problem, j, k)} is not scheduled",
                    )
                )
    return None if violations else placed


def check_operations(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    for (j, k), op in placed.items():
        name = name_of(problem, j, k)
        machine_id = problem.machines[op.machine].id
        order = problem.orders[j]
        durations = {m.machine_id: m.time(order.quantity) for m in order.operations[k].machines}
        if machine_id not in durations:
            violations.append(
                Violation(
                    ViolationKind.INELIGIBLE_MACHINE,
                    f"operation {name} runs on {machine_id!r}, which is not eligible",
                )
            )
        elif op.end - op.start != durations[machine_id]:
            violations.append(
                Violation(
                    ViolationKind.WRONG_DURATION,
                    f"operation {name} on {machine_id!r} lasts {op.end - op.start}, "
                    f"expected {durations[machine_id]}",
                )
            )
        if op.start < 0:
            violations.append(
                Violation(ViolationKind.NEGATIVE_START, f"operation {name} starts at {op.start}")
            )


def check_routings(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    for j, order in enumerate(problem.orders):
        first = placed[(j, 0)]
        if first.start < order.release:
            violations.append(
                Violation(
                    ViolationKind.BEFORE_RELEASE,
                    f"order {order.id!r} starts at {first.start}, before its release {order.release}",
                )
            )
        for k in range(1, len(order.operations)):
            before, after = placed[(j, k - 1)], placed[(j, k)]
            if after.start < before.end:
                violations.append(
                    Violation(
                        ViolationKind.PRECEDENCE,
                        f"operation {name_of(problem, j, k)} starts at {after.start}, before "
                        f"{name_of(problem, j, k - 1)} ends at {before.end}",
                    )
                )


def check_machines(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    by_machine: dict[int, list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    for key, op in placed.items():
        # An empty interval occupies no time, so it cannot collide with anything.
        if op.end > op.start:
            by_machine[op.machine].append((op.start, op.end, key))
    for machine, runs in by_machine.items():
        runs.sort()
        latest_end, latest_key = runs[0][1], runs[0][2]
        for start, end, key in runs[1:]:
            if start < latest_end:
                violations.append(
                    Violation(
                        ViolationKind.OVERLAP,
                        f"operations {name_of(problem, *latest_key)} and {name_of(problem, *key)} "
                        f"overlap on {problem.machines[machine].id!r} from {start} to "
                        f"{min(end, latest_end)}",
                    )
                )
            if end > latest_end:
                latest_end, latest_key = end, key
