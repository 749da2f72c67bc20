"""Large plants (issue 11): plant-2000, a generated 50,000-operation plant and job shop, at a time limit.

    .venv/bin/python benchmarks/bench_large.py [--time-limit 60] [--workers 2]
                                               [--cases plant-2000 plant-50k jssp-50k ...]

Each case runs in a subprocess of its own (so its peak memory is its own): the problem is read
or generated before the clock starts, then `solve(problem, SolveParams(time_limit, workers))`.
Per case: operations, status, the dispatching objective (`heuristic_objective` on a plant; on a
job shop the first progress event, its dispatching schedule, since `heuristic_objective` is the
tabu search's), the objective returned and its improvement over dispatching, the bound and gap,
wall time and its excess over the limit, peak resident memory (`ru_maxrss`) and the solve's note
(what ran). Prints a markdown table on stdout and the rows as
JSON on stderr.

plant-50k is `scaled_plant`: plant-2000's orders 25 times over (49,625 operations), each copy
four weeks after the previous. jssp-50k is `generate_jssp(1000, 50, seed=1)` (many jobs on
few machines: the machine-load bound is tight); jssp-50k-square is `generate_jssp(250, 200,
seed=1)`, as many operations on a squarer shop, where the bound is far and CP-SAT searches a
50,000-operation model.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

from bench_factory import markdown  # run as a script, benchmarks/ is on the path

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import WEEK, generate_jssp
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.solve import solve

COPIES = 25
"""plant-50k: plant-2000's orders this many times over."""
SHIFT = 4 * WEEK
"""Each copy's releases, due dates, deadlines and open purchases this much after the previous."""


def scaled_plant(problem: Problem, copies: int, shift: int) -> Problem:
    """`problem`'s orders (and open purchases) `copies` times on the same machines, copy `c`
    shifted by `c * shift` ticks, with `copies` times the stock: a stream of orders a plant of
    this size might see over months. (Generating 50,000 operations with `generate_plant` takes
    more than ten minutes on shared cores: its construction schedule.)"""
    data = problem.model_dump()
    orders, purchases = [], []
    for c in range(copies):
        for order in problem.model_dump()["orders"]:
            order["id"] = f"{order['id']}-c{c}"
            for key in ("release", "due", "deadline"):
                if order.get(key) is not None:
                    order[key] += c * shift
            orders.append(order)
        for po in problem.model_dump()["purchase_orders"]:
            po["id"] = f"{po['id']}-c{c}"
            po["arrival"] += c * shift
            purchases.append(po)
    data |= {"name": f"{problem.name}-x{copies}", "orders": orders, "purchase_orders": purchases}
    for item in data["items"]:
        item["stock"] *= copies
    return parse_problem(data)


CASES = ("plant-2000", "plant-50k", "jssp-50k", "jssp-50k-square")

COLUMNS = [
    ("case", "case"),
    ("operations", "ops"),
    ("prepare_s", "generate/read s"),
    ("status", "status"),
    ("dispatching", "dispatching"),
    ("tabu", "tabu search"),
    ("objective", "objective"),
    ("improvement", "better than dispatching"),
    ("bound", "bound"),
    ("gap", "gap"),
    ("wall_s", "wall s"),
    ("over_s", "over limit s"),
    ("peak_mib", "peak MiB"),
]


def problem_of(case: str) -> Problem:
    if case == "plant-2000":
        return read_problem(instance_path("plant-2000"))
    if case == "plant-50k":
        return scaled_plant(read_problem(instance_path("plant-2000")), COPIES, SHIFT)
    if case == "jssp-50k":
        return generate_jssp(1000, 50, seed=1)
    if case == "jssp-50k-square":
        return generate_jssp(250, 200, seed=1)
    raise ValueError(f"unknown case {case!r}; expected one of {CASES}")


def run_case(case: str, time_limit: float, workers: int) -> dict[str, Any]:
    """One case in this process (see `main --one`)."""
    started = time.perf_counter()
    problem = problem_of(case)
    row: dict[str, Any] = {
        "case": case,
        "operations": problem.index.n_operations,
        "prepare_s": round(time.perf_counter() - started, 1),
    }
    result = solve(problem, SolveParams(time_limit=time_limit, workers=workers))
    before, after = result.heuristic_objective, result.objective
    tabu = None
    if problem.is_classic and result.progress:
        # A job shop reports its dispatching schedule first, then the tabu search's.
        before, tabu = result.progress[0].objective, result.heuristic_objective
    row |= {
        "status": str(result.status),
        "dispatching": before,
        "tabu": tabu,
        "objective": after,
        "improvement": None
        if before is None or after is None
        else f"{100 * (before - after) / max(1, abs(before)):.1f} %",
        "bound": result.best_bound,
        "gap": None if result.gap is None else f"{100 * result.gap:.2f} %",
        "wall_s": round(result.wall_time, 2),
        "over_s": round(result.wall_time - time_limit, 2),
        # Linux reports kibibytes.
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "note": result.note,
    }
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_case(args.one, args.time_limit, args.workers)))
        return 0
    rows = []
    for case in args.cases:
        command = [sys.executable, __file__, "--one", case]
        command += ["--time-limit", str(args.time_limit), "--workers", str(args.workers)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            rows.append({"case": case, "status": f"ERROR: {done.stderr.strip()[-300:]}"})
        else:
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr)
    print(f"time limit {args.time_limit} s, {args.workers} workers\n")
    print(markdown(rows, COLUMNS))
    for row in rows:
        if row.get("note"):
            print(f"\n{row['case']}: {row['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
