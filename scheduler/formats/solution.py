"""The schedule file: what `scheduler solve --out` writes and `scheduler verify` reads.

Contract (documented in the README): a JSON object with `status`, `objective`, `best_bound`,
`levels` (per objective level: value, best, bound, status, limit) and `operations`, a list in which each operation carries its 0-based order number `job`, its 0-based
position in that order `index`, its 0-based machine number `machine`, and `start` and `end` in
ticks, and for an operation with resource needs `resources`, the 0-based resource chosen for each
need in order; ids (`order_id`, `operation_id`, `machine_id`, `resource_ids`) and, when the problem
has a planning start, ISO-8601 `start_time` and `end_time` ride along for people and MES clients.
An INFEASIBLE result carries `explanation`: a list of conflicts, each with a `code`, the
planner-worded `message`, the `field` path and the `ids` it concerns.
A problem with items adds `purchases` (the purchases to place: `item`, `supplier`, `quantity`,
`order_time`, `arrival`, read back by `read_schedule`) and `material_waits` (per order, the
arrivals it waited for; see `scheduler.schedule.material_waits`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    Problem,
    check_json_keys,
    violations_of,
)
from scheduler.result import SolveResult
from scheduler.schedule import Purchase, Schedule, ScheduledOperation, material_waits


class ScheduleFileError(ValueError):
    def __init__(self, source: str, violations: list[FieldViolation]):
        self.source = source
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations[:20])
        super().__init__(f"{source}: invalid schedule file:\n{lines}")


# Strict like the problem file: "5" or 5.0 is not tick 5. Ids, times and KPIs ride along for
# people and are not read back.
_READ = ConfigDict(extra="ignore", strict=True)


class _Operation(BaseModel):
    model_config = _READ
    job: int = Field(ge=0)
    index: int = Field(ge=0)
    machine: int = Field(ge=0)
    start: int
    end: int
    resources: list[int] = Field(default_factory=list)


class _Purchase(BaseModel):
    model_config = _READ
    item: int = Field(ge=0)
    supplier: int = Field(ge=0)
    quantity: int
    order_time: int
    arrival: int


class _ScheduleFile(BaseModel):
    model_config = _READ
    operations: list[_Operation]
    purchases: list[_Purchase] = []


def result_to_json(problem: Problem, result: SolveResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "problem": problem.name,
        "status": result.status.value,
        "stop_reason": result.stop_reason.value,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "wall_time": round(result.wall_time, 3),
        "solutions": result.solutions,
        "heuristic_objective": result.heuristic_objective,
        "levels": [
            {
                "value": level.value,
                "best": level.best,
                "bound": level.bound,
                "status": level.status.value,
                "limit": level.limit,
            }
            for level in result.levels
        ],
    }
    if result.explanation:
        out["explanation"] = [
            {"code": c.code.value, "message": c.message, "field": c.field, "ids": list(c.ids)}
            for c in result.explanation
        ]
    if result.kpis is not None:
        out["kpis"] = result.kpis.model_dump(mode="json")
    out["operations"] = (
        [] if result.schedule is None else schedule_to_json(problem, result.schedule)
    )
    if problem.items:
        schedule = result.schedule
        out["purchases"] = [] if schedule is None else purchases_to_json(problem, schedule)
        out["material_waits"] = [] if schedule is None else waits_to_json(problem, schedule)
    return out


def schedule_to_json(problem: Problem, schedule: Schedule) -> list[dict[str, Any]]:
    rows = []
    for op in sorted(schedule.operations, key=lambda o: (o.start, o.machine, o.job, o.index)):
        order = problem.orders[op.job]
        row: dict[str, Any] = {
            "job": op.job,
            "index": op.index,
            "machine": op.machine,
            "start": op.start,
            "end": op.end,
            "order_id": order.id,
            "operation_id": order.operations[op.index].id,
            "machine_id": problem.machines[op.machine].id,
        }
        if op.resources:
            row["resources"] = list(op.resources)
            row["resource_ids"] = [problem.resources[r].id for r in op.resources]
        start_time, end_time = problem.time_at(op.start), problem.time_at(op.end)
        if start_time is not None and end_time is not None:
            row["start_time"] = start_time.isoformat()
            row["end_time"] = end_time.isoformat()
        rows.append(row)
    return rows


def purchases_to_json(problem: Problem, schedule: Schedule) -> list[dict[str, Any]]:
    """The purchases to place, by order time, with ids (and timestamps with a planning start)."""
    rows = []
    for p in schedule.purchases:
        item = problem.items[p.item]
        supplier = item.suppliers[p.supplier]
        row: dict[str, Any] = {
            "item": p.item,
            "supplier": p.supplier,
            "quantity": p.quantity,
            "order_time": p.order_time,
            "arrival": p.arrival,
            "item_id": item.id,
            "supplier_id": supplier.id,
            "cost": supplier.unit_cost * p.quantity,
        }
        _add_times(problem, row, order_timestamp=p.order_time, arrival_time=p.arrival)
        rows.append(row)
    return rows


def waits_to_json(problem: Problem, schedule: Schedule) -> list[dict[str, Any]]:
    """Per order that waited for material: the arrivals it waited for (open or placed purchases)."""
    rows = []
    for job, arrivals in material_waits(problem, schedule).items():
        entries = []
        for a in arrivals:
            entry: dict[str, Any] = {
                "item": a.item,
                "item_id": problem.items[a.item].id,
                "arrival": a.time,
                "quantity": a.quantity,
            }
            if a.open_purchase is not None:
                entry["purchase_order"] = a.open_purchase
                entry["purchase_order_id"] = problem.purchase_orders[a.open_purchase].id
            if a.purchase is not None:
                entry["purchase"] = a.purchase
            _add_times(problem, entry, arrival_time=a.time)
            entries.append(entry)
        rows.append({"job": job, "order_id": problem.orders[job].id, "arrivals": entries})
    return rows


def _add_times(problem: Problem, row: dict[str, Any], **ticks: int) -> None:
    """ISO-8601 timestamps of the named ticks, when the problem has a planning start."""
    for name, tick in ticks.items():
        moment = problem.time_at(tick)
        if moment is not None:
            row[name] = moment.isoformat()


def read_schedule(text: str | bytes, source: str = "<schedule>") -> Schedule:
    """Parse a schedule file; raise ScheduleFileError naming the field and the reason."""
    try:
        check_json_keys(text)
        data = _ScheduleFile.model_validate_json(text)
    except InvalidProblem as error:
        raise ScheduleFileError(source, error.violations) from None
    except ValidationError as error:
        raise ScheduleFileError(source, violations_of(error)) from None
    return Schedule(
        tuple(
            ScheduledOperation(o.job, o.index, o.machine, o.start, o.end, tuple(o.resources))
            for o in data.operations
        ),
        tuple(
            Purchase(p.item, p.supplier, p.quantity, p.order_time, p.arrival)
            for p in data.purchases
        ),
    )


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1) + "\n"
