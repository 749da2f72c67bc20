"""Seeded random instances: flexible job shops in the style of Brandimarte (1993), and job shops in
the style of Taillard (1993).

The same arguments and seed give the same problem for a given numpy; numpy does not promise its
random streams across releases, which is why the generated benchmark files are kept in the repo.
"""

from __future__ import annotations

import numpy as np

from scheduler.formats._text import Routing, benchmark_data
from scheduler.problem import Problem, parse_problem


def generate_fjsp(
    n_jobs: int,
    n_machines: int,
    *,
    ops_per_job: tuple[int, int] = (5, 10),
    machines_per_op: tuple[int, int] = (1, 3),
    duration: tuple[int, int] = (1, 10),
    seed: int,
) -> Problem:
    """A flexible job shop: each job has a random number of operations, each operation a random
    set of eligible machines with independent durations. Ranges are inclusive.

    Named `gen_{n_jobs}x{n_machines}_s{seed}`, the stem its file gets in instances/fjsp/.
    """
    _check_sizes(n_jobs, n_machines)
    _check_range("ops_per_job", ops_per_job, 1)
    _check_range("machines_per_op", machines_per_op, 1)
    _check_range("duration", duration, 0)
    if machines_per_op[1] > n_machines:
        raise ValueError(
            f"machines_per_op allows {machines_per_op[1]} machines but there are only {n_machines}"
        )
    rng = np.random.default_rng(seed)
    jobs: list[Routing] = []
    for _ in range(n_jobs):
        routing: Routing = []
        for _ in range(int(rng.integers(ops_per_job[0], ops_per_job[1] + 1))):
            count = int(rng.integers(machines_per_op[0], machines_per_op[1] + 1))
            machines = np.sort(rng.choice(n_machines, size=count, replace=False))
            durations = rng.integers(duration[0], duration[1] + 1, size=count)
            routing.append([(int(i), int(d)) for i, d in zip(machines, durations, strict=True)])
        jobs.append(routing)
    return _problem(f"gen_{n_jobs}x{n_machines}_s{seed}", n_machines, jobs)


def generate_jssp(
    n_jobs: int, n_machines: int, seed: int, duration: tuple[int, int] = (1, 99)
) -> Problem:
    """A job shop where each job visits every machine once, in a random order, with uniform random
    durations (Taillard's recipe, though not his generator: the instances differ from ta01..)."""
    _check_sizes(n_jobs, n_machines)
    _check_range("duration", duration, 0)
    rng = np.random.default_rng(seed)
    jobs: list[Routing] = []
    for _ in range(n_jobs):
        durations = rng.integers(duration[0], duration[1] + 1, size=n_machines)
        order = rng.permutation(n_machines)
        jobs.append([[(int(i), int(d))] for i, d in zip(order, durations, strict=True)])
    return _problem(f"gen_jssp_{n_jobs}x{n_machines}_s{seed}", n_machines, jobs)


def _problem(name: str, n_machines: int, jobs: list[Routing]) -> Problem:
    return parse_problem(benchmark_data(name, n_machines, jobs))


def _check_sizes(n_jobs: int, n_machines: int) -> None:
    if n_jobs < 1 or n_machines < 1:
        raise ValueError(f"need at least one job and one machine, got {n_jobs} x {n_machines}")


def _check_range(what: str, bounds: tuple[int, int], least: int) -> None:
    low, high = bounds
    if not least <= low <= high:
        raise ValueError(f"{what} must be (low, high) with {least} <= low <= high, got {bounds}")


__all__ = ["generate_fjsp", "generate_jssp"]
