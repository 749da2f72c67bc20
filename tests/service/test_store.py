"""The durable job store, the same suite on SQLite and on PostgreSQL: lifecycle, idempotency,
paging, leases and take-over, recovery; then what is particular to each backend."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.store import (
    InvalidPageToken,
    JobNotFound,
    JobProgress,
    JobState,
    JobStore,
    RequestIdConflict,
    SqliteJobStore,
)

PROGRESS = JobProgress(elapsed=0.5, objective=10, bound=7, gap=0.3, solutions=2)
StoreFactory = Callable[..., JobStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores of one backend on one place (a file, a schema), replica "r1" unless told;
    each opened store is another process's view of the same jobs. All closed at teardown."""
    opened: list[JobStore] = []
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""

    def make(**settings: object) -> JobStore:
        settings.setdefault("replica", "r1")
        store: JobStore
        if url:
            from scheduler.store_pg import PostgresJobStore

            store = PostgresJobStore(url, **settings)  # type: ignore[arg-type]
        else:
            store = SqliteJobStore(tmp_path / "jobs.sqlite3", **settings)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> JobStore:
    """A fresh store."""
    return make_store()


def test_create_and_get(store: JobStore) -> None:
    """A created job is QUEUED, readable by id, with its payload."""
    job, created = store.create(b"payload", name="p")
    assert created and job.state == JobState.QUEUED
    assert store.get(job.id).request == b"payload"
    assert store.get(job.id).name == "p"


def test_unknown_job(store: JobStore) -> None:
    """An unknown id raises JobNotFound."""
    with pytest.raises(JobNotFound):
        store.get("nope")


def test_request_id_same_payload_same_job(store: JobStore) -> None:
    """The same request id and payload return the first job, not a new one."""
    first, created1 = store.create(b"x", request_id="r1")
    second, created2 = store.create(b"x", request_id="r1")
    assert created1 and not created2 and first.id == second.id


def test_request_id_different_payload_conflicts(store: JobStore) -> None:
    """The same request id with a different payload is a conflict."""
    store.create(b"x", request_id="r1")
    with pytest.raises(RequestIdConflict):
        store.create(b"y", request_id="r1")


def test_lifecycle_and_progress(store: JobStore) -> None:
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


def test_claim_oldest_first(store: JobStore) -> None:
    """Queued jobs are claimed in the order they were created."""
    a, _ = store.create(b"a")
    b, _ = store.create(b"b")
    first, second = store.claim_next(), store.claim_next()
    assert first is not None and second is not None
    assert (first.id, second.id) == (a.id, b.id)


def test_cancel_queued_and_running(store: JobStore) -> None:
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


def test_first_terminal_state_wins(store: JobStore) -> None:
    """Finishing an already finished job changes nothing."""
    job, _ = store.create(b"x")
    store.claim_next()
    store.finish(job.id, JobState.FAILED, failure_reason="boom")
    assert store.finish(job.id, JobState.SUCCEEDED, result=b"r").state == JobState.FAILED


def test_list_pages_and_filter(store: JobStore) -> None:
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


def test_bad_page_token(store: JobStore) -> None:
    """A page token the store did not make is rejected."""
    with pytest.raises(InvalidPageToken):
        store.list_jobs(page_token="garbage!")


def test_recover_requeues_running_with_snapshot(make_store: StoreFactory) -> None:
    """After a crash (store reopened), a RUNNING job is QUEUED again with its best schedule."""
    crashed = make_store()
    job, _ = crashed.create(b"x")
    crashed.claim_next()
    crashed.save_progress(job.id, PROGRESS, b"best-so-far")
    reopened = make_store()  # the same replica restarted; the first never finished
    assert reopened.recover() == [job.id]
    again = reopened.get(job.id)
    assert again.state == JobState.QUEUED and again.snapshot == b"best-so-far"


def test_recover_gives_up_after_max_attempts(make_store: StoreFactory) -> None:
    """A job that was running at every crash fails after max_attempts instead of looping."""
    store = make_store(max_attempts=2)
    job, _ = store.create(b"x")
    for _ in range(2):
        store.claim_next()
        store.recover()
    assert store.get(job.id).state == JobState.FAILED
    assert "2 runs" in store.get(job.id).failure_reason


