"""Rescheduling from shop-floor events: pins, breakdowns, stability, bad input, the CLI."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from helpers import jobshop, make_problem

from scheduler import cpsat
from scheduler.cli import EXIT_INPUT, EXIT_OK, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import PinnedRepair, best_factory_dispatch
from scheduler.params import SolveParams
from scheduler.planning.events import Events
from scheduler.planning.pins import Pin, Pins, deviation
from scheduler.planning.reschedule import (
    Prepared,
    RescheduleError,
    busiest_breakdown,
    diff,
    parse_events,
    prepare,
)
from scheduler.problem import Problem
from scheduler.result import SolveResult, SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import verify
from scheduler.verify.pins import check_pins

EXACT = SolveParams(time_limit=20.0, workers=1, seed=1)


def _shop() -> Problem:
    return jobshop([[(0, 3), (1, 2)], [(1, 4), (0, 3)], [(0, 2), (1, 3)]])


def _released(problem: Problem) -> Schedule:
    result = solve(problem, EXACT)
    assert result.schedule is not None
    return result.schedule


def _hand_plan() -> Schedule:
    """An optimal plan of `_shop()` (makespan 9), written out so tests can name its times."""
    return Schedule(
        tuple(
            ScheduledOperation(*op)
            for op in [(0, 0, 0, 0, 3), (0, 1, 1, 4, 6), (1, 0, 1, 0, 4), (1, 1, 0, 5, 8),
                       (2, 0, 0, 3, 5), (2, 1, 1, 6, 9)]
        )
    )  # fmt: skip


def _resolve(prepared: Prepared) -> SolveResult:
    result = solve(prepared.problem, EXACT, pins=prepared.pins)
    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule is not None
    return result


def _events(*events: dict[str, Any]) -> Any:
    return parse_events({"events": list(events)})


def _flexible(seed: int) -> Problem:
    """A small flexible job shop: 4 orders of 3 operations, each on 2 of 3 machines."""
    rng = random.Random(seed)
    jobs = [
        [[(m, rng.randint(1, 6)) for m in rng.sample(range(3), 2)] for _ in range(3)]
        for _ in range(4)
    ]
    return make_problem(jobs, machines=3)


def test_a_breakdown_leaves_its_machine_idle_in_the_window():
    """No operation runs on a broken machine between the breakdown and the expected repair."""
    problem = _shop()
    released = _released(problem)
    events = _events({"kind": "machine_breakdown", "machine_id": "m0", "start": 1, "end": 6})
    result = _resolve(prepare(problem, released, events, now=1))
    assert result.schedule is not None
    on_m0 = [op for op in result.schedule.operations if op.machine == 0]
    assert any(op.start < 6 for op in released.operations if op.machine == 0)
    assert all(op.end <= 1 or op.start >= 6 for op in on_m0)


def test_frozen_running_and_completed_operations_are_unchanged():
    """Completed, running and frozen operations keep machine, start (and a completion its end)."""
    problem = _shop()
    released = _hand_plan()
    events = _events(
        {"kind": "operation_started", "order_id": "j1", "operation_id": "o0",
         "machine_id": "m1", "start": 0},
        {"kind": "operation_completed", "order_id": "j0", "operation_id": "o0", "end": 4},
        {"kind": "machine_breakdown", "machine_id": "m0", "start": 4, "end": 7},
    )  # fmt: skip
    result = _resolve(prepare(problem, released, events, now=4, freeze=2, weight=1))
    # The diff is against the problem the plan was released for, by ids.
    assert result.schedule is not None
    new = {(op.job, op.index): (op.machine, op.start, op.end) for op in result.schedule.operations}
    assert new[(0, 0)] == (0, 0, 4)  # completed late: its actual end
    assert new[(1, 0)] == (1, 0, 4)  # running
    assert new[(0, 1)] == (1, 4, 6)  # frozen: starts before now + freeze
    assert all(new[key][1] >= 7 for key in [(1, 1), (2, 0)])  # m0 is down until 7
    changes = diff(problem, released, problem, result.schedule)
    assert {"j0/o0", "j0/o1", "j1/o0"} <= set(changes.unchanged)
    assert changes.moved["j2/o0"] >= 4 and sum(changes.counts().values()) == 6


def test_an_operation_after_a_moved_predecessor_is_not_frozen():
    """A released operation in the frozen window whose predecessor must move moves with it."""
    problem = _shop()
    events = _events({"kind": "machine_breakdown", "machine_id": "m1", "start": 1, "end": 3})
    prepared = prepare(problem, _hand_plan(), events, now=1, freeze=10)
    assert 3 not in prepared.pins.fixed  # j1/o1, after j1/o0 on the broken m1
    result = _resolve(prepared)
    assert result.schedule is not None
    assert {(op.job, op.index): op.start for op in result.schedule.operations}[(1, 1)] >= 7


@pytest.mark.parametrize("seed", [3, 7])
def test_a_higher_stability_weight_never_moves_more(seed):
    """Raising the stability weight never increases the (weighted-term) deviation from the plan.

    The count of moved operations is not what the term weighs and need not fall monotonically.
    """
    problem = _flexible(seed)
    released = _released(problem)
    busiest = max(range(3), key=lambda m: sum(op.machine == m for op in released.operations))
    events = _events(
        {"kind": "machine_breakdown", "machine_id": f"m{busiest}", "start": 2, "end": 9}
    )
    deviations = []
    for weight in (0, 1, 5, 50):
        prepared = prepare(problem, released, events, now=2, weight=weight)
        schedule = _resolve(prepared).schedule
        assert schedule is not None
        index = {(op.job, op.index): i for i, op in enumerate(schedule.operations)}
        deviations.append(deviation(prepared.pins, schedule, index))
    assert deviations == sorted(deviations, reverse=True)
    assert deviations[0] > deviations[-1]  # the weight is felt on these plants


def test_weight_zero_is_a_fresh_solve_of_the_current_state():
    """At weight 0 the objective equals an ordinary solve of the problem after the events."""
    problem = _flexible(5)
    released = _released(problem)
    events = _events({"kind": "machine_breakdown", "machine_id": "m1", "start": 0, "end": 7})
    prepared = prepare(problem, released, events, now=0)
    fresh = solve(prepared.problem, EXACT)
    assert fresh.status is SolveStatus.OPTIMAL
    assert _resolve(prepared).objective == fresh.objective


@pytest.mark.parametrize(
    ("event", "field", "reason"),
    [
        ({"kind": "operation_completed", "order_id": "j9", "operation_id": "o0", "end": 3},
         "events[1].order_id", "no such order"),
        ({"kind": "operation_completed", "order_id": "j0", "operation_id": "o7", "end": 3},
         "events[1].operation_id", "no such operation"),
        ({"kind": "machine_breakdown", "machine_id": "m9", "start": 1, "end": 3},
         "events[1].machine_id", "no such machine"),
        ({"kind": "operation_started", "order_id": "j0", "operation_id": "o0",
          "machine_id": "m1", "start": 0},
         "events[1].machine_id", "no eligible machine"),
        ({"kind": "operation_completed", "order_id": "j1", "operation_id": "o1", "end": 1},
         "events[1].end", "before its start"),
    ],
)  # fmt: skip
def test_a_bad_event_is_named_and_nothing_is_applied(event, field, reason):
    """A bad event is an error naming its index, field and reason; the problem is unchanged."""
    problem = _shop()
    before = problem.model_dump()
    released = _released(problem)
    good = {"kind": "machine_breakdown", "machine_id": "m0", "start": 0, "end": 2}
    with pytest.raises(RescheduleError) as error:
        prepare(problem, released, _events(good, event), now=5)
    assert [(v.field, reason in v.reason) for v in error.value.violations] == [(field, True)]
    assert problem.model_dump() == before


def test_a_released_plan_that_does_not_match_the_problem_is_rejected():
    """A plan with an unknown order and a wrong machine names both operations' fields."""
    problem = _shop()
    released = _released(problem)
    ops = list(released.operations)
    ops[0] = type(ops[0])(9, 0, 0, 0, 1)
    ops[1] = type(ops[1])(ops[1].job, ops[1].index, 1 - ops[1].machine, 0, 1)
    with pytest.raises(RescheduleError) as error:
        prepare(problem, Schedule(tuple(ops)), _events())
    assert [v.field for v in error.value.violations] == [
        "plan.operations[0].job",
        "plan.operations[1].machine",
    ]


