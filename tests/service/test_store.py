"""The durable job store (SQLite): lifecycle, idempotency, paging, recovery."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from scheduler.store import (
    InvalidPageToken,
    JobNotFound,
    JobProgress,
    JobState,
    RequestIdConflict,
    SqliteJobStore,
)

PROGRESS = JobProgress(elapsed=0.5, objective=10, bound=7, gap=0.3, solutions=2)


@pytest.fixture
def store(tmp_path: Path):
    """A fresh store in a temporary file."""
    s = SqliteJobStore(tmp_path / "jobs.sqlite3")
    yield s
    s.close()


def test_wal_mode(store: SqliteJobStore) -> None:
    """The database runs in WAL mode."""
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_create_and_get(store: SqliteJobStore) -> None:
    """A created job is QUEUED, readable by id, with its payload."""
    job, created = store.create(b"payload", name="p")
    assert created and job.state == JobState.QUEUED
    assert store.get(job.id).request == b"payload"
    assert store.get(job.id).name == "p"


def test_unknown_job(store: SqliteJobStore) -> None:
    """An unknown id raises JobNotFound."""
    with pytest.raises(JobNotFound):
        store.get("nope")


def test_request_id_same_payload_same_job(store: SqliteJobStore) -> None:
    """The same request id and payload return the first job, not a new one."""
    first, created1 = store.create(b"x", request_id="r1")
    second, created2 = store.create(b"x", request_id="r1")
    assert created1 and not created2 and first.id == second.id


def test_request_id_different_payload_conflicts(store: SqliteJobStore) -> None:
    """The same request id with a different payload is a conflict."""
    store.create(b"x", request_id="r1")
    with pytest.raises(RequestIdConflict):
        store.create(b"y", request_id="r1")


def test_lifecycle_and_progress(store: SqliteJobStore) -> None:
    """claim → progress (with snapshot) → finish keeps progress, snapshot and result."""
    job, _ = store.create(b"x")
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == job.id and claimed.state == JobState.RUNNING
    assert claimed.attempts == 1
    store.save_progress(job.id, PROGRESS, b"schedule")
    done = store.finish(job.id, JobState.SUCCEEDED, result=b"result")
    assert done.state == JobState.SUCCEEDED and done.progress == PROGRESS
    assert done.snapshot == b"schedule" and done.result == b"result"
    assert store.claim_next() is None


def test_claim_oldest_first(store: SqliteJobStore) -> None:
    """Queued jobs are claimed in the order they were created."""
    a, _ = store.create(b"a")
    b, _ = store.create(b"b")
    first, second = store.claim_next(), store.claim_next()
    assert first is not None and second is not None
    assert (first.id, second.id) == (a.id, b.id)


def test_cancel_queued_and_running(store: SqliteJobStore) -> None:
    """Cancelling a queued job ends it; a running one is only flagged; finished ones stay."""
    queued, _ = store.create(b"q")
    running, _ = store.create(b"r")
    store.claim_next()  # claims `queued` (oldest)
    store.claim_next()
    assert store.request_cancel(queued.id).cancel_requested
    assert store.request_cancel(running.id).state == JobState.RUNNING
    store.finish(running.id, JobState.CANCELLED, result=b"best")
    assert store.request_cancel(running.id).state == JobState.CANCELLED
    fresh, _ = store.create(b"f")
    assert store.request_cancel(fresh.id).state == JobState.CANCELLED


def test_first_terminal_state_wins(store: SqliteJobStore) -> None:
    """Finishing an already finished job changes nothing."""
    job, _ = store.create(b"x")
    store.claim_next()
    store.finish(job.id, JobState.FAILED, failure_reason="boom")
    assert store.finish(job.id, JobState.SUCCEEDED, result=b"r").state == JobState.FAILED


def test_list_pages_and_filter(store: SqliteJobStore) -> None:
    """Listing pages through every job newest first, and filters by state, without payloads."""
    ids = [store.create(bytes([i]))[0].id for i in range(5)]
    store.claim_next()
    page1, token = store.list_jobs(page_size=2)
    page2, token2 = store.list_jobs(page_size=2, page_token=token)
    page3, token3 = store.list_jobs(page_size=2, page_token=token2)
    assert [j.id for j in page1 + page2 + page3] == ids[::-1] and token3 == ""
    assert all(j.request == b"" and j.result is None for j in page1)
    running, _ = store.list_jobs(state=JobState.RUNNING)
    assert [j.id for j in running] == [ids[0]]


def test_bad_page_token(store: SqliteJobStore) -> None:
    """A page token the store did not make is rejected."""
    with pytest.raises(InvalidPageToken):
        store.list_jobs(page_token="garbage!")


def test_recover_requeues_running_with_snapshot(tmp_path: Path) -> None:
    """After a crash (store reopened), a RUNNING job is QUEUED again with its best schedule."""
    path = tmp_path / "jobs.sqlite3"
    store = SqliteJobStore(path)
    job, _ = store.create(b"x")
    store.claim_next()
    store.save_progress(job.id, PROGRESS, b"best-so-far")
    del store  # no close, no finish: a crash
    reopened = SqliteJobStore(path)
    assert reopened.recover() == [job.id]
    again = reopened.get(job.id)
    assert again.state == JobState.QUEUED and again.snapshot == b"best-so-far"
    reopened.close()


def test_recover_gives_up_after_max_attempts(tmp_path: Path) -> None:
    """A job that was running at every crash fails after max_attempts instead of looping."""
    store = SqliteJobStore(tmp_path / "jobs.sqlite3", max_attempts=2)
    job, _ = store.create(b"x")
    for _ in range(2):
        store.claim_next()
        store.recover()
    assert store.get(job.id).state == JobState.FAILED
    assert "2 runs" in store.get(job.id).failure_reason


def test_requeue_after_shutdown(store: SqliteJobStore) -> None:
    """A job interrupted by a shutdown goes back to QUEUED with the given snapshot."""
    job, _ = store.create(b"x")
    store.claim_next()
    again = store.requeue(job.id, b"best")
    assert again.state == JobState.QUEUED and again.snapshot == b"best"


def test_spent_time_is_saved_and_kept_on_recover(tmp_path: Path) -> None:
    """The solve seconds a running job used survive a crash (recover) for its re-run."""
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    job, _ = store.create(b"x")
    store.claim_next()
    store.save_spent(job.id, 4.5)
    store.close()
    again = SqliteJobStore(tmp_path / "jobs.sqlite3")
    assert again.recover() == [job.id]
    assert again.get(job.id).spent == 4.5
    again.close()


def test_migrates_a_file_made_before_schema_versions(tmp_path: Path) -> None:
    """A store file of the first schema (user_version 0) is migrated in place, its jobs kept."""
    from scheduler.store import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO jobs (id, state, request_id, request, request_hash, created_at, updated_at)"
        " VALUES ('old-job', 'SUCCEEDED', 'req-1', x'01', 'h', 1.0, 2.0)"
    )
    db.commit()
    db.close()
    store = SqliteJobStore(path)
    old = store.get("old-job")
    assert old.state == JobState.SUCCEEDED and old.request_id == "req-1" and old.spent == 0.0
    assert old.owner == ""  # jobs from before owners belong to the unauthenticated principal
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    """A file from a newer scheduler (higher schema version) is refused, not silently misread."""
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(ValueError, match="schema version 999"):
        SqliteJobStore(path)


def test_request_id_is_scoped_per_owner(store: SqliteJobStore) -> None:
    """Two owners may use one request id; each gets its own job, listed only to itself."""
    alice, _ = store.create(b"a", request_id="r", owner="token:alice")
    bob, created = store.create(b"b", request_id="r", owner="token:bob")
    assert created and bob.id != alice.id and bob.owner == "token:bob"
    assert [j.id for j in store.list_jobs(owner="token:alice")[0]] == [alice.id]
    assert len(store.list_jobs()[0]) == 2


def test_purge_and_delete_free_the_request_id(tmp_path: Path) -> None:
    """Finished jobs past retention are purged, deleted ones are gone; neither holds its id."""
    from scheduler.store import JobNotFinished

    store = SqliteJobStore(tmp_path / "jobs.sqlite3", retention=60.0)
    old, _ = store.create(b"x", request_id="r")
    store.claim_next()
    store.finish(old.id, JobState.SUCCEEDED)
    queued, _ = store.create(b"y")
    with pytest.raises(JobNotFinished):
        store.delete(queued.id)
    assert store.purge_expired() == 0
    store._now = lambda: time.time() + 61  # a minute on the clock, not in the test
    assert store.purge_expired() == 1
    with pytest.raises(JobNotFound):
        store.get(old.id)
    assert store.create(b"z", request_id="r")[1]
    store.get(queued.id)  # not finished: never expires
    store.close()


def test_change_notices_remember_only_watched_jobs(store: SqliteJobStore) -> None:
    """A watched job's changes are counted and wake its waiter; unwatched jobs leave no trace."""
    job, _ = store.create(b"x")
    store.claim_next()
    with store.changes.watching(job.id):
        seen = store.changes.version(job.id)
        store.save_spent(job.id, 1.0)  # not a change a watcher shows
        assert store.changes.wait(job.id, seen, 0.01) == seen
        store.save_progress(job.id, PROGRESS)
        assert store.changes.wait(job.id, seen, 1.0) == seen + 1
    store.finish(job.id, JobState.SUCCEEDED)
    assert store.changes.version(job.id) == 0 and not store.changes._versions
