"""Protobuf (scheduler.v1) ↔ the planning loop: scenarios, events, released plans, comparisons, diffs.

As for the problem (`convert`), requests become plain data validated by the planning models
(`ScenarioFile`, `Events`), so a request gets exactly the checks the scenarios and events files
get. Field paths are those of the files: a change's or an event's oneof member stands for the
file's `kind` field, so it is no segment of a path (`scenarios[1].changes[0].machine_id`,
`events[2].end`), whichever check (the model's, `apply`'s or `prepare`'s) found the fault.
"""

from __future__ import annotations

import json
import math
import re
import typing
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from pydantic import BaseModel, ValidationError

from scheduler.diagnose import Conflict
from scheduler.executor import Progress as PoolProgress
from scheduler.formats.solution import read_schedule
from scheduler.planning.changes import Change, ScenarioFile, apply_scenario
from scheduler.planning.events import Event, Events
from scheduler.planning.reschedule import Diff
from scheduler.planning.whatif import BASE
from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    Order,
    Problem,
    Shift,
    violations_of,
)
from scheduler.result import LevelResult, SolveResult, SolveStatus, StopReason
from scheduler.schedule import Kpis, Purchase, Schedule, ScheduledOperation
from scheduler.service import convert
from scheduler.service.convert import pb

_CHANGE_KINDS = tuple(f.name for f in pb.Change.DESCRIPTOR.oneofs_by_name["kind"].fields)
_EVENT_KINDS = tuple(f.name for f in pb.Event.DESCRIPTOR.oneofs_by_name["kind"].fields)
_KIND_SEGMENT = re.compile(
    r"(changes\[\d+\]|events\[\d+\])\.(?:" + "|".join({*_CHANGE_KINDS, *_EVENT_KINDS}) + r")\b"
)
_TIMESTAMP_TWIN = {"start": "start_time", "end": "end_time"}


# --------------------------------------------------------------------------------------------------
# Requests → domain


def scenarios_from_proto(
    base: Problem, messages: Sequence[pb.Scenario]
) -> tuple[ScenarioFile, dict[str, Problem]]:
    """The scenarios of a request, validated and applied to `base` (each scenario's problem by
    name); InvalidProblem names every fault by its path in the request (`scenarios[0]...`)."""
    violations: list[FieldViolation] = []
    scenarios = []
    for i, scenario in enumerate(messages):
        path = f"scenarios[{i}]"
        if scenario.name == BASE:
            violations.append(FieldViolation(f"{path}.name", f'"{BASE}" names the base problem'))
        changes = [
            _oneof_data(c, _CHANGE_MODELS, f"{path}.changes[{j}]", violations)
            for j, c in enumerate(scenario.changes)
        ]
        scenarios.append({"name": scenario.name, "changes": changes})
    if not messages:
        violations.append(FieldViolation("scenarios", "at least one scenario"))
    parsed = _validate(ScenarioFile, {"scenarios": scenarios}, violations)
    if violations or not isinstance(parsed, ScenarioFile):
        raise InvalidProblem(violations)
    problems: dict[str, Problem] = {}
    for k, parsed_scenario in enumerate(parsed.scenarios):
        try:
            problems[parsed_scenario.name] = apply_scenario(base, parsed_scenario, k)
        except InvalidProblem as error:
            violations += error.violations
    if violations:
        raise InvalidProblem(violations)
    return parsed, problems


def events_from_proto(messages: Iterable[pb.Event]) -> Events:
    """The events of a request, validated like an events file (paths `events[2].end`)."""
    violations: list[FieldViolation] = []
    events = [
        _oneof_data(e, _EVENT_MODELS, f"events[{i}]", violations) for i, e in enumerate(messages)
    ]
    parsed = _validate(Events, {"events": events}, violations)
    if violations or not isinstance(parsed, Events):
        raise InvalidProblem(violations)
    return parsed


