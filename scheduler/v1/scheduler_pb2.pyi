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
    OBJECTIVE_KIND_MAX_WEIGHTED_TARDINESS: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_MAX_LATENESS: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_LATE_ORDERS: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_WEIGHTED_EARLINESS: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_SETUP_TIME: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_SETUP_COST: _ClassVar[ObjectiveKind]
    OBJECTIVE_KIND_PURCHASE_COST: _ClassVar[ObjectiveKind]

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

class ScheduleJobView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULE_JOB_VIEW_UNSPECIFIED: _ClassVar[ScheduleJobView]
    SCHEDULE_JOB_VIEW_BASIC: _ClassVar[ScheduleJobView]
    SCHEDULE_JOB_VIEW_FULL: _ClassVar[ScheduleJobView]
    SCHEDULE_JOB_VIEW_PLAN: _ClassVar[ScheduleJobView]

class JobKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_KIND_UNSPECIFIED: _ClassVar[JobKind]
    JOB_KIND_SCHEDULE: _ClassVar[JobKind]
    JOB_KIND_COMPARISON: _ClassVar[JobKind]
OBJECTIVE_KIND_UNSPECIFIED: ObjectiveKind
OBJECTIVE_KIND_MAKESPAN: ObjectiveKind
OBJECTIVE_KIND_TOTAL_WEIGHTED_TARDINESS: ObjectiveKind
OBJECTIVE_KIND_WEIGHTED_COMPLETION: ObjectiveKind
OBJECTIVE_KIND_MAX_WEIGHTED_TARDINESS: ObjectiveKind
OBJECTIVE_KIND_MAX_LATENESS: ObjectiveKind
OBJECTIVE_KIND_LATE_ORDERS: ObjectiveKind
OBJECTIVE_KIND_WEIGHTED_EARLINESS: ObjectiveKind
OBJECTIVE_KIND_SETUP_TIME: ObjectiveKind
OBJECTIVE_KIND_SETUP_COST: ObjectiveKind
OBJECTIVE_KIND_PURCHASE_COST: ObjectiveKind
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
SCHEDULE_JOB_VIEW_UNSPECIFIED: ScheduleJobView
SCHEDULE_JOB_VIEW_BASIC: ScheduleJobView
SCHEDULE_JOB_VIEW_FULL: ScheduleJobView
SCHEDULE_JOB_VIEW_PLAN: ScheduleJobView
JOB_KIND_UNSPECIFIED: JobKind
JOB_KIND_SCHEDULE: JobKind
JOB_KIND_COMPARISON: JobKind

