"""The schedule file: what `scheduler solve --out` writes and `scheduler verify` reads.

Contract (documented in the README): a JSON object with `status`, `objective`, `best_bound`,
`levels` (per objective level: value, best, bound, status, limit) and `operations`, a list in which each operation carries its 0-based order number `job`, its 0-based
position in that order `index`, its 0-based machine number `machine`, and `start` and `end` in
ticks, and for an operation with resource needs `resources`, the 0-based resource chosen for each
need in order; ids (`order_id`, `operation_id`, `machine_id`, `resource_ids`) and, when the problem
has a planning start, ISO-8601 `start_time` and `end_time` ride along for people and MES clients.
An INFEASIBLE result carries `explanation`: a list of conflicts, each with a `code`, the
planner-worded `message`, the `field` path and the `ids` it concerns.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler.problem import FieldViolation, Problem, violations_of
from scheduler.result import SolveResult
from scheduler.schedule import Schedule, ScheduledOperation


class ScheduleFileError(ValueError):
    def __init__(self, source: str, violations: list[FieldViolation]):
        self.source = source
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations[:20])
        super().__init__(f"{source}: invalid schedule file:\n{lines}")


class _Operation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    job: int = Field(ge=0)
    index: int = Field(ge=0)
    machine: int = Field(ge=0)
    start: int
    end: int
    resources: list[int] = Field(default_factory=list)


class _ScheduleFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    operations: list[_Operation]


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


def read_schedule(text: str | bytes, source: str = "<schedule>") -> Schedule:
    """Parse a schedule file; raise ScheduleFileError naming the field and the reason."""
    try:
        data = _ScheduleFile.model_validate_json(text)
    except ValidationError as error:
        raise ScheduleFileError(source, violations_of(error)) from None
    return Schedule(
        tuple(
            ScheduledOperation(o.job, o.index, o.machine, o.start, o.end, tuple(o.resources))
            for o in data.operations
        )
    )


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1) + "\n"
