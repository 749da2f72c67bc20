"""Time the calendar-heavy paths on a factory plant: the factory heuristic and the verifier.

    .venv/bin/python benchmarks/bench_worktime.py [--plant instances/factory/plant-2000.json]
        [--repeats 5] [--out r.json]

The heuristic (`best_factory_dispatch`) expands calendars through `scheduler.worktime`; the
verifier (`verify`) expands them on its own (`scheduler.verify.expand`). Both are timed on the
same plant, the verifier on the heuristic's schedule; medians of `--repeats` runs, in wall-clock
and in process CPU time (steadier on shared cores). Prints a line to stderr and the JSON result
to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
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

    schedule = best_factory_dispatch(problem)
    if schedule is None:
        sys.exit("the heuristic found no schedule")
    report = verify(problem, schedule)
    heuristic = _timed(lambda: best_factory_dispatch(problem), args.repeats)
    verifier = _timed(lambda: verify(problem, schedule), args.repeats)
    result = {
        "plant": Path(args.plant).name,
        "operations": problem.index.n_operations,
        "heuristic_s": heuristic[0],
        "heuristic_cpu_s": heuristic[1],
        "verify_s": verifier[0],
        "verify_cpu_s": verifier[1],
        "verified": report.ok,
        "objective": report.objective,
        "repeats": args.repeats,
        "python": platform.python_version(),
    }
    print(
        f"{result['plant']}: {result['operations']} operations, heuristic "
        f"{heuristic[0]:.3f} s (cpu {heuristic[1]:.3f} s), verify {verifier[0]:.4f} s "
        f"(cpu {verifier[1]:.4f} s), ok={result['verified']}, objective {result['objective']}",
        file=sys.stderr,
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def _timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return round(statistics.median(wall), 4), round(statistics.median(cpu), 4)


if __name__ == "__main__":
    main()