def test_requeue_after_shutdown(store: JobStore) -> None:
    """A job interrupted by a shutdown goes back to QUEUED with the given snapshot."""
    job, _ = store.create(b"x")
    store.claim_next()
    again = store.requeue(job.id, b"best")
    assert again.state == JobState.QUEUED and again.snapshot == b"best"


def test_spent_time_is_saved_and_kept_on_recover(make_store: StoreFactory) -> None:
    """The solve seconds a running job used survive a crash (recover) for its re-run."""
    store = make_store()
    job, _ = store.create(b"x")
    store.claim_next()
    store.save_spent(job.id, 4.5)
    store.close()
    again = make_store()
    assert again.recover() == [job.id]
    assert again.get(job.id).spent == 4.5


def test_request_id_is_scoped_per_owner(store: JobStore) -> None:
    """Two owners may use one request id; each gets its own job, listed only to itself."""
    alice, _ = store.create(b"a", request_id="r", owner="token:alice")
    bob, created = store.create(b"b", request_id="r", owner="token:bob")
    assert created and bob.id != alice.id and bob.owner == "token:bob"
    assert [j.id for j in store.list_jobs(owner="token:alice")[0]] == [alice.id]
    assert len(store.list_jobs()[0]) == 2


def test_purge_and_delete_free_the_request_id(make_store: StoreFactory) -> None:
    """Finished jobs past retention are purged, deleted ones are gone; neither holds its id."""
    from scheduler.store import JobNotFinished

    store = make_store(retention=60.0)
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


def test_change_notices_remember_only_watched_jobs(store: JobStore) -> None:
    """A watched job's changes are counted and wake its waiter; unwatched jobs leave no trace."""
    job, _ = store.create(b"x")
    with store.changes.watching(job.id):
        store.claim_next()
        # A shared store hears of writes (its own too) a moment later: let the notices settle.
        seen = store.changes.version(job.id)
        while (latest := store.changes.wait(job.id, seen, 0.3)) != seen:
            seen = latest
        assert seen >= 1
        store.save_spent(job.id, 1.0)  # not a change a watcher shows
        assert store.changes.wait(job.id, seen, 0.3) == seen
        store.save_progress(job.id, PROGRESS)
        assert store.changes.wait(job.id, seen, 5.0) == seen + 1
    store.finish(job.id, JobState.SUCCEEDED)
    assert store.changes.version(job.id) == 0 and not store.changes._versions


# -- leases: several replicas on one store


def _expire(store: JobStore) -> None:
    """Sleep past the store's lease (the tests give it a fraction of a second)."""
    time.sleep(store.lease * 1.5)


def test_bad_lease_and_replica_id_are_refused(make_store: StoreFactory) -> None:
    """A lease that is not a positive number of seconds, or an empty replica id, is refused."""
    with pytest.raises(ValueError, match="lease must be a positive number"):
        make_store(lease=0.0)
    with pytest.raises(ValueError, match="replica id must have 1 to 128"):
        make_store(replica="x" * 129)


def test_live_lease_is_not_taken_over(make_store: StoreFactory) -> None:
    """A job whose lease is renewed stays with its replica, however long it runs."""
    a, b = make_store(replica="a", lease=0.4), make_store(replica="b", lease=0.4)
    job, _ = a.create(b"x")
    a.claim_next()
    for _ in range(6):  # 1.2 s, three leases
        time.sleep(0.2)
        assert a.renew_leases([job.id]) == {job.id: False}
        assert b.claim_next() is None


def test_expired_lease_is_taken_over_with_its_progress(make_store: StoreFactory) -> None:
    """Another replica takes over a job whose lease expired, with its best schedule and time used."""
    a, b = make_store(replica="a", lease=0.3), make_store(replica="b", lease=0.3)
    job, _ = a.create(b"x")
    a.claim_next()
    a.save_progress(job.id, PROGRESS, b"best")
    a.save_spent(job.id, 2.5)
    assert b.claim_next() is None  # still leased
    _expire(a)
    assert a.claim_next() is None  # never its own: that run may still be going in this process
    taken = b.claim_next()
    assert taken is not None and taken.id == job.id and taken.lease_owner == "b"
    assert taken.attempts == 2 and taken.snapshot == b"best" and taken.spent == 2.5


