"""Durable live plans: the `PlanStore` interface and its embedded SQLite implementation.

A plan is a specification (problem, solve parameters, stability policy), a log of shop-floor
entries (events, promoted scenarios) and a numbered list of revisions; each revision names the
entries it answers. An entry's id is unique per plan, which makes reporting idempotent: the same
id with the same content again is ignored, with other content it is an error. A revision and the
entries it answers are written in one transaction, so after a crash every entry is either
answered by a persisted revision or still waiting for one (`PlanRunner` replans those at start).

The store is format-agnostic: specifications, entries and revisions are opaque JSON text, so a
PostgreSQL implementation needs only these few methods. It may share the job store's SQLite file:
its tables are its own and so is its schema counter (`plan_schema`, not `PRAGMA user_version`,
which the job store counts with).

A revision holds its whole problem and schedule (1.8 MB of JSON on the 2,000-operation example
plant), so revisions are stored zlib-packed (104 KB there, 17 times smaller:
`benchmarks/bench_live.py`), and a plan keeps only its newest `keep_revisions`; its entries, the
idempotency log, are all kept.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from scheduler.store import DEFAULT_LEASE, JobChanges, is_url

MAX_ID_LENGTH = 128
"""Longest plan request id and entry id."""
DEFAULT_KEPT_REVISIONS = 100
"""Revisions kept per plan, the newest; an older one is deleted when a new one is released."""


@dataclass(frozen=True, slots=True)
class StoredPlan:
    id: str
    spec: str
    """The plan's specification (JSON, opaque to the store)."""
    owner: str
    request_id: str
    created_at: float
    """Unix seconds."""
    error: str
    """Why the last replan released nothing ("" when it did)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One reported entry of a plan's log (an event or a promoted scenario)."""

    id: str
    """Unique per plan: the client's idempotency key."""
    payload: str
    """JSON, opaque to the store."""
    revision: int | None = None
    """The revision that answers it (None while none does)."""


@dataclass(frozen=True, slots=True)
class StoredRevision:
    plan_id: str
    number: int
    """1 for the first plan, then one more per replan."""
    payload: str
    """JSON, opaque to the store (the schedule, its problem, the diff, solver statistics)."""
    answers: tuple[str, ...]
    """Ids of the entries this revision answers."""
    created_at: float


class PlanNotFound(KeyError):
    """No plan has the id `args[0]`."""

    def __str__(self) -> str:
        return f"no plan with id {self.args[0]!r}"


class EntryConflict(ValueError):
    """An entry id reused with other content (within the plan or within one report)."""

    def __init__(self, entry_id: str):
        super().__init__(f"id {entry_id!r} was already used with different content")
        self.entry_id = entry_id


class RevisionConflict(ValueError):
    """Another writer released this revision number first."""