def released_from_proto(problem: Problem, message: pb.ReleasedPlan) -> Schedule:
    """A released plan in the problem's indices; InvalidProblem names every unknown id
    (`plan.operations[3].machine_id`)."""
    violations: list[FieldViolation] = []

    def find(ids: Sequence[str], value: str, field: str, what: str) -> int | None:
        if value in ids:
            return ids.index(value)
        violations.append(FieldViolation(field, f"{what} has no id {value!r}"))
        return None

    orders = [o.id for o in problem.orders]
    machines = [m.id for m in problem.machines]
    resources = [r.id for r in problem.resources]
    operations = []
    for i, op in enumerate(message.operations):
        path = f"plan.operations[{i}]"
        job = find(orders, op.order_id, f"{path}.order_id", "the problem's orders")
        machine = find(machines, op.machine_id, f"{path}.machine_id", "the problem's machines")
        if job is None:
            continue
        steps = [o.id for o in problem.orders[job].operations]
        index = find(steps, op.operation_id, f"{path}.operation_id", f"order {op.order_id!r}")
        chosen = [
            find(resources, r, f"{path}.resource_ids[{k}]", "the problem's resources")
            for k, r in enumerate(op.resource_ids)
        ]
        if index is not None and machine is not None and None not in chosen:
            held = tuple(r for r in chosen if r is not None)
            ticks = (op.start_tick, op.end_tick)
            operations.append(ScheduledOperation(job, index, machine, *ticks, held))
    purchases = []
    items = [item.id for item in problem.items]
    for i, planned in enumerate(message.purchases):
        path = f"plan.purchases[{i}]"
        item = find(items, planned.item_id, f"{path}.item_id", "the problem's items")
        if item is None:
            continue
        suppliers = [s.id for s in problem.items[item].suppliers]
        supplier = find(
            suppliers, planned.supplier_id, f"{path}.supplier_id", f"item {planned.item_id!r}"
        )
        if supplier is not None:
            ticks = (planned.order_tick, planned.arrival_tick)
            purchases.append(Purchase(item, supplier, planned.quantity, *ticks))
    if violations:
        raise InvalidProblem(violations)
    return Schedule(tuple(operations), tuple(purchases))


_RELEASED_FIELD = {
    "job": "order_id",
    "index": "operation_id",
    "machine": "machine_id",
    "end": "end_tick",
}


def request_paths(violations: Iterable[FieldViolation]) -> list[FieldViolation]:
    """`prepare`'s paths of a released plan (index-based, as in the schedule file) made the
    request's (id-based, `plan.operations[3].machine_id`)."""
    result = []
    for v in violations:
        head, _, last = v.field.rpartition(".")
        if head.startswith("plan.operations[") and last in _RELEASED_FIELD:
            result.append(FieldViolation(f"{head}.{_RELEASED_FIELD[last]}", v.reason))
        else:
            result.append(v)
    return result


def budget(
    request: pb.CompareScenariosRequest | pb.CreateComparisonJobRequest,
) -> pb.SolveParameters:
    """A comparison's budget as solve parameters, to be capped like a solve's time limit."""
    parameters = pb.SolveParameters()
    if request.HasField("time_limit"):
        parameters.time_limit.CopyFrom(request.time_limit)
    return parameters


def freeze_ticks(problem: Problem, policy: pb.StabilityPolicy) -> int:
    """The freeze duration in whole ticks of the problem, rounded up; InvalidProblem when negative."""
    if not policy.HasField("freeze"):
        return 0
    seconds = convert.duration_seconds(policy.freeze)
    if seconds < 0:
        raise InvalidProblem([FieldViolation("stability.freeze", "must not be negative")])
    return math.ceil(seconds / problem.tick.total_seconds())


def _oneof_data(
    message: Message,
    models: dict[str, type[BaseModel]],
    path: str,
    violations: list[FieldViolation],
) -> dict[str, Any]:
    """A change or an event as the file writes it: its oneof member's fields plus `kind`."""
    kind = message.WhichOneof("kind")
    if kind is None:
        violations.append(FieldViolation(path, "empty: set one kind of the oneof `kind`"))
        return {}
    member = getattr(message, kind)
    model = models[kind]
    data: dict[str, Any] = {"kind": kind}
    for field in member.DESCRIPTOR.fields:
        name = field.name
        if name in _TIMESTAMP_TWIN.values():
            continue
        if field.message_type is not None or field.has_presence:
            if member.HasField(name):
                data[name] = _value_data(getattr(member, name))
            elif not model.model_fields[name].is_required():
                continue
            elif field.message_type is None:
                data[name] = None  # absent optional: "none" (a due date removed)
            continue
        data[name] = getattr(member, name)
    for name, twin in _TIMESTAMP_TWIN.items():
        if twin in member.DESCRIPTOR.fields_by_name and member.HasField(twin):
            if data[name]:
                violations.append(
                    FieldViolation(f"{path}.{name}", f"give {name} or {twin}, not both")
                )
            try:
                data[name] = getattr(member, twin).ToDatetime(tzinfo=UTC)
            except (ValueError, OverflowError) as error:
                violations.append(FieldViolation(f"{path}.{twin}", f"invalid timestamp: {error}"))
    return data


