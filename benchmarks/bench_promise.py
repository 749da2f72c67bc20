"""Promise latency: how fast `promise` answers for a rush order on a released plant plan.

    .venv/bin/python benchmarks/bench_promise.py [--instance instances/factory/plant-2000.json]
        [--release-seconds 10] [--count 30] [--time-limit 1] [--workers 2] [--out p.json]

The released plan is `solve` at `--release-seconds`. Each of `--count` rush orders is a copy of
one of the plant's orders whose materials can be bought (fresh id, no due date), asked at `now`
= 0, a quarter or half of the plan's makespan in turn, with a `--time-limit` second limit.
Reports the latency (p50, p99, max), how many were promised, and per promise the completion
against appending the order after the plan as it stands (everything pinned). A check as well:
every promised plan is verified and keeps every order the plan had on time. Prints a table to
stderr and JSON to stdout (and `--out`).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time

from bench_reschedule import released_plant, write_report

from scheduler.planning.promise import PROMISED, promise
from scheduler.problem import Order, Problem
from scheduler.schedule import Schedule, evaluate
from scheduler.stop import Deadline
from scheduler.verify import verify


def main() -> None:
    args, problem, released, plan = released_plant(
        __doc__.splitlines()[0], count=(int, 30), time_limit=(float, 1.0)
    )
    makespan = max(op.end for op in plan.operations)
    templates = _buyable_orders(problem)
    latencies: list[float] = []
    runs = []
    for k in range(args.count):
        template = templates[k % len(templates)]
        data = template.model_dump(mode="json") | {"id": f"RUSH-{k}", "due": None, "deadline": None}
        now = (k % 3) * makespan // 4
        began = time.perf_counter()
        answer = promise(
            problem, plan, Order.model_validate(data), now=now, deadline=Deadline(args.time_limit)
        )
        latency = time.perf_counter() - began
        latencies.append(latency)
        if answer.status == PROMISED:
            assert answer.schedule is not None
            _check(problem, plan, answer.problem, answer.schedule)
        runs.append(
            {
                "order": data["id"],
                "like": template.id,
                "now": now,
                "latency_s": round(latency, 4),
                "status": answer.status,
                "completion": answer.completion,
                "moved": answer.moved,
                "reason": answer.reason,
            }
        )
    ordered = sorted(latencies)
    summary = {
        "p50_s": round(statistics.median(ordered), 4),
        "p99_s": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 4),
        "max_s": round(ordered[-1], 4),
        "promised": sum(r["status"] == PROMISED for r in runs),
        "count": len(runs),
    }
    report = {
        "instance": args.instance.name,
        "operations": problem.index.n_operations,
        "released": {"status": released.status.value, "objective": released.objective},
        "time_limit": args.time_limit,
        "python": platform.python_version(),
        "summary": summary,
        "runs": runs,
    }
    print("| instance | promises | promised | p50 | p99 | max |", file=sys.stderr)
    print(
        f"| {args.instance.name} | {summary['count']} | {summary['promised']} "
        f"| {summary['p50_s']:.3f} s | {summary['p99_s']:.3f} s | {summary['max_s']:.3f} s |",
        file=sys.stderr,
    )
    write_report(report, args.out)


def _buyable_orders(problem: Problem) -> list[Order]:
    """The orders whose every material has a supplier (one needing a subassembly made by another
    order cannot be promised without that order)."""
    buyable = {item.id for item in problem.items if item.suppliers}
    return [
        order
        for order in problem.orders
        if all(use.item_id in buyable for op in order.operations for use in op.consumes)
    ]


def _check(problem: Problem, plan: Schedule, current: Problem, schedule: Schedule) -> None:
    """The promised plan verifies, and every order on time in the plan is still on time."""
    assert verify(current, schedule).ok, "a promised plan does not verify"
    before = evaluate(problem, plan).orders
    after = evaluate(current, schedule).orders
    for order, was, now in zip(problem.orders, before, after, strict=False):
        if order.due is not None and was.completion <= order.due:
            assert now.completion <= order.due, f"{order.id} became late"


if __name__ == "__main__":
    main()
