"""Factory-aware dispatching: exact placements per rule, a semantic check of its own, random plants.

`semantic_violations` re-checks every rule of the shared semantics (BRIEF) from the pydantic
problem, by ids, sharing nothing with the heuristic: the project verifier gains those rules module
by module, and these tests must not wait for it (nor trust it blindly).
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import helpers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.formats.generate import generate_trust_plant
from scheduler.heuristics import (
    Rule,
    best_factory_dispatch,
    factory_dispatch,
    factory_rules_for,
)
from scheduler.problem import Problem, parse_problem, parse_problem_json, predecessors_of
from scheduler.schedule import Purchase, Schedule, ScheduledOperation
from scheduler.stop import Deadline, StopToken
from scheduler.verify import verify

# --------------------------------------------------------------------------------------------------
# An independent check of the shared semantics


def semantic_violations(
    problem: Problem, schedule: Schedule, *, deadlines: bool = True
) -> list[str]:
    """Every way `schedule` breaks the shared semantics, as messages (empty: feasible)."""
    out: list[str] = []
    placed: dict[tuple[int, int], ScheduledOperation] = {}
    for op in schedule.operations:
        assert (op.job, op.index) not in placed, f"{op} twice"
        placed[op.job, op.index] = op
    expected = {(j, k) for j, o in enumerate(problem.orders) for k in range(len(o.operations))}
    if set(placed) != expected:
        return [f"operations placed {sorted(placed)} != {sorted(expected)}"]
    until = 2 + max([0, *(op.end for op in schedule.operations)])
    windows = {c.id: problem.working_windows(c.id, until) for c in problem.calendars}

    def working(calendar: str, t: int) -> bool:
        return any(a <= t < b for a, b in windows[calendar])

    def inside(calendar: str, s: int, e: int) -> bool:
        return any(a <= s and e <= b for a, b in windows[calendar])

    machine_of = {m.id: m for m in problem.machines}
    runs: dict[str, list[tuple[int, int, str | None]]] = defaultdict(list)
    held: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    flows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (j, k), op in placed.items():
        order = problem.orders[j]
        spec = order.operations[k]
        name = f"{order.id}/{spec.id}"
        machine = problem.machines[op.machine]
        modes = {m.machine_id: m.time(order.quantity) for m in spec.machines}
        if machine.id not in modes:
            out.append(f"{name} on ineligible {machine.id}")
            continue
        work = modes[machine.id]
        if op.start < order.release:
            out.append(f"{name} starts {op.start} before release {order.release}")
        pauses = work > 0 and machine.calendar is not None and spec.resumable
        if not pauses and op.end - op.start != work:
            out.append(f"{name} lasts {op.end - op.start}, works {work}")
        if work > 0 and machine.calendar is not None:
            cal = machine.calendar
            if not spec.resumable and not inside(cal, op.start, op.end):
                out.append(f"{name} [{op.start}, {op.end}) leaves the working windows")
            if spec.resumable:
                worked = sum(working(cal, t) for t in range(op.start, op.end))
                if worked != work or not working(cal, op.start) or not working(cal, op.end - 1):
                    out.append(f"{name} resumable [{op.start}, {op.end}) works {worked} != {work}")
        for pred in predecessors_of(order, k):
            p = next(i for i, o in enumerate(order.operations) if o.id == pred.operation_id)
            before = placed[j, p]
            if op.start < before.end + pred.min_lag:
                out.append(f"{name} starts {op.start} < {before.end} + min lag {pred.min_lag}")
            if pred.max_lag is not None and op.start > before.end + pred.max_lag:
                out.append(f"{name} starts {op.start} > {before.end} + max lag {pred.max_lag}")
        if op.end > op.start:
            runs[machine.id].append((op.start, op.end, spec.family))
        if len(op.resources) != len(spec.resources):
            out.append(f"{name} chooses {op.resources} for {len(spec.resources)} needs")
        else:
            for need, r in zip(spec.resources, op.resources, strict=True):
                resource = problem.resources[r]
                if resource.id not in need.resources:
                    out.append(f"{name} holds {resource.id}, not among {need.resources}")
                if op.end > op.start:
                    held[resource.id].append((op.start, op.end, need.quantity))
                    if resource.calendar and not inside(resource.calendar, op.start, op.end):
                        out.append(f"{name} holds {resource.id} outside its calendar")
        for flow in spec.consumes:
            flows[flow.item_id].append((op.start, -flow.quantity))
        for flow in spec.produces:
            flows[flow.item_id].append((op.end, flow.quantity))
        if deadlines and order.deadline is not None and op.end > order.deadline:
            out.append(f"{name} ends {op.end} after the deadline {order.deadline}")

    for machine_id, spans in runs.items():
        machine = machine_of[machine_id]
        out += [f"{machine_id}: {m}" for m in _over_capacity(spans, machine.capacity)]
        if not machine.setups:
            continue
        rules = {(s.from_family, s.to_family): s.time for s in machine.setups}
        ordered = sorted(spans, key=lambda span: span[:2])
        if ordered and ordered[0][2] is not None:
            initial = rules.get((None, ordered[0][2]), 0)
            if ordered[0][0] < initial:
                out.append(f"{machine_id}: first run at {ordered[0][0]} before setup {initial}")
        for (_, end, a), (start, _, b) in itertools.pairwise(ordered):
            if a is not None and b is not None and start < end + rules.get((a, b), 0):
                out.append(f"{machine_id}: {a}->{b} at {start} < {end} + setup")
    for resource in problem.resources:
        spans = [(s, e, q) for s, e, q in held[resource.id]]
        out += [f"{resource.id}: {m}" for m in _over_capacity(spans, resource.capacity, units=True)]

    for item_number, item in enumerate(problem.items):
        events = list(flows[item.id])
        events += [(p.arrival, p.quantity) for p in problem.purchase_orders if p.item_id == item.id]
        for purchase in schedule.purchases:
            if purchase.item != item_number:
                continue
            supplier = item.suppliers[purchase.supplier]
            if (
                purchase.quantity < supplier.min_order_quantity
                or purchase.order_time < 0
                or purchase.arrival != purchase.order_time + supplier.lead_time
            ):
                out.append(f"{item.id}: bad purchase {purchase}")
            events.append((purchase.arrival, purchase.quantity))
        for t in sorted({t for t, _ in events}):
            level = item.stock + sum(q for at, q in events if at <= t)
            if level < 0:
                out.append(f"{item.id}: level {level} at {t}")
    return out


def _over_capacity(spans: list[Any], capacity: int, *, units: bool = False) -> list[str]:
    """Times at which the spans [start, end) (with units when asked) exceed `capacity`."""
    events = sorted(
        [(s, 1, span[2] if units else 1) for span in spans for s in [span[0]]]
        + [(span[1], 0, -(span[2] if units else 1)) for span in spans]
    )
    level, out = 0, []
    for t, _, delta in events:
        level += delta
        if level > capacity:
            out.append(f"{level} in use at {t}, capacity {capacity}")
    return out


def _verifier_accepts(data: dict[str, Any], operations: list[tuple[int, ...]]) -> bool:
    """Whether the project verifier accepts a schedule the shared semantics allow, given as
    (order, position, machine, start, end) per operation."""
    problem = parse_problem(data)
    schedule = Schedule(tuple(ScheduledOperation(*row) for row in operations))
    return verify(problem, schedule).ok


# The verifier learns the factory rules module by module (merged from parallel work). Where it
# does not know a rule yet, it misjudges schedules the semantics allow; these probes find out, so
# that the comparison with it below runs in full as soon as it does.
VERIFIER_KNOWS_RESUMABLE = _verifier_accepts(
    {
        "machines": [{"id": "m0", "calendar": "c"}],
        "calendars": [
            {
                "id": "c",
                "exceptions": [
                    {"start": 0, "end": 2, "working": True},
                    {"start": 4, "end": 9, "working": True},
                ],
            }
        ],
        "orders": [
            {
                "id": "j",
                "operations": [
                    {
                        "id": "a",
                        "resumable": True,
                        "machines": [{"machine_id": "m0", "duration": 3}],
                    }
                ],
            }
        ],
    },
    [(0, 0, 0, 0, 5)],
)
VERIFIER_KNOWS_GRAPHS = _verifier_accepts(
    {
        "machines": [{"id": "m0"}, {"id": "m1"}],
        "orders": [
            {
                "id": "j",
                "operations": [
                    {
                        "id": "a",
                        "predecessors": [],
                        "machines": [{"machine_id": "m0", "duration": 3}],
                    },
                    {
                        "id": "b",
                        "predecessors": [],
                        "machines": [{"machine_id": "m1", "duration": 3}],
                    },
                ],
            }
        ],
    },
    [(0, 0, 0, 0, 3), (0, 1, 1, 0, 3)],
)
VERIFIER_KNOWS_CAPACITY = _verifier_accepts(
    {
        "machines": [{"id": "m0", "capacity": 2}],
        "orders": [
            {
                "id": "j0",
                "operations": [{"id": "a", "machines": [{"machine_id": "m0", "duration": 3}]}],
            },
            {
                "id": "j1",
                "operations": [{"id": "a", "machines": [{"machine_id": "m0", "duration": 3}]}],
            },
        ],
    },
    [(0, 0, 0, 0, 3), (1, 0, 0, 0, 3)],
)


def verifier_blind_spot(problem: Problem, schedule: Schedule) -> bool:
    """True when `schedule` uses a rule the project verifier does not know yet."""
    for op in schedule.operations:
        order = problem.orders[op.job]
        spec = order.operations[op.index]
        machine = problem.machines[op.machine]
        work = next(m.time(order.quantity) for m in spec.machines if m.machine_id == machine.id)
        if not VERIFIER_KNOWS_RESUMABLE and op.end - op.start != work:
            return True
        if not VERIFIER_KNOWS_GRAPHS and spec.predecessors is not None:
            return True
        if not VERIFIER_KNOWS_CAPACITY and machine.capacity > 1:
            return True
    return False


def assert_sound(problem: Problem, schedule: Schedule | None) -> Schedule:
    """The heuristic built a schedule and it keeps every rule, by both checkers."""
    assert schedule is not None
    assert semantic_violations(problem, schedule) == []
    if not verifier_blind_spot(problem, schedule):
        report = verify(problem, schedule)
        assert report.ok, [v.message for v in report.violations]
    return schedule


def at(schedule: Schedule, job: int, index: int = 0) -> tuple[int, int, int]:
    """(machine, start, end) of an operation."""
    op = next(o for o in schedule.operations if (o.job, o.index) == (job, index))
    return op.machine, op.start, op.end


def plant(**fields: Any) -> Problem:
    """A problem with machines m0, m1, m2 (unless given) and the given fields."""
    data: dict[str, Any] = {"machines": [{"id": f"m{i}"} for i in range(3)]}
    data.update(fields)
    return parse_problem(data)


def op(op_id: str, machine: str, duration: int, **fields: Any) -> dict[str, Any]:
    return {"id": op_id, "machines": [{"machine_id": machine, "duration": duration}], **fields}


def windows(*spans: tuple[int, int]) -> list[dict[str, Any]]:
    """Calendar exceptions that make exactly `spans` working (no weekly shifts)."""
    return [{"start": a, "end": b, "working": True} for a, b in spans]


# --------------------------------------------------------------------------------------------------
# One rule at a time, exact placements


def test_calendar_skips_a_window_too_short() -> None:
    """A non-resumable operation that does not fit the rest of a window starts in the next one."""
    problem = plant(
        machines=[{"id": "m0", "calendar": "c"}],
        calendars=[{"id": "c", "exceptions": windows((0, 10), (20, 40))}],
        orders=[{"id": "j0", "operations": [op("a", "m0", 8), op("b", "m0", 5)]}],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0, 0) == (0, 0, 8)
    assert at(schedule, 0, 1) == (0, 20, 25)


def test_resumable_pauses_over_non_working_time() -> None:
    """A resumable operation works the 2 ticks left in its window, pauses, and ends 3 ticks in."""
    problem = plant(
        machines=[{"id": "m0", "calendar": "c"}],
        calendars=[{"id": "c", "exceptions": windows((0, 10), (20, 40))}],
        orders=[{"id": "j0", "operations": [op("a", "m0", 8), op("b", "m0", 5, resumable=True)]}],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0, 1) == (0, 8, 23)


def test_calendar_that_never_fits_gives_none() -> None:
    """No window will ever hold a 15-tick non-resumable operation: no schedule."""
    problem = plant(
        machines=[{"id": "m0", "calendar": "c"}],
        calendars=[{"id": "c", "exceptions": windows((0, 10), (20, 30))}],
        orders=[{"id": "j0", "operations": [op("a", "m0", 15)]}],
    )
    assert factory_dispatch(problem) is None


def test_capacity_two_runs_two_at_once() -> None:
    """A machine of capacity 2 runs two of three equal operations together, the third after."""
    problem = plant(
        machines=[{"id": "m0", "capacity": 2}],
        orders=[{"id": f"j{j}", "operations": [op("a", "m0", 4)]} for j in range(3)],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert sorted(at(schedule, j)[1:] for j in range(3)) == [(0, 4), (0, 4), (4, 8)]


def test_setup_appended_after_the_last_family() -> None:
    """The initial setup delays the first run, the changeover the second; both are appended."""
    problem = plant(
        machines=[
            {
                "id": "m0",
                "setups": [
                    {"to_family": "A", "time": 2},
                    {"to_family": "B", "time": 5},
                    {"from_family": "A", "to_family": "B", "time": 3},
                ],
            }
        ],
        families=[{"id": "A"}, {"id": "B"}],
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 4, family="B")]},
            {"id": "j1", "operations": [op("a", "m0", 4, family="A")]},
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 1) == (0, 2, 6)
    assert at(schedule, 0) == (0, 9, 13)


def test_no_setup_when_the_pair_is_not_listed() -> None:
    """Without a rule from B to A, A follows B directly (slack case)."""
    problem = plant(
        machines=[{"id": "m0", "setups": [{"from_family": "A", "to_family": "B", "time": 3}]}],
        families=[{"id": "A"}, {"id": "B"}],
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 4, family="B")]},
            {"id": "j1", "operations": [op("a", "m0", 4, family="A")]},
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert sorted([at(schedule, 0)[1:], at(schedule, 1)[1:]]) == [(0, 4), (4, 8)]
    assert at(schedule, 0)[1] == 0  # B first: A after B needs no changeover


def test_resource_alternative_chosen() -> None:
    """Two operations needing one of two crews run together, each with its own crew."""
    need = [{"resources": ["r0", "r1"]}]
    problem = plant(
        resources=[{"id": "r0"}, {"id": "r1"}],
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 5, resources=need)]},
            {"id": "j1", "operations": [op("a", "m1", 5, resources=need)]},
            {"id": "j2", "operations": [op("a", "m2", 5, resources=need)]},
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    chosen = {op.job: (op.start, op.resources) for op in schedule.operations}
    assert sorted(chosen.values()) == [(0, (0,)), (0, (1,)), (5, (0,))]


def test_resource_calendar_picks_the_available_alternative() -> None:
    """The first-listed crew is off until tick 10, so the other crew takes the job at 0."""
    problem = plant(
        resources=[{"id": "r0", "calendar": "late"}, {"id": "r1"}],
        calendars=[{"id": "late", "exceptions": windows((10, 100))}],
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 5, resources=[{"resources": ["r0", "r1"]}])]}
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert schedule.operations[0].start == 0
    assert schedule.operations[0].resources == (1,)


def test_resource_calendar_delays_when_it_is_the_only_one() -> None:
    """With only the late crew, the operation waits for its calendar."""
    problem = plant(
        resources=[{"id": "r0", "calendar": "late", "capacity": 2}],
        calendars=[{"id": "late", "exceptions": windows((10, 100))}],
        orders=[
            {
                "id": "j0",
                "operations": [op("a", "m0", 5, resources=[{"resources": ["r0"], "quantity": 2}])],
            }
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0) == (0, 10, 15)
    assert schedule.operations[0].resources == (0,)


STEEL = {
    "id": "steel",
    "suppliers": [
        {"id": "slow-cheap", "lead_time": 5, "unit_cost": 10},
        {"id": "fast-dear", "lead_time": 3, "unit_cost": 20, "min_order_quantity": 10},
    ],
}


def test_purchase_with_earliest_arrival_and_moq() -> None:
    """Out of stock, the fastest supplier decides: order at 0, arrives at 3, its MOQ of 10."""
    problem = plant(
        items=[STEEL],
        orders=[
            {
                "id": "j0",
                "operations": [op("a", "m0", 2, consumes=[{"item_id": "steel", "quantity": 4}])],
            }
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0) == (0, 3, 5)
    assert schedule.purchases == (
        Purchase(item=0, supplier=1, quantity=10, order_time=0, arrival=3),
    )


def test_purchase_from_the_cheaper_supplier_when_it_does_not_delay() -> None:
    """Released at 6, both suppliers make it: the cheaper one, ordered at 1, exactly the need."""
    problem = plant(
        items=[STEEL],
        orders=[
            {
                "id": "j0",
                "release": 6,
                "operations": [op("a", "m0", 2, consumes=[{"item_id": "steel", "quantity": 4}])],
            }
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0) == (0, 6, 8)
    assert schedule.purchases == (
        Purchase(item=0, supplier=0, quantity=4, order_time=1, arrival=6),
    )


def test_open_purchase_order_is_waited_for_instead_of_buying() -> None:
    """An open purchase arriving at 2 covers the need: start at 2, buy nothing (slack case)."""
    problem = plant(
        items=[{**STEEL, "stock": 1}],
        purchase_orders=[{"item_id": "steel", "quantity": 3, "arrival": 2}],
        orders=[
            {
                "id": "j0",
                "operations": [op("a", "m0", 2, consumes=[{"item_id": "steel", "quantity": 4}])],
            }
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0) == (0, 2, 4)
    assert schedule.purchases == ()


def test_intermediate_produced_before_consumed() -> None:
    """The consumer (listed first) waits for the producer of its intermediate, which nobody sells."""
    problem = plant(
        items=[{"id": "sub"}],
        orders=[
            {
                "id": "use",
                "operations": [op("a", "m1", 2, consumes=[{"item_id": "sub", "quantity": 2}])],
            },
            {
                "id": "make",
                "operations": [op("a", "m0", 3, produces=[{"item_id": "sub", "quantity": 2}])],
            },
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 1) == (0, 0, 3)
    assert at(schedule, 0) == (1, 3, 5)
    assert schedule.purchases == ()


def test_material_nobody_makes_or_sells_gives_none() -> None:
    """A consumption that no stock, purchase or production can cover: no schedule."""
    problem = plant(
        items=[{"id": "unobtainium", "stock": 1}],
        orders=[
            {
                "id": "j0",
                "operations": [
                    op("a", "m0", 2, consumes=[{"item_id": "unobtainium", "quantity": 2}])
                ],
            }
        ],
    )
    assert factory_dispatch(problem) is None


def test_dag_with_min_and_max_lags() -> None:
    """Branches run in parallel; a max lag of 0 delays the branch's start so the join follows at once."""
    problem = plant(
        orders=[
            {
                "id": "j0",
                "operations": [
                    op("a", "m0", 3, predecessors=[]),
                    op("b", "m1", 2, predecessors=[{"operation_id": "a", "min_lag": 2}]),
                    op("c", "m2", 4, predecessors=[{"operation_id": "a"}]),
                    op(
                        "d",
                        "m0",
                        1,
                        predecessors=[
                            {"operation_id": "b", "min_lag": 1},
                            {"operation_id": "c", "max_lag": 0},
                        ],
                    ),
                ],
            }
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert [at(schedule, 0, k)[1:] for k in range(4)] == [(0, 3), (5, 7), (4, 8), (8, 9)]


def test_no_wait_pair_delayed_behind_a_busy_machine() -> None:
    """A no-wait pair whose second machine is busy until 10 starts its first step at 8."""
    problem = plant(
        orders=[
            {"id": "busy", "operations": [op("x", "m1", 10)]},
            {
                "id": "pair",
                "operations": [
                    op("p", "m0", 2),
                    op("q", "m1", 3, predecessors=[{"operation_id": "p", "max_lag": 0}]),
                ],
            },
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0) == (1, 0, 10)
    assert at(schedule, 1, 0) == (0, 8, 10)
    assert at(schedule, 1, 1) == (1, 10, 13)


def test_max_lag_repaired_by_delaying_the_predecessor_or_none() -> None:
    """A successor whose machine works only from 50 delays its predecessor to within the max lag;
    when the predecessor's own calendar forbids that, there is no schedule."""
    orders = [
        {
            "id": "j0",
            "operations": [
                op("p", "m0", 2),
                op("q", "m1", 5, predecessors=[{"operation_id": "p", "max_lag": 1}]),
            ],
        }
    ]
    problem = plant(
        machines=[{"id": "m0"}, {"id": "m1", "calendar": "c"}],
        calendars=[{"id": "c", "exceptions": windows((0, 3), (50, 60))}],
        orders=orders,
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 0, 0) == (0, 47, 49)
    assert at(schedule, 0, 1) == (1, 50, 55)
    impossible = plant(
        machines=[{"id": "m0", "calendar": "d"}, {"id": "m1", "calendar": "c"}],
        calendars=[
            {"id": "c", "exceptions": windows((0, 3), (50, 60))},
            {"id": "d", "exceptions": windows((0, 10))},
        ],
        orders=orders,
    )
    assert factory_dispatch(impossible) is None


@pytest.mark.parametrize("seed", [3, 8])
def test_max_lags_from_a_known_schedule_are_met(seed: int) -> None:
    """Every routing link of a trust plant gets a maximum lag its witness schedule keeps (plus 30
    ticks): the whole order becomes one block with joins over shared machines and dies. The
    heuristic gave up on these (the branches chased each other); now it places them."""
    problem, _ = generate_trust_plant(seed)
    tight = _bench_module().with_witness_lags(problem, 30)
    assert_sound(tight, best_factory_dispatch(tight))


def test_deadline_missed_is_still_returned() -> None:
    """A deadline the greedy order cannot meet: the schedule comes back for the solver to judge."""
    problem = plant(
        orders=[
            {"id": "j0", "deadline": 3, "operations": [op("a", "m0", 4)]},
        ],
    )
    schedule = factory_dispatch(problem)
    assert schedule is not None and at(schedule, 0) == (0, 0, 4)
    assert semantic_violations(problem, schedule, deadlines=False) == []
    assert semantic_violations(problem, schedule) != []


def test_zero_work_operation_occupies_nothing() -> None:
    """A zero-length step runs at its ready time even on a busy calendar machine."""
    problem = plant(
        machines=[{"id": "m0", "calendar": "c"}, {"id": "m1"}],
        calendars=[{"id": "c", "exceptions": windows((0, 10))}],
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 10)]},
            {"id": "j1", "operations": [op("a", "m1", 12), op("b", "m0", 0)]},
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem))
    assert at(schedule, 1, 1) == (0, 12, 12)


