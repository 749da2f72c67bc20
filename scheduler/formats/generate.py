"""Seeded random instances: flexible job shops in the style of Brandimarte (1993), job shops in
the style of Taillard (1993), and realistic factory plants (`generate_plant`).

The same arguments and seed give the same problem for a given numpy; numpy does not promise its
random streams across releases, which is why the generated benchmark files are kept in the repo.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from scheduler.formats._text import Routing, benchmark_data
from scheduler.problem import (
    MAX_TIME,
    Operation,
    Order,
    Problem,
    Weekday,
    parse_problem,
    predecessors_of,
)
from scheduler.schedule import Purchase, Schedule, ScheduledOperation
from scheduler.worktime import WorkingTime


def generate_fjsp(
    n_jobs: int,
    n_machines: int,
    *,
    ops_per_job: tuple[int, int] = (5, 10),
    machines_per_op: tuple[int, int] = (1, 3),
    duration: tuple[int, int] = (1, 10),
    seed: int,
) -> Problem:
    """A flexible job shop: each job has a random number of operations, each operation a random
    set of eligible machines with independent durations. Ranges are inclusive.

    Named `gen_{n_jobs}x{n_machines}_s{seed}`, the stem its file gets in instances/fjsp/.
    """
    _check_sizes(n_jobs, n_machines)
    _check_range("ops_per_job", ops_per_job, 1)
    _check_range("machines_per_op", machines_per_op, 1)
    _check_range("duration", duration, 0)
    if machines_per_op[1] > n_machines:
        raise ValueError(
            f"machines_per_op allows {machines_per_op[1]} machines but there are only {n_machines}"
        )
    rng = np.random.default_rng(seed)
    jobs: list[Routing] = []
    for _ in range(n_jobs):
        routing: Routing = []
        for _ in range(int(rng.integers(ops_per_job[0], ops_per_job[1] + 1))):
            count = int(rng.integers(machines_per_op[0], machines_per_op[1] + 1))
            machines = np.sort(rng.choice(n_machines, size=count, replace=False))
            durations = rng.integers(duration[0], duration[1] + 1, size=count)
            routing.append([(int(i), int(d)) for i, d in zip(machines, durations, strict=True)])
        jobs.append(routing)
    return _problem(f"gen_{n_jobs}x{n_machines}_s{seed}", n_machines, jobs)


def generate_jssp(
    n_jobs: int, n_machines: int, seed: int, duration: tuple[int, int] = (1, 99)
) -> Problem:
    """A job shop where each job visits every machine once, in a random order, with uniform random
    durations (Taillard's recipe, though not his generator: the instances differ from ta01..)."""
    _check_sizes(n_jobs, n_machines)
    _check_range("duration", duration, 0)
    rng = np.random.default_rng(seed)
    jobs: list[Routing] = []
    for _ in range(n_jobs):
        durations = rng.integers(duration[0], duration[1] + 1, size=n_machines)
        order = rng.permutation(n_machines)
        jobs.append([[(int(i), int(d))] for i, d in zip(order, durations, strict=True)])
    return _problem(f"gen_jssp_{n_jobs}x{n_machines}_s{seed}", n_machines, jobs)


def _problem(name: str, n_machines: int, jobs: list[Routing]) -> Problem:
    return parse_problem(benchmark_data(name, n_machines, jobs))


def _check_sizes(n_jobs: int, n_machines: int) -> None:
    if n_jobs < 1 or n_machines < 1:
        raise ValueError(f"need at least one job and one machine, got {n_jobs} x {n_machines}")


def _check_range(what: str, bounds: tuple[int, int], least: int) -> None:
    low, high = bounds
    if not least <= low <= high:
        raise ValueError(f"{what} must be (low, high) with {least} <= low <= high, got {bounds}")


# --------------------------------------------------------------------------------------------------
# Factory plants

PLANNING_START = datetime(2025, 3, 3, 6, 0)
"""A Monday, 06:00: tick 0 of every generated plant (ticks are minutes)."""
DAY = 24 * 60
WEEK = 7 * DAY
_SHIFT_END = 16 * 60
"""The second shift ends at 22:00, 16 hours after the planning start's 06:00."""
_WEEKDAYS: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]


@dataclass(frozen=True, slots=True)
class _Group:
    kind: str
    """Display name of one machine of the group."""
    calendar: str
    capacity: int = 1
    setups: str | None = None
    """Which family the group's changeovers depend on: "material" (dies) or "colour" (paint)."""


GROUPS: dict[str, _Group] = {
    "cut": _Group("Laser cutter", "three-shift"),
    "press": _Group("Press", "two-shift", setups="material"),
    "weld": _Group("Welding cell", "two-shift"),
    "wash": _Group("Washer", "two-shift"),
    "paint": _Group("Paint booth", "two-shift", setups="colour"),
    "oven": _Group("Curing oven", "three-shift", capacity=4),
    "assembly": _Group("Assembly station", "two-shift"),
    "inspect": _Group("Inspection bench", "two-shift"),
}
"""The machine groups a plant can have, in routing order."""

