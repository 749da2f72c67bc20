"""The planning loop over gRPC: message shapes, CompareScenarios, Reschedule, live-plan stubs."""

from __future__ import annotations

import json
import time
import typing
from multiprocessing import active_children

import grpc
import pytest
from conftest import LIMITS, hard_problem, two_orders, wait_until
from google.protobuf import descriptor_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from helpers import make_problem

from scheduler.cli import main
from scheduler.client import SchedulerError
from scheduler.formats.solution import dumps, result_to_json
from scheduler.params import SolveParams
from scheduler.planning import changes, events
from scheduler.service.convert import (
    pb,
    pb_grpc,
    problem_from_proto,
    problem_to_proto,
    schedule_to_proto,
)
from scheduler.service.convert_planning import scenarios_from_proto, scenarios_to_proto
from scheduler.solve import solve

PLANNING_RPCS = {
    "CompareScenarios",
    "CreateComparisonJob",
    "Reschedule",
    "CreatePlan",
    "GetPlan",
    "ReportEvents",
    "WatchPlan",
    "PromoteScenario",
    "PromiseOrder",
}
TIME_TWINS = {"start_time", "end_time"}
"""Proto-only twins of a tick-or-timestamp field (as in CalendarException)."""


def _kinds(union: object) -> dict[str, type]:
    """The pydantic models of a discriminated union, by their `kind`."""
    models = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["kind"].annotation)[0]: m for m in models}


@pytest.mark.parametrize(
    ("union", "message"), [(changes.Change, pb.Change), (events.Event, pb.Event)]
)
def test_every_kind_has_a_oneof_member_with_the_model_field_names(union, message) -> None:
    """Each change and event kind is a oneof member whose fields are the model's (same names)."""
    oneof = message.DESCRIPTOR.oneofs_by_name["kind"]
    members = {f.name: f.message_type for f in oneof.fields}
    models = _kinds(union)
    assert set(members) == set(models)
    for kind, model in models.items():
        proto_fields = {f.name for f in members[kind].fields} - TIME_TWINS
        assert proto_fields == set(model.model_fields) - {"kind"}, kind


def test_scenario_fields_are_the_file_fields() -> None:
    """Scenario carries the scenarios file's names; the request's `scenarios` is its list."""
    assert {f.name for f in pb.Scenario.DESCRIPTOR.fields} == set(changes.Scenario.model_fields)
    assert "scenarios" in pb.CompareScenariosRequest.DESCRIPTOR.fields_by_name


def test_reflection_lists_the_planning_rpcs(served) -> None:
    """Server reflection describes the service with every planning-loop RPC."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="scheduler.v1.SchedulerService"
        )
        reply = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
    methods = set()
    for raw in reply.file_descriptor_response.file_descriptor_proto:
        file = descriptor_pb2.FileDescriptorProto.FromString(raw)
        for service in file.service:
            methods |= {m.name for m in service.method}
    assert methods >= PLANNING_RPCS


def test_live_plan_rpcs_are_served_on_postgresql_too(make_server, postgres_url) -> None:
    """Replicas on PostgreSQL serve the live-plan RPCs (their plans live in the same database):
    an unknown plan is NOT_FOUND there, not UNIMPLEMENTED (as before plans moved there)."""
    server, _ = make_server(store_path=postgres_url)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetPlan(pb.GetPlanRequest(plan_id="p"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def _call(server, method: str, request, timeout: float = 30):
    """Call one RPC of the server on a fresh channel (a stream is read to its end)."""
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        answer = getattr(pb_grpc.SchedulerServiceStub(channel), method)(request, timeout=timeout)
        return answer if isinstance(answer, Message) else list(answer)


def _violations(error: grpc.RpcError) -> list[str]:
    """The field paths of an INVALID_ARGUMENT's BadRequest."""
    failure = SchedulerError.from_rpc_error(error)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
    return [v.field for v in failure.violations]


def _single_machine(orders: int) -> pb.Problem:
    """`orders` orders of one 2-tick operation on m1: makespan 2 * orders."""
    return pb.Problem(
        machines=[pb.Machine(id="m1")],
        orders=[
            pb.Order(
                id=f"o{j}",
                operations=[pb.Operation(id="a", machines=[pb.Mode(machine_id="m1", duration=2)])],
            )
            for j in range(orders)
        ],
    )


def _seconds(value: float) -> Duration:
    message = Duration()
    message.FromMilliseconds(int(value * 1000))
    return message


