"""Reschedule a released plant plan after a breakdown of its busiest machine.

    .venv/bin/python benchmarks/bench_reschedule.py [--instance instances/factory/plant-2000.json]
        [--release-seconds 10] [--time-limit 60] [--stability 1] [--out r.json]

The released plan is `solve` at `--release-seconds`. At `now` = a quarter of its makespan the
machine with the most operations breaks down for a tenth of the makespan (`--freeze 0`). The
state is rescheduled twice within `--time-limit`: with the stability term (`--stability`) and as a
from-scratch solve of the same state (weight 0). Reports, for each: the time to the first verified
plan (CP-SAT's first solution; every returned plan is verified with its pins), the time to the
final plan, its status and objective, and the operations moved or reassigned against the released
plan. Prints a table to stderr and JSON to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

from scheduler.params import SolveParams
from scheduler.planning.events import Events
from scheduler.planning.reschedule import busiest_breakdown, diff, prepare
from scheduler.problem import parse_problem_json
from scheduler.solve import solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=Path("instances/factory/plant-2000.json"))
    parser.add_argument("--release-seconds", type=float, default=10.0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--stability", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    problem = parse_problem_json(args.instance.read_bytes())
    released_result = solve(problem, SolveParams(time_limit=args.release_seconds))
    released = released_result.schedule
    assert released is not None, "no released plan"
    now, window = busiest_breakdown(problem, released)
    breakdown = window.model_dump()
    events = Events(events=[window])
    rows: dict[str, Any] = {}
    for name, weight in (("stability", args.stability), ("from scratch", 0)):
        prepared = prepare(problem, released, events, now=now, weight=weight)
        result = solve(
            prepared.problem, SolveParams(time_limit=args.time_limit), pins=prepared.pins
        )
        changes: dict[str, int | None] = dict.fromkeys(("moved", "reassigned", "unchanged"))
        if result.schedule is not None:
            changes.update(diff(problem, released, prepared.problem, result.schedule).counts())
        rows[name] = {
            "weight": weight,
            "first_plan_s": result.first_solution_time,
            "final_s": result.wall_time,
            "status": result.status.value,
            "objective": result.objective,
            "moved": changes["moved"],
            "reassigned": changes["reassigned"],
            "unchanged": changes["unchanged"],
            "build_s": result.build_time,
            "pinned": len(prepared.pins.fixed),
        }
    report = {
        "instance": args.instance.name,
        "operations": problem.index.n_operations,
        "released": {
            "status": released_result.status.value,
            "objective": released_result.objective,
        },
        "breakdown": breakdown,
        "time_limit": args.time_limit,
        "python": platform.python_version(),
        "runs": rows,
    }
    print(
        "| run | first plan | final | model build | status | objective | moved | reassigned |",
        file=sys.stderr,
    )
    for name, r in rows.items():
        first = f"{r['first_plan_s']:.2f} s" if r["first_plan_s"] is not None else "-"
        print(
            f"| {name} (w={r['weight']}) | {first} | {r['final_s']:.2f} s | {r['build_s']:.2f} s | "
            f"{r['status']} | {r['objective']} | {r['moved']} | {r['reassigned']} |",
            file=sys.stderr,
        )
    text = json.dumps(report, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
