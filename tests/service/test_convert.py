"""Proto ↔ domain conversion and the size caps, without a server."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime, timedelta

import pytest
from conftest import LIMITS, two_orders
from google.protobuf import json_format

from scheduler.problem import InvalidProblem, parse_problem
from scheduler.schedule import Purchase, Schedule, ScheduledOperation
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


FACTORY = {
    "name": "factory round trip",
    "planning_start": "2026-11-23T06:00:00Z",
    "machines": [
        {
            "id": "press",
            "calendar": "two-shifts",
            "setups": [
                {"to_family": "red", "time": 5},
                {"from_family": "red", "to_family": "blue", "time": 7, "cost": 3},
            ],
        },
        {"id": "oven", "capacity": 4},
    ],
    "calendars": [
        {
            "id": "two-shifts",
            "shifts": [{"days": ["mon", "tue"], "start": "06:00", "end": "22:00"}],
            "exceptions": [
                {"start": "2026-11-24T10:00:00Z", "end": "2026-11-24T12:00:00Z"},
                {"start": 3000, "end": 3100, "working": True, "reason": "overtime"},
            ],
        }
    ],
    "families": [{"id": "red"}, {"id": "blue", "name": "Blue parts"}],
    "resources": [{"id": "ann", "calendar": "two-shifts"}, {"id": "jig", "kind": "tool"}],
    "items": [
        {
            "id": "resin",
            "stock": 5,
            "suppliers": [
                {"id": "fast", "lead_time": 60, "unit_cost": 9, "min_order_quantity": 10}
            ],
        },
        {"id": "body"},
    ],
    "purchase_orders": [{"id": "PO-1", "item_id": "resin", "quantity": 20, "arrival": 300}],
    "orders": [
        {
            "id": "WO-1",
            "quantity": 3,
            "due": 900,
            "deadline": 2000,
            "operations": [
                {
                    "id": "mould",
                    "machines": [{"machine_id": "press", "setup": 10, "per_unit": 4}],
                    "family": "red",
                    "resources": [{"resources": ["ann"]}, {"resources": ["jig"], "quantity": 1}],
                    "consumes": [{"item_id": "resin", "quantity": 8}],
                    "produces": [{"item_id": "body", "quantity": 3}],
                    "predecessors": [],
                },
                {
                    "id": "cure",
                    "machines": [{"machine_id": "oven", "duration": 120}],
                    "resumable": True,
                    "consumes": [{"item_id": "body", "quantity": 3}],
                    "predecessors": [{"operation_id": "mould", "min_lag": 5, "max_lag": 30}],
                },
            ],
        },
        {
            "id": "WO-2",
            "operations": [
                {"id": "a", "machines": [{"machine_id": "press", "duration": 3}]},
                {"id": "b", "machines": [{"machine_id": "oven", "duration": 4}]},
            ],
        },
    ],
    "objective": {
        "levels": [
            {"terms": [{"kind": "total_weighted_tardiness"}], "tolerance": 0.1},
            {"terms": [{"kind": "purchase_cost"}, {"kind": "setup_cost", "weight": 2}]},
        ]
    },
}


def test_factory_problem_round_trip() -> None:
    """Every factory field (calendars, setups, resources, materials, graphs, levels) survives
    domain → proto → domain."""
    problem = parse_problem(FACTORY)
    back = convert.problem_from_proto(convert.problem_to_proto(problem))
    assert back.model_dump() == problem.model_dump()
    assert back.index.topological.tolist() == problem.index.topological.tolist()


def test_factory_reference_errors_name_proto_fields() -> None:
    """Unknown calendar, family, resource and item ids are named by their proto paths."""
    message = convert.problem_to_proto(parse_problem(FACTORY))
    message.machines[0].calendar = "night"
    message.orders[0].operations[0].family = "green"
    message.orders[0].operations[0].resources[0].resources[0] = "bob"
    message.orders[0].operations[1].consumes[0].item_id = "glue"
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert _fields(caught) == {
        "machines[0].calendar",
        "orders[0].operations[0].family",
        "orders[0].operations[0].resources[0].resources[0]",
        "orders[0].operations[1].consumes[0].item_id",
    }


def test_objective_level_kind_is_named() -> None:
    """An unspecified kind in a lexicographic level is named with the level's path."""
    message = convert.problem_to_proto(parse_problem(FACTORY))
    message.objective.levels[1].terms.add()
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert _fields(caught) == {"objective.levels[1].terms[2].kind"}


def test_factory_schedule_round_trip() -> None:
    """Chosen resources and planned purchases survive schedule → proto → schedule."""
    problem = parse_problem(FACTORY)
    schedule = Schedule(
        (
            ScheduledOperation(0, 0, 0, 0, 22, (0, 1)),
            ScheduledOperation(0, 1, 1, 30, 150),
            ScheduledOperation(1, 0, 0, 22, 25),
            ScheduledOperation(1, 1, 1, 25, 29),
        ),
        (Purchase(0, 0, 10, 0, 60),),
    )
    message = convert.schedule_to_proto(problem, schedule)
    assert list(message.operations[0].resource_ids) == ["ann", "jig"]
    assert message.purchases[0].cost == 90
    assert message.purchases[0].arrival_time.ToDatetime(tzinfo=UTC) == datetime(
        2026, 11, 23, 7, 0, tzinfo=UTC
    )
    assert convert.schedule_from_proto(problem, message) == schedule