def test_compare_rejects_an_unknown_id_with_the_file_path(served) -> None:
    """A change naming an unknown machine is INVALID_ARGUMENT at scenarios[i].changes[j].field."""
    server, _ = served
    down = pb.Change.MachineDown(machine_id="press-9", start=0, end=5)
    request = pb.CompareScenariosRequest(
        problem=two_orders(),
        scenarios=[
            pb.Scenario(name="ok"),
            pb.Scenario(name="bad", changes=[pb.Change(), pb.Change(machine_down=down)]),
        ],
    )
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "CompareScenarios", request)
    assert _violations(caught.value) == ["scenarios[1].changes[0]"]
    request.scenarios[1].changes.pop(0)
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "CompareScenarios", request)
    assert _violations(caught.value) == ["scenarios[1].changes[0].machine_id"]


def test_compare_model_errors_have_no_kind_segment(served) -> None:
    """A bad value inside a change is named by the file's path, without the oneof member."""
    server, _ = served
    change = pb.Change(priority_changed=pb.Change.PriorityChanged(order_id="o1", weight=-1))
    request = pb.CompareScenariosRequest(
        problem=two_orders(), scenarios=[pb.Scenario(name="s", changes=[change])]
    )
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "CompareScenarios", request)
    assert _violations(caught.value) == ["scenarios[0].changes[0].weight"]


def _long_order(operations: int, duration: int = 1) -> pb.Change:
    """An added order of `operations` operations on m1."""
    order = pb.Order(id="rush")
    for k in range(operations):
        order.operations.add(id=f"k{k}", machines=[pb.Mode(machine_id="m1", duration=duration)])
    return pb.Change(order_added=pb.Change.OrderAdded(order=order))


def test_a_scenario_past_the_size_caps_is_refused_by_its_path(served) -> None:
    """A scenario whose changes take the problem past the server's caps (operations, horizon) is
    INVALID_ARGUMENT naming that scenario, not solved: the caps hold for what is solved."""
    server, _ = served
    request = pb.CompareScenariosRequest(
        problem=two_orders(),
        scenarios=[
            pb.Scenario(name="ok"),
            pb.Scenario(name="many", changes=[_long_order(LIMITS.max_operations)]),
            pb.Scenario(name="long", changes=[_long_order(2, LIMITS.max_horizon)]),
        ],
    )
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "CompareScenarios", request)
    failure = SchedulerError.from_rpc_error(caught.value)
    assert [v.field for v in failure.violations] == ["scenarios[1].changes", "scenarios[2].changes"]
    assert "operations, past the cap" in failure.violations[0].reason
    assert "ticks of latest release" in failure.violations[1].reason


def test_a_scenario_adding_a_machine_never_worsens_makespan(served) -> None:
    """A twin of the only machine cuts the makespan from 6 to 4; both optimal, so proven."""
    server, _ = served
    twin = pb.Change(machine_added=pb.Change.MachineAdded(machine_id="m2", like="m1"))
    request = pb.CompareScenariosRequest(
        problem=_single_machine(3),
        scenarios=[pb.Scenario(name="twin", changes=[twin]), pb.Scenario(name="same")],
        time_limit=_seconds(20),
    )
    messages = _call(server, "CompareScenarios", request)
    assert all(m.WhichOneof("event") == "progress" for m in messages[:-1])
    report = messages[-1].comparison
    base, (twin_answer, same) = report.base, report.scenarios
    assert base.result.status == twin_answer.result.status == pb.SOLVE_STATUS_OPTIMAL
    assert base.result.kpis.makespan == 6 and twin_answer.result.kpis.makespan == 4
    makespan = twin_answer.deltas.makespan
    assert makespan.delta == -2 and makespan.proven and twin_answer.verified
    machines = {op.machine_id for op in twin_answer.result.schedule.operations}
    assert machines == {"m1", "m2"}
    assert same.same_problem_as == "base" and same.deltas.objective.delta == 0


