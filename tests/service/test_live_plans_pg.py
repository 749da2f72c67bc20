"""Live plans on PostgreSQL: a server on a shared database serves the plan RPCs, and two real
`scheduler serve` replicas share plans (any replica answers any plan, watchers on one see the
revisions another releases, a killed replica's pending events are replanned by the other)."""

from __future__ import annotations

import grpc
from conftest import params, two_orders

from scheduler.service.convert import pb, pb_grpc

WAIT = 60.0
"""Seconds a call may take that waits for a replan of a three-operation plan (milliseconds)."""


def _stub(port: int) -> pb_grpc.SchedulerServiceStub:
    return pb_grpc.SchedulerServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


def test_a_server_on_postgresql_serves_create_plan(make_server, postgres_url) -> None:
    """CreatePlan on a server whose store is a postgresql:// URL answers revision 1 (the plan
    store used to open the URL as a SQLite file name and the server did not start)."""
    server, _ = make_server(store_path=postgres_url)
    stub = _stub(server.port)
    request = pb.CreatePlanRequest(problem=two_orders(), parameters=params(5))
    plan = stub.CreatePlan(request, timeout=WAIT).plan
    assert plan.revision.revision == 1
    assert len(plan.revision.result.schedule.operations) == 3
