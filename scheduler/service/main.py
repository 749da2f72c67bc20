"""`scheduler serve`: its options and the serving loop (wired in by `scheduler.cli`).

    add_serve_arguments(subparser); subparser.set_defaults(run=run_serve)

`run_serve(args)` returns an exit code: 0 after a graceful stop (SIGTERM or SIGINT), 2 for an
unsafe or impossible configuration, 1 when the port cannot be bound.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from scheduler.params import available_cores
from scheduler.planstore import DEFAULT_KEPT_REVISIONS
from scheduler.service.auth import InsecureBind, TlsConfig, load_tokens
from scheduler.service.limits import ServiceLimits
from scheduler.store import DEFAULT_LEASE, DEFAULT_PATH, DEFAULT_RETENTION, is_url

EXIT_OK, EXIT_BIND, EXIT_CONFIG = 0, 1, 2
_EXTRA_FIELDS = ("request_id", "method", "caller", "code", "duration_ms")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `scheduler serve`."""
    net = parser.add_argument_group("network")
    net.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    net.add_argument("--port", type=int, default=50051, help="port (default 50051; 0: any free)")
    net.add_argument(
        "--insecure-bind",
        action="store_true",
        help="allow a non-loopback address without TLS or tokens (trusted networks only)",
    )
    sec = parser.add_argument_group("security")
    sec.add_argument("--tls-cert", type=Path, help="PEM certificate chain of the server")
    sec.add_argument("--tls-key", type=Path, help="PEM private key of the server")
    sec.add_argument(
        "--tls-client-ca", type=Path, help="PEM CA of client certificates: turns on mTLS"
    )
    sec.add_argument(
        "--token-file",
        type=Path,
        help="bearer tokens, one per line ('<token>' or '<name> <token>'); "
        "also read from $SCHEDULER_TOKENS (comma-separated). An empty or unreadable file "
        "refuses to start",
    )
    sec.add_argument(
        "--admin",
        action="append",
        default=[],
        metavar="PRINCIPAL",
        help="a principal that sees and cancels every caller's jobs: 'token:<name>' or "
        "'x509:<certificate identity>' (repeatable)",
    )
    lim = parser.add_argument_group("limits")
    lim.add_argument(
        "--store",
        default=str(DEFAULT_PATH),
        help="job store: a SQLite file (default), or a postgresql://... URL shared by replicas",
    )
    lim.add_argument(
        "--replica-id",
        default="",
        help="this replica's id, unique among live replicas; a stable one (e.g. the pod name) "
        "takes its own jobs back at once after a restart (default: 'local' on SQLite, "
        "a unique id on PostgreSQL)",
    )
    lim.add_argument(
        "--lease",
        type=float,
        default=DEFAULT_LEASE,
        help="seconds before the job, or the plan replan, of a replica that stopped is taken "
        "over (default 30)",
    )
    lim.add_argument(
        "--job-retention-days",
        type=float,
        default=DEFAULT_RETENTION / 86400,
        help="days a finished job is kept, then deleted with its request id (default 7)",
    )
    lim.add_argument(
        "--plan-revisions",
        type=_at_least_one,
        default=DEFAULT_KEPT_REVISIONS,
        help=f"revisions kept per live plan, the newest (default {DEFAULT_KEPT_REVISIONS})",
    )
    lim.add_argument(
        "--max-concurrent",
        type=int,
        help="solves at once that background jobs may take, synchronous calls may too "
        "(default: half the cores)",
    )
    lim.add_argument(
        "--max-watchers",
        type=int,
        default=64,
        help="WatchScheduleJob streams open at once (default 64)",
    )
    lim.add_argument(
        "--interactive-slots",
        type=int,
        default=1,
        help="solves at once beyond --max-concurrent, for Solve/SolveStream only (default 1)",
    )
    lim.add_argument(
        "--workers",
        type=int,
        default=available_cores(),
        help="solver threads of all solves (default: cores)",
    )
    lim.add_argument("--max-time-limit", type=float, default=300.0, help="seconds (default 300)")
    lim.add_argument("--default-time-limit", type=float, default=10.0, help="seconds (default 10)")
    lim.add_argument(
        "--grace", type=float, default=10.0, help="shutdown grace, seconds (default 10)"
    )
    obs = parser.add_argument_group("observability")
    obs.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on this port")
    obs.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address of the metrics endpoint (default 127.0.0.1)",
    )
    obs.add_argument(
        "--metrics-insecure-bind",
        action="store_true",
        help="allow a non-loopback --metrics-host (the endpoint has no TLS or authentication)",
    )
    obs.add_argument("--log-format", choices=("json", "text"), default="json")
    obs.add_argument("--log-level", default="INFO")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the call's request id and outcome when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _at_least_one(text: str) -> int:
    """An integer of 1 or more, for argparse (which names the flag in its error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def configure_logging(fmt: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT, then stop gracefully."""
    from scheduler.service.server import ServerConfig, create_server

    configure_logging(args.log_format, args.log_level)
    log = logging.getLogger("scheduler.service")
    try:
        if (args.tls_cert is None) != (args.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        if args.tls_client_ca is not None and args.tls_cert is None:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        tls = (
            TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca)
            if args.tls_cert is not None
            else None
        )
        tokens = load_tokens(args.token_file)
        max_concurrent = args.max_concurrent or max(1, args.workers // 2)
        limits = ServiceLimits(
            max_concurrent_solves=max_concurrent,
            interactive_slots=args.interactive_slots,
            max_watchers=args.max_watchers,
            total_workers=args.workers,
            max_time_limit=args.max_time_limit,
            default_time_limit=min(args.default_time_limit, args.max_time_limit),
        )
        config = ServerConfig(
            host=args.host,
            port=args.port,
            store_path=args.store if is_url(args.store) else Path(args.store),
            replica_id=args.replica_id,
            lease=args.lease,
            tls=tls,
            tokens=tokens or None,
            admins=frozenset(args.admin),
            job_retention=args.job_retention_days * 86400,
            plan_revisions=args.plan_revisions,
            insecure_bind=args.insecure_bind,
            limits=limits,
            grace=args.grace,
            metrics_port=args.metrics_port,
            metrics_host=args.metrics_host,
            metrics_insecure_bind=args.metrics_insecure_bind,
        )
        server, port = create_server(config)
    except (InsecureBind, ValueError) as error:
        log.error("%s", error)
        return EXIT_CONFIG
    except OSError as error:
        log.error("%s", error)
        return EXIT_BIND

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        log.info(
            "serving scheduler.v1 on %s:%d (%s%s, %d + %d interactive solve slot(s), "
            "%d worker(s) each)",
            args.host,
            port,
            "mTLS" if tls and tls.client_ca else "TLS" if tls else "plaintext",
            ", tokens" if tokens else "",
            limits.max_concurrent_solves,
            limits.interactive_slots,
            limits.workers_per_solve,
        )
        while not stop.wait(1.0):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def add_remote_solve_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `scheduler solve` for solving through a server (see `solve_remote`)."""
    parser.add_argument("--server", metavar="HOST:PORT", help="solve on this scheduler server")
    parser.add_argument("--server-token-file", type=Path, help="file with the bearer token")
    parser.add_argument("--server-ca", type=Path, help="PEM CA of the server: turns TLS on")