def test_cancel_stops_a_comparison_within_a_second(served) -> None:
    """Cancelling CompareScenarios stops its solver processes and frees the slot at once."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        stream = stub.CompareScenarios(
            pb.CompareScenariosRequest(
                problem=hard_problem(),
                scenarios=[pb.Scenario(name="same")],
                time_limit=_seconds(30),
            )
        )
        first = next(stream)
        assert first.WhichOneof("event") == "progress"
        cancelled_at = time.monotonic()
        stream.cancel()
        # Generous for a shared machine; without the stop the solves run for 30 s.
        assert wait_until(lambda: server.slots.in_use == 0 and not active_children(), 3.0)
        assert time.monotonic() - cancelled_at < 3.0


def test_reschedule_rejects_bad_events_and_plans_by_field(served) -> None:
    """Unknown operations, unknown machines and a `now` before an event are each named."""
    server, _ = served
    plan = pb.ReleasedPlan(
        operations=[
            pb.ReleasedOperation(order_id="o1", operation_id="a", machine_id="m9", end_tick=3)
        ]
    )
    started = pb.Event.OperationStarted(order_id="o1", operation_id="zz", machine_id="m1", start=4)
    request = pb.RescheduleRequest(
        problem=two_orders(), plan=plan, events=[pb.Event(operation_started=started)], now=1
    )
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "Reschedule", request)
    assert _violations(caught.value) == ["plan.operations[0].machine_id"]
    request.plan.operations[0].machine_id = "m1"
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "Reschedule", request)
    assert _violations(caught.value) == ["now", "events[0].operation_id"]
    request.plan.operations[0].machine_id = "m2"
    request.ClearField("events")
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "Reschedule", request)
    assert _violations(caught.value) == ["plan.operations[0].machine_id"]


def test_reschedule_over_grpc_equals_the_cli(served, tmp_path) -> None:
    """The same problem, plan and events give the CLI's schedule and diff over gRPC."""
    server, _ = served
    problem = make_problem(
        [[[(0, 3)], [(1, 2)]], [[(1, 3)], [(0, 2)]], [[(0, 2), (1, 3)]]],
        due=[5, 6, 4],
        objective="total_weighted_tardiness",
    )
    released = solve(problem, SolveParams(time_limit=10, workers=1))
    assert released.schedule is not None
    events = {
        "events": [
            {"kind": "machine_breakdown", "machine_id": "m0", "start": 1, "end": 4},
            {"kind": "order_cancelled", "order_id": "j2"},
        ]
    }
    (tmp_path / "problem.json").write_text(problem.model_dump_json())
    (tmp_path / "plan.json").write_text(dumps(result_to_json(problem, released)))
    (tmp_path / "events.json").write_text(json.dumps(events))
    out = tmp_path / "new.json"
    args = ["reschedule", str(tmp_path / "problem.json"), "--plan", str(tmp_path / "plan.json")]
    args += ["--events", str(tmp_path / "events.json"), "--out", str(out), "--workers", "1"]
    assert main([*args, "--now", "1", "--stability", "2"]) == 0
    cli = json.loads(out.read_text())
    schedule = schedule_to_proto(problem, released.schedule).SerializeToString()
    request = pb.RescheduleRequest(
        problem=problem_to_proto(problem),
        plan=pb.ReleasedPlan.FromString(schedule),
        events=[
            pb.Event(machine_breakdown=pb.Event.MachineBreakdown(machine_id="m0", start=1, end=4)),
            pb.Event(order_cancelled=pb.Event.OrderCancelled(order_id="j2")),
        ],
        now=1,
        stability=pb.StabilityPolicy(weight=2),
        parameters=pb.SolveParameters(workers=1, time_limit=_seconds(10)),
    )
    answer = _call(server, "Reschedule", request)
    assert cli["status"] == "OPTIMAL" and answer.result.status == pb.SOLVE_STATUS_OPTIMAL
    assert answer.result.objective == cli["objective"]
    counts = answer.diff.counts
    assert {k: getattr(counts, k) for k in cli["diff"]["counts"]} == cli["diff"]["counts"]
    assert [o.order_id for o in answer.diff.dropped] == ["j2"]
    placed = {(o.order_id, o.operation_id): o for o in answer.result.schedule.operations}
    for op in answer.result.schedule.operations:
        assert op.machine_id != "m0" or op.end_tick <= 1 or op.start_tick >= 4
    assert len(placed) == len(cli["operations"]) == 4


def test_the_schema_command_prints_the_events_file_schema(capsys) -> None:
    """`scheduler schema --events` prints a schema naming every event kind of the proto."""
    assert main(["schema", "--events"]) == 0
    text = capsys.readouterr().out
    schema = json.loads(text)
    assert set(schema["properties"]) == {"events"}
    for kind in pb.Event.DESCRIPTOR.oneofs_by_name["kind"].fields:
        assert f'"{kind.name}"' in text


