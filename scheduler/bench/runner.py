"""One subprocess per solve: ours and each peer, same instance file, limits, workers and seed.

A fresh process per solve keeps solves independent (no warm caches, no leaked threads) and gives
each its own peak memory, read from the kernel's accounting of that child (`os.wait4`), not from
the child's word. The child is started in its own session, so a Ctrl-C at the terminal reaches
only the harness, which kills the running child at once and keeps what is done.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from scheduler.bench.protocol import Request
from scheduler.bench.sets import Instance
from scheduler.formats.catalog import instances_dir
from scheduler.stop import StopToken

SOLVERS = ("ours", "textbook", "pyjobshop")
PEERS = SOLVERS[1:]
SCHEMA = 1
"""Version of the JSON line layout (`benchmarks/README.md`, "Benchmark harness")."""
KILL_AFTER = 30.0
"""Seconds past twice the time limit after which a child that has not answered is killed."""
POLL = 0.05


class BenchError(Exception):
    """A run that cannot start: a peer not installed, a results file that cannot be read."""


@dataclass(frozen=True, slots=True)
class Settings:
    time_limit: float
    workers: int
    seed: int

    def matches(self, row: dict[str, Any]) -> bool:
        return (row.get("time_limit"), row.get("workers"), row.get("seed")) == (
            self.time_limit,
            self.workers,
            self.seed,
        )


def command(solver: str) -> list[str]:
    """The command line of a solver's subprocess; BenchError when the peer cannot run here."""
    if solver == "ours":
        return [sys.executable, "-m", "scheduler.bench.child"]
    if solver not in PEERS:
        raise BenchError(f"--peers: unknown peer {solver!r}; expected one of {', '.join(PEERS)}")
    script = instances_dir().parent / "benchmarks" / "peers" / f"{_SCRIPTS[solver]}.py"
    if not script.is_file():
        raise BenchError(
            f"--peers {solver}: {script} is missing (peers run from a source checkout)"
        )
    if solver == "pyjobshop" and importlib.util.find_spec("pyjobshop") is None:
        raise BenchError(
            "--peers pyjobshop: pyjobshop is not installed (pip install -e '.[peers]')"
        )
    return [sys.executable, str(script)]


