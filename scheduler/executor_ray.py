"""Independent solves on a Ray cluster (the optional `ray` extra): the `Executor` of many machines.

Each task is one Ray task that declares `num_cpus` equal to its CP-SAT workers (Ray reserves the
cores but does not cap threads, so `solve_task` sets `num_workers` explicitly) and runs on a
worker process that Ray recycles after it (`max_calls=1`): memory a solve leaves behind never
reaches the next. The problem travels as the project's JSON (a CP-SAT model cannot be pickled)
and the model is built where it is solved; the schedule file comes back and the caller verifies
it where it gathers it (`scheduler.planning.whatif`).

One small actor per run, the relay, carries what a task cannot return: the caller's stop (each
task polls it every `POLL` seconds and sets its own stop token, so the solve returns its best
schedule) and the progress events (each task sends them, the caller collects them). A task that
has not answered `STOP_GRACE` seconds after a stop is cancelled by force.

Every node needs this package installed (the image of `deploy/`); the caller needs none of the
cluster's address beyond `ray://host:port` or $RAY_ADDRESS.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import ray

from scheduler.executor import NO_ANSWER, Batch, OnEvent, Outcome, Task, record, solve_task
from scheduler.stop import StopToken

POLL = 0.2
"""Seconds between a task's looks at the relay's stop flag (a stop reaches it within this)."""
STOP_GRACE = 3.0
"""Seconds a stopped task may take to hand back its best schedule before it is cancelled by force
(longer than the local pool's: the stop and the answer each cross the cluster)."""
WAIT = 0.1
"""Seconds the caller waits for a finished task before it collects progress again."""


@ray.remote(num_cpus=0)
class Relay:
    """The caller's stop flag and the tasks' progress messages (one per run, no cores)."""

    def __init__(self) -> None:
        self._stopped = False
        self._messages: list[tuple[Any, ...]] = []

    def stop(self) -> None:
        self._stopped = True

    def stopped(self) -> bool:
        return self._stopped

    def send(self, message: tuple[Any, ...]) -> None:
        self._messages.append(message)

    def take(self) -> list[tuple[Any, ...]]:
        messages, self._messages = self._messages, []
        return messages


def _solve(task: Task, relay: Any) -> tuple[Any, ...]:
    """The body of one Ray task: the solve, its stop polled from the relay."""
    token = StopToken()

    def poll() -> None:
        while not token.wait(POLL):
            if ray.get(relay.stopped.remote()):
                token.stop()

    threading.Thread(target=poll, daemon=True).start()
    message = solve_task(task, token, relay.send.remote)
    token.stop()
    # Calls from one caller to an actor run in order: once this answers, every progress message
    # sent above is in the relay before the caller sees the task finished.
    ray.get(relay.stopped.remote())
    return message


_solve_remote = ray.remote(max_calls=1)(_solve)


class RayExecutor:
    """Tasks on Ray: at `address` (None: $RAY_ADDRESS, else a runtime started here with `cores`
    CPUs; `ray://host:port`: Ray Client; `auto`: a running cluster, else ConnectionError), or on
    the runtime this process already initialised (left running on `close`)."""

    name = "ray"

    def __init__(self, address: str | None, *, cores: int | None = None) -> None:
        self.address = address
        self._cores = cores
        self._started = False

    def _connect(self) -> None:
        if ray.is_initialized():
            return
        local = self.address is None and not os.environ.get("RAY_ADDRESS")
        options: dict[str, Any] = {"include_dashboard": False} if local else {}
        if local and self._cores is not None:
            options["num_cpus"] = self._cores
        ray.init(address=self.address, logging_level=logging.WARNING, **options)
        self._started = True

    def cores(self) -> int:
        self._connect()
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def run(
        self,
        tasks: Sequence[Task],
        width: int,
        *,
        stop: StopToken | None = None,
        on_progress: OnEvent | None = None,
        on_start: Callable[[Task], None] | None = None,
    ) -> dict[str, Outcome]:
        self._connect()
        relay = Relay.remote()  # type: ignore[attr-defined]
        batch = Batch(tasks, width, stop)
        outcomes = batch.outcomes
        running: dict[Any, str] = {}
        try:
            while batch.pending or running:
                if batch.stopping():
                    relay.stop.remote()
                while (task := batch.next(len(running))) is not None:
                    options = {"num_cpus": task.workers, "name": f"solve-{task.key}"}
                    running[_solve_remote.options(**options).remote(task, relay)] = task.key
                    if on_start is not None:
                        on_start(task)
                done, _ = ray.wait(list(running), num_returns=len(running), timeout=WAIT)
                for message in ray.get(relay.take.remote()):
                    record(message, outcomes, on_progress)
                for ref in done:
                    key = running.pop(ref)
                    try:
                        record(ray.get(ref), outcomes, on_progress)
                    except ray.exceptions.RayError as error:
                        failed = f"Ray task failed: {type(error).__name__}: {error}"
                        outcomes[key].error = outcomes[key].error or failed
                if batch.overdue(STOP_GRACE):
                    for ref, key in running.items():
                        ray.cancel(ref, force=True)
                        outcomes[key].error = outcomes[key].error or NO_ANSWER
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
            ray.kill(relay)
        return outcomes

    def close(self) -> None:
        if self._started:
            ray.shutdown()
            self._started = False
