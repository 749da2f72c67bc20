"""Materials: every purchase is one the problem allows, and no item's level ever goes negative.

An event sweep per item, read from the problem by ids: the level at t is the stock, plus the
arrivals (open purchase orders and valid purchases) at or before t, plus the production of
operations ending at or before t, minus the consumption of operations starting at or before t.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import Placed, Violation, ViolationKind


def check_purchases(
    problem: Problem, schedule: Schedule, placed: Placed, violations: list[Violation]
) -> None:
    for n, p in enumerate(schedule.purchases):
        if not 0 <= p.item < len(problem.items):
            violations.append(
                Violation(ViolationKind.PURCHASE, f"purchase {n} is of unknown item {p.item}")
            )
            continue
        item = problem.items[p.item]
        if not 0 <= p.supplier < len(item.suppliers):
            violations.append(
                Violation(
                    ViolationKind.PURCHASE,
                    f"purchase {n} of {item.id!r} names unknown supplier {p.supplier}",
                )
            )
            continue
        supplier = item.suppliers[p.supplier]
        what = f"purchase {n} of {item.id!r} from {supplier.id!r}"
        if p.quantity < supplier.min_order_quantity:
            violations.append(
                Violation(
                    ViolationKind.PURCHASE,
                    f"{what} buys {p.quantity}, below the minimum order quantity "
                    f"{supplier.min_order_quantity}",
                )
            )
        if p.order_time < 0:
            violations.append(
                Violation(
                    ViolationKind.PURCHASE,
                    f"{what} is placed at {p.order_time}, before the planning start",
                )
            )
        if p.arrival != p.order_time + supplier.lead_time:
            violations.append(
                Violation(
                    ViolationKind.PURCHASE,
                    f"{what} arrives at {p.arrival}, but placed at {p.order_time} with lead time "
                    f"{supplier.lead_time} it arrives at {p.order_time + supplier.lead_time}",
                )
            )


def check_stock(
    problem: Problem, schedule: Schedule, placed: Placed, violations: list[Violation]
) -> None:
    if not problem.items:
        return
    stock = {item.id: item.stock for item in problem.items}
    # Per item: (tick, change) events; all events at one tick apply before the level is read.
    events: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for po in problem.purchase_orders:
        events[po.item_id].append((po.arrival, po.quantity))
    for p in schedule.purchases:
        # An invalid purchase is reported by check_purchases and brings nothing.
        if 0 <= p.item < len(problem.items) and 0 <= p.supplier < len(
            problem.items[p.item].suppliers
        ):
            events[problem.items[p.item].id].append((p.arrival, p.quantity))
    for (j, k), op in placed.items():
        operation = problem.orders[j].operations[k]
        for flow in operation.produces:
            events[flow.item_id].append((op.end, flow.quantity))
        for flow in operation.consumes:
            events[flow.item_id].append((op.start, -flow.quantity))
    for item_id, changes in events.items():
        by_tick: dict[int, int] = defaultdict(int)
        for tick, change in changes:
            by_tick[tick] += change
        level = stock[item_id]
        for tick in sorted(by_tick):
            level += by_tick[tick]
            if level < 0:
                violations.append(
                    Violation(
                        ViolationKind.STOCKOUT,
                        f"item {item_id!r} falls to {level} at tick {tick}",
                    )
                )
                break