def test_lost_lease_fences_the_old_replica(make_store: StoreFactory) -> None:
    """After a take-over the replica that lost the lease can neither write nor finish the job."""
    a, b = make_store(replica="a", lease=0.3), make_store(replica="b", lease=30.0)
    job, _ = a.create(b"x")
    a.claim_next()
    _expire(a)
    assert b.claim_next() is not None
    assert a.renew_leases([job.id]) == {}  # the heartbeat tells `a` to stop
    a.save_progress(job.id, PROGRESS, b"stale")
    a.save_spent(job.id, 99.0)
    assert a.finish(job.id, JobState.SUCCEEDED, result=b"stale").state == JobState.RUNNING
    assert a.requeue(job.id, b"stale").state == JobState.RUNNING
    current = b.get(job.id)
    assert current.progress is None and current.snapshot is None and current.spent == 0.0
    assert b.finish(job.id, JobState.SUCCEEDED, result=b"r").result == b"r"


def test_cancel_reaches_the_replica_through_its_heartbeat(make_store: StoreFactory) -> None:
    """A cancel asked on one replica is in the running replica's next lease renewal."""
    a, b = make_store(replica="a"), make_store(replica="b")
    job, _ = a.create(b"x")
    a.claim_next()
    assert a.renew_leases([job.id]) == {job.id: False}
    assert b.request_cancel(job.id).state == JobState.RUNNING
    assert a.renew_leases([job.id]) == {job.id: True}


def test_cancel_of_a_job_whose_replica_died_ends_it(make_store: StoreFactory) -> None:
    """Cancelling a job whose lease expired ends it at once: no replica is there to stop it."""
    a, b = make_store(replica="a", lease=0.3), make_store(replica="b", lease=0.3)
    job, _ = a.create(b"x")
    a.claim_next()
    _expire(a)
    assert b.request_cancel(job.id).state == JobState.CANCELLED
    assert b.claim_next() is None


def test_take_over_ends_cancelled_and_exhausted_jobs(make_store: StoreFactory) -> None:
    """A lost run's job flagged for cancel ends CANCELLED, one out of attempts FAILED; the next
    job is claimed in the same call."""
    a = make_store(replica="a", lease=0.3, max_attempts=1)
    b = make_store(replica="b", lease=0.3, max_attempts=1)
    flagged, _ = a.create(b"x")
    exhausted, _ = a.create(b"y")
    waiting, _ = a.create(b"z")
    a.claim_next(), a.claim_next()
    a.request_cancel(flagged.id)
    _expire(a)
    claimed = b.claim_next()
    assert claimed is not None and claimed.id == waiting.id
    assert b.get(flagged.id).state == JobState.CANCELLED
    assert b.get(exhausted.id).state == JobState.FAILED
    assert "1 runs" in b.get(exhausted.id).failure_reason


def test_recover_takes_back_only_its_own_jobs(make_store: StoreFactory) -> None:
    """A restarted replica re-queues its own running jobs at once, never another live replica's."""
    a, b = make_store(replica="a"), make_store(replica="b")
    mine, _ = a.create(b"x")
    theirs, _ = a.create(b"y")
    a.claim_next(), b.claim_next()
    restarted = make_store(replica="a")
    assert restarted.recover() == [mine.id]
    assert restarted.get(theirs.id).state == JobState.RUNNING


def test_racing_replicas_claim_each_job_once(make_store: StoreFactory) -> None:
    """Two replicas with two claiming threads each take 50 queued jobs, each exactly once."""
    stores = [make_store(replica="a"), make_store(replica="b")]
    created = {stores[0].create(bytes([i]))[0].id for i in range(50)}
    claimed: list[str] = []

    def drain(store: JobStore) -> None:
        while (job := store.claim_next()) is not None:
            claimed.append(job.id)
            store.finish(job.id, JobState.SUCCEEDED)

    threads = [threading.Thread(target=drain, args=(s,)) for s in stores for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claimed) == sorted(created)
    assert all(stores[0].get(job_id).attempts == 1 for job_id in created)


# -- SQLite only


def test_sqlite_wal_mode(tmp_path: Path) -> None:
    """The database runs in WAL mode."""
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    store.close()
    assert mode == "wal"


