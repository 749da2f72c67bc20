"""End-to-end cost of the gRPC service, on loopback.

    python benchmarks/bench_service.py [--repeats 5] [--solves 200] [--clients 20]

1. ft06 (the standard 6x6 instance, built here from its matrix): median wall time of `solve()`
   in-process versus `Solve` through a local server, same parameters (seed 0, 2 workers).
2. Load: `--solves` small random job shops sent by `--clients` concurrent clients to one server
   whose solve slots equal the cores. Clients honour RESOURCE_EXHAUSTED (the designed answer past
   the slot cap) by backing off min(RetryInfo, 50 ms x 2^attempt) and retrying; any other error
   is counted as a failure. Reports throughput, p50/p99 latency (including retries) and counts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.client import SchedulerClient, SchedulerError  # noqa: E402
from scheduler.params import SolveParams, available_cores  # noqa: E402
from scheduler.problem import Problem, parse_problem  # noqa: E402
from scheduler.service.limits import ServiceLimits  # noqa: E402
from scheduler.service.server import ServerConfig, create_server  # noqa: E402
from scheduler.solve import solve  # noqa: E402

FT06 = """
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""
FT06_OPTIMUM = 55


def job_shop(name: str, rows: list[list[tuple[int, int]]], n_machines: int) -> Problem:
    return parse_problem(
        {
            "name": name,
            "machines": [{"id": f"m{m}"} for m in range(n_machines)],
            "orders": [
                {
                    "id": f"j{j}",
                    "operations": [
                        {"id": f"op{k}", "machines": [{"machine_id": f"m{m}", "duration": d}]}
                        for k, (m, d) in enumerate(row)
                    ],
                }
                for j, row in enumerate(rows)
            ],
        }
    )


def ft06() -> Problem:
    rows = []
    for line in FT06.strip().splitlines():
        numbers = [int(x) for x in line.split()]
        rows.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return job_shop("ft06", rows, 6)


def small(seed: int) -> Problem:
    rng = random.Random(seed)
    rows = [[(m, rng.randint(1, 9)) for m in rng.sample(range(3), 3)] for _ in range(4)]
    return job_shop(f"small-{seed}", rows, 3)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_ft06(address: str, repeats: int) -> None:
    problem = ft06()
    params = SolveParams(time_limit=30, workers=min(2, available_cores()), seed=0)
    local, remote = [], []
    with SchedulerClient(address) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            result = solve(problem, params)
            local.append(time.perf_counter() - started)
            assert result.objective == FT06_OPTIMUM, result.objective
            started = time.perf_counter()
            message = client.solve(problem, params, timeout=60)
            remote.append(time.perf_counter() - started)
            assert message.objective == FT06_OPTIMUM, message.objective
    lm, rm = statistics.median(local), statistics.median(remote)
    print(f"ft06 (optimum {FT06_OPTIMUM}), median of {repeats}, workers={params.workers}:")
    print(f"  in-process solve(): {lm * 1000:8.1f} ms")
    print(f"  gRPC Solve:         {rm * 1000:8.1f} ms   (overhead {1000 * (rm - lm):+.1f} ms)")


def bench_load(address: str, solves: int, clients: int) -> None:
    problems = [small(seed) for seed in range(solves)]
    params = SolveParams(time_limit=5, workers=1, seed=0)
    latencies: list[float] = []
    exhausted = failures = 0
    lock = threading.Lock()

    def one(problem: Problem, client: SchedulerClient) -> None:
        nonlocal exhausted, failures
        started = time.perf_counter()
        for attempt in range(100):
            try:
                client.solve(problem, params, timeout=30)
                with lock:
                    latencies.append(time.perf_counter() - started)
                return
            except SchedulerError as error:
                if error.code != grpc.StatusCode.RESOURCE_EXHAUSTED:
                    with lock:
                        failures += 1
                    print(f"  unexpected error: {error}", file=sys.stderr)
                    return
                with lock:
                    exhausted += 1
                delay = min(error.retry_after or 0.05, 0.05 * 2**attempt)
                time.sleep(delay * random.uniform(0.5, 1.0))
        with lock:
            failures += 1

    channels = [SchedulerClient(address) for _ in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(one, p, channels[i % clients]) for i, p in enumerate(problems)]
        for future in futures:
            future.result()
    wall = time.perf_counter() - started
    for channel in channels:
        channel.close()
    print(f"load: {solves} small solves (4x3 job shops) from {clients} concurrent clients:")
    print(f"  throughput {len(latencies) / wall:7.1f} solves/s   wall {wall:.2f} s")
    print(
        f"  latency p50 {percentile(latencies, 0.5) * 1000:7.1f} ms   "
        f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms   (including retries)"
    )
    print(
        f"  ok {len(latencies)}   RESOURCE_EXHAUSTED (designed, retried) {exhausted}   "
        f"other errors {failures}"
    )
    if failures:
        raise SystemExit(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--solves", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    n = available_cores()
    limits = ServiceLimits(max_concurrent_solves=n, total_workers=n)
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(port=0, store_path=Path(tmp) / "jobs.sqlite3", limits=limits)
        server, port = create_server(config)
        server.start()
        try:
            print(f"server on 127.0.0.1:{port}, {n} core(s), {n} solve slot(s)")
            bench_ft06(f"127.0.0.1:{port}", args.repeats)
            bench_load(f"127.0.0.1:{port}", args.solves, args.clients)
        finally:
            server.stop(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
