"""The KPI report at plant scale: how long the lateness explanation and the renderings take, and
how big the pages are.

    python benchmarks/bench_report.py [--time-limit 5] [--tighten 3]

For each example plant of `instances/factory/`, due dates pulled in (`due = release +
(due - release) // tighten`, so that many orders are late and have a chain to walk), solved for
--time-limit seconds with two workers; then the wall time of `KpiReport.build` (verification,
KPIs and every chain), `to_markdown` and `to_html`, the sizes of both, the late and at-risk
orders, the longest chain and the causes named. Results go to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any

from scheduler.formats import read_problem
from scheduler.formats.catalog import instances_dir
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.report.kpi import KpiReport, to_html, to_markdown
from scheduler.solve import solve


def tightened(problem: Problem, factor: int) -> Problem:
    data = problem.model_dump(mode="json", exclude_none=True)
    for order in data["orders"]:
        if "due" in order:
            order["due"] = order["release"] + (order["due"] - order["release"]) // factor
    return parse_problem(data)


def bench(time_limit: float, factor: int) -> list[dict[str, Any]]:
    rows = []
    for path in sorted((instances_dir() / "factory").glob("*.json")):
        problem = tightened(read_problem(path), factor)
        result = solve(problem, SolveParams(time_limit=time_limit, workers=2))
        assert result.schedule is not None
        started = time.perf_counter()
        report = KpiReport.build(problem, result.schedule)
        built = time.perf_counter()
        markdown = to_markdown(report)
        rendered = time.perf_counter()
        page = to_html(report)
        done = time.perf_counter()
        explained = report.lateness.explained
        causes = Counter(step.cause.value for s in explained for step in s.chain)
        rows.append(
            {
                "plant": path.stem,
                "operations": problem.index.n_operations,
                "status": result.status.value,
                "late": sum(s.late for s in explained),
                "at_risk": sum(s.at_risk for s in explained),
                "longest_chain": max((len(s.chain) for s in explained), default=0),
                "causes": dict(causes.most_common()),
                "build_s": round(built - started, 3),
                "markdown_s": round(rendered - built, 3),
                "html_s": round(done - rendered, 3),
                "markdown_kb": len(markdown.encode()) // 1024,
                "html_kb": len(page.encode()) // 1024,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--tighten", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(bench(args.time_limit, args.tighten), indent=1))


if __name__ == "__main__":
    main()
