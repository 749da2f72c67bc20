"""Live plans: revisions answering events, idempotency, coalescing, restart, verification."""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import jobshop

from scheduler.params import SolveParams
from scheduler.planning.changes import Scenario
from scheduler.planning.events import Events
from scheduler.planning.live import (
    LogEntry,
    PlanError,
    PlanRunner,
    PlanSpec,
    Revision,
    parse_entries,
)
from scheduler.planning.reschedule import prepare
from scheduler.planstore import SqlitePlanStore
from scheduler.problem import Order, Problem
from scheduler.result import SolveResult
from scheduler.schedule import ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import verify
from scheduler.verify.pins import check_pins

WAIT = 60.0
"""Seconds a test waits for replans of a six-operation shop (they take milliseconds)."""


def _shop() -> Problem:
    return jobshop([[(0, 3), (1, 2)], [(1, 4), (0, 3)], [(0, 2), (1, 3)]])


def _spec(**stability: int) -> PlanSpec:
    return PlanSpec.model_validate(
        {
            "problem": _shop().model_dump(mode="json"),
            "parameters": {"time_limit": 10.0, "workers": 1, "seed": 1},
            "stability": stability,
        }
    )


def _entry(entry_id: str, at: int | None, **event: Any) -> LogEntry:
    return parse_entries([{"id": entry_id, "at": at, "event": event}])[0]


def _breakdown(entry_id: str, machine: str = "m0", start: int = 1, end: int = 6) -> LogEntry:
    return _entry(
        entry_id, start, kind="machine_breakdown", machine_id=machine, start=start, end=end
    )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "plans.sqlite3"


@pytest.fixture
def runner(store_path: Path) -> Iterator[PlanRunner]:
    runner = PlanRunner(SqlitePlanStore(store_path))
    runner.start()
    yield runner
    runner.shutdown()
    runner.store.close()


def _settled(runner: PlanRunner, plan_id: str) -> int:
    """Wait for the plan's replans; the released revision's number."""
    assert runner.idle(WAIT)
    view = runner.view(plan_id)
    assert view.error == ""
    assert view.revision is not None
    return view.revision.number


class _Gate:
    """A solve function whose replans (solves with pins) wait until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()
        self.calls = 0

    def __call__(self, problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
        if kwargs.get("pins") is not None:
            self.calls += 1
            self.entered.set()
            assert self.open.wait(WAIT)
        return solve(problem, params, **kwargs)


def test_a_plan_gets_a_first_revision_and_one_per_report(runner):
    """Revision 1 plans the problem; a reported breakdown is answered by revision 2."""
    plan_id = runner.create(_spec())
    assert _settled(runner, plan_id) == 1
    assert runner.report(plan_id, [_breakdown("b1")]) == ["b1"]
    assert _settled(runner, plan_id) == 2
    revision = runner.view(plan_id).revision
    assert revision.answers == ("b1",)
    m0 = [op for op in revision.schedule.operations if op.machine == 0]
    assert all(op.end <= 1 or op.start >= 6 for op in m0)
    assert revision.diff["counts"]["unchanged"] + revision.diff["counts"]["moved"] == 6


def test_a_repeated_report_is_ignored_and_a_reused_id_rejected(runner):
    """The same id with the same event is a retry (no new revision); with another event an error."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    runner.report(plan_id, [_breakdown("b1")])
    _settled(runner, plan_id)
    assert runner.report(plan_id, [_breakdown("b1")]) == []
    with pytest.raises(PlanError, match=r"events\[0\]\.id: id 'b1' was already used"):
        runner.report(plan_id, [_breakdown("b1", end=7)])
    with pytest.raises(PlanError, match=r"events\[1\]\.id"):
        runner.report(plan_id, [_breakdown("b2"), _breakdown("b2", end=9)])
    assert _settled(runner, plan_id) == 2
    assert runner.view(plan_id).pending == ()


def test_events_during_a_replan_are_answered_by_exactly_one_more_revision(store_path):
    """Two reports while a replan runs: one more revision answers both, not two."""
    gate = _Gate()
    runner = PlanRunner(SqlitePlanStore(store_path), gate)
    runner.start()
    try:
        plan_id = runner.create(_spec())
        _settled(runner, plan_id)
        runner.report(plan_id, [_breakdown("b1", start=1, end=3)])
        assert gate.entered.wait(WAIT)
        runner.report(plan_id, [_breakdown("b2", machine="m1", start=2, end=4)])
        runner.report(plan_id, [_breakdown("b3", start=5, end=7)])
        assert runner.view(plan_id).pending == ("b1", "b2", "b3")
        gate.open.set()
        assert _settled(runner, plan_id) == 3
        assert gate.calls == 2
        answers = [r.answers for r in runner.revisions(plan_id)]
        assert answers == [(), ("b1",), ("b2", "b3")]
    finally:
        gate.open.set()
        runner.shutdown()
        runner.store.close()


