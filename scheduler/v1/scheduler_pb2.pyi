import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ObjectiveKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_KIND_UNSPECIFIED: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_MAKESPAN: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_WEIGHTED_COMPLETION: _ClassVar[ObjectiveKind]

class SolveStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLVE_STATUS_UNSPECIFIED: _ClassVar[SolveStatus]
    SOLVE_STATUS_OPTIMAL: _ClassVar[SolveStatus]
    SOLVE_STATUS_FEASIBLE: _ClassVar[SolveStatus]
    SOLVE_STATUS_HEURISTIC: _ClassVar[SolveStatus]
    SOLVE_STATUS_INFEASIBLE: _ClassVar[SolveStatus]
    SOLVE_STATUS_MODEL_INVALID: _ClassVar[SolveStatus]
    SOLVE_STATUS_UNKNOWN: _ClassVar[SolveStatus]

class StopReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STOP_REASON_UNSPECIFIED: _ClassVar[StopReason]
    STOP_REASON_FINISHED: _ClassVar[StopReason]
    STOP_REASON_TIME_LIMIT: _ClassVar[StopReason]
    STOP_REASON_CANCELLED: _ClassVar[StopReason]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
OBJECTIVE_KIND_UNSPECIFIED: ObjectiveKind
OBJECTIVE_KIND_MAKESPAN: ObjectiveKind
OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS: ObjectiveKind
OBJECTIVE_KIND_WEIGHTED_COMPLETION: ObjectiveKind
SOLVE_STATUS_UNSPECIFIED: SolveStatus
SOLVE_STATUS_OPTIMAL: SolveStatus
SOLVE_STATUS_FEASIBLE: SolveStatus
SOLVE_STATUS_HEURISTIC: SolveStatus
SOLVE_STATUS_INFEASIBLE: SolveStatus
SOLVE_STATUS_MODEL_INVALID: SolveStatus
SOLVE_STATUS_UNKNOWN: SolveStatus
STOP_REASON_UNSPECIFIED: StopReason
STOP_REASON_FINISHED: StopReason
STOP_REASON_TIME_LIMIT: StopReason
STOP_REASON_CANCELLED: StopReason
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState

