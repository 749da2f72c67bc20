"""Assembles the service: `create_server(config) -> (server, port)`, then `start()` / `stop()`.

The server carries the scheduler service, standard health checking and reflection, optional
token authentication, TLS or mTLS, the job runner over a durable store, and optional metrics.
Stopping is graceful: health turns NOT_SERVING first (load balancers drain), new solves are
refused, running jobs are stopped and re-queued with their best schedule, in-flight calls get a
grace period, and the store is closed last.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from scheduler.planning.live import PlanRunner
from scheduler.planstore import (
    DEFAULT_KEPT_REVISIONS,
    PlanLeases,
    PlanStore,
    SqlitePlanStore,
    open_plan_store,
)
from scheduler.service.auth import (
    TlsConfig,
    TokenAuthenticator,
    TokenAuthInterceptor,
    check_bind,
    check_metrics_bind,
)
from scheduler.service.jobs import JobRunner, SolveFn
from scheduler.service.limits import ServiceLimits, SolveSlots, applied_violations
from scheduler.service.metrics import Metrics, serve_metrics
from scheduler.service.plans import slotted
from scheduler.service.servicer import SERVICE_NAME, SchedulerServicer
from scheduler.store import (
    DEFAULT_LEASE,
    DEFAULT_PATH,
    DEFAULT_RETENTION,
    JobState,
    JobStore,
    SqliteJobStore,
    open_store,
)

log = logging.getLogger("scheduler.service")


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    """Address to listen on; loopback by default. Others need TLS or tokens, or insecure_bind."""
    port: int = 50051
    """0 picks a free port (tests)."""
    store_path: Path | str = DEFAULT_PATH
    """A SQLite file, or a `postgresql://` URL of a database shared by replicas."""
    replica_id: str = ""
    """This server's replica id, the owner of its job leases; "" for the default ("local" on
    SQLite, a unique id on PostgreSQL). A stable id lets a restarted replica take back its own
    jobs at once instead of after their lease."""
    lease: float = DEFAULT_LEASE
    """Seconds a job claimed by a replica that stopped renewing it waits before another takes it
    (on PostgreSQL, also the replan of a live plan)."""
    tls: TlsConfig | None = None
    tokens: Mapping[str, str] | None = None
    """Bearer token → principal name; None or empty: no token check."""
    admins: frozenset[str] = frozenset()
    """Principals (`token:<name>`, `x509:<identity>`) that see and cancel every caller's jobs."""
    job_retention: float = DEFAULT_RETENTION
    """Seconds a finished job is kept in the store this server opens (default 7 days)."""
    plan_revisions: int = DEFAULT_KEPT_REVISIONS
    """Revisions kept per live plan, the newest (each holds its whole problem)."""
    insecure_bind: bool = False
    limits: ServiceLimits = field(default_factory=ServiceLimits)
    rpc_threads: int = 16
    """Handler threads for short calls (health, reflection, job RPCs). The pool also gets one
    thread per watch stream and per solve slot, since those hold their thread while they run, so
    open streams never take the room of a health check."""
    grace: float = 10.0
    """Seconds in-flight calls get to finish when the server stops."""
    keepalive_time: float = 60.0
    """Seconds between server pings on an idle connection (detects dead clients)."""
    keepalive_timeout: float = 20.0
    min_client_ping_interval: float = 10.0
    """Clients pinging more often than this are disconnected (protects against ping floods)."""
    metrics_port: int | None = None
    """Port of the Prometheus text endpoint (`GET /metrics`); None: no endpoint."""
    metrics_host: str = "127.0.0.1"
    """Address of the metrics endpoint; other than loopback only with metrics_insecure_bind."""
    metrics_insecure_bind: bool = False


