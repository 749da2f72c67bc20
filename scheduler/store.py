"""Durable solve jobs: the `JobStore` interface and its embedded SQLite implementation.

A job is accepted (QUEUED), claimed by a runner (RUNNING), and ends SUCCEEDED, FAILED or CANCELLED.
A claim is a lease: the store's `replica` holds the job until `lease_until` and renews it with a
heartbeat (`renew_leases`) while it runs. Nothing is ever lost or stuck, and nothing runs twice at
once: a job whose lease expired (its replica died) is taken over by the next `claim_next` of
another replica, resumed from its best schedule snapshot with the rest of its time limit; writes
of a running job are fenced by the lease, so a replica that lost it changes nothing. `recover()`,
called once at startup, takes back at once the jobs that an earlier process of the *same* replica
id left RUNNING (never other replicas' jobs: those wait for their lease). A job that keeps
crashing its replica is failed after `max_attempts` runs instead of crashing replicas forever.
Finished jobs are kept for `retention` seconds (7 days by default), then `purge_expired()` deletes
them and frees their request ids; request ids are unique per owner. Files of older versions are
migrated in place (`MIGRATIONS`, counted by `PRAGMA user_version`).

`SqliteJobStore` is the embedded default (one server, replica id "local"); `PostgresJobStore`
(`scheduler.store_pg`, the `postgresql` extra) is shared by replicas; `open_store` picks one from
a path or a `postgresql://` URL.

The store is format-agnostic: requests, snapshots and results are opaque bytes (the service keeps
serialized protobuf messages in them). It knows neither the solver nor gRPC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

DEFAULT_PATH = Path("scheduler-jobs.sqlite3")
MAX_REQUEST_ID_LENGTH = 128
MAX_PAGE_SIZE = 1000
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETENTION = 7 * 24 * 3600.0
"""Seconds a finished job is kept (then it and its request id are gone)."""
DEFAULT_LEASE = 30.0
"""Seconds a claim holds a job without a heartbeat: how long a dead replica's job waits."""
LOCAL_REPLICA = "local"
"""The replica id of a single server (SQLite's default): its restart takes its jobs back at once."""


class JobState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True, slots=True)
class JobProgress:
    """The latest improving solution of a job's current run."""

    elapsed: float
    """Seconds since the run started."""
    objective: int
    bound: int
    gap: float
    solutions: int


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: JobState
    request_id: str
    """Idempotency key given by the client; empty when none."""
    request: bytes
    """The request payload, opaque to the store."""
    name: str
    """A display name (e.g. the problem's), for listings."""
    created_at: float
    """Unix seconds."""
    updated_at: float
    attempts: int
    """Runs started so far (a recovered job is run again)."""
    cancel_requested: bool
    progress: JobProgress | None
    snapshot: bytes | None
    """Best schedule so far (opaque), the warm start of a re-run."""
    result: bytes | None
    """The final result (opaque); in SUCCEEDED, and in CANCELLED when the job had started."""
    failure_reason: str
    spent: float = 0.0
    """Seconds of solving used by its runs so far (saved every second while it runs), so a re-run
    after a stop or a crash gets only the rest of its time limit."""
    owner: str = ""
    """The principal that created it ("" when the server authenticates nobody)."""
    lease_owner: str = ""
    """The replica that claimed it last ("" before any claim); it holds the job while RUNNING."""
    lease_until: float = 0.0
    """Unix seconds when the lease of a RUNNING job expires unless renewed."""


class JobNotFound(KeyError):
    """No job has this id."""

    def __init__(self, job_id: str):
        super().__init__(job_id)
        self.job_id = job_id

    def __str__(self) -> str:
        return f"no job with id {self.job_id!r}"


class RequestIdConflict(ValueError):
    """A request id was reused with a different payload."""

    def __init__(self, request_id: str, job_id: str):
        super().__init__(
            f"request id {request_id!r} was already used for job {job_id!r} with different content"
        )
        self.request_id = request_id
        self.job_id = job_id


class JobNotFinished(ValueError):
    """Deleting a job that is still queued or running."""

    def __init__(self, job: Job):
        super().__init__(f"job {job.id!r} is {job.state.value}: cancel it first, then delete it")
        self.job = job


class InvalidPageToken(ValueError):
    """A page token that this store did not hand out."""


