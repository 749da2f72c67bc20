"""Factory plants: model build time and a time-limited solve of each example plant.

    python benchmarks/bench_factory.py [--time-limit 10] [--workers 2] [--plants auto-parts ...]
                                       [--hint]

For each plant of instances/factory/ (see `FACTORY_PLANTS` in scheduler/formats/generate.py):
the seconds to read the file, to build the CP-SAT model (`cpsat.build_model`, no incumbent), then
`solve(problem, SolveParams(time_limit, workers))`: status, objective, bound, gap, the time to the
first solution and the wall time. The objective of the greedy construction schedule
(`witness_schedule`, which the deadlines are set from) is shown for scale when the verifier can
evaluate it; with --hint it is also given to `solve` as a starting schedule (solve uses a hint
only when it passes the verifier). A plant whose build or solve fails is reported with the error and the run goes on.
Prints a markdown table on stdout and the rows as JSON on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from scheduler import cpsat
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import FACTORY_PLANTS, witness_schedule
from scheduler.params import SolveParams
from scheduler.solve import solve
from scheduler.verify import verify

COLUMNS = [
    ("plant", "plant"),
    ("operations", "ops"),
    ("read_s", "read"),
    ("build_s", "build"),
    ("status", "status"),
    ("objective", "objective"),
    ("bound", "bound"),
    ("gap", "gap"),
    ("first_solution_s", "first solution"),
    ("wall_s", "wall"),
    ("construction", "construction schedule"),
]


def bench_plant(name: str, time_limit: float, workers: int, hint: bool) -> dict[str, Any]:
    started = time.perf_counter()
    problem = read_problem(instance_path(name))
    row: dict[str, Any] = {
        "plant": name,
        "operations": problem.index.n_operations,
        "read_s": round(time.perf_counter() - started, 3),
    }
    try:
        started = time.perf_counter()
        cpsat.build_model(problem)
        row["build_s"] = round(time.perf_counter() - started, 3)
        params = SolveParams(time_limit=time_limit, workers=workers)
        result = solve(problem, params, hint=witness_schedule(problem) if hint else None)
    except Exception as error:  # a benchmark reports what breaks and goes on with the others
        row["status"] = f"ERROR {type(error).__name__}: {str(error).splitlines()[0][:80]}"
        return row
    row |= {
        "status": str(result.status),
        "objective": result.objective,
        "bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 4),
        "first_solution_s": _round(result.first_solution_time),
        "wall_s": round(result.wall_time, 2),
    }
    try:
        report = verify(problem, witness_schedule(problem))
        # Until the verifier knows every rule, it may reject what `tests/test_plants.py` accepts.
        row["construction"] = (
            report.objective if report.ok else f"{len(report.violations)} violations"
        )
    except Exception as error:
        row["construction"] = f"{type(error).__name__}"
    return row


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def markdown(rows: list[dict[str, Any]], columns: list[tuple[str, str]] = COLUMNS) -> str:
    """A markdown table of `rows`, one column per (key, title) of `columns`."""
    lines = [
        "| " + " | ".join(title for _, title in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = ["" if row.get(key) is None else str(row[key]) for key, _ in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument(
        "--plants", nargs="+", default=list(FACTORY_PLANTS), choices=list(FACTORY_PLANTS)
    )
    parser.add_argument(
        "--hint", action="store_true", help="start from the greedy construction schedule"
    )
    args = parser.parse_args(argv)
    rows = []
    for name in args.plants:
        rows.append(bench_plant(name, args.time_limit, args.workers, args.hint))
        print(json.dumps(rows[-1]), file=sys.stderr)
    hinted = ", construction schedule as hint" if args.hint else ""
    print(f"time limit {args.time_limit} s, {args.workers} workers{hinted}\n")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