MATERIALS = ("steel-thin", "steel-thick", "aluminium")
COLOURS = ("white", "silver", "red", "black")
"""Light to dark: a change towards a lighter colour needs a full flush."""

# (id, name, step that consumes it, units per unit of product)
PURCHASED: tuple[tuple[str, str, str, int], ...] = (
    ("steel-sheet", "Steel sheet (kg)", "cut", 2),
    ("powder-coat", "Powder coating (kg)", "paint", 1),
    ("fastener-kit", "Fastener kit", "assemble", 1),
    ("bearing", "Ball bearing", "assemble", 2),
    ("gasket", "Gasket", "assemble", 1),
    ("motor", "Electric motor", "assemble", 1),
    ("controller", "Controller board", "assemble", 1),
)
INTERMEDIATES: tuple[tuple[str, str], ...] = (
    ("frame", "Welded frame"),
    ("bracket-set", "Bracket set"),
    ("housing", "Pressed housing"),
)


@dataclass(frozen=True, slots=True)
class PlantSpec:
    """The shape of a generated plant; `generate_plant` fills in the details from a seed."""

    name: str
    orders: int
    """Customer orders; sub-assembly orders for the intermediates come on top."""
    machines: tuple[tuple[str, int], ...]
    """(group, count) for groups of `GROUPS`: e.g. (("cut", 2), ("press", 3), ...)."""
    products: int = 8
    purchased: int = 5
    """Purchased components (the first of `PURCHASED`), each with a fast and a cheap supplier."""
    intermediates: int = 0
    """Items made by sub-assembly orders and consumed by the assembly of customer orders."""
    crews: bool = False
    """Operator crews per shift (welders, assemblers) and tools (press dies, welding fixtures)."""
    quantity: tuple[int, int] = (10, 60)
    release_days: int = 5
    """Customer orders are released over this many working days."""
    lead_days: tuple[int, int] = (3, 8)
    """Working days from release to due date."""
    deadline_share: float = 0.15
    """Share of customer orders with a hard deadline (met by the construction schedule)."""
    lexicographic: bool = False
    """Objective: tardiness first, then purchase and setup cost; else their plain sum."""


@dataclass(slots=True)
class _Step:
    name: str
    group: str
    preds: list[tuple[str, int, int | None]] = field(default_factory=list)
    """(step, min_lag, max_lag)."""


def _routing_template(shape: str, groups: set[str]) -> list[_Step]:
    """A product's routing, in topological order, without the steps of absent groups."""
    steps: list[_Step] = []
    if shape == "join":
        steps += [
            _Step("cut", "cut"),
            _Step("press", "press", [("cut", 0, None)]),
            _Step("cut-b", "cut"),
            _Step("press-b", "press", [("cut-b", 0, None)]),
            _Step("weld", "weld", [("press", 0, None), ("press-b", 0, None)]),
        ]
    else:
        steps += [_Step("cut", "cut"), _Step("press", "press", [("cut", 0, None)])]
        if shape == "welded":
            steps.append(_Step("weld", "weld", [("press", 0, None)]))
    last = steps[-1].name
    steps.append(_Step("wash", "wash", [(last, 0, None)]))
    # Parts go from the washer straight into the booth, before they collect dust again.
    steps.append(_Step("paint", "paint", [("wash", 0, 0)]))
    steps.append(_Step("cure", "oven", [("paint", 0, None)]))
    # Cooling after painting or curing, before anybody handles the part.
    steps.append(_Step("assemble", "assembly", [("cure", 60, None)]))
    steps.append(_Step("inspect", "inspect", [("assemble", 0, None)]))
    return _drop_absent(steps, groups)


def _drop_absent(steps: list[_Step], groups: set[str]) -> list[_Step]:
    kept: list[_Step] = []
    inherited: dict[str, list[tuple[str, int, int | None]]] = {}
    for step in steps:
        preds: list[tuple[str, int, int | None]] = []
        for name, min_lag, max_lag in step.preds:
            if name in inherited:
                # A dropped step passes its own predecessors on, keeping this edge's lags only
                # when they cannot chain a no-wait across two different steps.
                preds += [(p, max(a, min_lag), None) for p, a, _ in inherited[name]]
            else:
                preds.append((name, min_lag, max_lag))
        if step.group in groups:
            kept.append(_Step(step.name, step.group, preds))
        else:
            inherited[step.name] = preds
    return kept


