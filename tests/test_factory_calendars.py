"""Machine calendars: each rule binding and slack on tiny problems (one tick is one hour from
Monday 00:00), and the verifier's findings on hand-broken schedules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler import cpsat
from scheduler.cpsat import horizon_is_proof
from scheduler.cpsat.bounds import horizon
from scheduler.cpsat.variables import _prefix_lengths, _resumable_starts, _window_starts
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_SHIFT = {"days": EVERY_DAY, "start": "08:00", "end": "16:00"}
"""Working windows [8, 16), [32, 40), [56, 64), ..."""


def _problem(
    operations: list[list[dict]],
    shifts: list[dict],
    exceptions: list[dict] | None = None,
    **order: Any,
) -> Problem:
    """Orders of operations on m0 (calendar `c`) and m1 (always available)."""
    return parse_problem(
        {
            "tick": "PT1H",
            "calendars": [{"id": "c", "shifts": shifts, "exceptions": exceptions or []}],
            "machines": [{"id": "m0", "calendar": "c"}, {"id": "m1"}],
            "orders": [
                {"id": f"j{j}", "operations": ops, **order} for j, ops in enumerate(operations)
            ],
        }
    )


def _op(op_id: str, work: int, resumable: bool = False, machine: str = "m0") -> dict:
    modes = [{"machine_id": machine, "duration": work}]
    return {"id": op_id, "machines": modes, "resumable": resumable}


def _solved(problem: Problem) -> tuple[int, list[ScheduledOperation]]:
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None and result.schedule is not None
    assert verify(problem, result.schedule).ok
    return result.objective, list(result.schedule.operations)


SHORT_THEN_LONG = [
    {"days": ["mon"], "start": "08:00", "end": "10:00"},
    {"days": ["mon"], "start": "12:00", "end": "20:00"},
]


def test_non_resumable_skips_a_too_short_window():
    """Four hours of work do not fit the 2-hour morning window: it runs 12-16."""
    objective, ops = _solved(_problem([[_op("o", 4)]], SHORT_THEN_LONG))
    assert objective == 16 and ops[0].start == 12


def test_non_resumable_uses_a_window_that_fits():
    """Two hours fit the morning window: 8-10."""
    assert _solved(_problem([[_op("o", 2)]], SHORT_THEN_LONG))[0] == 10


def test_resumable_pauses_overnight():
    """Ten hours on an 8-hour day shift: 8-16 today and 8-10 tomorrow, a span of 26."""
    objective, ops = _solved(_problem([[_op("o", 10, resumable=True)]], [DAY_SHIFT]))
    assert objective == 34 and (ops[0].start, ops[0].end) == (8, 34)


def test_resumable_within_one_shift_does_not_stretch():
    """Six hours fit the first shift: 8-14, span equal to the work."""
    assert _solved(_problem([[_op("o", 6, resumable=True)]], [DAY_SHIFT]))[0] == 14


def test_resumable_starts_late_in_a_shift_when_it_must():
    """Behind a 6-hour operation, a resumable 4 hours run 14-16 and 32-34; non-resumable 32-36."""
    for resumable, makespan in ((True, 34), (False, 36)):
        problem = _problem([[_op("a", 6), _op("b", 4, resumable=resumable)]], [DAY_SHIFT])
        assert _solved(problem)[0] == makespan


def test_non_resumable_longer_than_every_window_is_infeasible():
    """Ten hours never fit an 8-hour shift without pausing."""
    result = solve(_problem([[_op("o", 10)]], [DAY_SHIFT]), FAST)
    assert result.status is SolveStatus.INFEASIBLE


def test_maintenance_exception_delays_the_operation():
    """Maintenance 8-12 on Monday pushes a 4-hour operation to 12-16."""
    maintenance = [{"start": 8, "end": 12, "reason": "maintenance"}]
    assert _solved(_problem([[_op("o", 4)]], [DAY_SHIFT], maintenance))[0] == 16


def test_exception_outside_the_shift_changes_nothing():
    """Downtime in the night, outside the shift, does not delay anything."""
    night = [{"start": 20, "end": 24, "reason": "maintenance"}]
    assert _solved(_problem([[_op("o", 4)]], [DAY_SHIFT], night))[0] == 12


def test_adjacent_shifts_merge_into_one_window():
    """An early and a late shift that touch make one 16-hour window: 12 hours fit from 6."""
    shifts = [
        {"days": EVERY_DAY, "start": "06:00", "end": "14:00"},
        {"days": EVERY_DAY, "start": "14:00", "end": "22:00"},
    ]
    objective, ops = _solved(_problem([[_op("o", 12)]], shifts))
    assert objective == 18 and ops[0].start == 6


def test_release_inside_a_shift_counts_from_the_release():
    """Released at 14 with 2 hours left in the shift, 4 hours of work wait for the next day."""
    problem = _problem([[_op("o", 4)]], [DAY_SHIFT], release=14)
    assert _solved(problem)[0] == 36


def _two_modes(release: int, resumable: bool = False, slow: int = 20) -> Problem:
    """4 hours on m0 (day shift) or `slow` hours on m1 (always available)."""
    modes = [{"machine_id": "m0", "duration": 4}, {"machine_id": "m1", "duration": slow}]
    operation = {"id": "o", "machines": modes, "resumable": resumable}
    return _problem([[operation]], [DAY_SHIFT], release=release)


def test_calendar_decides_the_mode():
    """Released at 0 the calendar machine wins (8-12); released at 14 the other one (14-34)."""
    objective, ops = _solved(_two_modes(0))
    assert objective == 12 and ops[0].machine == 0
    objective, ops = _solved(_two_modes(14))
    assert objective == 34 and ops[0].machine == 1


def test_resumable_mode_among_several():
    """Released at 14, a resumable 4 hours on m0 run 14-16 and 32-34, before m1's 35; with a
    19-hour m1 (ending at 33), m1."""
    objective, ops = _solved(_two_modes(14, resumable=True, slow=21))
    assert objective == 34 and ops[0].machine == 0 and ops[0].end - ops[0].start == 20
    objective, ops = _solved(_two_modes(14, resumable=True, slow=19))
    assert objective == 33 and ops[0].machine == 1


def test_horizon_reaches_weeks_ahead():
    """One 4-hour window a week and three 4-hour orders: the last ends in the third week."""
    weekly = [{"days": ["mon"], "start": "08:00", "end": "12:00"}]
    problem = _problem([[_op("o", 4)] for _ in range(3)], weekly)
    assert horizon(problem) >= 2 * 168 + 12
    assert _solved(problem)[0] == 2 * 168 + 12


def test_calendar_guard_lifts_the_calendar_when_explaining():
    """With the named calendar constraint switched off, the operation may run at 0."""
    problem = _problem([[_op("o", 10, resumable=True)]], [DAY_SHIFT])
    for enforce, makespan in ((True, 34), (False, 10)):
        sm = cpsat.build_model(problem, explain=True)
        guards = sm.ops.guards
        assert guards is not None and set(guards) == {"calendar:0"}
        sm.model.add(guards["calendar:0"] == int(enforce))
        solver = cp_model.CpSolver()
        assert solver.solve(sm.model) == cp_model.OPTIMAL
        assert solver.objective_value == makespan


def test_zero_work_ignores_the_calendar():
    """A zero-work operation may sit at a non-working tick."""
    objective, ops = _solved(_problem([[_op("o", 0)]], [DAY_SHIFT]))
    assert objective == 0 and ops[0].start == 0


# --------------------------------------------------------------------------------------------------
# Verifier


def _kinds(problem: Problem, *rows: tuple[int, int, int, int, int]) -> set[ViolationKind]:
    schedule = Schedule(tuple(ScheduledOperation(*r) for r in rows))
    return {v.kind for v in verify(problem, schedule).violations}


@pytest.fixture
def day_shift() -> Problem:
    """j0: a non-resumable 4 hours; j1: a resumable 10 hours; both on the day shift."""
    return _problem([[_op("a", 4)], [_op("b", 10, resumable=True)]], [DAY_SHIFT])


def test_verify_accepts_work_inside_the_calendar(day_shift):
    """a in the second day's shift, b paused overnight: no violation."""
    assert _kinds(day_shift, (0, 0, 0, 32, 36), (1, 0, 0, 8, 34)) == {ViolationKind.OVERLAP}
    assert _kinds(day_shift, (0, 0, 0, 34, 38), (1, 0, 0, 8, 34)) == set()