def test_a_restart_replans_the_events_no_revision_answers(store_path):
    """Events accepted before a stop are answered by the next process, from the stored plan."""
    gate = _Gate()
    first = PlanRunner(SqlitePlanStore(store_path), gate)
    first.start()
    plan_id = first.create(_spec())
    _settled(first, plan_id)
    first.report(plan_id, [_breakdown("b1")])
    assert gate.entered.wait(WAIT)
    first.report(plan_id, [_breakdown("b2", machine="m1", start=2, end=4)])
    first.shutdown()  # the running replan is dropped, not released
    gate.open.set()
    first.store.close()

    second = PlanRunner(SqlitePlanStore(store_path))
    second.start()
    try:
        assert _settled(second, plan_id) == 2
        assert runner_answers(second, plan_id) == [(), ("b1", "b2")]
    finally:
        second.shutdown()
        second.store.close()


def runner_answers(runner: PlanRunner, plan_id: str) -> list[tuple[str, ...]]:
    """The entries each revision answers, oldest first."""
    return [r.answers for r in runner.revisions(plan_id)]


def test_every_revision_verifies_against_its_problem_and_pins(runner):
    """Each stored revision is feasible for the state it answers and keeps that state's pins."""
    plan_id = runner.create(_spec(weight=2))
    _settled(runner, plan_id)
    first = runner.view(plan_id).revision
    j0 = first.schedule.operations[0]
    runner.report(
        plan_id,
        [_entry("s1", j0.start, kind="operation_started", order_id="j0", operation_id="o0",
                machine_id="m0", start=j0.start)],
    )  # fmt: skip
    _settled(runner, plan_id)
    runner.report(
        plan_id,
        [_entry("c1", j0.start + 2, kind="operation_completed", order_id="j0",
                operation_id="o0", end=j0.start + 2), _breakdown("b1", "m1", 6, 9)],
    )  # fmt: skip
    assert _settled(runner, plan_id) == 3
    revisions = runner.revisions(plan_id)
    assert verify(revisions[0].problem, revisions[0].schedule).ok
    for before, after in itertools.pairwise(revisions):
        assert verify(after.problem, after.schedule).ok
        prepared = prepare(
            before.problem, before.schedule, _events_of(before, after), now=after.now
        )
        assert check_pins(prepared.problem, after.schedule, prepared.pins) == []
    done = next(op for op in revisions[-1].schedule.operations if (op.job, op.index) == (0, 0))
    assert (done.machine, done.start, done.end) == (0, j0.start, j0.start + 2)


def _events_of(before: Revision, after: Revision) -> Events:
    """The operations `after` started or completed, as events (its breakdowns aside)."""
    return Events(events=list(after.started[len(before.started) :]))


