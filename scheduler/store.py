"""Durable solve jobs: the `JobStore` interface and its embedded SQLite implementation.

A job is accepted (QUEUED), claimed by a runner (RUNNING), and ends SUCCEEDED, FAILED or CANCELLED.
Nothing is ever lost or stuck: `recover()`, called once at startup before any runner claims work,
puts jobs that a stopped or crashed process left RUNNING back in the queue (keeping their best
schedule snapshot, which the next run uses as a warm start). A job that keeps crashing the process
is failed after `max_attempts` runs instead of crashing it forever.

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


class InvalidPageToken(ValueError):
    """A page token that this store did not hand out."""


class JobChanges:
    """In-process change notices per job: watchers sleep until their job changes, not on a timer.

    A store calls `changed(job_id)` after each committed write of a job; a watcher keeps the
    version it has seen and `wait`s for a newer one, so it reads the job once per change instead of
    polling the whole record. `close()` wakes every waiter (the server is stopping).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._versions: dict[str, int] = {}
        self._closed = False

    def version(self, job_id: str) -> int:
        with self._condition:
            return self._versions.get(job_id, 0)

    def changed(self, job_id: str) -> None:
        with self._condition:
            self._versions[job_id] = self._versions.get(job_id, 0) + 1
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

    def create(self, request: bytes, *, request_id: str = "", name: str = "") -> tuple[Job, bool]:
        """Persist a QUEUED job; a known `request_id` with an equal payload returns that job.

        Returns the job and whether it was created. Raises RequestIdConflict when `request_id` is
        known with a different payload.
        """
        ...

    def get(self, job_id: str) -> Job:
        """The job; raises JobNotFound."""
        ...

    def list_jobs(
        self, *, state: JobState | None = None, page_size: int = 50, page_token: str = ""
    ) -> tuple[list[Job], str]:
        """Jobs newest first and the next page token ("" on the last page); payloads left empty."""
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
)
"""Schema versions in order; `PRAGMA user_version` is how many a file has had applied. Append
only: a released migration is never edited."""

_COLUMNS = (
    "seq, id, state, request_id, {request}, name, created_at, updated_at, attempts,"
    " cancel_requested, progress_elapsed, progress_objective, progress_bound, progress_gap,"
    " progress_solutions, {snapshot}, {result}, failure_reason, spent"
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
    ) -> None:
        self.path = Path(path)
        self.max_attempts = max_attempts
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

    def create(self, request: bytes, *, request_id: str = "", name: str = "") -> tuple[Job, bool]:
        if len(request_id) > MAX_REQUEST_ID_LENGTH:
            raise ValueError(f"request id longer than {MAX_REQUEST_ID_LENGTH} characters")
        digest = hashlib.sha256(request).hexdigest()
        with self._transaction() as db:
            if request_id:
                row = db.execute(
                    "SELECT id, request_hash FROM jobs WHERE request_id = ?", (request_id,)
                ).fetchone()
                if row is not None:
                    if row[1] != digest:
                        raise RequestIdConflict(request_id, row[0])
                    return self._row(db, row[0]), False
            job_id = uuid.uuid4().hex
            now = self._now()
            db.execute(
                "INSERT INTO jobs (id, state, request_id, request, request_hash, name, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, JobState.QUEUED, request_id or None, request, digest, name, now, now),
            )
            self._touch(job_id)
            return self._row(db, job_id), True

    def get(self, job_id: str) -> Job:
        with self._lock:
            return self._row(self._db, job_id)

    def list_jobs(
        self, *, state: JobState | None = None, page_size: int = 50, page_token: str = ""
    ) -> tuple[list[Job], str]:
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        before = _decode_token(page_token) if page_token else None
        where, args = [], []
        if state is not None:
            where.append("state = ?")
            args.append(str(state))
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
    "MIGRATIONS",
    "InvalidPageToken",
    "Job",
    "JobChanges",
    "JobNotFound",
    "JobProgress",
    "JobState",
    "JobStore",
    "RequestIdConflict",
    "SqliteJobStore",
]
