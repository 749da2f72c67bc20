"""Protobuf (scheduler.v1) ↔ domain, in one place.

Requests become plain data validated by `parse_problem`, so a request gets exactly the checks a
JSON file gets. The proto fields carry the model's names, so a violation's field path in the model
(`orders[3].operations[2].machines[0].machine_id`) is also its path in the proto `Problem`; the
service only prefixes the request field (`problem.`). Keep the two aligned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from scheduler.diagnose import Conflict, ConflictCode
from scheduler.params import SolveParams
from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    ObjectiveKind,
    Order,
    Problem,
    parse_problem,
    predecessors_of,
)
from scheduler.result import LevelResult, Progress, SolveResult, SolveStatus, StopReason
from scheduler.schedule import Kpis, Purchase, Schedule, ScheduledOperation, evaluate
from scheduler.store import Job, JobProgress, JobState
from scheduler.v1 import scheduler_pb2 as pb
from scheduler.v1 import scheduler_pb2_grpc as pb_grpc

_KIND_OF_PROTO = {
    pb.OBJECTIVE_KIND_MAKESPAN: ObjectiveKind.MAKESPAN,
    pb.OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS: ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
    pb.OBJECTIVE_KIND_WEIGHTED_COMPLETION: ObjectiveKind.WEIGHTED_COMPLETION,
    pb.OBJECTIVE_KIND_MAX_WEIGHTED_TARDINESS: ObjectiveKind.MAX_WEIGHTED_TARDINESS,
    pb.OBJECTIVE_KIND_MAX_LATENESS: ObjectiveKind.MAX_LATENESS,
    pb.OBJECTIVE_KIND_LATE_ORDERS: ObjectiveKind.LATE_ORDERS,
    pb.OBJECTIVE_KIND_WEIGHTED_EARLINESS: ObjectiveKind.WEIGHTED_EARLINESS,
    pb.OBJECTIVE_KIND_SETUP_TIME: ObjectiveKind.SETUP_TIME,
    pb.OBJECTIVE_KIND_SETUP_COST: ObjectiveKind.SETUP_COST,
    pb.OBJECTIVE_KIND_PURCHASE_COST: ObjectiveKind.PURCHASE_COST,
}
_PROTO_OF_KIND = {kind: value for value, kind in _KIND_OF_PROTO.items()}
_STATUS = {
    SolveStatus.OPTIMAL: pb.SOLVE_STATUS_OPTIMAL,
    SolveStatus.FEASIBLE: pb.SOLVE_STATUS_FEASIBLE,
    SolveStatus.HEURISTIC: pb.SOLVE_STATUS_HEURISTIC,
    SolveStatus.INFEASIBLE: pb.SOLVE_STATUS_INFEASIBLE,
    SolveStatus.MODEL_INVALID: pb.SOLVE_STATUS_MODEL_INVALID,
    SolveStatus.UNKNOWN: pb.SOLVE_STATUS_UNKNOWN,
}
_STOP_REASON = {
    StopReason.FINISHED: pb.STOP_REASON_FINISHED,
    StopReason.TIME_LIMIT: pb.STOP_REASON_TIME_LIMIT,
    StopReason.CANCELLED: pb.STOP_REASON_CANCELLED,
}
_JOB_STATE = {
    JobState.QUEUED: pb.JOB_STATE_QUEUED,
    JobState.RUNNING: pb.JOB_STATE_RUNNING,
    JobState.SUCCEEDED: pb.JOB_STATE_SUCCEEDED,
    JobState.FAILED: pb.JOB_STATE_FAILED,
    JobState.CANCELLED: pb.JOB_STATE_CANCELLED,
}
_STATUS_OF_PROTO: dict[int, SolveStatus] = {value: status for status, value in _STATUS.items()}
_STOP_REASON_OF_PROTO: dict[int, StopReason] = {v: reason for reason, v in _STOP_REASON.items()}
_JOB_STATE_OF_PROTO: dict[int, JobState] = {value: state for state, value in _JOB_STATE.items()}


# --------------------------------------------------------------------------------------------------
# Requests → domain


def prefixed(violations: Iterable[FieldViolation], prefix: str) -> list[FieldViolation]:
    """Violations with their field paths made relative to the request (`problem.orders[0].id`)."""
    return [
        FieldViolation(f"{prefix}.{v.field}" if v.field else prefix, v.reason) for v in violations
    ]


def problem_from_proto(message: pb.Problem) -> Problem:
    """Validate a proto Problem; raise InvalidProblem naming every bad field by its proto path."""
    data, violations = _problem_data(message)
    try:
        problem = parse_problem(data)
    except InvalidProblem as error:
        # Our own reasons (e.g. for an enum) replace the generic ones pydantic gives for the
        # placeholder we passed it at the same path.
        ours = {v.field for v in violations}
        single_level = not message.objective.levels
        violations += [
            v
            for v in (_proto_path(v, single_level) for v in error.violations)
            if v.field not in ours
        ]
    if violations:
        raise InvalidProblem(violations)
    return problem


def _proto_path(violation: FieldViolation, single_level: bool) -> FieldViolation:
    """A single-level proto objective says `objective.terms`, the model `objective.levels[0].terms`."""
    model_prefix = "objective.levels[0]."
    if single_level and violation.field.startswith(model_prefix):
        return FieldViolation("objective." + violation.field[len(model_prefix) :], violation.reason)
    return violation


def _problem_data(message: pb.Problem) -> tuple[dict[str, Any], list[FieldViolation]]:
    violations: list[FieldViolation] = []
    data: dict[str, Any] = {
        "name": message.name,
        "machines": [_machine_data(m) for m in message.machines],
        "orders": [order_data(order) for order in message.orders],
        "calendars": [
            _calendar_data(c, f"calendars[{i}]", violations)
            for i, c in enumerate(message.calendars)
        ],
        "families": [{"id": f.id, "name": f.name} for f in message.families],
        "resources": [_resource_data(r) for r in message.resources],
        "items": [_item_data(item) for item in message.items],
        "purchase_orders": [
            {"id": p.id, "item_id": p.item_id, "quantity": p.quantity, "arrival": p.arrival}
            for p in message.purchase_orders
        ],
    }
    zone = UTC
    if message.HasField("utc_offset"):
        offset = message.utc_offset.ToTimedelta()
        if abs(offset) >= timedelta(days=1):
            violations.append(FieldViolation("utc_offset", "must be less than a day either way"))
        else:
            zone = timezone(offset)
    if message.HasField("planning_start"):
        try:
            data["planning_start"] = message.planning_start.ToDatetime(tzinfo=zone)
        except (ValueError, OverflowError) as error:
            violations.append(FieldViolation("planning_start", f"invalid timestamp: {error}"))
    if message.HasField("tick"):
        try:
            data["tick"] = message.tick.ToTimedelta()
        except (ValueError, OverflowError) as error:
            violations.append(FieldViolation("tick", f"invalid duration: {error}"))
    if message.HasField("objective"):
        objective = message.objective
        if objective.terms and objective.levels:
            violations.append(FieldViolation("objective", "give either terms or levels, not both"))
        if objective.levels:
            data["objective"] = {
                "levels": [
                    {
                        "terms": _terms_data(level.terms, f"objective.levels[{i}]", violations),
                        "tolerance": level.tolerance,
                    }
                    for i, level in enumerate(objective.levels)
                ]
            }
        else:
            data["objective"] = {"terms": _terms_data(objective.terms, "objective", violations)}
    return data, violations


def _terms_data(
    terms: Iterable[pb.ObjectiveTerm], path: str, violations: list[FieldViolation]
) -> list[dict[str, Any]]:
    result = []
    for t, term in enumerate(terms):
        kind = _KIND_OF_PROTO.get(term.kind)
        if kind is None:
            valid = ", ".join(pb.ObjectiveKind.Name(v) for v in _KIND_OF_PROTO)
            violations.append(
                FieldViolation(
                    f"{path}.terms[{t}].kind", f"must be one of {valid}, got {term.kind}"
                )
            )
        item: dict[str, Any] = {"kind": kind}
        if term.HasField("weight"):
            item["weight"] = term.weight
        result.append(item)
    return result


def _optional(message: Any, data: dict[str, Any], *names: str) -> dict[str, Any]:
    """Copy the proto fields with explicit presence that are set (absent ones keep the default)."""
    for name in names:
        if message.HasField(name):
            data[name] = getattr(message, name)
    return data


def _machine_data(machine: pb.Machine) -> dict[str, Any]:
    data: dict[str, Any] = {"id": machine.id, "name": machine.name}
    if machine.setups:
        data["setups"] = [
            _optional(
                rule,
                {"to_family": rule.to_family, "time": rule.time, "cost": rule.cost},
                "from_family",
            )
            for rule in machine.setups
        ]
    return _optional(machine, data, "capacity", "calendar")


def _calendar_data(
    calendar: pb.Calendar, path: str, violations: list[FieldViolation]
) -> dict[str, Any]:
    exceptions = []
    for e, exception in enumerate(calendar.exceptions):
        item: dict[str, Any] = {
            "start": exception.start,
            "end": exception.end,
            "working": exception.working,
            "reason": exception.reason,
        }
        field = f"{path}.exceptions[{e}]"
        # An unset int64 reads 0, which is also tick 0: a start or end in ticks beside the other's
        # timestamp, or a tick beside its own timestamp, cannot be told from a forgotten field.
        if exception.HasField("start_time") != exception.HasField("end_time"):
            violations.append(
                FieldViolation(
                    field, "give both start_time and end_time, or neither (start and end in ticks)"
                )
            )
        for name in ("start", "end"):
            if exception.HasField(f"{name}_time"):
                if getattr(exception, name):
                    violations.append(
                        FieldViolation(f"{field}.{name}", f"give {name} or {name}_time, not both")
                    )
                try:
                    item[name] = getattr(exception, f"{name}_time").ToDatetime(tzinfo=UTC)
                except (ValueError, OverflowError) as error:
                    violations.append(
                        FieldViolation(f"{field}.{name}_time", f"invalid timestamp: {error}")
                    )
        exceptions.append(item)
    return {
        "id": calendar.id,
        "shifts": [
            {"days": list(shift.days), "start": shift.start, "end": shift.end}
            for shift in calendar.shifts
        ],
        "exceptions": exceptions,
    }


def _resource_data(resource: pb.Resource) -> dict[str, Any]:
    data: dict[str, Any] = {"id": resource.id, "name": resource.name}
    if resource.kind:
        data["kind"] = resource.kind
    return _optional(resource, data, "capacity", "calendar")


def _item_data(item: pb.Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "stock": item.stock,
        "suppliers": [
            _optional(
                s,
                {"id": s.id, "lead_time": s.lead_time, "unit_cost": s.unit_cost},
                "min_order_quantity",
            )
            for s in item.suppliers
        ],
    }


def order_data(order: pb.Order) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": order.id,
        "release": order.release,
        "operations": [_operation_data(op, graph=order.graph) for op in order.operations],
    }
    return _optional(order, data, "due", "weight", "deadline", "quantity")


def _operation_data(op: pb.Operation, *, graph: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": op.id,
        "machines": [
            _optional(
                m,
                {"machine_id": m.machine_id, "setup": m.setup, "per_unit": m.per_unit},
                "duration",
            )
            for m in op.machines
        ],
        "resumable": op.resumable,
    }
    if graph or op.predecessors:
        data["predecessors"] = [
            _optional(p, {"operation_id": p.operation_id, "min_lag": p.min_lag}, "max_lag")
            for p in op.predecessors
        ]
    if op.HasField("family"):
        data["family"] = op.family
    if op.resources:
        data["resources"] = [
            _optional(need, {"resources": list(need.resources)}, "quantity")
            for need in op.resources
        ]
    for name in ("consumes", "produces"):
        flows = getattr(op, name)
        if flows:
            data[name] = [{"item_id": f.item_id, "quantity": f.quantity} for f in flows]
    return data


def duration_seconds(message: Duration) -> float:
    return message.seconds + message.nanos / 1e9


# --------------------------------------------------------------------------------------------------
# Domain → requests (the client side)


def problem_to_proto(problem: Problem) -> pb.Problem:
    message = pb.Problem(name=problem.name)
    if problem.planning_start is not None:
        message.planning_start.CopyFrom(_datetime_proto(problem.planning_start))
        offset = problem.planning_start.utcoffset()
        if offset:
            message.utc_offset.FromTimedelta(offset)
    message.tick.FromTimedelta(problem.tick)
    for machine in problem.machines:
        m = message.machines.add(id=machine.id, name=machine.name, capacity=machine.capacity)
        if machine.calendar is not None:
            m.calendar = machine.calendar
        for rule in machine.setups:
            r = m.setups.add(to_family=rule.to_family, time=rule.time, cost=rule.cost)
            if rule.from_family is not None:
                r.from_family = rule.from_family
    for calendar in problem.calendars:
        c = message.calendars.add(id=calendar.id)
        for shift in calendar.shifts:
            c.shifts.add(days=list(shift.days), start=shift.start, end=shift.end)
        for exception in calendar.exceptions:
            e = c.exceptions.add(working=exception.working, reason=exception.reason)
            for name in ("start", "end"):
                value = getattr(exception, name)
                if isinstance(value, datetime):
                    getattr(e, f"{name}_time").CopyFrom(_datetime_proto(value))
                else:
                    setattr(e, name, value)
    for family in problem.families:
        message.families.add(id=family.id, name=family.name)
    for resource in problem.resources:
        r = message.resources.add(
            id=resource.id, name=resource.name, kind=resource.kind, capacity=resource.capacity
        )
        if resource.calendar is not None:
            r.calendar = resource.calendar
    for item in problem.items:
        i = message.items.add(id=item.id, name=item.name, stock=item.stock)
        for s in item.suppliers:
            i.suppliers.add(
                id=s.id,
                lead_time=s.lead_time,
                unit_cost=s.unit_cost,
                min_order_quantity=s.min_order_quantity,
            )
    for purchase in problem.purchase_orders:
        message.purchase_orders.add(
            id=purchase.id,
            item_id=purchase.item_id,
            quantity=purchase.quantity,
            arrival=purchase.arrival,
        )
    for order in problem.orders:
        order_to_proto(order, message.orders.add())
    levels = problem.objective.levels
    if len(levels) == 1 and levels[0].tolerance == 0:
        for term in levels[0].terms:
            message.objective.terms.add(kind=_PROTO_OF_KIND[term.kind], weight=term.weight)
    else:
        for level in levels:
            lv = message.objective.levels.add(tolerance=level.tolerance)
            for term in level.terms:
                lv.terms.add(kind=_PROTO_OF_KIND[term.kind], weight=term.weight)
    return message


def order_to_proto(order: Order, item: pb.Order) -> None:
    item.id, item.release, item.weight, item.quantity = (
        order.id,
        order.release,
        order.weight,
        order.quantity,
    )
    if order.due is not None:
        item.due = order.due
    if order.deadline is not None:
        item.deadline = order.deadline
    # A graph routing is stated in full; a sequence needs no predecessors at all.
    item.graph = any(op.predecessors is not None for op in order.operations)
    for k, op in enumerate(order.operations):
        operation = item.operations.add(id=op.id, resumable=op.resumable)
        for mode in op.machines:
            m = operation.machines.add(
                machine_id=mode.machine_id, setup=mode.setup, per_unit=mode.per_unit
            )
            if mode.duration is not None:
                m.duration = mode.duration
        if item.graph:
            for pred in predecessors_of(order, k):
                p = operation.predecessors.add(operation_id=pred.operation_id, min_lag=pred.min_lag)
                if pred.max_lag is not None:
                    p.max_lag = pred.max_lag
        if op.family is not None:
            operation.family = op.family
        for need in op.resources:
            operation.resources.add(resources=list(need.resources), quantity=need.quantity)
        for flow in op.consumes:
            operation.consumes.add(item_id=flow.item_id, quantity=flow.quantity)
        for flow in op.produces:
            operation.produces.add(item_id=flow.item_id, quantity=flow.quantity)


def _datetime_proto(moment: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return message


def params_to_proto(params: SolveParams) -> pb.SolveParameters:
    message = pb.SolveParameters(
        workers=params.workers, seed=params.seed, relative_gap_limit=params.relative_gap_limit
    )
    message.time_limit.FromTimedelta(timedelta(seconds=params.time_limit))
    return message


# --------------------------------------------------------------------------------------------------
# Domain → responses


def _duration(seconds: float) -> Duration:
    message = Duration()
    message.FromTimedelta(timedelta(seconds=max(0.0, seconds)))
    return message


def _timestamp(problem: Problem, ticks: int) -> Timestamp | None:
    try:
        moment = problem.time_at(ticks)
    except OverflowError:
        return None  # past year 9999; the service's limits reject such problems up front
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    message = Timestamp()
    message.FromDatetime(moment)
    return message


def schedule_to_proto(problem: Problem, schedule: Schedule) -> pb.Schedule:
    """The schedule with the user's ids, sorted by order and routing position."""
    ix = problem.index
    message = pb.Schedule()
    for op in sorted(schedule.operations, key=lambda o: (o.job, o.index)):
        item = message.operations.add(
            order_id=ix.order_ids[op.job],
            operation_id=problem.orders[op.job].operations[op.index].id,
            machine_id=ix.machine_ids[op.machine],
            start_tick=op.start,
            end_tick=op.end,
        )
        start, end = _timestamp(problem, op.start), _timestamp(problem, op.end)
        if start is not None and end is not None:
            item.start_time.CopyFrom(start)
            item.end_time.CopyFrom(end)
        item.resource_ids.extend(problem.resources[r].id for r in op.resources)
    for purchase in sorted(schedule.purchases, key=lambda p: (p.order_time, p.item, p.supplier)):
        item_ = problem.items[purchase.item]
        supplier = item_.suppliers[purchase.supplier]
        planned = message.purchases.add(
            item_id=item_.id,
            supplier_id=supplier.id,
            quantity=purchase.quantity,
            order_tick=purchase.order_time,
            arrival_tick=purchase.arrival,
            cost=purchase.quantity * supplier.unit_cost,
        )
        ordered, arrives = (
            _timestamp(problem, purchase.order_time),
            _timestamp(problem, purchase.arrival),
        )
        if ordered is not None and arrives is not None:
            planned.order_time.CopyFrom(ordered)
            planned.arrival_time.CopyFrom(arrives)
    return message