def test_classic_job_shop_matches_dispatch_quality() -> None:
    """On a classic 3x3 job shop the factory heuristic is feasible and reaches makespan 12."""
    problem = plant(
        orders=[
            {"id": "j0", "operations": [op("a", "m0", 3), op("b", "m1", 2), op("c", "m2", 2)]},
            {"id": "j1", "operations": [op("a", "m0", 2), op("b", "m2", 1), op("c", "m1", 4)]},
            {"id": "j2", "operations": [op("a", "m1", 4), op("b", "m2", 3), op("c", "m0", 1)]},
        ],
    )
    for rule in Rule:
        assert_sound(problem, factory_dispatch(problem, rule))
    best = assert_sound(problem, best_factory_dispatch(problem))
    assert max(o.end for o in best.operations) == 12


def test_best_prefers_meeting_deadlines_and_rules_follow_objective() -> None:
    """Due-date objectives try slack and EDD first; best keeps a deadline the MWKR order misses."""
    problem = plant(
        objective="makespan",
        orders=[
            {"id": "long", "operations": [op("a", "m0", 10)]},
            {"id": "short", "deadline": 3, "operations": [op("a", "m0", 3)]},
        ],
    )
    assert factory_rules_for(problem)[:2] == (Rule.SLACK, Rule.EDD)
    mwkr = factory_dispatch(problem, Rule.MWKR)
    assert mwkr is not None and at(mwkr, 1)[2] == 13
    best = assert_sound(problem, best_factory_dispatch(problem))
    assert at(best, 1) == (0, 0, 3)


