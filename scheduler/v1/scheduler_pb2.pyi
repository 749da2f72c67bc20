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
    __slots__ = ("job_id", "state", "request_id", "create_time", "update_time", "progress", "result", "failure_reason", "problem_name", "best_schedule", "problem")
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
    def __init__(self, job_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ..., failure_reason: _Optional[str] = ..., problem_name: _Optional[str] = ..., best_schedule: _Optional[_Union[Schedule, _Mapping]] = ..., problem: _Optional[_Union[Problem, _Mapping]] = ...) -> None: ...

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