class JobChanges:
    """In-process change notices per job: watchers sleep until their job changes, not on a timer.

    A store calls `changed(job_id)` after each committed write of a job (a shared store also for
    the writes of other replicas, as the database tells it). A watcher registers with
    `watching(job_id)` (before it reads the job, so no change slips between the read and the
    wait), keeps the version it has seen and `wait`s for a newer one: it reads the job once per
    change instead of polling the whole record. Versions are kept only for watched jobs, so a
    long-running server does not remember every job it ever ran. `close()` wakes every waiter.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._versions: dict[str, int] = {}
        self._watchers: dict[str, int] = {}
        self._closed = False

    @contextmanager
    def watching(self, job_id: str) -> Iterator[None]:
        with self._condition:
            self._watchers[job_id] = self._watchers.get(job_id, 0) + 1
            self._versions.setdefault(job_id, 0)
        try:
            yield
        finally:
            with self._condition:
                self._watchers[job_id] -= 1
                if not self._watchers[job_id]:
                    del self._watchers[job_id], self._versions[job_id]

    def version(self, job_id: str) -> int:
        """Changes of a watched job since its first watcher came (0 for a job nobody watches)."""
        with self._condition:
            return self._versions.get(job_id, 0)

    def changed(self, job_id: str) -> None:
        with self._condition:
            if job_id in self._versions:
                self._versions[job_id] += 1
                self._condition.notify_all()

    def changed_all(self) -> None:
        """Every watched job may have changed (e.g. notices from other replicas were missed)."""
        with self._condition:
            for job_id in self._versions:
                self._versions[job_id] += 1
            self._condition.notify_all()

    def wait(self, job_id: str, seen: int, timeout: float) -> int:
        """The job's version once it passes `seen`, or `seen` after `timeout` s or on close."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._closed or self._versions.get(job_id, 0) != seen, timeout
            )
            return self._versions.get(job_id, 0)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()


class JobStore(Protocol):
    """Durable jobs. Every method is thread-safe and durable when it returns."""

    changes: JobChanges
    """Notified after every committed change of a job (in this process)."""
    retention: float
    """Seconds a finished job is kept; `purge_expired` deletes older ones."""
    replica: str
    """This replica's id: the owner of the leases it takes."""
    lease: float
    """Seconds a claim lasts unless renewed."""

    def create(
        self, request: bytes, *, request_id: str = "", name: str = "", owner: str = ""
    ) -> tuple[Job, bool]:
        """Persist a QUEUED job; a `request_id` the owner used with an equal payload returns that
        job (request ids are scoped per owner).

        Returns the job and whether it was created. Raises RequestIdConflict when the owner used
        `request_id` with a different payload.
        """
        ...

    def get(self, job_id: str) -> Job:
        """The job; raises JobNotFound."""
        ...

    def list_jobs(
        self,
        *,
        state: JobState | None = None,
        owner: str | None = None,
        page_size: int = 50,
        page_token: str = "",
    ) -> tuple[list[Job], str]:
        """Jobs newest first (of one owner, or of all with None) and the next page token ("" on
        the last page); payloads left empty."""
        ...

    def claim_next(self) -> Job | None:
        """Atomically lease the oldest QUEUED job, or RUNNING job of another replica whose lease
        expired, to this replica: RUNNING, attempts + 1. A taken-over job that was cancelled, or
        has had `max_attempts` runs, is ended instead. Returns None when there is nothing."""
        ...

    def renew_leases(self, job_ids: Sequence[str]) -> dict[str, bool]:
        """Extend this replica's leases of these RUNNING jobs; returns the ones still held, each
        with whether a cancel was requested (the others were lost: stop running them)."""
        ...

    def save_progress(
        self, job_id: str, progress: JobProgress, snapshot: bytes | None = None
    ) -> None:
        """Record an improving solution of a RUNNING job this replica holds (and its schedule)."""
        ...

    def save_spent(self, job_id: str, spent: float) -> None:
        """Record the solve seconds a RUNNING job has used so far (all its runs together)."""
        ...

    def finish(
        self,
        job_id: str,
        state: JobState,
        *,
        result: bytes | None = None,
        failure_reason: str = "",
    ) -> Job:
        """Move a RUNNING job this replica holds to a terminal state; a job already terminal, or
        leased to another replica, is left as it is (and returned)."""
        ...

    def requeue(self, job_id: str, snapshot: bytes | None = None) -> Job:
        """Put a RUNNING job this replica holds, interrupted by a shutdown, back in the queue with
        its best schedule (CANCELLED if a cancel was requested)."""
        ...

    def request_cancel(self, job_id: str) -> Job:
        """A QUEUED job, or a RUNNING one whose lease expired, becomes CANCELLED at once; a RUNNING
        one is flagged for its replica (which sees the flag at its next heartbeat)."""
        ...

    def recover(self) -> list[str]:
        """Re-queue the jobs leased to this replica id by an earlier process of it (ended like a
        take-over when cancelled or out of attempts); returns their ids. Call at startup, before
        claiming. Other replicas' jobs are left to their leases."""
        ...

    def delete(self, job_id: str) -> None:
        """Delete a finished job (its request id is free again); raises JobNotFinished."""
        ...

    def purge_expired(self) -> int:
        """Delete the jobs finished more than `retention` seconds ago; returns how many."""
        ...

    def count(self, state: JobState) -> int: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------------------------------