def generate_plant(spec: PlantSpec, seed: int) -> Problem:
    """A realistic factory: machine groups on shift calendars, changeovers, crews and tools,
    orders with quantities and routing graphs, purchased components and sub-assemblies.

    Feasible by construction: every operation fits a shift (long curing is resumable), every
    purchased item has suppliers, sub-assembly orders make at least what assembly consumes, and
    each hard deadline lies after the order's completion in `witness_schedule`, a greedy
    schedule that respects every rule.
    """
    unknown = [g for g, _ in spec.machines if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown machine groups {unknown}; expected some of {list(GROUPS)}")
    if not 0 <= spec.purchased <= len(PURCHASED):
        raise ValueError(f"purchased must be 0..{len(PURCHASED)}, got {spec.purchased}")
    if not 0 <= spec.intermediates <= len(INTERMEDIATES):
        raise ValueError(f"intermediates must be 0..{len(INTERMEDIATES)}, got {spec.intermediates}")
    _check_range("quantity", spec.quantity, 1)
    _check_range("lead_days", spec.lead_days, 1)
    groups = {g for g, n in spec.machines if n > 0}
    if "cut" not in groups:
        raise ValueError("a plant needs the cut group: every routing starts there")
    rng = np.random.default_rng(seed)

    machines, by_group, speed = _plant_machines(spec)
    families = [{"id": f"mat-{m}"} for m in MATERIALS] + [{"id": f"col-{c}"} for c in COLOURS]
    resources = _plant_resources(spec) if spec.crews else []
    items, purchased = _plant_items(spec)
    products = [_product(rng, spec, groups, p) for p in range(spec.products)]
    orders = _customer_orders(rng, spec, products, by_group, speed)
    demand = _demand(orders)
    orders += _subassembly_orders(rng, spec, by_group, speed, demand, items)
    demand = _demand(orders)
    for item in items:
        if item["id"] in purchased:
            _stock_and_suppliers(rng, item, demand.get(item["id"], 0))
    purchase_orders = [
        {
            "id": f"PO-{7001 + i}",
            "item_id": item["id"],
            "quantity": max(10, int(demand.get(item["id"], 0) * rng.uniform(0.2, 0.4))),
            "arrival": int(rng.integers(1, 4)) * DAY + int(rng.integers(0, 8)) * 60,
        }
        for i, item in enumerate(i for i in items if i["id"] in purchased and rng.random() < 0.6)
    ]
    data: dict[str, Any] = {
        "name": spec.name,
        "planning_start": PLANNING_START,
        "calendars": _calendars(),
        "families": families,
        "machines": machines,
        "resources": resources,
        "items": items,
        "purchase_orders": purchase_orders,
        "orders": orders,
        "objective": _plant_objective(spec),
    }
    draft = parse_problem(data)
    completion = _completions(draft, witness_schedule(draft))
    customers = [j for j, o in enumerate(orders) if o["id"].startswith("SO-")]
    n_deadlines = round(spec.deadline_share * len(customers))
    for j in sorted(rng.choice(customers, size=n_deadlines, replace=False).tolist()):
        # Two days of slack after the later of the due date and the construction schedule.
        orders[j]["deadline"] = max(orders[j]["due"], int(completion[j])) + 2 * DAY
    return parse_problem(data)


def _plant_machines(
    spec: PlantSpec,
) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, int]]:
    """Machines, the ids per group, and each machine's extra minutes per unit (older models)."""
    machines: list[dict[str, Any]] = []
    by_group: dict[str, list[str]] = {}
    speed: dict[str, int] = {}
    for group, count in spec.machines:
        info = GROUPS[group]
        for i in range(count):
            mid = f"{group}-{i + 1}"
            machine: dict[str, Any] = {"id": mid, "name": f"{info.kind} {i + 1}"}
            if info.capacity > 1:
                machine["capacity"] = info.capacity
            # The second press is due for preventive maintenance on the first Wednesday.
            machine["calendar"] = "two-shift-press-2" if mid == "press-2" else info.calendar
            if info.setups is not None:
                machine["setups"] = _setup_matrix(info.setups)
            machines.append(machine)
            by_group.setdefault(group, []).append(mid)
            # Every other machine of a group is an older, slower model.
            speed[mid] = i % 2
    return machines, by_group, speed