def test_a_comparison_job_runs_in_the_background_and_keeps_its_report(served) -> None:
    """CreateComparisonJob gives a job of kind COMPARISON whose finished form has the report."""
    server, _ = served
    twin = pb.Change(machine_added=pb.Change.MachineAdded(machine_id="m2", like="m1"))
    request = pb.CreateComparisonJobRequest(
        request_id="cmp-1",
        problem=_single_machine(3),
        scenarios=[pb.Scenario(name="twin", changes=[twin])],
        time_limit=_seconds(20),
    )
    job = _call(server, "CreateComparisonJob", request).job
    assert job.kind == pb.JOB_KIND_COMPARISON and job.state == pb.JOB_STATE_QUEUED
    assert _call(server, "CreateComparisonJob", request).job.job_id == job.job_id
    watched = _call(server, "WatchScheduleJob", pb.WatchScheduleJobRequest(job_id=job.job_id))
    final = watched[-1].job
    assert final.state == pb.JOB_STATE_SUCCEEDED and not final.HasField("result")
    (twin_answer,) = final.comparison.scenarios
    assert twin_answer.deltas.makespan.delta == -2 and twin_answer.deltas.makespan.proven
    plan = pb.GetScheduleJobRequest(job_id=job.job_id, view=pb.SCHEDULE_JOB_VIEW_PLAN)
    assert len(_call(server, "GetScheduleJob", plan).job.problem.orders) == 3


def test_a_comparison_job_is_validated_at_creation(served) -> None:
    """A comparison job naming an unknown order is refused before anything is stored."""
    server, _ = served
    cancel = pb.Change(order_cancelled=pb.Change.OrderCancelled(order_id="nope"))
    request = pb.CreateComparisonJobRequest(
        problem=two_orders(), scenarios=[pb.Scenario(name="s", changes=[cancel])]
    )
    with pytest.raises(grpc.RpcError) as caught:
        _call(server, "CreateComparisonJob", request)
    assert _violations(caught.value) == ["scenarios[0].changes[0].order_id"]
    listed = _call(server, "ListScheduleJobs", pb.ListScheduleJobsRequest())
    assert not listed.jobs


def test_scenarios_survive_the_wire() -> None:
    """Every change kind, sent as proto and read back, is the change that was sent."""
    base = problem_from_proto(two_orders())
    order = base.orders[0].model_dump(mode="json") | {"id": "rush", "due": 9}
    kinds: list[dict] = [
        {"kind": "machine_down", "machine_id": "m1", "start": 2, "end": 5, "reason": "jam"},
        {"kind": "machine_added", "machine_id": "m3", "like": "m2", "capacity": 2},
        {"kind": "order_added", "order": order},
        {"kind": "due_changed", "order_id": "o1", "due": None},
        {"kind": "deadline_changed", "order_id": "o2", "deadline": 30},
        {"kind": "priority_changed", "order_id": "o2", "weight": 0},
        {"kind": "quantity_changed", "order_id": "o1", "quantity": 3},
        {"kind": "machine_removed", "machine_id": "m3"},
        {"kind": "order_cancelled", "order_id": "rush"},
    ]
    sent = changes.ScenarioFile.model_validate({"scenarios": [{"name": "all", "changes": kinds}]})
    received, problems = scenarios_from_proto(base, scenarios_to_proto(sent))
    assert received == sent
    assert [o.id for o in problems["all"].orders] == ["o1", "o2"]
    assert problems["all"].orders[0].due is None and problems["all"].orders[1].weight == 0


def test_a_comparison_answers_within_its_time_limit(served) -> None:
    """Nine solves in turn (one core) and a 3 s budget: the answer comes by the budget, with the
    solves not yet started named as such (each process start alone takes about a second)."""
    server, _ = served
    request = pb.CompareScenariosRequest(
        problem=two_orders(),
        scenarios=[
            pb.Scenario(
                name=f"weight {w}",
                changes=[
                    pb.Change(priority_changed=pb.Change.PriorityChanged(order_id="o1", weight=w))
                ],
            )
            for w in range(10, 18)
        ],
        time_limit=_seconds(3),
    )
    started = time.monotonic()
    report = _call(server, "CompareScenarios", request)[-1].comparison
    assert time.monotonic() - started < 6.0
    assert len(report.scenarios) == 8
    assert any(a.error == "stopped before it started" for a in report.scenarios)


def test_a_deadline_shorter_than_the_budget_still_gets_the_comparison(served) -> None:
    """A 10 s call deadline with a 60 s budget answers a comparison before the deadline."""
    server, _ = served
    request = pb.CompareScenariosRequest(
        problem=hard_problem(), scenarios=[pb.Scenario(name="same")], time_limit=_seconds(60)
    )
    started = time.monotonic()
    report = _call(server, "CompareScenarios", request, timeout=10)[-1].comparison
    assert time.monotonic() - started < 10
    assert report.time_limit.seconds < 10 and report.base.name == "base"
