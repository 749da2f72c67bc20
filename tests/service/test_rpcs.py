"""Every RPC of scheduler.v1 against a real server on a loopback port."""

from __future__ import annotations

import time
import urllib.request

import grpc
import pytest
from conftest import hard_problem, params, two_orders
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.params import SolveParams
from scheduler.service.convert import pb, problem_from_proto, result_from_proto

FAST = pb.SolveParameters(workers=1)


def _field_paths(error: SchedulerError) -> list[str]:
    return [v.field for v in error.violations]


def test_solve_returns_verified_optimal_schedule(client: SchedulerClient) -> None:
    """Solve returns an OPTIMAL result with the user's ids and one entry per operation."""
    result = client.solve(two_orders(), FAST, timeout=20)
    assert result.status == pb.SOLVE_STATUS_OPTIMAL and result.objective == 5
    ops = {(o.order_id, o.operation_id): o for o in result.schedule.operations}
    assert set(ops) == {("o1", "a"), ("o1", "b"), ("o2", "a")}
    assert ops[("o1", "b")].start_tick >= ops[("o1", "a")].end_tick
    assert result.kpis.makespan == 5 and not ops[("o1", "a")].HasField("start_time")


def test_solve_gives_absolute_times_with_planning_start(client: SchedulerClient) -> None:
    """With planning_start and a 15-minute tick, start_time = planning_start + ticks * tick."""
    problem = two_orders()
    problem.planning_start.FromSeconds(1_700_000_000)
    problem.tick.FromSeconds(900)
    result = client.solve(problem, FAST, timeout=20)
    for op in result.schedule.operations:
        assert op.start_time.seconds == 1_700_000_000 + 900 * op.start_tick
        assert op.end_time.seconds == 1_700_000_000 + 900 * op.end_tick


def test_solve_accepts_domain_objects(client: SchedulerClient) -> None:
    """The client converts a domain Problem and SolveParams; the result converts back."""
    problem = problem_from_proto(two_orders())
    message = client.solve(problem, SolveParams(time_limit=5, workers=1), timeout=20)
    result = result_from_proto(problem, message)
    assert result.objective == 5 and result.kpis is not None and result.kpis.makespan == 5


def test_infeasible_problem_is_explained(client: SchedulerClient) -> None:
    """Two deadlines that cannot both hold on one machine: INFEASIBLE, naming both orders."""
    problem = two_orders()
    problem.orders[0].operations[0].machines[0].machine_id = "m2"
    problem.orders[0].deadline = 5
    problem.orders[1].deadline = 4
    result = client.solve(problem, FAST, timeout=20)
    assert result.status == pb.SOLVE_STATUS_INFEASIBLE and not result.HasField("schedule")
    assert {c.code for c in result.explanation} == {"deadline"}
    assert {i for c in result.explanation for i in c.ids} >= {"o1", "o2"}
    assert all("deadline" in c.message for c in result.explanation)


def test_lexicographic_levels_are_reported(client: SchedulerClient) -> None:
    """A two-level objective returns each level's value, bound and limit, and the new KPIs."""
    problem = two_orders()
    problem.orders[0].due = 3
    level = problem.objective.levels.add()
    level.terms.add(kind=pb.OBJECTIVE_KIND_MAKESPAN)
    level = problem.objective.levels.add()
    level.terms.add(kind=pb.OBJECTIVE_KIND_MAX_LATENESS)
    result = client.solve(problem, FAST, timeout=20)
    assert result.status == pb.SOLVE_STATUS_OPTIMAL
    assert [lv.value for lv in result.levels] == [5, 2]
    assert result.levels[0].limit == 5 and not result.levels[1].HasField("limit")
    assert result.kpis.max_lateness == 2 and result.objective == 2


