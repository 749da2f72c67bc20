"""Garbage at every RPC never crashes the server nor answers INTERNAL/UNKNOWN."""

from __future__ import annotations

import grpc
import pytest
from conftest import LIMITS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.service.convert import pb
from scheduler.service.server import ServerConfig, create_server

METHODS = [m for m in pb.DESCRIPTOR.services_by_name["SchedulerService"].methods]
BAD_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory):
    """One server for the module, with a short default time limit."""
    store = tmp_path_factory.mktemp("fuzz") / "jobs.sqlite3"
    server, port = create_server(ServerConfig(port=0, store_path=store, limits=LIMITS, grace=0))
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
    server.stop(0)


def _call(channel: grpc.Channel, method, payload: bytes) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    kwargs = {"request_serializer": None, "response_deserializer": None}
    try:
        if method.server_streaming:
            for _ in channel.unary_stream(path, **kwargs)(payload, timeout=5):
                pass
        else:
            channel.unary_unary(path, **kwargs)(payload, timeout=5)
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


ids = st.text(max_size=6)
ticks = st.integers(min_value=-(2**63), max_value=2**63 - 1)
modes = st.builds(pb.Mode, machine_id=ids, duration=st.integers(-5, 10))
operations = st.builds(pb.Operation, id=ids, machines=st.lists(modes, max_size=2))
orders = st.builds(
    pb.Order,
    id=ids,
    operations=st.lists(operations, max_size=3),
    release=ticks,
    due=st.one_of(st.none(), ticks),
    weight=st.one_of(st.none(), ticks),
)
terms = st.builds(pb.ObjectiveTerm, kind=st.integers(-3, 7), weight=st.one_of(st.none(), ticks))
problems = st.builds(
    pb.Problem,
    name=st.text(max_size=300),
    machines=st.lists(st.builds(pb.Machine, id=ids), max_size=3),
    orders=st.lists(orders, max_size=3),
    objective=st.builds(pb.Objective, terms=st.lists(terms, max_size=3)),
)


@st.composite
def parameters(draw: st.DrawFn) -> pb.SolveParameters:
    message = pb.SolveParameters(
        workers=draw(st.integers(-(2**31), 2**31 - 1)),
        seed=draw(ticks),
        relative_gap_limit=draw(st.floats(allow_nan=True, allow_infinity=True)),
    )
    message.time_limit.seconds = draw(st.integers(-10, 1))
    message.time_limit.nanos = draw(st.integers(-(10**9) + 1, 10**9 - 1))
    return message


@st.composite
def well_typed_requests(draw: st.DrawFn) -> tuple[object, bytes]:
    method = draw(st.sampled_from(METHODS))
    request_type = getattr(pb, method.input_type.name)
    request = request_type()
    for field in request_type.DESCRIPTOR.fields:
        if field.name == "problem":
            request.problem.CopyFrom(draw(problems))
            if draw(st.booleans()):
                request.problem.planning_start.seconds = draw(ticks)
                request.problem.planning_start.nanos = draw(st.integers(-(2**31), 2**31 - 1))
            if draw(st.booleans()):
                request.problem.tick.seconds = draw(ticks)
                request.problem.tick.nanos = draw(st.integers(-(2**31), 2**31 - 1))
        elif field.name == "parameters":
            request.parameters.CopyFrom(draw(parameters()))
        elif field.type == field.TYPE_STRING:
            setattr(request, field.name, draw(st.text(max_size=200)))
        elif field.type in (field.TYPE_INT32, field.TYPE_ENUM):
            setattr(request, field.name, draw(st.integers(-(2**31), 2**31 - 1)))
    return method, request.SerializeToString()


@SETTINGS
@given(method=st.sampled_from(METHODS), payload=st.binary(max_size=200))
def test_random_bytes(channel: grpc.Channel, method, payload: bytes) -> None:
    """Random bytes at any RPC are answered without INTERNAL or UNKNOWN."""
    assert _call(channel, method, payload) not in BAD_CODES


@SETTINGS
@given(request=well_typed_requests())
def test_random_well_typed_requests(channel: grpc.Channel, request) -> None:
    """Random well-typed requests (nonsense values) are answered without INTERNAL or UNKNOWN."""
    method, payload = request
    assert _call(channel, method, payload) not in BAD_CODES
