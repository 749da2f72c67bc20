"""The example factory plants of instances/factory/: generated, kept in step with their generator,
of the advertised size and features, and feasible (their construction schedule meets every rule)."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from functools import cache

import pytest

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path, load_catalog
from scheduler.formats.generate import (
    DAY,
    FACTORY_PLANTS,
    PlantSpec,
    generate_plant,
    witness_schedule,
)
from scheduler.problem import ObjectiveKind, Problem, predecessors_of
from scheduler.schedule import Schedule

PLANTS = sorted(FACTORY_PLANTS)


@cache
def plant(name: str) -> Problem:
    return read_problem(instance_path(name))


@cache
def witness(name: str) -> Schedule:
    return witness_schedule(plant(name))


@pytest.mark.parametrize("name", PLANTS)
def test_plant_file_equals_its_generator_output(name: str) -> None:
    """Each file is exactly what its spec and seed generate, so the two cannot drift apart."""
    spec, seed = FACTORY_PLANTS[name]
    assert plant(name) == generate_plant(spec, seed)


def test_plants_are_catalogued() -> None:
    """The plants are in the catalogue as family factory, with their order and machine counts."""
    factory = {n: e for n, e in load_catalog().items() if e.family == "factory"}
    assert set(factory) == set(PLANTS)
    for name, entry in factory.items():
        assert (entry.jobs, entry.machines) == (len(plant(name).orders), len(plant(name).machines))


def test_generate_plant_is_seeded() -> None:
    """The same seed gives the same plant, another seed another one."""
    spec, seed = FACTORY_PLANTS["auto-parts"]
    assert generate_plant(spec, seed) == plant("auto-parts")
    assert generate_plant(spec, seed + 1) != plant("auto-parts")


def test_generate_plant_rejects_unknown_groups() -> None:
    """A spec naming a machine group the generator does not know is refused, by name."""
    with pytest.raises(ValueError, match="unknown machine groups \\['lathe'\\]"):
        generate_plant(PlantSpec("x", orders=1, machines=(("cut", 1), ("lathe", 1))), seed=0)


def test_auto_parts_plant() -> None:
    """~40 orders on 12 machines in two shifts (cutters in three), changeovers on presses and
    paint booths, 5 purchased components each from a fast dear and a slow cheap supplier."""
    p = plant("auto-parts")
    assert (len(p.orders), len(p.machines)) == (40, 12)
    assert p.planning_start is not None and p.planning_start.strftime("%a %H:%M") == "Mon 06:00"
    calendars = {m.calendar for m in p.machines}
    assert {"two-shift", "three-shift", "two-shift-press-2"} <= calendars
    assert p.calendar("two-shift-press-2").exceptions
    with_setups = {m.id.split("-")[0] for m in p.machines if m.setups}
    assert with_setups == {"press", "paint"}
    assert len(p.items) == 5 and p.purchase_orders
    for item in p.items:
        fast, cheap = sorted(item.suppliers, key=lambda s: s.lead_time)
        assert fast.lead_time < cheap.lead_time and fast.unit_cost > cheap.unit_cost
        assert cheap.min_order_quantity > fast.min_order_quantity
    assert p.objective.kinds == {
        ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
        ObjectiveKind.PURCHASE_COST,
        ObjectiveKind.SETUP_COST,
    }


def test_every_plant_has_quantities_graphs_lags_and_deadlines() -> None:
    """Orders scale with quantities; routings join branches, hold cooling lags and a no-wait
    pair; some orders carry hard deadlines; machines of a group differ in speed."""
    for name in PLANTS:
        p = plant(name)
        ops = [op for o in p.orders for op in o.operations]
        assert all(m.per_unit > 0 for op in ops if not op.resumable for m in op.machines)
        assert any(len(op.predecessors or ()) == 2 for op in ops), name
        lags = [pred for op in ops for pred in op.predecessors or ()]
        assert any(pred.min_lag > 0 for pred in lags) and any(pred.max_lag == 0 for pred in lags)
        assert 0 < sum(o.deadline is not None for o in p.orders) < len(p.orders)
        assert any(len({m.per_unit for m in op.machines}) > 1 for op in ops), name


def test_assembly_plant() -> None:
    """Sub-assembly orders make what assembly consumes; crews per shift and tools; a
    capacity-4 oven with resumable curing; a lexicographic objective."""
    p = plant("assembly")
    made = {f.item_id for o in p.orders for op in o.operations for f in op.produces}
    used = {f.item_id for o in p.orders for op in o.operations for f in op.consumes}
    assert made and made <= used and all(not i.suppliers for i in p.items if i.id in made)
    assert {r.kind for r in p.resources} == {"operator", "tool"}
    assert {r.calendar for r in p.resources if r.kind == "operator"} == {"early", "late"}
    ovens = [m for m in p.machines if m.capacity == 4]
    assert ovens
    assert all(
        op.resumable == (op.machines[0].machine_id == ovens[0].id)
        for o in p.orders
        for op in o.operations
    )
    assert len(p.objective.levels) == 2


def test_plant_2000_has_two_thousand_operations_with_materials() -> None:
    """The big plant: about 2,000 operations, every feature, materials bought and made."""
    p = plant("plant-2000")
    assert 1900 <= p.index.n_operations <= 2100
    assert len(p.items) == 10 and p.resources and any(m.capacity > 1 for m in p.machines)


@pytest.mark.parametrize("name", PLANTS)
def test_construction_schedule_is_feasible(name: str) -> None:
    """The greedy schedule the deadlines are set from meets every rule, checked here from the
    problem as written: windows, lags, capacity, setups, crews, tools, stock and deadlines."""
    problem, schedule = plant(name), witness(name)
    assert _broken_rules(problem, schedule) == []
    completion: dict[int, int] = defaultdict(int)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
    for j, order in enumerate(problem.orders):
        if order.deadline is not None:
            assert completion[j] + 2 * DAY <= order.deadline


def _broken_rules(problem: Problem, schedule: Schedule) -> list[str]:
    """Every way `schedule` breaks the shared semantics (an independent sketch of the verifier)."""
    until = max(op.end for op in schedule.operations) + 1
    windows = {c.id: problem.working_windows(c.id, until) for c in problem.calendars}
    broken: list[str] = []

    def working(calendar: str | None, start: int, end: int) -> int:
        """Working ticks of [start, end); the whole span when there is no calendar."""
        if calendar is None:
            return end - start
        return sum(max(0, min(b, end) - max(a, start)) for a, b in windows[calendar])

    def in_window(calendar: str | None, start: int, end: int) -> bool:
        if calendar is None:
            return True
        w = bisect.bisect_right(windows[calendar], (start, until)) - 1
        return w >= 0 and windows[calendar][w][0] <= start and end <= windows[calendar][w][1]

    at = {(op.job, op.index): op for op in schedule.operations}
    assert len(at) == sum(len(o.operations) for o in problem.orders) == len(schedule.operations)
    machine_ids = [m.id for m in problem.machines]
    on_machine: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
    held: dict[int, list[tuple[int, int]]] = defaultdict(list)
    events: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for j, order in enumerate(problem.orders):
        position = {op.id: k for k, op in enumerate(order.operations)}
        for k, op in enumerate(order.operations):
            s = at[(j, k)]
            name = f"{order.id}/{op.id}"
            mode = next(m for m in op.machines if m.machine_id == machine_ids[s.machine])
            work = mode.time(order.quantity)
            machine = problem.machines[s.machine]
            if op.resumable:
                ok = working(machine.calendar, s.start, s.end) == work and in_window(
                    machine.calendar, s.end - 1, s.end
                )
                ok = ok and in_window(machine.calendar, s.start, s.start + 1)
            else:
                ok = s.end - s.start == work and in_window(machine.calendar, s.start, s.end)
            if not ok:
                broken.append(f"{name}: time or calendar")
            if s.start < order.release:
                broken.append(f"{name}: before release")
            for pred in predecessors_of(order, k):
                p_end = at[(j, position[pred.operation_id])].end
                if s.start < p_end + pred.min_lag or (
                    pred.max_lag is not None and s.start > p_end + pred.max_lag
                ):
                    broken.append(f"{name}: lag after {pred.operation_id}")
            on_machine[s.machine].append((s.start, s.end, op.family))
            for need, r in zip(op.resources, s.resources, strict=True):
                resource = problem.resources[r]
                if resource.id not in need.resources or not in_window(
                    resource.calendar, s.start, s.end
                ):
                    broken.append(f"{name}: resource {resource.id}")
                held[r] += [(s.start, s.end)] * need.quantity
            for flow in op.consumes:
                events[flow.item_id].append((s.start, -flow.quantity))
            for flow in op.produces:
                events[flow.item_id].append((s.end, flow.quantity))
    for m, runs in on_machine.items():
        machine = problem.machines[m]
        if _peak(runs) > machine.capacity:
            broken.append(f"{machine.id}: over capacity")
        setup = {(r.from_family, r.to_family): r.time for r in machine.setups}
        ordered = sorted(runs)
        for (_, end, fam), (start, _, nxt) in itertools.pairwise(ordered):
            if fam and nxt and start < end + setup.get((fam, nxt), 0):
                broken.append(f"{machine.id}: setup before {start}")
        if ordered and ordered[0][2] and ordered[0][0] < setup.get((None, ordered[0][2]), 0):
            broken.append(f"{machine.id}: initial setup")
    for r, spans in held.items():
        if _peak([(a, b, None) for a, b in spans]) > problem.resources[r].capacity:
            broken.append(f"{problem.resources[r].id}: over capacity")
    for purchase in schedule.purchases:
        item = problem.items[purchase.item]
        supplier = item.suppliers[purchase.supplier]
        if purchase.arrival != purchase.order_time + supplier.lead_time:
            broken.append(f"{item.id}: purchase arrival")
        events[item.id].append((purchase.arrival, purchase.quantity))
    for po in problem.purchase_orders:
        events[po.item_id].append((po.arrival, po.quantity))
    for item in problem.items:
        # Arrivals and production at t come before consumption at t (positive before negative).
        level = item.stock
        for _, change in sorted(events[item.id], key=lambda e: (e[0], -e[1])):
            level += change
            if level < 0:
                broken.append(f"{item.id}: stockout")
                break
    return broken


def _peak(runs: list[tuple[int, int, str | None]]) -> int:
    """The most runs of positive length that overlap at one time."""
    changes = sorted([(a, 1) for a, b, _ in runs if b > a] + [(b, -1) for a, b, _ in runs if b > a])
    level = peak = 0
    for _, change in changes:
        level += change
        peak = max(peak, level)
    return peak
