"""Working time: `scheduler.worktime` against the verifier's own naive expansion on random
calendars, its lazy operations against a walk over plain windows, and the cases where the
calendar semantics (docs/calendars.md) were once broken."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scheduler.diagnose import ConflictCode, presolve_conflicts
from scheduler.heuristics import best_factory_dispatch, factory
from scheduler.problem import InvalidProblem, Problem, parse_problem
from scheduler.verify import verify
from scheduler.verify.expand import expand
from scheduler.worktime import INFINITY, WorkingTime, working_windows

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TICKS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=7),
    timedelta(minutes=11),
    timedelta(minutes=17),
    timedelta(seconds=45),
    timedelta(seconds=90),
    timedelta(hours=1),
    timedelta(hours=5),
]
"""Ticks that divide shift boundaries and ticks that do not (PT7M, PT11M, PT17M, PT45S, PT5H)."""
OFFSETS = [None, timedelta(0), timedelta(hours=2), timedelta(hours=-5, minutes=-30)]
"""Planning starts without an offset and with DST-free fixed ones."""


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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


@st.composite
def shifts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Random shifts (some past midnight, "24:00" included) and a pair that touch."""
    result = []
    for _ in range(draw(st.integers(0, 2))):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
        start, end = draw(st.integers(0, 1440)), draw(st.integers(0, 1440))
        result.append({"days": days, "start": _clock(start), "end": _clock(end)})
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
        first = draw(st.integers(0, 1439))
        middle = (first + draw(st.integers(1, 700))) % 1440
        last = (middle + draw(st.integers(1, 700))) % 1440
        result.append({"days": days, "start": _clock(first), "end": _clock(middle)})
        result.append({"days": days, "start": _clock(middle), "end": _clock(last)})
    return result


@st.composite
def calendars(draw: st.DrawFn) -> Problem:
    """A valid problem whose calendar `c` has random shifts and exceptions, a random tick, and a
    planning start that is absent, naive or at a fixed offset (at any second of the day)."""
    tick = draw(st.sampled_from(TICKS))
    start: datetime | None = None
    if draw(st.booleans()):
        offset = draw(st.sampled_from(OFFSETS))
        zone = None if offset is None else timezone(offset)
        start = datetime(2025, 3, 3, tzinfo=zone) + timedelta(
            days=draw(st.integers(0, 6)),
            minutes=draw(st.integers(0, 1439)),
            seconds=draw(st.sampled_from([0, 0, 30, 17])),
        )
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        minutes = draw(st.integers(0, 3 * 10080))
        length = draw(st.integers(1, 3 * 1440))
        working = draw(st.booleans())
        if start is None:
            # Without a planning start an exception is given in ticks.
            first = minutes * 60 // int(tick.total_seconds())
            span: dict[str, Any] = {"start": first, "end": first + 1 + length // 7}
        else:
            span = {
                "start": (start + timedelta(minutes=minutes)).isoformat(),
                "end": (start + timedelta(minutes=minutes + length)).isoformat(),
            }
        exceptions.append({**span, "working": working})
    try:
        return _calendar_problem({"shifts": draw(shifts()), "exceptions": exceptions}, tick, start)
    except InvalidProblem:
        assume(False)
        raise


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(calendars(), st.integers(0, 5000))
def test_worktime_agrees_with_the_verifiers_expansion(problem, until):
    """The model's windows are exactly the verifier's, whatever the shifts, exceptions and tick."""
    calendar = problem.calendars[0]
    assert working_windows(problem, "c", until) == expand(problem, calendar, until)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(calendars(), st.integers(0, 3000), st.integers(1, 400))
def test_lazy_operations_match_a_walk_over_the_windows(problem, t, work):
    """fit, fit_resumable, finish, contains and working_ticks agree with a walk over the verifier's
    windows expanded far ahead; INFINITY only when nothing fits within them."""
    far = 60 * 10080 * 60 // int(problem.tick.total_seconds()) + 20_000
    windows = expand(problem, problem.calendars[0], far)
    time = WorkingTime(problem, "c")
    inside = next(
        ((max(t, a), max(t, a) + work) for a, b in windows if max(t, a) + work <= b), None
    )
    fitted = time.fit(t, work)
    if inside is None or inside[1] >= far:
        assert fitted[0] >= INFINITY or fitted[1] >= far
    else:
        assert fitted == inside
        assert time.finish(t, work, resumable=False) == inside[1]
    working = [(max(a, t), b) for a, b in windows if b > t]
    if working and sum(b - a for a, b in working) >= work and working[-1][1] < far:
        left, end = work, 0
        for a, b in working:
            end, left = a + min(left, b - a), left - min(left, b - a)
            if left == 0:
                break
        assert time.fit_resumable(t, work) == (working[0][0], end)
        assert time.working_ticks(working[0][0], end) == work
    span_end = t + work
    whole = any(a <= t and span_end <= b for a, b in windows)
    answer = time.contains(t, span_end)
    assert (answer == t) == whole
    if not whole:
        assert answer > t


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
    the 13th: 28 ticks of work are possible, so no pre-solve conflict and the heuristic places
    them on the 13th Monday (both looked two weeks ahead, as if every tick divided a week)."""
    monday = {"shifts": [{"days": ["mon"], "start": "06:09", "end": "14:09"}]}
    problem = _calendar_problem(monday, timedelta(minutes=17), work=28)
    assert ConflictCode.NO_WORKING_WINDOW not in {c.code for c in presolve_conflicts(problem)}
    week = 10080 / 17
    assert 12 * week < WorkingTime(problem, "c").fit(0, 28)[0] < 12 * week + 1440 / 17
    schedule = best_factory_dispatch(problem)
    assert schedule is not None and verify(problem, schedule).ok
    assert 12 * week < schedule.operations[0].start < 12 * week + 1440 / 17


def test_the_factory_heuristic_and_worktime_mean_the_same_never():
    """The heuristic compares worktime's answers with its own INFINITY: they must be one value."""
    assert factory.INFINITY == INFINITY
