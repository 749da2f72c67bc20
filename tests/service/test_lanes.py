"""Interactive calls beside background jobs: a reserved lane, and RetryInfo from the real wait."""

from __future__ import annotations

import dataclasses
import time

import grpc
import pytest
from conftest import LIMITS, hard_problem, params, two_orders, wait_until

from scheduler.client import SchedulerError
from scheduler.service.convert import pb, pb_grpc
from scheduler.service.limits import SolveSlots

ONE_JOB_ONE_LANE = dataclasses.replace(
    LIMITS, max_concurrent_solves=1, interactive_slots=1, default_time_limit=30.0
)


def test_solve_during_long_background_job_is_served(make_server) -> None:
    """A 30 s background job holds its slot; a Solve beside it is answered within its own 5 s."""
    server, client = make_server(limits=ONE_JOB_ONE_LANE)
    job = client.create_job(hard_problem(), params(30))
    try:
        assert wait_until(lambda: server.slots.background_in_use == 1, 10)
        started = time.monotonic()
        result = client.solve(two_orders(), params(5), timeout=10)
        assert time.monotonic() - started < 5.0
        assert result.objective == 5
        assert client.get_job(job.job_id).state == pb.JOB_STATE_RUNNING
    finally:
        client.cancel_job(job.job_id)


def test_jobs_never_take_the_interactive_lane(make_server) -> None:
    """Two queued jobs and one shared slot: the second job waits, the lane stays free."""
    server, client = make_server(limits=ONE_JOB_ONE_LANE)
    jobs = [client.create_job(hard_problem(seed), params(30)) for seed in (1, 2)]
    try:
        assert wait_until(lambda: server.slots.background_in_use == 1, 10)
        time.sleep(1.0)  # the runner polls twice a second: give it the chance to misbehave
        assert server.slots.in_use == 1
        assert client.get_job(jobs[1].job_id).state == pb.JOB_STATE_QUEUED
    finally:
        for job in jobs:
            client.cancel_job(job.job_id)


def test_retry_info_is_within_twice_the_real_wait(make_server) -> None:
    """Slots busy with a 3 s job and a 20 s Solve: RetryInfo advises about 3 s, not the 20 or 30."""
    server, client = make_server(limits=ONE_JOB_ONE_LANE)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        job = client.create_job(hard_problem(1), params(3))
        assert wait_until(lambda: server.slots.background_in_use == 1, 10)
        long_solve = stub.Solve.future(
            pb.SolveRequest(problem=hard_problem(2), parameters=params(20)), timeout=30
        )
        try:
            assert wait_until(lambda: server.slots.in_use == 2, 10)
            with pytest.raises(SchedulerError) as caught:
                client.solve(two_orders(), params(5), timeout=10)
            refused = time.monotonic()
            assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert wait_until(lambda: server.slots.in_use < 2, 30)
            waited = time.monotonic() - refused
            advice = caught.value.retry_after
            assert advice is not None
            assert advice / 2 <= waited <= advice * 2, (advice, waited)
        finally:
            long_solve.cancel()
            client.cancel_job(job.job_id)


def test_forecast_learns_that_small_solves_end_early() -> None:
    """After searches that took 50 ms, a running one with a 10 s limit is expected soon, not in 10 s."""
    slots = SolveSlots(1)
    for _ in range(5):
        ticket = slots.try_acquire(10.0)
        assert ticket is not None
        time.sleep(0.05)
        slots.release(ticket)
    assert slots.try_acquire(10.0) is not None
    assert slots.retry_after() < 0.5