def _models(union: Any) -> dict[str, type[BaseModel]]:
    """The pydantic models of a discriminated union (`Change`, `Event`), by their kind."""
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["kind"].annotation)[0]: m for m in members}


_CHANGE_MODELS = _models(Change)
_EVENT_MODELS = _models(Event)


def _value_data(value: Any) -> Any:
    if isinstance(value, pb.Order):
        return convert.order_data(value)
    if isinstance(value, pb.Shift):
        return {"days": list(value.days), "start": value.start, "end": value.end}
    return value


def _validate(
    model: type[BaseModel], data: dict[str, Any], violations: list[FieldViolation]
) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        ours = {v.field for v in violations}
        violations += [v for v in file_paths(violations_of(error)) if v.field not in ours]
        return None


def file_paths(violations: Iterable[FieldViolation]) -> list[FieldViolation]:
    """Paths without pydantic's discriminator segment (`changes[0].machine_down.machine_id` is
    `changes[0].machine_id` in the file, whose `kind` is a field)."""
    return [FieldViolation(_KIND_SEGMENT.sub(r"\1", v.field), v.reason) for v in violations]


def scenarios_to_proto(scenarios: ScenarioFile) -> list[pb.Scenario]:
    """The client side: a scenarios file as a request carries it."""
    return [
        pb.Scenario(name=s.name, changes=[_change_to_proto(c) for c in s.changes])
        for s in scenarios.scenarios
    ]


def _change_to_proto(change: Change) -> pb.Change:
    message = pb.Change()
    kind = change.kind
    member = getattr(message, kind)
    member.SetInParent()  # selects the kind even when no field is set
    for name, value in change:
        if name == "kind" or value is None:
            continue
        if isinstance(value, Order):
            convert.order_to_proto(value, member.order)
        elif isinstance(value, Shift):
            member.shift.CopyFrom(pb.Shift(days=value.days, start=value.start, end=value.end))
        elif isinstance(value, datetime):
            getattr(member, _TIMESTAMP_TWIN[name]).FromDatetime(value)
        else:
            setattr(member, name, value)
    return message


# --------------------------------------------------------------------------------------------------
# Domain → responses


def scenario_progress(
    name: str, event: PoolProgress, solutions: int
) -> pb.CompareScenariosResponse:
    """An improving solution of one scenario's solve (the `solutions`-th of it)."""
    progress = pb.Progress(
        objective=event.objective, bound=event.bound, gap=event.gap, solutions=solutions
    )
    progress.elapsed.FromMilliseconds(round(event.elapsed * 1000))
    return pb.CompareScenariosResponse(
        progress=pb.ScenarioProgress(scenario=name, progress=progress)
    )


def comparison_to_proto(report: dict[str, Any], problems: dict[str, Problem]) -> pb.Comparison:
    """`whatif.compare`'s report; `problems` by name, the base's under BASE."""
    pool = report["pool"]
    message = pb.Comparison(
        pool=pb.ComparisonPool(
            cores=pool["cores"],
            concurrent_solves=pool["concurrent_solves"],
            workers_per_solve=pool["workers_per_solve"],
            solves=pool["solves"],
        )
    )
    message.time_limit.FromMilliseconds(round(report["budget"] * 1000))
    message.wall_time.FromMilliseconds(round(report["wall_time"] * 1000))
    message.pool.time_per_solve.FromMilliseconds(round(pool["seconds_per_solve"] * 1000))
    message.base.CopyFrom(_answer(report["base"], problems[BASE]))
    for entry in report["scenarios"]:
        message.scenarios.append(_answer(entry, problems[entry["name"]]))
    return message


def _answer(entry: dict[str, Any], problem: Problem) -> pb.ScenarioAnswer:
    answer = pb.ScenarioAnswer(
        name=entry["name"],
        same_problem_as=entry.get("same_problem_as", ""),
        verified=entry["verified"],
        error=entry.get("error") or "",
    )
    answer.result.CopyFrom(convert.result_to_proto(problem, _result(entry)))
    deltas = entry.get("deltas")
    if deltas:
        answer.deltas.CopyFrom(_deltas(deltas))
    return answer


