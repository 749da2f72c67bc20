"""`PostgresJobStore`: the job store shared by the replicas of a service, on PostgreSQL.

The same `JobStore` contract as the SQLite store (`scheduler.store`), for several processes on
several machines at once:

- Claims take the oldest claimable row with `SELECT ... FOR UPDATE SKIP LOCKED`, so replicas
  racing for the queue never wait on each other nor take one job twice; a claim is a lease
  (`lease_owner`, `lease_until`) that the runner's heartbeat renews. Lease times come from the
  database's clock, so replicas' clocks need not agree.
- Writes of a running job (progress, spent time, finish, requeue) are fenced: they apply only
  while this replica holds the lease, so a replica that lost it (paused, partitioned) cannot
  overwrite the run of the replica that took the job over.
- Every committed change of a job sends `NOTIFY scheduler_jobs, '<job id>'`; each store LISTENs
  and turns the notices into `JobChanges`, so watchers on any replica see any replica's writes.
- The schema is created and migrated by the store itself (`scheduler.pg.migrate`).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from scheduler.pg import open_component
from scheduler.store import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETENTION,
    JOB_COLUMNS,
    MAX_PAGE_SIZE,
    MAX_REQUEST_ID_LENGTH,
    Job,
    JobChanges,
    JobNotFinished,
    JobNotFound,
    JobProgress,
    JobState,
    RequestIdConflict,
    check_store_settings,
    job_from_row,
    page_filter,
    page_of,
    takeover_end,
)

COMPONENT = "jobs"
CHANNEL = f"scheduler_{COMPONENT}"
"""The channel of its change notices (`open_component` listens on it)."""
MIGRATIONS: tuple[str, ...] = (
    # 1: the schema of SQLite's version 4, with the database's own types.
    """
    CREATE TABLE scheduler_jobs (
        seq                BIGSERIAL PRIMARY KEY,
        id                 TEXT    NOT NULL UNIQUE,
        state              TEXT    NOT NULL,
        request_id         TEXT,
        request            BYTEA   NOT NULL,
        request_hash       TEXT    NOT NULL,
        name               TEXT    NOT NULL DEFAULT '',
        owner              TEXT    NOT NULL DEFAULT '',
        created_at         DOUBLE PRECISION NOT NULL,
        updated_at         DOUBLE PRECISION NOT NULL,
        attempts           INTEGER NOT NULL DEFAULT 0,
        cancel_requested   BOOLEAN NOT NULL DEFAULT FALSE,
        progress_elapsed   DOUBLE PRECISION,
        progress_objective BIGINT,
        progress_bound     BIGINT,
        progress_gap       DOUBLE PRECISION,
        progress_solutions BIGINT,
        snapshot           BYTEA,
        result             BYTEA,
        failure_reason     TEXT    NOT NULL DEFAULT '',
        spent              DOUBLE PRECISION NOT NULL DEFAULT 0,
        lease_owner        TEXT,
        lease_until        DOUBLE PRECISION
    );
    CREATE UNIQUE INDEX scheduler_jobs_owner_request_id ON scheduler_jobs (owner, request_id)
        WHERE request_id IS NOT NULL;
    CREATE INDEX scheduler_jobs_owner ON scheduler_jobs (owner, seq);
    CREATE INDEX scheduler_jobs_state ON scheduler_jobs (state, seq);
    -- Claims scan only the jobs not yet finished, oldest first, however many finished ones wait
    -- for their retention.
    CREATE INDEX scheduler_jobs_claimable ON scheduler_jobs (seq)
        WHERE state IN ('QUEUED', 'RUNNING');
    """,
)
"""Append only: a released migration is never edited."""

_NOW = "extract(epoch FROM clock_timestamp())"
"""The database's clock, in Unix seconds: leases are judged by one clock for all replicas."""
_FULL = JOB_COLUMNS.format(request="request", snapshot="snapshot", result="result")
_LIGHT = JOB_COLUMNS.format(request="''::bytea", snapshot="NULL", result="NULL")
_RUNNING, _QUEUED, _CANCELLED = (
    str(s) for s in (JobState.RUNNING, JobState.QUEUED, JobState.CANCELLED)
)
_TERMINAL = [str(s) for s in JobState if s.terminal]


