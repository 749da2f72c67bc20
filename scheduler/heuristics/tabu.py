"""Tabu search on the critical path for job shops with a makespan objective.

The classic local search of the field (Nowicki & Smutnicki 1996, "A fast taboo search algorithm
for the job shop problem"): a schedule is a sequence per machine; its makespan is the longest path
of the disjunctive graph. The N5 neighbourhood swaps the first two or the last two operations of
each block of the critical path (a run of adjacent operations on one machine); such a swap never
makes a cycle, and the other adjacent swaps cannot shorten the path. N7 (Zhang et al. 2007, the
default, `NEIGHBOURHOOD`) also moves an operation inside a block to the block's front or end, and
the block's first or last operation inside it, when a sufficient condition says the move makes
no cycle (Balas & Vazacopoulos 1998). A move is chosen by the approximate makespan after it, from
the heads and tails around the reordered run, without building the schedule; the tabu list
forbids putting back, for a while, an order a move reversed, unless the move beats the best
makespan. After `_stall` moves without improvement the walk restarts from the best sequences with a
few random swaps of critical adjacent pairs (also cycle-free).

The loop is compiled with numba (pure Python would make some thousand moves in a 10 s budget
where the compiled loop makes millions). It runs in chunks of moves; between chunks Python polls
the `Deadline`, so a stop is seen within a chunk (a few milliseconds). The first call compiles the
loop (cached on disk after that) in a background thread: a deadline that passes first returns the
starting schedule and leaves the compilation to finish for the next call.

A flexible job shop keeps the machines of the starting schedule: the search only resequences.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import numpy as np

from scheduler.heuristics._compile import BackgroundCompile
from scheduler.problem import ObjectiveKind, Problem
from scheduler.schedule import Schedule
from scheduler.stop import Deadline

MIN_SECONDS = 0.5
"""No search (nor loading numba, about 0.5 s) with less time than this left."""
CHUNK_SECONDS = 0.02
"""Aimed wall time of one compiled chunk of moves, between two looks at the deadline."""
NEIGHBOURHOOD = "n7"
"""The moves: "n5" swaps the first or last two operations of a critical block; "n7" also moves
an operation inside a block to its front or end and a block's first or last operation inside it
(`_tabu_kernels._candidates`)."""


def applies(problem: Problem) -> bool:
    """True when the tabu search can improve `problem`: a (flexible) job shop whose only objective
    is the makespan."""
    return problem.is_classic and problem.objective.kinds == {ObjectiveKind.MAKESPAN}


def makespan_lower_bound(problem: Problem) -> int:
    """A lower bound on the makespan of a (flexible) job shop: the longest job (from its release,
    shortest modes) and, for each machine that every one of its operations must use, the smallest
    head plus the machine's load plus the smallest tail (the one-machine bound)."""
    ix = problem.index
    d = ix.min_duration.astype(np.int64)
    n = ix.n_operations
    if n == 0:
        return 0
    starts = ix.job_start[:-1]
    cum = np.cumsum(d) - d  # work before each operation, across jobs
    head = ix.release[ix.op_job] + cum - cum[starts][ix.op_job]
    job_total = np.add.reduceat(d, starts) if ix.n_jobs else np.zeros(0, np.int64)
    tail = (job_total[ix.op_job] + cum[starts][ix.op_job]) - cum - d
    bound = int((head + d + tail).max())
    single = np.diff(ix.mode_start) == 1
    machine = ix.mode_machine[ix.mode_start[:-1]]
    for m in np.unique(machine[single]):
        on = single & (machine == m)
        bound = max(bound, int(head[on].min() + d[on].sum() + tail[on].min()))
    return bound


def tabu_search(
    problem: Problem,
    schedule: Schedule,
    *,
    deadline: Deadline,
    seed: int = 0,
    lower_bound: int | None = None,
    patience: float | None = None,
    walks: int = 1,
) -> Schedule:
    """A schedule at least as short as `schedule` (a feasible one of `problem`, see `applies`),
    from tabu search until `deadline` passes, the makespan reaches `lower_bound` (default
    `makespan_lower_bound`), or the best makespan has not improved for `patience` seconds. Each
    machine keeps `schedule`'s machine assignment and the result is semi-active (every operation
    as early as its sequences allow).

    `walks` independent searches (seeds `seed`, `seed + 1`, ...) run in as many threads (the
    compiled loop releases the GIL) and the best schedule of any is returned: a solve with two
    workers has two cores, and a walk stalls in its own region of the search space."""
    if not applies(problem):
        raise ValueError("tabu_search needs a job shop whose only objective is the makespan")
    if walks < 1:
        raise ValueError(f"walks must be at least 1, got {walks}")
    machine, start, end = schedule.arrays(problem)
    lb = makespan_lower_bound(problem) if lower_bound is None else lower_bound
    if int(end.max(initial=0)) <= lb or deadline.remaining() < MIN_SECONDS:
        return schedule
    if not _compiler.ready(deadline):
        return schedule
    duration = end - start
    states = [_State.of(problem, machine, start, duration, seed + i) for i in range(walks)]
    best = min(states, key=lambda state: state.best_makespan)
    if best.best_makespan <= lb:
        return best.schedule(problem)
    done = threading.Event()  # one walk reached the bound: the others stop too
    threads = [
        threading.Thread(target=_walk, args=(state, deadline, lb, patience, done), name="tabu")
        for state in states[1:]
    ]
    for thread in threads:
        thread.start()
    _walk(states[0], deadline, lb, patience, done)
    for thread in threads:
        thread.join()  # each ends within a chunk of the deadline or of `done`
    return min(states, key=lambda state: state.best_makespan).schedule(problem)