def schedule_from_proto(problem: Problem, message: pb.Schedule) -> Schedule | None:
    """A schedule of `problem` from its proto form; None when it names unknown ids."""
    ix = problem.index
    resource_of_id = {r.id: i for i, r in enumerate(problem.resources)}
    operations = []
    for item in message.operations:
        job = ix.job_of_id.get(item.order_id)
        machine = ix.machine_of_id.get(item.machine_id)
        if job is None or machine is None:
            return None
        positions = [
            k for k, op in enumerate(problem.orders[job].operations) if op.id == item.operation_id
        ]
        if len(positions) != 1:
            return None
        resources = tuple(resource_of_id.get(rid, -1) for rid in item.resource_ids)
        if -1 in resources:
            return None
        operations.append(
            ScheduledOperation(
                job, positions[0], machine, item.start_tick, item.end_tick, resources
            )
        )
    purchases = []
    item_of_id = {item.id: i for i, item in enumerate(problem.items)}
    for planned in message.purchases:
        i = item_of_id.get(planned.item_id)
        if i is None:
            return None
        suppliers = [s.id for s in problem.items[i].suppliers]
        if planned.supplier_id not in suppliers:
            return None
        purchases.append(
            Purchase(
                i,
                suppliers.index(planned.supplier_id),
                planned.quantity,
                planned.order_tick,
                planned.arrival_tick,
            )
        )
    return Schedule(tuple(operations), tuple(purchases))


