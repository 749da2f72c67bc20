"""The independent verifier: each violation kind caught on a hand-broken schedule."""

from __future__ import annotations

import pytest
from helpers import jobshop, make_problem

from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.verify import ScheduleInvalid, ViolationKind, check, verify


@pytest.fixture
def two_by_two():
    """j0: m0 for 3 then m1 for 2; j1: m1 for 2 then m0 for 4; j1 released at 1."""
    return jobshop([[(0, 3), (1, 2)], [(1, 2), (0, 4)]], release=[0, 1], due=[5, 6])


def _ops(*rows: tuple[int, int, int, int, int]) -> Schedule:
    return Schedule(tuple(ScheduledOperation(*r) for r in rows))


GOOD = [(0, 0, 0, 0, 3), (0, 1, 1, 3, 5), (1, 0, 1, 1, 3), (1, 1, 0, 3, 7)]


def _kinds(problem, rows) -> set[ViolationKind]:
    return {v.kind for v in verify(problem, _ops(*rows)).violations}


def test_feasible_schedule_passes_with_kpis(two_by_two):
    """A feasible schedule passes and its KPIs are recomputed."""
    report = check(two_by_two, _ops(*GOOD))
    assert report.ok and report.objective == 7
    assert report.kpis is not None
    assert [o.tardiness for o in report.kpis.orders] == [0, 1]
    assert report.kpis.machines[0].busy == 7


def test_missing_operation(two_by_two):
    """An operation left out is reported missing."""
    assert _kinds(two_by_two, GOOD[:3]) == {ViolationKind.MISSING}


def test_duplicate_operation(two_by_two):
    """An operation scheduled twice is reported."""
    assert ViolationKind.DUPLICATE in _kinds(two_by_two, [*GOOD, GOOD[0]])


def test_unknown_operation(two_by_two):
    """An operation the problem does not have is reported."""
    assert ViolationKind.UNKNOWN_OPERATION in _kinds(two_by_two, [*GOOD, (0, 5, 0, 9, 10)])


def test_ineligible_machine(two_by_two):
    """Running an operation on a machine not among its modes is reported."""
    rows = [(0, 0, 1, 0, 3), *GOOD[1:]]
    assert ViolationKind.INELIGIBLE_MACHINE in _kinds(two_by_two, rows)


def test_wrong_duration(two_by_two):
    """An end that is not start plus the mode's duration is reported."""
    rows = [(0, 0, 0, 0, 2), *GOOD[1:]]
    assert _kinds(two_by_two, rows) == {ViolationKind.WRONG_DURATION}


def test_before_release(two_by_two):
    """Starting an order before its release is reported."""
    rows = [*GOOD[:2], (1, 0, 1, 0, 2), (1, 1, 0, 3, 7)]
    assert _kinds(two_by_two, rows) == {ViolationKind.BEFORE_RELEASE}


def test_precedence(two_by_two):
    """Starting an operation before its predecessor ends is reported."""
    rows = [(0, 0, 0, 0, 3), (0, 1, 1, 2, 4), (1, 0, 1, 4, 6), (1, 1, 0, 6, 10)]
    assert _kinds(two_by_two, rows) == {ViolationKind.PRECEDENCE}


def test_overlap(two_by_two):
    """Two operations on one machine at the same time are reported."""
    rows = [(0, 0, 0, 0, 3), (0, 1, 1, 3, 5), (1, 0, 1, 1, 3), (1, 1, 0, 2, 6)]
    kinds = _kinds(two_by_two, rows)
    assert ViolationKind.OVERLAP in kinds


def test_negative_start():
    """A start before tick 0 is reported."""
    problem = jobshop([[(0, 2)]])
    assert ViolationKind.NEGATIVE_START in _kinds(problem, [(0, 0, 0, -2, 0)])


def test_zero_length_operation_overlaps_nothing():
    """An empty interval inside another operation's run is not an overlap."""
    problem = jobshop([[(0, 4)], [(0, 0)]])
    assert verify(problem, _ops((0, 0, 0, 0, 4), (1, 0, 0, 2, 2))).ok


def test_check_raises_on_invalid(two_by_two):
    """check() raises ScheduleInvalid listing the violations."""
    with pytest.raises(ScheduleInvalid, match="missing"):
        check(two_by_two, _ops(*GOOD[:3]))


def test_overlap_across_a_long_operation():
    """An operation nested after a short one inside a long one is still caught."""
    problem = make_problem([[[(0, 10)]], [[(0, 1)]], [[(0, 1)]]])
    rows = [(0, 0, 0, 0, 10), (1, 0, 0, 1, 2), (2, 0, 0, 5, 6)]
    overlaps = [v for v in verify(problem, _ops(*rows)).violations if v.kind == "overlap"]
    assert len(overlaps) == 2
