"""Machine calendars: operations run in their machine's working time."""

from __future__ import annotations

import bisect

from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import Placed, Violation, ViolationKind, name_of, working_ticks
from scheduler.verify.expand import WorkingTimes


def check_calendars(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    """A non-resumable operation with work lies inside one working window of its machine; a
    resumable one starts and ends (its last tick) in working time, with only working ticks when
    its span equals its work (a longer span's working ticks are checked with its duration).
    Zero-work operations and machines without a calendar are free."""
    windows = WorkingTimes(problem, max((op.end for op in placed.values()), default=0) + 1)
    for (j, k), op in placed.items():
        calendar = problem.machines[op.machine].calendar
        order = problem.orders[j]
        operation = order.operations[k]
        work = next(
            (
                m.time(order.quantity)
                for m in operation.machines
                if m.machine_id == problem.machines[op.machine].id
            ),
            None,
        )
        # Ineligible machines and wrong spans are check_operations' findings.
        span = op.end - op.start
        if calendar is None or not work or span < work or op.start < 0:
            continue
        if span != work and not operation.resumable:
            continue
        working = windows[calendar]
        name, machine_id = name_of(problem, j, k), problem.machines[op.machine].id
        if not operation.resumable:
            if not _inside_one_window(working, op.start, op.end):
                violations.append(
                    Violation(
                        ViolationKind.CALENDAR,
                        f"operation {name} runs from {op.start} to {op.end}, not inside one "
                        f"working window of {machine_id!r}",
                    )
                )
            continue
        problems = []
        if not _working(working, op.start):
            problems.append(f"starts at {op.start}")
        if not _working(working, op.end - 1):
            problems.append(f"ends at {op.end} after a non-working tick")
        if op.end - op.start == work and working_ticks(working, op.start, op.end) != work:
            problems.append(f"runs from {op.start} to {op.end} through non-working time")
        if problems:
            violations.append(
                Violation(
                    ViolationKind.CALENDAR,
                    f"resumable operation {name} "
                    + " and ".join(problems)
                    + f" outside the working time of {machine_id!r}",
                )
            )


def _window_at(working: list[tuple[int, int]], t: int) -> tuple[int, int] | None:
    i = bisect.bisect_right(working, t, key=lambda w: w[0]) - 1
    return working[i] if i >= 0 and working[i][0] <= t < working[i][1] else None


def _working(working: list[tuple[int, int]], t: int) -> bool:
    return _window_at(working, t) is not None


def _inside_one_window(working: list[tuple[int, int]], start: int, end: int) -> bool:
    window = _window_at(working, start)
    return window is not None and end <= window[1]
