"""Validation of the problem model: every rejection names the field and the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from helpers import COERCIONS, Coercion, edited, jobshop, local_plant, make_problem

from scheduler.formats.catalog import instances_dir
from scheduler.params import SolveParams
from scheduler.problem import (
    MAX_TIME,
    InvalidProblem,
    ObjectiveKind,
    parse_problem,
    parse_problem_json,
)
from scheduler.solve import solve


def _base() -> dict:
    return {
        "machines": [{"id": "m0"}, {"id": "m1"}],
        "orders": [
            {
                "id": "WO-1",
                "operations": [
                    {"id": "cut", "machines": [{"machine_id": "m0", "duration": 3}]},
                    {"id": "weld", "machines": [{"machine_id": "m1", "duration": 2}]},
                ],
            }
        ],
    }


def _fields(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidProblem) as caught:
        parse_problem(data)
    return {v.field: v.reason for v in caught.value.violations}


def test_valid_problem_parses_and_defaults_to_makespan():
    """A well-formed problem parses; the objective defaults to makespan."""
    problem = parse_problem(_base())
    assert problem.objective.weight(ObjectiveKind.MAKESPAN) == 1
    assert problem.index.n_operations == 2


def test_duplicate_machine_id_names_the_field():
    """A repeated machine id is reported at machines[1].id."""
    data = _base()
    data["machines"][1]["id"] = "m0"
    data["orders"][0]["operations"][1]["machines"][0]["machine_id"] = "m0"
    assert "duplicate" in _fields(data)["machines[1].id"]


def test_unknown_machine_reference_names_the_path():
    """A dangling machine reference is reported with its full path."""
    data = _base()
    data["orders"][0]["operations"][1]["machines"][0]["machine_id"] = "press-9"
    reason = _fields(data)["orders[0].operations[1].machines[0].machine_id"]
    assert "press-9" in reason


def test_duplicate_order_and_operation_ids():
    """Repeated order ids and repeated operation ids within an order are both reported."""
    data = _base()
    data["orders"].append(dict(data["orders"][0]))
    data["orders"][0]["operations"][1]["id"] = "cut"
    fields = _fields(data)
    assert "orders[1].id" in fields
    assert "orders[0].operations[1].id" in fields


def test_empty_routing_and_no_eligible_machine():
    """An order without operations and an operation without machines are rejected."""
    data = _base()
    data["orders"][0]["operations"][0]["machines"] = []
    assert "orders[0].operations[0].machines" in _fields(data)
    data = _base()
    data["orders"][0]["operations"] = []
    assert "orders[0].operations" in _fields(data)


def test_negative_duration_and_release_are_rejected():
    """Negative times name their field; zero durations are allowed."""
    data = _base()
    data["orders"][0]["operations"][0]["machines"][0]["duration"] = -1
    data["orders"][0]["release"] = -5
    fields = _fields(data)
    assert "orders[0].operations[0].machines[0].duration" in fields
    assert "orders[0].release" in fields
    data = _base()
    data["orders"][0]["operations"][0]["machines"][0]["duration"] = 0
    assert parse_problem(data).index.min_duration[0] == 0


def test_values_past_caps_are_rejected():
    """A duration past the cap, and releases plus durations past it, are rejected."""
    data = _base()
    data["orders"][0]["operations"][0]["machines"][0]["duration"] = MAX_TIME + 1
    assert "orders[0].operations[0].machines[0].duration" in _fields(data)
    data = _base()
    data["orders"][0]["release"] = MAX_TIME
    assert "past the cap" in _fields(data)["orders"]


def test_unknown_fields_are_rejected():
    """A misspelt field is an error, never silently ignored."""
    data = _base()
    data["orders"][0]["relase"] = 4
    assert "orders[0].relase" in _fields(data)


def test_machine_listed_twice_for_one_operation():
    """The same machine twice among one operation's modes is ambiguous and rejected."""
    data = _base()
    data["orders"][0]["operations"][0]["machines"].append({"machine_id": "m0", "duration": 5})
    assert "listed twice" in _fields(data)["orders[0].operations[0].machines[1].machine_id"]


def test_objective_shorthand_and_weighted_terms():
    """A bare objective name is one term; repeated kinds are rejected."""
    problem = make_problem([[[(0, 1)]]], objective="weighted_completion")
    assert problem.objective.weight(ObjectiveKind.WEIGHTED_COMPLETION) == 1
    data = _base()
    data["objective"] = {"terms": [{"kind": "makespan"}, {"kind": "makespan", "weight": 2}]}
    assert "objective.levels[0].terms" in _fields(data)


def test_json_syntax_error_is_invalid_problem():
    """Broken JSON becomes InvalidProblem, not a raw exception."""
    with pytest.raises(InvalidProblem):
        parse_problem_json(b'{"machines": [')


def test_index_heads_and_tails():
    """Heads and tails are the shortest work before and after each operation."""
    problem = make_problem([[[(0, 3)], [(1, 2), (0, 4)], [(0, 1)]]], release=[5])
    ix = problem.index
    assert ix.head.tolist() == [5, 8, 10]
    assert ix.tail.tolist() == [3, 1, 0]
    assert ix.op_of_mode.tolist() == [0, 1, 1, 2]
    assert jobshop([[(0, 1)], [(0, 2)]]).index.safe_horizon == 3


# --------------------------------------------------------------------------------------------------
# Strict input


def _refusals(parse, value) -> dict[str, str]:
    with pytest.raises(InvalidProblem) as caught:
        parse(value)
    return {v.field: v.reason for v in caught.value.violations}


@pytest.mark.parametrize("case", COERCIONS, ids=lambda c: c.case)
def test_json_text_refuses_each_coercion_naming_the_field(case: Coercion):
    """Each once-coerced value in a JSON document is refused at its field, with the reason."""
    refusals = _refusals(parse_problem_json, case.text())
    assert case.reason in refusals[case.reported]