@pytest.mark.parametrize("rule", [Rule.EDD, Rule.SLACK])
def test_due_date_rules_rank_by_a_deadline_before_the_due_date(rule: Rule) -> None:
    """EDD and slack rank an order by the earlier of its due date and its hard deadline: the
    order due late but with an early deadline goes first (it went second, missing it)."""
    problem = plant(
        orders=[
            {"id": "due-soon", "due": 5, "operations": [op("a", "m0", 3)]},
            {"id": "hard", "due": 100, "deadline": 4, "operations": [op("a", "m0", 3)]},
        ],
    )
    schedule = assert_sound(problem, factory_dispatch(problem, rule))
    assert at(schedule, 1) == (0, 0, 3)


def urgent_behind_long() -> Problem:
    """An order ready at 0 on m0 and an urgent one ready a tick later, due before the first ends."""
    return plant(
        orders=[
            {"id": "first", "operations": [op("a", "m0", 10)]},
            {"id": "urgent", "release": 1, "deadline": 12, "operations": [op("a", "m0", 5)]},
        ],
    )


def test_repair_promotes_an_order_that_misses_its_deadline() -> None:
    """Every rule starts the order that is ready first and misses the deadline of the one ready a
    tick later; the squeaky-wheel repair moves that one ahead, and the deadline holds."""
    problem = urgent_behind_long()
    for rule in Rule:
        greedy = factory_dispatch(problem, rule)
        assert greedy is not None and at(greedy, 1) == (0, 10, 15)
    best = assert_sound(problem, best_factory_dispatch(problem))
    assert at(best, 1) == (0, 1, 6)
    assert at(best, 0) == (0, 6, 16)


