"""The Python client's planning methods against a real server: what-if (stream and job),
reschedule, and a live plan's whole loop (create, report, watch, get, promote, promise)."""

from __future__ import annotations

import pytest
from conftest import params, two_orders, wait_until

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.planning.changes import ScenarioFile
from scheduler.service.convert import pb

WAIT = 30.0


def _twin() -> ScenarioFile:
    """One scenario: a twin of m2."""
    return ScenarioFile.model_validate(
        {"scenarios": [{"name": "twin", "changes": [
            {"kind": "machine_added", "machine_id": "m2b", "like": "m2"}]}]}
    )  # fmt: skip


def test_compare_streams_progress_then_the_comparison_and_runs_as_a_job(client) -> None:
    """compare_scenarios takes a scenarios file and ends with the comparison of base and twin;
    create_comparison_job gives a COMPARISON job that finishes."""
    events = list(client.compare_scenarios(two_orders(), _twin(), time_limit=5, timeout=WAIT))
    assert events[-1].HasField("comparison")
    assert {a.name for a in events[-1].comparison.scenarios} >= {"twin"}
    job = client.create_comparison_job(two_orders(), _twin(), time_limit=5, timeout=WAIT)
    assert job.kind == pb.JOB_KIND_COMPARISON
    assert wait_until(lambda: client.get_job(job.job_id).state == pb.JOB_STATE_SUCCEEDED, WAIT)


def test_a_live_plan_through_the_client(client: SchedulerClient) -> None:
    """create_plan answers revision 1; a reported breakdown is answered by revision 2, seen by
    watch_plan and get_plan; a repeat is a duplicate; promote and promise answer revisions."""
    plan = client.create_plan(two_orders(), params(5), timeout=WAIT)
    assert plan.revision.revision == 1
    breakdown = pb.ReportedEvent(
        event_id="b1",
        event=pb.Event(machine_breakdown=pb.Event.MachineBreakdown(machine_id="m1", end=4)),
    )
    breakdown.time.GetCurrentTime()
    assert list(client.report_events(plan.plan_id, [breakdown]).accepted_event_ids) == ["b1"]
    watched = client.watch_plan(plan.plan_id, after_revision=1, timeout=WAIT)
    second = next(watched)
    watched.close()
    assert second.revision == 2 and list(second.event_ids) == ["b1"]
    assert list(client.report_events(plan.plan_id, [breakdown]).duplicate_event_ids) == ["b1"]
    assert client.get_plan(plan.plan_id, revision=1).revision.revision == 1
    down = pb.Change(machine_down=pb.Change.MachineDown(machine_id="m2", start=0, end=2))
    promoted = client.promote_scenario(
        plan.plan_id, pb.Scenario(name="down", changes=[down]), base_revision=2, timeout=WAIT
    )
    assert promoted.revision == 3
    order = pb.Order(
        id="rush",
        operations=[pb.Operation(id="a", machines=[pb.Mode(machine_id="m1", duration=2)])],
    )
    promise = client.promise_order(plan.plan_id, order, accept=True, timeout=WAIT)
    assert promise.completion_tick > 0
    assert client.get_plan(plan.plan_id).revision.revision == 4
    with pytest.raises(SchedulerError) as caught:
        client.get_plan("no-such-plan")
    assert caught.value.code.name == "NOT_FOUND"


def test_reschedule_through_the_client(client: SchedulerClient) -> None:
    """reschedule takes the released plan and events and answers the result with its diff."""
    released = client.solve(two_orders(), params(5)).schedule
    plan = pb.ReleasedPlan.FromString(released.SerializeToString())
    breakdown = pb.Event(machine_breakdown=pb.Event.MachineBreakdown(machine_id="m1", end=4))
    answer = client.reschedule(two_orders(), plan, [breakdown], now=0, timeout=WAIT)
    assert answer.result.status in (pb.SOLVE_STATUS_OPTIMAL, pb.SOLVE_STATUS_FEASIBLE)
    assert all(
        op.start_tick >= 4 for op in answer.result.schedule.operations if op.machine_id == "m1"
    )
