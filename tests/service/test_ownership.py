"""Jobs belong to their caller; finished jobs expire or are deleted; unsafe configurations refuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from conftest import ROOT, hard_problem, params, two_orders, wait_until

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.service.auth import InsecureBind
from scheduler.service.convert import pb
from scheduler.service.server import ServerConfig, create_server

ALICE, BOB, OPS = "alice-token-0123456789", "bob-token-0123456789ab", "ops-token-0123456789abc"
TOKENS = {ALICE: "alice", BOB: "bob", OPS: "ops"}


def _code(call) -> grpc.StatusCode | None:
    try:
        call()
    except SchedulerError as error:
        return error.code
    return None


def test_second_principal_cannot_list_get_or_cancel_the_firsts_job(make_server) -> None:
    """Bob sees Alice's job as NOT_FOUND everywhere and may reuse her request id; an admin sees all."""
    server, _ = make_server(tokens=TOKENS, admins=frozenset({"token:ops"}))
    address = f"127.0.0.1:{server.port}"
    with (
        SchedulerClient(address, token=ALICE, timeout=10) as alice,
        SchedulerClient(address, token=BOB, timeout=10) as bob,
        SchedulerClient(address, token=OPS, timeout=10) as ops,
    ):
        job = alice.create_job(hard_problem(), params(30), request_id="plan-1")
        try:
            assert bob.list_jobs()[0] == []
            for call in (
                lambda: bob.get_job(job.job_id),
                lambda: bob.cancel_job(job.job_id),
                lambda: bob.delete_job(job.job_id),
                lambda: list(bob.watch_job(job.job_id)),
            ):
                assert _code(call) == grpc.StatusCode.NOT_FOUND
            assert alice.get_job(job.job_id).state != pb.JOB_STATE_CANCELLED
            bobs = bob.create_job(two_orders(), params(5), request_id="plan-1")
            assert bobs.job_id != job.job_id
            assert {j.job_id for j in ops.list_jobs()[0]} == {job.job_id, bobs.job_id}
            assert ops.get_job(job.job_id).job_id == job.job_id
            assert [j.job_id for j in alice.list_jobs()[0]] == [job.job_id]
        finally:
            alice.cancel_job(job.job_id)


def test_expired_job_is_gone_and_its_request_id_free(make_server) -> None:
    """With a 1 s retention a finished job disappears and its request id makes a new job."""
    _, client = make_server(job_retention=1.0)
    job = client.create_job(two_orders(), params(5), request_id="daily")
    assert list(client.watch_job(job.job_id, timeout=30))[-1].state == pb.JOB_STATE_SUCCEEDED
    assert wait_until(lambda: _code(lambda: client.get_job(job.job_id)) is not None, 10)
    assert _code(lambda: client.get_job(job.job_id)) == grpc.StatusCode.NOT_FOUND
    other = two_orders()
    other.orders[0].release = 1
    again = client.create_job(other, params(5), request_id="daily")
    assert again.job_id != job.job_id


def test_delete_finished_job_but_not_a_running_one(client: SchedulerClient) -> None:
    """DeleteScheduleJob removes a finished job (request id freed); a running one must be cancelled."""
    done = client.create_job(two_orders(), params(5), request_id="once")
    list(client.watch_job(done.job_id, timeout=30))
    client.delete_job(done.job_id)
    assert _code(lambda: client.get_job(done.job_id)) == grpc.StatusCode.NOT_FOUND
    other = two_orders()
    other.orders[0].release = 2
    assert client.create_job(other, params(5), request_id="once").job_id != done.job_id
    running = client.create_job(hard_problem(), params(30))
    try:
        assert _code(lambda: client.delete_job(running.job_id)) == (
            grpc.StatusCode.FAILED_PRECONDITION
        )
    finally:
        client.cancel_job(running.job_id)


def test_empty_or_unreadable_token_file_refuses_to_start(tmp_path: Path) -> None:
    """`serve --token-file` with an empty or missing file exits 2 instead of serving without auth."""
    empty = tmp_path / "tokens"
    empty.write_text("# nobody yet\n\n")
    serve = [sys.executable, "-m", "scheduler", "serve", "--port", "0", "--log-format", "text"]
    for token_file in (empty, tmp_path / "missing"):
        done = subprocess.run(
            [*serve, "--store", str(tmp_path / "jobs.sqlite3"), "--token-file", str(token_file)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert str(token_file) in done.stderr


def test_metrics_host_off_loopback_needs_the_flag(tmp_path: Path) -> None:
    """A metrics endpoint (plain HTTP, no auth) on 0.0.0.0 is refused unless explicitly allowed."""
    settings: dict = {
        "port": 0,
        "store_path": tmp_path / "jobs.sqlite3",
        "metrics_port": 0,
        "metrics_host": "0.0.0.0",
    }
    with pytest.raises(InsecureBind):
        create_server(ServerConfig(**settings), solve_fn=lambda *a, **k: None)
    server, _ = create_server(
        ServerConfig(**settings, metrics_insecure_bind=True), solve_fn=lambda *a, **k: None
    )
    server.stop(0)
