"""The verifier's own calendar expansion, written from the problem's models alone.

It shares no code with `scheduler.worktime` (which the model, the heuristics and the diagnosis
use), so that a slip there shows up as a violation here; `tests/test_worktime.py` compares the two
on random calendars. Same meaning (`docs/calendars.md`): shift times are wall-clock times of the
planning start (its UTC offset kept throughout), working time is the shifts and working exceptions
joined, minus the non-working exceptions, and a tick is working when all of it is working time.

The obvious way: walk the days of the planning start's wall clock with datetime arithmetic,
collect every shift occurrence as a span of time after tick 0, join the spans, take the ticks
wholly inside them, and cut out every tick a non-working exception touches.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from scheduler.problem import Calendar, Problem

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_A_MONDAY = datetime(2024, 1, 1)
"""Tick 0 without a planning start: any Monday 00:00."""

Windows = list[tuple[int, int]]


class WorkingTimes:
    """Each calendar's working windows in [0, until), expanded when first asked for."""

    def __init__(self, problem: Problem, until: int):
        self.problem, self.until = problem, until
        self._windows: dict[str, Windows] = {}

    def __getitem__(self, calendar_id: str) -> Windows:
        if calendar_id not in self._windows:
            calendar = next(c for c in self.problem.calendars if c.id == calendar_id)
            self._windows[calendar_id] = expand(self.problem, calendar, self.until)
        return self._windows[calendar_id]


def expand(problem: Problem, calendar: Calendar, until: int) -> Windows:
    """The ticks of [0, until) that are working time of `calendar`, as [start, end) windows."""
    tick = problem.tick
    zero = _A_MONDAY if problem.planning_start is None else problem.planning_start
    # Shift times are read on the planning start's own wall clock, offset kept: drop the offset.
    zero = zero.replace(tzinfo=None)
    horizon = tick * min(until, (datetime.max - timedelta(days=2) - zero) // tick)
    spans: list[tuple[timedelta, timedelta]] = []
    day = datetime.combine(zero.date() - timedelta(days=1), time())
    while day - zero < horizon:
        for shift in calendar.shifts:
            if _DAY_NAMES[day.weekday()] in shift.days:
                on, off = day + _clock(shift.start), day + _clock(shift.end)
                if off <= on:
                    off += timedelta(days=1)
                spans.append((on - zero, off - zero))
        day += timedelta(days=1)
    downtime: list[tuple[timedelta, timedelta]] = []
    for exception in calendar.exceptions:
        span = (_after_zero(problem, exception.start), _after_zero(problem, exception.end))
        (spans if exception.working else downtime).append(span)
    windows: Windows = []
    for begin, end in _joined(spans):
        first, last = _ceil(begin, tick), end // tick
        if first < last:
            windows.append((first, last))
    for begin, end in _joined(downtime):
        windows = _cut(windows, begin // tick, _ceil(end, tick))
    clipped = [(max(a, 0), min(b, until)) for a, b in windows]
    return [(a, b) for a, b in clipped if a < b]


def _clock(text: str) -> timedelta:
    """ "HH:MM" as time after midnight ("24:00" is the next midnight)."""
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def _after_zero(problem: Problem, moment: int | datetime) -> timedelta:
    """An exception's start or end as time after tick 0 (a timestamp means what the problem says
    it means: `Problem.tick_of`)."""
    if isinstance(moment, int):
        return problem.tick * moment
    return problem.tick * problem.tick_of(moment)


def _ceil(span: timedelta, tick: timedelta) -> int:
    return -(-span // tick)


def _joined(spans: list[tuple[timedelta, timedelta]]) -> list[tuple[timedelta, timedelta]]:
    """The union of the spans, sorted, touching ones joined."""
    joined: list[tuple[timedelta, timedelta]] = []
    for begin, end in sorted(s for s in spans if s[1] > s[0]):
        if joined and begin <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((begin, end))
    return joined


def _cut(windows: Windows, first: int, last: int) -> Windows:
    """The windows without the ticks [first, last)."""
    kept: Windows = []
    for a, b in windows:
        if b <= first or a >= last:
            kept.append((a, b))
            continue
        if a < first:
            kept.append((a, first))
        if last < b:
            kept.append((last, b))
    return kept
