"""Stopping, deadlines, capacity, cancelling jobs, and surviving restarts and crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from conftest import LIMITS, hard_problem, params, spawn_server, two_orders, wait_until

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.service.convert import pb, pb_grpc
from scheduler.store import JobState, SqliteJobStore


def test_cancel_stops_solve_within_a_second(served) -> None:
    """Cancelling a Solve call frees its slot (the search stops) within one second."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        future = stub.Solve.future(pb.SolveRequest(problem=hard_problem(), parameters=params(30)))
        assert wait_until(lambda: server.slots.in_use == 1, 10)
        time.sleep(0.3)  # inside the search
        cancelled_at = time.monotonic()
        future.cancel()
        assert wait_until(lambda: server.slots.in_use == 0, 1.0)
        assert time.monotonic() - cancelled_at < 1.0


def test_stream_cancel_stops_solve(served) -> None:
    """Closing a SolveStream early stops its search and frees the slot within one second."""
    server, _ = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        stream = stub.SolveStream(
            pb.SolveStreamRequest(problem=hard_problem(), parameters=params(30))
        )
        first = next(stream)
        assert first.WhichOneof("event") == "progress"
        stream.cancel()
        assert wait_until(lambda: server.slots.in_use == 0, 1.0)


def test_deadline_shorter_than_time_limit_returns_best_so_far(client: SchedulerClient) -> None:
    """A 2 s deadline with a 30 s time limit answers within the deadline with a schedule."""
    started = time.monotonic()
    result = client.solve(hard_problem(), params(30), timeout=2.0)
    assert time.monotonic() - started < 2.0
    assert result.status in (pb.SOLVE_STATUS_FEASIBLE, pb.SOLVE_STATUS_HEURISTIC)
    assert result.stop_reason == pb.STOP_REASON_TIME_LIMIT
    assert len(result.schedule.operations) == 300


def test_deadline_too_short_is_deadline_exceeded(client: SchedulerClient) -> None:
    """A deadline too short to search is DEADLINE_EXCEEDED, never INTERNAL."""
    with pytest.raises(SchedulerError) as caught:
        client.solve(two_orders(), params(5), timeout=0.05)
    assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_concurrency_cap_is_resource_exhausted_with_retry_info(served) -> None:
    """Past the solve slots, a synchronous Solve is RESOURCE_EXHAUSTED with RetryInfo."""
    server, client = served
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        request = pb.SolveRequest(problem=hard_problem(), parameters=params(30))
        futures = [stub.Solve.future(request) for _ in range(LIMITS.total_solves)]
        try:
            assert wait_until(lambda: server.slots.in_use == LIMITS.total_solves, 10)
            with pytest.raises(SchedulerError) as caught:
                client.solve(two_orders(), timeout=10)
            assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 30
            assert caught.value.reason == "SOLVE_CAPACITY"
        finally:
            for future in futures:
                future.cancel()
    assert wait_until(lambda: server.slots.in_use == 0, 2)
    assert client.solve(two_orders(), timeout=10).objective == 5


def test_cancel_running_job_keeps_best_schedule(client: SchedulerClient) -> None:
    """Cancelling a running job stops it; it ends CANCELLED with its best schedule."""
    job = client.create_job(hard_problem(), params(30))
    for seen in client.watch_job(job.job_id, timeout=30):
        if seen.HasField("progress"):
            break
    client.cancel_job(job.job_id)
    final = list(client.watch_job(job.job_id, timeout=5))[-1]
    assert final.state == pb.JOB_STATE_CANCELLED
    assert final.result.stop_reason == pb.STOP_REASON_CANCELLED
    assert len(final.result.schedule.operations) == 300


def test_cancel_queued_job_never_runs(make_server) -> None:
    """A queued job cancelled before a slot frees up ends CANCELLED without a result."""
    from scheduler.service.limits import ServiceLimits

    one_slot = ServiceLimits(max_concurrent_solves=1, total_workers=1, default_time_limit=2.0)
    _, client = make_server(limits=one_slot)
    blocker = client.create_job(hard_problem(), params(30))
    queued = client.create_job(two_orders())
    cancelled = client.cancel_job(queued.job_id)
    assert cancelled.state == pb.JOB_STATE_CANCELLED and not cancelled.HasField("result")
    client.cancel_job(blocker.job_id)


