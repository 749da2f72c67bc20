"""PostgreSQL plumbing shared by the stores that live in one database (jobs, and later plans).

- `connect_pool(url)`: a psycopg 3 connection pool in autocommit mode (each store write opens its
  own `conn.transaction()`).
- `migrate(pool, component, migrations)`: versioned schema migrations, applied once even when
  several replicas start together: under a transaction-level advisory lock, each component's
  version is kept in the table `scheduler_schema`, one row per component, and a database newer
  than this code is refused.
- `Listener`: LISTEN on a channel in a thread of its own; reconnects, and says so, when the
  connection drops (notices sent meanwhile are lost, so a listener must re-read what it shows).
- `ThrowawayCluster`: a private PostgreSQL server in a temporary directory on a loopback port, from
  the server binaries of Debian's `postgresql` package (tests and benchmarks).

psycopg is the optional extra `postgresql`; importing this module does not need it.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from scheduler.store import JobChanges

log = logging.getLogger("scheduler.pg")

MIGRATION_LOCK = 0x5343_4845_4455_4C45
"""The advisory lock key every component migrates under ("SCHEDULE" in ASCII)."""
RECONNECT_SECONDS = 1.0
LISTEN_POLL = 0.5
"""Seconds a listener waits for notices before it looks at its close flag again: closing a store
takes up to this long (the tests, which close hundreds of stores, set it lower)."""


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise ValueError(
            "store: a postgresql:// store needs the 'postgresql' extra "
            "(pip install 'scheduler[postgresql]')"
        ) from error
    return psycopg, psycopg_pool


def connect_pool(url: str, *, max_size: int = 8, name: str = "scheduler") -> ConnectionPool:
    """An open pool of autocommit connections to `url`; raises ValueError when it cannot connect."""
    psycopg, psycopg_pool = _psycopg()
    try:  # one direct attempt first: a wrong URL fails at once, with the server's reason
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0]
        raise ValueError(
            f"store: cannot connect to PostgreSQL at {redact(url)}: {reason}"
        ) from None
    pool = psycopg_pool.ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "application_name": name},
        name=name,
        open=False,
    )
    try:
        pool.open(wait=True, timeout=15.0)
    except psycopg_pool.PoolTimeout as error:
        pool.close()
        raise ValueError(f"store: cannot connect to PostgreSQL at {redact(url)}") from error
    return pool


def migrate(pool: ConnectionPool, component: str, migrations: Sequence[str]) -> int:
    """Apply the migrations of `component` the database has not had, in one transaction under an
    advisory lock (replicas starting together apply each exactly once); returns the version.

    `migrations` is append-only: its length is the version of the schema this code knows.
    """
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS scheduler_schema"
            " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        row = conn.execute(
            "SELECT version FROM scheduler_schema WHERE component = %s", (component,)
        ).fetchone()
        version = 0 if row is None else int(row[0])
        if version > len(migrations):
            raise ValueError(
                f"store: the database has {component} schema version {version}; this version "
                f"of scheduler knows up to {len(migrations)}"
            )
        for script in migrations[version:]:
            conn.execute(script)
        conn.execute(
            "INSERT INTO scheduler_schema (component, version) VALUES (%s, %s)"
            " ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
            (component, len(migrations)),
        )
    return len(migrations)


def open_component(
    url: str,
    component: str,
    migrations: Sequence[str],
    changes: JobChanges,
    *,
    name: str,
    max_size: int = 8,
) -> tuple[ConnectionPool, Listener]:
    """What a store of `component` needs: a pool, its migrated schema, and a `Listener` on the
    channel `scheduler_<component>` that tells `changes`; nothing stays open when a step fails."""
    pool = connect_pool(url, max_size=max_size, name=name)
    try:
        migrate(pool, component, migrations)
        channel = f"scheduler_{component}"
        return pool, Listener(url, channel, changes.changed, changes.changed_all)
    except BaseException:
        pool.close()
        raise


class Listener:
    """Calls `on_notice(payload)` for each NOTIFY on `channel`, from a daemon thread; after a lost
    connection it reconnects and calls `on_gap()` (notices may have been missed)."""

    def __init__(
        self,
        url: str,
        channel: str,
        on_notice: Callable[[str], None],
        on_gap: Callable[[], None],
    ) -> None:
        self._url, self._channel = url, channel
        self._on_notice, self._on_gap = on_notice, on_gap
        self._closed = threading.Event()
        self._conn: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self._thread.start()
        # Listening before the store is used, so its first writes are not missed.
        self._ready.wait(15.0)

    def _run(self) -> None:
        psycopg, _ = _psycopg()
        first = True
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {self._channel}")
                    self._ready.set()
                    if not first:
                        self._on_gap()
                    first = False
                    while not self._closed.is_set():
                        for notice in conn.notifies(timeout=LISTEN_POLL):
                            self._on_notice(notice.payload)
            except Exception as error:
                if self._closed.is_set():
                    return
                log.warning(
                    "lost the %s listener connection (%s); reconnecting", self._channel, error
                )
                self._ready.set()
                self._closed.wait(RECONNECT_SECONDS)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5.0)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


def find_server_binaries() -> Path | None:
    """The newest `bin/` of Debian's PostgreSQL server packages that has initdb and pg_ctl."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        path = Path(candidate)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayCluster:
    """A private PostgreSQL server: a fresh cluster in a temporary directory, listening on a free
    loopback port only, trust authentication: for tests and benchmarks. Not `durable` (the
    tests' default), it skips fsync: fast, and lost with the machine.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (the
    package creates it) and its commands run through `runuser`.
    """

    def __init__(self, binaries: Path, *, durable: bool = False) -> None:
        self.binaries = binaries
        self.durable = durable
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="scheduler-pg-"))
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_user, str(self.binaries / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> ThrowawayCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={self.directory} -c max_connections=200"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log_file = self.directory / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log_file), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def create_schema(self, name: str) -> str:
        """A fresh schema and a URL whose connections use it (test isolation in one database)."""
        psycopg, _ = _psycopg()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}?options=-csearch_path%3D{name}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        psycopg, _ = _psycopg()
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


__all__ = [
    "Listener",
    "ThrowawayCluster",
    "connect_pool",
    "find_server_binaries",
    "migrate",
    "open_component",
    "redact",
]