def kpis_to_proto(problem: Problem, kpis: Kpis) -> pb.Kpis:
    message = pb.Kpis(
        makespan=kpis.makespan,
        total_weighted_tardiness=kpis.total_weighted_tardiness,
        weighted_completion=kpis.weighted_completion,
        total_tardiness=kpis.total_tardiness,
        max_tardiness=kpis.max_tardiness,
        late_orders=kpis.late_orders,
        on_time_rate=kpis.on_time_rate,
        average_flow_time=kpis.average_flow_time,
        max_weighted_tardiness=kpis.max_weighted_tardiness,
        weighted_late_orders=kpis.weighted_late_orders,
        weighted_earliness=kpis.weighted_earliness,
        setup_time=kpis.setup_time,
        setup_cost=kpis.setup_cost,
        purchase_cost=kpis.purchase_cost,
    )
    if kpis.max_lateness is not None:
        message.max_lateness = kpis.max_lateness
    for order in kpis.orders:
        item = message.orders.add(
            order_id=order.order_id,
            completion=order.completion,
            tardiness=order.tardiness,
            flow_time=order.flow_time,
            waited_for=order.waited_for,
        )
        if order.lateness is not None:
            item.lateness = order.lateness
        completion = _timestamp(problem, order.completion)
        if completion is not None:
            item.completion_time.CopyFrom(completion)
    for machine in kpis.machines:
        message.machines.add(
            machine_id=machine.machine_id,
            busy=machine.busy,
            utilisation=machine.utilisation,
            available=machine.available,
        )
    return message