def test_now_before_an_event_is_rejected():
    """`now` earlier than an event it answers is an error naming `now`."""
    problem = _shop()
    events = _events(
        {"kind": "operation_started", "order_id": "j0", "operation_id": "o0",
         "machine_id": "m0", "start": 4},
    )  # fmt: skip
    with pytest.raises(RescheduleError, match="now: 2 is before"):
        prepare(problem, _released(problem), events, now=2)


def test_cli_reschedules_a_released_plan_and_writes_the_diff(tmp_path, capsys):
    """`scheduler reschedule` writes the new schedule with its diff against the released plan."""
    problem_file, plan, events, out = (
        tmp_path / n for n in ("p.json", "r.json", "e.json", "n.json")
    )
    problem_file.write_text(_shop().model_dump_json())
    assert main(["solve", str(problem_file), "--quiet", "--out", str(plan)]) == EXIT_OK
    breakdown = {"kind": "machine_breakdown", "machine_id": "m0", "start": 0, "end": 5}
    events.write_text(json.dumps({"events": [breakdown]}))
    argv = ["reschedule", str(problem_file), "--plan", str(plan), "--events", str(events)]
    assert main([*argv, "--stability", "2", "--out", str(out)]) == EXIT_OK
    document = json.loads(out.read_text())
    assert sum(document["diff"]["counts"].values()) == 6
    assert document["diff"]["counts"]["moved"] >= 1
    assert all(op["start"] >= 5 for op in document["operations"] if op["machine_id"] == "m0")
    assert "against the released plan:" in capsys.readouterr().out


