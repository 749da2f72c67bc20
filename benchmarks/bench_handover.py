"""Hand tests behind "More polish, or a hand-over when CP-SAT stalls" (`benchmarks/README.md`):
what the tabu search, or a restarted CP-SAT, makes of CP-SAT's schedule after it has searched a
job shop for a while (2 workers, seed 0; CP-SAT's threads make each run differ a little).

    python benchmarks/bench_handover.py polish ta04 --first 20 --tabu 5 10 20 40
    python benchmarks/bench_handover.py restart ta04 --first 20 --total 60 [--no-hint]

`polish`: CP-SAT alone for `--first` s, then the tabu search (two walks) from its schedule for
each of `--tabu` seconds, each time from the same schedule. `restart`: CP-SAT for `--first` s,
then a new CP-SAT search (seed 1) of the model with every window tightened to that makespan,
hinted with its schedule unless `--no-hint`, until `--total` s.
"""

from __future__ import annotations

import argparse
import time

from scheduler import cpsat
from scheduler.formats.catalog import load_instance
from scheduler.heuristics import tabu
from scheduler.stop import Deadline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["polish", "restart"])
    parser.add_argument("instance")
    parser.add_argument("--first", type=float, default=20.0)
    parser.add_argument("--tabu", type=float, nargs="*", default=[5.0, 10.0, 20.0, 40.0])
    parser.add_argument("--total", type=float, default=60.0)
    parser.add_argument("--no-hint", action="store_true")
    args = parser.parse_args()
    problem = load_instance(args.instance)
    tabu.compile_kernels()
    started = time.monotonic()
    # CP-SAT's own portfolio, as a shop it searches first gets it (no lower-bound search).
    parameters = {"num_workers": 2, "use_objective_lb_search": False}
    first = cpsat.search(
        cpsat.build_model(problem),
        {**parameters, "random_seed": 0, "max_time_in_seconds": args.first},
    )
    assert first.schedule is not None and first.objective is not None
    print(f"CP-SAT {args.first:g} s: {first.objective} (bound {first.bound})")
    if args.what == "polish":
        for seconds in args.tabu:
            polished = tabu.tabu_search(
                problem, first.schedule, deadline=Deadline(seconds), walks=2, lower_bound=1
            )
            print(f"tabu search {seconds:g} s from it: {int(polished.arrays(problem)[2].max())}")
        return
    sm = cpsat.build_model(problem, first.objective)
    if not args.no_hint:
        cpsat.add_hint(sm, first.schedule)
    left = max(0.0, args.total - (time.monotonic() - started))
    again = cpsat.search(sm, {**parameters, "random_seed": 1, "max_time_in_seconds": left})
    print(f"restarted CP-SAT {left:.0f} s: {again.status} {again.objective}")


if __name__ == "__main__":
    main()
