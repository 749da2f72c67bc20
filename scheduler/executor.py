"""Running many independent solves: one interface, a local pool (the default) or Ray.

An `Executor` runs `Task`s (a problem in the project's JSON, a solver-thread count, a wall-clock
end) and hands back their `Outcome`s, relaying progress events and a caller's stop. `LocalPool`
is the pool below; `scheduler.executor_ray.RayExecutor` (the optional `ray` extra) sends each
task to a Ray cluster. `open_executor` turns the CLI's `--executor` value into one.

The local pool: spawned (never forked) processes, one solve per process, stoppable. Each task is a problem in the project's JSON, a solver-thread count and a wall-clock end; each runs
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
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from scheduler.params import available_cores
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


class Executor(Protocol):
    """Where independent solves run; `width` solves at a time, the caller's stop relayed."""

    name: str

    def cores(self) -> int:
        """Cores the solves may share (the budget `width * workers` is planned against)."""
        ...

    def run(
        self,
        tasks: Sequence[Task],
        width: int,
        *,
        stop: StopToken | None = None,
        on_progress: OnEvent | None = None,
        on_start: Callable[[Task], None] | None = None,
    ) -> dict[str, Outcome]:
        """Run `tasks` (in order), at most `width` at a time; their outcomes by key."""
        ...

    def close(self) -> None:
        """Release what the executor started (a Ray runtime it brought up); idempotent."""
        ...


EXECUTORS = "local, ray, ray://host:port or auto"


def open_executor(spec: str, *, cores: int | None = None) -> Executor:
    """The executor `spec` names: `local` (spawned pool), `ray` (the cluster at $RAY_ADDRESS, else
    a Ray runtime started here with `cores` CPUs), `ray://host:port` (a Ray cluster through Ray
    Client), `auto` (a running Ray cluster if there is one, else the local pool).
    Raises ValueError naming the value and the reason."""
    if spec == "local":
        return LocalPool()
    if spec not in ("ray", "auto") and not spec.startswith("ray://"):
        raise ValueError(f"unknown executor {spec!r}: expected {EXECUTORS}")
    try:
        from scheduler.executor_ray import RayExecutor
    except ImportError:
        if spec == "auto":
            return LocalPool()
        raise ValueError(
            f"executor {spec!r}: the `ray` package is not installed (pip install 'scheduler[ray]')"
        ) from None
    if spec != "auto":
        return RayExecutor(None if spec == "ray" else spec, cores=cores)
    executor = RayExecutor("auto")
    try:
        executor.cores()  # connects, or finds no running cluster
    except ConnectionError:
        return LocalPool()
    return executor


NOT_STARTED = "stopped before it started"
"""The error of a task dropped by a stop (or the end of the budget) before its process started."""
NO_ANSWER = "stopped before it had a schedule"
"""The error of a task whose process had no schedule to hand back within the grace after a stop
(e.g. still starting on a loaded machine), and was terminated."""


