"""Does every feasible plant with deadlines get a schedule, on time? (issue 8, "a schedule for
every feasible plant" and "one deadline for the whole call").

    .venv/bin/python benchmarks/bench_trust.py [--seeds 20] [--time-limit 10] [--heuristic-only]

Problems: `generate_trust_plant(seed)` for seeds 0..N-1: 140-300 operations with calendars,
resumable operations, changeovers, crews and tools, purchased and made items, min and max lags,
and hard deadlines one day after a verified witness schedule, so each one is feasible.

Per problem: `best_factory_dispatch` time and missed deadlines (and whether its schedule
verifies); unless `--heuristic-only`, `solve(problem, SolveParams(time_limit=T, workers=2))`:
status, whether a schedule came back, wall time and wall time over the limit. Then a summary:
heuristic p50/max time and share with no missed deadline; share with a schedule, p50/max overrun.
`--witness-lags SLACK` swaps the deadlines for a maximum lag on every routing link that the
witness keeps plus SLACK ticks (each order one max-lag block). A table goes to stderr, the JSON
result to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_factory_heuristic import emit, with_witness_lags  # the script's folder is on sys.path

from scheduler.formats.generate import generate_trust_plant
from scheduler.heuristics import best_factory_dispatch
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.solve import solve
from scheduler.verify import verify


def missed_deadlines(problem: Problem, schedule: Schedule) -> int:
    """Orders completing after their hard deadline."""
    completion = [0] * len(problem.orders)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
    return sum(
        order.deadline is not None and done > order.deadline
        for order, done in zip(problem.orders, completion, strict=True)
    )


def measure(
    seed: int, time_limit: float, heuristic_only: bool, witness_lags: int | None = None
) -> dict[str, Any]:
    problem, _ = generate_trust_plant(seed)
    if witness_lags is not None:
        problem = with_witness_lags(problem, witness_lags)
    problem.index  # noqa: B018 - built outside the timing, as `solve` has it by then
    begin = time.perf_counter()
    schedule = best_factory_dispatch(problem)
    row: dict[str, Any] = {
        "seed": seed,
        "operations": problem.index.n_operations,
        "deadlines": sum(o.deadline is not None for o in problem.orders),
        "heuristic_seconds": time.perf_counter() - begin,
        "heuristic_schedule": schedule is not None,
        "heuristic_missed": None if schedule is None else missed_deadlines(problem, schedule),
        "heuristic_verified": schedule is not None and verify(problem, schedule).ok,
    }
    if heuristic_only:
        return row
    begin = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=time_limit, workers=2))
    wall = time.perf_counter() - begin
    row |= {
        "status": str(result.status),
        "schedule": result.schedule is not None,
        "wall_seconds": wall,
        "overrun_seconds": max(0.0, wall - time_limit),
    }
    return row


def summary(rows: list[dict[str, Any]], heuristic_only: bool) -> dict[str, Any]:
    heuristic = [r["heuristic_seconds"] for r in rows]
    out: dict[str, Any] = {
        "problems": len(rows),
        "heuristic_p50_seconds": statistics.median(heuristic),
        "heuristic_max_seconds": max(heuristic),
        "heuristic_verified_share": sum(r["heuristic_verified"] for r in rows) / len(rows),
        "heuristic_missed_total": sum(r["heuristic_missed"] or 0 for r in rows),
        "heuristic_none": sum(not r["heuristic_schedule"] for r in rows),
    }
    if not heuristic_only:
        overrun = [r["overrun_seconds"] for r in rows]
        out |= {
            "schedule_share": sum(r["schedule"] for r in rows) / len(rows),
            "overrun_p50_seconds": statistics.median(overrun),
            "overrun_max_seconds": max(overrun),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20, help="problems: seeds 0..N-1")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--heuristic-only", action="store_true", help="skip the full solve")
    parser.add_argument(
        "--witness-lags",
        type=int,
        metavar="SLACK",
        help="instead of deadlines, a max lag on every routing link: the witness's gap + SLACK",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    parser.add_argument(
        "--save",
        type=Path,
        metavar="DIR",
        help="only write each problem to DIR/trust-SEED.json (for bench_overrun.py), then stop",
    )
    args = parser.parse_args(argv)
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        for seed in range(args.seeds):
            problem, _ = generate_trust_plant(seed)
            if args.witness_lags is not None:
                problem = with_witness_lags(problem, args.witness_lags)
            (args.save / f"trust-{seed:03d}.json").write_text(problem.model_dump_json(indent=1))
        return
    out = sys.stderr
    rows = []
    for seed in range(args.seeds):
        row = measure(seed, args.time_limit, args.heuristic_only, args.witness_lags)
        rows.append(row)
        line = (
            f"seed {seed:3d}  {row['operations']:4d} ops  {row['deadlines']:3d} deadlines  "
            f"heuristic {row['heuristic_seconds'] * 1000:7.1f} ms  missed {row['heuristic_missed']}"
            f"  verified {row['heuristic_verified']}"
        )
        if not args.heuristic_only:
            line += (
                f"  | {row['status']:<10} schedule {row['schedule']!s:<5} "
                f"wall {row['wall_seconds']:6.2f} s  over {row['overrun_seconds']:5.2f} s"
            )
        print(line, file=out, flush=True)
    result = {
        "time_limit": None if args.heuristic_only else args.time_limit,
        "python": platform.python_version(),
        "summary": summary(rows, args.heuristic_only),
        "problems": rows,
    }
    print(json.dumps(result["summary"], indent=2), file=out)
    emit(result, args.out)


if __name__ == "__main__":
    main()
