"""Time the dispatching heuristic on seeded 50,000-operation instances.

    .venv/bin/python benchmarks/bench_heuristic.py [--jobs 1000] [--machines 50] [--out result.json]

Two instances: a classic job shop (every job visits every machine once, in a random order) and a
flexible one (same shape, each operation with 3 eligible machines and its own duration on each).
Reports the median of `--repeats` runs of the index build, `dispatch` for every rule and
`best_dispatch`, prints a table to stderr and the JSON result to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from scheduler.heuristics import Rule, best_dispatch, dispatch, objective_of_ends
from scheduler.problem import Problem

SEED = 20240611


def job_shop(jobs: int, machines: int, rng: np.random.Generator) -> Problem:
    routes = np.argsort(rng.random((jobs, machines)), axis=1)
    durations = rng.integers(1, 100, size=(jobs, machines))
    return _problem("job-shop", jobs, machines, routes[:, :, None], durations[:, :, None])


def flexible(jobs: int, machines: int, eligible: int, rng: np.random.Generator) -> Problem:
    # Each operation draws `eligible` distinct machines and its own duration on each.
    picks = np.argsort(rng.random((jobs, machines, machines)), axis=2)[:, :, :eligible]
    durations = rng.integers(1, 100, size=(jobs, machines, eligible))
    return _problem("flexible", jobs, machines, picks, durations)


def _problem(
    name: str, jobs: int, machines: int, machine: np.ndarray, duration: np.ndarray
) -> Problem:
    machine_ids = [f"M{m}" for m in range(machines)]
    orders = [
        {
            "id": f"J{j}",
            "operations": [
                {
                    "id": f"op{k}",
                    "machines": [
                        {"machine_id": machine_ids[m], "duration": d}
                        for m, d in zip(ms, ds, strict=True)
                    ],
                }
                for k, (ms, ds) in enumerate(
                    zip(machine[j].tolist(), duration[j].tolist(), strict=True)
                )
            ],
        }
        for j in range(jobs)
    ]
    return Problem.model_validate(
        {"name": name, "machines": [{"id": m} for m in machine_ids], "orders": orders}
    )


def median_seconds(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    result = None
    for _ in range(repeats):
        begin = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - begin)
    return statistics.median(times), result


def bench(problem: Problem, repeats: int) -> dict[str, Any]:
    def build_index() -> object:
        problem.__dict__.pop("index", None)  # drop the cached_property to time a fresh build
        return problem.index

    index_s, ix = median_seconds(build_index, repeats)
    rows: dict[str, Any] = {}
    for rule in Rule:
        seconds, schedule = median_seconds(partial(dispatch, problem, rule), repeats)
        _, _, end = schedule.arrays(problem)
        rows[str(rule)] = {"seconds": seconds, "makespan": int(end.max())}
    best_s, best = median_seconds(lambda: best_dispatch(problem), repeats)
    _, _, best_end = best.arrays(problem)
    return {
        "name": problem.name,
        "jobs": ix.n_jobs,
        "machines": ix.n_machines,
        "operations": ix.n_operations,
        "modes": len(ix.mode_machine),
        "index_seconds": index_s,
        "dispatch": rows,
        "best_dispatch": {
            "seconds": best_s,
            "objective": objective_of_ends(problem, best_end),
        },
    }


def print_table(results: list[dict[str, Any]]) -> None:
    out = sys.stderr
    for r in results:
        print(
            f"\n{r['name']}: {r['jobs']} jobs x {r['machines']} machines, "
            f"{r['operations']} operations, {r['modes']} modes",
            file=out,
        )
        print(f"  {'index build':<16}{r['index_seconds'] * 1000:9.1f} ms", file=out)
        for rule, row in r["dispatch"].items():
            print(
                f"  dispatch {rule:<7}{row['seconds'] * 1000:9.1f} ms   makespan {row['makespan']}",
                file=out,
            )
        best = r["best_dispatch"]
        print(
            f"  {'best_dispatch':<16}{best['seconds'] * 1000:9.1f} ms   objective {best['objective']}",
            file=out,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--eligible", type=int, default=3, help="machines per flexible operation")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    instances = [
        job_shop(args.jobs, args.machines, rng),
        flexible(args.jobs, args.machines, args.eligible, rng),
    ]
    results = [bench(problem, args.repeats) for problem in instances]
    print_table(results)
    document = {
        "seed": args.seed,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "instances": results,
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