def test_verify_non_resumable_across_a_break(day_shift):
    """A non-resumable operation running from 14 to 18 crosses the end of the shift."""
    assert _kinds(day_shift, (0, 0, 0, 14, 18), (1, 0, 0, 32, 58)) == {ViolationKind.CALENDAR}


def test_verify_resumable_starting_off_shift(day_shift):
    """A resumable operation starting at 6, before the shift, is reported."""
    assert _kinds(day_shift, (0, 0, 0, 56, 60), (1, 0, 0, 6, 34)) == {ViolationKind.CALENDAR}


def test_verify_resumable_through_a_break_without_pausing(day_shift):
    """A resumable span equal to its work that crosses the night is reported."""
    assert _kinds(day_shift, (0, 0, 0, 8, 12), (1, 0, 0, 12, 22)) == {ViolationKind.CALENDAR}


def test_verify_resumable_ending_after_idle_ticks():
    """A span that holds its work but ends on a non-working tick did not end when it was done."""
    problem = _problem([[_op("o", 8, resumable=True)]], [DAY_SHIFT])
    assert _kinds(problem, (0, 0, 0, 8, 16)) == set()
    assert _kinds(problem, (0, 0, 0, 8, 17)) == {ViolationKind.CALENDAR}


def test_verify_resumable_with_the_wrong_work(day_shift):
    """A paused span holding 9 working ticks for 10 of work is a wrong duration."""
    assert _kinds(day_shift, (0, 0, 0, 56, 60), (1, 0, 0, 8, 33)) == {ViolationKind.WRONG_DURATION}