def test_sqlite_migrates_a_file_made_before_schema_versions(tmp_path: Path) -> None:
    """A store file of the first schema (user_version 0) is migrated in place, its jobs kept."""
    from scheduler.store import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO jobs (id, state, request_id, request, request_hash, created_at, updated_at)"
        " VALUES ('old-job', 'SUCCEEDED', 'req-1', x'01', 'h', 1.0, 2.0),"
        " ('was-running', 'RUNNING', NULL, x'02', 'h', 1.0, 2.0)"
    )
    db.commit()
    db.close()
    store = SqliteJobStore(path)
    old = store.get("old-job")
    assert old.state == JobState.SUCCEEDED and old.request_id == "req-1" and old.spent == 0.0
    assert old.owner == ""  # jobs from before owners belong to the unauthenticated principal
    assert store.recover() == ["was-running"]  # a job running before leases is this server's
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    """A file from a newer scheduler (higher schema version) is refused, not silently misread."""
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(ValueError, match="schema version 999"):
        SqliteJobStore(path)


# -- PostgreSQL only


def test_postgres_migrates_once_when_replicas_start_together(postgres_url: str) -> None:
    """Four replicas opening a new database at once migrate it once (advisory lock), all usable."""
    import psycopg

    from scheduler.store_pg import MIGRATIONS, PostgresJobStore

    stores: list[PostgresJobStore] = []
    errors: list[BaseException] = []

    def open_one(n: int) -> None:
        try:
            stores.append(PostgresJobStore(postgres_url, replica=f"r{n}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == [] and len(stores) == 4
        job, _ = stores[0].create(b"x")
        assert stores[3].get(job.id).state == JobState.QUEUED
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute("SELECT component, version FROM scheduler_schema").fetchall()
        assert rows == [("jobs", len(MIGRATIONS))]
    finally:
        for store in stores:
            store.close()


def test_postgres_refuses_a_newer_schema(postgres_url: str) -> None:
    """A database migrated by a newer scheduler is refused, not silently misread."""
    from scheduler.store_pg import PostgresJobStore

    PostgresJobStore(postgres_url).close()
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE scheduler_schema SET version = 999 WHERE component = 'jobs'")
    with pytest.raises(ValueError, match="jobs schema version 999"):
        PostgresJobStore(postgres_url)


def test_postgres_watchers_see_other_replicas_writes(postgres_url: str) -> None:
    """A watcher on one replica is woken by a write on another (NOTIFY), within a second."""
    from scheduler.store_pg import PostgresJobStore

    a = PostgresJobStore(postgres_url, replica="a")
    b = PostgresJobStore(postgres_url, replica="b")
    try:
        job, _ = a.create(b"x")
        with b.changes.watching(job.id):
            seen = b.changes.version(job.id)
            a.claim_next()
            started = time.monotonic()
            assert b.changes.wait(job.id, seen, 5.0) > seen
            assert time.monotonic() - started < 1.0
        assert b.get(job.id).state == JobState.RUNNING
    finally:
        a.close()
        b.close()


def test_postgres_watchers_survive_a_lost_listener_connection(postgres_url: str) -> None:
    """When the LISTEN connection drops, watchers are woken to re-read (notices may be lost) and
    later writes are heard again."""
    import psycopg

    from scheduler.store_pg import PostgresJobStore

    store = PostgresJobStore(postgres_url, replica="a")
    try:
        job, _ = store.create(b"x")
        with store.changes.watching(job.id):
            seen = store.changes.version(job.id)
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid()"
                )
            seen = store.changes.wait(job.id, seen, 10.0)
            assert seen > 0  # woken by the reconnection (which LISTENs first), with no write
            store.claim_next()
            assert store.changes.wait(job.id, seen, 5.0) > seen
    finally:
        store.close()


def test_postgres_unreachable_is_a_clear_error_without_the_password() -> None:
    """A database nobody listens for is refused at once, naming the URL but not its password."""
    pytest.importorskip("psycopg", reason="the 'postgresql' extra is not installed")
    from scheduler.pg import free_port
    from scheduler.store import open_store

    url = f"postgresql://scheduler:secret@127.0.0.1:{free_port()}/jobs"
    started = time.monotonic()
    with pytest.raises(ValueError, match="store: cannot connect to PostgreSQL at") as caught:
        open_store(url)
    assert "secret" not in str(caught.value) and "scheduler@127.0.0.1" in str(caught.value)
    assert time.monotonic() - started < 10.0  # the pool alone retried for 15 s