def result_to_proto(problem: Problem, result: SolveResult) -> pb.SolveResult:
    message = pb.SolveResult(
        status=_STATUS[result.status],
        stop_reason=_STOP_REASON[result.stop_reason],
        wall_time=_duration(result.wall_time),
        build_time=_duration(result.build_time),
        heuristic_time=_duration(result.heuristic_time),
        solutions=result.solutions,
    )
    if result.objective is not None:
        message.objective = result.objective
    if result.best_bound is not None:
        message.best_bound = result.best_bound
    if result.gap is not None:
        message.gap = result.gap
    if result.first_solution_time is not None:
        message.first_solution_time.CopyFrom(_duration(result.first_solution_time))
    if result.heuristic_objective is not None:
        message.heuristic_objective = result.heuristic_objective
    if result.schedule is not None:
        message.schedule.CopyFrom(schedule_to_proto(problem, result.schedule))
    if result.kpis is not None:
        message.kpis.CopyFrom(kpis_to_proto(problem, result.kpis))
    for level in result.levels:
        item = message.levels.add(status=_STATUS[level.status])
        for name in ("value", "best", "bound", "limit"):
            if getattr(level, name) is not None:
                setattr(item, name, getattr(level, name))
    for conflict in result.explanation:
        message.explanation.add(
            code=conflict.code, message=conflict.message, field=conflict.field, ids=conflict.ids
        )
    return message