def test_cli_names_a_bad_event(tmp_path, capsys):
    """A bad event makes the command fail with exit 1, naming the event's field."""
    problem_file, plan, events = (tmp_path / n for n in ("p.json", "r.json", "e.json"))
    problem_file.write_text(_shop().model_dump_json())
    assert main(["solve", str(problem_file), "--quiet", "--out", str(plan)]) == EXIT_OK
    breakdown = {"kind": "machine_breakdown", "machine_id": "press-9", "start": 0, "end": 5}
    events.write_text(json.dumps({"events": [breakdown]}))
    argv = ["reschedule", str(problem_file), "--plan", str(plan), "--events", str(events)]
    assert main(argv) == EXIT_INPUT
    assert "events[0].machine_id: no such machine" in capsys.readouterr().err


def test_without_events_the_warm_start_is_the_released_plan_purchases_included():
    """With no events the warm start verifies: the released purchases are carried over."""
    problem = read_problem(instance_path("auto-parts"))
    released = best_factory_dispatch(problem)
    assert released is not None and released.purchases
    makespan = max(op.end for op in released.operations)
    prepared = prepare(problem, released, _events(), now=makespan // 4)
    assert prepared.pins.warm_start is not None
    assert verify(prepared.problem, prepared.pins.warm_start).ok


def test_without_events_the_repair_is_the_released_plan():
    """The pin-aware repair of an unchanged state moves nothing (auto-parts)."""
    problem = read_problem(instance_path("auto-parts"))
    released = best_factory_dispatch(problem)
    assert released is not None
    makespan = max(op.end for op in released.operations)
    prepared = prepare(problem, released, _events(), now=makespan // 4)
    repaired = PinnedRepair(prepared.problem).repair(prepared.pins)
    assert repaired is not None and verify(prepared.problem, repaired).ok
    changes = diff(problem, released, prepared.problem, repaired).counts()
    assert changes["unchanged"] == problem.index.n_operations


@pytest.mark.parametrize("instance", ["auto-parts", "plant-2000"])
def test_after_a_breakdown_a_repaired_verified_plan_comes_at_once(instance):
    """A plant after its busiest machine breaks: the repaired plan, verified with its pins, is
    there in well under 5 s (0.1-0.3 s measured; before the repair none in 30 s on auto-parts,
    120 s on plant-2000), the broken machine idle in the window."""
    problem = read_problem(instance_path(instance))
    released = best_factory_dispatch(problem)
    assert released is not None
    now, window = busiest_breakdown(problem, released)
    prepared = prepare(problem, released, Events(events=[window]), now=now, weight=1)
    result = solve(prepared.problem, SolveParams(time_limit=3.0, workers=1), pins=prepared.pins)
    assert result.schedule is not None and result.heuristic_objective is not None
    assert result.heuristic_time < 5.0
    assert not check_pins(prepared.problem, result.schedule, prepared.pins)
    broken = problem.index.machine_of_id[window.machine_id]
    assert all(
        op.end <= window.start or op.start >= window.end
        for op in result.schedule.operations
        if op.machine == broken and op.end > op.start
    )


def test_a_pinned_operation_holding_another_resource_is_reported():
    """The pin check names a pinned operation whose resources differ from the pinned ones."""
    problem = _shop()
    pins = Pins(fixed={0: Pin(0, 0, 3, (1,))})
    schedule = Schedule((ScheduledOperation(0, 0, 0, 0, 3, (0,)),))
    assert check_pins(problem, schedule, pins) == [
        "pinned operation j0/o0 holds resources [0] instead of [1]"
    ]


def test_a_running_operation_on_a_broken_machine_is_planned_again_after_the_repair():
    """j1/o0 runs on m1 from 0 (4 ticks) when m1 breaks at 2 until 6: it is interrupted and
    runs again, whole, from 6 (before: pinned into the downtime, no plan)."""
    problem = _shop()
    events = _events(
        {"kind": "operation_started", "order_id": "j1", "operation_id": "o0",
         "machine_id": "m1", "start": 0},
        {"kind": "machine_breakdown", "machine_id": "m1", "start": 2, "end": 6},
    )  # fmt: skip
    prepared = prepare(problem, _hand_plan(), events, now=2, weight=1)
    assert 2 not in prepared.pins.fixed  # j1/o0
    assert prepared.pins.fixed[0] == Pin(0, 0, None, ())  # j0/o0 on m0 runs on
    result = _resolve(prepared)
    assert result.schedule is not None
    new = {(op.job, op.index): (op.machine, op.start, op.end) for op in result.schedule.operations}
    assert new[(1, 0)][1] >= 6 and new[(1, 0)][2] - new[(1, 0)][1] == 4


def test_a_breakdown_during_a_completed_operation_is_an_error_naming_it():
    """A completed operation cannot have run while its machine was down: the breakdown is named."""
    problem = _shop()
    events = _events(
        {"kind": "operation_completed", "order_id": "j0", "operation_id": "o0", "end": 3},
        {"kind": "machine_breakdown", "machine_id": "m0", "start": 2, "end": 6},
    )
    with pytest.raises(RescheduleError) as error:
        prepare(problem, _hand_plan(), events, now=3)
    assert [v.field for v in error.value.violations] == ["events[1]"]
    assert "j0/o0 ran (0-3)" in str(error.value)


def test_cancelling_a_started_order_keeps_its_history_and_drops_the_rest():
    """j0/o0 completed, then j0 is cancelled: j0/o0 stays as it ran, j0/o1 is dropped."""
    problem = _shop()
    events = _events(
        {"kind": "operation_completed", "order_id": "j0", "operation_id": "o0", "end": 3},
        {"kind": "order_cancelled", "order_id": "j0"},
    )
    prepared = prepare(problem, _hand_plan(), events, now=3)
    assert [op.id for op in prepared.problem.orders[0].operations] == ["o0"]
    assert prepared.problem.orders[0].due is None
    result = _resolve(prepared)
    assert result.schedule is not None
    changes = diff(problem, _hand_plan(), prepared.problem, result.schedule)
    assert changes.dropped == ["j0/o1"] and "j0/o0" in changes.unchanged


def test_the_model_of_a_reschedule_is_built_within_the_incumbent_and_the_pins():
    """With pins, an incumbent's objective caps the horizon of a factory problem (here a shop
    with downtime), pinned starts are fixed values and no other start lies before now."""
    problem = _shop()
    events = _events({"kind": "machine_breakdown", "machine_id": "m0", "start": 4, "end": 6})
    prepared = prepare(problem, _hand_plan(), events, now=4, weight=1)
    assert not prepared.problem.is_classic and prepared.pins.fixed
    plain = cpsat.build_model(prepared.problem, 12)
    pinned = cpsat.build_model(prepared.problem, 12, pins=prepared.pins)
    assert pinned.windows.horizon <= 12 < plain.windows.horizon
    for o, start in enumerate(pinned.ops.start):
        domain = list(start.proto.domain)
        pin = prepared.pins.fixed.get(o)
        assert domain == [pin.start, pin.start] if pin is not None else domain[0] >= 4
