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

Fan-out on Ray (issue 13): the same comparison on the local pool and on Ray in local mode (a
runtime of `--cores` CPUs started here, its start-up timed apart), alternately `--repeat` times:

    .venv/bin/python benchmarks/bench_whatif.py --executor both --instance instances/jssp/ft06 \
        --scenarios 16 --budget 60 --cores 2 --repeat 2

`--scenarios 16` asks, of any instance, sixteen questions made from its ids: each machine down
for the first hundred ticks, each machine doubled, each order cancelled (in that order, the first
sixteen). With `both`, every run must give the same answers (status, objective, bound, verified,
schedule) whenever all its solves are optimal; the wall times and their ratio go to the JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from scheduler.executor import LocalPool
from scheduler.formats import read_problem
from scheduler.planning.changes import ScenarioFile
from scheduler.planning.whatif import compare
from scheduler.problem import Problem

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


def sixteen_scenarios(problem: Problem) -> ScenarioFile:
    """Sixteen one-change questions from the instance's own ids (machines down, doubled, orders
    cancelled), so any instance gets them."""
    machines = [m.id for m in problem.machines]
    named = [(f"{m} down", [_down(m, 0, 100)]) for m in machines]
    named += [
        (f"{m} doubled", [{"kind": "machine_added", "machine_id": f"{m}-bis", "like": m}])
        for m in machines
    ]
    named += [
        (f"{o.id} cancelled", [{"kind": "order_cancelled", "order_id": o.id}])
        for o in problem.orders
    ]
    if len(named) < 16:
        raise SystemExit(f"--scenarios 16: {problem.name} has too few machines and orders")
    return ScenarioFile.model_validate(
        {"scenarios": [{"name": n, "changes": c} for n, c in named[:16]]}
    )


def _answers(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a comparison found, without its timings."""
    return [
        (
            e["name"],
            e["status"],
            e["objective"],
            e["best_bound"],
            e["verified"],
            (e["schedule"] or {}).get("operations"),
        )
        for e in (report["base"], *report["scenarios"])
    ]


def _run(
    problem: Problem, scenarios: ScenarioFile, args: argparse.Namespace, executor: Any
) -> dict[str, Any]:
    report = compare(problem, scenarios, args.budget, cores=args.cores, executor=executor)
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
    unverified = [e["name"] for e in entries if not e["verified"]]
    assert not unverified, f"no verified schedule for {unverified}"
    assert report["wall_time"] <= args.budget + 5, f"over budget: {report['wall_time']} s"
    return report


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "status", "objective", "best_bound", "gap", "wall_time", "verified")
    entries = [report["base"], *report["scenarios"]]
    return {
        "wall_time": report["wall_time"],
        "pool": report["pool"],
        "problems": [{k: e.get(k) for k in keys} for e in entries],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--instance", type=Path, default=INSTANCE)
    parser.add_argument("--scenarios", type=int, choices=(8, 16), default=8)
    parser.add_argument("--executor", choices=("local", "ray", "both"), default="local")
    parser.add_argument("--repeat", type=int, default=1, help="runs per executor, alternating")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    problem = read_problem(args.instance)
    if args.scenarios == 8 and args.instance.name != INSTANCE.name:
        raise SystemExit("--scenarios 8: the eight questions are about auto-parts")
    scenarios = eight_scenarios(problem) if args.scenarios == 8 else sixteen_scenarios(problem)
    summary: dict[str, Any] = {
        "instance": args.instance.name,
        "python": platform.python_version(),
        "budget": args.budget,
        "scenarios": args.scenarios,
    }
    names = ["local", "ray"] if args.executor == "both" else [args.executor]
    executors: dict[str, Any] = {"local": LocalPool()}
    if "ray" in names:
        from scheduler.executor_ray import RayExecutor

        started = time.monotonic()
        executors["ray"] = RayExecutor(None, cores=args.cores)
        executors["ray"].cores()  # starts the runtime, so its start-up is not in the first run
        summary["ray_start_seconds"] = round(time.monotonic() - started, 3)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    try:
        for _ in range(args.repeat):
            for name in names:
                runs[name].append(_run(problem, scenarios, args, executors[name]))
    finally:
        for executor in executors.values():
            executor.close()
    for name in names:
        summary[name] = [_summary(r) for r in runs[name]]
        summary[f"{name}_wall_times"] = [r["wall_time"] for r in runs[name]]
    if args.executor == "both":
        reports = runs["local"] + runs["ray"]
        optimal = all(
            e["status"] == "OPTIMAL" for r in reports for e in (r["base"], *r["scenarios"])
        )
        identical = all(_answers(r) == _answers(reports[0]) for r in reports)
        summary["all_optimal"], summary["identical_results"] = optimal, identical
        summary["ray_over_local"] = round(
            sum(summary["ray_wall_times"]) / sum(summary["local_wall_times"]), 3
        )
        assert identical or not optimal, "Ray and the local pool disagree on optimal solves"
    if len(names) == 1 and args.repeat == 1:
        summary.update(summary.pop(names[0])[0])
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