def _setup_matrix(kind: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    if kind == "material":
        fams = [f"mat-{m}" for m in MATERIALS]
        for f in fams:
            rules.append({"to_family": f, "time": 20, "cost": 20})
            for g in fams:
                if f != g:
                    # Aluminium needs the press cleaned of steel scale.
                    heavy = g == "mat-aluminium"
                    rules.append(
                        {
                            "from_family": f,
                            "to_family": g,
                            "time": 45 if heavy else 30,
                            "cost": 80 if heavy else 50,
                        }
                    )
    else:
        fams = [f"col-{c}" for c in COLOURS]
        for f in fams:
            rules.append({"to_family": f, "time": 10, "cost": 10})
            for a, g in enumerate(fams):
                if f != g:
                    lighter = a < fams.index(f)
                    rules.append(
                        {
                            "from_family": f,
                            "to_family": g,
                            "time": 45 if lighter else 15,
                            "cost": 120 if lighter else 30,
                        }
                    )
    return rules


def _calendars() -> list[dict[str, Any]]:
    early = {"days": _WEEKDAYS, "start": "06:00", "end": "14:00"}
    late = {"days": _WEEKDAYS, "start": "14:00", "end": "22:00"}
    night = {"days": _WEEKDAYS, "start": "22:00", "end": "06:00"}
    maintenance = {
        "start": PLANNING_START + timedelta(days=2),
        "end": PLANNING_START + timedelta(days=2, hours=8),
        "reason": "preventive maintenance",
    }
    return [
        {"id": "two-shift", "shifts": [early, late]},
        {"id": "three-shift", "shifts": [early, late, night]},
        {"id": "two-shift-press-2", "shifts": [early, late], "exceptions": [maintenance]},
        {"id": "early", "shifts": [early]},
        {"id": "late", "shifts": [late]},
    ]


def _plant_resources(spec: PlantSpec) -> list[dict[str, Any]]:
    scale = max(1, sum(n for g, n in spec.machines if g in ("weld", "assembly")) // 4)
    resources: list[dict[str, Any]] = []
    for crew, size in (("welders", 2), ("assemblers", 3)):
        for shift in ("early", "late"):
            resources.append(
                {
                    "id": f"{crew}-{shift}",
                    "name": f"{crew.capitalize()}, {shift} shift",
                    "kind": "operator",
                    "capacity": size * scale,
                    "calendar": shift,
                }
            )
    for p in range(spec.products):
        resources.append({"id": f"die-P{p + 1}", "name": f"Press die P{p + 1}", "kind": "tool"})
    for f in range(2):
        resources.append(
            {
                "id": f"fixture-{f + 1}",
                "name": f"Welding fixture {f + 1}",
                "kind": "tool",
                "capacity": 2 * scale,
            }
        )
    return resources


def _plant_items(spec: PlantSpec) -> tuple[list[dict[str, Any]], set[str]]:
    items = [{"id": i, "name": n} for i, n, _, _ in PURCHASED[: spec.purchased]]
    items += [{"id": i, "name": n} for i, n in INTERMEDIATES[: spec.intermediates]]
    return items, {i for i, _, _, _ in PURCHASED[: spec.purchased]}


def _stock_and_suppliers(rng: np.random.Generator, item: dict[str, Any], demand: int) -> None:
    item["stock"] = int(demand * rng.uniform(0.2, 0.5))
    price = int(rng.integers(4, 30))
    item["suppliers"] = [
        {
            "id": "express",
            "lead_time": int(rng.integers(1, 3)) * DAY,
            "unit_cost": price * 3 // 2,
            "min_order_quantity": 1,
        },
        {
            "id": "bulk",
            "lead_time": int(rng.integers(5, 9)) * DAY,
            "unit_cost": price,
            "min_order_quantity": 100 * int(rng.integers(1, 4)),
        },
    ]


@dataclass(frozen=True, slots=True)
class _Product:
    id: str
    routing: list[_Step]
    material: str
    colour: str
    per_unit: dict[str, int]
    """Minutes per unit on the group's fastest machine, per step."""
    setup: dict[str, int]
    consumes: dict[str, list[tuple[str, int]]]
    """Per step: (item, units per unit of product)."""


def _product(rng: np.random.Generator, spec: PlantSpec, groups: set[str], p: int) -> _Product:
    shape = ["line", "welded", "join"][p % 3]
    routing = _routing_template(shape, groups)
    consumes: dict[str, list[tuple[str, int]]] = {}
    for item, _, step, per in PURCHASED[: spec.purchased]:
        if step == "assemble" and rng.random() < 0.5:
            continue
        consumes.setdefault(step, []).append((item, per))
    if spec.intermediates and rng.random() < 0.7:
        item = INTERMEDIATES[int(rng.integers(spec.intermediates))][0]
        consumes.setdefault("assemble", []).append((item, 1))
    names = {s.name for s in routing}
    if "assemble" not in names:
        # Without an assembly step the components go in at the last step.
        last = routing[-1].name
        for item_per in consumes.pop("assemble", []):
            consumes.setdefault(last, []).append(item_per)
    return _Product(
        id=f"P{p + 1}",
        routing=routing,
        material=MATERIALS[int(rng.integers(len(MATERIALS)))],
        colour=COLOURS[int(rng.integers(len(COLOURS)))],
        per_unit={s.name: int(rng.integers(1, 4)) for s in routing},
        setup={s.name: 5 * int(rng.integers(2, 7)) for s in routing},
        consumes={k: v for k, v in consumes.items() if k in names},
    )


def _operation(
    rng: np.random.Generator,
    spec: PlantSpec,
    step: _Step,
    product: _Product,
    quantity: int,
    by_group: dict[str, list[str]],
    speed: dict[str, int],
) -> dict[str, Any]:
    eligible = by_group[step.group]
    if len(eligible) > 2 and rng.random() < 0.3:
        # Some parts fit only some of the machines of a group.
        eligible = sorted(rng.choice(eligible, size=len(eligible) - 1, replace=False).tolist())
    op: dict[str, Any] = {"id": step.name}
    if step.group == "oven":
        # A batch cure: the same time whatever the quantity, unattended, pausing over weekends.
        op["machines"] = [
            {"machine_id": m, "duration": 60 * int(rng.integers(6, 13))} for m in eligible
        ]
        op["resumable"] = True
    else:
        op["machines"] = [
            {
                "machine_id": m,
                "setup": product.setup[step.name],
                "per_unit": product.per_unit[step.name] + speed[m],
            }
            for m in eligible
        ]
        longest = max(mode["setup"] + mode["per_unit"] * quantity for mode in op["machines"])
        if longest > 7 * 60:
            raise AssertionError(f"{step.name} of {quantity} takes {longest} minutes: past a shift")
    op["predecessors"] = [
        {"operation_id": name, "min_lag": a} | ({} if b is None else {"max_lag": b})
        for name, a, b in step.preds
    ]
    group = GROUPS[step.group]
    if group.setups == "material":
        op["family"] = f"mat-{product.material}"
    elif group.setups == "colour":
        op["family"] = f"col-{product.colour}"
    if spec.crews:
        needs: list[dict[str, Any]] = []
        if step.group == "weld":
            needs += [
                {"resources": ["welders-early", "welders-late"]},
                {"resources": ["fixture-1", "fixture-2"]},
            ]
        elif step.group == "assembly":
            needs.append({"resources": ["assemblers-early", "assemblers-late"]})
        elif step.group == "press":
            needs.append({"resources": [f"die-{product.id}"]})
        if needs:
            op["resources"] = needs
    consumed = product.consumes.get(step.name, [])
    if consumed:
        op["consumes"] = [{"item_id": i, "quantity": per * quantity} for i, per in consumed]
    return op


def _customer_orders(
    rng: np.random.Generator,
    spec: PlantSpec,
    products: list[_Product],
    by_group: dict[str, list[str]],
    speed: dict[str, int],
) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    for j in range(spec.orders):
        product = products[int(rng.integers(len(products)))]
        quantity = int(rng.integers(spec.quantity[0], spec.quantity[1] + 1))
        release_day = int(rng.integers(spec.release_days))
        due_day = release_day + int(rng.integers(spec.lead_days[0], spec.lead_days[1] + 1))
        orders.append(
            {
                "id": f"SO-{1001 + j}",
                "operations": [
                    _operation(rng, spec, step, product, quantity, by_group, speed)
                    for step in product.routing
                ],
                "release": _working_day(release_day),
                "due": _working_day(due_day) + _SHIFT_END,
                # A, B and C customers.
                "weight": int(rng.choice([5, 2, 1], p=[0.2, 0.3, 0.5])),
                "quantity": quantity,
            }
        )
    return orders


def _subassembly_orders(
    rng: np.random.Generator,
    spec: PlantSpec,
    by_group: dict[str, list[str]],
    speed: dict[str, int],
    demand: dict[str, int],
    items: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Batches of each intermediate that together make what the customer orders consume."""
    groups = {g for g, n in spec.machines if n > 0}
    orders: list[dict[str, Any]] = []
    for k, (item_id, _) in enumerate(INTERMEDIATES[: spec.intermediates]):
        item = next(i for i in items if i["id"] == item_id)
        item["stock"] = int(rng.integers(0, 20))
        need = demand.get(item_id, 0) - item["stock"]
        steps = _drop_absent(
            [
                _Step("cut", "cut"),
                _Step("press", "press", [("cut", 0, None)]),
                _Step("weld", "weld", [("press", 0, None)]),
            ][: 2 + (k % 2)],
            groups,
        )
        product = _Product(
            id=f"P{1 + k % spec.products}",
            routing=steps,
            material=MATERIALS[k % len(MATERIALS)],
            colour=COLOURS[0],
            per_unit={s.name: 1 for s in steps},
            setup={s.name: 15 for s in steps},
            consumes={},
        )
        batch = 0
        while need > 0:
            # Sub-assemblies run in bigger batches than customer orders.
            quantity = min(
                int(rng.integers(spec.quantity[1], 3 * spec.quantity[1] + 1)),
                max(need, spec.quantity[0]),
            )
            release_day = int(rng.integers(max(1, spec.release_days // 2)))
            operations = [
                _operation(rng, spec, step, product, quantity, by_group, speed) for step in steps
            ]
            operations[-1]["produces"] = [{"item_id": item_id, "quantity": quantity}]
            orders.append(
                {
                    "id": f"SA-{item_id}-{batch + 1}",
                    "operations": operations,
                    "release": _working_day(release_day),
                    "due": _working_day(release_day + 2) + _SHIFT_END,
                    "quantity": quantity,
                }
            )
            need -= quantity
            batch += 1
    return orders


def _demand(orders: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for order in orders:
        for op in order["operations"]:
            for flow in op.get("consumes", ()):
                total[flow["item_id"]] = total.get(flow["item_id"], 0) + flow["quantity"]
    return total


def _plant_objective(spec: PlantSpec) -> dict[str, Any]:
    tardiness = {"kind": "total_weighted_tardiness"}
    costs = [{"kind": "purchase_cost"}, {"kind": "setup_cost"}]
    if spec.lexicographic:
        return {"levels": [{"terms": [tardiness]}, {"terms": costs}]}
    return {"terms": [tardiness, *costs]}


def _working_day(day: int) -> int:
    """Tick of 06:00 on the `day`-th working day (Monday to Friday) from the planning start."""
    return (day // 5 * 7 + day % 5) * DAY


def _completions(problem: Problem, schedule: Schedule) -> np.ndarray:
    completion = np.zeros(len(problem.orders), dtype=np.int64)
    for op in schedule.operations:
        completion[op.job] = max(completion[op.job], op.end)
    return completion


FACTORY_PLANTS: dict[str, tuple[PlantSpec, int]] = {
    "auto-parts": (
        PlantSpec(
            "auto-parts",
            orders=40,
            machines=(
                ("cut", 2),
                ("press", 3),
                ("weld", 2),
                ("wash", 1),
                ("paint", 2),
                ("assembly", 1),
                ("inspect", 1),
            ),
            products=8,
            purchased=5,
            quantity=(15, 70),
            lead_days=(2, 5),
        ),
        1,
    ),
    "assembly": (
        PlantSpec(
            "assembly",
            orders=30,
            machines=(
                ("cut", 2),
                ("press", 2),
                ("weld", 3),
                ("wash", 1),
                ("paint", 2),
                ("oven", 1),
                ("assembly", 3),
                ("inspect", 1),
            ),
            products=6,
            purchased=7,
            intermediates=2,
            crews=True,
            lexicographic=True,
        ),
        2,
    ),
    "plant-2000": (
        PlantSpec(
            "plant-2000",
            orders=225,
            machines=(
                ("cut", 5),
                ("press", 7),
                ("weld", 5),
                ("wash", 4),
                ("paint", 6),
                ("oven", 3),
                ("assembly", 6),
                ("inspect", 5),
            ),
            products=16,
            purchased=7,
            intermediates=3,
            crews=True,
            release_days=10,
        ),
        3,
    ),
}
"""The example plants of instances/factory/: name -> (spec, seed)."""


# --------------------------------------------------------------------------------------------------
# A construction schedule


@dataclass(slots=True)
class _Placement:
    machine: int
    start: int
    end: int
    resources: tuple[int, ...]
    units: list[list[int]]
    """Per need: the resource's unit lanes the operation takes."""


class _Builder:
    """Greedy, append-only placement: each machine slot and resource unit is a lane of operations
    in time order, so no two operations on a lane overlap and setups follow the lane order."""

    def __init__(self, problem: Problem, until: int):
        self.problem = problem
        self.until = until
        self.calendars = {c.id: WorkingTime(problem, c.id) for c in problem.calendars}
        self.machine_of = {m.id: i for i, m in enumerate(problem.machines)}
        self.resource_of = {r.id: i for i, r in enumerate(problem.resources)}
        self.lanes = [[0] * m.capacity for m in problem.machines]
        self.last_family: list[str | None] = [None] * len(problem.machines)
        self.used = [False] * len(problem.machines)
        self.setup = [
            {(rule.from_family, rule.to_family): rule.time for rule in m.setups}
            for m in problem.machines
        ]
        self.units = [[0] * r.capacity for r in problem.resources]

    def fit(self, calendar: str | None, t: int, work: int, resumable: bool) -> tuple[int, int]:
        """Earliest (start, end) at or after `t` of `work` ticks on a calendar."""
        if calendar is None or work == 0:
            return t, t + work
        time = self.calendars[calendar]
        start, end = time.fit_resumable(t, work) if resumable else time.fit(t, work)
        if end > self.until:
            raise ValueError(f"no room for {work} ticks after {t} on calendar {calendar!r}")
        return start, end

    def place(self, order: Order, op: Operation, t: int) -> _Placement:
        """The earliest-ending placement of `op` at or after `t` (not yet committed)."""
        best: _Placement | None = None
        for mode in op.machines:
            m = self.machine_of[mode.machine_id]
            work = mode.time(order.quantity)
            for choice in itertools.product(*(need.resources for need in op.resources)):
                placement = self._place_on(op, m, work, choice, t)
                if best is None or placement.end < best.end:
                    best = placement
        assert best is not None
        return best

    def _place_on(
        self, op: Operation, m: int, work: int, choice: tuple[str, ...], t: int
    ) -> _Placement:
        machine = self.problem.machines[m]
        lane = min(range(machine.capacity), key=lambda k: self.lanes[m][k])
        ready = self.lanes[m][lane] if work > 0 else 0
        if machine.capacity == 1 and work > 0 and op.family is not None:
            key = (self.last_family[m], op.family) if self.used[m] else (None, op.family)
            if key[0] is not None or not self.used[m]:
                ready += self.setup[m].get(key, 0)
        resources = [self.resource_of[r] for r in choice]
        for _ in range(100_000):
            start, end = self.fit(machine.calendar, max(t, ready), work, op.resumable)
            later = start
            units: list[list[int]] = []
            for need, r in zip(op.resources, resources, strict=True):
                lanes = sorted(range(len(self.units[r])), key=lambda k: self.units[r][k])
                taken = lanes[: need.quantity]
                units.append(taken)
                later = max(later, self.units[r][taken[-1]])
                calendar = self.problem.resources[r].calendar
                if calendar is not None and work > 0:
                    if op.resumable:
                        raise ValueError(
                            "a resumable operation cannot hold a resource on a calendar"
                        )
                    later = self.fit(calendar, later, end - start, False)[0]
            if later == start:
                return _Placement(m, start, end, tuple(resources), units)
            t = later
        raise ValueError(f"operation {op.id!r} finds no slot")

    def commit(self, op: Operation, p: _Placement) -> Callable[[], None]:
        """Take the placement's machine lane and resource units; returns an undo."""
        m = p.machine
        saved = (
            self.lanes[m][:],
            self.last_family[m],
            self.used[m],
            [self.units[r][:] for r in p.resources],
        )
        if p.end > p.start:
            lane = min(range(len(self.lanes[m])), key=lambda k: self.lanes[m][k])
            self.lanes[m][lane] = p.end
            self.last_family[m], self.used[m] = op.family, True
            for r, taken in zip(p.resources, p.units, strict=True):
                for k in taken:
                    self.units[r][k] = p.end

        def undo() -> None:
            self.lanes[m], self.last_family[m], self.used[m] = saved[0], saved[1], saved[2]
            for r, units in zip(p.resources, saved[3], strict=True):
                self.units[r] = units

        return undo


def witness_schedule(problem: Problem, until: int = 52 * WEEK) -> Schedule:
    """A feasible schedule built greedily, order by order (producers of intermediates first, then
    by due date), each operation at its earliest slot; purchases of the fastest supplier at tick 0.

    For problems of `generate_plant`'s shape: a no-wait (max_lag) predecessor is the only
    predecessor of its operation, and intermediates are made by orders that consume none. It
    ignores deadlines (it is what `generate_plant` sets them from) and does not optimise.
    """
    builder = _Builder(problem, until)
    demand: dict[str, int] = {}
    for order in problem.orders:
        for op in order.operations:
            for flow in op.consumes:
                demand[flow.item_id] = demand.get(flow.item_id, 0) + flow.quantity
    ready: dict[str, int] = {}
    purchases: list[Purchase] = []
    for i, item in enumerate(problem.items):
        need = demand.get(item.id, 0)
        if item.stock >= need:
            ready[item.id] = 0
        elif item.suppliers:
            s, supplier = min(enumerate(item.suppliers), key=lambda e: e[1].lead_time)
            quantity = max(need, supplier.min_order_quantity)
            purchases.append(Purchase(i, s, quantity, 0, supplier.lead_time))
            ready[item.id] = supplier.lead_time
    producers = [j for j, o in enumerate(problem.orders) if any(op.produces for op in o.operations)]
    others = [j for j in range(len(problem.orders)) if j not in set(producers)]
    never = MAX_TIME
    sequence = sorted(producers, key=lambda j: (problem.orders[j].release, j)) + sorted(
        others, key=lambda j: (problem.orders[j].due or never, problem.orders[j].release, j)
    )
    produced: dict[str, list[tuple[int, int]]] = {}
    scheduled: list[ScheduledOperation] = []
    for n, j in enumerate(sequence):
        if n == len(producers):
            for item_id, events in produced.items():
                stock = next(i.stock for i in problem.items if i.id == item_id)
                level, need = stock, demand.get(item_id, 0)
                for end, quantity in sorted(events):
                    if level >= need:
                        break
                    level += quantity
                    ready[item_id] = max(ready.get(item_id, 0), end)
                if level < need:
                    raise ValueError(f"item {item_id!r}: {need} consumed, {level} made or stocked")
        order = problem.orders[j]
        ends: dict[str, int] = {}
        placed: dict[int, _Placement] = {}
        tied = {
            pred.operation_id: k
            for k, op in enumerate(order.operations)
            for pred in op.predecessors or ()
            if pred.max_lag is not None
        }
        for k, op in enumerate(order.operations):
            if k in placed:
                continue
            lower = _lower_bound(order, k, ends, ready)
            if op.id not in tied:
                placement = builder.place(order, op, lower)
                builder.commit(op, placement)
                placed[k], ends[op.id] = placement, placement.end
                continue
            # A no-wait pair: move the first later until the second can follow within the lag.
            q = tied[op.id]
            follower = order.operations[q]
            (link,) = follower.predecessors or []
            while True:
                first = builder.place(order, op, lower)
                undo = builder.commit(op, first)
                second = builder.place(
                    order, follower, _lower_bound(order, q, {**ends, op.id: first.end}, ready)
                )
                assert link.max_lag is not None
                if second.start <= first.end + link.max_lag:
                    builder.commit(follower, second)
                    break
                undo()
                lower = max(lower + 1, second.start - link.max_lag - (first.end - first.start))
            placed[k], placed[q] = first, second
            ends[op.id], ends[follower.id] = first.end, second.end
        for k, p in placed.items():
            scheduled.append(ScheduledOperation(j, k, p.machine, p.start, p.end, p.resources))
            for flow in order.operations[k].produces:
                produced.setdefault(flow.item_id, []).append((p.end, flow.quantity))
    scheduled.sort(key=lambda op: (op.job, op.index))
    return Schedule(tuple(scheduled), tuple(purchases))


def _lower_bound(order: Order, k: int, ends: dict[str, int], ready: dict[str, int]) -> int:
    lower = order.release
    for pred in predecessors_of(order, k):
        lower = max(lower, ends[pred.operation_id] + pred.min_lag)
    for flow in order.operations[k].consumes:
        lower = max(lower, ready[flow.item_id])
    return lower


__all__ = [
    "FACTORY_PLANTS",
    "PlantSpec",
    "generate_fjsp",
    "generate_jssp",
    "generate_plant",
    "witness_schedule",
]


# --------------------------------------------------------------------------------------------------
# Plants with deadlines that a known schedule meets (the trust benchmark)

TRUST_OPERATIONS = (140, 300)
"""Operations of a `generate_trust_plant` problem, sub-assembly orders included."""
TRUST_MACHINES: tuple[tuple[str, int], ...] = (
    ("cut", 1),
    ("press", 2),
    ("weld", 1),
    ("wash", 1),
    ("paint", 1),
    ("oven", 1),
    ("assembly", 1),
    ("inspect", 1),
)
"""Every group, so that every rule is in play (shift calendars, changeovers on press and paint, a
no-wait wash -> paint, a cooling lag after curing, resumable curing, crews and tools), mostly one
machine each: a loaded plant, where the order of the work decides which deadlines hold."""


def generate_trust_plant(
    seed: int, *, deadline_share: float = 1.0, slack: int = DAY
) -> tuple[Problem, Schedule]:
    """A seeded factory problem of 140-300 operations whose hard deadlines a known schedule meets,
    and that schedule.

    `generate_plant` with every machine group, crews, purchased and made items; then
    `witness_schedule` (verified by `scheduler.verify` before anything else) and a hard deadline
    `slack` ticks after its completion on `deadline_share` of the orders (sub-assemblies too). So
    every problem is feasible, and a solver or heuristic that returns nothing has failed.
    """
    from scheduler.verify import verify  # the verifier is independent of the formats package

    rng = np.random.default_rng(seed)
    target = int(rng.integers(TRUST_OPERATIONS[0], TRUST_OPERATIONS[1] + 1))
    orders = max(1, target // 10)
    low, high = TRUST_OPERATIONS
    while True:
        spec = PlantSpec(
            f"trust-{seed}",
            orders=orders,
            machines=TRUST_MACHINES,
            products=6,
            purchased=7,
            intermediates=2,
            crews=True,
            quantity=(20, 60),
            release_days=3,
            lead_days=(2, 5),
            deadline_share=0.0,
        )
        plant = generate_plant(spec, seed)
        size = plant.index.n_operations
        if size < low:
            orders += max(1, (low - size) // 9)
        elif size > high:
            orders -= max(1, (size - high) // 9)
        else:
            break
    witness = witness_schedule(plant)
    report = verify(plant, witness)
    if not report.ok:
        raise AssertionError(f"witness of seed {seed}: {report.violations[0].message}")
    completion = _completions(plant, witness)
    data = plant.model_dump(mode="json", exclude_none=True)
    n_deadlines = max(1, round(deadline_share * len(plant.orders)))
    for j in sorted(rng.choice(len(plant.orders), size=n_deadlines, replace=False).tolist()):
        data["orders"][j]["deadline"] = int(completion[j]) + slack
    return parse_problem(data), witness
