"""Time the factory-aware heuristic on a seeded plant with every factory rule in play.

    .venv/bin/python benchmarks/bench_factory_heuristic.py [--orders 200] [--repeats 3] [--out r.json]

The plant (`plant`): 20 machines in 5 work centres (two of capacity 2, two-shift calendars on half
of them with a maintenance stop, changeovers between 4 families on the capacity-1 ones), operator
crews and tools as alternatives (crews on a day calendar), 4 purchased components (stock, open
purchase orders, two suppliers each with lead times and minimum order quantities) and one
intermediate per order made by its first operation and consumed by its assembly. Each order is a
routing graph of 10 operations: two branches after a common first step, joined by an assembly,
with minimum lags, one no-wait (max lag 0) pair, resumable steps, per-unit times, due dates and
a few deadlines. 200 orders make 2,000 operations.

`--instance FILE` times a problem file instead (e.g. instances/factory/plant-2000.json);
`--witness-lags SLACK` then gives every routing link of it a maximum lag that the generator's
witness schedule keeps plus SLACK ticks (a feasible plant where every order is one max-lag block,
the heuristic's hardest case; for `generate_plant` problems only).

Reports the median of `--repeats` runs of `factory_dispatch` per rule and `best_factory_dispatch`
(with its missed deadlines), prints a table to stderr and the JSON result to stdout (and `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from scheduler.formats.generate import witness_schedule
from scheduler.heuristics import Rule, best_factory_dispatch, factory_dispatch
from scheduler.problem import Problem, parse_problem, parse_problem_json
from scheduler.schedule import evaluate, objective_values
from scheduler.verify import verify

SEED = 20240611
CENTRES = 5
MACHINES_PER_CENTRE = 4


def plant(orders: int = 200, *, seed: int = SEED) -> Problem:
    """A seeded plant of `orders` orders, 10 operations each (see the module docstring)."""
    rng = np.random.default_rng(seed)
    machines: list[dict[str, Any]] = []
    for c in range(CENTRES):
        for k in range(MACHINES_PER_CENTRE):
            machine: dict[str, Any] = {"id": f"M{c}.{k}"}
            if k == 3:
                machine["capacity"] = 2
            elif c % 2 == 0:
                machine["setups"] = [
                    {"from_family": f"F{a}", "to_family": f"F{b}", "time": 5 + 3 * abs(a - b)}
                    for a in range(4)
                    for b in range(4)
                    if a != b
                ] + [{"to_family": f"F{b}", "time": 10} for b in range(4)]
            if k % 2 == 1:
                machine["calendar"] = "two-shift"
            machines.append(machine)
    calendars = [
        {
            "id": "two-shift",
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "22:00"}
            ],
            "exceptions": [{"start": 2000, "end": 2600, "reason": "maintenance"}],
        },
        {
            "id": "day",
            "shifts": [
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
                    "start": "05:00",
                    "end": "23:00",
                }
            ],
        },
    ]
    resources = [
        {"id": "crew-a", "capacity": 3, "calendar": "day"},
        {"id": "crew-b", "capacity": 2, "calendar": "day"},
        {"id": "tool-1", "kind": "tool", "capacity": 1},
        {"id": "tool-2", "kind": "tool", "capacity": 1},
    ]
    items: list[dict[str, Any]] = [
        {
            "id": f"raw{i}",
            "stock": int(rng.integers(20, 60)),
            "suppliers": [
                {"id": "fast", "lead_time": 300, "unit_cost": 12, "min_order_quantity": 10},
                {"id": "cheap", "lead_time": 1500, "unit_cost": 8, "min_order_quantity": 50},
            ],
        }
        for i in range(4)
    ]
    purchase_orders = [
        {"item_id": f"raw{i}", "quantity": 40, "arrival": int(rng.integers(500, 3000))}
        for i in range(4)
    ]
    order_list = []
    for j in range(orders):
        quantity = int(rng.integers(1, 5))
        family = f"F{int(rng.integers(0, 4))}"
        items.append({"id": f"sub{j}"})

        def modes(centre: int, per_unit: int) -> list[dict[str, Any]]:
            picks = rng.choice(MACHINES_PER_CENTRE, size=2, replace=False)
            return [
                {
                    "machine_id": f"M{centre}.{int(k)}",
                    "setup": int(rng.integers(5, 20)),
                    "per_unit": per_unit + int(rng.integers(0, 4)),
                }
                for k in picks
            ]

        centre = rng.permutation(CENTRES)
        ops: list[dict[str, Any]] = [
            {
                "id": "cut",
                "machines": modes(int(centre[0]), 6),
                "predecessors": [],
                "family": family,
                "produces": [{"item_id": f"sub{j}", "quantity": quantity}],
                "consumes": [{"item_id": f"raw{int(rng.integers(0, 4))}", "quantity": quantity}],
            },
            {
                "id": "a1",
                "machines": modes(int(centre[1]), 4),
                "predecessors": [{"operation_id": "cut"}],
                "family": family,
            },
            {
                "id": "a2",
                "machines": modes(int(centre[2]), 5),
                "predecessors": [{"operation_id": "a1", "min_lag": 30}],
                "resumable": True,
            },
            {
                "id": "a3",
                "machines": modes(int(centre[3]), 3),
                "predecessors": [{"operation_id": "a2"}],
                "resources": [{"resources": ["crew-a", "crew-b"]}],
            },
            {
                "id": "b1",
                "machines": modes(int(centre[4]), 5),
                "predecessors": [{"operation_id": "cut"}],
                "family": family,
            },
            {
                "id": "b2",
                "machines": modes(int(centre[0]), 4),
                "predecessors": [{"operation_id": "b1", "max_lag": 0}],
                "family": family,
            },
            {
                "id": "b3",
                "machines": modes(int(centre[1]), 3),
                "predecessors": [{"operation_id": "b2", "min_lag": 10}],
                "resources": [{"resources": ["tool-1", "tool-2"]}],
            },
            {
                "id": "assemble",
                "machines": modes(int(centre[2]), 6),
                "predecessors": [{"operation_id": "a3"}, {"operation_id": "b3"}],
                "consumes": [{"item_id": f"sub{j}", "quantity": quantity}],
                "resources": [{"resources": ["crew-a", "crew-b"]}],
            },
            {
                "id": "test",
                "machines": modes(int(centre[3]), 2),
                "predecessors": [{"operation_id": "assemble"}],
                "resumable": True,
            },
            {
                "id": "pack",
                "machines": modes(int(centre[4]), 1),
                "predecessors": [{"operation_id": "test"}],
            },
        ]
        order: dict[str, Any] = {
            "id": f"WO-{j}",
            "operations": ops,
            "release": int(rng.integers(0, 2000)),
            "due": int(rng.integers(3000, 12000)),
            "weight": int(rng.integers(1, 4)),
            "quantity": quantity,
        }
        if j % 10 == 0:
            order["deadline"] = order["due"] + 5000
        order_list.append(order)
    return Problem.model_validate(
        {
            "name": f"plant-{orders}",
            "machines": machines,
            "calendars": calendars,
            "families": [{"id": f"F{f}"} for f in range(4)],
            "resources": resources,
            "items": items,
            "purchase_orders": purchase_orders,
            "orders": order_list,
            "objective": {"terms": [{"kind": "total_weighted_tardiness"}]},
        }
    )


def with_witness_lags(problem: Problem, slack: int) -> Problem:
    """`problem` with a maximum lag on every routing link: the gap in the witness schedule plus
    `slack` (at least the minimum lag), and no deadlines; the witness keeps them all."""
    witness = witness_schedule(problem)
    placed = {(o.job, o.index): o for o in witness.operations}
    data = problem.model_dump(mode="json", exclude_none=True)
    for j, order in enumerate(data["orders"]):
        order.pop("deadline", None)
        index = {o["id"]: k for k, o in enumerate(order["operations"])}
        for k, operation in enumerate(order["operations"]):
            for link in operation.get("predecessors", []):
                gap = placed[j, k].start - placed[j, index[link["operation_id"]]].end
                link.setdefault("max_lag", max(gap, link.get("min_lag", 0)) + slack)
    tight = parse_problem(data)
    if not verify(tight, witness).ok:
        raise ValueError("the witness schedule does not verify: not a generate_plant problem?")
    return tight


def median_seconds(run: Any, repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    result = None
    for _ in range(repeats):
        begin = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - begin)
    return statistics.median(times), result


def bench(problem: Problem, repeats: int) -> dict[str, Any]:
    ix = problem.index
    rows: dict[str, Any] = {}
    for rule in Rule:
        seconds, schedule = median_seconds(
            lambda rule=rule: factory_dispatch(problem, rule), repeats
        )
        rows[str(rule)] = {
            "seconds": seconds,
            "makespan": None if schedule is None else max(op.end for op in schedule.operations),
            "purchases": None if schedule is None else len(schedule.purchases),
        }
    best_s, best = median_seconds(lambda: best_factory_dispatch(problem), repeats)
    missed = None
    if best is not None:
        completion = [0] * ix.n_jobs
        for op in best.operations:
            completion[op.job] = max(completion[op.job], op.end)
        missed = sum(
            o.deadline is not None and c > o.deadline
            for o, c in zip(problem.orders, completion, strict=True)
        )
    return {
        "name": problem.name,
        "orders": ix.n_jobs,
        "machines": ix.n_machines,
        "operations": ix.n_operations,
        "factory_dispatch": rows,
        "best_factory_dispatch": {
            "seconds": best_s,
            "makespan": None if best is None else max(op.end for op in best.operations),
            "missed_deadlines": missed,
            "objective": None
            if best is None
            else objective_values(problem, evaluate(problem, best)),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--instance", type=Path, help="a problem file instead of the plant")
    parser.add_argument("--witness-lags", type=int, metavar="SLACK", help="see above")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    if args.instance:
        problem = parse_problem_json(args.instance.read_bytes())
        if args.witness_lags is not None:
            problem = with_witness_lags(problem, args.witness_lags)
    else:
        problem = plant(args.orders, seed=args.seed)
    problem.index  # noqa: B018 - built outside the timings, as `solve` has it by then
    result = bench(problem, args.repeats)
    result["python"] = platform.python_version()
    out = sys.stderr
    print(
        f"\n{result['name']}: {result['orders']} orders, {result['machines']} machines, "
        f"{result['operations']} operations",
        file=out,
    )
    for rule, row in result["factory_dispatch"].items():
        print(
            f"  factory_dispatch {rule:<7}{row['seconds'] * 1000:9.1f} ms   "
            f"makespan {row['makespan']}   purchases {row['purchases']}",
            file=out,
        )
    best = result["best_factory_dispatch"]
    print(
        f"  {'best_factory_dispatch':<24}{best['seconds'] * 1000:9.1f} ms   makespan {best['makespan']}"
        f"   missed deadlines {best['missed_deadlines']}   objective {best['objective']}",
        file=out,
    )
    emit(result, args.out)


def emit(result: dict[str, Any], out: Path | None) -> None:
    """Print `result` as JSON to stdout, and write it to `out` when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
