"""Sequence-dependent setups: our circuit model against a pairwise-disjunction peer, in one run.

    python benchmarks/bench_setups.py [--orders 50] [--machines 10] [--families 5]
                                      [--time-limit 10] [--workers 2] [--seed 1]

The instance is a seeded job shop (each order visits every machine once in a random order,
durations 1-99) whose operations carry one of `--families` families; each machine has its own full
setup matrix (random times 1-30 and costs 1-100 between distinct families, and initial setups),
closed under the triangle inequality so that the peer below is exact. Objective: makespan.

Both formulations are solved by `scheduler.solve.solve` with the same parameters, so both schedules
pass the independent verifier; only the setup rule differs:
- ours: `add_sequence_dependent_setups`, a circuit per machine whose arc literals enforce the
  changeover between consecutive operations (and carry setup time and cost for the objective);
- peer: for each pair of operations on a machine one order literal, with the setup of that
  direction enforced either way, and each operation's initial setup as a release (the textbook
  disjunctive model; exact here because the setup times obey the triangle inequality, and it cannot
  express setup costs).
Factory problems have no heuristic incumbent yet, so CP-SAT starts cold in both.
Prints a markdown table: model build time, time to first solution, objective, bound and gap.
With --guided, both models also run (outside `solve`, same time limit and workers) with a greedy
decision strategy under CP-SAT's fixed search, to separate the formulation from the cold search.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from unittest import mock

from ortools.sat.python import cp_model

import scheduler.cpsat.model as model_module
from scheduler import cpsat
from scheduler.cpsat.constraints import RULES
from scheduler.cpsat.setups import add_sequence_dependent_setups, setup_table
from scheduler.cpsat.variables import OperationVars
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.result import SolveResult, relative_gap
from scheduler.schedule import Schedule, changeovers
from scheduler.solve import solve
from scheduler.verify import check


def generate_setup_shop(
    orders: int, machines: int, families: int, seed: int, max_setup: int = 30
) -> Problem:
    """A seeded job shop with families and a metric setup matrix per machine."""
    rng = random.Random(seed)
    names = [f"f{f}" for f in range(families)]
    machine_rows: list[dict[str, Any]] = []
    for m in range(machines):
        # Node 0 is the idle machine (initial setups): it can be left but never entered.
        n = families + 1
        inf = 10**9
        time = [
            [0 if a == b else inf if b == 0 else rng.randint(1, max_setup) for b in range(n)]
            for a in range(n)
        ]
        for h in range(n):
            for a in range(n):
                for b in range(n):
                    time[a][b] = min(time[a][b], time[a][h] + time[h][b])
        rules = [
            {
                "from_family": None if a == 0 else names[a - 1],
                "to_family": names[b - 1],
                "time": time[a][b],
                "cost": rng.randint(1, 100),
            }
            for a in range(n)
            for b in range(1, n)
            if a != b
        ]
        machine_rows.append({"id": f"m{m}", "setups": rules})
    order_rows = []
    for j in range(orders):
        route = rng.sample(range(machines), machines)
        order_rows.append(
            {
                "id": f"o{j}",
                "operations": [
                    {
                        "id": f"op{k}",
                        "family": rng.choice(names),
                        "machines": [{"machine_id": f"m{m}", "duration": rng.randint(1, 99)}],
                    }
                    for k, m in enumerate(route)
                ],
            }
        )
    return parse_problem(
        {
            "name": f"setups-{orders}x{machines}-f{families}-s{seed}",
            "machines": machine_rows,
            "orders": order_rows,
            "families": [{"id": f} for f in names],
        }
    )


def add_pairwise_setups(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """The peer: one order literal per pair of operations on a machine, setups either way."""
    ix = problem.index
    if ix.is_flexible():
        raise ValueError("the pairwise peer models single-mode operations only")
    families = [op.family for order in problem.orders for op in order.operations]
    by_machine: dict[int, list[int]] = defaultdict(list)
    for o, (m, d) in enumerate(
        zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True)
    ):
        if d > 0:
            by_machine[m].append(o)
    durations = ix.mode_duration.tolist()
    for m, ops in by_machine.items():
        table = {pair: time for pair, (time, _) in setup_table(problem.machines[m]).items()}

        for o in ops:
            family = families[o]
            initial = table.get((None, family), 0) if family is not None else 0
            if initial:
                model.add(v.start[o] >= initial)
        for a, i in enumerate(ops):
            for j in ops[a + 1 :]:
                first = model.new_bool_var(f"before{i}_{j}")
                fi, fj = families[i], families[j]
                gap_ij, gap_ji = durations[i], durations[j]
                if fi is not None and fj is not None:
                    gap_ij += table.get((fi, fj), 0)
                    gap_ji += table.get((fj, fi), 0)
                model.add(v.start[j] >= v.start[i] + gap_ij).only_enforce_if(first)
                model.add(v.start[i] >= v.start[j] + gap_ji).only_enforce_if(~first)


@dataclass(frozen=True)
class _Run:
    build_time: float
    first_solution_time: float | None
    objective: int | None
    best_bound: int | None
    gap: float | None
    status: str


def _guided(problem: Problem, params: SolveParams) -> _Run:
    """A cold search guided by a greedy decision strategy (starts, earliest first): CP-SAT's
    fixed search, which `SolveParams` does not offer; the schedule still passes the verifier."""
    started = time.perf_counter()
    sm = cpsat.build_model(problem)
    sm.model.add_decision_strategy(
        sm.ops.start, cp_model.CHOOSE_LOWEST_MIN, cp_model.SELECT_MIN_VALUE
    )
    build = time.perf_counter() - started
    first: list[float] = []

    def on_solution(objective: int, bound: int, schedule: Schedule) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    parameters = {**params.cpsat_parameters(), "search_branching": cp_model.FIXED_SEARCH}
    outcome = cpsat.search(sm, parameters, on_solution=on_solution)
    if outcome.schedule is not None:
        assert check(problem, outcome.schedule).objective == outcome.objective
    gap = (
        None
        if outcome.objective is None or outcome.bound is None
        else relative_gap(outcome.objective, outcome.bound)
    )
    return _Run(
        build, first[0] if first else None, outcome.objective, outcome.bound, gap, outcome.status
    )


def _row(name: str, result: SolveResult | _Run) -> list[str]:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    return [
        name,
        seconds(result.build_time),
        seconds(result.first_solution_time),
        str(result.objective),
        str(result.best_bound),
        "-" if result.gap is None else f"{result.gap:.1%}",
        str(result.status),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--machines", type=int, default=10)
    parser.add_argument("--families", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--guided",
        action="store_true",
        help="also run both models with a greedy fixed search (outside `solve`)",
    )
    args = parser.parse_args(argv)

    problem = generate_setup_shop(args.orders, args.machines, args.families, args.seed)
    params = SolveParams(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    ours = solve(problem, params)
    peer_rules = tuple(
        add_pairwise_setups if rule is add_sequence_dependent_setups else rule for rule in RULES
    )
    with mock.patch.object(model_module, "RULES", peer_rules):
        peer = solve(problem, params)
    runs: list[tuple[str, SolveResult | _Run]] = [
        ("circuit (ours)", ours),
        ("pairwise (peer)", peer),
    ]
    if args.guided:
        runs.append(("circuit, greedy search", _guided(problem, params)))
        with mock.patch.object(model_module, "RULES", peer_rules):
            runs.append(("pairwise, greedy search", _guided(problem, params)))

    n_ops = problem.index.n_operations
    print(
        f"## {problem.name}: {n_ops} operations, {args.machines} machines, {args.families} "
        f"families; makespan; {args.time_limit:g} s, {args.workers} workers\n"
    )
    header = ["formulation", "build s", "first solution s", "makespan", "bound", "gap", "status"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, run in runs:
        print("| " + " | ".join(_row(name, run)) + " |")
    if ours.objective and peer.objective:
        print(f"\nmakespan ratio ours / peer: {ours.objective / peer.objective:.3f}")
    for name, result in (("ours", ours), ("peer", peer)):
        if result.schedule is not None:
            found = changeovers(problem, result.schedule)
            print(
                f"{name}: {len(found)} changeovers, setup time {sum(c.time for c in found)}, "
                f"setup cost {sum(c.cost for c in found)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
