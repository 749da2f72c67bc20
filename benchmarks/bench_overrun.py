"""Wall time over the limit, and whether a schedule came back, for problem files (issue 8: "a
solve answers within time_limit + max(1 s, 5 %)", "a schedule for every feasible plant").

    .venv/bin/python benchmarks/bench_overrun.py PATH... [--time-limit 10] [--workers 2]

Each PATH is a problem file or a folder of `*.json` problem files. Per file: read it (the clock
starts before the read: the limit covers validation too) and `solve` it in process; status,
schedule or not, wall time and wall time over the limit. Then the share with a schedule and the
p50 / max overrun. Uses only `read_problem`, `solve` and `SolveParams`, so the same command runs
against an older checkout (`PYTHONPATH=that/checkout`) on the same files: before and after.
`bench_trust.py --save DIR` writes the seeded trust plants as files for it.

`--jssp 1000x100` adds a generated job shop (`generate_jssp`, seed 1), built before the clock
starts (a 100,000-operation file takes seconds to read: see `bench_read.py`).

`--first-rule-only` (an ablation, current code only): the factory heuristic runs its first rule
and no repair rounds, so the deadlines it misses are left to CP-SAT's relaxed first phase.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from scheduler.formats import read_problem
from scheduler.params import SolveParams
from scheduler.solve import solve


def problem_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return files


def measure(path: Path | str, time_limit: float, workers: int) -> dict[str, Any]:
    if isinstance(path, Path):
        begin = time.perf_counter()
        problem = read_problem(path)
    else:
        from scheduler.formats.generate import generate_jssp

        jobs, machines = map(int, path.split("x"))
        problem = generate_jssp(jobs, machines, seed=1)
        problem.index  # noqa: B018 - built before the clock
        begin = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=time_limit, workers=workers))
    wall = time.perf_counter() - begin
    return {
        "file": path.name if isinstance(path, Path) else f"jssp {path}",
        "status": str(result.status.value),
        "schedule": result.schedule is not None,
        "objective": result.objective,
        "wall_seconds": round(wall, 3),
        "overrun_seconds": round(max(0.0, wall - time_limit), 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("paths", type=Path, nargs="*")
    parser.add_argument("--jssp", action="append", default=[], metavar="JOBSxMACHINES")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--first-rule-only", action="store_true", help="ablation, see above")
    args = parser.parse_args(argv)
    if args.first_rule_only:
        import functools

        import scheduler.solve as solve_module

        solve_module.best_factory_dispatch = functools.partial(  # type: ignore[assignment]
            solve_module.best_factory_dispatch, seconds=0.0
        )
    rows = []
    for path in [*problem_files(args.paths), *args.jssp]:
        row = measure(path, args.time_limit, args.workers)
        rows.append(row)
        print(
            f"{row['file']:<28} {row['status']:<10} schedule {row['schedule']!s:<5} "
            f"wall {row['wall_seconds']:7.2f} s  over {row['overrun_seconds']:5.2f} s",
            file=sys.stderr,
            flush=True,
        )
    overrun = [r["overrun_seconds"] for r in rows]
    summary = {
        "time_limit": args.time_limit,
        "problems": len(rows),
        "with_schedule": sum(r["schedule"] for r in rows),
        "overrun_p50_seconds": statistics.median(overrun),
        "overrun_max_seconds": max(overrun),
    }
    print(json.dumps({"summary": summary, "problems": rows}, indent=2))


if __name__ == "__main__":
    main()
