"""Durable solve jobs: the `JobStore` interface and its embedded SQLite implementation.

A job is accepted (QUEUED), claimed by a runner (RUNNING), and ends SUCCEEDED, FAILED or CANCELLED.
Nothing is ever lost or stuck: `recover()`, called once at startup before any runner claims work,
puts jobs that a stopped or crashed process left RUNNING back in the queue (keeping their best
schedule snapshot, which the next run uses as a warm start). A job that keeps crashing the process
is failed after `max_attempts` runs instead of crashing it forever. Finished jobs are kept for
`retention` seconds (7 days by default), then `purge_expired()` deletes them and frees their
request ids; request ids are unique per owner. Files of older versions are migrated in place
(`MIGRATIONS`, counted by `PRAGMA user_version`).

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
from collections.abc import Iterator
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

    A store calls `changed(job_id)` after each committed write of a job. A watcher registers with
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
        """Atomically move the oldest QUEUED job to RUNNING (attempts + 1) and return it."""
        ...

    def save_progress(
        self, job_id: str, progress: JobProgress, snapshot: bytes | None = None
    ) -> None:
        """Record an improving solution of a RUNNING job (and its schedule, when given)."""
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
        """Move a RUNNING job to a terminal state; a job already terminal is left as it is."""
        ...

    def requeue(self, job_id: str, snapshot: bytes | None = None) -> Job:
        """Put a RUNNING job interrupted by a shutdown back in the queue, with its best schedule."""
        ...

    def request_cancel(self, job_id: str) -> Job:
        """A QUEUED job becomes CANCELLED at once; a RUNNING one is flagged for its runner."""
        ...

    def recover(self) -> list[str]:
        """Re-queue jobs left RUNNING by a previous process; returns their ids. Call at startup."""
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
)
"""Schema versions in order; `PRAGMA user_version` is how many a file has had applied. Append
only: a released migration is never edited."""

_COLUMNS = (
    "seq, id, state, request_id, {request}, name, created_at, updated_at, attempts,"
    " cancel_requested, progress_elapsed, progress_objective, progress_bound, progress_gap,"
    " progress_solutions, {snapshot}, {result}, failure_reason, spent, owner"
)
_FULL = _COLUMNS.format(request="request", snapshot="snapshot", result="result")
_LIGHT = _COLUMNS.format(request="X''", snapshot="NULL", result="NULL")


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
    ) -> None:
        if not retention > 0:
            raise ValueError("retention must be a positive number of seconds")
        self.path = Path(path)
        self.max_attempts = max_attempts
        self.retention = retention
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

    def _row(self, db: sqlite3.Connection, job_id: str) -> Job:
        row = db.execute(f"SELECT {_FULL} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        return _job(row)

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
        before = _decode_token(page_token) if page_token else None
        where, args = [], []
        if state is not None:
            where.append("state = ?")
            args.append(str(state))
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if before is not None:
            where.append("seq < ?")
            args.append(str(before))
        sql = f"SELECT {_LIGHT} FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, page_size + 1)).fetchall()
        jobs = [_job(row) for row in rows[:page_size]]
        token = _encode_token(rows[page_size - 1][0]) if len(rows) > page_size else ""
        return jobs, token

    def claim_next(self) -> Job | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE state = ? ORDER BY seq LIMIT 1", (JobState.QUEUED,)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (JobState.RUNNING, self._now(), row[0]),
            )
            self._touch(row[0])
            return self._row(db, row[0])

    def save_progress(
        self, job_id: str, progress: JobProgress, snapshot: bytes | None = None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET progress_elapsed = ?, progress_objective = ?, progress_bound = ?,"
                " progress_gap = ?, progress_solutions = ?, snapshot = COALESCE(?, snapshot),"
                " updated_at = ? WHERE id = ? AND state = ?",
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
                ),
            )
            self._touch(job_id)

    def save_spent(self, job_id: str, spent: float) -> None:
        # No change notice and no updated_at: watchers have nothing new to show.
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET spent = ? WHERE id = ? AND state = ?",
                (spent, job_id, JobState.RUNNING),
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
            if job.state.terminal:
                return job  # e.g. cancelled while queued: the first terminal state wins
            db.execute(
                "UPDATE jobs SET state = ?, result = ?, failure_reason = ?, updated_at = ?"
                " WHERE id = ?",
                (state, result, failure_reason, self._now(), job_id),
            )
            self._touch(job_id)
            return self._row(db, job_id)

    def requeue(self, job_id: str, snapshot: bytes | None = None) -> Job:
        with self._transaction() as db:
            job = self._row(db, job_id)
            if job.state != JobState.RUNNING:
                return job
            state = JobState.CANCELLED if job.cancel_requested else JobState.QUEUED
            db.execute(
                "UPDATE jobs SET state = ?, snapshot = COALESCE(?, snapshot), updated_at = ?"
                " WHERE id = ?",
                (state, snapshot, self._now(), job_id),
            )
            self._touch(job_id)
            return self._row(db, job_id)

    def request_cancel(self, job_id: str) -> Job:
        with self._transaction() as db:
            job = self._row(db, job_id)
            if job.state == JobState.QUEUED:
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
                "SELECT id, attempts, cancel_requested FROM jobs WHERE state = ?",
                (JobState.RUNNING,),
            ).fetchall()
            now = self._now()
            for job_id, attempts, cancel_requested in rows:
                if cancel_requested:
                    state, reason = JobState.CANCELLED, ""
                elif attempts >= self.max_attempts:
                    state = JobState.FAILED
                    reason = f"the server stopped during each of {attempts} runs of this job"
                else:
                    state, reason = JobState.QUEUED, ""
                db.execute(
                    "UPDATE jobs SET state = ?, failure_reason = ?, updated_at = ? WHERE id = ?",
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


def _job(row: tuple[Any, ...]) -> Job:
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
    )


def _encode_token(seq: object) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode()
        version, seq = text.split(":")
        if version != "v1":
            raise ValueError(version)
        return int(seq)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidPageToken(f"invalid page token {token[:64]!r}") from None


__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_RETENTION",
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
]