def _walk(
    state: _State,
    deadline: Deadline,
    lower_bound: int,
    patience: float | None,
    done: threading.Event,
) -> None:
    """Tabu moves on `state` in chunks until `deadline` passes, `done` is set (set here when the
    walk's best is optimal) or the best has not improved for `patience` seconds."""
    kernel = _kernels()["run"]
    moves = 64
    best, improved = state.best_makespan, time.perf_counter()
    while not (done.is_set() or deadline.expired):
        began = time.perf_counter()
        finished = kernel(*state.arguments(), moves, lower_bound)
        spent = time.perf_counter() - began
        if finished:  # at the bound, or the critical path is one job's: optimal either way
            done.set()
            return
        if state.best_makespan < best:
            best, improved = state.best_makespan, began + spent
        elif patience is not None and began + spent - improved > patience:
            return
        # Aim each chunk at CHUNK_SECONDS, growing at most fourfold (a move costs O(operations)).
        moves = int(min(moves * 4, max(16, moves * CHUNK_SECONDS / max(spent, 1e-6))))


@dataclasses.dataclass
class _State:
    """The arrays the compiled loop works on (see `_tabu_kernels`), kept between chunks."""

    graph: np.ndarray
    """(duration, job predecessor, job successor, release of a first operation) per operation."""
    moff: np.ndarray
    mseq: np.ndarray
    best_seq: np.ndarray
    links: np.ndarray
    """(position in the machine sequence, machine predecessor, machine successor)."""
    times: np.ndarray
    """(head, tail) of the current sequences."""
    work: np.ndarray
    tabu: np.ndarray
    counters: np.ndarray
    machine: np.ndarray

    @classmethod
    def of(
        cls,
        problem: Problem,
        machine: np.ndarray,
        start: np.ndarray,
        duration: np.ndarray,
        seed: int,
    ) -> _State:
        ix = problem.index
        n, i64 = ix.n_operations, np.int64
        o = np.arange(n, dtype=i64)
        first = ix.job_start[:-1][ix.op_job] == o
        last = ix.job_start[1:][ix.op_job] - 1 == o
        # Machine sequences from the schedule, by start. A zero-length operation never holds its
        # machine (the dispatching places it inside a busy spell): it gets a sequence of its own.
        zero = duration == 0
        sequence = machine.copy()
        sequence[zero] = ix.n_machines + np.arange(int(zero.sum()))
        order = np.lexsort((o, start, sequence))
        counts = np.bincount(sequence, minlength=ix.n_machines)
        # Tenure from Zhang et al. (2007): 10 + jobs/machines, drawn up to 1.4 times that.
        tenure = 10 + ix.n_jobs // max(1, ix.n_machines)
        # The tabu hash table: a move forbids one order per operation it passes.
        rows = 1 << max(10, (64 * tenure - 1).bit_length())
        mseq = order.astype(i64)
        state = cls(
            graph=np.array(
                [
                    duration,
                    np.where(first, -1, o - 1),
                    np.where(last, -1, o + 1),
                    np.where(first, ix.release[ix.op_job], 0),
                ],
                dtype=i64,
            ),
            moff=np.concatenate(([0], np.cumsum(counts))).astype(i64),
            mseq=mseq,
            best_seq=mseq.copy(),
            links=np.zeros((3, n), i64),
            times=np.zeros((2, n), i64),
            work=np.zeros(3 * n, i64),
            tabu=np.full((rows, 3), -1, dtype=i64),
            counters=np.array(
                [
                    *(0, 0, 0, tenure, max(2000, 2 * n), seed * 2654435761 + 1, 0),
                    {"n5": 0, "n7": 1}[NEIGHBOURHOOD],
                ],
                dtype=i64,
            ),
            machine=np.asarray(machine, dtype=i64),
        )
        _kernels()["init"](*state.arguments())
        return state

    @property
    def best_makespan(self) -> int:
        return int(self.counters[1])

    def arguments(self) -> tuple[np.ndarray, ...]:
        """The kernels' arguments, in their order (every field but the last, `machine`)."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))[:-1]

    def schedule(self, problem: Problem) -> Schedule:
        """The semi-active schedule of the best sequences."""
        start = _kernels()["heads"](self.graph, self.moff, self.best_seq)
        return Schedule.from_arrays(problem, self.machine, start, start + self.graph[0])


# --------------------------------------------------------------------------------------------------
# Compilation: once per process (numba caches the machine code on disk across processes)


def compile_kernels(deadline: Deadline | None = None) -> bool:
    """Compile (or load from numba's disk cache) the search loop now, e.g. when a service or a
    benchmark starts; True once it is ready, False when `deadline` passed first."""
    return _compiler.ready(deadline)


def _build() -> dict[str, Any]:
    from scheduler.heuristics import _tabu_kernels as k

    # A tiny instance compiles every function with the argument types of real calls.
    i64 = np.int64
    graph = np.array([[1, 1], [-1, -1], [-1, -1], [0, 0]], i64)
    moff, mseq = np.array([0, 2], i64), np.array([0, 1], i64)
    args = (
        graph,
        moff,
        mseq,
        mseq.copy(),
        np.zeros((3, 2), i64),
        np.zeros((2, 2), i64),
        np.zeros(6, i64),
        np.full((4, 3), -1, i64),
        np.array([0, 0, 0, 1, 10, 1, 0, 1], i64),
    )
    k.init(*args)
    k.run(*args, 4, 0)
    k.heads(graph, moff, mseq)
    return {"init": k.init, "run": k.run, "heads": k.heads}


def _kernels() -> dict[str, Any]:
    _compiler.ready()
    return _compiler.kernels


_compiler = BackgroundCompile("tabu-compile", _build)

__all__ = ["applies", "compile_kernels", "makespan_lower_bound", "tabu_search"]