def _result(entry: dict[str, Any]) -> SolveResult:
    """The solve of a comparison entry (its schedule file) as a domain result."""
    document = entry.get("schedule") or {}
    schedule = None
    if entry["verified"] and document.get("operations"):
        schedule = read_schedule(json.dumps(document))
    status = SolveStatus.UNKNOWN if entry["status"] == "ERROR" else SolveStatus(entry["status"])
    if schedule is None and status.has_schedule:
        status = SolveStatus.UNKNOWN  # a schedule that failed verification is no answer
    return SolveResult(
        status=status,
        stop_reason=StopReason(entry.get("stop_reason") or StopReason.CANCELLED),
        objective=entry["objective"] if schedule is not None else None,
        best_bound=entry["best_bound"],
        gap=entry["gap"] if schedule is not None else None,
        wall_time=entry.get("wall_time") or 0.0,
        heuristic_time=0.0,
        build_time=0.0,
        first_solution_time=None,
        solutions=document.get("solutions") or 0,
        heuristic_objective=document.get("heuristic_objective"),
        schedule=schedule,
        kpis=None if schedule is None else Kpis.model_validate(entry["kpis"]),
        explanation=tuple(
            Conflict(convert.conflict_code(c["code"]), c["message"], c["field"], tuple(c["ids"]))
            for c in document.get("explanation", ())
        ),
        levels=tuple(
            LevelResult(
                level["value"],
                level["best"],
                level["bound"],
                SolveStatus(level["status"]),
                level["limit"],
            )
            for level in document.get("levels", ())
        ),
    )


_FIGURES = (
    "objective",
    "makespan",
    "late_orders",
    "total_tardiness",
    "on_time_rate",
    "setup_time",
    "purchase_cost",
)


def _deltas(deltas: dict[str, Any]) -> pb.ScenarioDeltas:
    message = pb.ScenarioDeltas(
        orders_became_late=deltas.get("orders_became_late", []),
        orders_became_on_time=deltas.get("orders_became_on_time", []),
    )
    for name in _FIGURES:
        if name in deltas:
            getattr(message, name).CopyFrom(_delta(deltas[name]))
    for machine, delta in deltas.get("utilisation", {}).items():
        message.utilisation[machine].CopyFrom(_delta(delta))
    for name in ("purchases_added", "purchases_dropped"):
        for row in deltas.get(name, []):
            getattr(message, name).add(
                item_id=row["item_id"],
                supplier_id=row["supplier_id"],
                quantity=row["quantity"],
                order_tick=row.get("order_time") or 0,
            )
    return message


def _delta(delta: dict[str, Any]) -> pb.Delta:
    message = pb.Delta(proven=delta["proven"])
    for name in ("base", "scenario", "delta", "low", "high"):
        if delta.get(name) is not None:
            setattr(message, name, delta[name])
    return message


def diff_to_proto(diff: Diff, *problems: Problem) -> pb.PlanDiff:
    """A plan diff by structured ids (the domain names an operation "order/operation")."""
    refs = {
        f"{order.id}/{op.id}": pb.OperationRef(order_id=order.id, operation_id=op.id)
        for problem in problems
        for order in problem.orders
        for op in order.operations
    }
    counts = diff.counts()
    return pb.PlanDiff(
        counts=pb.PlanDiffCounts(**counts),
        unchanged=[refs[name] for name in diff.unchanged],
        moved=[pb.MovedOperation(operation=refs[name], by=by) for name, by in diff.moved.items()],
        reassigned=[
            pb.ReassignedOperation(operation=refs[name], from_machine_id=a, to_machine_id=b)
            for name, (a, b) in diff.reassigned.items()
        ],
        added=[refs[name] for name in diff.added],
        dropped=[refs[name] for name in diff.dropped],
        became_late=diff.became_late,
        became_on_time=diff.became_on_time,
    )


__all__ = [
    "budget",
    "comparison_to_proto",
    "diff_to_proto",
    "events_from_proto",
    "file_paths",
    "freeze_ticks",
    "released_from_proto",
    "request_paths",
    "scenario_progress",
    "scenarios_from_proto",
    "scenarios_to_proto",
]