def test_solve_stream_progress_then_result(client: SchedulerClient) -> None:
    """SolveStream sends progress events and ends with exactly one result."""
    events = list(client.solve_stream(two_orders(), FAST, timeout=20))
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[-1] == "result" and kinds.count("result") == 1
    assert all(k == "progress" for k in kinds[:-1])
    assert events[-1].result.objective == 5


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda p: setattr(p.orders[1].operations[0].machines[0], "machine_id", "nope"),
            "problem.orders[1].operations[0].machines[0].machine_id",
        ),
        (
            lambda p: setattr(p.orders[0].operations[1].machines[0], "duration", -1),
            "problem.orders[0].operations[1].machines[0].duration",
        ),
        (lambda p: setattr(p.orders[1], "id", "o1"), "problem.orders[1].id"),
        (lambda p: p.objective.terms.add(), "problem.objective.terms[0].kind"),
        (lambda p: p.tick.FromSeconds(0), "problem.tick"),
        (lambda p: setattr(p.orders[0], "release", 10**8), "problem.orders[0].release"),
        (
            lambda p: p.orders[0].operations[0].ClearField("machines"),
            "problem.orders[0].operations[0].machines",
        ),
    ],
)
def test_bad_problem_names_the_field(client: SchedulerClient, mutate, path: str) -> None:
    """Bad input is INVALID_ARGUMENT with the proto field path in BadRequest."""
    problem = two_orders()
    mutate(problem)
    with pytest.raises(SchedulerError) as caught:
        client.solve(problem, FAST, timeout=20)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert path in _field_paths(caught.value)
    assert caught.value.reason == "INVALID_REQUEST"


def test_bad_parameters_name_the_field(client: SchedulerClient) -> None:
    """Out-of-range parameters are INVALID_ARGUMENT naming parameters.<field>."""
    params = pb.SolveParameters(workers=-1, relative_gap_limit=2.0)
    params.time_limit.FromSeconds(-1)
    with pytest.raises(SchedulerError) as caught:
        client.solve(two_orders(), params, timeout=20)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    paths = _field_paths(caught.value)
    assert {"parameters.workers", "parameters.time_limit", "parameters.relative_gap_limit"} <= set(
        paths
    )


def test_missing_problem_is_invalid(client: SchedulerClient) -> None:
    """A request without a problem is INVALID_ARGUMENT on `problem`."""
    with pytest.raises(SchedulerError) as caught:
        client.solve(pb.Problem(), timeout=20)  # empty problem: no machines, no orders
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"problem.machines", "problem.orders"} <= set(_field_paths(caught.value))


def test_size_cap_checked_before_model(client: SchedulerClient) -> None:
    """More operations than the server's cap are refused naming `problem.orders`."""
    problem = two_orders()
    big = problem.orders.add(id="big")
    big.operations.extend(
        pb.Operation(id=f"k{i}", machines=[pb.Mode(machine_id="m1", duration=1)])
        for i in range(2_001)
    )
    with pytest.raises(SchedulerError) as caught:
        client.solve(problem, timeout=20)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert _field_paths(caught.value) == ["problem.orders"]


def test_validate_reports_every_violation(client: SchedulerClient) -> None:
    """ValidateProblem lists all violations without solving; a good problem is valid."""
    assert client.validate(two_orders()) == []
    problem = two_orders()
    problem.orders[1].id = "o1"
    problem.orders[0].operations[0].machines[0].machine_id = "zz"
    fields = {v.field for v in client.validate(problem)}
    assert fields == {
        "problem.orders[1].id",
        "problem.orders[0].operations[0].machines[0].machine_id",
    }


def test_job_lifecycle(client: SchedulerClient) -> None:
    """CreateScheduleJob persists a job; WatchScheduleJob ends with SUCCEEDED and a result."""
    job = client.create_job(two_orders(), FAST)
    assert job.state in (pb.JOB_STATE_QUEUED, pb.JOB_STATE_RUNNING, pb.JOB_STATE_SUCCEEDED)
    states = [j.state for j in client.watch_job(job.job_id, timeout=30)]
    assert states[-1] == pb.JOB_STATE_SUCCEEDED
    final = client.get_job(job.job_id)
    assert final.result.objective == 5 and final.progress.objective == 5
    assert final.problem_name == "two-orders"


def test_job_request_id_is_idempotent(client: SchedulerClient) -> None:
    """Same request_id + same content → same job; different content → ALREADY_EXISTS."""
    first = client.create_job(two_orders(), FAST, request_id="req-1")
    again = client.create_job(two_orders(), FAST, request_id="req-1")
    assert first.job_id == again.job_id
    other = two_orders()
    other.orders[0].release = 1
    with pytest.raises(SchedulerError) as caught:
        client.create_job(other, FAST, request_id="req-1")
    assert caught.value.code == grpc.StatusCode.ALREADY_EXISTS