# SQLite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    state            TEXT    NOT NULL,
    request_id       TEXT,
    request          BLOB    NOT NULL,
    request_hash     TEXT    NOT NULL,
    name             TEXT    NOT NULL DEFAULT '',
    created_at       REAL    NOT NULL,
    updated_at       REAL    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress_elapsed REAL,
    progress_objective INTEGER,
    progress_bound   INTEGER,
    progress_gap     REAL,
    progress_solutions INTEGER,
    snapshot         BLOB,
    result           BLOB,
    failure_reason   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_request_id ON jobs(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, seq);
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema; files made before schema versions have user_version 0 and this table.
    _SCHEMA,
    # 2: solve seconds used so far, so that a re-run gets only the rest of its time limit.
    "ALTER TABLE jobs ADD COLUMN spent REAL NOT NULL DEFAULT 0;",
    # 3: jobs have an owner, and request ids are unique per owner. Jobs stored before belong to
    # the unauthenticated principal "" (admins see them).
    """
    ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    DROP INDEX IF EXISTS jobs_request_id;
    CREATE UNIQUE INDEX jobs_owner_request_id ON jobs(owner, request_id)
        WHERE request_id IS NOT NULL;
    CREATE INDEX jobs_owner ON jobs(owner, seq);
    """,
    # 4: claims are leases of a replica; jobs left RUNNING by older versions have none, so they
    # count as expired (taken over by the next claim) and as this replica's own (recovered).
    """
    ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
    ALTER TABLE jobs ADD COLUMN lease_until REAL;
    """,
)
"""Schema versions in order; `PRAGMA user_version` is how many a file has had applied. Append
only: a released migration is never edited."""

JOB_COLUMNS = (
    "seq, id, state, request_id, {request}, name, created_at, updated_at, attempts,"
    " cancel_requested, progress_elapsed, progress_objective, progress_bound, progress_gap,"
    " progress_solutions, {snapshot}, {result}, failure_reason, spent, owner, lease_owner,"
    " lease_until"
)
_FULL = JOB_COLUMNS.format(request="request", snapshot="snapshot", result="result")
_LIGHT = JOB_COLUMNS.format(request="X''", snapshot="NULL", result="NULL")


