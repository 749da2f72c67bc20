"""The planning loop over gRPC: message shapes, CompareScenarios, Reschedule, live-plan stubs."""

from __future__ import annotations

import typing

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from scheduler.planning import changes, events
from scheduler.service.convert import pb, pb_grpc

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


def test_live_plan_rpcs_answer_unimplemented(served) -> None:
    """A live-plan RPC not built in this server answers UNIMPLEMENTED, not INTERNAL."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.PromiseOrder(pb.PromiseOrderRequest(plan_id="p"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
