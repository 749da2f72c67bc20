"""Large-neighbourhood search for job shops with a makespan objective, from a good schedule.

The incumbent's machine sequences become precedences. A neighbourhood is a time window (on every
machine, the operations that start in [t, t + w) form a contiguous run of its sequence) or,
every other time, all the operations of a few random machines; CP-SAT re-orders each run (a
no-overlap between the last operation before it and the first after it)
while every other sequence arc stays a precedence and every start is free, so the rest of the
schedule shifts but keeps its order. The sub-model is small (no disjunction outside the window)
and is searched for up to a second from the incumbent as a hint; a schedule no longer
than the incumbent replaces it (equal ones too: a plateau move changes the sequences the next
window sees). The window adapts: wider after a neighbourhood solved to optimality, narrower
after one cut off by its time limit.

Measured no better than the monolithic model after the tabu search (`benchmarks/README.md`,
"Job-shop quality (issue 11)"), so `solve` gives it no time by default. This is the
time-window relax-and-fix LNS of the field (Pisinger & Ropke 2010; the "scheduling
time window" neighbourhood of CP-SAT's own LNS workers), run from outside so that it gets the
two workers a solve has, from the tabu search's schedule (`heuristics/tabu.py`).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.cpsat.runner import run
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.stop import Deadline

NEIGHBOURHOOD_SECONDS = 1.0
"""Time limit of one neighbourhood's search (less when less is left)."""
FIRST_SHARE = 0.25
"""The first window's width, as a share of the makespan; adapted between MIN_SHARE and MAX_SHARE."""
MIN_SHARE, MAX_SHARE = 0.02, 0.6
MACHINES = 3
"""Every other neighbourhood frees all the operations of this many random machines instead."""


@dataclass(frozen=True)
class JobShopLnsOutcome:
    schedule: Schedule
    """The best schedule found (the incumbent when nothing was better)."""
    makespan: int
    neighbourhoods: int
    improving: int
    """Neighbourhoods that shortened the makespan."""


def improve_jobshop(
    problem: Problem,
    incumbent: Schedule,
    *,
    deadline: Deadline,
    lower_bound: int = 0,
    workers: int = 1,
    seed: int = 0,
) -> JobShopLnsOutcome:
    """Time-window and machine-subset LNS on `problem` (a job shop: each job a chain of
    operations, one machine each, makespan objective) from the feasible `incumbent` until
    `deadline` passes or the makespan reaches `lower_bound`. Keeps `incumbent`'s machines; an
    improved schedule's starts are CP-SAT's (an operation off the critical path may start later
    than it could)."""
    machine, start, end = incumbent.arrays(problem)
    shop = _Shop.of(problem, machine, end - start)
    best = int(end.max(initial=0))
    rng = random.Random(seed)
    share = FIRST_SHARE
    neighbourhoods = improving = 0
    while best > lower_bound and deadline.remaining() > 0.05:
        if MACHINES and neighbourhoods % 2:
            chosen = rng.sample(range(shop.n_machines), min(MACHINES, shop.n_machines))
            free = np.isin(shop.machine, chosen)
        else:
            width = max(1, round(share * best))
            left = rng.randrange(0, max(1, best - width + 1))
            free = (start >= left) & (start < left + width)
        limit = min(NEIGHBOURHOOD_SECONDS, deadline.remaining())
        found, optimal = shop.reoptimise(start, free, limit, workers, seed, deadline)
        neighbourhoods += 1
        if found is not None:
            makespan = int((found + shop.duration).max(initial=0))
            if makespan < best:
                improving += 1
            if makespan <= best:
                start, best = found, makespan
        share = min(MAX_SHARE, share * 1.25) if optimal else max(MIN_SHARE, share / 1.25)
    schedule = incumbent
    if improving:
        schedule = Schedule.from_arrays(problem, machine, start, start + shop.duration)
    return JobShopLnsOutcome(schedule, best, neighbourhoods, improving)


@dataclass(frozen=True)
class _Shop:
    """The fixed parts of every sub-model: durations, job chains, releases, machines."""

    duration: np.ndarray
    job_pred: np.ndarray
    """The operation before each in its job, -1 for a first one."""
    release: np.ndarray
    machine: np.ndarray
    last_ops: np.ndarray
    """The last operation of every job."""
    n_machines: int

    @classmethod
    def of(cls, problem: Problem, machine: np.ndarray, duration: np.ndarray) -> _Shop:
        ix = problem.index
        o = np.arange(ix.n_operations)
        first = ix.job_start[:-1][ix.op_job] == o
        return cls(
            duration=np.asarray(duration, np.int64),
            job_pred=np.where(first, -1, o - 1),
            release=np.where(first, ix.release[ix.op_job], 0).astype(np.int64),
            machine=np.asarray(machine, np.int64),
            last_ops=ix.job_start[1:] - 1,
            n_machines=ix.n_machines,
        )

    def reoptimise(
        self,
        start: np.ndarray,
        free: np.ndarray,
        limit: float,
        workers: int,
        seed: int,
        deadline: Deadline,
    ) -> tuple[np.ndarray | None, bool]:
        """The starts of the best schedule CP-SAT finds in `limit` seconds with the `free`
        operations (a contiguous run of each machine's sequence) re-ordered on their machines
        and every other machine arc kept (None when it found none), and whether it proved that
        schedule optimal for the neighbourhood."""
        n = len(start)
        horizon = int((start + self.duration).max(initial=0))
        model = cp_model.CpModel()
        s = [model.new_int_var(int(self.release[k]), horizon, "") for k in range(n)]
        for k in range(n):
            p = int(self.job_pred[k])
            if p >= 0:
                model.add(s[k] >= s[p] + int(self.duration[p]))
        # Machine sequences by start; a zero-length operation holds no machine.
        busy = np.flatnonzero(self.duration > 0)
        order = busy[np.lexsort((start[busy], self.machine[busy]))]
        for m in np.unique(self.machine[busy]):
            seq = order[self.machine[order] == m].tolist()
            at = [i for i, k in enumerate(seq) if free[k]]
            window = seq[at[0] : at[-1] + 1] if at else []
            if len(window) > 1:
                intervals = [
                    model.new_fixed_size_interval_var(s[k], int(self.duration[k]), "")
                    for k in window
                ]
                model.add_no_overlap(intervals)
            before = seq[: at[0]] if at else seq
            after = seq[at[-1] + 1 :] if at else []
            for a, b in itertools.pairwise(before):
                model.add(s[b] >= s[a] + int(self.duration[a]))
            for a, b in itertools.pairwise(after):
                model.add(s[b] >= s[a] + int(self.duration[a]))
            for k in window:
                if before:
                    model.add(s[k] >= s[before[-1]] + int(self.duration[before[-1]]))
                if after:
                    model.add(s[after[0]] >= s[k] + int(self.duration[k]))
            if not window and before and after:
                model.add(s[after[0]] >= s[before[-1]] + int(self.duration[before[-1]]))
        makespan = model.new_int_var(0, horizon, "makespan")
        for k in self.last_ops.tolist():
            model.add(makespan >= s[k] + int(self.duration[k]))
        model.minimize(makespan)
        for k in range(n):
            model.add_hint(s[k], int(start[k]))
        parameters = {
            "max_time_in_seconds": limit,
            "num_workers": workers,
            "random_seed": seed,
            "catch_sigint_signal": False,
        }
        solver, status = run(model, parameters, deadline)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, False
        found = np.fromiter((solver.value(v) for v in s), np.int64, count=n)
        return found, status == cp_model.OPTIMAL


__all__ = ["JobShopLnsOutcome", "improve_jobshop"]