class PlanStore(Protocol):
    """Durable plans. Every method is thread-safe and durable when it returns."""

    changes: JobChanges
    """Notified (by plan id) after every committed new entry, revision or error of a plan."""

    def create_plan(
        self, spec: str, *, owner: str = "", request_id: str = ""
    ) -> tuple[StoredPlan, bool]:
        """Persist a plan; a `request_id` the owner used with an equal spec returns that plan.

        Returns the plan and whether it was created; EntryConflict when the request id was used
        with another spec.
        """
        ...

    def get_plan(self, plan_id: str) -> StoredPlan:
        """The plan; raises PlanNotFound."""
        ...

    def plan_ids(self) -> list[str]:
        """Every plan, oldest first."""
        ...

    def add_entries(self, plan_id: str, entries: Sequence[Entry]) -> list[Entry]:
        """Append the entries whose ids are new (in order); returns those. All or nothing:
        EntryConflict when an id is known (or repeated) with another payload."""
        ...

    def find_entries(self, plan_id: str, ids: Sequence[str]) -> dict[str, str]:
        """The payloads of the entries with these ids that the plan has."""
        ...

    def unanswered(self, plan_id: str) -> list[Entry]:
        """Entries no revision answers yet, in the order they were reported."""
        ...

    def release(
        self, plan_id: str, number: int, payload: str, answers: Sequence[str]
    ) -> StoredRevision:
        """Persist revision `number` (the latest + 1) as the answer to `answers`, clear the
        plan's error and delete the revisions past the newest `keep_revisions`; RevisionConflict
        when that number exists."""
        ...

    def latest(self, plan_id: str) -> StoredRevision | None:
        """The newest revision (None before the first)."""
        ...

    def revisions(self, plan_id: str, after: int = 0) -> list[StoredRevision]:
        """Kept revisions numbered above `after`, oldest first."""
        ...

    def set_error(self, plan_id: str, error: str) -> None:
        """Record why the last replan released nothing."""
        ...

    def discard(self, plan_id: str, ids: Sequence[str]) -> None:
        """Forget these entries when no revision answers them (a withdrawn promotion)."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------------------------------
# SQLite

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE plans (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        owner      TEXT NOT NULL DEFAULT '',
        request_id TEXT,
        spec       TEXT NOT NULL,
        spec_hash  TEXT NOT NULL,
        created_at REAL NOT NULL,
        error      TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX plans_owner_request_id ON plans(owner, request_id)
        WHERE request_id IS NOT NULL;
    CREATE TABLE plan_revisions (
        plan_id    TEXT NOT NULL,
        number     INTEGER NOT NULL,
        payload    TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (plan_id, number)
    );
    CREATE TABLE plan_entries (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        plan_id     TEXT NOT NULL,
        id          TEXT NOT NULL,
        payload     TEXT NOT NULL,
        revision    INTEGER,
        received_at REAL NOT NULL,
        UNIQUE (plan_id, id)
    );
    CREATE INDEX plan_entries_open ON plan_entries(plan_id, revision, seq);
    """,
    # 2: revisions packed (`payload` is '' then); older rows keep their text.
    """
    ALTER TABLE plan_revisions ADD COLUMN packed BLOB
    """,
)
"""Schema versions in order; the `plan_schema` table holds how many a file has had applied.
Append only: a released migration is never edited."""


