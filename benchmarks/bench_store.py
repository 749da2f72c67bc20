"""The shared job store: claim throughput of replicas on one PostgreSQL, and take-over time.

    python benchmarks/bench_store.py [--jobs 200] [--lease 2] [--takeovers 3]

Starts its own throw-away PostgreSQL server (`scheduler.pg.ThrowawayCluster`, Debian's
`postgresql` binaries; durable like the SQLite peer, fsync on every commit, unless `--no-fsync`),
then:

1. Store claims: `--jobs` queued jobs drained by two processes (each a replica: `claim_next`
   then `finish`, no solving) on PostgreSQL, and the same on one SQLite file as the peer in the
   same run; jobs/s and whether every job was claimed exactly once.
2. Service: `--jobs` small jobs (two orders, three operations, 2 s limit) queued at once and run
   by two real `scheduler serve` replicas on PostgreSQL (two solve slots each, 2 solver threads
   each), against one replica on SQLite with the same slots; jobs/s from queueing to the last one
   SUCCEEDED, and attempts (1 each when none ran twice).
3. Take-over: two replicas with `--lease` s leases; a 30 s job is SIGKILLed with its replica once
   it has a schedule; seconds until the other replica holds it (median of `--takeovers`), and the
   seconds until it ends when given an 8 s budget.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "service"))
from conftest import hard_problem, params, spawn_server, two_orders, wait_until  # noqa: E402

from scheduler.pg import ThrowawayCluster, find_server_binaries  # noqa: E402
from scheduler.service.convert import pb  # noqa: E402
from scheduler.store import JobState, JobStore, open_store  # noqa: E402


def _drain(location: str, replica: str, ready: Any, go: Any, out: Any) -> None:
    """One replica process: claim and finish until the queue is empty; reports its job ids."""
    store = open_store(location, replica=replica)
    ready.put(replica)
    go.wait()
    claimed = []
    while (job := store.claim_next()) is not None:
        store.finish(job.id, JobState.SUCCEEDED, result=b"done")
        claimed.append(job.id)
    out.put((replica, claimed, time.time()))
    store.close()


def store_claims(location: str, jobs: int, processes: int = 2) -> tuple[float, bool]:
    """Jobs/s of `processes` replicas draining `jobs` queued jobs, and whether each ran once."""
    store = open_store(location, replica="setup")
    created = {store.create(b"payload")[0].id for _ in range(jobs)}
    context = multiprocessing.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(target=_drain, args=(location, f"r{n}", ready, go, out))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    for _ in workers:  # every process has its store open before the clock starts
        ready.get(timeout=120)
    start = time.time()
    go.set()
    reports = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(30)
    claimed = [job_id for _, ids, _ in reports for job_id in ids]
    elapsed = max(end for _, _, end in reports) - start
    once = sorted(claimed) == sorted(created)
    store.close()
    return jobs / elapsed, once


def _replica(workdir: Path, location: str, name: str, *options: str) -> tuple:
    workdir.mkdir(parents=True, exist_ok=True)
    process, _ = spawn_server(
        workdir, location, "--replica-id", name, "--workers", "2", "--max-concurrent", "2", *options
    )
    return process


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def service_throughput(location: str, workdir: Path, jobs: int, replicas: int) -> tuple[float, set]:
    """Jobs/s of real servers running `jobs` small queued jobs; the attempts counts seen."""
    processes = [_replica(workdir / f"r{n}", location, f"r{n}") for n in range(replicas)]
    store: JobStore = open_store(location, replica="bench")
    try:
        request = pb.CreateScheduleJobRequest(problem=two_orders(), parameters=params(2))
        payload = request.SerializeToString(deterministic=True)
        started = time.monotonic()
        ids = [store.create(payload)[0].id for _ in range(jobs)]
        assert wait_until(lambda: store.count(JobState.SUCCEEDED) == jobs, 600)
        elapsed = time.monotonic() - started
        attempts = {store.get(job_id).attempts for job_id in ids}
        owners = {store.get(job_id).lease_owner for job_id in ids}
        print(f"    replicas that ran jobs: {sorted(owners)}")
        return jobs / elapsed, attempts
    finally:
        _stop(processes)
        store.close()


def takeover(url: str, workdir: Path, lease: float, budget: float) -> tuple[float, float]:
    """Seconds from SIGKILL of the replica running a job until the other holds it, and until the
    job ends."""
    names = ("a", "b")
    processes = dict(
        zip(
            names,
            (_replica(workdir / n, url, n, "--lease", str(lease)) for n in names),
            strict=True,
        )
    )
    store = open_store(url, replica="bench")
    try:
        request = pb.CreateScheduleJobRequest(problem=hard_problem(), parameters=params(budget))
        job, _ = store.create(request.SerializeToString(deterministic=True))
        assert wait_until(lambda: store.get(job.id).snapshot is not None, 60)
        time.sleep(1.0)
        runner = store.get(job.id).lease_owner
        survivor = next(n for n in names if n != runner)
        os.kill(processes[runner].pid, signal.SIGKILL)
        killed = time.monotonic()
        assert wait_until(lambda: store.get(job.id).lease_owner == survivor, 10 * lease + 30)
        taken = time.monotonic() - killed
        assert wait_until(lambda: store.get(job.id).state.terminal, budget + 60)
        return taken, time.monotonic() - killed
    finally:
        _stop(list(processes.values()))
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument("--no-fsync", action="store_true", help="PostgreSQL without fsync")
    parser.add_argument("--skip", type=int, nargs="*", default=[], help="parts not to run")
    args = parser.parse_args()
    binaries = find_server_binaries()
    if binaries is None:
        sys.exit("no PostgreSQL server binaries: install Debian's postgresql package")
    cluster = ThrowawayCluster(binaries, durable=not args.no_fsync).start()
    try:
        cluster.wait_ready()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if 1 not in args.skip:
                _claims(cluster, work, args.jobs)
            if 2 not in args.skip:
                _service(cluster, work, args.jobs)
            if 3 not in args.skip:
                _takeovers(cluster, work, args.lease, args.takeovers)
    finally:
        cluster.stop()


def _claims(cluster: ThrowawayCluster, work: Path, jobs: int) -> None:
    print(f"1. store claims, {jobs} jobs, 2 replica processes (claim + finish)")
    pg_rate, pg_once = store_claims(cluster.create_schema("claims"), jobs)
    lite_rate, lite_once = store_claims(str(work / "claims.sqlite3"), jobs)
    print(f"   PostgreSQL {pg_rate:7.0f} jobs/s  each claimed once: {pg_once}")
    print(f"   SQLite     {lite_rate:7.0f} jobs/s  each claimed once: {lite_once}")
    print(f"   ratio PostgreSQL / SQLite: {pg_rate / lite_rate:.2f}")


def _service(cluster: ThrowawayCluster, work: Path, jobs: int) -> None:
    print(f"2. service, {jobs} small jobs queued at once")
    url = cluster.create_schema("service")
    pg_rate, pg_attempts = service_throughput(url, work / "pg", jobs, 2)
    lite = str(work / "service.sqlite3")
    lite_rate, lite_attempts = service_throughput(lite, work / "lite", jobs, 1)
    print(f"   2 replicas on PostgreSQL {pg_rate:6.1f} jobs/s  attempts {pg_attempts}")
    print(f"   1 server on SQLite       {lite_rate:6.1f} jobs/s  attempts {lite_attempts}")
    print(f"   ratio: {pg_rate / lite_rate:.2f}")


def _takeovers(cluster: ThrowawayCluster, work: Path, lease: float, repeats: int) -> None:
    print(f"3. take-over after SIGKILL, lease {lease:g} s, 8 s budget")
    results = [
        takeover(cluster.create_schema(f"takeover{n}"), work / f"t{n}", lease, 8.0)
        for n in range(repeats)
    ]
    for taken, ended in results:
        print(f"   held by the survivor after {taken:.2f} s, ended after {ended:.2f} s")
    median = statistics.median(t for t, _ in results)
    print(f"   median take-over {median:.2f} s = {median / lease:.2f} leases")


if __name__ == "__main__":
    main()
