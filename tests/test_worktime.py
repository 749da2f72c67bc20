"""Working time: the cases where the calendar semantics (docs/calendars.md) were once broken."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scheduler.diagnose import ConflictCode, presolve_conflicts
from scheduler.heuristics import best_factory_dispatch
from scheduler.problem import Problem, parse_problem
from scheduler.verify import verify
from scheduler.worktime import WorkingTime, working_windows

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _calendar_problem(
    calendar: dict[str, Any], tick: timedelta, start: datetime | None = None, work: int = 1
) -> Problem:
    """One machine on calendar `c` and one operation of `work` ticks on it."""
    mode = {"machine_id": "m", "duration": work}
    data: dict[str, Any] = {
        "tick": f"PT{int(tick.total_seconds())}S",
        "calendars": [{"id": "c", **calendar}],
        "machines": [{"id": "m", "calendar": "c"}],
        "orders": [{"id": "j", "operations": [{"id": "o", "machines": [mode]}]}],
    }
    if start is not None:
        data["planning_start"] = start.isoformat()
    return parse_problem(data)


TOUCHING = [
    {"days": DAYS, "start": "06:00", "end": "14:05"},
    {"days": DAYS, "start": "14:05", "end": "22:00"},
]
"""Two shifts meeting at 14:05: inside a tick of PT8M (06:00 is tick 45, 14:05 is 105.6, 22:00
is 165)."""


def test_shifts_meeting_inside_a_tick_keep_it_working():
    """Two shifts meeting inside a tick make one window: the tick holding the change is all
    working time (each shift was once rounded on its own, leaving a one-tick break)."""
    problem = _calendar_problem({"shifts": TOUCHING}, timedelta(minutes=8))
    assert working_windows(problem, "c", 200) == [(45, 165)]
    assert problem.working_windows("c", 200) == [(45, 165)]


def test_an_operation_as_long_as_two_touching_shifts_is_feasible():
    """Work filling most of both shifts that meet inside a tick is scheduled, verified, and not
    declared impossible by the pre-solve checks (a false NO_WORKING_WINDOW before)."""
    problem = _calendar_problem({"shifts": TOUCHING}, timedelta(minutes=8), work=100)
    assert presolve_conflicts(problem) == []
    schedule = best_factory_dispatch(problem)
    assert schedule is not None and verify(problem, schedule).ok
    assert schedule.operations[0].start == 45


def test_a_window_long_enough_only_weeks_later_is_not_impossible():
    """With PT17M ticks a Monday 06:09-14:09 shift holds 27 whole ticks for 12 weeks and 28 in
    the 13th: 28 ticks of work are possible, so no pre-solve conflict (the checks looked two
    weeks ahead, as if every tick divided a week)."""
    monday = {"shifts": [{"days": ["mon"], "start": "06:09", "end": "14:09"}]}
    problem = _calendar_problem(monday, timedelta(minutes=17), work=28)
    assert ConflictCode.NO_WORKING_WINDOW not in {c.code for c in presolve_conflicts(problem)}
    week = 10080 / 17
    assert 12 * week < WorkingTime(problem, "c").fit(0, 28)[0] < 12 * week + 1440 / 17
