#!/usr/bin/env python3
"""Readiness of one `scheduler serve` replica: its gRPC health is SERVING and its database answers.

    scheduler-ready [--address localhost:50051] [--store URL] [--timeout 2]

Exit 0 when ready; 1 with one line on stderr saying what is not. The health check asks for the
scheduler service itself (`scheduler.v1.SchedulerService`), which the server turns NOT_SERVING
first when it stops (load balancers drain it). The database check runs when the store is a
PostgreSQL URL (`--store`, default $SCHEDULER_STORE): a connection and `SELECT 1` within the
timeout; a SQLite store is a local file and needs none. The compose file's healthcheck and the
Kubernetes readiness probe run this (installed as `scheduler-ready` by deploy/Dockerfile).
"""

from __future__ import annotations

import argparse
import os
import sys

SERVICE = "scheduler.v1.SchedulerService"


def health_problem(address: str, timeout: float) -> str | None:
    """Why the scheduler service at `address` is not SERVING, or None when it is."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    request = health_pb2.HealthCheckRequest(service=SERVICE)
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(request, timeout=timeout)
        except grpc.RpcError as error:
            return f"health check of {address}: {error.code().name}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return f"health check of {address}: {SERVICE} is {status}"
    return None


def database_problem(store: str, timeout: float) -> str | None:
    """Why the PostgreSQL store at `store` does not answer, or None (also for a SQLite store)."""
    if not store.startswith(("postgresql://", "postgres://")):
        return None
    import psycopg

    try:
        with psycopg.connect(store, connect_timeout=max(1, round(timeout))) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        # psycopg's messages name the host and the reason, never the password.
        return f"database: {type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="localhost:50051", help="the replica's gRPC address")
    parser.add_argument(
        "--store", default=os.environ.get("SCHEDULER_STORE", ""), help="its --store value"
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per check")
    args = parser.parse_args(argv)
    problem = health_problem(args.address, args.timeout) or database_problem(
        args.store, args.timeout
    )
    if problem is not None:
        print(f"not ready: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