class Problem(_message.Message):
    __slots__ = ("name", "planning_start", "tick", "machines", "orders", "objective")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLANNING_START_FIELD_NUMBER: _ClassVar[int]
    TICK_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    planning_start: _timestamp_pb2.Timestamp
    tick: _duration_pb2.Duration
    machines: _containers.RepeatedCompositeFieldContainer[Machine]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    objective: Objective
    def __init__(self, name: _Optional[str] = ..., planning_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tick: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., machines: _Optional[_Iterable[_Union[Machine, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., objective: _Optional[_Union[Objective, _Mapping]] = ...) -> None: ...

class Machine(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "operations", "release", "due", "weight")
    ID_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    id: str
    operations: _containers.RepeatedCompositeFieldContainer[Operation]
    release: int
    due: int
    weight: int
    def __init__(self, id: _Optional[str] = ..., operations: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ..., release: _Optional[int] = ..., due: _Optional[int] = ..., weight: _Optional[int] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("id", "machines")
    ID_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    id: str
    machines: _containers.RepeatedCompositeFieldContainer[Mode]
    def __init__(self, id: _Optional[str] = ..., machines: _Optional[_Iterable[_Union[Mode, _Mapping]]] = ...) -> None: ...

class Mode(_message.Message):
    __slots__ = ("machine_id", "duration")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    duration: int
    def __init__(self, machine_id: _Optional[str] = ..., duration: _Optional[int] = ...) -> None: ...

class Objective(_message.Message):
    __slots__ = ("terms",)
    TERMS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[ObjectiveTerm]
    def __init__(self, terms: _Optional[_Iterable[_Union[ObjectiveTerm, _Mapping]]] = ...) -> None: ...

class ObjectiveTerm(_message.Message):
    __slots__ = ("kind", "weight")
    KIND_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    kind: ObjectiveKind
    weight: int
    def __init__(self, kind: _Optional[_Union[ObjectiveKind, str]] = ..., weight: _Optional[int] = ...) -> None: ...

class SolveParameters(_message.Message):
    __slots__ = ("time_limit", "workers", "seed", "relative_gap_limit")
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_GAP_LIMIT_FIELD_NUMBER: _ClassVar[int]
    time_limit: _duration_pb2.Duration
    workers: int
    seed: int
    relative_gap_limit: float
    def __init__(self, time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., workers: _Optional[int] = ..., seed: _Optional[int] = ..., relative_gap_limit: _Optional[float] = ...) -> None: ...

class SolveResult(_message.Message):
    __slots__ = ("status", "stop_reason", "objective", "best_bound", "gap", "wall_time", "build_time", "first_solution_time", "solutions", "heuristic_objective", "schedule", "kpis", "heuristic_time")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BEST_BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    WALL_TIME_FIELD_NUMBER: _ClassVar[int]
    BUILD_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_SOLUTION_TIME_FIELD_NUMBER: _ClassVar[int]
    SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    HEURISTIC_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    HEURISTIC_TIME_FIELD_NUMBER: _ClassVar[int]
    status: SolveStatus
    stop_reason: StopReason
    objective: int
    best_bound: int
    gap: float
    wall_time: _duration_pb2.Duration
    build_time: _duration_pb2.Duration
    first_solution_time: _duration_pb2.Duration
    solutions: int
    heuristic_objective: int
    schedule: Schedule
    kpis: Kpis
    heuristic_time: _duration_pb2.Duration
    def __init__(self, status: _Optional[_Union[SolveStatus, str]] = ..., stop_reason: _Optional[_Union[StopReason, str]] = ..., objective: _Optional[int] = ..., best_bound: _Optional[int] = ..., gap: _Optional[float] = ..., wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., build_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., first_solution_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., solutions: _Optional[int] = ..., heuristic_objective: _Optional[int] = ..., schedule: _Optional[_Union[Schedule, _Mapping]] = ..., kpis: _Optional[_Union[Kpis, _Mapping]] = ..., heuristic_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Schedule(_message.Message):
    __slots__ = ("operations",)
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[ScheduledOperation]
    def __init__(self, operations: _Optional[_Iterable[_Union[ScheduledOperation, _Mapping]]] = ...) -> None: ...

class ScheduledOperation(_message.Message):
    __slots__ = ("order_id", "operation_id", "machine_id", "start_tick", "end_tick", "start_time", "end_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TICK_FIELD_NUMBER: _ClassVar[int]
    END_TICK_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    machine_id: str
    start_tick: int
    end_tick: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., start_tick: _Optional[int] = ..., end_tick: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Kpis(_message.Message):
    __slots__ = ("makespan", "total_weighted_tardiness", "weighted_completion", "total_tardiness", "max_tardiness", "late_orders", "on_time_rate", "average_flow_time", "orders", "machines")
    MAKESPAN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WEIGHTED_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    MAX_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FLOW_TIME_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    makespan: int
    total_weighted_tardiness: int
    weighted_completion: int
    total_tardiness: int
    max_tardiness: int
    late_orders: int
    on_time_rate: float
    average_flow_time: float
    orders: _containers.RepeatedCompositeFieldContainer[OrderKpi]
    machines: _containers.RepeatedCompositeFieldContainer[MachineKpi]
    def __init__(self, makespan: _Optional[int] = ..., total_weighted_tardiness: _Optional[int] = ..., weighted_completion: _Optional[int] = ..., total_tardiness: _Optional[int] = ..., max_tardiness: _Optional[int] = ..., late_orders: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., average_flow_time: _Optional[float] = ..., orders: _Optional[_Iterable[_Union[OrderKpi, _Mapping]]] = ..., machines: _Optional[_Iterable[_Union[MachineKpi, _Mapping]]] = ...) -> None: ...

class OrderKpi(_message.Message):
    __slots__ = ("order_id", "completion", "lateness", "tardiness", "flow_time", "completion_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_FIELD_NUMBER: _ClassVar[int]
    FLOW_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    completion: int
    lateness: int
    tardiness: int
    flow_time: int
    completion_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., completion: _Optional[int] = ..., lateness: _Optional[int] = ..., tardiness: _Optional[int] = ..., flow_time: _Optional[int] = ..., completion_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MachineKpi(_message.Message):
    __slots__ = ("machine_id", "busy", "utilisation")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    busy: int
    utilisation: float
    def __init__(self, machine_id: _Optional[str] = ..., busy: _Optional[int] = ..., utilisation: _Optional[float] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("elapsed", "objective", "bound", "gap", "solutions")
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    objective: int
    bound: int
    gap: float
    solutions: int
    def __init__(self, elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., objective: _Optional[int] = ..., bound: _Optional[int] = ..., gap: _Optional[float] = ..., solutions: _Optional[int] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ScheduleJob(_message.Message):
    __slots__ = ("job_id", "state", "request_id", "create_time", "update_time", "progress", "result", "failure_reason", "problem_name")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_NAME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    state: JobState
    request_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    progress: Progress
    result: SolveResult
    failure_reason: str
    problem_name: str
    def __init__(self, job_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ..., failure_reason: _Optional[str] = ..., problem_name: _Optional[str] = ...) -> None: ...

class SolveRequest(_message.Message):
    __slots__ = ("problem", "parameters")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    parameters: SolveParameters
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ...) -> None: ...

class SolveResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: SolveResult
    def __init__(self, result: _Optional[_Union[SolveResult, _Mapping]] = ...) -> None: ...

class SolveStreamRequest(_message.Message):
    __slots__ = ("problem", "parameters")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    parameters: SolveParameters
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ...) -> None: ...

class SolveStreamResponse(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: Progress
    result: SolveResult
    def __init__(self, progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ...) -> None: ...

class ValidateProblemRequest(_message.Message):
    __slots__ = ("problem",)
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ...) -> None: ...

class ValidateProblemResponse(_message.Message):
    __slots__ = ("valid", "violations")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ...) -> None: ...

class CreateScheduleJobRequest(_message.Message):
    __slots__ = ("request_id", "problem", "parameters")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    problem: Problem
    parameters: SolveParameters
    def __init__(self, request_id: _Optional[str] = ..., problem: _Optional[_Union[Problem, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ...) -> None: ...

class CreateScheduleJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...

class GetScheduleJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetScheduleJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...

class ListScheduleJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: JobState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ...) -> None: ...

class ListScheduleJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[ScheduleJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[ScheduleJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelScheduleJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelScheduleJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...

class WatchScheduleJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchScheduleJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...
