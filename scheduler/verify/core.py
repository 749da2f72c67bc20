"""The verifier's shared vocabulary and the checks every problem needs: the set of operations,
eligible machines and durations, releases, routings, machine occupancy."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from scheduler.problem import Problem, predecessors_of
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.verify.expand import WorkingTimes


class ViolationKind(StrEnum):
    UNKNOWN_OPERATION = "unknown_operation"
    DUPLICATE = "duplicate"
    MISSING = "missing"
    INELIGIBLE_MACHINE = "ineligible_machine"
    WRONG_DURATION = "wrong_duration"
    NEGATIVE_START = "negative_start"
    BEFORE_RELEASE = "before_release"
    PRECEDENCE = "precedence"
    MAX_LAG = "max_lag"
    OVERLAP = "overlap"
    RESOURCE_CHOICE = "resource_choice"
    RESOURCE_CAPACITY = "resource_capacity"
    RESOURCE_CALENDAR = "resource_calendar"
    DEADLINE = "deadline"
    STOCKOUT = "stockout"
    PURCHASE = "purchase"
    CAPACITY = "capacity"
    CALENDAR = "calendar"
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
    # Resumable operations' spans are checked against working time: expand once, past every end.
    times = WorkingTimes(problem, max((op.end for op in placed.values()), default=0) + 1)
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
        elif op.end - op.start != durations[machine_id] and not _paused(
            problem, times, op, order.operations[k].resumable, durations[machine_id]
        ):
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


def _paused(
    problem: Problem, times: WorkingTimes, op: ScheduledOperation, resumable: bool, work: int
) -> bool:
    """A resumable operation with work on a calendar machine, whose longer span holds exactly its
    work in working ticks (where it starts and ends is `check_calendars`' business)."""
    calendar = problem.machines[op.machine].calendar
    if not resumable or calendar is None or work == 0 or op.end - op.start <= work:
        return False
    return working_ticks(times[calendar], op.start, op.end) == work


def working_ticks(windows: list[tuple[int, int]], start: int, end: int) -> int:
    """Working ticks in [start, end) of sorted disjoint windows."""
    total = 0
    for a, b in windows[bisect.bisect_right([w[1] for w in windows], start) :]:
        if a >= end:
            break
        total += min(b, end) - max(a, start)
    return total


def check_routings(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    """Every operation starts at or after its order's release, and within its lags after each of
    its predecessors' ends."""
    for j, order in enumerate(problem.orders):
        position = {op.id: k for k, op in enumerate(order.operations)}
        for k in range(len(order.operations)):
            after = placed[(j, k)]
            if after.start < order.release:
                violations.append(
                    Violation(
                        ViolationKind.BEFORE_RELEASE,
                        f"operation {name_of(problem, j, k)} starts at {after.start}, before "
                        f"the release {order.release} of order {order.id!r}",
                    )
                )
            for pred in predecessors_of(order, k):
                p = position[pred.operation_id]
                before = placed[(j, p)]
                if after.start < before.end + pred.min_lag:
                    lag = f" + min lag {pred.min_lag}" if pred.min_lag else ""
                    violations.append(
                        Violation(
                            ViolationKind.PRECEDENCE,
                            f"operation {name_of(problem, j, k)} starts at {after.start}, before "
                            f"{name_of(problem, j, p)} ends at {before.end}{lag}",
                        )
                    )
                if pred.max_lag is not None and after.start > before.end + pred.max_lag:
                    violations.append(
                        Violation(
                            ViolationKind.MAX_LAG,
                            f"operation {name_of(problem, j, k)} starts at {after.start}, more "
                            f"than {pred.max_lag} after {name_of(problem, j, p)} ends at "
                            f"{before.end}",
                        )
                    )


def check_machines(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    """A machine runs at most `capacity` operations at once, each over its span [start, end)."""
    by_machine: dict[int, list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    for key, op in placed.items():
        # An empty interval occupies no time, so it cannot collide with anything.
        if op.end > op.start:
            by_machine[op.machine].append((op.start, op.end, key))
    for machine, runs in by_machine.items():
        runs.sort()
        if problem.machines[machine].capacity == 1:
            _check_overlap(problem, machine, runs, violations)
        else:
            _check_capacity(problem, machine, runs, violations)


def _check_overlap(
    problem: Problem,
    machine: int,
    runs: list[tuple[int, int, tuple[int, int]]],
    violations: list[Violation],
) -> None:
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


def _check_capacity(
    problem: Problem,
    machine: int,
    runs: list[tuple[int, int, tuple[int, int]]],
    violations: list[Violation],
) -> None:
    """Sweep the starts and ends (an end frees its slot before a start at the same tick); report
    each stretch of time during which more operations run than the machine has slots."""
    capacity = problem.machines[machine].capacity
    events = sorted([(s, 1) for s, _, _ in runs] + [(e, -1) for _, e, _ in runs])
    running, peak, since = 0, 0, 0
    for t, delta in events:
        before = running
        running += delta
        if before <= capacity < running:
            peak, since = running, t
        elif running > capacity:
            peak = max(peak, running)
        elif before > capacity >= running:
            violations.append(
                Violation(
                    ViolationKind.CAPACITY,
                    f"{peak} operations run at once on {problem.machines[machine].id!r} "
                    f"(capacity {capacity}) from {since} to {t}",
                )
            )