def test_verify_maintenance_exception():
    """Running through a maintenance exception is a calendar violation."""
    problem = _problem([[_op("o", 4)]], [DAY_SHIFT], [{"start": 8, "end": 12}])
    assert _kinds(problem, (0, 0, 0, 12, 16)) == set()
    assert _kinds(problem, (0, 0, 0, 8, 12)) == {ViolationKind.CALENDAR}


def test_verify_stretched_non_resumable():
    """A non-resumable operation may not stretch over a break, however many ticks it works."""
    problem = _problem([[_op("o", 10)]], [DAY_SHIFT])
    assert _kinds(problem, (0, 0, 0, 8, 34)) == {ViolationKind.WRONG_DURATION}


# --------------------------------------------------------------------------------------------------
# Property: every schedule the solver returns passes the verifier

SHIFT_PATTERNS = [
    [DAY_SHIFT],
    [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "10:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "12:00", "end": "18:00"},
    ],
    [{"days": EVERY_DAY, "start": "22:00", "end": "06:00"}],
    [{"days": ["mon", "wed"], "start": "00:00", "end": "24:00"}],
]


@st.composite
def factory_problems(draw: st.DrawFn) -> Problem:
    """Two or three orders of one to three operations on two machines, with routing graphs, lags,
    calendars (shifts and a maintenance), resumable operations and capacity up to 2."""
    exceptions = []
    if draw(st.booleans()):
        start = draw(st.integers(0, 60))
        exceptions.append({"start": start, "end": start + draw(st.integers(1, 12))})
    calendars = [
        {"id": "c0", "shifts": draw(st.sampled_from(SHIFT_PATTERNS)), "exceptions": exceptions},
        {"id": "c1", "shifts": draw(st.sampled_from(SHIFT_PATTERNS))},
    ]
    machines = [
        {
            "id": f"m{m}",
            "capacity": draw(st.integers(1, 2)),
            **({"calendar": f"c{m}"} if draw(st.booleans()) else {}),
        }
        for m in range(2)
    ]
    orders = []
    for j in range(draw(st.integers(2, 3))):
        operations = []
        for k in range(draw(st.integers(1, 3))):
            modes = [
                {"machine_id": f"m{m}", "duration": draw(st.integers(0, 6))}
                for m in draw(st.sampled_from([[0], [1], [0, 1]]))
            ]
            predecessors = []
            for p in range(k):
                if draw(st.booleans()):
                    min_lag = draw(st.integers(0, 3))
                    max_lag = draw(st.one_of(st.none(), st.integers(min_lag, min_lag + 3)))
                    predecessors.append(
                        {"operation_id": f"o{p}", "min_lag": min_lag, "max_lag": max_lag}
                    )
            operations.append(
                {
                    "id": f"o{k}",
                    "machines": modes,
                    "predecessors": predecessors,
                    "resumable": draw(st.booleans()),
                }
            )
        orders.append(
            {"id": f"j{j}", "operations": operations, "release": draw(st.integers(0, 10))}
        )
    objective = draw(st.sampled_from(["makespan", "weighted_completion"]))
    return parse_problem(
        {
            "tick": "PT1H",
            "calendars": calendars,
            "machines": machines,
            "orders": orders,
            "objective": objective,
        }
    )


