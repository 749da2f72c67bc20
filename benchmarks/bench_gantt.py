"""Gantt chart size and render time in headless Chromium (issue 12: "usable at 2,000 operations").

    .venv/bin/python benchmarks/bench_gantt.py [--repeat 3] [--chromium /usr/bin/chromium]

Two plans: `instances/factory/plant-2000.json` with its factory-heuristic schedule, and a
generated plant five times its size (`generate_plant`, plant-2000's shape with 5x the orders and
2x the machines, seed 3, about 10,000 operations) with its one-rule dispatching schedule. Per
plan: time to build the figure and write the HTML, the file size, and in headless Chromium
(`--dump-dom`, fresh profile each run, median of `--repeat`) the page's own time from navigation
start to the end of `Plotly.newPlot` (a `performance.now()` stamp written after the plot) and the
whole browser run's wall time. Checks as it measures: no script error, and the DOM holds a bar
per operation.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from plotly.offline import get_plotlyjs

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import FACTORY_PLANTS, generate_plant
from scheduler.heuristics import best_factory_dispatch, factory_dispatch
from scheduler.problem import Problem
from scheduler.report.gantt import gantt_figure, write_gantt
from scheduler.schedule import Schedule

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import ERROR_PROBE, Browser  # the tests' headless Chromium

STAMP = (
    "<script>document.documentElement.setAttribute('data-drawn-ms', performance.now());</script>"
)


def plans() -> list[tuple[str, Problem, Schedule]]:
    result = []
    problem = read_problem(instance_path("plant-2000"))
    schedule = best_factory_dispatch(problem)
    assert schedule is not None
    result.append(("plant-2000 (factory heuristic)", problem, schedule))
    spec, seed = FACTORY_PLANTS["plant-2000"]
    big = dataclasses.replace(
        spec,
        name="plant-10000",
        orders=spec.orders * 5,
        machines=tuple((group, 2 * n) for group, n in spec.machines),
    )
    problem = generate_plant(big, seed)
    schedule = factory_dispatch(problem)
    assert schedule is not None
    result.append(("generated plant x5 (one-rule dispatch)", problem, schedule))
    return result


def render(chromium: str, page: Path, workdir: Path) -> tuple[float, float, str]:
    """(in-page ms to the end of newPlot, browser wall seconds, DOM) of one run, fresh profile."""
    browser = Browser(chromium, Path(tempfile.mkdtemp(dir=workdir)))
    began = time.perf_counter()
    done = browser.run("--window-size=1600,1000", "--dump-dom", page.resolve().as_uri())
    wall = time.perf_counter() - began
    dom = done.stdout
    stamp = re.search(r'<html[^>]*data-drawn-ms="([\d.]+)"', dom)
    assert stamp is not None, f"the page did not finish drawing: {done.stderr[-1000:]}"
    assert not re.search(r"<html[^>]*data-script-errors=", dom), "script error"
    return float(stamp.group(1)), wall, dom


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    library = len(get_plotlyjs().encode())
    print(
        "| plan | operations | figure + write | HTML size (chart data) "
        "| drawn in page (median) | browser run (median) |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, problem, schedule in plans():
            began = time.perf_counter()
            figure = gantt_figure(problem, schedule)
            page = workdir / "plan.html"
            write_gantt(figure, page)
            build = time.perf_counter() - began
            text = page.read_text(encoding="utf-8")
            size = len(text.encode())
            head, _, rest = text.partition("<head>")
            body, _, tail = (head + "<head>" + ERROR_PROBE + rest).rpartition("</body>")
            page.write_text(body + STAMP + "</body>" + tail, encoding="utf-8")
            runs = [render(args.chromium, page, workdir) for _ in range(args.repeat)]
            bars = runs[0][2].count('class="point"')
            assert bars >= len(schedule.operations), f"{bars} bars drawn"
            drawn = statistics.median(r[0] for r in runs)
            wall = statistics.median(r[1] for r in runs)
            print(
                f"| {name} | {len(schedule.operations):,} | {build:.2f} s | "
                f"{size / 1e6:.2f} MB ({(size - library) / 1e6:.2f} MB) | {drawn / 1000:.2f} s | {wall:.2f} s |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
