"""Independent check of a schedule against its problem.

Deliberately shares nothing with the model builder (`scheduler.cpsat`) nor with the dense index:
it reads the validated `Problem` as the user wrote it, so that a mistake in either cannot hide
itself. Every schedule the project returns passes through `check`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from scheduler.problem import Problem
from scheduler.schedule import Kpis, Schedule, ScheduledOperation, evaluate, objective_value


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


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    message: str


@dataclass(frozen=True)
class Report:
    """Violations found (empty when the schedule is feasible), and its KPIs when it is."""

    violations: list[Violation] = field(default_factory=list)
    kpis: Kpis | None = None
    objective: int | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


class ScheduleInvalid(AssertionError):
    """A schedule the project produced failed verification: always a bug, never bad input."""

    def __init__(self, report: Report):
        self.report = report
        shown = "\n".join(f"  {v.kind}: {v.message}" for v in report.violations[:20])
        more = len(report.violations) - 20
        super().__init__(
            f"schedule failed verification ({len(report.violations)} violation(s)):\n{shown}"
            + (f"\n  ... and {more} more" if more > 0 else "")
        )


def verify(problem: Problem, schedule: Schedule) -> Report:
    """Check feasibility; on success also recompute the KPIs and the objective."""
    violations: list[Violation] = []
    placed = _place_operations(problem, schedule, violations)
    if placed is None:
        return Report(violations)
    _check_operations(problem, placed, violations)
    _check_routings(problem, placed, violations)
    _check_machines(problem, placed, violations)
    if violations:
        return Report(violations)
    kpis = evaluate(problem, schedule)
    return Report([], kpis, objective_value(problem, kpis))


def check(problem: Problem, schedule: Schedule) -> Report:
    """`verify`, raising ScheduleInvalid when the schedule is infeasible."""
    report = verify(problem, schedule)
    if not report.ok:
        raise ScheduleInvalid(report)
    return report


def _name(problem: Problem, job: int, index: int) -> str:
    order = problem.orders[job]
    return f"{order.id}/{order.operations[index].id}"


def _place_operations(
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
                    f"operation {_name(problem, *key)} is scheduled more than once",
                )
            )
            continue
        placed[key] = op
    for j, order in enumerate(problem.orders):
        for k in range(len(order.operations)):
            if (j, k) not in placed:
                violations.append(
                    Violation(
                        ViolationKind.MISSING, f"operation {_name(problem, j, k)} is not scheduled"
                    )
                )
    return None if violations else placed


def _check_operations(
    problem: Problem,
    placed: dict[tuple[int, int], ScheduledOperation],
    violations: list[Violation],
) -> None:
    for (j, k), op in placed.items():
        name = _name(problem, j, k)
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


def _check_routings(
    problem: Problem,
    placed: dict[tuple[int, int], ScheduledOperation],
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
                        f"operation {_name(problem, j, k)} starts at {after.start}, before "
                        f"{_name(problem, j, k - 1)} ends at {before.end}",
                    )
                )


def _check_machines(
    problem: Problem,
    placed: dict[tuple[int, int], ScheduledOperation],
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
                        f"operations {_name(problem, *latest_key)} and {_name(problem, *key)} "
                        f"overlap on {problem.machines[machine].id!r} from {start} to "
                        f"{min(end, latest_end)}",
                    )
                )
            if end > latest_end:
                latest_end, latest_key = end, key