def result_from_proto(problem: Problem, message: pb.SolveResult) -> SolveResult:
    """A domain result from its proto form (KPIs recomputed from the schedule)."""
    schedule = None
    if message.HasField("schedule"):
        schedule = schedule_from_proto(problem, message.schedule)
    return SolveResult(
        status=_STATUS_OF_PROTO.get(message.status, SolveStatus.UNKNOWN),
        stop_reason=_STOP_REASON_OF_PROTO.get(message.stop_reason, StopReason.FINISHED),
        objective=message.objective if message.HasField("objective") else None,
        best_bound=message.best_bound if message.HasField("best_bound") else None,
        gap=message.gap if message.HasField("gap") else None,
        wall_time=duration_seconds(message.wall_time),
        heuristic_time=duration_seconds(message.heuristic_time),
        build_time=duration_seconds(message.build_time),
        first_solution_time=duration_seconds(message.first_solution_time)
        if message.HasField("first_solution_time")
        else None,
        solutions=message.solutions,
        heuristic_objective=message.heuristic_objective
        if message.HasField("heuristic_objective")
        else None,
        schedule=schedule,
        kpis=evaluate(problem, schedule) if schedule is not None else None,
        explanation=tuple(
            Conflict(conflict_code(c.code), c.message, c.field, tuple(c.ids))
            for c in message.explanation
        ),
        levels=tuple(
            LevelResult(
                value=level.value if level.HasField("value") else None,
                best=level.best if level.HasField("best") else None,
                bound=level.bound if level.HasField("bound") else None,
                status=_STATUS_OF_PROTO.get(level.status, SolveStatus.UNKNOWN),
                limit=level.limit if level.HasField("limit") else None,
            )
            for level in message.levels
        ),
    )


