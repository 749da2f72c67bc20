"""Fixtures of the service tests: tiny named problems and a real server on a loopback port 0."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.client import SchedulerClient
from scheduler.service.convert import pb
from scheduler.service.limits import ServiceLimits
from scheduler.service.server import SchedulerServer, ServerConfig, create_server

LIMITS = ServiceLimits(
    max_concurrent_solves=2,
    total_workers=2,
    default_time_limit=2.0,
    max_time_limit=30.0,
    max_operations=2_000,
    max_machines=100,
    max_horizon=1_000_000,
)


def two_orders() -> pb.Problem:
    """Two machines, two orders, three operations; optimal makespan 5."""
    return pb.Problem(
        name="two-orders",
        machines=[pb.Machine(id="m1"), pb.Machine(id="m2")],
        orders=[
            pb.Order(
                id="o1",
                operations=[
                    pb.Operation(id="a", machines=[pb.Mode(machine_id="m1", duration=3)]),
                    pb.Operation(id="b", machines=[pb.Mode(machine_id="m2", duration=2)]),
                ],
            ),
            pb.Order(
                id="o2",
                operations=[pb.Operation(id="a", machines=[pb.Mode(machine_id="m2", duration=3)])],
            ),
        ],
    )


def hard_problem(seed: int = 1, jobs: int = 30, machines: int = 10) -> pb.Problem:
    """A random 30x10 job shop with weighted tardiness: CP-SAT cannot prove it in seconds."""
    rng = random.Random(seed)
    problem = pb.Problem(name=f"hard-{seed}")
    problem.machines.extend(pb.Machine(id=f"m{i}") for i in range(machines))
    for j in range(jobs):
        order = problem.orders.add(id=f"o{j}", due=rng.randint(50, 400), weight=rng.randint(1, 5))
        for k, m in enumerate(rng.sample(range(machines), machines)):
            order.operations.add(
                id=f"k{k}", machines=[pb.Mode(machine_id=f"m{m}", duration=rng.randint(1, 30))]
            )
    problem.objective.terms.add(kind=pb.OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS)
    return problem


ServerFactory = Callable[..., tuple[SchedulerServer, SchedulerClient]]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start servers (stopped at teardown); keyword arguments override the test configuration."""
    started: list[tuple[SchedulerServer, SchedulerClient]] = []

    def make(
        *, client_kwargs: dict | None = None, **overrides: object
    ) -> tuple[SchedulerServer, SchedulerClient]:
        settings: dict = {
            "port": 0,
            "store_path": tmp_path / "jobs.sqlite3",
            "limits": LIMITS,
            "grace": 1.0,
        }
        settings.update(overrides)
        server, port = create_server(ServerConfig(**settings))
        server.start()
        client = SchedulerClient(f"127.0.0.1:{port}", **(client_kwargs or {}))
        started.append((server, client))
        return server, client

    yield make
    for server, client in started:
        client.close()
        server.stop(0)


@pytest.fixture
def served(make_server: ServerFactory) -> tuple[SchedulerServer, SchedulerClient]:
    """A server with the test limits and a client connected to it."""
    return make_server()


@pytest.fixture
def client(served: tuple[SchedulerServer, SchedulerClient]) -> SchedulerClient:
    """A client of a fresh test server."""
    return served[1]
