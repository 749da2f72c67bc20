"""A local pool of solver processes: spawned (never forked), one solve per process, stoppable.

Each task is a problem in the project's JSON, a solver-thread count and a wall-clock end; each runs
in a fresh process (spawn context: no copy of the parent's threads, locks or gRPC state), which
exits after its one solve, so memory a solve leaves behind never reaches the next. The caller keeps
the thread budget: `width` concurrent processes of `workers` threads each.

A stop (the caller's `StopToken`) asks every running solve to stop and return its best schedule;
a process that has not answered within `STOP_GRACE` seconds is terminated.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from scheduler.stop import StopToken

STOP_GRACE = 0.5
"""Seconds a stopped solve may take to hand back its best schedule before it is terminated."""
CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Task:
    key: str
    problem_json: str
    workers: int
    """CP-SAT threads of this solve."""
    seconds: float
    """Wall-clock seconds from its start the solve may take (the share of the budget)."""
    end: float
    """`time.time()` by which the solve must be over, whenever its process got to start."""


@dataclass(frozen=True)
class Progress:
    key: str
    elapsed: float
    objective: int
    bound: int
    gap: float


@dataclass
class Outcome:
    key: str
    pid: int | None = None
    result: dict[str, Any] | None = None
    """The schedule file (`scheduler.formats.solution.result_to_json`); None when it failed."""
    error: str | None = None
    events: list[Progress] = field(default_factory=list)


OnEvent = Callable[[Progress], None]


def run_tasks(
    tasks: Sequence[Task],
    width: int,
    *,
    stop: StopToken | None = None,
    on_progress: OnEvent | None = None,
    on_start: Callable[[Task], None] | None = None,
) -> dict[str, Outcome]:
    """Run `tasks` (in order) on at most `width` processes at a time; their outcomes by key."""
    messages: Any = CONTEXT.Queue()
    stopping = CONTEXT.Event()
    pending = list(tasks)
    running: dict[str, BaseProcess] = {}
    outcomes = {t.key: Outcome(t.key) for t in tasks}
    stopped_at: float | None = None
    while pending or running:
        if stop is not None and stop.stopped and stopped_at is None:
            stopped_at = time.monotonic()
            stopping.set()
            for task in pending:
                outcomes[task.key].error = "stopped before it started"
            pending.clear()
        while pending and len(running) < max(1, width):
            task = pending.pop(0)
            process: BaseProcess = CONTEXT.Process(
                target=_work, args=(task, messages, stopping), name=f"solve-{task.key}"
            )
            process.start()
            running[task.key] = process
            if on_start is not None:
                on_start(task)
        try:
            message = messages.get(timeout=0.05)
        except queue.Empty:
            message = None
        if message is not None:
            _take(message, outcomes, on_progress)
        for key, process in list(running.items()):
            if stopped_at is not None and time.monotonic() - stopped_at > STOP_GRACE:
                process.terminate()
            if not process.is_alive():
                process.join()
                _drain(messages, outcomes, on_progress)
                del running[key]
                outcome = outcomes[key]
                if outcome.result is None and outcome.error is None:
                    outcome.error = f"solver process ended with exit code {process.exitcode}"
    messages.close()
    return outcomes


def _take(message: tuple[Any, ...], outcomes: dict[str, Outcome], on: OnEvent | None) -> None:
    kind, key, payload = message
    outcome = outcomes[key]
    if kind == "progress":
        event = Progress(key, *payload)
        outcome.events.append(event)
        if on is not None:
            on(event)
    elif kind == "done":
        outcome.pid, outcome.result = payload
    else:
        outcome.pid, outcome.error = payload


def _drain(messages: Any, outcomes: dict[str, Outcome], on: OnEvent | None) -> None:
    # A process's last messages may still be in the pipe when it is seen to have exited.
    while True:
        try:
            _take(messages.get(timeout=0.05), outcomes, on)
        except queue.Empty:
            return


def _work(task: Task, messages: Any, stopping: Any) -> None:
    """The body of one solver process: parse, solve under the task's limits, send the result."""
    import threading

    from scheduler.formats.solution import result_to_json
    from scheduler.params import SolveParams
    from scheduler.problem import parse_problem_json
    from scheduler.solve import solve
    from scheduler.stop import Deadline

    pid = os.getpid()
    try:
        problem = parse_problem_json(task.problem_json)
        token = StopToken()

        def relay() -> None:
            stopping.wait()
            token.stop()

        threading.Thread(target=relay, daemon=True).start()
        seconds = max(0.01, min(task.seconds, task.end - time.time()))
        params = SolveParams(time_limit=seconds, workers=task.workers)

        def on_progress(p: Any) -> None:
            messages.put(("progress", task.key, (p.elapsed, p.objective, p.bound, p.gap)))

        result = solve(problem, params, deadline=Deadline(seconds, token), on_progress=on_progress)
        messages.put(("done", task.key, (pid, result_to_json(problem, result))))
    except Exception as error:  # reported to the parent, which names the task
        messages.put(("error", task.key, (pid, f"{type(error).__name__}: {error}")))