def _surely_feasible(problem: Problem) -> bool:
    """Without maximum lags, running everything one after another works when every operation has
    a mode that fits its machine's calendar somewhere (weekly patterns repeat)."""
    longest: dict[str | None, int] = {None: 10**9}
    for calendar in problem.calendars:
        windows = problem.working_windows(calendar.id, 4 * 168)
        longest[calendar.id] = max((b - a for a, b in windows[1:-1]), default=0)
    machine_calendar = {m.id: m.calendar for m in problem.machines}
    for order in problem.orders:
        for op in order.operations:
            if any(p.max_lag is not None for p in op.predecessors or ()):
                return False
            if not any(
                mode.duration == 0
                or (op.resumable and longest[machine_calendar[mode.machine_id]] > 0)
                or (mode.duration or 0) <= longest[machine_calendar[mode.machine_id]]
                for mode in op.machines
            ):
                return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_problems())
def test_solved_schedules_pass_the_verifier(problem):
    """Every schedule solve returns on small factory problems passes verify, a problem with an
    obvious serial schedule is never declared infeasible, and only maximum lags (whose horizon is
    no proof) may leave a small problem UNKNOWN."""
    result = solve(problem, SolveParams(time_limit=5, workers=2))
    statuses = {SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE}
    if not horizon_is_proof(problem):
        statuses.add(SolveStatus.UNKNOWN)
    assert result.status in statuses
    if result.schedule is not None:
        report = verify(problem, result.schedule)
        assert report.ok, report.violations
        assert report.objective == result.objective
    elif _surely_feasible(problem):
        raise AssertionError("a problem with a serial schedule was declared infeasible")


@st.composite
def _windows(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-adjacent windows within [0, 60)."""
    cuts = sorted(draw(st.sets(st.integers(0, 60), max_size=10)))
    windows = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a]
    return [w for i, w in enumerate(windows) if i == 0 or w[0] > windows[i - 1][1]]


def _brute_end(windows: list[tuple[int, int]], start: int, work: int) -> int | None:
    """Walk tick by tick from a working start until `work` working ticks are done."""
    working = {t for a, b in windows for t in range(a, b)}
    if start not in working:
        return None
    t, done = start, 0
    while done < work:
        if t >= 60:
            return None
        done += t in working
        t += 1
    return t


@settings(max_examples=300, deadline=None)
@given(_windows(), st.integers(1, 12), st.integers(0, 30), st.integers(0, 70))
def test_calendar_starts_match_a_tick_walk(windows, work, lo, hi):
    """The model's start segments and offsets are exactly the tick-by-tick ends, within [lo, hi];
    non-resumable starts are those whose whole run lies in one window."""
    inside = {s for a, b in windows for s in range(max(a, lo), min(b, hi) - work + 1)}
    starts = {
        s for first, last in _window_starts(windows, work, lo, hi) for s in range(first, last + 1)
    }
    assert starts == inside
    plan = _resumable_starts(windows, _prefix_lengths(windows), work, lo, hi)
    offset_of: dict[int, int] = {}
    for offset, intervals in plan.starts.items():
        for first, last in intervals:
            for s in range(first, last + 1):
                assert s not in offset_of
                offset_of[s] = offset
    for s in range(0, 70):
        end = _brute_end(windows, s, work)
        expected = None if end is None or s < lo or end > hi else end - s - work
        assert offset_of.get(s) == expected, (s, end)
