"""Validation of the problem model: every rejection names the field and the reason."""

from __future__ import annotations

import pytest
from helpers import jobshop, make_problem

from scheduler.problem import (
    MAX_TIME,
    InvalidProblem,
    ObjectiveKind,
    parse_problem,
    parse_problem_json,
)


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