class Problem(_message.Message):
    __slots__ = ("name", "planning_start", "tick", "machines", "orders", "objective", "calendars", "families", "resources", "items", "purchase_orders", "utc_offset")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLANNING_START_FIELD_NUMBER: _ClassVar[int]
    TICK_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    CALENDARS_FIELD_NUMBER: _ClassVar[int]
    FAMILIES_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    UTC_OFFSET_FIELD_NUMBER: _ClassVar[int]
    name: str
    planning_start: _timestamp_pb2.Timestamp
    tick: _duration_pb2.Duration
    machines: _containers.RepeatedCompositeFieldContainer[Machine]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    objective: Objective
    calendars: _containers.RepeatedCompositeFieldContainer[Calendar]
    families: _containers.RepeatedCompositeFieldContainer[Family]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    items: _containers.RepeatedCompositeFieldContainer[Item]
    purchase_orders: _containers.RepeatedCompositeFieldContainer[OpenPurchase]
    utc_offset: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., planning_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tick: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., machines: _Optional[_Iterable[_Union[Machine, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., objective: _Optional[_Union[Objective, _Mapping]] = ..., calendars: _Optional[_Iterable[_Union[Calendar, _Mapping]]] = ..., families: _Optional[_Iterable[_Union[Family, _Mapping]]] = ..., resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., purchase_orders: _Optional[_Iterable[_Union[OpenPurchase, _Mapping]]] = ..., utc_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Machine(_message.Message):
    __slots__ = ("id", "name", "capacity", "calendar", "setups")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    SETUPS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    capacity: int
    calendar: str
    setups: _containers.RepeatedCompositeFieldContainer[SetupRule]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., capacity: _Optional[int] = ..., calendar: _Optional[str] = ..., setups: _Optional[_Iterable[_Union[SetupRule, _Mapping]]] = ...) -> None: ...

class SetupRule(_message.Message):
    __slots__ = ("from_family", "to_family", "time", "cost")
    FROM_FAMILY_FIELD_NUMBER: _ClassVar[int]
    TO_FAMILY_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    from_family: str
    to_family: str
    time: int
    cost: int
    def __init__(self, from_family: _Optional[str] = ..., to_family: _Optional[str] = ..., time: _Optional[int] = ..., cost: _Optional[int] = ...) -> None: ...

class Calendar(_message.Message):
    __slots__ = ("id", "shifts", "exceptions")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    shifts: _containers.RepeatedCompositeFieldContainer[Shift]
    exceptions: _containers.RepeatedCompositeFieldContainer[CalendarException]
    def __init__(self, id: _Optional[str] = ..., shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., exceptions: _Optional[_Iterable[_Union[CalendarException, _Mapping]]] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("days", "start", "end")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedScalarFieldContainer[str]
    start: str
    end: str
    def __init__(self, days: _Optional[_Iterable[str]] = ..., start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class CalendarException(_message.Message):
    __slots__ = ("start", "end", "working", "reason", "start_time", "end_time")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    WORKING_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    working: bool
    reason: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., working: _Optional[bool] = ..., reason: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Family(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Resource(_message.Message):
    __slots__ = ("id", "name", "kind", "capacity", "calendar")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: str
    capacity: int
    calendar: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., capacity: _Optional[int] = ..., calendar: _Optional[str] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("id", "name", "stock", "suppliers")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    SUPPLIERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    stock: int
    suppliers: _containers.RepeatedCompositeFieldContainer[Supplier]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., stock: _Optional[int] = ..., suppliers: _Optional[_Iterable[_Union[Supplier, _Mapping]]] = ...) -> None: ...

class Supplier(_message.Message):
    __slots__ = ("id", "lead_time", "unit_cost", "min_order_quantity")
    ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_TIME_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    MIN_ORDER_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    lead_time: int
    unit_cost: int
    min_order_quantity: int
    def __init__(self, id: _Optional[str] = ..., lead_time: _Optional[int] = ..., unit_cost: _Optional[int] = ..., min_order_quantity: _Optional[int] = ...) -> None: ...

class OpenPurchase(_message.Message):
    __slots__ = ("id", "item_id", "quantity", "arrival")
    ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    item_id: str
    quantity: int
    arrival: int
    def __init__(self, id: _Optional[str] = ..., item_id: _Optional[str] = ..., quantity: _Optional[int] = ..., arrival: _Optional[int] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "operations", "release", "due", "weight", "deadline", "quantity", "graph")
    ID_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    id: str
    operations: _containers.RepeatedCompositeFieldContainer[Operation]
    release: int
    due: int
    weight: int
    deadline: int
    quantity: int
    graph: bool
    def __init__(self, id: _Optional[str] = ..., operations: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ..., release: _Optional[int] = ..., due: _Optional[int] = ..., weight: _Optional[int] = ..., deadline: _Optional[int] = ..., quantity: _Optional[int] = ..., graph: _Optional[bool] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("id", "machines", "predecessors", "resumable", "family", "resources", "consumes", "produces")
    ID_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    PREDECESSORS_FIELD_NUMBER: _ClassVar[int]
    RESUMABLE_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    CONSUMES_FIELD_NUMBER: _ClassVar[int]
    PRODUCES_FIELD_NUMBER: _ClassVar[int]
    id: str
    machines: _containers.RepeatedCompositeFieldContainer[Mode]
    predecessors: _containers.RepeatedCompositeFieldContainer[Predecessor]
    resumable: bool
    family: str
    resources: _containers.RepeatedCompositeFieldContainer[ResourceNeed]
    consumes: _containers.RepeatedCompositeFieldContainer[ItemQuantity]
    produces: _containers.RepeatedCompositeFieldContainer[ItemQuantity]
    def __init__(self, id: _Optional[str] = ..., machines: _Optional[_Iterable[_Union[Mode, _Mapping]]] = ..., predecessors: _Optional[_Iterable[_Union[Predecessor, _Mapping]]] = ..., resumable: _Optional[bool] = ..., family: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[ResourceNeed, _Mapping]]] = ..., consumes: _Optional[_Iterable[_Union[ItemQuantity, _Mapping]]] = ..., produces: _Optional[_Iterable[_Union[ItemQuantity, _Mapping]]] = ...) -> None: ...

class Mode(_message.Message):
    __slots__ = ("machine_id", "duration", "setup", "per_unit")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    SETUP_FIELD_NUMBER: _ClassVar[int]
    PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    duration: int
    setup: int
    per_unit: int
    def __init__(self, machine_id: _Optional[str] = ..., duration: _Optional[int] = ..., setup: _Optional[int] = ..., per_unit: _Optional[int] = ...) -> None: ...

class Predecessor(_message.Message):
    __slots__ = ("operation_id", "min_lag", "max_lag")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LAG_FIELD_NUMBER: _ClassVar[int]
    MAX_LAG_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    min_lag: int
    max_lag: int
    def __init__(self, operation_id: _Optional[str] = ..., min_lag: _Optional[int] = ..., max_lag: _Optional[int] = ...) -> None: ...

class ResourceNeed(_message.Message):
    __slots__ = ("resources", "quantity")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedScalarFieldContainer[str]
    quantity: int
    def __init__(self, resources: _Optional[_Iterable[str]] = ..., quantity: _Optional[int] = ...) -> None: ...

class ItemQuantity(_message.Message):
    __slots__ = ("item_id", "quantity")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    quantity: int
    def __init__(self, item_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class Objective(_message.Message):
    __slots__ = ("terms", "levels")
    TERMS_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[ObjectiveTerm]
    levels: _containers.RepeatedCompositeFieldContainer[ObjectiveLevel]
    def __init__(self, terms: _Optional[_Iterable[_Union[ObjectiveTerm, _Mapping]]] = ..., levels: _Optional[_Iterable[_Union[ObjectiveLevel, _Mapping]]] = ...) -> None: ...

class ObjectiveLevel(_message.Message):
    __slots__ = ("terms", "tolerance")
    TERMS_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[ObjectiveTerm]
    tolerance: float
    def __init__(self, terms: _Optional[_Iterable[_Union[ObjectiveTerm, _Mapping]]] = ..., tolerance: _Optional[float] = ...) -> None: ...

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
    __slots__ = ("status", "stop_reason", "objective", "best_bound", "gap", "wall_time", "build_time", "first_solution_time", "solutions", "heuristic_objective", "schedule", "kpis", "heuristic_time", "explanation", "levels")
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
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
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
    explanation: _containers.RepeatedCompositeFieldContainer[Conflict]
    levels: _containers.RepeatedCompositeFieldContainer[LevelResult]
    def __init__(self, status: _Optional[_Union[SolveStatus, str]] = ..., stop_reason: _Optional[_Union[StopReason, str]] = ..., objective: _Optional[int] = ..., best_bound: _Optional[int] = ..., gap: _Optional[float] = ..., wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., build_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., first_solution_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., solutions: _Optional[int] = ..., heuristic_objective: _Optional[int] = ..., schedule: _Optional[_Union[Schedule, _Mapping]] = ..., kpis: _Optional[_Union[Kpis, _Mapping]] = ..., heuristic_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., explanation: _Optional[_Iterable[_Union[Conflict, _Mapping]]] = ..., levels: _Optional[_Iterable[_Union[LevelResult, _Mapping]]] = ...) -> None: ...

class LevelResult(_message.Message):
    __slots__ = ("value", "best", "bound", "status", "limit")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    BEST_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    value: int
    best: int
    bound: int
    status: SolveStatus
    limit: int
    def __init__(self, value: _Optional[int] = ..., best: _Optional[int] = ..., bound: _Optional[int] = ..., status: _Optional[_Union[SolveStatus, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class Conflict(_message.Message):
    __slots__ = ("code", "message", "field", "ids")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Schedule(_message.Message):
    __slots__ = ("operations", "purchases")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[ScheduledOperation]
    purchases: _containers.RepeatedCompositeFieldContainer[PlannedPurchase]
    def __init__(self, operations: _Optional[_Iterable[_Union[ScheduledOperation, _Mapping]]] = ..., purchases: _Optional[_Iterable[_Union[PlannedPurchase, _Mapping]]] = ...) -> None: ...

class PlannedPurchase(_message.Message):
    __slots__ = ("item_id", "supplier_id", "quantity", "order_tick", "arrival_tick", "cost", "order_time", "arrival_time")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ORDER_TICK_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TICK_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    ORDER_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    supplier_id: str
    quantity: int
    order_tick: int
    arrival_tick: int
    cost: int
    order_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    def __init__(self, item_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., quantity: _Optional[int] = ..., order_tick: _Optional[int] = ..., arrival_tick: _Optional[int] = ..., cost: _Optional[int] = ..., order_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScheduledOperation(_message.Message):
    __slots__ = ("order_id", "operation_id", "machine_id", "start_tick", "end_tick", "start_time", "end_time", "resource_ids")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TICK_FIELD_NUMBER: _ClassVar[int]
    END_TICK_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    machine_id: str
    start_tick: int
    end_tick: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., start_tick: _Optional[int] = ..., end_tick: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Kpis(_message.Message):
    __slots__ = ("makespan", "total_weighted_tardiness", "weighted_completion", "total_tardiness", "max_tardiness", "late_orders", "on_time_rate", "average_flow_time", "orders", "machines", "max_weighted_tardiness", "max_lateness", "weighted_late_orders", "weighted_earliness", "setup_time", "setup_cost", "purchase_cost")
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
    MAX_WEIGHTED_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENESS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_EARLINESS_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    SETUP_COST_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_COST_FIELD_NUMBER: _ClassVar[int]
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
    max_weighted_tardiness: int
    max_lateness: int
    weighted_late_orders: int
    weighted_earliness: int
    setup_time: int
    setup_cost: int
    purchase_cost: int
    def __init__(self, makespan: _Optional[int] = ..., total_weighted_tardiness: _Optional[int] = ..., weighted_completion: _Optional[int] = ..., total_tardiness: _Optional[int] = ..., max_tardiness: _Optional[int] = ..., late_orders: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., average_flow_time: _Optional[float] = ..., orders: _Optional[_Iterable[_Union[OrderKpi, _Mapping]]] = ..., machines: _Optional[_Iterable[_Union[MachineKpi, _Mapping]]] = ..., max_weighted_tardiness: _Optional[int] = ..., max_lateness: _Optional[int] = ..., weighted_late_orders: _Optional[int] = ..., weighted_earliness: _Optional[int] = ..., setup_time: _Optional[int] = ..., setup_cost: _Optional[int] = ..., purchase_cost: _Optional[int] = ...) -> None: ...

class OrderKpi(_message.Message):
    __slots__ = ("order_id", "completion", "lateness", "tardiness", "flow_time", "completion_time", "waited_for")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_FIELD_NUMBER: _ClassVar[int]
    FLOW_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    WAITED_FOR_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    completion: int
    lateness: int
    tardiness: int
    flow_time: int
    completion_time: _timestamp_pb2.Timestamp
    waited_for: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., completion: _Optional[int] = ..., lateness: _Optional[int] = ..., tardiness: _Optional[int] = ..., flow_time: _Optional[int] = ..., completion_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., waited_for: _Optional[_Iterable[str]] = ...) -> None: ...

class MachineKpi(_message.Message):
    __slots__ = ("machine_id", "busy", "utilisation", "available")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    busy: int
    utilisation: float
    available: int
    def __init__(self, machine_id: _Optional[str] = ..., busy: _Optional[int] = ..., utilisation: _Optional[float] = ..., available: _Optional[int] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("elapsed", "objective", "bound", "gap", "solutions", "level", "schedule")
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    objective: int
    bound: int
    gap: float
    solutions: int
    level: int
    schedule: Schedule
    def __init__(self, elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., objective: _Optional[int] = ..., bound: _Optional[int] = ..., gap: _Optional[float] = ..., solutions: _Optional[int] = ..., level: _Optional[int] = ..., schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ScheduleJob(_message.Message):
    __slots__ = ("job_id", "state", "request_id", "create_time", "update_time", "progress", "result", "failure_reason", "problem_name", "best_schedule", "problem", "kind", "comparison")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_NAME_FIELD_NUMBER: _ClassVar[int]
    BEST_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    state: JobState
    request_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    progress: Progress
    result: SolveResult
    failure_reason: str
    problem_name: str
    best_schedule: Schedule
    problem: Problem
    kind: JobKind
    comparison: Comparison
    def __init__(self, job_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ..., failure_reason: _Optional[str] = ..., problem_name: _Optional[str] = ..., best_schedule: _Optional[_Union[Schedule, _Mapping]] = ..., problem: _Optional[_Union[Problem, _Mapping]] = ..., kind: _Optional[_Union[JobKind, str]] = ..., comparison: _Optional[_Union[Comparison, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("problem", "parameters", "include_schedule")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    parameters: SolveParameters
    include_schedule: bool
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ..., include_schedule: _Optional[bool] = ...) -> None: ...

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
    __slots__ = ("job_id", "view")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    view: ScheduleJobView
    def __init__(self, job_id: _Optional[str] = ..., view: _Optional[_Union[ScheduleJobView, str]] = ...) -> None: ...

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
    __slots__ = ("job_id", "view")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    view: ScheduleJobView
    def __init__(self, job_id: _Optional[str] = ..., view: _Optional[_Union[ScheduleJobView, str]] = ...) -> None: ...

class WatchScheduleJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...

class DeleteScheduleJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class DeleteScheduleJobResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Change(_message.Message):
    __slots__ = ("machine_down", "machine_added", "machine_removed", "shift_added", "order_added", "order_cancelled", "due_changed", "deadline_changed", "priority_changed", "quantity_changed", "lead_time_changed", "price_changed", "stock_changed", "purchase_delayed", "resource_absent", "resource_capacity_changed")
    class MachineDown(_message.Message):
        __slots__ = ("machine_id", "start", "end", "reason", "start_time", "end_time")
        MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        START_TIME_FIELD_NUMBER: _ClassVar[int]
        END_TIME_FIELD_NUMBER: _ClassVar[int]
        machine_id: str
        start: int
        end: int
        reason: str
        start_time: _timestamp_pb2.Timestamp
        end_time: _timestamp_pb2.Timestamp
        def __init__(self, machine_id: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., reason: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    class MachineAdded(_message.Message):
        __slots__ = ("machine_id", "like", "capacity", "calendar")
        MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
        LIKE_FIELD_NUMBER: _ClassVar[int]
        CAPACITY_FIELD_NUMBER: _ClassVar[int]
        CALENDAR_FIELD_NUMBER: _ClassVar[int]
        machine_id: str
        like: str
        capacity: int
        calendar: str
        def __init__(self, machine_id: _Optional[str] = ..., like: _Optional[str] = ..., capacity: _Optional[int] = ..., calendar: _Optional[str] = ...) -> None: ...
    class MachineRemoved(_message.Message):
        __slots__ = ("machine_id",)
        MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
        machine_id: str
        def __init__(self, machine_id: _Optional[str] = ...) -> None: ...
    class ShiftAdded(_message.Message):
        __slots__ = ("calendar_id", "shift")
        CALENDAR_ID_FIELD_NUMBER: _ClassVar[int]
        SHIFT_FIELD_NUMBER: _ClassVar[int]
        calendar_id: str
        shift: Shift
        def __init__(self, calendar_id: _Optional[str] = ..., shift: _Optional[_Union[Shift, _Mapping]] = ...) -> None: ...
    class OrderAdded(_message.Message):
        __slots__ = ("order",)
        ORDER_FIELD_NUMBER: _ClassVar[int]
        order: Order
        def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...
    class OrderCancelled(_message.Message):
        __slots__ = ("order_id",)
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        def __init__(self, order_id: _Optional[str] = ...) -> None: ...
    class DueChanged(_message.Message):
        __slots__ = ("order_id", "due")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        DUE_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        due: int
        def __init__(self, order_id: _Optional[str] = ..., due: _Optional[int] = ...) -> None: ...
    class DeadlineChanged(_message.Message):
        __slots__ = ("order_id", "deadline")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        DEADLINE_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        deadline: int
        def __init__(self, order_id: _Optional[str] = ..., deadline: _Optional[int] = ...) -> None: ...
    class PriorityChanged(_message.Message):
        __slots__ = ("order_id", "weight")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        WEIGHT_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        weight: int
        def __init__(self, order_id: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...
    class QuantityChanged(_message.Message):
        __slots__ = ("order_id", "quantity")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        QUANTITY_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        quantity: int
        def __init__(self, order_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...
    class LeadTimeChanged(_message.Message):
        __slots__ = ("item_id", "supplier_id", "lead_time")
        ITEM_ID_FIELD_NUMBER: _ClassVar[int]
        SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
        LEAD_TIME_FIELD_NUMBER: _ClassVar[int]
        item_id: str
        supplier_id: str
        lead_time: int
        def __init__(self, item_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., lead_time: _Optional[int] = ...) -> None: ...
    class PriceChanged(_message.Message):
        __slots__ = ("item_id", "supplier_id", "unit_cost")
        ITEM_ID_FIELD_NUMBER: _ClassVar[int]
        SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
        UNIT_COST_FIELD_NUMBER: _ClassVar[int]
        item_id: str
        supplier_id: str
        unit_cost: int
        def __init__(self, item_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., unit_cost: _Optional[int] = ...) -> None: ...
    class StockChanged(_message.Message):
        __slots__ = ("item_id", "stock")
        ITEM_ID_FIELD_NUMBER: _ClassVar[int]
        STOCK_FIELD_NUMBER: _ClassVar[int]
        item_id: str
        stock: int
        def __init__(self, item_id: _Optional[str] = ..., stock: _Optional[int] = ...) -> None: ...
    class PurchaseDelayed(_message.Message):
        __slots__ = ("purchase_id", "delay")
        PURCHASE_ID_FIELD_NUMBER: _ClassVar[int]
        DELAY_FIELD_NUMBER: _ClassVar[int]
        purchase_id: str
        delay: int
        def __init__(self, purchase_id: _Optional[str] = ..., delay: _Optional[int] = ...) -> None: ...
    class ResourceAbsent(_message.Message):
        __slots__ = ("resource_id", "start", "end", "reason", "start_time", "end_time")
        RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        START_TIME_FIELD_NUMBER: _ClassVar[int]
        END_TIME_FIELD_NUMBER: _ClassVar[int]
        resource_id: str
        start: int
        end: int
        reason: str
        start_time: _timestamp_pb2.Timestamp
        end_time: _timestamp_pb2.Timestamp
        def __init__(self, resource_id: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., reason: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    class ResourceCapacityChanged(_message.Message):
        __slots__ = ("resource_id", "capacity")
        RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
        CAPACITY_FIELD_NUMBER: _ClassVar[int]
        resource_id: str
        capacity: int
        def __init__(self, resource_id: _Optional[str] = ..., capacity: _Optional[int] = ...) -> None: ...
    MACHINE_DOWN_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ADDED_FIELD_NUMBER: _ClassVar[int]
    MACHINE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    SHIFT_ADDED_FIELD_NUMBER: _ClassVar[int]
    ORDER_ADDED_FIELD_NUMBER: _ClassVar[int]
    ORDER_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    DUE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_CHANGED_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_CHANGED_FIELD_NUMBER: _ClassVar[int]
    LEAD_TIME_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PRICE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    STOCK_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_DELAYED_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ABSENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_CAPACITY_CHANGED_FIELD_NUMBER: _ClassVar[int]
    machine_down: Change.MachineDown
    machine_added: Change.MachineAdded
    machine_removed: Change.MachineRemoved
    shift_added: Change.ShiftAdded
    order_added: Change.OrderAdded
    order_cancelled: Change.OrderCancelled
    due_changed: Change.DueChanged
    deadline_changed: Change.DeadlineChanged
    priority_changed: Change.PriorityChanged
    quantity_changed: Change.QuantityChanged
    lead_time_changed: Change.LeadTimeChanged
    price_changed: Change.PriceChanged
    stock_changed: Change.StockChanged
    purchase_delayed: Change.PurchaseDelayed
    resource_absent: Change.ResourceAbsent
    resource_capacity_changed: Change.ResourceCapacityChanged
    def __init__(self, machine_down: _Optional[_Union[Change.MachineDown, _Mapping]] = ..., machine_added: _Optional[_Union[Change.MachineAdded, _Mapping]] = ..., machine_removed: _Optional[_Union[Change.MachineRemoved, _Mapping]] = ..., shift_added: _Optional[_Union[Change.ShiftAdded, _Mapping]] = ..., order_added: _Optional[_Union[Change.OrderAdded, _Mapping]] = ..., order_cancelled: _Optional[_Union[Change.OrderCancelled, _Mapping]] = ..., due_changed: _Optional[_Union[Change.DueChanged, _Mapping]] = ..., deadline_changed: _Optional[_Union[Change.DeadlineChanged, _Mapping]] = ..., priority_changed: _Optional[_Union[Change.PriorityChanged, _Mapping]] = ..., quantity_changed: _Optional[_Union[Change.QuantityChanged, _Mapping]] = ..., lead_time_changed: _Optional[_Union[Change.LeadTimeChanged, _Mapping]] = ..., price_changed: _Optional[_Union[Change.PriceChanged, _Mapping]] = ..., stock_changed: _Optional[_Union[Change.StockChanged, _Mapping]] = ..., purchase_delayed: _Optional[_Union[Change.PurchaseDelayed, _Mapping]] = ..., resource_absent: _Optional[_Union[Change.ResourceAbsent, _Mapping]] = ..., resource_capacity_changed: _Optional[_Union[Change.ResourceCapacityChanged, _Mapping]] = ...) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("name", "changes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    changes: _containers.RepeatedCompositeFieldContainer[Change]
    def __init__(self, name: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[Change, _Mapping]]] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("operation_started", "operation_completed", "machine_breakdown", "resource_absent", "order_added", "order_cancelled", "quantity_changed", "stock_corrected", "arrival_delayed")
    class OperationStarted(_message.Message):
        __slots__ = ("order_id", "operation_id", "machine_id", "start")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
        MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        operation_id: str
        machine_id: str
        start: int
        def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., start: _Optional[int] = ...) -> None: ...
    class OperationCompleted(_message.Message):
        __slots__ = ("order_id", "operation_id", "end")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        operation_id: str
        end: int
        def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., end: _Optional[int] = ...) -> None: ...
    class MachineBreakdown(_message.Message):
        __slots__ = ("machine_id", "start", "end")
        MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        machine_id: str
        start: int
        end: int
        def __init__(self, machine_id: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...
    class ResourceAbsent(_message.Message):
        __slots__ = ("resource_id", "start", "end")
        RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        resource_id: str
        start: int
        end: int
        def __init__(self, resource_id: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...
    class OrderAdded(_message.Message):
        __slots__ = ("order",)
        ORDER_FIELD_NUMBER: _ClassVar[int]
        order: Order
        def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...
    class OrderCancelled(_message.Message):
        __slots__ = ("order_id",)
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        def __init__(self, order_id: _Optional[str] = ...) -> None: ...
    class QuantityChanged(_message.Message):
        __slots__ = ("order_id", "quantity")
        ORDER_ID_FIELD_NUMBER: _ClassVar[int]
        QUANTITY_FIELD_NUMBER: _ClassVar[int]
        order_id: str
        quantity: int
        def __init__(self, order_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...
    class StockCorrected(_message.Message):
        __slots__ = ("item_id", "stock")
        ITEM_ID_FIELD_NUMBER: _ClassVar[int]
        STOCK_FIELD_NUMBER: _ClassVar[int]
        item_id: str
        stock: int
        def __init__(self, item_id: _Optional[str] = ..., stock: _Optional[int] = ...) -> None: ...
    class ArrivalDelayed(_message.Message):
        __slots__ = ("purchase_id", "arrival")
        PURCHASE_ID_FIELD_NUMBER: _ClassVar[int]
        ARRIVAL_FIELD_NUMBER: _ClassVar[int]
        purchase_id: str
        arrival: int
        def __init__(self, purchase_id: _Optional[str] = ..., arrival: _Optional[int] = ...) -> None: ...
    OPERATION_STARTED_FIELD_NUMBER: _ClassVar[int]
    OPERATION_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    MACHINE_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ABSENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ADDED_FIELD_NUMBER: _ClassVar[int]
    ORDER_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_CHANGED_FIELD_NUMBER: _ClassVar[int]
    STOCK_CORRECTED_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_DELAYED_FIELD_NUMBER: _ClassVar[int]
    operation_started: Event.OperationStarted
    operation_completed: Event.OperationCompleted
    machine_breakdown: Event.MachineBreakdown
    resource_absent: Event.ResourceAbsent
    order_added: Event.OrderAdded
    order_cancelled: Event.OrderCancelled
    quantity_changed: Event.QuantityChanged
    stock_corrected: Event.StockCorrected
    arrival_delayed: Event.ArrivalDelayed
    def __init__(self, operation_started: _Optional[_Union[Event.OperationStarted, _Mapping]] = ..., operation_completed: _Optional[_Union[Event.OperationCompleted, _Mapping]] = ..., machine_breakdown: _Optional[_Union[Event.MachineBreakdown, _Mapping]] = ..., resource_absent: _Optional[_Union[Event.ResourceAbsent, _Mapping]] = ..., order_added: _Optional[_Union[Event.OrderAdded, _Mapping]] = ..., order_cancelled: _Optional[_Union[Event.OrderCancelled, _Mapping]] = ..., quantity_changed: _Optional[_Union[Event.QuantityChanged, _Mapping]] = ..., stock_corrected: _Optional[_Union[Event.StockCorrected, _Mapping]] = ..., arrival_delayed: _Optional[_Union[Event.ArrivalDelayed, _Mapping]] = ...) -> None: ...

class ReportedEvent(_message.Message):
    __slots__ = ("event_id", "time", "event")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    time: _timestamp_pb2.Timestamp
    event: Event
    def __init__(self, event_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class ReleasedPlan(_message.Message):
    __slots__ = ("operations", "purchases")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[ReleasedOperation]
    purchases: _containers.RepeatedCompositeFieldContainer[ReleasedPurchase]
    def __init__(self, operations: _Optional[_Iterable[_Union[ReleasedOperation, _Mapping]]] = ..., purchases: _Optional[_Iterable[_Union[ReleasedPurchase, _Mapping]]] = ...) -> None: ...

class ReleasedOperation(_message.Message):
    __slots__ = ("order_id", "operation_id", "machine_id", "start_tick", "end_tick", "resource_ids")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TICK_FIELD_NUMBER: _ClassVar[int]
    END_TICK_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    machine_id: str
    start_tick: int
    end_tick: int
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., start_tick: _Optional[int] = ..., end_tick: _Optional[int] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ReleasedPurchase(_message.Message):
    __slots__ = ("item_id", "supplier_id", "quantity", "order_tick", "arrival_tick")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ORDER_TICK_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TICK_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    supplier_id: str
    quantity: int
    order_tick: int
    arrival_tick: int
    def __init__(self, item_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., quantity: _Optional[int] = ..., order_tick: _Optional[int] = ..., arrival_tick: _Optional[int] = ...) -> None: ...

class StabilityPolicy(_message.Message):
    __slots__ = ("weight", "freeze")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    FREEZE_FIELD_NUMBER: _ClassVar[int]
    weight: int
    freeze: _duration_pb2.Duration
    def __init__(self, weight: _Optional[int] = ..., freeze: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ScenarioProgress(_message.Message):
    __slots__ = ("scenario", "progress")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    scenario: str
    progress: Progress
    def __init__(self, scenario: _Optional[str] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ...) -> None: ...

class Delta(_message.Message):
    __slots__ = ("base", "scenario", "delta", "proven", "low", "high")
    BASE_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    PROVEN_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    base: float
    scenario: float
    delta: float
    proven: bool
    low: float
    high: float
    def __init__(self, base: _Optional[float] = ..., scenario: _Optional[float] = ..., delta: _Optional[float] = ..., proven: _Optional[bool] = ..., low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class OperationRef(_message.Message):
    __slots__ = ("order_id", "operation_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ...) -> None: ...

class PurchaseChange(_message.Message):
    __slots__ = ("item_id", "supplier_id", "quantity", "order_tick")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ORDER_TICK_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    supplier_id: str
    quantity: int
    order_tick: int
    def __init__(self, item_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., quantity: _Optional[int] = ..., order_tick: _Optional[int] = ...) -> None: ...

class ScenarioDeltas(_message.Message):
    __slots__ = ("objective", "makespan", "late_orders", "total_tardiness", "on_time_rate", "setup_time", "purchase_cost", "orders_became_late", "orders_became_on_time", "utilisation", "purchases_added", "purchases_dropped")
    class UtilisationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Delta
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Delta, _Mapping]] = ...) -> None: ...
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    MAKESPAN_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_COST_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BECAME_LATE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BECAME_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_ADDED_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    objective: Delta
    makespan: Delta
    late_orders: Delta
    total_tardiness: Delta
    on_time_rate: Delta
    setup_time: Delta
    purchase_cost: Delta
    orders_became_late: _containers.RepeatedScalarFieldContainer[str]
    orders_became_on_time: _containers.RepeatedScalarFieldContainer[str]
    utilisation: _containers.MessageMap[str, Delta]
    purchases_added: _containers.RepeatedCompositeFieldContainer[PurchaseChange]
    purchases_dropped: _containers.RepeatedCompositeFieldContainer[PurchaseChange]
    def __init__(self, objective: _Optional[_Union[Delta, _Mapping]] = ..., makespan: _Optional[_Union[Delta, _Mapping]] = ..., late_orders: _Optional[_Union[Delta, _Mapping]] = ..., total_tardiness: _Optional[_Union[Delta, _Mapping]] = ..., on_time_rate: _Optional[_Union[Delta, _Mapping]] = ..., setup_time: _Optional[_Union[Delta, _Mapping]] = ..., purchase_cost: _Optional[_Union[Delta, _Mapping]] = ..., orders_became_late: _Optional[_Iterable[str]] = ..., orders_became_on_time: _Optional[_Iterable[str]] = ..., utilisation: _Optional[_Mapping[str, Delta]] = ..., purchases_added: _Optional[_Iterable[_Union[PurchaseChange, _Mapping]]] = ..., purchases_dropped: _Optional[_Iterable[_Union[PurchaseChange, _Mapping]]] = ...) -> None: ...

class ScenarioAnswer(_message.Message):
    __slots__ = ("name", "same_problem_as", "result", "verified", "error", "deltas")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SAME_PROBLEM_AS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DELTAS_FIELD_NUMBER: _ClassVar[int]
    name: str
    same_problem_as: str
    result: SolveResult
    verified: bool
    error: str
    deltas: ScenarioDeltas
    def __init__(self, name: _Optional[str] = ..., same_problem_as: _Optional[str] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ..., verified: _Optional[bool] = ..., error: _Optional[str] = ..., deltas: _Optional[_Union[ScenarioDeltas, _Mapping]] = ...) -> None: ...

class ComparisonPool(_message.Message):
    __slots__ = ("cores", "concurrent_solves", "workers_per_solve", "solves", "time_per_solve")
    CORES_FIELD_NUMBER: _ClassVar[int]
    CONCURRENT_SOLVES_FIELD_NUMBER: _ClassVar[int]
    WORKERS_PER_SOLVE_FIELD_NUMBER: _ClassVar[int]
    SOLVES_FIELD_NUMBER: _ClassVar[int]
    TIME_PER_SOLVE_FIELD_NUMBER: _ClassVar[int]
    cores: int
    concurrent_solves: int
    workers_per_solve: int
    solves: int
    time_per_solve: _duration_pb2.Duration
    def __init__(self, cores: _Optional[int] = ..., concurrent_solves: _Optional[int] = ..., workers_per_solve: _Optional[int] = ..., solves: _Optional[int] = ..., time_per_solve: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Comparison(_message.Message):
    __slots__ = ("time_limit", "wall_time", "pool", "base", "scenarios")
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    WALL_TIME_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    time_limit: _duration_pb2.Duration
    wall_time: _duration_pb2.Duration
    pool: ComparisonPool
    base: ScenarioAnswer
    scenarios: _containers.RepeatedCompositeFieldContainer[ScenarioAnswer]
    def __init__(self, time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., pool: _Optional[_Union[ComparisonPool, _Mapping]] = ..., base: _Optional[_Union[ScenarioAnswer, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[ScenarioAnswer, _Mapping]]] = ...) -> None: ...

class MovedOperation(_message.Message):
    __slots__ = ("operation", "by")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    operation: OperationRef
    by: int
    def __init__(self, operation: _Optional[_Union[OperationRef, _Mapping]] = ..., by: _Optional[int] = ...) -> None: ...

class ReassignedOperation(_message.Message):
    __slots__ = ("operation", "from_machine_id", "to_machine_id")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    FROM_MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    operation: OperationRef
    from_machine_id: str
    to_machine_id: str
    def __init__(self, operation: _Optional[_Union[OperationRef, _Mapping]] = ..., from_machine_id: _Optional[str] = ..., to_machine_id: _Optional[str] = ...) -> None: ...

class PlanDiffCounts(_message.Message):
    __slots__ = ("unchanged", "moved", "reassigned", "added", "dropped")
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    REASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    unchanged: int
    moved: int
    reassigned: int
    added: int
    dropped: int
    def __init__(self, unchanged: _Optional[int] = ..., moved: _Optional[int] = ..., reassigned: _Optional[int] = ..., added: _Optional[int] = ..., dropped: _Optional[int] = ...) -> None: ...

class PlanDiff(_message.Message):
    __slots__ = ("counts", "unchanged", "moved", "reassigned", "added", "dropped", "became_late", "became_on_time")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    REASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    BECAME_LATE_FIELD_NUMBER: _ClassVar[int]
    BECAME_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    counts: PlanDiffCounts
    unchanged: _containers.RepeatedCompositeFieldContainer[OperationRef]
    moved: _containers.RepeatedCompositeFieldContainer[MovedOperation]
    reassigned: _containers.RepeatedCompositeFieldContainer[ReassignedOperation]
    added: _containers.RepeatedCompositeFieldContainer[OperationRef]
    dropped: _containers.RepeatedCompositeFieldContainer[OperationRef]
    became_late: _containers.RepeatedScalarFieldContainer[str]
    became_on_time: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, counts: _Optional[_Union[PlanDiffCounts, _Mapping]] = ..., unchanged: _Optional[_Iterable[_Union[OperationRef, _Mapping]]] = ..., moved: _Optional[_Iterable[_Union[MovedOperation, _Mapping]]] = ..., reassigned: _Optional[_Iterable[_Union[ReassignedOperation, _Mapping]]] = ..., added: _Optional[_Iterable[_Union[OperationRef, _Mapping]]] = ..., dropped: _Optional[_Iterable[_Union[OperationRef, _Mapping]]] = ..., became_late: _Optional[_Iterable[str]] = ..., became_on_time: _Optional[_Iterable[str]] = ...) -> None: ...

class PlanRevision(_message.Message):
    __slots__ = ("revision", "create_time", "result", "diff", "event_ids", "now", "cause")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOW_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    revision: int
    create_time: _timestamp_pb2.Timestamp
    result: SolveResult
    diff: PlanDiff
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    now: int
    cause: str
    def __init__(self, revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ..., diff: _Optional[_Union[PlanDiff, _Mapping]] = ..., event_ids: _Optional[_Iterable[str]] = ..., now: _Optional[int] = ..., cause: _Optional[str] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("plan_id", "request_id", "problem_name", "create_time", "stability", "revision", "pending_events", "replanning")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STABILITY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PENDING_EVENTS_FIELD_NUMBER: _ClassVar[int]
    REPLANNING_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    request_id: str
    problem_name: str
    create_time: _timestamp_pb2.Timestamp
    stability: StabilityPolicy
    revision: PlanRevision
    pending_events: int
    replanning: bool
    def __init__(self, plan_id: _Optional[str] = ..., request_id: _Optional[str] = ..., problem_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stability: _Optional[_Union[StabilityPolicy, _Mapping]] = ..., revision: _Optional[_Union[PlanRevision, _Mapping]] = ..., pending_events: _Optional[int] = ..., replanning: _Optional[bool] = ...) -> None: ...

class CompareScenariosRequest(_message.Message):
    __slots__ = ("problem", "scenarios", "time_limit")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    scenarios: _containers.RepeatedCompositeFieldContainer[Scenario]
    time_limit: _duration_pb2.Duration
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[Scenario, _Mapping]]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CompareScenariosResponse(_message.Message):
    __slots__ = ("progress", "comparison")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    progress: ScenarioProgress
    comparison: Comparison
    def __init__(self, progress: _Optional[_Union[ScenarioProgress, _Mapping]] = ..., comparison: _Optional[_Union[Comparison, _Mapping]] = ...) -> None: ...

class CreateComparisonJobRequest(_message.Message):
    __slots__ = ("request_id", "problem", "scenarios", "time_limit")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    problem: Problem
    scenarios: _containers.RepeatedCompositeFieldContainer[Scenario]
    time_limit: _duration_pb2.Duration
    def __init__(self, request_id: _Optional[str] = ..., problem: _Optional[_Union[Problem, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[Scenario, _Mapping]]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateComparisonJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScheduleJob
    def __init__(self, job: _Optional[_Union[ScheduleJob, _Mapping]] = ...) -> None: ...

class RescheduleRequest(_message.Message):
    __slots__ = ("problem", "plan", "events", "now", "stability", "parameters")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NOW_FIELD_NUMBER: _ClassVar[int]
    STABILITY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    plan: ReleasedPlan
    events: _containers.RepeatedCompositeFieldContainer[Event]
    now: int
    stability: StabilityPolicy
    parameters: SolveParameters
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., plan: _Optional[_Union[ReleasedPlan, _Mapping]] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., now: _Optional[int] = ..., stability: _Optional[_Union[StabilityPolicy, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ...) -> None: ...

class RescheduleResponse(_message.Message):
    __slots__ = ("result", "diff")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    result: SolveResult
    diff: PlanDiff
    def __init__(self, result: _Optional[_Union[SolveResult, _Mapping]] = ..., diff: _Optional[_Union[PlanDiff, _Mapping]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("request_id", "problem", "parameters", "stability")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STABILITY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    problem: Problem
    parameters: SolveParameters
    stability: StabilityPolicy
    def __init__(self, request_id: _Optional[str] = ..., problem: _Optional[_Union[Problem, _Mapping]] = ..., parameters: _Optional[_Union[SolveParameters, _Mapping]] = ..., stability: _Optional[_Union[StabilityPolicy, _Mapping]] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("plan_id", "revision")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    revision: int
    def __init__(self, plan_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class ReportEventsRequest(_message.Message):
    __slots__ = ("plan_id", "events")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    events: _containers.RepeatedCompositeFieldContainer[ReportedEvent]
    def __init__(self, plan_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[ReportedEvent, _Mapping]]] = ...) -> None: ...

class ReportEventsResponse(_message.Message):
    __slots__ = ("accepted_event_ids", "duplicate_event_ids", "revision")
    ACCEPTED_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    accepted_event_ids: _containers.RepeatedScalarFieldContainer[str]
    duplicate_event_ids: _containers.RepeatedScalarFieldContainer[str]
    revision: int
    def __init__(self, accepted_event_ids: _Optional[_Iterable[str]] = ..., duplicate_event_ids: _Optional[_Iterable[str]] = ..., revision: _Optional[int] = ...) -> None: ...

class WatchPlanRequest(_message.Message):
    __slots__ = ("plan_id", "after_revision")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    after_revision: int
    def __init__(self, plan_id: _Optional[str] = ..., after_revision: _Optional[int] = ...) -> None: ...

class WatchPlanResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: PlanRevision
    def __init__(self, revision: _Optional[_Union[PlanRevision, _Mapping]] = ...) -> None: ...

class PromoteScenarioRequest(_message.Message):
    __slots__ = ("plan_id", "scenario", "base_revision")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BASE_REVISION_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    scenario: Scenario
    base_revision: int
    def __init__(self, plan_id: _Optional[str] = ..., scenario: _Optional[_Union[Scenario, _Mapping]] = ..., base_revision: _Optional[int] = ...) -> None: ...

class PromoteScenarioResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: PlanRevision
    def __init__(self, revision: _Optional[_Union[PlanRevision, _Mapping]] = ...) -> None: ...

class PromiseOrderRequest(_message.Message):
    __slots__ = ("plan_id", "order", "accept")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    order: Order
    accept: bool
    def __init__(self, plan_id: _Optional[str] = ..., order: _Optional[_Union[Order, _Mapping]] = ..., accept: _Optional[bool] = ...) -> None: ...

class PromiseOrderResponse(_message.Message):
    __slots__ = ("completion_tick", "completion_time", "revision")
    COMPLETION_TICK_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    completion_tick: int
    completion_time: _timestamp_pb2.Timestamp
    revision: PlanRevision
    def __init__(self, completion_tick: _Optional[int] = ..., completion_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[_Union[PlanRevision, _Mapping]] = ...) -> None: ...
