"""Live plans on PostgreSQL: a server on a shared database serves the plan RPCs, and two real
`scheduler serve` replicas share plans (any replica answers any plan, watchers on one see the
revisions another releases, a killed replica's pending events are replanned by the other)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import hard_problem, params, two_orders, wait_until
from test_replicas import LEASE, Replica, two_replicas

from scheduler.service.convert import pb, pb_grpc

WAIT = 60.0
"""Seconds a call may take that waits for a replan of a three-operation plan (milliseconds)."""


def _stub(port: int) -> pb_grpc.SchedulerServiceStub:
    return pb_grpc.SchedulerServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


def _plans(replica: Replica) -> pb_grpc.SchedulerServiceStub:
    """The replica's stub (SchedulerClient has no plan methods yet)."""
    return replica.client._stub


def _breakdown(event_id: str, machine: str, start: int, end: int) -> pb.ReportedEvent:
    reported = pb.ReportedEvent(
        event_id=event_id,
        event=pb.Event(
            machine_breakdown=pb.Event.MachineBreakdown(machine_id=machine, start=start, end=end)
        ),
    )
    reported.time.GetCurrentTime()
    return reported


def _report(replica: Replica, plan_id: str, *events: pb.ReportedEvent) -> pb.ReportEventsResponse:
    request = pb.ReportEventsRequest(plan_id=plan_id, events=events)
    return _plans(replica).ReportEvents(request, timeout=WAIT)


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Replica, Replica]]:
    """Replicas "a" and "b" of one service, one solve slot each, on a fresh database schema."""
    with two_replicas(tmp_path, postgres_url, 1) as pair:
        yield pair


@pytest.fixture
def shared_plans(postgres_url: str) -> Iterator:
    """The test's own view of the replicas' plans (replica id "test", which claims nothing)."""
    from scheduler.planstore_pg import PostgresPlanStore

    store = PostgresPlanStore(postgres_url, replica="test")
    yield store
    store.close()


def test_a_server_on_postgresql_serves_create_plan(make_server, postgres_url) -> None:
    """CreatePlan on a server whose store is a postgresql:// URL answers revision 1 (the plan
    store used to open the URL as a SQLite file name and the server did not start)."""
    server, _ = make_server(store_path=postgres_url)
    stub = _stub(server.port)
    request = pb.CreatePlanRequest(problem=two_orders(), parameters=params(5))
    plan = stub.CreatePlan(request, timeout=WAIT).plan
    assert plan.revision.revision == 1
    assert len(plan.revision.result.schedule.operations) == 3


def test_a_plan_created_on_one_replica_is_answered_and_watched_across_replicas(replicas) -> None:
    """A plan created on "a" takes events on "b"; the revision that answers them reaches a
    WatchPlan stream open on "a", and GetPlan on either replica shows it."""
    a, b = replicas
    request = pb.CreatePlanRequest(problem=two_orders(), parameters=params(5))
    plan = _plans(a).CreatePlan(request, timeout=WAIT).plan
    assert plan.revision.revision == 1
    watch = _plans(a).WatchPlan(
        pb.WatchPlanRequest(plan_id=plan.plan_id, after_revision=1), timeout=WAIT
    )
    reply = _report(b, plan.plan_id, _breakdown("b1", "m1", 0, 4))
    assert list(reply.accepted_event_ids) == ["b1"]
    seen = next(watch).revision
    watch.cancel()
    assert seen.revision == 2 and list(seen.event_ids) == ["b1"]
    assert all(
        op.start_tick >= 4 for op in seen.result.schedule.operations if op.machine_id == "m1"
    )
    for replica in (a, b):
        got = _plans(replica).GetPlan(pb.GetPlanRequest(plan_id=plan.plan_id), timeout=WAIT)
        assert got.plan.revision.revision == 2
    again = _report(a, plan.plan_id, _breakdown("b1", "m1", 0, 4))
    assert list(again.duplicate_event_ids) == ["b1"] and again.revision == 2


def test_killed_replicas_pending_events_are_answered_by_the_other(replicas, shared_plans) -> None:
    """SIGKILL the replica replanning a plan: after its lease the other takes the replan over and
    releases the one revision that answers the events. Each solve runs its whole budget (the
    plan cannot be proven), so the create, the killed replan and the take-over take 2 budgets."""
    budget = 4.0
    a, b = replicas
    request = pb.CreatePlanRequest(problem=hard_problem(), parameters=params(budget))
    plan_id = _plans(a).CreatePlan(request, timeout=WAIT).plan.plan_id
    assert shared_plans.latest(plan_id) is not None
    _report(b, plan_id, _breakdown("down", "m0", 0, 60))
    assert shared_plans.lease_of(plan_id)[0] == "b"
    time.sleep(1.0)  # into b's solve
    os.kill(b.process.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    b.process.wait(10)
    assert shared_plans.unanswered(plan_id), "b answered the event before it was killed"
    assert wait_until(lambda: (shared_plans.lease_of(plan_id) or ("",))[0] == "a", 3 * LEASE)
    taken_over = time.monotonic() - killed_at
    assert wait_until(lambda: not shared_plans.unanswered(plan_id), budget + 30)
    answered = time.monotonic() - killed_at
    revisions = shared_plans.revisions(plan_id)
    assert [(r.number, r.answers) for r in revisions] == [(1, ()), (2, ("down",))]
    got = _plans(a).GetPlan(pb.GetPlanRequest(plan_id=plan_id), timeout=WAIT).plan
    assert got.revision.revision == 2 and list(got.revision.event_ids) == ["down"]
    assert LEASE * 0.5 < taken_over < LEASE + 2.0, taken_over
    assert answered < LEASE + budget + 10.0, answered
