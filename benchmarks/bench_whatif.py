"""What-if comparison in one budget (issue 10, "eight scenarios of auto-parts compared in a 60 s
budget on 2 cores").

    .venv/bin/python benchmarks/bench_whatif.py [--budget 60] [--cores 2] [--out result.json]

Problem: `instances/factory/auto-parts.json` (40 orders, 12 machines, calendars, changeovers,
purchased items). Eight scenarios a planner would ask about: a press down on Tuesday, a press
added, a rush order, an order cancelled, a supplier slipping a week, an open purchase delayed a
week, a Saturday shift, a due date pulled in. `scheduler.planning.whatif.compare` solves the base
and the eight (nine problems) on a pool of spawned processes within the one budget.

Checks while it times: every problem gets a verified schedule and the whole comparison ends
within the budget plus 5 s. A table goes to stderr (per problem: status, objective, bound, gap,
solve seconds), the JSON result (without the schedules) to stdout and `--out`.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

from scheduler.planning.changes import ScenarioFile
from scheduler.planning.whatif import compare
from scheduler.problem import Problem, parse_problem_json

INSTANCE = Path(__file__).resolve().parent.parent / "instances" / "factory" / "auto-parts.json"
DAY = 1440
"""Ticks (minutes) per day; tick 0 is Monday 06:00."""


def eight_scenarios(problem: Problem) -> ScenarioFile:
    rush = problem.orders[0].model_dump(mode="json") | {"id": "RUSH-1", "due": 3 * DAY}
    named: list[tuple[str, list[dict[str, Any]]]] = [
        ("press-2 down tuesday", [_down("press-2", DAY, 2 * DAY)]),
        ("press-3 added", [{"kind": "machine_added", "machine_id": "press-4", "like": "press-3"}]),
        ("rush order", [{"kind": "order_added", "order": rush}]),
        ("SO-1003 cancelled", [{"kind": "order_cancelled", "order_id": "SO-1003"}]),
        (
            "steel express slips a week",
            [
                {
                    "kind": "lead_time_changed",
                    "item_id": "steel-sheet",
                    "supplier_id": "express",
                    "lead_time": 2880 + 7 * DAY,
                }
            ],
        ),
        (
            "PO-7001 a week late",
            [{"kind": "purchase_delayed", "purchase_id": "PO-7001", "delay": 7 * DAY}],
        ),
        (
            "saturday shift",
            [
                {
                    "kind": "shift_added",
                    "calendar_id": "two-shift",
                    "shift": {"days": ["sat"], "start": "06:00", "end": "14:00"},
                }
            ],
        ),
        (
            "SO-1004 due a day earlier",
            [{"kind": "due_changed", "order_id": "SO-1004", "due": 11040 - DAY}],
        ),
    ]
    return ScenarioFile.model_validate(
        {"base": INSTANCE.name, "scenarios": [{"name": n, "changes": c} for n, c in named]}
    )


def _down(machine: str, start: int, end: int) -> dict[str, Any]:
    return {"kind": "machine_down", "machine_id": machine, "start": start, "end": end}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    problem = parse_problem_json(INSTANCE.read_bytes())
    report = compare(problem, eight_scenarios(problem), args.budget, cores=args.cores)
    entries = [report["base"], *report["scenarios"]]
    print(
        f"{'problem':<28} {'status':<10} {'objective':>10} {'bound':>10} {'gap':>7} {'s':>6}",
        file=sys.stderr,
    )
    for e in entries:
        gap = "-" if e["gap"] is None else f"{e['gap']:.1%}"
        print(
            f"{e['name']:<28} {e['status']:<10} {e['objective']!s:>10} {e['best_bound']!s:>10} "
            f"{gap:>7} {e['wall_time']!s:>6}",
            file=sys.stderr,
        )
    print(
        f"wall time {report['wall_time']} s, budget {args.budget} s, pool {report['pool']}",
        file=sys.stderr,
    )
    summary = {
        "instance": INSTANCE.name,
        "python": platform.python_version(),
        "budget": args.budget,
        "wall_time": report["wall_time"],
        "pool": report["pool"],
        "problems": [
            {
                k: e.get(k)
                for k in (
                    "name",
                    "status",
                    "objective",
                    "best_bound",
                    "gap",
                    "wall_time",
                    "verified",
                )
            }
            for e in entries
        ],
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    unverified = [e["name"] for e in entries if not e["verified"]]
    assert not unverified, f"no verified schedule for {unverified}"
    assert report["wall_time"] <= args.budget + 5, f"over budget: {report['wall_time']} s"
    return 0


if __name__ == "__main__":
    sys.exit(main())