def test_invalid_job_is_not_stored(client: SchedulerClient) -> None:
    """A job with a bad problem is INVALID_ARGUMENT and nothing is stored."""
    problem = two_orders()
    problem.orders[1].id = "o1"
    with pytest.raises(SchedulerError) as caught:
        client.create_job(problem, request_id="bad")
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert client.list_jobs()[0] == []


def test_unknown_job_is_not_found(client: SchedulerClient) -> None:
    """Get, cancel and watch of an unknown job are NOT_FOUND; an empty id is INVALID_ARGUMENT."""
    for call in (client.get_job, client.cancel_job, lambda i: list(client.watch_job(i, timeout=5))):
        with pytest.raises(SchedulerError) as caught:
            call("no-such-job")
        assert caught.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(SchedulerError) as caught:
        client.get_job("")
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_list_jobs_pages_and_filters(client: SchedulerClient) -> None:
    """ListScheduleJobs pages newest first without results, and filters by state."""
    ids = [client.create_job(two_orders(), FAST).job_id for _ in range(3)]
    for job_id in ids:
        list(client.watch_job(job_id, timeout=30))
    page, token = client.list_jobs(page_size=2)
    rest, last = client.list_jobs(page_size=2, page_token=token)
    assert [j.job_id for j in page + rest] == ids[::-1] and last == ""
    assert not any(j.HasField("result") for j in page)
    done, _ = client.list_jobs(state=pb.JOB_STATE_SUCCEEDED)
    assert len(done) == 3
    assert client.list_jobs(state=pb.JOB_STATE_FAILED)[0] == []
    with pytest.raises(SchedulerError) as caught:
        client.list_jobs(page_token="not-a-token")
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert _field_paths(caught.value) == ["page_token"]


def test_health_serving(served) -> None:
    """The standard health service reports SERVING for the server and for SchedulerService."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "scheduler.v1.SchedulerService"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_service(served) -> None:
    """Server reflection lists scheduler.v1.SchedulerService and health."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        reply = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
        names = {s.name for s in reply.list_services_response.service}
    assert {"scheduler.v1.SchedulerService", "grpc.health.v1.Health"} <= names


def test_request_id_is_echoed(served) -> None:
    """A client's x-request-id comes back in the initial metadata."""
    server, _ = served
    from scheduler.service.convert import pb_grpc

    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        _, call = stub.ValidateProblem.with_call(
            pb.ValidateProblemRequest(problem=two_orders()),
            metadata=(("x-request-id", "abc-123"),),
            timeout=5,
        )
        assert ("x-request-id", "abc-123") in tuple(call.initial_metadata())


def test_metrics_endpoint(make_server) -> None:
    """With a metrics port, /metrics serves Prometheus text with call counts and gauges."""
    server, client = make_server(metrics_port=0)
    client.validate(two_orders())
    deadline = time.monotonic() + 5
    text = ""
    while time.monotonic() < deadline and "ValidateProblem" not in text:
        port = server.metrics_port
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'scheduler_rpc_total{method="ValidateProblem",code="OK"} 1' in text
    assert 'scheduler_solve_slots{lane="shared"} 2' in text


def test_running_job_best_schedule_in_full_view(client: SchedulerClient) -> None:
    """GetScheduleJob and WatchScheduleJob in the full view carry a running job's best schedule."""
    job = client.create_job(hard_problem(), params(30))
    try:
        for seen in client.watch_job(job.job_id, full=True, timeout=30):
            if seen.HasField("progress"):
                assert len(seen.best_schedule.operations) == 300
                break
        running = client.get_job(job.job_id, full=True)
        assert running.state == pb.JOB_STATE_RUNNING
        assert len(running.best_schedule.operations) == 300
        assert not client.get_job(job.job_id).HasField("best_schedule")
    finally:
        client.cancel_job(job.job_id)


def test_unknown_view_is_invalid(served) -> None:
    """A view number the API does not define is INVALID_ARGUMENT on `view`."""
    server, _ = served
    from scheduler.service.convert import pb_grpc

    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetScheduleJob(pb.GetScheduleJobRequest(job_id="x", view=7), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_solve_stream_carries_schedules_on_request(client: SchedulerClient) -> None:
    """With include_schedule every progress message has its schedule; without, none has."""
    for include in (True, False):
        events = list(
            client.solve_stream(hard_problem(), params(1), include_schedule=include, timeout=20)
        )
        progress = [e.progress for e in events if e.HasField("progress")]
        assert progress
        assert all(len(p.schedule.operations) == (300 if include else 0) for p in progress)