# --------------------------------------------------------------------------------------------------
# Strict input: what proto3 cannot tell apart is refused, not guessed


def _local_factory() -> dict:
    """FACTORY planned at 06:00 UTC+1, its maintenance written 10:00-12:00 without an offset."""
    data = copy.deepcopy(FACTORY)
    data["planning_start"] = "2026-11-23T06:00:00+01:00"
    data["calendars"][0]["exceptions"][0].update(
        start="2026-11-24T10:00:00", end="2026-11-24T12:00:00"
    )
    return data


def _local_plant_proto() -> pb.Problem:
    return convert.problem_to_proto(parse_problem(_local_factory()))


def _exception(message: pb.Problem) -> pb.CalendarException:
    return message.calendars[0].exceptions[0]


def test_offsetless_local_times_reach_the_proto_as_instants() -> None:
    """Maintenance written 10:00 local (UTC+1) is 09:00Z on the wire, a day and 4 h after tick 0."""
    message = _local_plant_proto()
    assert _exception(message).start_time.ToDatetime(tzinfo=UTC) == datetime(
        2026, 11, 24, 9, tzinfo=UTC
    )
    problem = convert.problem_from_proto(message)
    exception = problem.calendars[0].exceptions[0]
    assert (problem.tick_of(exception.start), problem.tick_of(exception.end)) == (1680, 1800)


@pytest.mark.parametrize("missing", ["start_time", "end_time"])
def test_half_timestamped_exception_is_refused(missing: str) -> None:
    """With one timestamp unset, its int64 tick reads 0 whether set or forgotten: refused."""
    message = _local_plant_proto()
    _exception(message).ClearField(missing)
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    (violation,) = caught.value.violations
    assert violation.field == "calendars[0].exceptions[0]"
    assert "give both start_time and end_time" in violation.reason


def test_tick_beside_its_timestamp_is_refused() -> None:
    """A start in ticks next to start_time is a contradiction, no longer silently ignored."""
    message = _local_plant_proto()
    _exception(message).start = 1680
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert _fields(caught) == {"calendars[0].exceptions[0].start"}


@pytest.mark.parametrize(
    ("edit", "field", "fragment"),
    [
        (lambda m: m.tick.FromSeconds(0), "tick", "positive"),
        (lambda m: m.objective.SetInParent(), "objective.terms", "at least 1"),
        (
            lambda m: m.objective.levels.add(tolerance=math.nan).terms.add(kind=1),
            "objective.levels[0].tolerance",
            "finite",
        ),
        (lambda m: setattr(m.orders[0], "quantity", 0), "orders[0].quantity", "got the number 0"),
    ],
    ids=["zero tick", "empty objective", "nan tolerance", "zero quantity"],
)
def test_zero_and_empty_values_are_refused_not_defaulted(edit, field: str, fragment: str) -> None:
    """A set-but-zero tick, an empty objective, a NaN tolerance and a zero quantity are named."""
    message = _local_plant_proto()
    message.ClearField("objective")
    edit(message)
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    reasons = {v.field: v.reason for v in caught.value.violations}
    assert fragment in reasons[field]


def test_proto_json_timestamps_carry_an_offset() -> None:
    """The proto JSON mapping refuses an offset-less timestamp, so none reaches the conversion."""
    with pytest.raises(json_format.ParseError):
        json_format.Parse('{"planningStart": "2025-03-03T06:00:00"}', pb.Problem())
    parsed = json_format.Parse('{"planningStart": "2025-03-03T06:00:00+01:00"}', pb.Problem())
    assert parsed.planning_start.ToDatetime(tzinfo=UTC) == datetime(2025, 3, 3, 5, tzinfo=UTC)


def test_a_plant_off_utc_keeps_its_shifts_through_the_proto() -> None:
    """planning_start at UTC+1 travels with its offset (`utc_offset`), so the weekly shifts are
    read on the plant's clock: the same working windows as from the file."""
    problem = parse_problem(_local_factory())
    message = convert.problem_to_proto(problem)
    assert message.utc_offset.ToTimedelta() == timedelta(hours=1)
    through = convert.problem_from_proto(message)
    assert through.planning_start == problem.planning_start
    for calendar in problem.calendars:
        assert through.working_windows(calendar.id, 20_000) == problem.working_windows(
            calendar.id, 20_000
        )


def test_a_utc_offset_of_a_day_or_more_is_refused() -> None:
    """An offset no time zone has names its field."""
    message = _local_plant_proto()
    message.utc_offset.FromTimedelta(timedelta(hours=24))
    with pytest.raises(InvalidProblem) as caught:
        convert.problem_from_proto(message)
    assert [v.field for v in caught.value.violations] == ["utc_offset"]
