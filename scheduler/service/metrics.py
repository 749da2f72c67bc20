"""Prometheus text-format metrics on a small stdlib HTTP endpoint (no extra dependency).

Counters and histograms are kept in-process under one lock; gauges are read at scrape time from
callables (solve slots in use, jobs per state), so they can never drift from the truth.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], int] = defaultdict(int)
        self._latency: dict[str, list[int]] = {}
        self._latency_sum: dict[str, float] = defaultdict(float)
        self._solves: dict[str, int] = defaultdict(int)
        self._gauges: dict[str, tuple[str, Callable[[], dict[str, float]]]] = {}

    def observe_call(self, method: str, code: str, seconds: float) -> None:
        with self._lock:
            self._calls[(method, code)] += 1
            counts = self._latency.setdefault(method, [0] * (len(_BUCKETS) + 1))
            for i, bound in enumerate(_BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self._latency_sum[method] += seconds

    def observe_solve(self, status: str) -> None:
        with self._lock:
            self._solves[status] += 1

    def gauge(self, name: str, help_text: str, read: Callable[[], dict[str, float]]) -> None:
        """Register a gauge read at scrape time; keys of `read()` are label strings or ''."""
        self._gauges[name] = (help_text, read)

    def render(self) -> str:
        lines = [
            "# HELP scheduler_rpc_total RPCs handled, by method and status code.",
            "# TYPE scheduler_rpc_total counter",
        ]
        with self._lock:
            for (method, code), n in sorted(self._calls.items()):
                lines.append(f'scheduler_rpc_total{{method="{method}",code="{code}"}} {n}')
            lines += [
                "# HELP scheduler_rpc_seconds RPC latency, by method.",
                "# TYPE scheduler_rpc_seconds histogram",
            ]
            for method, counts in sorted(self._latency.items()):
                for bound, n in zip((*_BUCKETS, "+Inf"), counts, strict=True):
                    lines.append(
                        f'scheduler_rpc_seconds_bucket{{method="{method}",le="{bound}"}} {n}'
                    )
                lines.append(
                    f'scheduler_rpc_seconds_sum{{method="{method}"}} {self._latency_sum[method]:.6f}'
                )
                lines.append(f'scheduler_rpc_seconds_count{{method="{method}"}} {counts[-1]}')
            lines += [
                "# HELP scheduler_solves_total Finished solves, by status.",
                "# TYPE scheduler_solves_total counter",
            ]
            for status, n in sorted(self._solves.items()):
                lines.append(f'scheduler_solves_total{{status="{status}"}} {n}')
        for name, (help_text, read) in sorted(self._gauges.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            for labels, value in sorted(read().items()):
                lines.append(f"{name}{{{labels}}} {value}" if labels else f"{name} {value}")
        return "\n".join(lines) + "\n"


def serve_metrics(metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    """Serve `GET /metrics` on a daemon thread; returns the server (`.server_port`, `.shutdown()`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = metrics.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would drown the service log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server


__all__ = ["Metrics", "serve_metrics"]