# --------------------------------------------------------------------------------------------------
# Random small plants


@st.composite
def factory_problems(draw: st.DrawFn) -> Problem:
    """Small problems using every factory rule: capacities, calendars (working windows from
    exceptions, the last one long), setups, resources with calendars, items with suppliers and
    production, graph routings with lags, resumable steps, quantities, deadlines."""
    n_machines = draw(st.integers(1, 3))
    n_calendars = draw(st.integers(0, 2))
    calendars = []
    for c in range(n_calendars):
        cuts = sorted(draw(st.lists(st.integers(1, 60), min_size=2, max_size=6, unique=True)))
        spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        spans.append((cuts[-1] + 5, 10_000))
        calendars.append({"id": f"c{c}", "exceptions": windows(*spans)})
    families = draw(st.integers(0, 2))
    machines = []
    for m in range(n_machines):
        machine: dict[str, Any] = {"id": f"m{m}", "capacity": draw(st.integers(1, 2))}
        if n_calendars and draw(st.booleans()):
            machine["calendar"] = f"c{draw(st.integers(0, n_calendars - 1))}"
        if families and machine["capacity"] == 1 and draw(st.booleans()):
            pairs = draw(
                st.lists(
                    st.tuples(
                        st.none() | st.integers(0, families - 1), st.integers(0, families - 1)
                    ),
                    max_size=4,
                    unique=True,
                )
            )
            machine["setups"] = [
                {
                    "from_family": None if a is None else f"F{a}",
                    "to_family": f"F{b}",
                    "time": draw(st.integers(0, 6)),
                    "cost": draw(st.integers(0, 3)),
                }
                for a, b in pairs
            ]
        machines.append(machine)
    resources = [
        {"id": f"r{r}", "capacity": draw(st.integers(1, 2))}
        | (
            {"calendar": f"c{draw(st.integers(0, n_calendars - 1))}"}
            if n_calendars and draw(st.booleans())
            else {}
        )
        for r in range(draw(st.integers(0, 2)))
    ]
    items = []
    for i in range(draw(st.integers(0, 2))):
        item: dict[str, Any] = {"id": f"i{i}", "stock": draw(st.integers(0, 4))}
        item["suppliers"] = [
            {
                "id": f"s{s}",
                "lead_time": draw(st.integers(0, 20)),
                "unit_cost": draw(st.integers(0, 5)),
                "min_order_quantity": draw(st.integers(1, 5)),
            }
            for s in range(draw(st.integers(0, 2)))
        ]
        items.append(item)
    purchase_orders = [
        {
            "item_id": f"i{draw(st.integers(0, len(items) - 1))}",
            "quantity": draw(st.integers(1, 4)),
            "arrival": draw(st.integers(0, 30)),
        }
        for _ in range(draw(st.integers(0, 2)) if items else 0)
    ]
    orders = []
    for j in range(draw(st.integers(1, 4))):
        quantity = draw(st.integers(1, 3))
        ops = []
        for k in range(draw(st.integers(1, 4))):
            eligible = draw(
                st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True)
            )
            modes = [
                {"machine_id": f"m{m}", "duration": draw(st.integers(0, 6))}
                if draw(st.booleans())
                else {
                    "machine_id": f"m{m}",
                    "setup": draw(st.integers(0, 3)),
                    "per_unit": draw(st.integers(0, 2)),
                }
                for m in eligible
            ]
            spec: dict[str, Any] = {"id": f"o{k}", "machines": modes}
            if k > 0:
                # The previous operation is always a predecessor: the classic verifier, until the
                # graph-aware one is merged, checks routings in list order.
                earlier = (
                    draw(st.lists(st.integers(0, k - 2), max_size=2, unique=True)) if k > 1 else []
                )
                preds = []
                for p in [k - 1, *earlier]:
                    pred: dict[str, Any] = {
                        "operation_id": f"o{p}",
                        "min_lag": draw(st.integers(0, 3)),
                    }
                    if draw(st.integers(0, 4)) == 0:
                        pred["max_lag"] = pred["min_lag"] + draw(st.integers(0, 4))
                    preds.append(pred)
                spec["predecessors"] = preds
            spec["resumable"] = draw(st.booleans())
            if families and draw(st.booleans()):
                spec["family"] = f"F{draw(st.integers(0, families - 1))}"
            if resources and draw(st.booleans()):
                alternatives = draw(
                    st.lists(
                        st.sampled_from([r["id"] for r in resources]),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                )
                units = min(
                    next(r["capacity"] for r in resources if r["id"] == a) for a in alternatives
                )
                spec["resources"] = [
                    {"resources": alternatives, "quantity": draw(st.integers(1, units))}
                ]
            if items and draw(st.booleans()):
                spec["consumes"] = [
                    {
                        "item_id": f"i{draw(st.integers(0, len(items) - 1))}",
                        "quantity": draw(st.integers(1, 4)),
                    }
                ]
            if items and draw(st.booleans()):
                spec["produces"] = [
                    {
                        "item_id": f"i{draw(st.integers(0, len(items) - 1))}",
                        "quantity": draw(st.integers(1, 4)),
                    }
                ]
            ops.append(spec)
        order: dict[str, Any] = {
            "id": f"j{j}",
            "operations": ops,
            "release": draw(st.integers(0, 20)),
            "quantity": quantity,
            "weight": draw(st.integers(0, 3)),
        }
        if draw(st.booleans()):
            order["due"] = draw(st.integers(0, 80))
        if draw(st.integers(0, 3)) == 0:
            order["deadline"] = draw(st.integers(0, 200))
        orders.append(order)
    objective = draw(
        st.sampled_from(["makespan", "total_weighted_tardiness", "weighted_completion"])
    )
    return parse_problem(
        {
            "machines": machines,
            "calendars": calendars,
            "families": [{"id": f"F{f}"} for f in range(families)],
            "resources": resources,
            "items": items,
            "purchase_orders": purchase_orders,
            "orders": orders,
            "objective": objective,
        }
    )


def _surely_schedulable(problem: Problem) -> bool:
    """No max lags and every consumed item can be bought: the heuristic must then succeed
    (every calendar ends in a long window, which holds any operation these problems have)."""
    buyable = {item.id for item in problem.items if item.suppliers}
    return all(
        all(p.max_lag is None for p in op.predecessors or ())
        and all(flow.item_id in buyable for flow in op.consumes)
        for order in problem.orders
        for op in order.operations
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_problems(), st.sampled_from(list(Rule)))
def test_property_schedules_keep_every_rule(problem: Problem, rule: Rule) -> None:
    """Whenever the heuristic returns a schedule it keeps every rule (deadlines aside: when it
    meets them too, the project verifier accepts it); on problems without max lags or unbuyable
    materials it always returns one."""
    schedule = factory_dispatch(problem, rule)
    if schedule is None:
        assert not _surely_schedulable(problem)
        return
    assert semantic_violations(problem, schedule, deadlines=False) == []
    if not semantic_violations(problem, schedule) and not verifier_blind_spot(problem, schedule):
        report = verify(problem, schedule)
        assert report.ok, [v.message for v in report.violations]


# --------------------------------------------------------------------------------------------------
# Speed


def _bench_module() -> Any:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_factory_heuristic.py"
    spec = importlib.util.spec_from_file_location("bench_factory_heuristic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("orders", [200])
def test_plant_of_2000_operations_is_fast_and_sound(orders: int) -> None:
    """The benchmark plant (2,000 operations, every rule in play) gets a sound schedule in well
    under a second of CPU per rule."""
    problem = _bench_module().plant(orders)
    problem.index  # noqa: B018 - built outside the timing, as `solve` has it by then
    begin = time.process_time()
    schedule = factory_dispatch(problem)
    seconds = time.process_time() - begin
    assert schedule is not None
    assert semantic_violations(problem, schedule, deadlines=False) == []
    assert seconds < 1.0, seconds


# --------------------------------------------------------------------------------------------------
# The trust benchmark's problems


@pytest.mark.parametrize("seed", [0, 7])
def test_trust_plant_is_valid_and_its_witness_meets_every_deadline(seed: int) -> None:
    """generate_trust_plant gives 140-300 operations, a deadline on every order and a witness
    schedule the verifier accepts, deadlines included (so the problem is feasible)."""
    problem, witness = generate_trust_plant(seed)
    assert 140 <= problem.index.n_operations <= 300
    assert all(order.deadline is not None for order in problem.orders)
    assert any(op.resumable for order in problem.orders for op in order.operations)
    assert any(
        p.max_lag is not None
        for order in problem.orders
        for op in order.operations
        for p in op.predecessors or ()
    )
    report = verify(problem, witness)
    assert report.ok, [v.message for v in report.violations]
    assert generate_trust_plant(seed)[0] == problem


# --------------------------------------------------------------------------------------------------
# Time: calendars that never fit, deadlines and stop tokens


def test_slow_calendar_problem_is_fast_and_finds_the_optimum() -> None:
    """Issue 8's 2-operation problem (36 s per rule before): every rule answers in milliseconds,
    and the no-wait pair is repaired by aiming o0's end, down to the optimum 1041."""
    problem = parse_problem_json(helpers.SLOW_CALENDAR_PROBLEM)
    begin = time.perf_counter()
    for rule in Rule:
        factory_dispatch(problem, rule)
    best = assert_sound(problem, best_factory_dispatch(problem))
    assert time.perf_counter() - begin < 3.0
    assert max(o.end for o in best.operations) == 1041
    assert at(best, 0, 1) == (1, 1007, 1041)


def test_resource_shifts_shorter_than_the_operation_give_none_at_once() -> None:
    """An operation longer than every shift of the only resource it can use never fits: None at
    once (each rule took a second before, stepping from shift to shift to the expansion limit),
    while one that just fits the shift is placed."""

    def problem(work: int) -> Problem:
        shifts = [{"days": ["mon", "wed"], "start": "08:00", "end": "10:00"}]
        return plant(
            tick="PT5M",
            machines=[{"id": "m0", "calendar": "long"}],
            calendars=[
                {"id": "short", "shifts": shifts},
                {"id": "long", "shifts": [{"days": ["mon"], "start": "06:00", "end": "22:00"}]},
            ],
            resources=[{"id": "r", "calendar": "short"}],
            orders=[
                {
                    "id": "j0",
                    "operations": [
                        op("a", "m0", work, resumable=True, resources=[{"resources": ["r"]}])
                    ],
                }
            ],
        )

    too_long = problem(25)
    begin = time.perf_counter()
    for rule in Rule:
        assert factory_dispatch(too_long, rule) is None
    assert time.perf_counter() - begin < 1.5
    assert at(assert_sound(problem(24), factory_dispatch(problem(24))), 0) == (0, 96, 120)


def test_time_budget_runs_the_first_rule_only_when_spent() -> None:
    """With no seconds to spare best_factory_dispatch still runs its first rule, and only that
    (no repair): the budget that keeps it within a second on slow plants."""
    problem = urgent_behind_long()
    first = factory_dispatch(problem, factory_rules_for(problem)[0])
    assert best_factory_dispatch(problem, seconds=0.0) == first
    assert best_factory_dispatch(problem, seconds=60.0) != first


@pytest.mark.parametrize("how", ["expiry", "stop"])
def test_deadline_or_stop_during_the_heuristic_returns_within_a_second(how: str) -> None:
    """best_factory_dispatch with every rule on a 6,000-operation plant (seconds of work) answers
    within a second of its deadline expiring or its stop token being set, with a sound schedule
    or None."""
    problem = _bench_module().plant(600)
    problem.index  # noqa: B018 - built outside the timing
    token = StopToken()
    deadline = Deadline(0.2) if how == "expiry" else Deadline(None, token)
    if how == "stop":
        threading.Timer(0.2, token.stop).start()
    begin = time.perf_counter()
    # Every rule, no time budget of its own: seconds of work unless the deadline ends it.
    schedule = best_factory_dispatch(
        problem, budget_operations=10**6, seconds=60.0, deadline=deadline
    )
    assert time.perf_counter() - begin < 1.2
    if schedule is not None:
        assert semantic_violations(problem, schedule, deadlines=False) == []
    assert factory_dispatch(problem, deadline=Deadline(0.0)) is None
