"""The flexible job-shop tabu search alone, from the best dispatching schedule (issue 11).

    python benchmarks/bench_fjsp_tabu.py mk06 mk07 mk10 [--seconds 3] [--seeds 0 1] [--walks 1]

Prints per instance and seed the dispatching makespan, the search's, the best known upper bound
and the gap to it; then the mean gap. Instances are catalogue names (`scheduler bench` sets are
not needed here: no peers, no subprocesses).
"""

from __future__ import annotations

import argparse
import statistics

from scheduler.formats.catalog import load_catalog, load_instance
from scheduler.heuristics import best_dispatch
from scheduler.heuristics.fjsp_tabu import compile_kernels, fjsp_tabu_search
from scheduler.stop import Deadline
from scheduler.verify import check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="+")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--walks", type=int, default=1)
    args = parser.parse_args()
    assert compile_kernels()
    catalog = load_catalog()
    gaps = []
    for name in args.instances:
        problem = load_instance(name)
        best = catalog[name].upper_bound
        start = best_dispatch(problem)
        for seed in args.seeds:
            schedule = fjsp_tabu_search(
                problem, start, deadline=Deadline(args.seconds), seed=seed, walks=args.walks
            )
            makespan = check(problem, schedule).objective
            assert makespan is not None
            gap = 100 * (makespan - best) / best if best else 0.0
            gaps.append(gap)
            print(
                f"{name} seed {seed}: dispatching {check(problem, start).objective}, "
                f"tabu {makespan}, best known {best}, gap {gap:.2f} %",
                flush=True,
            )
    print(f"mean gap {statistics.mean(gaps):.2f} % over {len(gaps)} runs")


if __name__ == "__main__":
    main()
