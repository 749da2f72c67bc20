"""Protobuf (scheduler.v1) ↔ domain, in one place.

Requests become plain data validated by `parse_problem`, so a request gets exactly the checks a
JSON file gets. The proto fields carry the model's names, so a violation's field path in the model
(`orders[3].operations[2].machines[0].machine_id`) is also its path in the proto `Problem`; the
service only prefixes the request field (`problem.`). Keep the two aligned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from scheduler.params import SolveParams
from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    ObjectiveKind,
    Problem,
    parse_problem,
)
from scheduler.result import Progress, SolveResult, SolveStatus, StopReason
from scheduler.schedule import Kpis, Schedule, ScheduledOperation, evaluate
from scheduler.store import Job, JobProgress, JobState
from scheduler.v1 import scheduler_pb2 as pb
from scheduler.v1 import scheduler_pb2_grpc as pb_grpc

_KIND_OF_PROTO = {
    pb.OBJECTIVE_KIND_MAKESPAN: ObjectiveKind.MAKESPAN,
    pb.OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS: ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
    pb.OBJECTIVE_KIND_WEIGHTED_COMPLETION: ObjectiveKind.WEIGHTED_COMPLETION,
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
        violations += [v for v in (_proto_path(v) for v in error.violations) if v.field not in ours]
    if violations:
        raise InvalidProblem(violations)
    return problem


def _proto_path(violation: FieldViolation) -> FieldViolation:
    """The proto's objective is a single level: `objective.terms`, not `objective.levels[0].terms`."""
    model_prefix = "objective.levels[0]."
    if violation.field.startswith(model_prefix):
        return FieldViolation("objective." + violation.field[len(model_prefix) :], violation.reason)
    return violation


def _problem_data(message: pb.Problem) -> tuple[dict[str, Any], list[FieldViolation]]:
    violations: list[FieldViolation] = []
    data: dict[str, Any] = {
        "name": message.name,
        "machines": [{"id": m.id, "name": m.name} for m in message.machines],
        "orders": [_order_data(order) for order in message.orders],
    }
    if message.HasField("planning_start"):
        try:
            data["planning_start"] = message.planning_start.ToDatetime(tzinfo=UTC)
        except (ValueError, OverflowError) as error:
            violations.append(FieldViolation("planning_start", f"invalid timestamp: {error}"))
    if message.HasField("tick"):
        try:
            data["tick"] = message.tick.ToTimedelta()
        except (ValueError, OverflowError) as error:
            violations.append(FieldViolation("tick", f"invalid duration: {error}"))
    if message.HasField("objective"):
        terms = []
        for t, term in enumerate(message.objective.terms):
            kind = _KIND_OF_PROTO.get(term.kind)
            if kind is None:
                valid = ", ".join(pb.ObjectiveKind.Name(v) for v in _KIND_OF_PROTO)
                violations.append(
                    FieldViolation(
                        f"objective.terms[{t}].kind", f"must be one of {valid}, got {term.kind}"
                    )
                )
            item: dict[str, Any] = {"kind": kind}
            if term.HasField("weight"):
                item["weight"] = term.weight
            terms.append(item)
        data["objective"] = {"terms": terms}
    return data, violations


def _order_data(order: pb.Order) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": order.id,
        "release": order.release,
        "operations": [
            {
                "id": op.id,
                "machines": [
                    {"machine_id": m.machine_id, "duration": m.duration} for m in op.machines
                ],
            }
            for op in order.operations
        ],
    }
    if order.HasField("due"):
        data["due"] = order.due
    if order.HasField("weight"):
        data["weight"] = order.weight
    return data


def duration_seconds(message: Duration) -> float:
    return message.seconds + message.nanos / 1e9


# --------------------------------------------------------------------------------------------------
# Domain → requests (the client side)


def problem_to_proto(problem: Problem) -> pb.Problem:
    message = pb.Problem(name=problem.name)
    if problem.planning_start is not None:
        start = problem.planning_start
        message.planning_start.FromDatetime(start if start.tzinfo else start.replace(tzinfo=UTC))
    message.tick.FromTimedelta(problem.tick)
    for machine in problem.machines:
        message.machines.add(id=machine.id, name=machine.name)
    for order in problem.orders:
        item = message.orders.add(id=order.id, release=order.release, weight=order.weight)
        if order.due is not None:
            item.due = order.due
        for op in order.operations:
            operation = item.operations.add(id=op.id)
            for mode in op.machines:
                operation.machines.add(
                    machine_id=mode.machine_id, duration=mode.time(order.quantity)
                )
    for term in problem.objective.terms:
        message.objective.terms.add(kind=_PROTO_OF_KIND[term.kind], weight=term.weight)
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
    return message


def schedule_from_proto(problem: Problem, message: pb.Schedule) -> Schedule | None:
    """A schedule of `problem` from its proto form; None when it names unknown ids."""
    ix = problem.index
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
        operations.append(
            ScheduledOperation(job, positions[0], machine, item.start_tick, item.end_tick)
        )
    return Schedule(tuple(operations))


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
    )
    for order in kpis.orders:
        item = message.orders.add(
            order_id=order.order_id,
            completion=order.completion,
            tardiness=order.tardiness,
            flow_time=order.flow_time,
        )
        if order.lateness is not None:
            item.lateness = order.lateness
        completion = _timestamp(problem, order.completion)
        if completion is not None:
            item.completion_time.CopyFrom(completion)
    for machine in kpis.machines:
        message.machines.add(
            machine_id=machine.machine_id, busy=machine.busy, utilisation=machine.utilisation
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
    )


def progress_from_proto(message: pb.Progress) -> Progress:
    return Progress(
        elapsed=duration_seconds(message.elapsed),
        objective=message.objective,
        bound=message.bound,
        gap=message.gap,
        solutions=message.solutions,
    )


def progress_to_proto(progress: Progress | JobProgress) -> pb.Progress:
    return pb.Progress(
        elapsed=_duration(progress.elapsed),
        objective=progress.objective,
        bound=progress.bound,
        gap=progress.gap,
        solutions=progress.solutions,
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


def job_to_proto(job: Job, *, with_result: bool = True) -> pb.ScheduleJob:
    """The job for clients; `with_result=False` leaves out the (possibly large) result."""
    message = pb.ScheduleJob(
        job_id=job.id,
        state=_JOB_STATE[job.state],
        request_id=job.request_id,
        create_time=_unix_timestamp(job.created_at),
        update_time=_unix_timestamp(job.updated_at),
        failure_reason=job.failure_reason,
        problem_name=job.name,
    )
    if job.progress is not None:
        message.progress.CopyFrom(progress_to_proto(job.progress))
    if with_result and job.result is not None:
        message.result.ParseFromString(job.result)
    return message


__all__ = [
    "duration_seconds",
    "job_progress",
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
