"""Time the calendar-heavy paths on a factory plant: the factory heuristic and the verifier.

    .venv/bin/python benchmarks/bench_worktime.py [--plant instances/factory/plant-2000.json]
        [--repeats 5] [--out r.json]

The heuristic (`best_factory_dispatch`) expands calendars through `scheduler.worktime`; the
verifier (`verify`) expands them on its own (`scheduler.verify.expand`). Both are timed on the
same plant, the verifier on the heuristic's schedule; medians of `--repeats` runs. Prints a table
to stderr and the JSON result to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

from scheduler.formats import read_problem
from scheduler.heuristics import best_factory_dispatch
from scheduler.verify import verify

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", default=str(ROOT / "instances/factory/plant-2000.json"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()
    problem = read_problem(args.plant)
    problem.index  # noqa: B018 - built once, outside the timings

    heuristic, verifier = [], []
    schedule = None
    for _ in range(args.repeats):
        began = time.perf_counter()
        schedule = best_factory_dispatch(problem)
        heuristic.append(time.perf_counter() - began)
    if schedule is None:
        sys.exit("the heuristic found no schedule")
    report = None
    for _ in range(args.repeats):
        began = time.perf_counter()
        report = verify(problem, schedule)
        verifier.append(time.perf_counter() - began)
    assert report is not None
    result = {
        "plant": Path(args.plant).name,
        "operations": problem.index.n_operations,
        "heuristic_s": round(statistics.median(heuristic), 4),
        "verify_s": round(statistics.median(verifier), 4),
        "verified": report.ok,
        "objective": report.objective,
        "repeats": args.repeats,
        "python": platform.python_version(),
    }
    print(
        f"{result['plant']}: {result['operations']} operations, heuristic "
        f"{result['heuristic_s']:.3f} s, verify {result['verify_s']:.3f} s "
        f"(ok={result['verified']}, objective {result['objective']})",
        file=sys.stderr,
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