class SqlitePlanStore:
    """One SQLite file in WAL mode (the job store's file or its own), safe for one process's
    threads; each write is one transaction with `synchronous=FULL`."""

    def __init__(self, path: str | Path, *, keep_revisions: int = DEFAULT_KEPT_REVISIONS) -> None:
        self.path = Path(path)
        self.keep_revisions = kept_revisions(keep_revisions)
        self._now = time.time
        self._lock = threading.RLock()
        self._db = _connect(self.path)
        self._migrate()
        self.changes = JobChanges()

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS plan_schema (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM plan_schema").fetchone()
            version = 0 if row is None else int(row[0])
            if version > len(MIGRATIONS):
                raise ValueError(
                    f"{self.path} has plan store schema version {version}; this version of "
                    f"scheduler knows up to {len(MIGRATIONS)}"
                )
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute("DELETE FROM plan_schema")
            db.execute("INSERT INTO plan_schema (version) VALUES (?)", (len(MIGRATIONS),))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _plan(self, db: sqlite3.Connection, plan_id: str) -> StoredPlan:
        row = db.execute(
            "SELECT id, spec, owner, request_id, created_at, error FROM plans WHERE id = ?",
            (plan_id,),
        ).fetchone()
        if row is None:
            raise PlanNotFound(plan_id)
        return StoredPlan(row[0], row[1], row[2], row[3] or "", row[4], row[5])

    def create_plan(
        self, spec: str, *, owner: str = "", request_id: str = ""
    ) -> tuple[StoredPlan, bool]:
        if len(request_id) > MAX_ID_LENGTH:
            raise ValueError(f"request id longer than {MAX_ID_LENGTH} characters")
        digest = _digest(spec)
        with self._transaction() as db:
            if request_id:
                row = db.execute(
                    "SELECT id, spec_hash FROM plans WHERE owner = ? AND request_id = ?",
                    (owner, request_id),
                ).fetchone()
                if row is not None:
                    if row[1] != digest:
                        raise EntryConflict(request_id)
                    return self._plan(db, row[0]), False
            plan_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO plans (id, owner, request_id, spec, spec_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (plan_id, owner, request_id or None, spec, digest, self._now()),
            )
            return self._plan(db, plan_id), True

    def get_plan(self, plan_id: str) -> StoredPlan:
        with self._lock:
            return self._plan(self._db, plan_id)

    def plan_ids(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM plans ORDER BY seq")]

    def add_entries(self, plan_id: str, entries: Sequence[Entry]) -> list[Entry]:
        added: list[Entry] = []
        seen: dict[str, str] = {}
        with self._transaction() as db:
            self._plan(db, plan_id)
            for entry in entries:
                if len(entry.id) > MAX_ID_LENGTH:
                    raise ValueError(f"entry id longer than {MAX_ID_LENGTH} characters")
                row = db.execute(
                    "SELECT payload FROM plan_entries WHERE plan_id = ? AND id = ?",
                    (plan_id, entry.id),
                ).fetchone()
                known = seen.get(entry.id, row[0] if row else None)
                if known is not None:
                    if known != entry.payload:
                        raise EntryConflict(entry.id)
                    continue
                db.execute(
                    "INSERT INTO plan_entries (plan_id, id, payload, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    (plan_id, entry.id, entry.payload, self._now()),
                )
                seen[entry.id] = entry.payload
                added.append(Entry(entry.id, entry.payload))
        if added:
            self.changes.changed(plan_id)
        return added

    def find_entries(self, plan_id: str, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._lock:
            for entry_id in set(ids):
                row = self._db.execute(
                    "SELECT payload FROM plan_entries WHERE plan_id = ? AND id = ?",
                    (plan_id, entry_id),
                ).fetchone()
                if row is not None:
                    found[entry_id] = row[0]
        return found

    def unanswered(self, plan_id: str) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, payload FROM plan_entries WHERE plan_id = ? AND revision IS NULL"
                " ORDER BY seq",
                (plan_id,),
            ).fetchall()
        return [Entry(row[0], row[1]) for row in rows]

    def release(
        self, plan_id: str, number: int, payload: str, answers: Sequence[str]
    ) -> StoredRevision:
        now = self._now()
        with self._transaction() as db:
            self._plan(db, plan_id)
            try:
                db.execute(
                    "INSERT INTO plan_revisions (plan_id, number, payload, packed, created_at)"
                    " VALUES (?, ?, '', ?, ?)",
                    (plan_id, number, pack(payload), now),
                )
            except sqlite3.IntegrityError:
                raise RevisionConflict(f"plan {plan_id!r} has a revision {number}") from None
            db.execute(
                "DELETE FROM plan_revisions WHERE plan_id = ? AND number <= ?",
                (plan_id, number - self.keep_revisions),
            )
            db.executemany(
                "UPDATE plan_entries SET revision = ? WHERE plan_id = ? AND id = ?",
                [(number, plan_id, entry_id) for entry_id in answers],
            )
            db.execute("UPDATE plans SET error = '' WHERE id = ?", (plan_id,))
        self.changes.changed(plan_id)
        return StoredRevision(plan_id, number, payload, tuple(answers), now)

    def latest(self, plan_id: str) -> StoredRevision | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(number) FROM plan_revisions WHERE plan_id = ?", (plan_id,)
            ).fetchone()
        if row[0] is None:
            return None
        return self.revisions(plan_id, after=int(row[0]) - 1)[0]

    def revisions(self, plan_id: str, after: int = 0) -> list[StoredRevision]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, payload, packed, created_at FROM plan_revisions"
                " WHERE plan_id = ? AND number > ? ORDER BY number",
                (plan_id, after),
            ).fetchall()
            answered = self._db.execute(
                "SELECT revision, id FROM plan_entries WHERE plan_id = ? AND revision > ?"
                " ORDER BY seq",
                (plan_id, after),
            ).fetchall()
        answers: dict[int, list[str]] = {}
        for revision, entry_id in answered:
            answers.setdefault(revision, []).append(entry_id)
        return [
            StoredRevision(
                plan_id, number, unpack(packed, payload), tuple(answers.get(number, ())), created
            )
            for number, payload, packed, created in rows
        ]

    def set_error(self, plan_id: str, error: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE plans SET error = ? WHERE id = ?", (error, plan_id))
        self.changes.changed(plan_id)

    def discard(self, plan_id: str, ids: Sequence[str]) -> None:
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM plan_entries WHERE plan_id = ? AND id = ? AND revision IS NULL",
                [(plan_id, entry_id) for entry_id in ids],
            )
        self.changes.changed(plan_id)

    def close(self) -> None:
        self.changes.close()
        with self._lock:
            self._db.close()