def conflict_code(code: str) -> ConflictCode:
    try:
        return ConflictCode(code)
    except ValueError:
        return ConflictCode.UNEXPLAINED  # a newer server's code this client does not know


def progress_from_proto(message: pb.Progress) -> Progress:
    return Progress(
        elapsed=duration_seconds(message.elapsed),
        objective=message.objective,
        bound=message.bound,
        gap=message.gap,
        solutions=message.solutions,
        level=message.level,
    )


def progress_to_proto(progress: Progress | JobProgress) -> pb.Progress:
    return pb.Progress(
        elapsed=_duration(progress.elapsed),
        objective=progress.objective,
        bound=progress.bound,
        gap=progress.gap,
        solutions=progress.solutions,
        level=getattr(progress, "level", 0),
    )


def job_progress(progress: Progress) -> JobProgress:
    return JobProgress(
        elapsed=progress.elapsed,
        objective=progress.objective,
        bound=progress.bound,
        gap=progress.gap,
        solutions=progress.solutions,
    )


def violations_to_proto(violations: Sequence[FieldViolation]) -> list[pb.FieldViolation]:
    return [pb.FieldViolation(field=v.field, description=v.reason) for v in violations]


def job_state_to_proto(state: JobState) -> int:
    return _JOB_STATE[state]


