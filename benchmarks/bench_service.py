"""End-to-end cost of the gRPC service, on loopback.

    python benchmarks/bench_service.py [--repeats 5] [--solves 200] [--clients 20]
                                       [--watchers 40] [--background-seconds 60]

1. ft06 (the standard 6x6 instance, built here from its matrix): median wall time of `solve()`
   in-process versus `Solve` through a local server, same parameters (seed 0, 2 workers).
2. Load: `--solves` small random job shops sent by `--clients` concurrent clients to one server
   whose solve slots equal the cores. Clients honour RESOURCE_EXHAUSTED (the designed answer past
   the slot cap) by backing off min(RetryInfo, 50 ms x 2^attempt) and retrying; any other error
   is counted as a failure. Reports throughput, p50/p99 latency (including retries) and counts,
   and how good RetryInfo was: for each refusal, its advice against the actual wait until the
   next search ended (a slot freed), as a ratio.
3. Watchers: `--watchers` WatchScheduleJob streams open on a running job; health-check latency
   (p50/p99 of 200 checks) with them open and with none, and store reads per second per watcher
   (the store counts its reads of a job).
4. Lanes: ft06 Solve latency (median of `--repeats`) alone and while a background job of
   `--background-seconds` (a 50x10 job shop) holds the shared solve slot.
"""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.client import SchedulerClient, SchedulerError  # noqa: E402
from scheduler.params import SolveParams, available_cores  # noqa: E402
from scheduler.problem import Problem, parse_problem  # noqa: E402
from scheduler.service.convert import pb, pb_grpc  # noqa: E402
from scheduler.service.limits import ServiceLimits  # noqa: E402
from scheduler.service.server import SchedulerServer, ServerConfig, create_server  # noqa: E402
from scheduler.solve import solve  # noqa: E402
from scheduler.store import Job, SqliteJobStore  # noqa: E402

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


def large(seed: int, jobs: int = 50, machines: int = 10) -> Problem:
    """A random job shop CP-SAT does not prove in a minute: the background job."""
    rng = random.Random(seed)
    rows = [
        [(m, rng.randint(1, 99)) for m in rng.sample(range(machines), machines)]
        for _ in range(jobs)
    ]
    return job_shop(f"large-{seed}", rows, machines)


def tardy(seed: int, jobs: int = 30, machines: int = 10) -> Problem:
    """A random job shop with weighted tardiness: it keeps improving for many seconds, so its
    watchers have changes to follow."""
    rng = random.Random(seed)
    data: dict = {"name": f"tardy-{seed}", "machines": [{"id": f"m{m}"} for m in range(machines)]}
    data["orders"] = [
        {
            "id": f"j{j}",
            "due": rng.randint(50, 400),
            "weight": rng.randint(1, 5),
            "operations": [
                {
                    "id": f"op{k}",
                    "machines": [{"machine_id": f"m{m}", "duration": rng.randint(1, 30)}],
                }
                for k, m in enumerate(rng.sample(range(machines), machines))
            ],
        }
        for j in range(jobs)
    ]
    data["objective"] = {"terms": [{"kind": "total_weighted_tardiness"}]}
    return parse_problem(data)


class CountingStore(SqliteJobStore):
    """The SQLite store, counting how often a job is read (what each watcher costs)."""

    reads = 0

    def get(self, job_id: str) -> Job:
        CountingStore.reads += 1
        return super().get(job_id)


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


def bench_load(server: SchedulerServer, address: str, solves: int, clients: int) -> None:
    problems = [small(seed) for seed in range(solves)]
    params = SolveParams(time_limit=5, workers=1, seed=0)
    latencies: list[float] = []
    refusals: list[tuple[float, float]] = []  # (when, advice)
    ended: list[float] = []
    exhausted = failures = 0
    lock = threading.Lock()
    release = server.slots.release

    def timed_release(ticket: int) -> None:
        release(ticket)
        with lock:
            ended.append(time.monotonic())

    server.slots.release = timed_release  # type: ignore[method-assign]

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
                    refusals.append((time.monotonic(), error.retry_after or 0.0))
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
    server.slots.release = release  # type: ignore[method-assign]
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
    ratios, advice, waits = [], [], []
    ended.sort()
    for when, advised in refusals:
        after = bisect.bisect_right(ended, when)
        if after < len(ended):
            wait = max(ended[after] - when, 1e-4)
            ratios.append(advised / wait)
            advice.append(advised)
            waits.append(wait)
    if ratios:
        within = sum(0.5 <= r <= 2.0 for r in ratios) / len(ratios)
        print(
            f"  RetryInfo advice p50 {percentile(advice, 0.5) * 1000:.1f} ms vs actual wait for "
            f"a free slot p50 {percentile(waits, 0.5) * 1000:.1f} ms; advice/actual p10 "
            f"{percentile(ratios, 0.1):.2f}  p50 {percentile(ratios, 0.5):.2f}  p90 "
            f"{percentile(ratios, 0.9):.2f}; within 2x: {within:.0%} of {len(ratios)}"
        )
    if failures:
        raise SystemExit(1)


def _health_latencies(address: str, n: int) -> list[float]:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        stub.Check(health_pb2.HealthCheckRequest(), timeout=10)  # connect first
        latencies = []
        for _ in range(n):
            started = time.perf_counter()
            stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
            latencies.append(time.perf_counter() - started)
    return latencies


