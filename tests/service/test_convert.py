"""Proto ↔ domain conversion and the size caps, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import LIMITS, two_orders

from scheduler.problem import InvalidProblem
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.service import convert
from scheduler.service.convert import pb
from scheduler.service.limits import (
    DeadlineTooShort,
    ServiceLimits,
    check_problem,
    size_violations,
    solve_params,
)


def _fields(error: pytest.ExceptionInfo[InvalidProblem]) -> set[str]:
    return {v.field for v in error.value.violations}


def test_round_trip_keeps_the_problem() -> None:
    """problem → proto → problem gives back an equal problem, times included."""
    message = two_orders()
    message.planning_start.FromSeconds(1_700_000_000)
    message.tick.FromSeconds(60 * 15)
    message.orders[0].due = 7
    message.orders[0].weight = 0
    message.objective.terms.add(kind=pb.OBJECTIVE_KIND_WEIGHTED_COMPLETION, weight=3)
    problem = convert.problem_from_proto(message)
    assert problem.planning_start == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert problem.tick == timedelta(minutes=15)
    assert problem.orders[0].due == 7 and problem.orders[0].weight == 0
    assert problem.orders[1].weight == 1  # absent weight means 1
    assert convert.problem_from_proto(convert.problem_to_proto(problem)) == problem


def test_defaults_when_absent() -> None:
    """No objective means makespan; no tick means one minute; no due date means none."""
    problem = convert.problem_from_proto(two_orders())
    assert [t.kind.value for t in problem.objective.terms] == ["makespan"]
    assert problem.tick == timedelta(minutes=1) and problem.orders[0].due is None


def test_unspecified_objective_kind_is_named() -> None:
    """OBJECTIVE_KIND_UNSPECIFIED is rejected at objective.terms[i].kind with the valid kinds."""
    message = two_orders()
    message.objective.terms.add(kind=pb.OBJECTIVE_KIND_MAKESPAN)
    message.objective.terms.add()
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert _fields(caught) == {"objective.terms[1].kind"}
    assert "OBJECTIVE_KIND_MAKESPAN" in caught.value.violations[0].reason


def test_invalid_timestamp_and_duration_are_named() -> None:
    """An out-of-range planning_start and a negative tick name their fields."""
    message = two_orders()
    message.planning_start.seconds = 10**15
    message.tick.seconds = -5
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert _fields(caught) == {"planning_start", "tick"}


def test_absolute_times_must_fit() -> None:
    """planning_start + horizon * tick past year 9999 is refused at `tick`."""
    message = two_orders()
    message.planning_start.FromSeconds(0)
    message.tick.FromSeconds(10**11)
    with pytest.raises(InvalidProblem) as caught:
        check_problem(message, LIMITS)
    assert _fields(caught) == {"tick"}


def test_size_caps_name_fields() -> None:
    """Machine, operation and horizon caps name their fields before anything is built."""
    limits = ServiceLimits(
        max_machines=1, max_horizon=100, total_workers=1, max_concurrent_solves=1
    )
    message = two_orders()
    message.orders[0].due = 101
    message.orders[1].operations[0].machines[0].duration = 1000
    fields = {v.field for v in size_violations(message, limits)}
    assert fields == {"machines", "orders[0].due", "orders[1].operations[0].machines[0].duration"}


def test_schedule_round_trip() -> None:
    """A schedule survives proto and back (the job snapshot path)."""
    problem = convert.problem_from_proto(two_orders())
    schedule = Schedule(
        (
            ScheduledOperation(0, 0, 0, 0, 3),
            ScheduledOperation(0, 1, 1, 3, 5),
            ScheduledOperation(1, 0, 1, 0, 3),
        )
    )
    again = convert.schedule_from_proto(problem, convert.schedule_to_proto(problem, schedule))
    assert again == schedule


def test_schedule_with_unknown_ids_is_dropped() -> None:
    """A snapshot naming unknown ids gives no hint rather than a wrong one."""
    problem = convert.problem_from_proto(two_orders())
    message = pb.Schedule(operations=[pb.ScheduledOperation(order_id="zz", machine_id="m1")])
    assert convert.schedule_from_proto(problem, message) is None


def test_params_capped_by_server_and_deadline() -> None:
    """Time limit = min(requested, server cap, deadline - margin); workers capped per slot."""
    message = pb.SolveParameters(workers=64)
    message.time_limit.FromSeconds(1000)
    params = solve_params(message, LIMITS)
    assert params.time_limit == LIMITS.max_time_limit and params.workers == 1
    assert solve_params(message, LIMITS, remaining=2.0).time_limit < 2.0 * 0.9
    assert solve_params(pb.SolveParameters(), LIMITS).time_limit == LIMITS.default_time_limit
    with pytest.raises(DeadlineTooShort):
        solve_params(message, LIMITS, remaining=0.05)


def test_limits_refuse_more_solves_than_cores() -> None:
    """Concurrent solves beyond the worker budget would oversubscribe the cores: refused."""
    with pytest.raises(ValueError):
        ServiceLimits(max_concurrent_solves=4, total_workers=2)