def job_state_from_proto(value: int) -> JobState | None:
    """The state a filter asks for; None for JOB_STATE_UNSPECIFIED. Raises ValueError if unknown."""
    if value == pb.JOB_STATE_UNSPECIFIED:
        return None
    try:
        return _JOB_STATE_OF_PROTO[value]
    except KeyError:
        raise ValueError(f"unknown job state {value}") from None


def _unix_timestamp(seconds: float) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(datetime.fromtimestamp(seconds, tz=UTC))
    return message


COMPARISON_JOB = b"\x00comparison\x00"
"""Prefix of a comparison job's stored request (a CreateComparisonJobRequest follows). A serialized
message never starts with a zero byte (field number 0 is no valid tag), so no schedule job's
request (a CreateScheduleJobRequest, as stored before comparisons existed) can be taken for one."""

JobRequest = pb.CreateScheduleJobRequest | pb.CreateComparisonJobRequest


def job_request_bytes(request: JobRequest) -> bytes:
    """What the store keeps of a job's request (deterministic: equal requests, equal bytes)."""
    data = request.SerializeToString(deterministic=True)
    return COMPARISON_JOB + data if isinstance(request, pb.CreateComparisonJobRequest) else data


def job_request(data: bytes) -> JobRequest:
    """A stored job request, of either kind."""
    if data.startswith(COMPARISON_JOB):
        return pb.CreateComparisonJobRequest.FromString(data[len(COMPARISON_JOB) :])
    return pb.CreateScheduleJobRequest.FromString(data)


def job_to_proto(job: Job, *, with_result: bool = True) -> pb.ScheduleJob:
    """The job for clients; `with_result=False` leaves out the (possibly large) result."""
    comparison = job.request.startswith(COMPARISON_JOB)
    message = pb.ScheduleJob(
        job_id=job.id,
        state=_JOB_STATE[job.state],
        request_id=job.request_id,
        create_time=_unix_timestamp(job.created_at),
        update_time=_unix_timestamp(job.updated_at),
        failure_reason=job.failure_reason,
        problem_name=job.name,
    )
    # A listing reads no requests: its jobs' kind stays unspecified.
    if job.request:
        message.kind = pb.JOB_KIND_COMPARISON if comparison else pb.JOB_KIND_SCHEDULE
    if job.progress is not None:
        message.progress.CopyFrom(progress_to_proto(job.progress))
    if with_result and job.result is not None:
        (message.comparison if comparison else message.result).ParseFromString(job.result)
    return message


__all__ = [
    "duration_seconds",
    "job_progress",
    "job_request",
    "job_request_bytes",
    "job_state_from_proto",
    "job_state_to_proto",
    "job_to_proto",
    "kpis_to_proto",
    "params_to_proto",
    "pb",
    "pb_grpc",
    "prefixed",
    "problem_from_proto",
    "problem_to_proto",
    "progress_from_proto",
    "progress_to_proto",
    "result_from_proto",
    "result_to_proto",
    "schedule_from_proto",
    "schedule_to_proto",
    "violations_to_proto",
]