class SqliteJobStore:
    """The embedded default: one SQLite file in WAL mode, safe for the threads of one process.

    Each write is one transaction with `synchronous=FULL`, so an acknowledged job survives a crash
    of the process or of the machine.
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retention: float = DEFAULT_RETENTION,
        replica: str = LOCAL_REPLICA,
        lease: float = DEFAULT_LEASE,
    ) -> None:
        check_store_settings(retention=retention, lease=lease, replica=replica)
        self.path = Path(path)
        self.max_attempts = max_attempts
        self.retention = retention
        self.replica = replica
        self.lease = lease
        self._now = time.time
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._migrate()
        self.changes = JobChanges()

    # -- plumbing

    def _migrate(self) -> None:
        """Bring the file to the latest schema, one atomic step per version."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise ValueError(
                f"{self.path} has job store schema version {version}; this version of scheduler "
                f"knows up to {len(MIGRATIONS)}"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; jobs passed to `_touch` inside it are notified after COMMIT."""
        with self._lock:
            self._touched: list[str] = []
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            for job_id in self._touched:
                self.changes.changed(job_id)

    def _touch(self, job_id: str) -> None:
        self._touched.append(job_id)

    def _holds(self, job: Job) -> bool:
        return job.state == JobState.RUNNING and job.lease_owner == self.replica

    def _row(self, db: sqlite3.Connection, job_id: str) -> Job:
        row = db.execute(f"SELECT {_FULL} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        return job_from_row(row)

    # -- JobStore

    def create(
        self, request: bytes, *, request_id: str = "", name: str = "", owner: str = ""
    ) -> tuple[Job, bool]:
        if len(request_id) > MAX_REQUEST_ID_LENGTH:
            raise ValueError(f"request id longer than {MAX_REQUEST_ID_LENGTH} characters")
        digest = hashlib.sha256(request).hexdigest()
        with self._transaction() as db:
            if request_id:
                # An expired job gives its request id back even before the next sweep.
                self._purge(db, "AND owner = ? AND request_id = ?", (owner, request_id))
                row = db.execute(
                    "SELECT id, request_hash FROM jobs WHERE owner = ? AND request_id = ?",
                    (owner, request_id),
                ).fetchone()
                if row is not None:
                    if row[1] != digest:
                        raise RequestIdConflict(request_id, row[0])
                    return self._row(db, row[0]), False
            job_id = uuid.uuid4().hex
            now = self._now()
            db.execute(
                "INSERT INTO jobs (id, state, request_id, request, request_hash, name, created_at,"
                " updated_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    JobState.QUEUED,
                    request_id or None,
                    request,
                    digest,
                    name,
                    now,
                    now,
                    owner,
                ),
            )
            self._touch(job_id)
            return self._row(db, job_id), True

    def get(self, job_id: str) -> Job:
        with self._lock:
            return self._row(self._db, job_id)

    def list_jobs(
        self,
        *,
        state: JobState | None = None,
        owner: str | None = None,
        page_size: int = 50,
        page_token: str = "",
    ) -> tuple[list[Job], str]:
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        where, args = page_filter(state, owner, page_token, "?")
        sql = f"SELECT {_LIGHT} FROM jobs WHERE {where} ORDER BY seq DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, page_size + 1)).fetchall()
        return page_of(rows, page_size)

    def claim_next(self) -> Job | None:
        with self._transaction() as db:
            while True:
                now = self._now()
                row = db.execute(
                    "SELECT id, state, attempts, cancel_requested FROM jobs WHERE state = ?"
                    " OR (state = ? AND COALESCE(lease_until, 0) < ?"
                    " AND COALESCE(lease_owner, '') != ?) ORDER BY seq LIMIT 1",
                    (JobState.QUEUED, JobState.RUNNING, now, self.replica),
                ).fetchone()
                if row is None:
                    return None
                job_id, state, attempts, cancel_requested = row
                self._touch(job_id)
                ended = takeover_end(state, attempts, bool(cancel_requested), self.max_attempts)
                if ended is not None:
                    db.execute(
                        "UPDATE jobs SET state = ?, failure_reason = ?, updated_at = ?,"
                        " lease_until = NULL WHERE id = ?",
                        (*ended, now, job_id),
                    )
                    continue
                db.execute(
                    "UPDATE jobs SET state = ?, attempts = attempts + 1, updated_at = ?,"
                    " lease_owner = ?, lease_until = ? WHERE id = ?",
                    (JobState.RUNNING, now, self.replica, now + self.lease, job_id),
                )
                return self._row(db, job_id)

    def renew_leases(self, job_ids: Sequence[str]) -> dict[str, bool]:
        if not job_ids:
            return {}
        marks = ", ".join("?" for _ in job_ids)
        held = f"id IN ({marks}) AND state = ? AND lease_owner = ?"
        args = (*job_ids, JobState.RUNNING, self.replica)
        with self._transaction() as db:
            db.execute(
                f"UPDATE jobs SET lease_until = ? WHERE {held}", (self._now() + self.lease, *args)
            )
            rows = db.execute(f"SELECT id, cancel_requested FROM jobs WHERE {held}", args)
            return {str(job_id): bool(cancel) for job_id, cancel in rows}

    def save_progress(
        self, job_id: str, progress: JobProgress, snapshot: bytes | None = None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET progress_elapsed = ?, progress_objective = ?, progress_bound = ?,"
                " progress_gap = ?, progress_solutions = ?, snapshot = COALESCE(?, snapshot),"
                " updated_at = ? WHERE id = ? AND state = ? AND lease_owner = ?",
                (
                    progress.elapsed,
                    progress.objective,
                    progress.bound,
                    progress.gap,
                    progress.solutions,
                    snapshot,
                    self._now(),
                    job_id,
                    JobState.RUNNING,
                    self.replica,
                ),
            )
            self._touch(job_id)

    def save_spent(self, job_id: str, spent: float) -> None:
        # No change notice and no updated_at: watchers have nothing new to show.
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET spent = ? WHERE id = ? AND state = ? AND lease_owner = ?",
                (spent, job_id, JobState.RUNNING, self.replica),
            )

    def finish(
        self,
        job_id: str,
        state: JobState,
        *,
        result: bytes | None = None,
        failure_reason: str = "",
    ) -> Job:
        if not state.terminal:
            raise ValueError(f"finish needs a terminal state, not {state}")
        with self._transaction() as db:
            job = self._row(db, job_id)
            if not self._holds(job):
                return job  # the first terminal state wins; a lost lease changes nothing
            db.execute(
                "UPDATE jobs SET state = ?, result = ?, failure_reason = ?, updated_at = ?,"
                " lease_until = NULL WHERE id = ?",
                (state, result, failure_reason, self._now(), job_id),
            )
            self._touch(job_id)
            return self._row(db, job_id)

    def requeue(self, job_id: str, snapshot: bytes | None = None) -> Job:
        with self._transaction() as db:
            job = self._row(db, job_id)
            if not self._holds(job):
                return job
            state = JobState.CANCELLED if job.cancel_requested else JobState.QUEUED
            db.execute(
                "UPDATE jobs SET state = ?, snapshot = COALESCE(?, snapshot), updated_at = ?,"
                " lease_until = NULL WHERE id = ?",
                (state, snapshot, self._now(), job_id),
            )
            self._touch(job_id)
            return self._row(db, job_id)

    def request_cancel(self, job_id: str) -> Job:
        with self._transaction() as db:
            job = self._row(db, job_id)
            if job.state == JobState.QUEUED or (
                job.state == JobState.RUNNING and job.lease_until < self._now()
            ):
                db.execute(
                    "UPDATE jobs SET state = ?, cancel_requested = 1, updated_at = ? WHERE id = ?",
                    (JobState.CANCELLED, self._now(), job_id),
                )
            elif job.state == JobState.RUNNING and not job.cancel_requested:
                db.execute(
                    "UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?",
                    (self._now(), job_id),
                )
            self._touch(job_id)
            return self._row(db, job_id)

    def recover(self) -> list[str]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, attempts, cancel_requested FROM jobs WHERE state = ?"
                " AND COALESCE(lease_owner, ?) = ?",
                (JobState.RUNNING, self.replica, self.replica),
            ).fetchall()
            now = self._now()
            for job_id, attempts, cancel_requested in rows:
                ended = takeover_end(
                    JobState.RUNNING, attempts, bool(cancel_requested), self.max_attempts
                )
                state, reason = ended or (JobState.QUEUED, "")
                db.execute(
                    "UPDATE jobs SET state = ?, failure_reason = ?, updated_at = ?,"
                    " lease_until = NULL WHERE id = ?",
                    (state, reason, now, job_id),
                )
                self._touch(job_id)
            return [row[0] for row in rows]

    def delete(self, job_id: str) -> None:
        with self._transaction() as db:
            job = self._row(db, job_id)
            if not job.state.terminal:
                raise JobNotFinished(job)
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            self._touch(job_id)

    def purge_expired(self) -> int:
        with self._transaction() as db:
            return self._purge(db)

    def _purge(self, db: sqlite3.Connection, where: str = "", args: tuple[Any, ...] = ()) -> int:
        terminal = tuple(str(s) for s in JobState if s.terminal)
        cutoff = self._now() - self.retention
        marks = ", ".join("?" for _ in terminal)
        condition = f"state IN ({marks}) AND updated_at < ? {where}"
        ids = [
            row[0]
            for row in db.execute(
                f"SELECT id FROM jobs WHERE {condition}", (*terminal, cutoff, *args)
            )
        ]
        if ids:
            db.execute(f"DELETE FROM jobs WHERE {condition}", (*terminal, cutoff, *args))
            for job_id in ids:
                self._touch(job_id)
        return len(ids)

    def count(self, state: JobState) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM jobs WHERE state = ?", (state,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        self.changes.close()
        with self._lock:
            self._db.close()


def check_store_settings(*, retention: float, lease: float, replica: str) -> None:
    """Refuse settings a store cannot work with, naming the setting and the reason."""
    if not retention > 0:
        raise ValueError("retention must be a positive number of seconds")
    if not lease > 0:
        raise ValueError("lease must be a positive number of seconds")
    if not replica or len(replica) > MAX_REQUEST_ID_LENGTH:
        raise ValueError(f"replica id must have 1 to {MAX_REQUEST_ID_LENGTH} characters")


def takeover_end(
    state: str, attempts: int, cancel_requested: bool, max_attempts: int
) -> tuple[str, str] | None:
    """The terminal state and failure reason of a claimable job whose run was lost (a RUNNING
    one: its replica stopped) instead of running it again; None to run it (always when QUEUED)."""
    if state != JobState.RUNNING:
        return None
    if cancel_requested:
        return JobState.CANCELLED, ""
    if attempts >= max_attempts:
        return JobState.FAILED, f"the server stopped during each of {attempts} runs of this job"
    return None


def is_url(location: str | Path) -> bool:
    """Whether a `--store` value names a PostgreSQL database rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_store(
    location: str | Path,
    *,
    retention: float = DEFAULT_RETENTION,
    replica: str = "",
    lease: float = DEFAULT_LEASE,
) -> JobStore:
    """The store at `location`: a `postgresql://` URL (shared by replicas; a unique replica id
    is made when none is given) or a SQLite file (replica id "local" by default)."""
    if is_url(location):
        from scheduler.store_pg import PostgresJobStore, unique_replica_id

        return PostgresJobStore(
            str(location), retention=retention, replica=replica or unique_replica_id(), lease=lease
        )
    return SqliteJobStore(
        location, retention=retention, replica=replica or LOCAL_REPLICA, lease=lease
    )


