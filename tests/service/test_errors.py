"""Error statuses stay small enough for any client: capped details, over-long ids refused."""

from __future__ import annotations

import grpc
import pytest
from conftest import two_orders
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from scheduler.service.convert import pb, pb_grpc
from scheduler.service.errors import MAX_DETAIL_BYTES, MAX_VIOLATIONS


def _many_bad_fields(n: int) -> pb.Problem:
    problem = two_orders()
    for j in range(n):
        problem.orders.add(
            id=f"bad-{j}",
            operations=[
                pb.Operation(id="a", machines=[pb.Mode(machine_id=f"nope-{j}", duration=1)])
            ],
        )
    return problem


def _status(error: grpc.RpcError):
    status = rpc_status.from_call(error)
    assert status is not None, "the rich status was lost"
    return status


def test_500_bad_fields_are_invalid_argument_with_capped_details(served) -> None:
    """500 bad fields through a default grpcio client: INVALID_ARGUMENT, details capped, rest counted."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Solve(pb.SolveRequest(problem=_many_bad_fields(500)), timeout=30)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    status = _status(error)
    assert len(status.SerializeToString()) <= MAX_DETAIL_BYTES + 1024
    bad = error_details_pb2.BadRequest()
    assert next(d for d in status.details if d.Is(bad.DESCRIPTOR)).Unpack(bad)
    shown = [v for v in bad.field_violations if v.field]
    assert 0 < len(shown) <= MAX_VIOLATIONS
    assert shown[0].field.startswith("problem.orders[")
    hidden = 500 - len(shown)
    assert f"and {hidden} more; ValidateProblem lists all" in bad.field_violations[-1].description
    assert f"and {hidden} more" in error.details()


def test_validate_problem_still_lists_every_violation(client) -> None:
    """ValidateProblem (a response, not a status) reports all 500 violations."""
    assert len(client.validate(_many_bad_fields(500), timeout=30)) == 500


@pytest.mark.parametrize(
    "call",
    [
        lambda stub, long: stub.GetScheduleJob(pb.GetScheduleJobRequest(job_id=long), timeout=10),
        lambda stub, long: stub.CancelScheduleJob(
            pb.CancelScheduleJobRequest(job_id=long), timeout=10
        ),
        lambda stub, long: list(
            stub.WatchScheduleJob(pb.WatchScheduleJobRequest(job_id=long), timeout=10)
        ),
        lambda stub, long: stub.CreateScheduleJob(
            pb.CreateScheduleJobRequest(request_id=long, problem=two_orders()), timeout=10
        ),
        lambda stub, long: stub.ListScheduleJobs(
            pb.ListScheduleJobsRequest(page_token=long), timeout=10
        ),
    ],
    ids=["get", "cancel", "watch", "create-request-id", "list-page-token"],
)
def test_10000_character_id_is_invalid_argument(served, call) -> None:
    """A 10,000-character id is INVALID_ARGUMENT naming the field, and the status stays small."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            call(stub, "x" * 10_000)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    status = _status(caught.value)
    assert len(status.SerializeToString()) < 2048


def test_long_problem_id_is_invalid_argument(served) -> None:
    """A 10,000-character order id is INVALID_ARGUMENT, and the status does not echo it whole."""
    server, _ = served
    problem = two_orders()
    problem.orders[0].id = "o" * 10_000
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Solve(pb.SolveRequest(problem=problem), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(_status(caught.value).SerializeToString()) < 4096