@runtime_checkable
class PlanLeases(Protocol):
    """Who replans which plan, for stores shared by replicas (PostgreSQL; SQLite has one server).

    A replan runs under a lease like a job: `claim_replan` takes it (free, expired, or already
    this replica's), the runner's heartbeat renews it, `finish_replan` gives it back. A write
    that leaves a plan work to do (its creation, new entries) takes a free lease for the writer
    too, so pending work always has a holder and is taken over when that holder dies.
    """

    replica: str
    lease: float
    """Seconds a claim lasts unless renewed."""

    def claim_replan(self, plan_id: str) -> bool:
        """Hold the plan's replan; False when another replica holds a live lease."""
        ...

    def renew_replans(self, plan_ids: Sequence[str]) -> set[str]:
        """Renew these leases; returns the plans this replica still holds."""
        ...

    def finish_replan(self, plan_id: str) -> bool:
        """End a replan. True when entries arrived after its claim: the lease stays held and the
        plan needs another replan; else the lease is given back."""
        ...

    def claimable_replans(self, *, own: bool = False) -> list[str]:
        """Plans whose lease expired (their replica stopped), and with `own` those this replica
        id holds (what an earlier process of the same replica left)."""
        ...

    def hand_over(self) -> None:
        """Let every lease of this replica expire now (a graceful stop: others take over)."""
        ...

    def replan_held(self, plan_id: str) -> bool:
        """Whether a replica holds a live lease on the plan's replan (it replans the plan, or is
        about to)."""
        ...


def open_plan_store(
    location: str | Path,
    *,
    replica: str = "",
    lease: float = DEFAULT_LEASE,
    keep_revisions: int = DEFAULT_KEPT_REVISIONS,
) -> PlanStore:
    """The plan store beside the job store at `location`: a `postgresql://` URL (shared by
    replicas, which then replan under leases, see `PlanLeases`) or a SQLite file."""
    if is_url(location):
        from scheduler.planstore_pg import PostgresPlanStore

        return PostgresPlanStore(
            str(location), replica=replica, lease=lease, keep_revisions=keep_revisions
        )
    return SqlitePlanStore(location, keep_revisions=keep_revisions)


def kept_revisions(count: int) -> int:
    """`count`, checked: a plan keeps at least its current revision."""
    if count < 1:
        raise ValueError("keep_revisions must be at least 1 (the current revision)")
    return count


def pack(payload: str) -> bytes:
    """A revision's payload as stored: zlib at its default level (17 times smaller on the
    2,000-operation plant)."""
    return zlib.compress(payload.encode())


def unpack(packed: bytes | None, payload: str) -> str:
    """The payload of a stored revision: packed, or text (rows written before packing)."""
    return payload if packed is None else zlib.decompress(packed).decode()


def _connect(path: Path) -> sqlite3.Connection:
    """Autocommit mode (transactions are explicit), usable from the runner's threads, durable
    at each COMMIT, and patient with a job store writing to the same file."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30.0)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        db.execute(f"PRAGMA {pragma}")
    return db


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = [
    "DEFAULT_KEPT_REVISIONS",
    "MIGRATIONS",
    "Entry",
    "EntryConflict",
    "PlanLeases",
    "PlanNotFound",
    "PlanStore",
    "RevisionConflict",
    "SqlitePlanStore",
    "StoredPlan",
    "StoredRevision",
    "open_plan_store",
]