def test_a_revision_that_fails_verification_is_not_released(store_path):
    """A replan whose schedule breaks a pin leaves the released revision and records why."""

    def moves_everything(problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
        result = solve(problem, params, **kwargs)
        if kwargs.get("pins") is None or result.schedule is None:
            return result
        late = tuple(
            ScheduledOperation(op.job, op.index, op.machine, op.start + 100, op.end + 100)
            for op in result.schedule.operations
        )
        return dataclasses.replace(
            result, schedule=dataclasses.replace(result.schedule, operations=late)
        )

    runner = PlanRunner(SqlitePlanStore(store_path), moves_everything)
    runner.start()
    try:
        plan_id = runner.create(_spec())
        _settled(runner, plan_id)
        j0 = runner.view(plan_id).revision.schedule.operations[0]
        runner.report(
            plan_id,
            [_entry("s1", j0.start, kind="operation_started", order_id="j0",
                    operation_id="o0", machine_id="m0", start=j0.start)],
        )  # fmt: skip
        assert runner.idle(WAIT)
        view = runner.view(plan_id)
        assert view.revision.number == 1
        assert view.pending == ("s1",)
        assert "failed verification" in view.error and "pinned operation j0/o0" in view.error
    finally:
        runner.shutdown()
        runner.store.close()


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"kind": "machine_breakdown", "machine_id": "press-9", "start": 1, "end": 3}, "machine_id"),
        ({"kind": "operation_started", "order_id": "j9", "operation_id": "o0",
          "machine_id": "m0", "start": 1}, "order_id"),
        ({"kind": "operation_completed", "order_id": "j1", "operation_id": "o1", "end": 1},
         "end"),
        ({"kind": "machine_breakdown", "machine_id": "m0", "start": 3, "end": 3}, "end"),
    ],
)  # fmt: skip
def test_a_bad_event_is_rejected_by_field_and_nothing_is_stored(runner, event, field):
    """A report with one bad event names it and its field, and stores none of its events."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    with pytest.raises(PlanError) as raised:
        runner.report(plan_id, [_breakdown("ok"), _entry("bad", 5, **event)])
    assert [v.field for v in raised.value.violations] == [f"events[1].{field}".rstrip(".")]
    assert runner.store.find_entries(plan_id, ["ok", "bad"]) == {}
    assert runner.view(plan_id).pending == ()


def test_an_event_reported_before_its_own_time_is_rejected(runner):
    """`at` before the start an event names would put `now` before the event: an error."""
    plan_id = runner.create(_spec())
    with pytest.raises(PlanError, match=r"events\[0\]\.at: 2 is before"):
        runner.report(
            plan_id,
            [_entry("s1", 2, kind="operation_started", order_id="j0", operation_id="o0",
                    machine_id="m0", start=4)],
        )  # fmt: skip


def _start_j0(runner: PlanRunner, plan_id: str) -> None:
    """Report j0's first operation started on m0 at 0 and wait for the revision."""
    runner.report(
        plan_id,
        [_entry("s1", 0, kind="operation_started", order_id="j0", operation_id="o0",
                machine_id="m0", start=0)],
    )  # fmt: skip
    _settled(runner, plan_id)


def test_an_operation_started_in_an_earlier_report_stays_when_its_order_is_cancelled(runner):
    """Started operations of earlier revisions still count: a later cancellation of their order
    drops only what had not started."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    _start_j0(runner, plan_id)
    runner.report(plan_id, [_entry("x1", 1, kind="order_cancelled", order_id="j0")])
    assert _settled(runner, plan_id) == 3
    revision = runner.view(plan_id).revision
    assert revision.diff["dropped"] == [["j0", "o1"]]
    kept = [op for op in revision.schedule.operations if op.job == 0]
    assert [(op.index, op.machine, op.start) for op in kept] == [(0, 0, 0)]


def test_an_operation_interrupted_by_a_breakdown_is_not_carried_as_started(runner):
    """A running operation whose machine breaks down is planned afresh, also by later revisions
    (re-reporting it started at 0 on the broken machine would make them impossible)."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    _start_j0(runner, plan_id)
    runner.report(plan_id, [_breakdown("b1", "m0", 1, 6)])
    _settled(runner, plan_id)
    assert runner.view(plan_id).revision.started == ()
    runner.report(plan_id, [_entry("q1", 6, kind="quantity_changed", order_id="j2", quantity=1)])
    assert _settled(runner, plan_id) == 4
    o0 = next(op for op in runner.view(plan_id).revision.schedule.operations if op.job == 0)
    assert o0.start >= 6


def test_a_promoted_scenario_is_the_next_revision(runner):
    """A scenario's machine downtime becomes a revision with nothing on that machine then."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    down = Scenario.model_validate(
        {"name": "m1-down", "changes": [{"kind": "machine_down", "machine_id": "m1",
                                          "start": 0, "end": 5}]}
    )  # fmt: skip
    assert runner.promote(plan_id, "p1", down) == ["p1"]
    assert _settled(runner, plan_id) == 2
    revision = runner.view(plan_id).revision
    assert revision.answers == ("p1",)
    assert all(op.start >= 5 for op in revision.schedule.operations if op.machine == 1)


def test_a_bad_scenario_names_its_change(runner):
    """A promoted scenario naming an unknown machine is rejected with the change's field."""
    plan_id = runner.create(_spec())
    bad = Scenario.model_validate(
        {"name": "x", "changes": [{"kind": "machine_down", "machine_id": "m7", "start": 0,
                                    "end": 5}]}
    )  # fmt: skip
    with pytest.raises(PlanError, match=r"events\[0\]\.scenario\.changes\[0\]\.machine_id"):
        runner.promote(plan_id, "p1", bad)


