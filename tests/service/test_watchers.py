"""Open watch streams never lock out health checks or job RPCs, and watchers do not poll."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import grpc
import pytest
from conftest import LIMITS, hard_problem, params, two_orders
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.service.convert import pb, pb_grpc
from scheduler.service.server import ServerConfig, create_server
from scheduler.store import Job, SqliteJobStore

WATCHERS = 40


class CountingStore(SqliteJobStore):
    """The SQLite store, counting reads of one job (what a polling watcher would multiply)."""

    reads = 0

    def get(self, job_id: str) -> Job:
        CountingStore.reads += 1
        return super().get(job_id)


def _open_watchers(channel: grpc.Channel, job_id: str, n: int) -> list:
    stub = pb_grpc.SchedulerServiceStub(channel)
    streams = [
        stub.WatchScheduleJob(pb.WatchScheduleJobRequest(job_id=job_id), timeout=60)
        for _ in range(n)
    ]
    for stream in streams:
        assert next(stream).job.job_id == job_id  # open: the first message has arrived
    return streams


def test_40_watchers_do_not_block_health_or_get(make_server) -> None:
    """With 40 watch streams open, a health check and a GetScheduleJob answer in under a second."""
    limits = dataclasses.replace(LIMITS, max_watchers=WATCHERS)
    server, client = make_server(limits=limits)
    job = client.create_job(hard_problem(), params(30))
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        streams = _open_watchers(channel, job.job_id, WATCHERS)
        try:
            health = health_pb2_grpc.HealthStub(channel)
            started = time.monotonic()
            reply = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert client.get_job(job.job_id, timeout=5).job_id == job.job_id
            assert client.validate(two_orders(), timeout=5) == []
            assert time.monotonic() - started < 3.0
            with pytest.raises(SchedulerError) as caught:
                next(iter(client.watch_job(job.job_id, timeout=5)))
            assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert caught.value.reason == "WATCH_CAPACITY" and caught.value.retry_after
        finally:
            for stream in streams:
                stream.cancel()
            client.cancel_job(job.job_id)


def test_watchers_wake_on_change_not_on_a_timer(tmp_path: Path) -> None:
    """Watchers of an unchanging queued job read the store about never; a change reaches them."""
    from scheduler.service.limits import ServiceLimits

    one_slot = ServiceLimits(max_concurrent_solves=1, total_workers=1, default_time_limit=2.0)
    store = CountingStore(tmp_path / "jobs.sqlite3")
    server, port = create_server(ServerConfig(port=0, limits=one_slot, grace=0.5), store=store)
    server.start()
    try:
        with SchedulerClient(f"127.0.0.1:{port}") as client:
            blocker = client.create_job(hard_problem(), params(30))
            queued = client.create_job(two_orders(), params(5))
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                streams = _open_watchers(channel, queued.job_id, 10)
                CountingStore.reads = 0
                time.sleep(2.0)
                idle_reads = CountingStore.reads
                seen: list[pb.ScheduleJob] = []
                reader = threading.Thread(target=lambda: seen.extend(m.job for m in streams[0]))
                reader.start()
                client.cancel_job(queued.job_id)
                reader.join(5)
                for stream in streams:
                    stream.cancel()
            client.cancel_job(blocker.job_id)
        # A 5/s poller makes 10 watchers read 100 times in 2 s.
        assert idle_reads <= 10, idle_reads
        assert seen and seen[-1].state == pb.JOB_STATE_CANCELLED
    finally:
        server.stop(0)
        store.close()
