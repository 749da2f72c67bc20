"""A reschedule of a large plant after many breakdowns: on time, and INFEASIBLE only when proven.

The state is built as `benchmarks/bench_live.py` builds it: a released plan, then one breakdown per
machine in turn, each a tenth of the makespan after the last, reported at its start.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from helpers import jobshop

from scheduler import cpsat
from scheduler.cpsat import objective
from scheduler.diagnose import ConflictCode, pinned_conflicts
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import best_factory_dispatch
from scheduler.params import SolveParams
from scheduler.planning.events import Events, MachineBreakdown
from scheduler.planning.reschedule import Prepared, prepare
from scheduler.problem import parse_problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.stop import Deadline, StopToken


def test_a_large_plants_model_build_ends_with_its_deadline():
    """plant-2000's full model (1.06 M changeover arcs) stops building at a 1 s deadline (before:
    its calendar domains and circuits ran on, 7-18 s; a reschedule without incumbent overran)."""
    problem = read_problem(instance_path("plant-2000"))
    started = time.perf_counter()
    with pytest.raises(cpsat.BuildExpired):
        cpsat.build_model(problem, deadline=Deadline(1.0))
    assert time.perf_counter() - started < 6.0


def test_a_stop_while_the_objective_is_built_ends_the_build(monkeypatch):
    """A stop set while the objective's terms are built raises BuildExpired (before: the build
    went on to set the objective, 0.8-1.2 s on plant-2000, and hint completion and search)."""
    problem = jobshop([[(0, 3), (1, 2)], [(1, 4), (0, 1)]])
    kind = problem.objective.levels[0].terms[0].kind
    term = objective.TERMS[kind]
    stop = StopToken()

    def stopping(*args: Any) -> Any:
        stop.stop()
        return term(*args)

    monkeypatch.setitem(objective.TERMS, kind, stopping)
    with pytest.raises(cpsat.BuildExpired):
        cpsat.build_model(problem, deadline=Deadline(60, stop))


def test_breakdowns_that_push_work_past_its_deadline_are_infeasible_at_once():
    """plant-2000 after 20 breakdowns reported up to twice the makespan late: INFEASIBLE within the
    limit, naming the breakdown that moved each late order's work (before: UNKNOWN after 13 s)."""
    problem = read_problem(instance_path("plant-2000"))
    released = best_factory_dispatch(problem)
    assert released is not None
    makespan = max(op.end for op in released.operations)
    busiest = Counter(op.machine for op in released.operations).most_common(1)[0][0]
    machines = [m.id for m in problem.machines]
    order = [machines[busiest], *(m for m in machines if m != machines[busiest])]
    first, length = makespan // 4, makespan // 10
    starts = [first + k * length for k in range(20)]
    events = Events(
        events=[
            MachineBreakdown(
                kind="machine_breakdown",
                machine_id=order[k % len(order)],
                start=start,
                end=start + length,
            )
            for k, start in enumerate(starts)
        ]
    )
    prepared = prepare(problem, released, events, now=starts[-1], weight=1)
    started = time.perf_counter()
    result = solve(prepared.problem, SolveParams(time_limit=3.0, workers=1), pins=prepared.pins)
    assert time.perf_counter() - started < 3.0
    assert result.status is SolveStatus.INFEASIBLE
    assert result.explanation
    assert all(c.code is ConflictCode.DEADLINE_BEFORE_NOW for c in result.explanation)
    assert all(c.field.startswith("events[") for c in result.explanation)


def _line(deadline: int) -> Prepared:
    """One order of two 4-tick operations on m0 (released at 0-4 and 4-8), m0 down 2-6, now 6."""
    problem = parse_problem(
        {
            "machines": [{"id": "m0"}],
            "orders": [
                {
                    "id": "j0",
                    "deadline": deadline,
                    "operations": [
                        {"id": "a", "machines": [{"machine_id": "m0", "duration": 4}]},
                        {
                            "id": "b",
                            "machines": [{"machine_id": "m0", "duration": 4}],
                            "predecessors": [{"operation_id": "a"}],
                        },
                    ],
                }
            ],
        }
    )
    released = Schedule((ScheduledOperation(0, 0, 0, 0, 4), ScheduledOperation(0, 1, 0, 4, 8)))
    events = Events(
        events=[MachineBreakdown(kind="machine_breakdown", machine_id="m0", start=2, end=6)]
    )
    return prepare(problem, released, events, now=6, weight=1)


def test_a_deadline_work_moved_past_now_cannot_keep_is_a_conflict_naming_the_event():
    """Deadline 9 < now 6 + 4 for j0/a (its slot broken by events[0]): a conflict naming events[0]."""
    prepared = _line(9)
    [conflict] = pinned_conflicts(prepared.problem, prepared.pins)
    assert conflict.field == "events[0]"
    assert conflict.ids == ("j0", "j0/a")


def test_a_deadline_work_moved_past_now_can_keep_is_no_conflict():
    """Deadline 10 = now 6 + 4 for j0/a: no conflict from the pins (the routing is the search's)."""
    prepared = _line(10)
    assert pinned_conflicts(prepared.problem, prepared.pins) == []