def test_the_shop_floor_time_moves_now_and_now_never_goes_back(runner):
    """An event at tick 7 makes 7 the plan's now, and a later event without a time keeps it."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    runner.report(plan_id, [_breakdown("b1", "m1", 20, 30).model_copy(update={"at": 7})])
    _settled(runner, plan_id)
    runner.report(plan_id, [_entry("q1", None, kind="quantity_changed", order_id="j2", quantity=1)])
    assert _settled(runner, plan_id) == 3
    assert [r.now for r in runner.revisions(plan_id)] == [0, 7, 7]


def test_a_shutdown_stops_a_running_solve_within_a_second_and_a_restart_resumes_it(store_path):
    """A 60 s plan solve stops at shutdown (nothing released); the next runner plans it again."""
    rng = random.Random(3)
    hard = jobshop([[(m, rng.randint(1, 30)) for m in rng.sample(range(8), 8)] for _ in range(20)])
    spec = PlanSpec(problem=hard, parameters=SolveParams(time_limit=60.0, workers=1, seed=1))
    runner = PlanRunner(SqlitePlanStore(store_path))
    runner.start()
    plan_id = runner.create(spec)
    assert not runner.idle(0.0)
    time.sleep(0.5)
    stopping = time.monotonic()
    runner.shutdown(timeout=5.0)
    # The bug would wait for the solve's 60 s; a stopped CP-SAT search returns in milliseconds.
    assert time.monotonic() - stopping < 1.0 + 0.5
    assert runner.store.latest(plan_id) is None
    runner.store.close()

    again = PlanRunner(SqlitePlanStore(store_path))
    again.start()
    try:
        assert not again.idle(0.5)  # the resumed 60 s solve runs
    finally:
        again.shutdown(timeout=5.0)
        again.store.close()


def test_a_diff_names_operations_by_id_pairs_even_with_a_slash_in_an_id(runner):
    """An order "WO/7" with operation "o0" stays two ids in the diff, not "WO/7/o0" to split."""
    data = _spec().model_dump(mode="json")
    data["problem"]["orders"][0]["id"] = "WO/7"
    plan_id = runner.create(PlanSpec.model_validate(data))
    _settled(runner, plan_id)
    runner.report(plan_id, [_breakdown("b1")])
    _settled(runner, plan_id)
    diff = runner.view(plan_id).revision.diff
    keys = [*diff["unchanged"], *(m["operation"] for m in diff["moved"])]
    assert ["WO/7", "o0"] in keys and ["WO/7", "o1"] in keys


def test_a_promotion_the_plan_cannot_follow_is_withdrawn_not_retried(runner):
    """An impossible scenario is refused with the reason (the order named); a later event is
    planned without it."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    impossible = Scenario.model_validate(
        {"name": "too-early", "changes": [{"kind": "deadline_changed", "order_id": "j0",
                                            "deadline": 1}]}
    )  # fmt: skip
    runner.promote(plan_id, "p1", impossible)
    assert runner.wait_answered(plan_id, "p1", WAIT) is None
    view = runner.view(plan_id)
    assert "INFEASIBLE" in view.error and view.pending == ()
    assert "'j0'" in view.error  # the reason, not the status alone
    runner.report(plan_id, [_breakdown("b1")])
    assert _settled(runner, plan_id) == 2
    assert runner.view(plan_id).revision.answers == ("b1",)


def test_a_promise_is_a_quote_until_accepted_then_the_next_revision(runner):
    """A quote leaves the plan as it is; accepting releases the promised plan as the next
    revision, which later events replan from."""
    plan_id = runner.create(_spec())
    _settled(runner, plan_id)
    rush = Order.model_validate(
        {"id": "rush", "operations": [{"id": "o0", "machines": [{"machine_id": "m0",
                                                                  "duration": 2}]}]}
    )  # fmt: skip
    quote, would_be = runner.promise_order(plan_id, rush, accept=False)
    assert quote.completion is not None and would_be is not None and would_be.number == 2
    assert runner.view(plan_id).revision.number == 1
    accepted, revision = runner.promise_order(plan_id, rush, accept=True)
    assert accepted.completion == quote.completion
    assert revision.number == 2 and revision.answers == ("order:rush",)
    assert revision.cause == "order:rush" and revision.diff["added"] == [["rush", "o0"]]
    assert max(op.end for op in revision.schedule.operations if op.job == 3) == quote.completion
    with pytest.raises(PlanError, match=r"order\.id"):
        runner.promise_order(plan_id, rush, accept=False)
    runner.report(plan_id, [_breakdown("b1", "m1", 20, 30)])
    assert _settled(runner, plan_id) == 3
    assert len(runner.view(plan_id).revision.schedule.operations) == 7
