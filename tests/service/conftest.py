"""Fixtures of the service tests: tiny named problems and a real server on a loopback port 0."""

from __future__ import annotations

import random
import subprocess
import sys
import time
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


ROOT = Path(__file__).resolve().parents[2]


def params(seconds: float) -> pb.SolveParameters:
    """One worker and a time limit of `seconds`."""
    message = pb.SolveParameters(workers=1)
    message.time_limit.FromMilliseconds(int(seconds * 1000))
    return message


def wait_until(predicate: Callable[[], object], timeout: float) -> bool:
    """Poll `predicate` every 20 ms until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def spawn_server(workdir: Path, store_path: Path | str, *args: str) -> tuple[subprocess.Popen, int]:
    """`scheduler serve` on port 0 in a child process (for signals), and the port it bound;
    `store_path` is a SQLite file or a postgresql:// URL."""
    port_file = workdir / "port"
    code = (
        "import sys, scheduler.service.server as s;"
        "from scheduler.cli import main;"
        "orig = s.create_server\n"
        "def patched(*a, **k):\n"
        "    server, port = orig(*a, **k)\n"
        f"    open({str(port_file)!r}, 'w').write(str(port))\n"
        "    return server, port\n"
        "s.create_server = patched\n"
        f"sys.exit(main(['serve', '--port', '0', '--store', {str(store_path)!r},"
        f" '--log-format', 'text', *{list(args)!r}]))"
    )
    port_file.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: port_file.exists() and port_file.read_text(), 30)
    return process, int(port_file.read_text())


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
