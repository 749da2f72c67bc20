"""Working time over calendars: the one place that turns shifts and exceptions into ticks.

Used by the model, the heuristics, the diagnosis, the KPIs and the generators; never by
`scheduler.verify`, which expands calendars on its own (`scheduler/verify/expand.py`) so that a
mistake here cannot hide itself from the check (`tests/test_worktime.py` compares the two).

Semantics (docs/calendars.md says the same, with examples):

- **Clock.** Shift times are wall-clock times in the planning start's own clock: its date, time
  and UTC offset, that offset kept for the whole horizon (no daylight-saving changes). Without a
  planning start, tick 0 is Monday 00:00.
- **Shifts.** A shift on day D from `start` to `end` covers [D start, D end); an `end` at or
  before `start` ends on the next day (so "22:00"-"06:00" on Friday runs into Saturday, on Sunday
  into Monday, and "06:00"-"06:00" lasts 24 hours). "24:00" is midnight at the end of the day.
- **Working time** is the union of the shift occurrences and the working exceptions, minus the
  non-working exceptions. Touching pieces join: a shift change is not a break.
- **Ticks.** Tick t covers [t, t + 1) ticks of time after the planning start. A tick is working
  when all of it is working time. So a window is the working time rounded *inward* to whole ticks
  (after the pieces are joined: two shifts meeting inside a tick leave it working), and a
  non-working exception takes every tick it touches (rounded *outward*).
- **Windows** are sorted, disjoint, non-adjacent [start, end) in ticks, clipped to [0, until).

After the last exception the pattern repeats every `period` ticks: the shortest whole number of
ticks that is a whole number of weeks (a week for ticks that divide it, 11 weeks for PT11M). That
bounds every search: a period with nothing found means never.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

from scheduler.problem import MAX_TIME, Calendar, Problem, _shift_minutes

Windows = list[tuple[int, int]]
"""Sorted, disjoint, non-adjacent working windows [start, end) in ticks."""

INFINITY = 1 << 62
"""`fit` and `fit_resumable`'s answer when no window will ever hold the work."""

TIME_LIMIT = 8 * MAX_TIME
"""Calendars are not expanded past this tick: work that needs it never fits."""

MAX_PERIOD_WEEKS = 64
"""Searches give up after this many weeks past the last exception even when the tick's exact
period is longer (a tick like 1.234567 s repeats only after a million weeks)."""

_MICROSECOND = timedelta(microseconds=1)
_MINUTE = 60_000_000
_DAY = 24 * 60 * _MINUTE
_WEEK = 7 * _DAY


def working_windows(problem: Problem, calendar_id: str, until: int) -> Windows:
    """The working time of a calendar in [0, until) as windows in ticks (module docstring)."""
    return _expand_calendar(problem, problem.calendar(calendar_id), until)