def test_restart_resumes_running_job(make_server, tmp_path: Path) -> None:
    """A job left RUNNING by a crash is re-run on restart and finishes, warm-started."""
    from scheduler.store import JobProgress

    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    request = pb.CreateScheduleJobRequest(problem=two_orders(), parameters=params(5))
    job, _ = store.create(request.SerializeToString(deterministic=True))
    assert store.claim_next() is not None  # the crashed process had claimed it
    best = pb.Schedule(
        operations=[
            pb.ScheduledOperation(order_id="o1", operation_id="a", machine_id="m1", end_tick=3),
            pb.ScheduledOperation(
                order_id="o1", operation_id="b", machine_id="m2", start_tick=3, end_tick=5
            ),
            pb.ScheduledOperation(order_id="o2", operation_id="a", machine_id="m2", end_tick=3),
        ]
    )
    progress = JobProgress(elapsed=0.1, objective=5, bound=0, gap=1.0, solutions=1)
    store.save_progress(job.id, progress, best.SerializeToString())
    store.close()
    _, client = make_server()
    final = list(client.watch_job(job.id, timeout=30))[-1]
    assert final.state == pb.JOB_STATE_SUCCEEDED and final.result.objective == 5
    again = SqliteJobStore(tmp_path / "jobs.sqlite3")
    assert again.get(job.id).attempts == 2
    again.close()


def test_graceful_stop_requeues_running_job(make_server, tmp_path: Path) -> None:
    """Stopping the server puts a running job back in the queue with its best schedule."""
    server, client = make_server()
    job = client.create_job(hard_problem(), params(30))
    for seen in client.watch_job(job.job_id, timeout=30):
        if seen.HasField("progress"):
            break
    server.stop(0)
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    saved = store.get(job.job_id)
    store.close()
    assert saved.state == JobState.QUEUED and saved.snapshot


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_then_restart_finishes_job_within_its_budget(tmp_path: Path) -> None:
    """A job killed (SIGKILL) at 5 s of an 8 s budget is finished on restart in the 3 s left."""
    store_path = tmp_path / "jobs.sqlite3"
    options = ("--workers", "2", "--max-concurrent", "1", "--grace", "1")
    process, port = spawn_server(tmp_path, store_path, *options)
    try:
        with SchedulerClient(f"127.0.0.1:{port}") as client:
            job = client.create_job(hard_problem(), params(8))
            for seen in client.watch_job(job.job_id, timeout=30):
                if seen.state == pb.JOB_STATE_RUNNING and seen.HasField("progress"):
                    break
        time.sleep(5.0)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        store = SqliteJobStore(store_path)
        crashed = store.get(job.job_id)
        store.close()
        assert crashed.state == JobState.RUNNING  # as the crash left it
        assert crashed.spent >= 4.0 and crashed.snapshot

        process, port = spawn_server(tmp_path, store_path, *options)
        restarted = time.monotonic()
        with SchedulerClient(f"127.0.0.1:{port}") as client:
            final = list(client.watch_job(job.job_id, timeout=30))[-1]
        after = time.monotonic() - restarted
        # The bug re-ran it for its whole 8 s (13 s in all); what is left is at most 4 s.
        assert crashed.spent + after < 8.0 + 2.0, (crashed.spent, after)
        assert after < 6.5
        assert final.state == pb.JOB_STATE_SUCCEEDED
        assert len(final.result.schedule.operations) == 300
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        _stop_process(process)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_answers_solve_and_stream_with_best_schedule(tmp_path: Path) -> None:
    """SIGTERM during a 30 s Solve and SolveStream answers both at once with their best schedule."""
    options = ("--workers", "2", "--max-concurrent", "2", "--grace", "10")
    process, port = spawn_server(tmp_path, tmp_path / "jobs.sqlite3", *options)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.SchedulerServiceStub(channel)
            solve = stub.Solve.future(
                pb.SolveRequest(problem=hard_problem(), parameters=params(30)), timeout=60
            )
            stream = stub.SolveStream(
                pb.SolveStreamRequest(problem=hard_problem(2), parameters=params(30)),
                timeout=60,
            )
            assert next(stream).WhichOneof("event") == "progress"
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            answer = solve.result(timeout=8).result
            last = list(stream)[-1]
            # The bug let both run on until the 10 s grace ended them with UNAVAILABLE.
            assert time.monotonic() - signalled < 5.0
        assert len(answer.schedule.operations) == 300
        assert last.WhichOneof("event") == "result"
        assert len(last.result.schedule.operations) == 300
        assert process.wait(15) == 0
    finally:
        _stop_process(process)


def test_shutdown_during_stream_ends_it(served) -> None:
    """Watching a job while the server stops ends with UNAVAILABLE, not a hang."""
    server, client = served
    job = client.create_job(hard_problem(), params(30))
    errors: list[BaseException] = []

    def watch() -> None:
        try:
            list(client.watch_job(job.job_id, timeout=30))
        except SchedulerError as error:
            errors.append(error)

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.5)
    server.stop(0.5)
    watcher.join(10)
    assert not watcher.is_alive()
