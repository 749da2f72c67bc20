"""Reschedule a released plant plan after a breakdown of its busiest machine.

    .venv/bin/python benchmarks/bench_reschedule.py [--instance instances/factory/plant-2000.json]
        [--release-seconds 10] [--time-limit 60] [--stability 1] [--workers 2] [--out r.json]

The released plan is `solve` at `--release-seconds`. At `now` = a quarter of its makespan the
machine with the most operations breaks down for a tenth of the makespan (`--freeze 0`). The
state is rescheduled twice within `--time-limit`: with the stability term (`--stability`) and as a
from-scratch solve of the same state (weight 0). Reports, for each: the time to the repaired plan
(the pin-aware repair, verified with its pins: the solve's incumbent), to CP-SAT's first solution,
to the final plan, its status and objective, and the operations moved or reassigned against the
released plan. A third row is the peer of the repair: the same generation from `now` without
the released starts ("fresh dispatch": a heuristic plan of the state from scratch). Prints a
table to stderr and JSON to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from scheduler.heuristics import PinnedRepair
from scheduler.params import SolveParams
from scheduler.planning.events import Events
from scheduler.planning.reschedule import Prepared, busiest_breakdown, diff, prepare
from scheduler.problem import Problem, parse_problem_json
from scheduler.result import SolveResult
from scheduler.schedule import Schedule
from scheduler.solve import solve
from scheduler.verify import verify


def released_plant(
    description: str, **options: tuple[type, float]
) -> tuple[argparse.Namespace, Problem, SolveResult, Schedule]:
    """Parse the command line (the plant, how its plan is released, CP-SAT workers, the output
    file, and `options`: name -> (type, default)), then release the plan: `solve` at
    `--release-seconds`. Shared with bench_promise.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--instance", type=Path, default=Path("instances/factory/plant-2000.json"))
    parser.add_argument("--release-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--out", type=Path)
    for name, (kind, default) in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    args = parser.parse_args()
    problem = parse_problem_json(args.instance.read_bytes())
    result = solve(problem, SolveParams(time_limit=args.release_seconds, workers=args.workers))
    assert result.schedule is not None, "no released plan"
    return args, problem, result, result.schedule


def _fresh_dispatch(problem: Problem, released: Schedule, prepared: Prepared) -> dict[str, Any]:
    """The peer of the repair: the same generation from `now` without the released starts (a
    heuristic plan of the state from scratch), timed and verified, and what it moves."""
    began = time.perf_counter()
    schedule = PinnedRepair(prepared.problem).repair(
        dataclasses.replace(prepared.pins, reference={})
    )
    elapsed = time.perf_counter() - began
    report = verify(prepared.problem, schedule) if schedule is not None else None
    changes: dict[str, int | None] = dict.fromkeys(("moved", "reassigned", "unchanged"))
    if schedule is not None:
        changes.update(diff(problem, released, prepared.problem, schedule).counts())
    ok = report is not None and report.ok
    return {
        "weight": "-",
        "repaired_s": elapsed if ok else None,
        "first_cpsat_s": None,
        "final_s": elapsed,
        "status": "HEURISTIC" if ok else "NONE",
        "objective": report.objective if report is not None and ok else None,
        **changes,
        "build_s": 0.0,
        "pinned": len(prepared.pins.fixed),
        "violation": None if ok or report is None else report.violations[0].message,
    }


def write_report(report: dict[str, Any], out: Path | None) -> None:
    """The JSON report to stdout, and to `out` when given."""
    text = json.dumps(report, indent=1)
    print(text)
    if out is not None:
        out.write_text(text + "\n")


def main() -> None:
    args, problem, released_result, released = released_plant(
        __doc__.splitlines()[0], time_limit=(float, 60.0), stability=(int, 1)
    )
    now, window = busiest_breakdown(problem, released)
    breakdown = window.model_dump()
    events = Events(events=[window])
    rows: dict[str, Any] = {}
    for name, weight in (("stability", args.stability), ("from scratch", 0)):
        prepared = prepare(problem, released, events, now=now, weight=weight)
        result = solve(
            prepared.problem,
            SolveParams(time_limit=args.time_limit, workers=args.workers),
            pins=prepared.pins,
        )
        changes: dict[str, int | None] = dict.fromkeys(("moved", "reassigned", "unchanged"))
        if result.schedule is not None:
            changes.update(diff(problem, released, prepared.problem, result.schedule).counts())
        repaired = result.heuristic_objective is not None
        rows[name] = {
            "weight": weight,
            "repaired_s": result.heuristic_time if repaired else None,
            "first_cpsat_s": result.first_solution_time,
            "final_s": result.wall_time,
            "status": result.status.value,
            "objective": result.objective,
            "moved": changes["moved"],
            "reassigned": changes["reassigned"],
            "unchanged": changes["unchanged"],
            "build_s": result.build_time,
            "pinned": len(prepared.pins.fixed),
        }
    rows["fresh dispatch"] = _fresh_dispatch(problem, released, prepared)
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
        "| run | repaired plan | CP-SAT first | final | model build | status | objective "
        "| moved | reassigned |",
        file=sys.stderr,
    )
    for name, r in rows.items():
        repaired, first = (
            "-" if r[k] is None else f"{r[k]:.2f} s" for k in ("repaired_s", "first_cpsat_s")
        )
        print(
            f"| {name} (w={r['weight']}) | {repaired} | {first} | {r['final_s']:.2f} s "
            f"| {r['build_s']:.2f} s | {r['status']} | {r['objective']} | {r['moved']} "
            f"| {r['reassigned']} |",
            file=sys.stderr,
        )
    write_report(report, args.out)


if __name__ == "__main__":
    main()
