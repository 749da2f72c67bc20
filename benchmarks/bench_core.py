"""Core engine benchmarks: model build time, and solution quality against the catalogue and a peer.

    python benchmarks/bench_core.py build
    python benchmarks/bench_core.py quality [--time-limit 10] [--workers 2] [--instances ft10 la16 ...]

`build` times the steps before the search (index, heuristic, model, hints) on ta71 (2,000
operations) and on a generated 1,000 × 50 job shop (50,000 operations), median of --repeat runs.

`quality` solves each instance with `scheduler.solve` and, in the same run with the same time
limit and workers, with a peer: the textbook CP-SAT job-shop model of the OR-Tools examples
(horizon = sum of durations, no hint; `peers/textbook.py`). `scheduler bench` (benchmarks/README.md,
"Benchmark harness") runs the same comparison on any set, one subprocess per solve. It reports makespan, bound, the gap to the catalogue's best
known upper bound, and the ratio ours / peer (below 1 is better). Results go to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from peers.textbook import solve_textbook

from scheduler import cpsat
from scheduler.bench.protocol import Request
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path, load_catalog
from scheduler.formats.generate import generate_jssp
from scheduler.heuristics import best_dispatch
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.solve import solve
from scheduler.verify import check

QUALITY_SET = ["ft10", "la16", "la17", "la18", "la19", "la20", "abz7", "ta01", "ta11"]


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def bench_build(repeat: int) -> list[dict[str, Any]]:
    rows = []
    cases = [("ta71", lambda: read_problem(instance_path("ta71")))]
    cases.append(("jssp-1000x50", lambda: generate_jssp(1000, 50, seed=1)))
    for name, load in cases:
        t_parse, problem = _median_time(load, repeat)
        t_index, _ = _median_time(lambda p=problem: Problem.index.func(p), repeat)  # type: ignore[attr-defined]
        t_heur, schedule = _median_time(lambda p=problem: best_dispatch(p), repeat)
        objective = check(problem, schedule).objective
        t_model, sm = _median_time(lambda p=problem, o=objective: cpsat.build_model(p, o), repeat)
        t_hint, _ = _median_time(
            lambda p=problem, o=objective, s=schedule: _hinted(p, o, s), repeat
        )
        rows.append(
            {
                "instance": name,
                "operations": problem.index.n_operations,
                "parse_s": round(t_parse, 3),
                "index_s": round(t_index, 4),
                "heuristic_s": round(t_heur, 3),
                "build_model_s": round(t_model, 3),
                "build_model_with_hint_s": round(t_hint, 3),
                "variables": len(sm.model.proto.variables),
                "constraints": len(sm.model.proto.constraints),
            }
        )
        print(_fmt(rows[-1]), file=sys.stderr)
    return rows


def _hinted(problem: Problem, objective: int | None, schedule: Any) -> None:
    sm = cpsat.build_model(problem, objective)
    cpsat.add_hint(sm, schedule)


def peer_solve(problem: Problem, time_limit: float, workers: int) -> tuple[int | None, int | None]:
    """The OR-Tools examples' job-shop model (peers/textbook.py, also `scheduler bench`'s peer)."""
    outcome = solve_textbook(problem, Request("", time_limit, workers, seed=0))
    return outcome.makespan, outcome.bound


def bench_quality(
    names: list[str], time_limit: float, workers: int, peer: bool
) -> list[dict[str, Any]]:
    catalog = load_catalog()
    rows = []
    for name in names:
        problem = read_problem(instance_path(name))
        entry = catalog[name]
        result = solve(problem, SolveParams(time_limit=time_limit, workers=workers))
        row: dict[str, Any] = {
            "instance": name,
            "size": f"{entry.jobs}x{entry.machines}",
            "best_known": entry.upper_bound,
            "optimum": entry.optimum,
            "makespan": result.objective,
            "bound": result.best_bound,
            "status": result.status.value,
            "gap_to_best_known_pct": round(
                100 * (result.objective - entry.upper_bound) / entry.upper_bound, 2
            )
            if result.objective is not None and entry.upper_bound
            else None,
            "heuristic": result.heuristic_objective,
            "wall_s": round(result.wall_time, 2),
        }
        if peer:
            peer_obj, peer_bound = peer_solve(problem, time_limit, workers)
            row["peer_makespan"] = peer_obj
            row["peer_bound"] = peer_bound
            row["ratio_to_peer"] = (
                round(result.objective / peer_obj, 4) if peer_obj and result.objective else None
            )
        rows.append(row)
        print(_fmt(row), file=sys.stderr)
    return rows


def _fmt(row: dict[str, Any]) -> str:
    return "  ".join(f"{k}={v}" for k, v in row.items())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    build = sub.add_parser("build")
    build.add_argument("--repeat", type=int, default=3)
    quality = sub.add_parser("quality")
    quality.add_argument("--time-limit", type=float, default=10.0)
    quality.add_argument("--workers", type=int, default=2)
    quality.add_argument("--instances", nargs="+", default=QUALITY_SET)
    quality.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    if args.what == "build":
        rows = bench_build(args.repeat)
    else:
        rows = bench_quality(args.instances, args.time_limit, args.workers, not args.no_peer)
    print(json.dumps({"benchmark": args.what, "args": vars(args), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
