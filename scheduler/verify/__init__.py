"""Independent check of a schedule against its problem.

Deliberately shares nothing with the model builder (`scheduler.cpsat`) nor with the dense index:
it reads the validated `Problem` as the user wrote it, so that a mistake in either cannot hide
itself. Every schedule the project returns passes through `check`. One module per rule, as in
`scheduler.cpsat`; `CHECKS` runs them in order once every operation is placed exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.problem import Problem
from scheduler.schedule import Kpis, Schedule, evaluate, objective_values
from scheduler.verify.calendars import check_calendars
from scheduler.verify.core import (
    Placed,
    Violation,
    ViolationKind,
    check_machines,
    check_operations,
    check_routings,
    place_operations,
)
from scheduler.verify.deadlines import check_deadlines
from scheduler.verify.materials import check_purchases, check_stock
from scheduler.verify.resources import check_resources
from scheduler.verify.setups import check_setups

Check = Callable[[Problem, Schedule, Placed, list[Violation]], None]

CHECKS: tuple[Check, ...] = (
    check_operations,
    check_routings,
    check_machines,
    check_calendars,
    check_resources,
    check_deadlines,
    check_purchases,
    check_stock,
    check_setups,
)
"""The rules, in order; each appends what it finds to the list of violations."""


@dataclass(frozen=True)
class Report:
    """Violations found (empty when the schedule is feasible), and its KPIs when it is."""

    violations: list[Violation] = field(default_factory=list)
    kpis: Kpis | None = None
    objective: int | None = None
    """The objective's value; for a lexicographic objective, its last level's."""
    levels: tuple[int, ...] = ()
    """The value of each objective level, in lexicographic order."""

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
    placed = place_operations(problem, schedule, violations)
    if placed is None:
        return Report(violations)
    for rule in CHECKS:
        rule(problem, schedule, placed, violations)
    if violations:
        return Report(violations)
    kpis = evaluate(problem, schedule)
    levels = objective_values(problem, kpis)
    return Report([], kpis, levels[-1], levels)


def check(problem: Problem, schedule: Schedule) -> Report:
    """`verify`, raising ScheduleInvalid when the schedule is infeasible."""
    report = verify(problem, schedule)
    if not report.ok:
        raise ScheduleInvalid(report)
    return report


__all__ = [
    "CHECKS",
    "Report",
    "ScheduleInvalid",
    "Violation",
    "ViolationKind",
    "check",
    "verify",
]
