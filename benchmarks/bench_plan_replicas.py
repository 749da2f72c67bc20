"""Live plans shared by replicas on PostgreSQL: cross-replica answer latency, and take-over time.

    python benchmarks/bench_plan_replicas.py [--reports 20] [--lease 2] [--takeovers 3]

Starts its own throw-away PostgreSQL server (`scheduler.pg.ThrowawayCluster`, durable: fsync on
every commit like the SQLite peer), then:

1. Answer latency: a three-operation plan created on replica "a"; `--reports` breakdowns, one at
   a time, reported on replica "b" while a WatchPlan stream is open on "a"; seconds from the
   ReportEvents call to the answering revision on the stream (p50, max). The peer in the same
   run: one server on SQLite, reporting and watching on that server.
2. Take-over: a 30x10 plan with an 8 s budget created on "a", an event reported on "b" (which
   then replans it), "b" SIGKILLed one second into its replan; seconds until "a" holds the
   plan's lease, and until the revision answering the event is stored (`--takeovers` times).
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "service"))
from bench_store import _stop  # noqa: E402
from conftest import hard_problem, params, spawn_server, two_orders, wait_until  # noqa: E402

from scheduler.pg import ThrowawayCluster, find_server_binaries  # noqa: E402
from scheduler.planstore_pg import PostgresPlanStore  # noqa: E402
from scheduler.service.convert import pb, pb_grpc  # noqa: E402

WAIT = 120.0


def _server(workdir: Path, location: str, name: str, lease: float) -> tuple:
    """A `scheduler serve` process and a stub of it."""
    workdir.mkdir(parents=True, exist_ok=True)
    process, port = spawn_server(
        workdir, location, "--replica-id", name, "--workers", "2", "--lease", str(lease)
    )
    return process, pb_grpc.SchedulerServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


def _breakdown(event_id: str, machine: str, start: int, end: int) -> pb.ReportEventsRequest:
    kind = pb.Event.MachineBreakdown(machine_id=machine, start=start, end=end)
    reported = pb.ReportedEvent(event_id=event_id, event=pb.Event(machine_breakdown=kind))
    reported.time.GetCurrentTime()
    return reported


def answer_latency(watched: pb_grpc.SchedulerServiceStub, reported, reports: int) -> list[float]:
    """Seconds from each report (on `reported`) to its revision on a stream of `watched`."""
    request = pb.CreatePlanRequest(problem=two_orders(), parameters=params(5))
    plan = watched.CreatePlan(request, timeout=WAIT).plan
    seen: queue.Queue[tuple[float, pb.PlanRevision]] = queue.Queue()
    stream = watched.WatchPlan(pb.WatchPlanRequest(plan_id=plan.plan_id, after_revision=1))

    def read() -> None:
        try:
            for message in stream:
                seen.put((time.monotonic(), message.revision))
        except grpc.RpcError:
            pass  # cancelled at the end

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    latencies = []
    for n in range(reports):
        event = _breakdown(f"e{n}", "m1", 10 * n, 10 * n + 3)
        sent = time.monotonic()
        reported.ReportEvents(
            pb.ReportEventsRequest(plan_id=plan.plan_id, events=[event]), timeout=WAIT
        )
        arrived, revision = seen.get(timeout=WAIT)
        assert list(revision.event_ids) == [f"e{n}"], revision.event_ids
        latencies.append(arrived - sent)
    stream.cancel()
    reader.join(10)
    return latencies


def takeover(url: str, workdir: Path, lease: float, budget: float) -> tuple[float, float]:
    """Seconds from SIGKILL of the replica replanning until the other holds the plan's lease,
    and until the revision answering the event is stored."""
    servers = {n: _server(workdir / n, url, n, lease) for n in ("a", "b")}
    store = PostgresPlanStore(url, replica="bench")
    try:
        request = pb.CreatePlanRequest(problem=hard_problem(), parameters=params(budget))
        plan_id = servers["a"][1].CreatePlan(request, timeout=WAIT).plan.plan_id
        event = _breakdown("down", "m0", 0, 60)
        servers["b"][1].ReportEvents(
            pb.ReportEventsRequest(plan_id=plan_id, events=[event]), timeout=WAIT
        )
        time.sleep(1.0)
        os.kill(servers["b"][0].pid, signal.SIGKILL)
        killed = time.monotonic()
        assert store.unanswered(plan_id), "b answered before it was killed"
        assert wait_until(lambda: (store.lease_of(plan_id) or ("",))[0] == "a", 10 * lease + 30)
        taken = time.monotonic() - killed
        assert wait_until(lambda: not store.unanswered(plan_id), budget + 60)
        answered = time.monotonic() - killed
        revisions = [(r.number, r.answers) for r in store.revisions(plan_id)]
        assert revisions == [(1, ()), (2, ("down",))], revisions
        return taken, answered
    finally:
        _stop([process for process, _ in servers.values()])
        store.close()


def _quantiles(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms"


def _latency(cluster: ThrowawayCluster, work: Path, reports: int, lease: float) -> None:
    print(f"1. answer latency, {reports} reports of a three-operation plan")
    url = cluster.create_schema("latency")
    processes: list[subprocess.Popen] = []
    try:
        (a, a_stub), (b, b_stub) = (_server(work / n, url, n, lease) for n in ("a", "b"))
        processes += [a, b]
        shared = answer_latency(a_stub, b_stub, reports)
        lite, lite_stub = _server(work / "lite", str(work / "lite.sqlite3"), "local", lease)
        processes.append(lite)
        alone = answer_latency(lite_stub, lite_stub, reports)
    finally:
        _stop(processes)
    print(f"   reported on b, watched on a (PostgreSQL): {_quantiles(shared)}")
    print(f"   one server on SQLite:                     {_quantiles(alone)}")
    print(f"   ratio of medians: {statistics.median(shared) / statistics.median(alone):.2f}")


def _takeovers(cluster: ThrowawayCluster, work: Path, lease: float, repeats: int) -> None:
    print(f"2. take-over after SIGKILL of the replica replanning, lease {lease:g} s, 8 s budget")
    results = [
        takeover(cluster.create_schema(f"takeover{n}"), work / f"t{n}", lease, 8.0)
        for n in range(repeats)
    ]
    for taken, answered in results:
        print(f"   held by the survivor after {taken:.2f} s, answered after {answered:.2f} s")
    median = statistics.median(t for t, _ in results)
    print(f"   median take-over {median:.2f} s = {median / lease:.2f} leases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument("--skip", type=int, nargs="*", default=[], help="parts not to run")
    args = parser.parse_args()
    binaries = find_server_binaries()
    if binaries is None:
        sys.exit("no PostgreSQL server binaries: install Debian's postgresql package")
    cluster = ThrowawayCluster(binaries, durable=True).start()
    try:
        cluster.wait_ready()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if 1 not in args.skip:
                _latency(cluster, work / "latency", args.reports, args.lease)
            if 2 not in args.skip:
                _takeovers(cluster, work / "takeover", args.lease, args.takeovers)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