@pytest.mark.parametrize("case", [c for c in COERCIONS if not c.twice], ids=lambda c: c.case)
def test_plain_data_refuses_each_coercion_like_json(case: Coercion):
    """Plain Python data (parsed JSON) is held to the same rules as JSON text."""
    refusals = _refusals(parse_problem, case.data())
    assert set(refusals) == set(_refusals(parse_problem_json, case.text())) == {case.reported}
    assert case.reason in refusals[case.reported]


def test_duplicate_keys_are_named_wherever_they_are():
    """A key written twice is refused at its path, at the top level and deep inside a list."""
    text = json.dumps(local_plant()).replace('"name": ', '"name": "a", "name": ', 1)
    text = text.replace('"duration": 60', '"duration": 60, "duration": 6')
    refusals = _refusals(parse_problem_json, text)
    assert set(refusals) == {"name", "orders[0].operations[0].machines[0].duration"}
    assert "duplicate key 'duration'" in refusals["orders[0].operations[0].machines[0].duration"]


def test_an_offset_needs_an_offset_on_the_planning_start():
    """An exception with an offset cannot be placed against a planning start without one."""
    data = edited(local_plant(), "planning_start", "2025-03-03T00:00:00")
    data = edited(data, "calendars.0.exceptions.0.start", "2025-03-03T06:00:00Z")
    data = edited(data, "calendars.0.exceptions.0.end", "2025-03-03T08:00:00Z")
    reason = _refusals(parse_problem, data)["calendars[0].exceptions[0]"]
    assert "planning_start" in reason


def test_valid_forms_still_read():
    """ISO timestamps (with Z, an offset or none), ISO durations and plain ticks all read."""
    data = edited(local_plant(), "tick", "PT5M")
    data = edited(data, "calendars.0.exceptions.0.start", "2025-03-03T06:00Z")
    data = edited(data, "calendars.0.exceptions.0.end", "2025-03-03 08:00:00.5+01:00")
    problem = parse_problem_json(json.dumps(data))
    assert problem.tick == timedelta(minutes=5)
    exception = problem.calendars[0].exceptions[0]
    assert exception.start == datetime(2025, 3, 3, 6, tzinfo=UTC)
    assert problem.tick_of(exception.start) == 84  # 07:00 local
    assert problem.tick_of(exception.end) == pytest.approx((480 + 0.5 / 60) / 5)
    data = edited(local_plant(), "calendars.0.exceptions.0.start", 360)
    data = edited(data, "calendars.0.exceptions.0.end", 480)
    assert parse_problem(data).calendars[0].exceptions[0].end == 480


@pytest.mark.parametrize(
    "start",
    [
        "2025-03-03T06:00:00+01:00",
        "2025-03-03T05:00:00Z",
        "2025-03-03T06:00",
        "2025-03-03 06:00:00.000+01:00",
        "2025-03-03T06:00:00+0100",
    ],
)
def test_iso_timestamp_spellings_read_to_the_same_tick(start: str):
    """Each ISO-8601 spelling of 06:00 local (UTC+1) is tick 360."""
    problem = parse_problem_json(
        json.dumps(edited(local_plant(), "calendars.0.exceptions.0.start", start))
    )
    assert problem.tick_of(problem.calendars[0].exceptions[0].start) == 360


@pytest.mark.parametrize(
    "tick", [timedelta(minutes=1), timedelta(minutes=90), timedelta(days=1, seconds=30.5)]
)
def test_tick_round_trips_through_its_iso_form(tick: timedelta):
    """The tick the model writes ("PT1H30M", "P1DT30.5S") is one it reads back."""
    problem = parse_problem(edited(local_plant(), "tick", "PT1M")).model_copy(update={"tick": tick})
    assert parse_problem_json(problem.model_dump_json()).tick == tick


def test_offsetless_timestamps_take_the_planning_start_offset():
    """Maintenance written 06:00-08:00 without an offset is 06:00-08:00 local (UTC+1), not UTC."""
    problem = parse_problem(local_plant())
    exception = problem.calendars[0].exceptions[0]
    assert exception.start == datetime(2025, 3, 3, 6, tzinfo=timezone(timedelta(hours=1)))
    assert (problem.tick_of(exception.start), problem.tick_of(exception.end)) == (360, 480)


def test_maintenance_in_local_time_blocks_work_at_its_local_start():
    """The shift opens at 06:00 local, but the press works only after maintenance, at 08:00."""
    result = solve(parse_problem(local_plant()), SolveParams(time_limit=5, workers=1))
    assert result.schedule is not None
    assert [op.start for op in result.schedule.operations] == [480]


def test_json_text_and_plain_data_read_the_same_plant():
    """An example plant reads to the same problem from its text and from json.loads of it."""
    text = (instances_dir() / "factory" / "assembly.json").read_text()
    assert parse_problem(json.loads(text)) == parse_problem_json(text)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("time_limit", "10", 'got the string "10"'),
        ("workers", True, "got the boolean true"),
        ("workers", 2.0, "got the number 2.0"),
        ("seed", "1", 'got the string "1"'),
        ("use_hint", "yes", 'got the string "yes"'),
        ("relative_gap_limit", float("nan"), "finite"),
    ],
)
def test_solve_params_are_strict(field: str, value, fragment: str):
    """SolveParams takes no coerced value either, and names the field."""
    from pydantic import ValidationError

    from scheduler.problem import violations_of

    with pytest.raises(ValidationError) as caught:
        SolveParams(**{field: value})
    (violation,) = violations_of(caught.value)
    assert violation.field == field and fragment in violation.reason
