"""`PostgresPlanStore`: live plans in the PostgreSQL database the replicas' job store uses.

The `PlanStore` contract of the SQLite store (`scheduler.planstore`: the same tables, meaning and
idempotency), for several replicas at once, plus `PlanLeases`, so a plan is replanned by one
replica at a time and taken over when that replica dies:

- A plan row carries its replan lease (`replan_owner`, `replan_until`, database clock) like a
  job. Creating a plan or adding entries takes a free or expired lease for the writer in the
  same transaction, so pending work always has a holder; `claimable_replans` finds the plans
  whose holder stopped renewing.
- `replan_seen` is the newest entry when the replan was claimed: `finish_replan` keeps the lease
  when newer entries wait (reported on another replica meanwhile, whose own claim failed).
  Entries are added, and replans claimed and finished, with the plan row locked, so no report
  slips between a finishing replan's check and the lease it gives back.
- `release` is fenced: a replica whose lease another took (paused, cut off) releases nothing.
- Every committed change of a plan sends `NOTIFY scheduler_plans, '<plan id>'`, which every
  replica's store turns into `changes`: WatchPlan on any replica sees any replica's revisions.
- The schema is its own component of `scheduler.pg.migrate`.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from scheduler.pg import open_component
from scheduler.planstore import (
    DEFAULT_KEPT_REVISIONS,
    MAX_ID_LENGTH,
    Entry,
    EntryConflict,
    PlanNotFound,
    RevisionConflict,
    StoredPlan,
    StoredRevision,
    kept_revisions,
    pack,
    unpack,
)
from scheduler.store import DEFAULT_LEASE, JobChanges
from scheduler.store_pg import unique_replica_id

COMPONENT = "plans"
CHANNEL = f"scheduler_{COMPONENT}"
"""The channel of its change notices (`open_component` listens on it)."""
MIGRATIONS: tuple[str, ...] = (
    # 1: SQLite's plan tables with the database's own types, and the replan lease.
    """
    CREATE TABLE scheduler_plans (
        seq          BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        owner        TEXT NOT NULL DEFAULT '',
        request_id   TEXT,
        spec         TEXT NOT NULL,
        spec_hash    TEXT NOT NULL,
        created_at   DOUBLE PRECISION NOT NULL,
        error        TEXT NOT NULL DEFAULT '',
        replan_owner TEXT,
        replan_until DOUBLE PRECISION,
        replan_seen  BIGINT NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX scheduler_plans_owner_request_id ON scheduler_plans (owner, request_id)
        WHERE request_id IS NOT NULL;
    CREATE INDEX scheduler_plans_leased ON scheduler_plans (replan_until)
        WHERE replan_owner IS NOT NULL;
    CREATE TABLE scheduler_plan_revisions (
        plan_id    TEXT NOT NULL REFERENCES scheduler_plans (id),
        number     INTEGER NOT NULL,
        payload    TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (plan_id, number)
    );
    CREATE TABLE scheduler_plan_entries (
        seq         BIGSERIAL PRIMARY KEY,
        plan_id     TEXT NOT NULL REFERENCES scheduler_plans (id),
        id          TEXT NOT NULL,
        payload     TEXT NOT NULL,
        revision    INTEGER,
        received_at DOUBLE PRECISION NOT NULL,
        UNIQUE (plan_id, id)
    );
    CREATE INDEX scheduler_plan_entries_open ON scheduler_plan_entries (plan_id, revision, seq);
    """,
    # 2: revisions packed (`payload` is '' then); older rows keep their text.
    """
    ALTER TABLE scheduler_plan_revisions ADD COLUMN packed BYTEA
    """,
)
"""Append only: a released migration is never edited."""

_NOW = "extract(epoch FROM clock_timestamp())"
"""The database's clock, in Unix seconds: leases are judged by one clock for all replicas."""
_PLAN = "id, spec, owner, request_id, created_at, error"
_FREE = f"(replan_owner IS NULL OR replan_owner = %s OR replan_until < {_NOW})"
"""A lease this replica may take (the argument is its id)."""


class PostgresPlanStore:
    """Plans in a PostgreSQL database, shared by every replica that opens it (see the module)."""

    def __init__(
        self,
        url: str,
        *,
        replica: str = "",
        lease: float = DEFAULT_LEASE,
        pool_size: int = 4,
        keep_revisions: int = DEFAULT_KEPT_REVISIONS,
    ) -> None:
        replica = replica or unique_replica_id()
        if not lease > 0:
            raise ValueError("lease must be a positive number of seconds")
        self.url, self.replica, self.lease = url, replica, lease
        self.keep_revisions = kept_revisions(keep_revisions)
        self._now = time.time
        self.changes = JobChanges()
        self._pool, self._listener = open_component(
            url,
            COMPONENT,
            MIGRATIONS,
            self.changes,
            name=f"plans-{replica}"[:63],
            max_size=pool_size,
        )

    @contextmanager
    def _transaction(self, plan_id: str = "", *, notify: bool = True) -> Iterator[Any]:
        """One transaction; with `plan_id`, the plan row is locked first (PlanNotFound when
        there is none) and, with `notify`, its change announced at the commit."""
        with self._pool.connection() as conn, conn.transaction():
            if plan_id:
                found = conn.execute(
                    "SELECT 1 FROM scheduler_plans WHERE id = %s FOR UPDATE", (plan_id,)
                ).fetchone()
                if found is None:
                    raise PlanNotFound(plan_id)
            yield conn
            if plan_id and notify:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, plan_id))

    def _take_free_lease(self, conn: Any, plan_id: str) -> None:
        conn.execute(
            f"UPDATE scheduler_plans SET replan_owner = %s, replan_until = {_NOW} + %s"
            f" WHERE id = %s AND {_FREE}",
            (self.replica, self.lease, plan_id, self.replica),
        )

    # -- PlanStore

    def create_plan(
        self, spec: str, *, owner: str = "", request_id: str = ""
    ) -> tuple[StoredPlan, bool]:
        if len(request_id) > MAX_ID_LENGTH:
            raise ValueError(f"request id longer than {MAX_ID_LENGTH} characters")
        digest, plan_id = hashlib.sha256(spec.encode()).hexdigest(), uuid.uuid4().hex
        with self._transaction() as conn:
            # Two replicas given one request id at once: the unique index lets one insert win,
            # the other waits for its commit and then finds that plan.
            inserted = conn.execute(
                "INSERT INTO scheduler_plans (id, owner, request_id, spec, spec_hash, created_at,"
                f" replan_owner, replan_until) VALUES (%s, %s, %s, %s, %s, %s, %s, {_NOW} + %s)"
                " ON CONFLICT (owner, request_id) WHERE request_id IS NOT NULL DO NOTHING"
                " RETURNING id",
                (
                    plan_id,
                    owner,
                    request_id or None,
                    spec,
                    digest,
                    self._now(),
                    self.replica,
                    self.lease,
                ),
            ).fetchone()
            if inserted is None:
                existing = conn.execute(
                    "SELECT id, spec_hash FROM scheduler_plans WHERE owner = %s AND request_id = %s",
                    (owner, request_id),
                ).fetchone()
                plan_id = existing[0]
                if existing[1] != digest:
                    raise EntryConflict(request_id)
            else:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, plan_id))
            return self._plan(conn, plan_id), inserted is not None

    def _plan(self, conn: Any, plan_id: str) -> StoredPlan:
        row = conn.execute(f"SELECT {_PLAN} FROM scheduler_plans WHERE id = %s", (plan_id,))
        found = row.fetchone()
        if found is None:
            raise PlanNotFound(plan_id)
        return StoredPlan(found[0], found[1], found[2], found[3] or "", found[4], found[5])

    def get_plan(self, plan_id: str) -> StoredPlan:
        with self._pool.connection() as conn:
            return self._plan(conn, plan_id)

    def plan_ids(self) -> list[str]:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT id FROM scheduler_plans ORDER BY seq").fetchall()
        return [row[0] for row in rows]

    def add_entries(self, plan_id: str, entries: Sequence[Entry]) -> list[Entry]:
        for entry in entries:
            if len(entry.id) > MAX_ID_LENGTH:
                raise ValueError(f"entry id longer than {MAX_ID_LENGTH} characters")
        added: list[Entry] = []
        with self._transaction(plan_id, notify=False) as conn:
            known = self._payloads(conn, plan_id, [e.id for e in entries])
            for entry in entries:
                earlier = known.get(entry.id)
                if earlier is not None:
                    if earlier != entry.payload:
                        raise EntryConflict(entry.id)
                    continue
                known[entry.id] = entry.payload
                added.append(Entry(entry.id, entry.payload))
            if added:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO scheduler_plan_entries (plan_id, id, payload, received_at)"
                        " VALUES (%s, %s, %s, %s)",
                        [(plan_id, e.id, e.payload, self._now()) for e in added],
                    )
                self._take_free_lease(conn, plan_id)
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, plan_id))
        return added

    @staticmethod
    def _payloads(conn: Any, plan_id: str, ids: Sequence[str]) -> dict[str, str]:
        rows = conn.execute(
            "SELECT id, payload FROM scheduler_plan_entries WHERE plan_id = %s AND id = ANY(%s)",
            (plan_id, list(set(ids))),
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def find_entries(self, plan_id: str, ids: Sequence[str]) -> dict[str, str]:
        with self._pool.connection() as conn:
            return self._payloads(conn, plan_id, ids)

    def unanswered(self, plan_id: str) -> list[Entry]:
        with self._pool.connection() as conn:
            open_entries = conn.execute(
                "SELECT id, payload FROM scheduler_plan_entries"
                " WHERE plan_id = %s AND revision IS NULL ORDER BY seq",
                (plan_id,),
            )
            return [Entry(entry_id, payload) for entry_id, payload in open_entries]

    def release(
        self, plan_id: str, number: int, payload: str, answers: Sequence[str]
    ) -> StoredRevision:
        now = self._now()
        with self._transaction(plan_id) as conn:
            holder = conn.execute(
                f"SELECT replan_owner FROM scheduler_plans WHERE id = %s AND NOT {_FREE}",
                (plan_id, self.replica),
            ).fetchone()
            if holder is not None:
                raise RevisionConflict(f"plan {plan_id!r} is replanned by replica {holder[0]!r}")
            inserted = conn.execute(
                "INSERT INTO scheduler_plan_revisions (plan_id, number, payload, packed, created_at)"
                " VALUES (%s, %s, '', %s, %s) ON CONFLICT DO NOTHING RETURNING number",
                (plan_id, number, pack(payload), now),
            ).fetchone()
            if inserted is None:
                raise RevisionConflict(f"plan {plan_id!r} has a revision {number}")
            conn.execute(
                "DELETE FROM scheduler_plan_revisions WHERE plan_id = %s AND number <= %s",
                (plan_id, number - self.keep_revisions),
            )
            conn.execute(
                "UPDATE scheduler_plan_entries SET revision = %s WHERE plan_id = %s AND id = ANY(%s)",
                (number, plan_id, list(answers)),
            )
            conn.execute("UPDATE scheduler_plans SET error = '' WHERE id = %s", (plan_id,))
        return StoredRevision(plan_id, number, payload, tuple(answers), now)

    def latest(self, plan_id: str) -> StoredRevision | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT MAX(number) FROM scheduler_plan_revisions WHERE plan_id = %s", (plan_id,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return self.revisions(plan_id, after=int(row[0]) - 1)[0]

    def revisions(self, plan_id: str, after: int = 0) -> list[StoredRevision]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT r.number, r.payload, r.packed, r.created_at,"
                " array_remove(array_agg(e.id ORDER BY e.seq), NULL)"
                " FROM scheduler_plan_revisions r LEFT JOIN scheduler_plan_entries e"
                " ON e.plan_id = r.plan_id AND e.revision = r.number"
                " WHERE r.plan_id = %s AND r.number > %s GROUP BY r.plan_id, r.number ORDER BY r.number",
                (plan_id, after),
            ).fetchall()
        return [
            StoredRevision(plan_id, number, unpack(packed, payload), tuple(answers), created)
            for number, payload, packed, created, answers in rows
        ]

    def set_error(self, plan_id: str, error: str) -> None:
        with self._transaction(plan_id) as conn:
            conn.execute("UPDATE scheduler_plans SET error = %s WHERE id = %s", (error, plan_id))

    def discard(self, plan_id: str, ids: Sequence[str]) -> None:
        with self._transaction(plan_id) as conn:
            conn.execute(
                "DELETE FROM scheduler_plan_entries"
                " WHERE plan_id = %s AND id = ANY(%s) AND revision IS NULL",
                (plan_id, list(ids)),
            )

    # -- PlanLeases

    def claim_replan(self, plan_id: str) -> bool:
        with self._transaction(plan_id, notify=False) as conn:
            claimed = conn.execute(
                f"UPDATE scheduler_plans SET replan_owner = %s, replan_until = {_NOW} + %s,"
                " replan_seen = (SELECT COALESCE(MAX(seq), 0) FROM scheduler_plan_entries"
                f" WHERE plan_id = %s) WHERE id = %s AND {_FREE} RETURNING id",
                (self.replica, self.lease, plan_id, plan_id, self.replica),
            ).fetchone()
        return claimed is not None

    def renew_replans(self, plan_ids: Sequence[str]) -> set[str]:
        if not plan_ids:
            return set()
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"UPDATE scheduler_plans SET replan_until = {_NOW} + %s"
                " WHERE id = ANY(%s) AND replan_owner = %s RETURNING id",
                (self.lease, list(plan_ids), self.replica),
            ).fetchall()
        return {str(row[0]) for row in rows}

    def finish_replan(self, plan_id: str) -> bool:
        with self._transaction(plan_id, notify=False) as conn:
            newer = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM scheduler_plan_entries e JOIN scheduler_plans p"
                " ON p.id = e.plan_id WHERE p.id = %s AND p.replan_owner = %s"
                " AND e.revision IS NULL AND e.seq > p.replan_seen)",
                (plan_id, self.replica),
            ).fetchone()
            if newer is not None and newer[0]:
                self._take_free_lease(conn, plan_id)
                return True
            conn.execute(
                "UPDATE scheduler_plans SET replan_owner = NULL, replan_until = NULL"
                " WHERE id = %s AND replan_owner = %s",
                (plan_id, self.replica),
            )
            return False

    def claimable_replans(self, *, own: bool = False) -> list[str]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM scheduler_plans WHERE replan_owner IS NOT NULL"
                f" AND (replan_until < {_NOW} OR (%s AND replan_owner = %s)) ORDER BY seq",
                (own, self.replica),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def hand_over(self) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                f"UPDATE scheduler_plans SET replan_until = {_NOW} WHERE replan_owner = %s",
                (self.replica,),
            )

    def replan_held(self, plan_id: str) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT replan_until >= {_NOW} FROM scheduler_plans"
                " WHERE id = %s AND replan_owner IS NOT NULL",
                (plan_id,),
            ).fetchone()
        return row is not None and bool(row[0])

    def lease_of(self, plan_id: str) -> tuple[str, float] | None:
        """The replica holding the plan's replan lease and until when (Unix seconds, database
        clock); None when nobody does."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT replan_owner, replan_until FROM scheduler_plans WHERE id = %s", (plan_id,)
            ).fetchone()
        if row is None:
            raise PlanNotFound(plan_id)
        return None if row[0] is None else (str(row[0]), float(row[1]))

    def close(self) -> None:
        self.changes.close()
        self._listener.close()
        self._pool.close()


__all__ = ["MIGRATIONS", "PostgresPlanStore"]