def bench_watchers(store: CountingStore, address: str, watchers: int, seconds: float) -> None:
    quiet = _health_latencies(address, 200)
    with SchedulerClient(address) as client, grpc.insecure_channel(address) as channel:
        # Watched from its start, when improvements come fastest.
        job = client.create_job(tardy(1), SolveParams(time_limit=seconds + 30, workers=1))
        stub = pb_grpc.SchedulerServiceStub(channel)
        streams = [
            stub.WatchScheduleJob(pb.WatchScheduleJobRequest(job_id=job.job_id), timeout=600)
            for _ in range(watchers)
        ]
        received = [0] * watchers

        def drain(i: int) -> None:
            try:
                for _ in streams[i]:
                    received[i] += 1
            except grpc.RpcError:
                pass  # cancelled at the end

        readers = [threading.Thread(target=drain, args=(i,)) for i in range(watchers)]
        for reader in readers:
            reader.start()
        while min(received) == 0:  # every stream open and past its first read
            time.sleep(0.01)
        changes = store.changes
        reads_before, started = CountingStore.reads, time.monotonic()
        changes_before = changes.version(job.job_id)
        loaded = _health_latencies(address, 200)
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        reads = CountingStore.reads - reads_before
        elapsed = time.monotonic() - started
        changed = changes.version(job.job_id) - changes_before
        for stream in streams:
            stream.cancel()
        for reader in readers:
            reader.join(5)
        client.cancel_job(job.job_id)
    print(f"watchers: {watchers} WatchScheduleJob streams open on a running job:")
    print(
        f"  health check p50 {percentile(loaded, 0.5) * 1000:.2f} ms  p99 "
        f"{percentile(loaded, 0.99) * 1000:.2f} ms   (none open: p50 "
        f"{percentile(quiet, 0.5) * 1000:.2f} ms  p99 {percentile(quiet, 0.99) * 1000:.2f} ms)"
    )
    print(
        f"  store reads {reads / elapsed / watchers:.2f} per second per watcher "
        f"({f'{reads / changed / watchers:.2f}' if changed else 'no change'} per change) over "
        f"{elapsed:.1f} s, while the job changed {changed / elapsed:.2f} times per second ("
        f"{sum(received)} messages sent; a 5/s poller reads 5.00)"
    )


def bench_background(address: str, repeats: int, seconds: float) -> None:
    problem = ft06()
    params = SolveParams(time_limit=30, workers=1, seed=0)

    def ft06_latencies(client: SchedulerClient) -> list[float]:
        latencies = []
        for _ in range(repeats):
            started = time.perf_counter()
            message = client.solve(problem, params, timeout=60)
            latencies.append(time.perf_counter() - started)
            assert message.objective == FT06_OPTIMUM, message.objective
        return latencies

    with SchedulerClient(address) as client:
        alone = ft06_latencies(client)
        job = client.create_job(large(2), SolveParams(time_limit=seconds, workers=1))
        for seen in client.watch_job(job.job_id, timeout=60):
            if seen.state == pb.JOB_STATE_RUNNING:
                break
        started = time.monotonic()
        beside = ft06_latencies(client)
        still = client.get_job(job.job_id).state == pb.JOB_STATE_RUNNING
        final = list(client.watch_job(job.job_id, timeout=seconds + 60))[-1]
        job_wall = time.monotonic() - started
    print(f"lanes: ft06 Solve (1 worker), median of {repeats}:")
    print(
        f"  alone {statistics.median(alone) * 1000:.1f} ms   beside a {seconds:.0f} s background "
        f"job {statistics.median(beside) * 1000:.1f} ms (max {max(beside) * 1000:.1f} ms); "
        f"job still running after: {still}; job ended "
        f"{pb.JobState.Name(final.state)} {job_wall:.1f} s later"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--solves", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--watchers", type=int, default=40)
    parser.add_argument("--watch-seconds", type=float, default=10.0)
    parser.add_argument(
        "--background-seconds", type=float, default=60.0, help="time limit of the background job"
    )
    args = parser.parse_args()
    n = available_cores()
    limits = ServiceLimits(max_concurrent_solves=n, total_workers=n)
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(port=0, store_path=Path(tmp) / "jobs.sqlite3", limits=limits)
        server, port = create_server(config)
        server.start()
        try:
            print(
                f"server on 127.0.0.1:{port}, {n} core(s), {limits.max_concurrent_solves} shared "
                f"+ {limits.interactive_slots} interactive solve slot(s)"
            )
            bench_ft06(f"127.0.0.1:{port}", args.repeats)
            bench_load(server, f"127.0.0.1:{port}", args.solves, args.clients)
        finally:
            server.stop(0)
        # Jobs get one shared slot, as on a 2-core machine's default.
        limits = ServiceLimits(max_concurrent_solves=1, total_workers=max(2, n))
        store = CountingStore(Path(tmp) / "lanes.sqlite3")
        config = ServerConfig(port=0, limits=limits)
        server, port = create_server(config, store=store)
        server.start()
        try:
            bench_watchers(store, f"127.0.0.1:{port}", args.watchers, args.watch_seconds)
            bench_background(f"127.0.0.1:{port}", args.repeats, args.background_seconds)
        finally:
            server.stop(0)
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