class SchedulerServer:
    """A configured gRPC server and what runs beside it. Start with `start()`, end with `stop()`."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        store: JobStore | None = None,
        solve_fn: SolveFn | None = None,
        plan_store: PlanStore | None = None,
    ) -> None:
        if solve_fn is None:
            from scheduler.solve import solve  # imports the solver only when serving

            solve_fn = solve
        self.config = config
        limits = config.limits
        tokens = TokenAuthenticator(config.tokens) if config.tokens else None
        check_bind(
            config.host,
            tls=config.tls is not None,
            tokens=tokens is not None,
            insecure_bind=config.insecure_bind,
        )
        if config.metrics_port is not None:
            check_metrics_bind(config.metrics_host, allow_public=config.metrics_insecure_bind)
        self.store: JobStore = (
            store
            if store is not None
            else open_store(
                config.store_path,
                retention=config.job_retention,
                replica=config.replica_id,
                lease=config.lease,
            )
        )
        self._owns_store = store is None
        self.metrics = Metrics()
        self.slots = SolveSlots(limits.max_concurrent_solves, limits.interactive_slots)
        self.runner = JobRunner(self.store, self.slots, limits, solve_fn, metrics=self.metrics)
        # Live plans: their own tables beside the jobs (the same SQLite file or database) unless
        # a store is given; on a shared database, replanned under leases of the same replica id.
        self._owns_plan_store = plan_store is None
        try:
            if plan_store is None and isinstance(self.store, SqliteJobStore):
                # the file of the store in use
                plan_store = SqlitePlanStore(self.store.path, keep_revisions=config.plan_revisions)
            self.plan_store = plan_store or open_plan_store(
                config.store_path,
                replica=self.store.replica,
                lease=config.lease,
                keep_revisions=config.plan_revisions,
            )
        except BaseException:
            if self._owns_store:
                self.store.close()
            raise
        self.plan_runner = PlanRunner(
            self.plan_store,
            slotted(solve_fn, self.slots),
            workers=limits.max_concurrent_solves,
            leases=self.plan_store if isinstance(self.plan_store, PlanLeases) else None,
            # A plan grows with its events (added orders, quantities): capped as requests are.
            admit=lambda problem: applied_violations(problem, limits, "events"),
        )
        self.servicer = SchedulerServicer(
            store=self.store,
            runner=self.runner,
            limits=limits,
            slots=self.slots,
            solve_fn=solve_fn,
            metrics=self.metrics,
            tokens=tokens,
            admins=config.admins,
            plan_runner=self.plan_runner,
        )
        self.health = health.HealthServicer(experimental_non_blocking=True)
        self._register_gauges()

        ms = 1000
        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", limits.max_message_bytes),
            ("grpc.max_send_message_length", limits.max_message_bytes),
            ("grpc.keepalive_time_ms", int(config.keepalive_time * ms)),
            ("grpc.keepalive_timeout_ms", int(config.keepalive_timeout * ms)),
            ("grpc.keepalive_permit_without_calls", 1),
            (
                "grpc.http2.min_ping_interval_without_data_ms",
                int(config.min_client_ping_interval * ms),
            ),
            ("grpc.http2.max_ping_strikes", 2),
            ("grpc.so_reuseport", 0),
        ]
        interceptors = [TokenAuthInterceptor(tokens)] if tokens is not None else []
        threads = config.rpc_threads + limits.max_watchers + limits.total_solves
        self._executor = futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="grpc-handler"
        )
        self.server = grpc.server(
            self._executor,
            handlers=[self.servicer.handler()],
            interceptors=interceptors,
            options=options,
            # Past the pool, short calls wait briefly for a thread rather than being refused.
            maximum_concurrent_rpcs=2 * threads,
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        host = f"[{config.host}]" if ":" in config.host else config.host
        address = f"{host}:{config.port}"
        if config.tls is not None:
            self.port = self.server.add_secure_port(address, config.tls.server_credentials())
        else:
            self.port = self.server.add_insecure_port(address)
        if self.port == 0:
            raise OSError(f"could not listen on {address}")
        self._metrics_http: ThreadingHTTPServer | None = None
        self._stopped = threading.Event()

    def _register_gauges(self) -> None:
        self.metrics.gauge(
            "scheduler_solve_slots_in_use",
            "Solve slots in use (synchronous solves and running jobs).",
            lambda: {"": float(self.slots.in_use)},
        )
        self.metrics.gauge(
            "scheduler_solve_slots",
            "Solve slots (the concurrency cap), by lane.",
            lambda: {
                'lane="shared"': float(self.slots.capacity),
                'lane="interactive"': float(self.slots.interactive),
            },
        )
        self.metrics.gauge(
            "scheduler_watch_streams",
            "Open WatchScheduleJob streams.",
            lambda: {"": float(self.servicer.watchers)},
        )
        self.metrics.gauge(
            "scheduler_jobs",
            "Jobs in the store, by state.",
            lambda: {f'state="{s.value}"': float(self.store.count(s)) for s in JobState},
        )

    @property
    def metrics_port(self) -> int | None:
        return None if self._metrics_http is None else int(self._metrics_http.server_port)

    def start(self) -> None:
        self.server.start()
        self.runner.start()
        if self.plan_runner is not None:
            self.plan_runner.start()
        if self.config.metrics_port is not None:
            self._metrics_http = serve_metrics(
                self.metrics, self.config.metrics_host, self.config.metrics_port
            )
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("listening on %s:%d", self.config.host, self.port)

    def stop(self, grace: float | None = None) -> None:
        """Graceful stop; safe to call more than once and from a signal-handling thread."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        grace = self.config.grace if grace is None else grace
        log.info("shutting down (grace %.1f s)", grace)
        self.health.enter_graceful_shutdown()
        self.servicer.close()
        self.runner.shutdown(timeout=max(grace, 5.0))
        if self.plan_runner is not None:
            self.plan_runner.shutdown()  # unanswered events stay stored; the next start replans them
        self.server.stop(grace).wait()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._metrics_http is not None:
            self._metrics_http.shutdown()
            self._metrics_http.server_close()
        if self._owns_store:
            self.store.close()
        if self._owns_plan_store and self.plan_store is not None:
            self.plan_store.close()
        log.info("stopped")

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return bool(self.server.wait_for_termination(timeout))


def create_server(
    config: ServerConfig | None = None,
    *,
    store: JobStore | None = None,
    solve_fn: SolveFn | None = None,
) -> tuple[SchedulerServer, int]:
    """A server bound to its port, not yet started; `solve_fn` defaults to `scheduler.solve.solve`."""
    server = SchedulerServer(config or ServerConfig(), store=store, solve_fn=solve_fn)
    return server, server.port


__all__ = ["SchedulerServer", "ServerConfig", "create_server"]
