"""Tabu search for flexible job shops: operations move between machines, not only resequence.

The local search of Mastrolilli & Gambardella (2000, "Effective neighbourhood functions for the
flexible job shop problem"): each move takes one operation of the critical path out of its
machine's sequence and inserts it anywhere on any of its eligible machines where no cycle can
form. All insertions of an operation are valued exactly in one pass: one longest-path
evaluation of the graph without it gives heads and tails from which each insertion's makespan
is a max of three sums (see `_fjsp_kernels._scan`). The best non-tabu move is made (a tabu move
only when it beats the best makespan; ties go to the move that shortens the longest path
through the moved operation most); putting an operation back on the machine it left is tabu for
a while. After a stall the walk restarts from the best schedule with a few random moves, as the
job-shop search does (`tabu.py`).

Compiled with numba and run in chunks between which Python polls the `Deadline`, so a stop is
seen within a few milliseconds; the first call compiles in a background thread (cached on disk
after that) and a deadline that passes first returns the starting schedule.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import numpy as np

from scheduler.heuristics import tabu
from scheduler.heuristics._compile import BackgroundCompile
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.stop import Deadline

SHARE = 0.9
"""Share of the time left after dispatching that a solve gives this search on a flexible job
shop, before CP-SAT starts from its schedule: CP-SAT at 2 workers rarely improved on it
(Brandimarte mk05-mk07/mk10 at 10 s: mean gap 2.51 % at 0.9, 2.99 % at 0.5;
`benchmarks/README.md`, "Flexible job shops (issue 11)")."""
CHUNK_SECONDS = 0.02
"""Aimed wall time of one compiled chunk of moves, between two looks at the deadline."""


def applies(problem: Problem) -> bool:
    """True when this search can improve `problem`: a flexible job shop whose only objective is
    the makespan, every mode taking time (a zero-length operation could tie on a machine, and the
    cycle test of a move relies on positive durations)."""
    ix = problem.index
    return (
        tabu.applies(problem)
        and ix.is_flexible()
        and ix.n_operations > 0
        and int(ix.mode_duration.min()) > 0
    )


def fjsp_tabu_search(
    problem: Problem,
    schedule: Schedule,
    *,
    deadline: Deadline,
    seed: int = 0,
    lower_bound: int | None = None,
    walks: int = 1,
) -> Schedule:
    """A schedule at least as short as `schedule` (a feasible one of `problem`, see `applies`),
    from tabu search with machine reassignment until `deadline` passes or the makespan reaches
    `lower_bound` (default `tabu.makespan_lower_bound`). The result is semi-active.

    `walks` independent searches (seeds `seed`, `seed + 1`, ...) run in as many threads (the
    compiled loop releases the GIL) and the best schedule of any is returned: a solve with two
    workers has two cores, which one walk would leave half idle."""
    if not applies(problem):
        raise ValueError(
            "fjsp_tabu_search needs a flexible job shop whose only objective is the makespan "
            "and whose modes all take time"
        )
    if walks < 1:
        raise ValueError(f"walks must be at least 1, got {walks}")
    lb = tabu.makespan_lower_bound(problem) if lower_bound is None else lower_bound
    if (
        max((op.end for op in schedule.operations), default=0) <= lb
        or deadline.remaining() < tabu.MIN_SECONDS
    ):
        return schedule
    if not _compiler.ready(deadline):
        return schedule
    states = [_State.of(problem, schedule, seed + i) for i in range(walks)]
    done = threading.Event()  # one walk reached the bound: the others stop too
    threads = [
        threading.Thread(target=_walk, args=(state, deadline, lb, done), name="fjsp-tabu")
        for state in states[1:]
    ]
    for thread in threads:
        thread.start()
    _walk(states[0], deadline, lb, done)
    for thread in threads:
        thread.join()  # each ends within a chunk of the deadline or of `done`
    return min(states, key=lambda state: state.best_makespan).schedule(problem)


def _walk(state: _State, deadline: Deadline, lower_bound: int, done: threading.Event) -> None:
    """Tabu moves on `state` in chunks until `deadline` passes or `done` is set (set here when
    the best makespan reaches `lower_bound`)."""
    kernel = _compiler.kernels["run"]
    moves = 1  # a move costs a longest-path evaluation per critical operation: large on big shops
    while not (done.is_set() or deadline.expired):
        began = time.perf_counter()
        if kernel(*state.arguments(), moves, lower_bound):
            if state.best_makespan <= lower_bound:
                done.set()
            return
        spent = time.perf_counter() - began
        # Aim each chunk at CHUNK_SECONDS, growing at most fourfold (a move costs O(operations)
        # per critical operation).
        moves = int(min(moves * 4, max(4, moves * CHUNK_SECONDS / max(spent, 1e-6))))


def compile_kernels(deadline: Deadline | None = None) -> bool:
    """Compile (or load from numba's disk cache) the search loop now; True once it is ready,
    False when `deadline` passed first."""
    return _compiler.ready(deadline)


@dataclasses.dataclass
class _State:
    """The arrays the compiled loop works on (see `_fjsp_kernels`), kept between chunks."""

    graph: np.ndarray
    modes: np.ndarray
    state: np.ndarray
    links: np.ndarray
    mfirst: np.ndarray
    times: np.ndarray
    work: np.ndarray
    best: np.ndarray
    tabu: np.ndarray
    counters: np.ndarray

    @classmethod
    def of(cls, problem: Problem, schedule: Schedule, seed: int) -> _State:
        """The search's start: `schedule`'s modes and sequences, evaluated."""
        machine, start, end = schedule.arrays(problem)
        ix = problem.index
        n, i64 = ix.n_operations, np.int64
        jpred = np.arange(-1, n - 1, dtype=i64)
        jpred[ix.job_start[:-1]] = -1
        jsucc = np.arange(1, n + 1, dtype=i64)
        jsucc[ix.job_start[1:] - 1] = -1
        head0 = np.zeros(n, i64)
        head0[ix.job_start[:-1]] = ix.release
        # Each operation's mode: the first on its machine with its duration.
        mode_op = np.repeat(np.arange(n), np.diff(ix.mode_start))
        mine = (ix.mode_machine == machine[mode_op]) & (ix.mode_duration == (end - start)[mode_op])
        assign = np.full(n, -1, i64)
        assign[mode_op[mine][::-1]] = np.flatnonzero(mine)[::-1]
        if (assign < 0).any():
            raise ValueError("the starting schedule uses a machine or duration of no mode")
        tenure = 10 + ix.n_jobs // max(1, ix.n_machines)
        state = cls(
            graph=np.array([jpred, jsucc, head0], dtype=i64),
            modes=_padded(ix.mode_start, ix.mode_machine, ix.mode_duration),
            state=np.zeros((3, n), i64),
            links=np.zeros((2, n), i64),
            mfirst=np.full(ix.n_machines, -1, i64),
            times=np.zeros((4, n), i64),
            work=np.zeros(3 * n, i64),
            best=np.array([assign, start], dtype=i64),
            tabu=np.full((4 * tenure, 3), -1, dtype=i64),
            counters=np.array(
                [0, 0, 0, tenure, max(500, 2 * n), seed * 2654435761 + 1, 0, 0], dtype=i64
            ),
        )
        _compiler.kernels["init"](*state.arguments())
        return state

    @property
    def best_makespan(self) -> int:
        return int(self.counters[1])

    def arguments(self) -> tuple[np.ndarray, ...]:
        """The kernels' arguments, in their order."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))

    def schedule(self, problem: Problem) -> Schedule:
        """The best schedule (semi-active)."""
        assign, start = self.best
        machine = problem.index.mode_machine[assign]
        return Schedule.from_arrays(
            problem, machine, start, start + problem.index.mode_duration[assign]
        )


def _padded(*rows: np.ndarray) -> np.ndarray:
    """Rows of different lengths as one int64 matrix (the kernels read each row's own prefix)."""
    width = max(len(r) for r in rows)
    out = np.zeros((len(rows), width), np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def _build() -> dict[str, Any]:
    from scheduler.heuristics import _fjsp_kernels as k

    # Two one-operation jobs with two modes each compile every function with real argument types.
    i64 = np.int64
    args = (
        np.array([[-1, -1], [-1, -1], [0, 0]], i64),
        _padded(np.array([0, 2, 4]), np.array([0, 1, 0, 1]), np.array([1, 2, 2, 1])),
        np.zeros((3, 2), i64),
        np.zeros((2, 2), i64),
        np.full(2, -1, i64),
        np.zeros((4, 2), i64),
        np.zeros(6, i64),
        np.array([[0, 3], [0, 0]], i64),
        np.full((4, 3), -1, i64),
        np.array([0, 0, 0, 1, 10, 1, 0, 0], i64),
    )
    k.init(*args)
    k.run(*args, 4, 0)
    return {"init": k.init, "run": k.run}


_compiler = BackgroundCompile("fjsp-tabu-compile", _build)

__all__ = ["applies", "compile_kernels", "fjsp_tabu_search"]