class Batch:
    """What both executors keep while they run tasks: the tasks not started, the outcomes, and
    when the caller's stop was first seen."""

    def __init__(self, tasks: Sequence[Task], width: int, stop: StopToken | None) -> None:
        self.pending = list(tasks)
        self.width = max(1, width)
        self.outcomes = {t.key: Outcome(t.key) for t in tasks}
        self.stop = stop
        self.stopped_at: float | None = None

    def stopping(self) -> bool:
        """True once, when the stop is first seen; the tasks not yet started are dropped."""
        if self.stop is None or not self.stop.stopped or self.stopped_at is not None:
            return False
        self.stopped_at = time.monotonic()
        for task in self.pending:
            self.outcomes[task.key].error = NOT_STARTED
        self.pending.clear()
        return True

    def next(self, running: int) -> Task | None:
        """The next task to start while fewer than `width` run."""
        return self.pending.pop(0) if self.pending and running < self.width else None

    def overdue(self, grace: float) -> bool:
        """The stop was seen more than `grace` seconds ago (time to end what still runs)."""
        return self.stopped_at is not None and time.monotonic() - self.stopped_at > grace


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
    # A lock-free shared flag the processes poll: a multiprocessing Event would count a process
    # that exited while waiting on it as a sleeper, and set() would wait for it forever
    # (tests/test_executor.py, test_a_stop_after_a_solve_has_ended_is_not_a_hang).
    stopping = CONTEXT.RawValue("b", 0)
    spool = tempfile.TemporaryDirectory(prefix="scheduler-pool-")
    batch = Batch(tasks, width, stop)
    outcomes = batch.outcomes
    running: dict[str, BaseProcess] = {}
    while batch.pending or running:
        if batch.stopping():
            stopping.value = 1
        while (task := batch.next(len(running))) is not None:
            process: BaseProcess = CONTEXT.Process(
                target=_work, args=(task, messages, stopping, spool.name), name=f"solve-{task.key}"
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
            record(unspooled(message), outcomes, on_progress)
        for key, process in list(running.items()):
            if batch.overdue(STOP_GRACE) and process.is_alive():
                process.terminate()
                outcomes[key].error = outcomes[key].error or NO_ANSWER
            if not process.is_alive():
                process.join()
                _drain(messages, outcomes, on_progress)
                del running[key]
                outcome = outcomes[key]
                if outcome.result is None and outcome.error is None:
                    outcome.error = f"solver process ended with exit code {process.exitcode}"
    messages.close()
    spool.cleanup()
    return outcomes


class LocalPool:
    """Spawned processes on this machine (`run_tasks`): the default, nothing to start or stop."""

    name = "local"
    run = staticmethod(run_tasks)

    def cores(self) -> int:
        return available_cores()

    def close(self) -> None:
        pass


def record(message: tuple[Any, ...], outcomes: dict[str, Outcome], on: OnEvent | None) -> None:
    """Apply one message of a solve (progress, done, error) to its outcome."""
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
            record(unspooled(messages.get(timeout=0.05)), outcomes, on)
        except queue.Empty:
            return


STOP_POLL = 0.05
"""Seconds between two looks of a solver process at the pool's stop flag."""
MAX_MESSAGE = 1024
"""Longest error text a solver process sends. Every message it puts on the queue stays far below
PIPE_BUF (4096 bytes on Linux), so each is one atomic pipe write: a process terminated after a
stop's grace never leaves half a message, which would block the pool's next read forever."""


def _work(task: Task, messages: Any, stopping: Any, spool: str) -> None:
    """The body of one solver process: the solve, its stop relayed from the pool's event; the
    schedule file goes through a file in `spool` (see MAX_MESSAGE), only its path on the queue."""
    import json
    import threading

    token = StopToken()

    def relay() -> None:
        while not stopping.value:
            time.sleep(STOP_POLL)
        token.stop()

    threading.Thread(target=relay, daemon=True).start()
    kind, key, (pid, payload) = solve_task(task, token, messages.put)
    if kind == "done":
        path = os.path.join(spool, f"{pid}.json")
        with open(path + ".part", "w") as file:
            json.dump(payload, file)
        os.replace(path + ".part", path)  # the path is sent only once the file is whole
        messages.put(("done-file", key, (pid, path)))
    else:
        messages.put((kind, key, (pid, str(payload)[:MAX_MESSAGE])))


def unspooled(message: tuple[Any, ...]) -> tuple[Any, ...]:
    """A message of a solver process as `record` takes it (a spooled schedule file read back)."""
    kind, key, payload = message
    if kind != "done-file":
        return message
    import json

    pid, path = payload
    with open(path) as file:
        result = json.load(file)
    os.remove(path)
    return ("done", key, (pid, result))


def solve_task(task: Task, token: StopToken, send: Callable[[Any], object]) -> tuple[Any, ...]:
    """One task where it runs (either executor): parse, solve under the task's limits and `token`,
    `send` each progress message; the final message (`done` with the schedule file, or `error`)."""
    from scheduler.formats.solution import result_to_json
    from scheduler.params import SolveParams
    from scheduler.problem import parse_problem_json
    from scheduler.solve import solve
    from scheduler.stop import Deadline

    pid = os.getpid()
    try:
        problem = parse_problem_json(task.problem_json)
        seconds = max(0.01, min(task.seconds, task.end - time.time()))
        # Set explicitly: a Ray task's `num_cpus` reserves cores but does not cap threads.
        params = SolveParams(time_limit=seconds, workers=task.workers)

        def on_progress(p: Any) -> None:
            send(("progress", task.key, (p.elapsed, p.objective, p.bound, p.gap)))

        result = solve(problem, params, deadline=Deadline(seconds, token), on_progress=on_progress)
        return ("done", task.key, (pid, result_to_json(problem, result)))
    except Exception as error:  # reported to the caller, which names the task
        return ("error", task.key, (pid, f"{type(error).__name__}: {error}"))