_SCRIPTS = {"textbook": "textbook", "pyjobshop": "pyjobshop_peer"}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON lines file written by an earlier run (for --resume)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BenchError(f"--resume {path}: cannot read: {error}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BenchError(f"--resume {path}:{number}: not JSON: {error.msg}") from None
        if not isinstance(row, dict) or "instance" not in row or "solver" not in row:
            raise BenchError(f"--resume {path}:{number}: not a benchmark row")
        rows.append(row)
    return rows


def run(
    instances: list[Instance],
    solvers: Iterable[str],
    settings: Settings,
    *,
    done: Sequence[dict[str, Any]] = (),
    out: IO[str] | None = None,
    stop: StopToken | None = None,
    on_tick: Callable[[int, int, str, float], None] | None = None,
) -> list[dict[str, Any]]:
    """Solve every instance with every solver, skipping pairs `done` holds for these settings.

    Each new row is written to `out` (flushed) as soon as it is known. Returns the rows of this
    run, the skipped ones included, in instance order; a stop ends the run after killing the
    running child, whose solve is not recorded.
    """
    stop = stop or StopToken()
    solvers = list(solvers)
    commands = {solver: command(solver) for solver in solvers}
    previous = {(r["instance"], r["solver"]): r for r in done if settings.matches(r)}
    jobs = [(i, s) for i in instances for s in solvers]
    context = _context()
    rows: list[dict[str, Any]] = []
    for number, (instance, solver) in enumerate(jobs):
        if stop.stopped:
            break
        old = previous.get((instance.name, solver))
        if old is not None:
            rows.append(old)
            continue
        label = f"{instance.name} {solver}"

        def tick(elapsed: float, number: int = number, label: str = label) -> None:
            if on_tick is not None:
                on_tick(number, len(jobs), label, elapsed)

        row = solve_in_subprocess(instance, solver, commands[solver], settings, stop, tick)
        if row is None:
            break
        row.update(context)
        rows.append(row)
        if out is not None:
            out.write(json.dumps(row) + "\n")
            out.flush()
    if on_tick is not None and not stop.stopped:
        on_tick(len(jobs), len(jobs), "", 0.0)
    return rows


def solve_in_subprocess(
    instance: Instance,
    solver: str,
    argv: list[str],
    settings: Settings,
    stop: StopToken,
    tick: Callable[[float], None],
) -> dict[str, Any] | None:
    """One solve in a child process: its row, or None when `stop` ended it first."""
    request = Request(str(instance.path), settings.time_limit, settings.workers, settings.seed)
    started = time.monotonic()
    child = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    output: dict[str, str] = {}
    readers = [
        threading.Thread(target=_drain, args=(child.stdout, output, "out"), daemon=True),
        threading.Thread(target=_drain, args=(child.stderr, output, "err"), daemon=True),
    ]
    for reader in readers:
        reader.start()
    assert child.stdin is not None
    try:
        child.stdin.write(json.dumps(asdict(request)))
        child.stdin.close()
    except BrokenPipeError:
        pass
    kill_at = started + 2 * settings.time_limit + KILL_AFTER
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        if stop.stopped or now > kill_at:
            timed_out = not stop.stopped
            _kill(child)
            pid, status, usage = os.wait4(child.pid, 0)
            break
        tick(now - started)
        time.sleep(POLL)
    # wait4 reaped the child behind Popen's back; tell it, so that it does not wait again.
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    for reader in readers:
        reader.join(1.0)
    if stop.stopped and not timed_out:
        return None
    return _row(instance, solver, settings, output, child.returncode, wall, usage, timed_out)


def _drain(stream: IO[str] | None, output: dict[str, str], key: str) -> None:
    if stream is not None:
        output[key] = stream.read()


def _kill(child: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _row(
    instance: Instance,
    solver: str,
    settings: Settings,
    output: dict[str, str],
    exit_code: int,
    wall: float,
    usage: Any,
    timed_out: bool,
) -> dict[str, Any]:
    outcome: dict[str, Any] = {}
    lines = output.get("out", "").strip().splitlines()
    if lines:
        try:
            outcome = json.loads(lines[-1])
        except json.JSONDecodeError:
            outcome = {}
    error = outcome.get("error", "")
    if not outcome:
        tail = output.get("err", "").strip().splitlines()[-3:]
        error = "killed after the time limit" if timed_out else " | ".join(tail)
        error = error or f"exit code {exit_code}"
    makespan = outcome.get("makespan")
    ub = instance.upper_bound
    return {
        "schema": SCHEMA,
        "instance": instance.name,
        "family": instance.family,
        "size": instance.size,
        "file": _shown(instance.path),
        "best_lower_bound": instance.lower_bound,
        "best_upper_bound": ub,
        "solver": solver,
        "time_limit": settings.time_limit,
        "workers": settings.workers,
        "seed": settings.seed,
        "status": outcome.get("status", "ERROR") if not error else "ERROR",
        "makespan": makespan,
        "bound": outcome.get("bound"),
        "gap_pct": round(100 * (makespan - ub) / ub, 3) if makespan is not None and ub else None,
        "optimal": outcome.get("status") == "OPTIMAL",
        "verified": bool(outcome.get("verified")),
        "first_solution_s": outcome.get("first_solution_s"),
        "final_solution_s": outcome.get("final_solution_s"),
        "solve_s": outcome.get("solve_s"),
        "wall_s": round(wall, 3),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit_code": exit_code,
        "error": error,
    }


def _shown(path: Path) -> str:
    """The file relative to the instances folder when it is in it (rows stay machine-neutral)."""
    try:
        return str(path.resolve().relative_to(instances_dir().resolve()))
    except ValueError:
        return str(path)


def _context() -> dict[str, Any]:
    """What made the rows: the commit of the checkout, the CP-SAT version, the cores."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ortools = version("ortools")
    except PackageNotFoundError:
        ortools = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=instances_dir().parent,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"commit": commit or None, "ortools": ortools, "cpus": os.cpu_count()}


__all__ = ["PEERS", "SOLVERS", "BenchError", "Settings", "command", "read_rows", "run"]