def page_filter(
    state: JobState | None, owner: str | None, page_token: str, mark: str
) -> tuple[str, list[Any]]:
    """The condition (`mark` is the driver's placeholder) and arguments of a listing page."""
    where, args = ["1 = 1"], list[Any]()
    if state is not None:
        where.append(f"state = {mark}")
        args.append(str(state))
    if owner is not None:
        where.append(f"owner = {mark}")
        args.append(owner)
    if page_token:
        where.append(f"seq < {mark}")
        args.append(decode_page_token(page_token))
    return " AND ".join(where), args


def page_of(rows: Sequence[tuple[Any, ...]], page_size: int) -> tuple[list[Job], str]:
    """A page of jobs from up to `page_size + 1` rows (seq first), and the next page's token."""
    jobs = [job_from_row(row) for row in rows[:page_size]]
    token = encode_page_token(rows[page_size - 1][0]) if len(rows) > page_size else ""
    return jobs, token


def job_from_row(row: tuple[Any, ...]) -> Job:
    (
        _seq,
        job_id,
        state,
        request_id,
        request,
        name,
        created_at,
        updated_at,
        attempts,
        cancel_requested,
        p_elapsed,
        p_objective,
        p_bound,
        p_gap,
        p_solutions,
        snapshot,
        result,
        failure_reason,
        spent,
        owner,
        lease_owner,
        lease_until,
    ) = row
    progress = None
    if p_objective is not None:
        progress = JobProgress(
            elapsed=float(p_elapsed),
            objective=int(p_objective),
            bound=int(p_bound),
            gap=float(p_gap),
            solutions=int(p_solutions),
        )
    return Job(
        id=str(job_id),
        state=JobState(str(state)),
        request_id=str(request_id or ""),
        request=bytes(request),
        name=str(name),
        created_at=float(created_at),
        updated_at=float(updated_at),
        attempts=int(attempts),
        cancel_requested=bool(cancel_requested),
        progress=progress,
        snapshot=None if snapshot is None else bytes(snapshot),
        result=None if result is None else bytes(result),
        failure_reason=str(failure_reason),
        spent=float(spent),
        owner=str(owner),
        lease_owner=str(lease_owner or ""),
        lease_until=float(lease_until or 0.0),
    )


def encode_page_token(seq: object) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode()


def decode_page_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode()
        version, seq = text.split(":")
        if version != "v1":
            raise ValueError(version)
        return int(seq)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidPageToken(f"invalid page token {token[:64]!r}") from None


__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_PATH",
    "DEFAULT_RETENTION",
    "LOCAL_REPLICA",
    "MIGRATIONS",
    "InvalidPageToken",
    "Job",
    "JobChanges",
    "JobNotFinished",
    "JobNotFound",
    "JobProgress",
    "JobState",
    "JobStore",
    "RequestIdConflict",
    "SqliteJobStore",
    "open_store",
]