def _expand_calendar(problem: Problem, calendar: Calendar, until: int) -> Windows:
    tick = problem.tick // _MICROSECOND
    origin = _week_origin(problem)
    # Everything in exact microseconds after tick 0 until rounded to ticks: no float tolerance.
    pieces: list[tuple[int, int]] = []
    occurrences = [w for shift in calendar.shifts for w in _shift_minutes(shift)]
    if occurrences and until > 0:
        # A week before tick 0's: its Sunday night shift may run into tick 0's week.
        for week in range(-origin // _WEEK - 1, (until * tick + origin) // _WEEK + 1):
            base = week * _WEEK - origin
            pieces.extend((base + a * _MINUTE, base + b * _MINUTE) for a, b in occurrences)
    off: list[tuple[int, int]] = []
    for exception in calendar.exceptions:
        span = (_micros(problem, exception.start), _micros(problem, exception.end))
        (pieces if exception.working else off).append(span)
    windows = [(-(-a // tick), b // tick) for a, b in _union(pieces)]
    holes = [(a // tick, -(-b // tick)) for a, b in _union(off)]
    kept = _subtract([w for w in windows if w[1] > w[0]], holes)
    return [(max(a, 0), min(b, until)) for a, b in kept if max(a, 0) < min(b, until)]


def period(problem: Problem) -> int:
    """Ticks after which a calendar's weekly pattern repeats exactly (module docstring)."""
    tick = problem.tick // _MICROSECOND
    return _WEEK // math.gcd(_WEEK, tick)


class WorkingTime:
    """A calendar's working time, its windows expanded lazily (doubling) as later ticks are asked.

    Expanded windows are clipped at `until`, so a window ending exactly there may go on: it is
    expanded further before its end is trusted. Attributes are read by the factory heuristic's
    inner loop: `starts`, `ends` (window bounds) and `cum` (working ticks before each window, one
    more entry: the total).
    """

    __slots__ = (
        "_calendar",
        "_longest",
        "_problem",
        "cum",
        "ends",
        "stable",
        "starts",
        "until",
        "week",
    )

    def __init__(self, problem: Problem, calendar_id: str, week: int | None = None):
        """`week`: a give-up step in ticks, raised to the pattern's period (`period`, at most
        `MAX_PERIOD_WEEKS` weeks) when shorter."""
        self._problem = problem
        self._calendar = problem.calendar(calendar_id)
        weeks = math.ceil(timedelta(weeks=MAX_PERIOD_WEEKS) / problem.tick)
        self.week = max(week or 1, min(period(problem), weeks))
        self.stable = max(
            (math.ceil(problem.tick_of(e.end) - 1e-9) for e in self._calendar.exceptions),
            default=0,
        )
        """The pattern repeats after this tick (the end of the last exception)."""
        self.until = 0
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = [0]
        self._longest: float | None = None
        self._expand(self.stable + 2 * self.week)

    def _expand(self, until: int) -> bool:
        """Expand to at least `until`; False when past every time a schedule may use."""
        if self.until >= TIME_LIMIT:
            return False
        until = min(max(until, 2 * self.until, self.until + self.week), TIME_LIMIT)
        windows = _expand_calendar(self._problem, self._calendar, until)
        self.starts = [a for a, _ in windows]
        self.ends = [b for _, b in windows]
        cum = [0]
        for a, b in windows:
            cum.append(cum[-1] + b - a)
        self.cum = cum
        self.until = until
        return True

    def _never(self, t: int) -> bool:
        """True when no window ends after `t`, ever (the calendar stops working)."""
        return self.until >= max(t, self.stable) + 2 * self.week

    def windows(self, until: int) -> Windows:
        """The windows in [0, until), the last one clipped there."""
        if until > self.until:
            self._expand(until)
        n = bisect_left(self.starts, until)
        result = list(zip(self.starts[:n], self.ends[:n], strict=True))
        if result and result[-1][1] > until:
            result[-1] = (result[-1][0], until)
        return result

    def first_after(self, t: int) -> int:
        """Index of the first window ending after `t`; -1 when there is none, ever."""
        while True:
            i = bisect_right(self.ends, t)
            if i < len(self.ends):
                return i
            if self._never(t) or not self._expand(max(t, self.stable) + 2 * self.week):
                return -1

    def end_of(self, i: int, need: int) -> int:
        """The end of window `i`, expanded until known or at least `need`."""
        while self.ends[i] >= self.until and self.ends[i] < need and self._expand(need):
            pass
        return self.ends[i]

    def fit(self, t: int, work: int) -> tuple[int, int]:
        """The earliest (start, end) at or after `t` for `work` ticks inside one window;
        (INFINITY, INFINITY) when no window will ever hold it."""
        limit = max(t, self.stable) + 2 * self.week
        while True:
            i = self.first_after(t)
            if i < 0:
                return INFINITY, INFINITY
            s = max(t, self.starts[i])
            if s + work <= self.end_of(i, s + work):
                return s, s + work
            t = self.ends[i]
            if t > limit:
                return INFINITY, INFINITY

    def fit_resumable(self, t: int, work: int) -> tuple[int, int]:
        """The earliest start at or after `t` on a working tick, and the end `work` working ticks
        later (pausing over non-working time, ending on its last working tick)."""
        i = self.first_after(t)
        if i < 0:
            return INFINITY, INFINITY
        s = max(t, self.starts[i])
        target = self.cum[i] + (s - self.starts[i]) + work
        while target > self.cum[-1]:
            last_end = self.ends[-1]
            if last_end < self.until and self._never(last_end):
                return INFINITY, INFINITY
            if not self._expand(2 * self.until):
                return INFINITY, INFINITY
        k = bisect_left(self.cum, target, lo=i + 1) - 1
        return s, self.starts[k] + target - self.cum[k]

    def finish(self, t: int, work: int, resumable: bool) -> int | None:
        """The earliest end of `work` working ticks started at or after `t` (inside one window
        unless `resumable`); None: never."""
        if work == 0:
            return t
        end = (self.fit_resumable(t, work) if resumable else self.fit(t, work))[1]
        return None if end >= INFINITY else end

    def contains(self, t: int, end: int) -> int:
        """`t` when [t, end) is working time throughout; otherwise a later start before which
        no span from `t` on can be (INFINITY: never)."""
        i = self.first_after(t)
        if i < 0:
            return INFINITY
        if self.starts[i] > t:
            return self.starts[i]
        if end <= self.end_of(i, end):
            return t
        j = self.first_after(self.ends[i])
        return INFINITY if j < 0 else self.starts[j]

    def working_ticks(self, start: int, end: int) -> int:
        """Working ticks in [start, end)."""
        if end <= start:
            return 0
        if end > self.until:
            self._expand(end)
        return self._worked(end) - self._worked(max(start, 0))

    def _worked(self, t: int) -> int:
        """Working ticks in [0, t), for `t` within the expansion."""
        i = bisect_right(self.starts, t) - 1
        return 0 if i < 0 else self.cum[i] + min(t, self.ends[i]) - self.starts[i]

    def longest(self) -> float:
        """The longest window ever; infinite when one never ends (it spans a whole period)."""
        if self._longest is None:
            self._longest = self._find_longest()
        return self._longest

    def _find_longest(self) -> float:
        if self.until < self.stable + 2 * self.week:
            self._expand(self.stable + 2 * self.week)
        longest = 0
        for a, b in zip(self.starts, self.ends, strict=True):
            if b >= self.until:
                # Cut at `until`: a shorter one has a whole twin a period earlier.
                if b - a >= self.week:
                    return math.inf
                continue
            longest = max(longest, b - a)
        return longest


def _week_origin(problem: Problem) -> int:
    """Microseconds from the Monday 00:00 before tick 0 to tick 0, in the planning start's clock."""
    t = problem.planning_start
    if t is None:
        return 0
    return (
        t.weekday() * _DAY + ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    )


def _micros(problem: Problem, moment: int | datetime) -> int:
    """Microseconds after tick 0 of an exception's start or end."""
    tick = problem.tick // _MICROSECOND
    if isinstance(moment, int):
        return moment * tick
    return round(problem.tick_of(moment) * tick)


def _union(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of spans; touching spans become one."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(w for w in pieces if w[1] > w[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _subtract(windows: Windows, holes: Windows) -> Windows:
    """`windows` (sorted, disjoint) without the sorted, disjoint `holes`."""
    result: Windows = []
    h = 0
    for a, b in windows:
        while h < len(holes) and holes[h][1] <= a:
            h += 1
        cursor, i = a, h
        while i < len(holes) and holes[i][0] < b:
            if holes[i][0] > cursor:
                result.append((cursor, holes[i][0]))
            cursor = max(cursor, holes[i][1])
            i += 1
        if cursor < b:
            result.append((cursor, b))
    return result
