"""Materials: stock never goes negative, and the purchases the solver may place to keep it so.

Per item, one reservoir holds every event of the item: the stock at tick 0, the open purchase
orders at their arrivals, each possible purchase at order time + lead time, production at an
operation's end and consumption at its start. Its level, summed over the events at or before t,
is the level of shared rule 8, so arrivals and production at t feed a consumption at t. CP-SAT's
`add_reservoir_constraint_with_active` takes a purchase's variable quantity as a level change and
honours an enforcement literal (both checked with OR-Tools 9.15, though its docstring still says
level changes must be fixed), so no explicit event ordering is needed.

Purchase slots: per item and supplier, `PURCHASES_PER_SUPPLIER` optional purchases. One loses no
optimum: all purchases from one supplier merge into a single purchase at the earliest of their
order times, which raises the level at every tick, costs the same (the cost is linear) and still
meets the minimum order quantity. That holds while nothing penalises an early arrival; should a
holding cost or a cap per purchase ever join the model, more slots are needed (at most one per
consuming operation: a purchase can be delayed to arrive exactly when a consumption starts). The
slots of one supplier are then kept apart and in order (present first, strictly increasing order
times), which is again only a merge away from any solution and removes their permutations.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.cpsat.variables import OperationVars, PurchaseSlot
from scheduler.problem import Problem

PURCHASES_PER_SUPPLIER = 1
"""Optional purchases per item and supplier that the solver may place (see above why one)."""


def add_material_flow(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """The level of each item stays non-negative; purchases of bought items are decisions."""
    if not problem.items:
        return
    ix = problem.index
    item_of_id = {item.id: i for i, item in enumerate(problem.items)}
    consumed: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    produced: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    o = 0  # flat operation index, as in `ProblemIndex`
    for order in problem.orders:
        for operation in order.operations:
            for flow in operation.consumes:
                consumed[item_of_id[flow.item_id]][o] += flow.quantity
            for flow in operation.produces:
                produced[item_of_id[flow.item_id]][o] += flow.quantity
            o += 1
    assert o == ix.n_operations
    arrivals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for po in problem.purchase_orders:
        arrivals[item_of_id[po.item_id]].append((po.arrival, po.quantity))

    for i, item in enumerate(problem.items):
        consumers = consumed.get(i)
        if not consumers:
            continue
        demand = sum(consumers.values())
        if item.stock >= demand:
            # Only consumption lowers the level, and even all of it leaves stock on hand.
            continue
        times: list[cp_model.LinearExprT] = [0]
        changes: list[cp_model.LinearExprT] = [item.stock]
        actives: list[cp_model.LiteralT] = [True]
        ceiling = item.stock
        for arrival, quantity in arrivals.get(i, ()):
            times.append(arrival)
            changes.append(quantity)
            actives.append(True)
            ceiling += quantity
        for slot in _purchase_slots(model, problem, v, i, consumers, demand):
            times.append(slot.order_time + slot.lead_time)
            changes.append(slot.quantity)
            actives.append(slot.presence)
            ceiling += slot.quantity.domain.max()
        for o, quantity in produced.get(i, {}).items():
            times.append(v.end[o])
            changes.append(quantity)
            actives.append(True)
            ceiling += quantity
        for o, quantity in consumers.items():
            times.append(v.start[o])
            changes.append(-quantity)
            actives.append(True)
        model.add_reservoir_constraint_with_active(
            times, changes, actives, 0, ceiling
        ).only_enforce_if(v.guarded(model, f"material:{i}"))


def _purchase_slots(
    model: cp_model.CpModel,
    problem: Problem,
    v: OperationVars,
    i: int,
    consumers: dict[int, int],
    demand: int,
) -> list[PurchaseSlot]:
    """The purchases of item `i` the solver may place; their cost joins `v.purchase_cost`."""
    item = problem.items[i]
    # No purchase needs to arrive after the last moment any consumer can start.
    latest_need = max(v.start[o].domain.max() for o in consumers)
    slots: list[PurchaseSlot] = []
    for s, supplier in enumerate(item.suppliers):
        latest_order = latest_need - supplier.lead_time
        if latest_order < 0:
            continue
        # More than the shortfall (or the minimum) is never needed in one purchase: the excess
        # could be left out and the level would still cover every consumption.
        most = max(supplier.min_order_quantity, demand - item.stock)
        quantities = cp_model.Domain.from_intervals([[0, 0], [supplier.min_order_quantity, most]])
        previous: PurchaseSlot | None = None
        for k in range(min(PURCHASES_PER_SUPPLIER, len(consumers))):
            name = f"buy{i}_{s}_{k}"
            slot = PurchaseSlot(
                item=i,
                supplier=s,
                presence=model.new_bool_var(f"{name}_p"),
                quantity=model.new_int_var_from_domain(quantities, f"{name}_q"),
                order_time=model.new_int_var(0, latest_order, f"{name}_t"),
                lead_time=supplier.lead_time,
            )
            model.add(slot.quantity >= supplier.min_order_quantity).only_enforce_if(slot.presence)
            model.add(slot.quantity == 0).only_enforce_if(~slot.presence)
            model.add(slot.order_time == 0).only_enforce_if(~slot.presence)
            if previous is not None:
                model.add_implication(slot.presence, previous.presence)
                model.add(slot.order_time >= previous.order_time + 1).only_enforce_if(slot.presence)
            if supplier.unit_cost:
                v.purchase_cost.append(supplier.unit_cost * slot.quantity)
            v.purchases.append(slot)
            slots.append(slot)
            previous = slot
    return slots