def unique_replica_id() -> str:
    """A replica id no other process has: host, process and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class PostgresJobStore:
    """Jobs in a PostgreSQL database, shared by every replica that opens it (see the module)."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retention: float = DEFAULT_RETENTION,
        replica: str = "",
        lease: float = DEFAULT_LEASE,
        pool_size: int = 8,
    ) -> None:
        replica = replica or unique_replica_id()
        check_store_settings(retention=retention, lease=lease, replica=replica)
        self.url = url
        self.max_attempts = max_attempts
        self.retention = retention
        self.replica = replica
        self.lease = lease
        self._now = time.time
        self.changes = JobChanges()
        self._pool, self._listener = open_component(
            url,
            COMPONENT,
            MIGRATIONS,
            self.changes,
            name=f"scheduler-{replica}"[:63],
            max_size=pool_size,
        )

    # -- plumbing

    @contextmanager
    def _transaction(self) -> Iterator[tuple[Any, list[str]]]:
        """One transaction; the ids appended to the list are announced (NOTIFY) at its commit."""
        touched: list[str] = []
        with self._pool.connection() as conn, conn.transaction():
            yield conn, touched
            for job_id in dict.fromkeys(touched):
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, job_id))

    def _row(self, conn: Any, job_id: str, *, lock: bool = False) -> Job:
        suffix = " FOR UPDATE" if lock else ""
        row = conn.execute(
            f"SELECT {_FULL} FROM scheduler_jobs WHERE id = %s{suffix}", (job_id,)
        ).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        return job_from_row(row)

    def _holds(self, job: Job) -> bool:
        return job.state == JobState.RUNNING and job.lease_owner == self.replica

    # -- JobStore

    def create(
        self, request: bytes, *, request_id: str = "", name: str = "", owner: str = ""
    ) -> tuple[Job, bool]:
        if len(request_id) > MAX_REQUEST_ID_LENGTH:
            raise ValueError(f"request id longer than {MAX_REQUEST_ID_LENGTH} characters")
        digest = hashlib.sha256(request).hexdigest()
        job_id, now = uuid.uuid4().hex, self._now()
        with self._transaction() as (conn, touched):
            if request_id:
                # An expired job gives its request id back even before the next sweep.
                self._purge(
                    conn, touched, "AND owner = %s AND request_id = %s", (owner, request_id)
                )
            # Two replicas given one request id at once: the unique index lets one insert win,
            # the other waits for its commit and then finds that job.
            inserted = conn.execute(
                "INSERT INTO scheduler_jobs (id, state, request_id, request, request_hash, name,"
                " created_at, updated_at, owner) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (owner, request_id) WHERE request_id IS NOT NULL DO NOTHING"
                " RETURNING id",
                (job_id, _QUEUED, request_id or None, request, digest, name, now, now, owner),
            ).fetchone()
            if inserted is None:
                existing = conn.execute(
                    "SELECT id, request_hash FROM scheduler_jobs WHERE owner = %s AND request_id = %s",
                    (owner, request_id),
                ).fetchone()
                if existing[1] != digest:
                    raise RequestIdConflict(request_id, existing[0])
                return self._row(conn, existing[0]), False
            touched.append(job_id)
            return self._row(conn, job_id), True

    def get(self, job_id: str) -> Job:
        with self._pool.connection() as conn:
            return self._row(conn, job_id)

    def list_jobs(
        self,
        *,
        state: JobState | None = None,
        owner: str | None = None,
        page_size: int = 50,
        page_token: str = "",
    ) -> tuple[list[Job], str]:
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        where, args = page_filter(state, owner, page_token, "%s")
        sql = f"SELECT {_LIGHT} FROM scheduler_jobs WHERE {where} ORDER BY seq DESC LIMIT %s"
        with self._pool.connection() as conn:
            rows = conn.execute(sql, (*args, page_size + 1)).fetchall()
        return page_of(rows, page_size)

    def claim_next(self) -> Job | None:
        while True:
            with self._transaction() as (conn, touched):
                row = conn.execute(
                    "SELECT id, state, attempts, cancel_requested FROM scheduler_jobs"
                    " WHERE state IN ('QUEUED', 'RUNNING') AND (state = 'QUEUED'"
                    f" OR (lease_until < {_NOW} AND lease_owner <> %s))"
                    " ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (self.replica,),
                ).fetchone()
                if row is None:
                    return None
                job_id, state, attempts, cancel_requested = row
                touched.append(job_id)
                ended = takeover_end(state, attempts, cancel_requested, self.max_attempts)
                if ended is None:
                    claimed = conn.execute(
                        "UPDATE scheduler_jobs SET state = %s, attempts = attempts + 1,"
                        f" updated_at = %s, lease_owner = %s, lease_until = {_NOW} + %s"
                        f" WHERE id = %s RETURNING {_FULL}",
                        (_RUNNING, self._now(), self.replica, self.lease, job_id),
                    ).fetchone()
                    return job_from_row(claimed)
                conn.execute(
                    "UPDATE scheduler_jobs SET state = %s, failure_reason = %s, updated_at = %s,"
                    " lease_until = NULL WHERE id = %s",
                    (str(ended[0]), ended[1], self._now(), job_id),
                )

    def renew_leases(self, job_ids: Sequence[str]) -> dict[str, bool]:
        if not job_ids:
            return {}
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"UPDATE scheduler_jobs SET lease_until = {_NOW} + %s"
                " WHERE id = ANY(%s) AND state = %s AND lease_owner = %s"
                " RETURNING id, cancel_requested",
                (self.lease, list(job_ids), _RUNNING, self.replica),
            ).fetchall()
        return {str(job_id): bool(cancel) for job_id, cancel in rows}

    def save_progress(
        self, job_id: str, progress: JobProgress, snapshot: bytes | None = None
    ) -> None:
        with self._transaction() as (conn, touched):
            updated = conn.execute(
                "UPDATE scheduler_jobs SET progress_elapsed = %s, progress_objective = %s,"
                " progress_bound = %s, progress_gap = %s, progress_solutions = %s,"
                " snapshot = COALESCE(%s, snapshot), updated_at = %s"
                " WHERE id = %s AND state = %s AND lease_owner = %s",
                (
                    progress.elapsed,
                    progress.objective,
                    progress.bound,
                    progress.gap,
                    progress.solutions,
                    snapshot,
                    self._now(),
                    job_id,
                    _RUNNING,
                    self.replica,
                ),
            )
            if updated.rowcount:
                touched.append(job_id)

    def save_spent(self, job_id: str, spent: float) -> None:
        # No change notice and no updated_at: watchers have nothing new to show.
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE scheduler_jobs SET spent = %s"
                " WHERE id = %s AND state = %s AND lease_owner = %s",
                (spent, job_id, _RUNNING, self.replica),
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
        with self._transaction() as (conn, touched):
            job = self._row(conn, job_id, lock=True)
            if not self._holds(job):
                return job  # the first terminal state wins; a lost lease changes nothing
            touched.append(job_id)
            return self._update(
                conn,
                job_id,
                "state = %s, result = %s, failure_reason = %s, lease_until = NULL",
                (str(state), result, failure_reason),
            )

    def requeue(self, job_id: str, snapshot: bytes | None = None) -> Job:
        with self._transaction() as (conn, touched):
            job = self._row(conn, job_id, lock=True)
            if not self._holds(job):
                return job
            state = JobState.CANCELLED if job.cancel_requested else JobState.QUEUED
            touched.append(job_id)
            return self._update(
                conn,
                job_id,
                "state = %s, snapshot = COALESCE(%s, snapshot), lease_until = NULL",
                (str(state), snapshot),
            )

    def request_cancel(self, job_id: str) -> Job:
        with self._transaction() as (conn, touched):
            job = self._row(conn, job_id, lock=True)
            touched.append(job_id)
            if job.state == JobState.QUEUED or (
                job.state == JobState.RUNNING and self._expired(conn, job)
            ):
                return self._update(
                    conn, job_id, "state = %s, cancel_requested = TRUE", (_CANCELLED,)
                )
            if job.state == JobState.RUNNING and not job.cancel_requested:
                return self._update(conn, job_id, "cancel_requested = TRUE", ())
            return job

    def _expired(self, conn: Any, job: Job) -> bool:
        row = conn.execute(f"SELECT %s < {_NOW}", (job.lease_until,)).fetchone()
        return bool(row[0])

    def _update(self, conn: Any, job_id: str, assignments: str, args: tuple[Any, ...]) -> Job:
        row = conn.execute(
            f"UPDATE scheduler_jobs SET {assignments}, updated_at = %s WHERE id = %s"
            f" RETURNING {_FULL}",
            (*args, self._now(), job_id),
        ).fetchone()
        return job_from_row(row)

    def recover(self) -> list[str]:
        with self._transaction() as (conn, touched):
            rows = conn.execute(
                "SELECT id, attempts, cancel_requested FROM scheduler_jobs"
                " WHERE state = %s AND lease_owner = %s FOR UPDATE",
                (_RUNNING, self.replica),
            ).fetchall()
            for job_id, attempts, cancel_requested in rows:
                ended = takeover_end(_RUNNING, attempts, cancel_requested, self.max_attempts)
                state, reason = ended or (JobState.QUEUED, "")
                self._update(
                    conn,
                    job_id,
                    "state = %s, failure_reason = %s, lease_until = NULL",
                    (str(state), reason),
                )
                touched.append(job_id)
            return [str(row[0]) for row in rows]

    def delete(self, job_id: str) -> None:
        with self._transaction() as (conn, touched):
            job = self._row(conn, job_id, lock=True)
            if not job.state.terminal:
                raise JobNotFinished(job)
            conn.execute("DELETE FROM scheduler_jobs WHERE id = %s", (job_id,))
            touched.append(job_id)

    def purge_expired(self) -> int:
        with self._transaction() as (conn, touched):
            return self._purge(conn, touched)

    def _purge(
        self, conn: Any, touched: list[str], where: str = "", args: tuple[Any, ...] = ()
    ) -> int:
        rows = conn.execute(
            "DELETE FROM scheduler_jobs WHERE state = ANY(%s) AND updated_at < %s"
            f" {where} RETURNING id",
            (_TERMINAL, self._now() - self.retention, *args),
        ).fetchall()
        touched.extend(str(row[0]) for row in rows)
        return len(rows)

    def count(self, state: JobState) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM scheduler_jobs WHERE state = %s", (str(state),)
            ).fetchone()
        assert row is not None  # COUNT always answers
        return int(row[0])

    def close(self) -> None:
        self.changes.close()
        self._listener.close()
        self._pool.close()


__all__ = ["MIGRATIONS", "PostgresJobStore", "unique_replica_id"]
