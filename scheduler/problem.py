"""The scheduling problem: frozen, validated pydantic models and their dense index.

Users speak in string ids ("press-2", "WO-1043"); the solver, the heuristics and the verifier speak in
dense integer indices. `Problem.index` converts once and is cached on the (immutable) problem.

Time is integer ticks from the planning start. A problem may carry the wall-clock `planning_start`
and the tick length so that the edges (gRPC, CLI) can speak absolute times; the core never does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

# Caps keep every value well inside CP-SAT's 62-bit domains and keep requests from exhausting memory.
# The service may impose tighter caps of its own; these are the limits of the model itself.
MAX_TIME = 10**12
"""Largest tick value (release, due date, duration) the model accepts."""
MAX_WEIGHT = 10**6
MAX_OPERATIONS = 1_000_000
MAX_MACHINES = 100_000
MAX_ID_LENGTH = 128
MAX_QUANTITY = 10**9
MAX_COST = 10**9
MAX_CAPACITY = 10_000
MAX_LEVELS = 5

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=r"^\S(.*\S)?$")]
Tick = Annotated[int, Field(ge=0, le=MAX_TIME)]

# --------------------------------------------------------------------------------------------------
# Strict input: a value is taken as written or refused, never converted (see docs in the README's
# "The problem file"). Timestamps and the tick are parsed here, the same way for JSON text and for
# plain Python data, because pydantic's strict mode reads ISO strings only in JSON.

TIMESTAMP_EXAMPLE = "2025-03-03T06:00:00+01:00"
_ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)
_ISO_DURATION = re.compile(
    r"P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d{1,6})?)S)?)?"
)
_OFFSET_RULE = (
    "A timestamp without a UTC offset takes the offset of `planning_start` (or, when that has "
    "none either, both are read on the same local clock)."
)


def describe_json(value: Any) -> str:
    """A value as a JSON reader would name it, for error messages: `the string "100"`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)[:80]}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_TIMESTAMP.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{json.dumps(value)} is not a valid timestamp: {error}") from None
    raise ValueError(
        f"must be an ISO-8601 timestamp string such as {json.dumps(TIMESTAMP_EXAMPLE)}, got "
        f"{describe_json(value)}"
    )


def _tick_or_timestamp(value: Any) -> int | datetime:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_TIME:
            raise ValueError(f"must be between 0 and {MAX_TIME} ticks, got {value}")
        return value
    if isinstance(value, datetime | str):
        return _timestamp(value)
    raise ValueError(
        "must be a tick count (a whole number) or an ISO-8601 timestamp string such as "
        f"{json.dumps(TIMESTAMP_EXAMPLE)}, got {describe_json(value)}"
    )


def _tick_length(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    match = _ISO_DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            'must be an ISO-8601 duration string such as "PT1M" (one minute, the default), '
            f'"PT5M" or "PT1H"; got {describe_json(value)}'
        )
    parts = {unit: float(amount) for unit, amount in match.groupdict().items() if amount}
    try:
        return timedelta(**parts)
    except OverflowError:
        raise ValueError(f"{json.dumps(value)} is longer than any tick can be") from None


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
"""An ISO-8601 timestamp ("2025-03-03T06:00:00+01:00"); never a Unix number."""
TickOrTimestamp = Annotated[Tick | datetime, BeforeValidator(_tick_or_timestamp)]
TickLength = Annotated[timedelta, BeforeValidator(_tick_length)]


class _Frozen(BaseModel):
    # Strict: "100", 100.0 and true are not the number 100, "yes" is not a boolean.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ClockTime = Annotated[
    str, Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", description="HH:MM, 24-hour.")
]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Cost = Annotated[int, Field(ge=0, le=MAX_COST)]


class Shift(_Frozen):
    """A weekly working shift: on each listed weekday from `start` to `end` (clock times).

    An `end` at or before `start` runs past midnight into the next day ("22:00"-"06:00").
    Weeks are counted from the planning start (tick 0 is Monday 00:00 when it is absent).
    """

    days: list[Weekday] = Field(min_length=1)
    start: ClockTime
    end: ClockTime


class CalendarException(_Frozen):
    """A dated change to the weekly pattern: downtime (holiday, maintenance) or extra working time.

    `start` and `end` are both ticks, or both timestamps when the problem has a planning start.
    """

    start: TickOrTimestamp = Field(
        description="Tick, or ISO-8601 timestamp when the problem has a planning_start. "
        + _OFFSET_RULE
    )
    end: TickOrTimestamp = Field(description="Exclusive end, in the same form as start.")
    working: bool = Field(
        default=False, description="False: not working (holiday, maintenance); True: extra shift."
    )
    reason: str = Field(default="", max_length=256)

    @model_validator(mode="after")
    def _one_form(self) -> CalendarException:
        if isinstance(self.start, datetime) != isinstance(self.end, datetime):
            raise ValueError("give start and end both as ticks or both as timestamps")
        return self


class Calendar(_Frozen):
    """Working time: the weekly shifts, plus working exceptions, minus non-working ones."""

    id: Id
    shifts: list[Shift] = Field(default_factory=list)
    exceptions: list[CalendarException] = Field(default_factory=list)


class Family(_Frozen):
    """A product family: operations of one family need no changeover between them by default."""

    id: Id
    name: str = Field(default="", max_length=256)


class SetupRule(_Frozen):
    """A changeover on a machine, from one family to another (or into a family when it is idle).

    The setup occupies the machine between the two operations. Pairs not listed need none.
    """

    from_family: Id | None = Field(
        default=None, description="None: the initial setup, before the machine's first operation."
    )
    to_family: Id
    time: Tick = 0
    cost: Cost = 0


class Machine(_Frozen):
    """A machine (work centre) that processes up to `capacity` operations at a time."""

    id: Id
    name: str = Field(default="", max_length=256, description="Display name for planners.")
    capacity: int = Field(default=1, ge=1, le=MAX_CAPACITY, description="Parallel slots.")
    calendar: Id | None = Field(default=None, description="Working time; None: always available.")
    setups: list[SetupRule] = Field(
        default_factory=list, description="Sequence-dependent changeovers (capacity 1 only)."
    )


class Resource(_Frozen):
    """A secondary resource (an operator crew, a tool) that operations hold while they run."""

    id: Id
    name: str = Field(default="", max_length=256)
    kind: Literal["operator", "tool", "other"] = "operator"
    capacity: int = Field(default=1, ge=1, le=MAX_CAPACITY)
    calendar: Id | None = Field(default=None, description="Availability; None: always available.")


class Supplier(_Frozen):
    """One way to buy an item."""

    id: Id
    lead_time: Tick = Field(description="Ticks from placing a purchase to its arrival.")
    unit_cost: Cost = 0
    min_order_quantity: Quantity = 1


class Item(_Frozen):
    """A material: a purchased component or an intermediate produced by operations."""

    id: Id
    name: str = Field(default="", max_length=256)
    stock: int = Field(default=0, ge=0, le=MAX_QUANTITY, description="On hand at tick 0.")
    suppliers: list[Supplier] = Field(
        default_factory=list, description="Where more can be bought; none: it cannot be bought."
    )


class OpenPurchase(_Frozen):
    """A purchase already placed: `quantity` of an item arrives at `arrival`."""

    id: str = Field(default="", max_length=MAX_ID_LENGTH)
    item_id: Id
    quantity: Quantity
    arrival: Tick


class ItemQuantity(_Frozen):
    item_id: Id
    quantity: Quantity


class ResourceNeed(_Frozen):
    """The operation holds `quantity` units of one of `resources` (alternatives) for its whole span."""

    resources: list[Id] = Field(min_length=1, description="Qualified alternatives; one is chosen.")
    quantity: int = Field(default=1, ge=1, le=MAX_CAPACITY)


class Mode(_Frozen):
    """One way to run an operation: on this machine, for this many ticks.

    Either `duration` (the total), or `setup + per_unit * order quantity` when it is absent.
    """

    machine_id: Id
    duration: Tick | None = Field(default=None, description="Processing time in ticks (0 allowed).")
    setup: Tick = Field(default=0, description="Fixed time per run, when `duration` is absent.")
    per_unit: Tick = Field(default=0, description="Time per unit of the order's quantity.")

    @model_validator(mode="after")
    def _one_form(self) -> Mode:
        if self.duration is not None and (self.setup or self.per_unit):
            raise ValueError("give either duration or setup/per_unit, not both")
        return self

    def time(self, quantity: int) -> int:
        """Processing time (work ticks) for an order of `quantity` units."""
        if self.duration is not None:
            return self.duration
        return self.setup + self.per_unit * quantity


class Predecessor(_Frozen):
    """An operation of the same order that must end before this one starts, with time lags."""

    operation_id: Id
    min_lag: Tick = Field(default=0, description="At least this many ticks after its end.")
    max_lag: Tick | None = Field(
        default=None, description="At most this many ticks after its end (0: no-wait)."
    )

    @model_validator(mode="after")
    def _lags(self) -> Predecessor:
        if self.max_lag is not None and self.max_lag < self.min_lag:
            raise ValueError(f"max_lag {self.max_lag} is below min_lag {self.min_lag}")
        return self


class Operation(_Frozen):
    """A step of an order's routing; it runs on exactly one of its eligible machines."""

    id: Id = Field(description="Unique within its order.")
    machines: list[Mode] = Field(
        min_length=1, description="Eligible machines, each with its own processing time."
    )
    predecessors: list[Predecessor] | None = Field(
        default=None,
        description="None: the previous operation of the order (a plain sequence); "
        "a list (possibly empty) makes the routing a graph.",
    )
    resumable: bool = Field(
        default=False,
        description="May pause over non-working time of its machine; otherwise it runs inside "
        "one working window.",
    )
    family: Id | None = Field(default=None, description="Product family, for changeovers.")
    resources: list[ResourceNeed] = Field(default_factory=list)
    consumes: list[ItemQuantity] = Field(
        default_factory=list, description="Taken from stock when the operation starts."
    )
    produces: list[ItemQuantity] = Field(
        default_factory=list, description="Added to stock when the operation ends."
    )


class Order(_Frozen):
    """A production order (a job): operations linked by a routing (a sequence or a graph)."""

    id: Id
    operations: list[Operation] = Field(min_length=1, description="The routing.")
    release: Tick = Field(default=0, description="Earliest start of any operation, ticks.")
    due: Tick | None = Field(default=None, description="Soft due date of the order's completion.")
    deadline: Tick | None = Field(
        default=None, description="Hard latest completion; a schedule missing it is infeasible."
    )
    weight: int = Field(default=1, ge=0, le=MAX_WEIGHT, description="Priority weight.")
    quantity: Quantity = Field(default=1, description="Units; scales per-unit processing times.")


class ObjectiveKind(StrEnum):
    MAKESPAN = "makespan"
    """Completion time of the last operation."""
    TOTAL_WEIGHTED_TARDINESS = "total_weighted_tardiness"
    """Sum over orders of weight * max(0, completion - due); orders without a due date count 0."""
    MAX_WEIGHTED_TARDINESS = "max_weighted_tardiness"
    """Largest weight * max(0, completion - due) over orders with a due date."""
    MAX_LATENESS = "max_lateness"
    """Largest completion - due over orders with a due date (negative when all are early)."""
    LATE_ORDERS = "late_orders"
    """Sum of the weights of the orders that complete after their due date."""
    WEIGHTED_COMPLETION = "weighted_completion"
    """Sum over orders of weight * completion."""
    WEIGHTED_EARLINESS = "weighted_earliness"
    """Sum over orders of weight * max(0, due - completion): just in time."""
    SETUP_TIME = "setup_time"
    """Total sequence-dependent changeover time over all machines."""
    SETUP_COST = "setup_cost"
    """Total sequence-dependent changeover cost over all machines."""
    PURCHASE_COST = "purchase_cost"
    """Total cost of the purchases the schedule places (open purchase orders are sunk)."""


class ObjectiveTerm(_Frozen):
    # Not strict: plain Python data names a kind by its string, as JSON does.
    kind: ObjectiveKind = Field(strict=False)
    weight: int = Field(default=1, ge=1, le=MAX_WEIGHT)


class ObjectiveLevel(_Frozen):
    """A weighted sum of terms; in a lexicographic objective, one level of priority."""

    terms: list[ObjectiveTerm] = Field(min_length=1)
    tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Relative slack this level may give up for the levels after it "
        "(0.05: at most 5% above its best value).",
    )

    @field_validator("terms")
    @classmethod
    def _distinct(cls, terms: list[ObjectiveTerm]) -> list[ObjectiveTerm]:
        kinds = [t.kind for t in terms]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each objective kind may appear once per level")
        return terms

    def weight(self, kind: ObjectiveKind) -> int:
        """The weight of `kind` in this level's sum, 0 when absent."""
        return next((t.weight for t in self.terms if t.kind == kind), 0)


class Objective(_Frozen):
    """What to minimise: levels in lexicographic order, each a weighted sum of terms.

    Shorthands: a bare kind ("makespan") is one term; `{"terms": [...]}` is a single level.
    """

    levels: list[ObjectiveLevel] = Field(min_length=1, max_length=MAX_LEVELS)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | ObjectiveKind):
            return {"levels": [{"terms": [{"kind": value}]}]}
        if isinstance(value, dict) and "terms" in value and "levels" not in value:
            return {"levels": [value]}
        return value

    @property
    def terms(self) -> list[ObjectiveTerm]:
        """The terms of the first (or only) level."""
        return self.levels[0].terms

    @property
    def kinds(self) -> set[ObjectiveKind]:
        """Every kind used at any level."""
        return {t.kind for level in self.levels for t in level.terms}

    def weight(self, kind: ObjectiveKind) -> int:
        """The weight of `kind` in the first level, 0 when absent."""
        return self.levels[0].weight(kind)


class Problem(_Frozen):
    """A scheduling problem: machines, orders with routings, and the objective to minimise."""

    name: str = Field(default="", max_length=256)
    planning_start: Timestamp | None = Field(
        default=None,
        description="Wall-clock time of tick 0, an ISO-8601 timestamp, best with its UTC offset "
        f"({TIMESTAMP_EXAMPLE}); weekly shifts are read on its clock, and timestamps without "
        "an offset take its offset. Absent: ticks only.",
    )
    tick: TickLength = Field(
        default=timedelta(minutes=1),
        description='Length of one tick, an ISO-8601 duration ("PT1M", "PT5M", "PT1H"); '
        "never a bare number. Default: one minute.",
    )
    machines: list[Machine] = Field(min_length=1, max_length=MAX_MACHINES)
    orders: list[Order] = Field(min_length=1)
    objective: Objective = Field(default_factory=lambda: Objective.model_validate("makespan"))
    calendars: list[Calendar] = Field(default_factory=list)
    families: list[Family] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    purchase_orders: list[OpenPurchase] = Field(
        default_factory=list, description="Purchases already placed, with their arrival times."
    )

    @field_validator("tick")
    @classmethod
    def _positive_tick(cls, tick: timedelta) -> timedelta:
        if tick <= timedelta(0):
            raise ValueError("must be a positive duration")
        return tick

    @field_validator("calendars")
    @classmethod
    def _local_offsets(cls, calendars: list[Calendar], info: ValidationInfo) -> list[Calendar]:
        """Give offset-less exception timestamps the offset of planning_start, so that every
        reader of the problem sees one instant, not a clock time each reads its own way."""
        start = info.data.get("planning_start")
        if start is None or start.tzinfo is None:
            return calendars
        return [
            c.model_copy(
                update={"exceptions": [_with_offset(e, start.tzinfo) for e in c.exceptions]}
            )
            for c in calendars
        ]

    @model_validator(mode="after")
    def _cross_references(self) -> Problem:
        violations = list(_cross_reference_violations(self))
        if violations:
            raise ProblemViolations(violations)
        return self

    def time_at(self, ticks: int) -> datetime | None:
        """The wall-clock time of a tick; None when the problem has no planning start."""
        if self.planning_start is None:
            return None
        return self.planning_start + ticks * self.tick

    @cached_property
    def index(self) -> ProblemIndex:
        """Dense-index view of the problem, built once."""
        return ProblemIndex.build(self)

    def machine_position(self, machine_id: str) -> int:
        return self.index.machine_of_id[machine_id]

    @cached_property
    def is_classic(self) -> bool:
        """True for a (flexible) job shop: sequences, no calendars, setups, resources, materials,
        deadlines or lags, unit quantities and only makespan, tardiness and completion objectives.
        """
        classic_kinds = {
            ObjectiveKind.MAKESPAN,
            ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
            ObjectiveKind.WEIGHTED_COMPLETION,
        }
        return (
            not (self.calendars or self.resources or self.items or self.purchase_orders)
            and all(m.capacity == 1 and m.calendar is None and not m.setups for m in self.machines)
            and all(
                o.deadline is None
                and o.quantity == 1
                and all(
                    op.predecessors is None
                    and not (op.resources or op.consumes or op.produces)
                    and op.family is None
                    and all(mode.duration is not None for mode in op.machines)
                    for op in o.operations
                )
                for o in self.orders
            )
            and len(self.objective.levels) == 1
            and self.objective.kinds <= classic_kinds
        )

    def tick_of(self, moment: int | datetime) -> float:
        """A tick count, or a timestamp as (fractional) ticks since the planning start."""
        if isinstance(moment, int):
            return moment
        start = self.planning_start
        if start is None:
            raise ValueError("a timestamp needs the problem's planning_start")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=start.tzinfo)
        elif start.tzinfo is None:
            raise ValueError("a timestamp with a UTC offset needs planning_start to have one too")
        return (moment - start) / self.tick

    def working_windows(self, calendar_id: str, until: int) -> list[tuple[int, int]]:
        """The working time of a calendar in [0, until) as sorted, disjoint, non-adjacent windows
        [start, end) in ticks: `scheduler.worktime.working_windows`, which states the semantics.
        """
        from scheduler.worktime import working_windows  # worktime builds on this module

        return working_windows(self, calendar_id, until)

    def calendar(self, calendar_id: str) -> Calendar:
        return next(c for c in self.calendars if c.id == calendar_id)


def _cross_reference_violations(problem: Problem) -> Iterable[FieldViolation]:
    yield from _duplicate_ids("machines", problem.machines)
    yield from _duplicate_ids("calendars", problem.calendars)
    yield from _duplicate_ids("families", problem.families)
    yield from _duplicate_ids("resources", problem.resources)
    yield from _duplicate_ids("items", problem.items)
    yield from _duplicate_ids("orders", problem.orders)
    calendars = {c.id for c in problem.calendars}
    families = {f.id for f in problem.families}
    items = {i.id: i for i in problem.items}
    machines = {m.id for m in problem.machines}
    capacity = {r.id: r.capacity for r in problem.resources}

    for c, calendar in enumerate(problem.calendars):
        yield from _calendar_violations(problem, f"calendars[{c}]", calendar)
    for m, machine in enumerate(problem.machines):
        path = f"machines[{m}]"
        if machine.calendar is not None and machine.calendar not in calendars:
            yield FieldViolation(f"{path}.calendar", f"unknown calendar id {machine.calendar!r}")
        if machine.setups and machine.capacity > 1:
            yield FieldViolation(
                f"{path}.setups", "sequence-dependent setups need a machine of capacity 1"
            )
        pairs: set[tuple[str | None, str]] = set()
        for s, rule in enumerate(machine.setups):
            for name in ("from_family", "to_family"):
                family = getattr(rule, name)
                if family is not None and family not in families:
                    yield FieldViolation(
                        f"{path}.setups[{s}].{name}", f"unknown family id {family!r}"
                    )
            pair = (rule.from_family, rule.to_family)
            if pair in pairs:
                yield FieldViolation(
                    f"{path}.setups[{s}]",
                    f"setup from {rule.from_family!r} to {rule.to_family!r} is listed twice",
                )
            pairs.add(pair)
    for r, resource in enumerate(problem.resources):
        if resource.calendar is not None and resource.calendar not in calendars:
            yield FieldViolation(
                f"resources[{r}].calendar", f"unknown calendar id {resource.calendar!r}"
            )
    for i, item in enumerate(problem.items):
        yield from _duplicate_ids(f"items[{i}].suppliers", item.suppliers)
    for p, purchase in enumerate(problem.purchase_orders):
        if purchase.item_id not in items:
            yield FieldViolation(
                f"purchase_orders[{p}].item_id", f"unknown item id {purchase.item_id!r}"
            )

    n_operations = 0
    # A safe horizon (the latest release or arrival, then every longest duration, lag and setup
    # one after the other) must stay representable.
    horizon = max(o.release for o in problem.orders)
    horizon = max([horizon, *(p.arrival for p in problem.purchase_orders)])
    horizon += max((s.lead_time for item in problem.items for s in item.suppliers), default=0)
    horizon += sum(max((s.time for s in m.setups), default=0) for m in problem.machines)
    for j, order in enumerate(problem.orders):
        path = f"orders[{j}]"
        yield from _duplicate_ids(f"{path}.operations", order.operations)
        op_ids = {op.id for op in order.operations}
        for k, op in enumerate(order.operations):
            n_operations += 1
            op_path = f"{path}.operations[{k}]"
            eligible: set[str] = set()
            for e, mode in enumerate(op.machines):
                field = f"{op_path}.machines[{e}].machine_id"
                if mode.machine_id not in machines:
                    yield FieldViolation(field, f"unknown machine id {mode.machine_id!r}")
                elif mode.machine_id in eligible:
                    yield FieldViolation(field, f"machine {mode.machine_id!r} is listed twice")
                eligible.add(mode.machine_id)
                time = mode.time(order.quantity)
                if time > MAX_TIME:
                    yield FieldViolation(
                        f"{op_path}.machines[{e}]",
                        f"setup + per_unit * quantity {order.quantity} is {time} ticks, past "
                        f"the cap of {MAX_TIME}",
                    )
            horizon += max(mode.time(order.quantity) for mode in op.machines)
            seen_preds: set[str] = set()
            for q, pred in enumerate(op.predecessors or ()):
                field = f"{op_path}.predecessors[{q}].operation_id"
                if pred.operation_id not in op_ids:
                    yield FieldViolation(
                        field, f"unknown operation id {pred.operation_id!r} in order {order.id!r}"
                    )
                elif pred.operation_id == op.id:
                    yield FieldViolation(field, "an operation cannot precede itself")
                elif pred.operation_id in seen_preds:
                    yield FieldViolation(
                        field, f"predecessor {pred.operation_id!r} is listed twice"
                    )
                seen_preds.add(pred.operation_id)
                horizon += max(pred.min_lag, pred.max_lag or 0)
            if op.family is not None and op.family not in families:
                yield FieldViolation(f"{op_path}.family", f"unknown family id {op.family!r}")
            for n, need in enumerate(op.resources):
                alternatives: set[str] = set()
                for a, rid in enumerate(need.resources):
                    field = f"{op_path}.resources[{n}].resources[{a}]"
                    if rid not in capacity:
                        yield FieldViolation(field, f"unknown resource id {rid!r}")
                    elif rid in alternatives:
                        yield FieldViolation(field, f"resource {rid!r} is listed twice")
                    elif need.quantity > capacity[rid]:
                        yield FieldViolation(
                            f"{op_path}.resources[{n}].quantity",
                            f"needs {need.quantity} units but resource {rid!r} has capacity "
                            f"{capacity[rid]}",
                        )
                    alternatives.add(rid)
            for name in ("consumes", "produces"):
                for q, flow in enumerate(getattr(op, name)):
                    if flow.item_id not in items:
                        yield FieldViolation(
                            f"{op_path}.{name}[{q}].item_id", f"unknown item id {flow.item_id!r}"
                        )
        cycle = _routing_cycle(order)
        if cycle:
            yield FieldViolation(
                f"{path}.operations",
                f"the routing of order {order.id!r} has a cycle: {' -> '.join(cycle)}",
            )
    if n_operations > MAX_OPERATIONS:
        yield FieldViolation(
            "orders", f"{n_operations} operations exceed the cap of {MAX_OPERATIONS}"
        )
    if horizon > MAX_TIME:
        yield FieldViolation(
            "orders",
            f"releases, durations, lags, setups and lead times reach {horizon} ticks, past the "
            f"cap of {MAX_TIME}",
        )


def _with_offset(exception: CalendarException, offset: tzinfo) -> CalendarException:
    times = {
        name: value.replace(tzinfo=offset)
        for name in ("start", "end")
        if isinstance(value := getattr(exception, name), datetime) and value.tzinfo is None
    }
    return exception.model_copy(update=times) if times else exception


def _duplicate_ids(path: str, entries: Sequence[Any]) -> Iterable[FieldViolation]:
    seen: set[str] = set()
    for e, entry in enumerate(entries):
        if entry.id in seen:
            yield FieldViolation(f"{path}[{e}].id", f"duplicate id {entry.id!r}")
        seen.add(entry.id)


def predecessors_of(order: Order, k: int) -> list[Predecessor]:
    """The predecessors of operation `k` of `order`, with the implicit sequence made explicit."""
    op = order.operations[k]
    if op.predecessors is not None:
        return op.predecessors
    return [Predecessor(operation_id=order.operations[k - 1].id)] if k > 0 else []


def _routing_cycle(order: Order) -> list[str]:
    """Operation ids along a cycle of the routing graph; empty when it is acyclic."""
    position = {op.id: k for k, op in enumerate(order.operations)}
    preds = [
        [position[p.operation_id] for p in predecessors_of(order, k) if p.operation_id in position]
        for k in range(len(order.operations))
    ]
    state = [0] * len(preds)  # 0 new, 1 on the stack, 2 done
    for root in range(len(preds)):
        if state[root]:
            continue
        stack = [(root, iter(preds[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                path = [n for n, _ in stack]
                cycle = [*path[path.index(nxt) :], nxt]
                return [order.operations[n].id for n in reversed(cycle)]
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(preds[nxt])))
    return []


# --------------------------------------------------------------------------------------------------
# Calendars

_MINUTES_PER_WEEK = 7 * 24 * 60


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _shift_minutes(shift: Shift) -> list[tuple[int, int]]:
    """Each occurrence of a shift as [start, end) minutes from Monday 00:00 (end may pass a week)."""
    start, end = _clock(shift.start), _clock(shift.end)
    length = end - start if end > start else end - start + 24 * 60
    return [
        (WEEKDAYS.index(d) * 1440 + start, WEEKDAYS.index(d) * 1440 + start + length)
        for d in shift.days
    ]


def _calendar_violations(
    problem: Problem, path: str, calendar: Calendar
) -> Iterable[FieldViolation]:
    occurrences = sorted(
        (a, b, s) for s, shift in enumerate(calendar.shifts) for a, b in _shift_minutes(shift)
    )
    # Compare cyclically: a Sunday night shift runs into Monday morning.
    wrapped = [(a + _MINUTES_PER_WEEK, b + _MINUTES_PER_WEEK, s) for a, b, s in occurrences[:1]]
    if len(occurrences) > 1:
        for (_, end1, s1), (start2, _, s2) in itertools.pairwise(occurrences + wrapped):
            if start2 < end1:
                yield FieldViolation(
                    f"{path}.shifts[{max(s1, s2)}]",
                    f"overlaps shift {min(s1, s2)} of calendar {calendar.id!r}",
                )
                break
    spans: list[tuple[float, float, int]] = []
    first: float
    last: float
    for e, exception in enumerate(calendar.exceptions):
        field = f"{path}.exceptions[{e}]"
        try:
            first, last = problem.tick_of(exception.start), problem.tick_of(exception.end)
        except ValueError as error:
            yield FieldViolation(field, str(error))
            continue
        if first < 0:
            yield FieldViolation(f"{field}.start", "is before the planning start")
        elif last > MAX_TIME:
            yield FieldViolation(f"{field}.end", f"is past the cap of {MAX_TIME} ticks")
        elif last <= first:
            yield FieldViolation(f"{field}.end", "must be after start")
        else:
            spans.append((first, last, e))
    spans.sort()
    for (_, finish, e1), (begin, _, e2) in itertools.pairwise(spans):
        if begin < finish:
            yield FieldViolation(
                f"{path}.exceptions[{max(e1, e2)}]",
                f"overlaps exception {min(e1, e2)} of calendar {calendar.id!r}",
            )


# --------------------------------------------------------------------------------------------------
# Errors that name the field


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One reason a problem is invalid: the path of the field (e.g. `orders[3].id`) and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class ProblemViolations(ValueError):
    """Raised by cross-reference validation; pydantic wraps it into its ValidationError."""

    def __init__(self, violations: Sequence[FieldViolation]):
        self.violations = list(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


class InvalidProblem(ValueError):
    """A problem was rejected; `violations` names every offending field and the reason."""

    def __init__(self, violations: Sequence[FieldViolation]):
        self.violations = list(violations)
        lines = "\n".join(f"  {v}" for v in self.violations)
        super().__init__(f"invalid problem ({len(self.violations)} violation(s)):\n{lines}")


def format_location(loc: Iterable[int | str]) -> str:
    """Turn a pydantic error location into a field path: `orders[3].operations[2].id`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def violations_of(error: ValidationError) -> list[FieldViolation]:
    """Field violations of a pydantic ValidationError, cross-reference errors expanded."""
    result: list[FieldViolation] = []
    for item in error.errors():
        ctx = item.get("ctx") or {}
        inner = ctx.get("error")
        prefix = format_location(item["loc"])
        if isinstance(inner, ProblemViolations):
            for v in inner.violations:
                field = f"{prefix}.{v.field}" if prefix and v.field else prefix or v.field
                result.append(FieldViolation(field, v.reason))
        elif item["type"] == "value_error" and inner is not None:
            # Our own validators' reasons, without pydantic's "Value error, " prefix.
            result.append(FieldViolation(prefix, str(inner)))
        elif item["type"] in _SHOW_INPUT:
            # "Input should be a valid integer" alone does not say that "100" was a string.
            reason = f"{item['msg']}, got {describe_json(item['input'])}"
            result.append(FieldViolation(prefix, reason))
        else:
            result.append(FieldViolation(prefix, item["msg"]))
    return result


_SHOW_INPUT = frozenset(
    (
        "int_type",
        "bool_type",
        "float_type",
        "string_type",
        "list_type",
        "dict_type",
        "model_type",
        "finite_number",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    )
)
"""Pydantic error types whose message does not show the value that was refused."""


def check_json_keys(text: str | bytes) -> None:
    """Raise InvalidProblem naming the path of every key repeated within one JSON object (JSON
    parsers silently keep its last value). Broken syntax is left to the validating parser that
    follows, which says where it breaks.
    """
    repeats = False

    def flag(pairs: list[tuple[str, Any]]) -> None:
        nonlocal repeats
        repeats = repeats or len({k for k, _ in pairs}) < len(pairs)
        # None: building the document is what makes a full parse slow, and only a file that
        # repeats a key needs it (to name the paths).

    try:
        json.loads(text, object_pairs_hook=flag, **_NUMBERS_AS_TEXT)
    except (ValueError, RecursionError):
        return
    if repeats:
        raise InvalidProblem(_repeated_key_violations(text))


# Numbers stay strings: the key pass looks at keys only, and int() refuses 4300+ digits.
_NUMBERS_AS_TEXT: dict[str, Any] = {"parse_int": str, "parse_float": str, "parse_constant": str}


def _repeated_key_violations(text: str | bytes) -> list[FieldViolation]:
    repeated: dict[int, tuple[str, ...]] = {}  # id of an object -> its repeated keys

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) < len(pairs):
            counts = Counter(k for k, _ in pairs)
            repeated[id(result)] = tuple(k for k, n in counts.items() if n > 1)
        return result

    document = json.loads(text, object_pairs_hook=pairs_hook, **_NUMBERS_AS_TEXT)
    violations = []
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(document, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key in repeated.get(id(value), ()):
                path = format_location((*loc, key))
                violations.append(FieldViolation(path, f"duplicate key {key!r} in one object"))
            stack.extend((v, (*loc, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(value))
    return sorted(violations, key=lambda v: v.field)


def parse_problem(data: Any) -> Problem:
    """Validate plain data (e.g. parsed JSON) into a Problem; raise InvalidProblem naming fields."""
    try:
        return Problem.model_validate(data)
    except ValidationError as error:
        raise InvalidProblem(violations_of(error)) from None


def parse_problem_json(text: str | bytes) -> Problem:
    """Validate a JSON document into a Problem; raise InvalidProblem naming fields."""
    check_json_keys(text)
    try:
        return Problem.model_validate_json(text)
    except ValidationError as error:
        raise InvalidProblem(violations_of(error)) from None


# --------------------------------------------------------------------------------------------------
# Dense index


@dataclass(frozen=True, eq=False)
class ProblemIndex:
    """The problem in dense integer arrays, operations flattened order by order.

    Operation `o` belongs to job `op_job[o]` at position `op_position[o]`; the operations of job `j`
    are `job_start[j] : job_start[j + 1]`. Its eligible machines (modes) are
    `mode_start[o] : mode_start[o + 1]` in `mode_machine` and `mode_duration` (the order's quantity
    already applied). Its predecessors (the routing graph, implicit sequences made explicit) are
    `pred_start[o] : pred_start[o + 1]` in `pred_op`, `pred_min_lag` and `pred_max_lag` (-1: none).
    `topological` lists all operations so that each comes after its predecessors.
    """

    n_jobs: int
    n_machines: int
    n_operations: int
    machine_ids: tuple[str, ...]
    order_ids: tuple[str, ...]
    operation_ids: tuple[str, ...]
    machine_of_id: dict[str, int]
    job_of_id: dict[str, int]
    job_start: np.ndarray
    op_job: np.ndarray
    op_position: np.ndarray
    mode_start: np.ndarray
    mode_machine: np.ndarray
    mode_duration: np.ndarray
    pred_start: np.ndarray
    pred_op: np.ndarray
    pred_min_lag: np.ndarray
    pred_max_lag: np.ndarray
    topological: np.ndarray
    release: np.ndarray
    due: np.ndarray
    """Due date per job; -1 when the order has none."""
    deadline: np.ndarray
    """Deadline per job; -1 when the order has none."""
    weight: np.ndarray

    @staticmethod
    def build(problem: Problem) -> ProblemIndex:
        machine_of_id = {m.id: i for i, m in enumerate(problem.machines)}
        job_start = [0]
        op_job: list[int] = []
        op_position: list[int] = []
        operation_ids: list[str] = []
        mode_start = [0]
        mode_machine: list[int] = []
        mode_duration: list[int] = []
        pred_start = [0]
        pred_op: list[int] = []
        pred_min: list[int] = []
        pred_max: list[int] = []
        topological: list[int] = []
        for j, order in enumerate(problem.orders):
            base = len(op_job)
            position = {op.id: k for k, op in enumerate(order.operations)}
            for k, op in enumerate(order.operations):
                op_job.append(j)
                op_position.append(k)
                operation_ids.append(op.id)
                for mode in op.machines:
                    mode_machine.append(machine_of_id[mode.machine_id])
                    mode_duration.append(mode.time(order.quantity))
                mode_start.append(len(mode_machine))
                for pred in predecessors_of(order, k):
                    pred_op.append(base + position[pred.operation_id])
                    pred_min.append(pred.min_lag)
                    pred_max.append(-1 if pred.max_lag is None else pred.max_lag)
                pred_start.append(len(pred_op))
            topological.extend(base + k for k in _topological_order(order, position))
            job_start.append(len(op_job))
        i64 = np.int64
        return ProblemIndex(
            n_jobs=len(problem.orders),
            n_machines=len(problem.machines),
            n_operations=len(op_job),
            machine_ids=tuple(m.id for m in problem.machines),
            order_ids=tuple(o.id for o in problem.orders),
            operation_ids=tuple(operation_ids),
            machine_of_id=machine_of_id,
            job_of_id={o.id: j for j, o in enumerate(problem.orders)},
            job_start=np.asarray(job_start, dtype=i64),
            op_job=np.asarray(op_job, dtype=i64),
            op_position=np.asarray(op_position, dtype=i64),
            mode_start=np.asarray(mode_start, dtype=i64),
            mode_machine=np.asarray(mode_machine, dtype=i64),
            mode_duration=np.asarray(mode_duration, dtype=i64),
            pred_start=np.asarray(pred_start, dtype=i64),
            pred_op=np.asarray(pred_op, dtype=i64),
            pred_min_lag=np.asarray(pred_min, dtype=i64),
            pred_max_lag=np.asarray(pred_max, dtype=i64),
            topological=np.asarray(topological, dtype=i64),
            release=np.asarray([o.release for o in problem.orders], dtype=i64),
            due=np.asarray([-1 if o.due is None else o.due for o in problem.orders], dtype=i64),
            deadline=np.asarray(
                [-1 if o.deadline is None else o.deadline for o in problem.orders], dtype=i64
            ),
            weight=np.asarray([o.weight for o in problem.orders], dtype=i64),
        )

    def operation(self, job: int, position: int) -> int:
        """Flat index of the operation at `position` in job `job`."""
        return int(self.job_start[job]) + position

    def modes(self, op: int) -> range:
        return range(int(self.mode_start[op]), int(self.mode_start[op + 1]))

    def predecessors(self, op: int) -> range:
        """Positions in `pred_op`, `pred_min_lag` and `pred_max_lag` of `op`'s predecessors."""
        return range(int(self.pred_start[op]), int(self.pred_start[op + 1]))

    @cached_property
    def is_sequence(self) -> bool:
        """True when every routing is a plain sequence without lags."""
        # Each predecessor entry must be owned by the operation right after it, in its job (the
        # predecessor list alone cannot tell a sequence from a join, e.g. c after a and b).
        owner = np.repeat(np.arange(self.n_operations), np.diff(self.pred_start))
        return (
            len(self.pred_op) == self.n_operations - self.n_jobs
            and bool(np.array_equal(self.pred_op, owner - 1))
            and bool(np.array_equal(self.op_job[self.pred_op], self.op_job[owner]))
            and not self.pred_min_lag.any()
            and bool((self.pred_max_lag < 0).all())
        )

    @cached_property
    def sinks(self) -> np.ndarray:
        """Operations no other operation follows; an order completes when all of its sinks end."""
        has_successor = np.zeros(self.n_operations, dtype=bool)
        has_successor[self.pred_op] = True
        return np.flatnonzero(~has_successor)

    @cached_property
    def min_duration(self) -> np.ndarray:
        """Shortest processing time of each operation over its eligible machines."""
        return np.minimum.reduceat(self.mode_duration, self.mode_start[:-1])

    @cached_property
    def op_of_mode(self) -> np.ndarray:
        """The operation each mode belongs to."""
        return np.repeat(np.arange(self.n_operations), np.diff(self.mode_start))

    @cached_property
    def max_duration(self) -> np.ndarray:
        return np.maximum.reduceat(self.mode_duration, self.mode_start[:-1])

    @cached_property
    def head(self) -> np.ndarray:
        """Earliest start of each operation: its job's release, then the longest path of shortest
        durations and minimum lags through its predecessors."""
        if self.is_sequence:
            before = _exclusive_cumsum_by_job(self.min_duration, self.job_start)
            return self.release[self.op_job] + before
        head = self.release[self.op_job].copy()
        d, ps, po, lag = self.min_duration, self.pred_start, self.pred_op, self.pred_min_lag
        for o in self.topological.tolist():
            for p in range(ps[o], ps[o + 1]):
                head[o] = max(head[o], head[po[p]] + d[po[p]] + lag[p])
        return head

    @cached_property
    def tail(self) -> np.ndarray:
        """Shortest work and minimum lags that must follow each operation's end within its job."""
        if self.is_sequence:
            job_total = np.add.reduceat(self.min_duration, self.job_start[:-1])
            before = _exclusive_cumsum_by_job(self.min_duration, self.job_start)
            return job_total[self.op_job] - before - self.min_duration
        tail = np.zeros(self.n_operations, dtype=np.int64)
        d, ps, po, lag = self.min_duration, self.pred_start, self.pred_op, self.pred_min_lag
        for o in reversed(self.topological.tolist()):
            for p in range(ps[o], ps[o + 1]):
                tail[po[p]] = max(tail[po[p]], lag[p] + d[o] + tail[o])
        return tail

    @cached_property
    def critical_path(self) -> np.ndarray:
        """Per job: its release plus its longest routing path of shortest durations and lags."""
        ends = self.head + self.min_duration
        return np.maximum.reduceat(ends, self.job_start[:-1])

    @cached_property
    def safe_horizon(self) -> int:
        """A horizon no optimal schedule of a regular objective needs to pass, for a problem
        without calendars, setups or materials (those add their own slack on top)."""
        lags = int(np.maximum(self.pred_min_lag, self.pred_max_lag).sum())
        return int(self.release.max() + self.max_duration.sum() + lags)

    def is_flexible(self) -> bool:
        return len(self.mode_machine) > self.n_operations


def _topological_order(order: Order, position: dict[str, int]) -> list[int]:
    """Positions of an (acyclic) routing's operations, each after its predecessors."""
    n = len(order.operations)
    successors: list[list[int]] = [[] for _ in range(n)]
    indegree = [0] * n
    for k in range(n):
        for pred in predecessors_of(order, k):
            successors[position[pred.operation_id]].append(k)
            indegree[k] += 1
    ready = [k for k in range(n) if indegree[k] == 0]
    result: list[int] = []
    while ready:
        k = ready.pop()
        result.append(k)
        for s in successors[k]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    return result if len(result) == n else list(range(n))


def _exclusive_cumsum_by_job(values: np.ndarray, job_start: np.ndarray) -> np.ndarray:
    """For each operation, the sum of `values` over the operations before it in its job."""
    total = np.concatenate(([0], np.cumsum(values)))
    starts = np.repeat(job_start[:-1], np.diff(job_start))
    return total[:-1] - total[starts]


__all__ = [
    "MAX_TIME",
    "FieldViolation",
    "InvalidProblem",
    "Machine",
    "Mode",
    "Objective",
    "ObjectiveKind",
    "ObjectiveTerm",
    "Operation",
    "Order",
    "Problem",
    "ProblemIndex",
    "ProblemViolations",
    "check_json_keys",
    "describe_json",
    "format_location",
    "parse_problem",
    "parse_problem_json",
    "violations_of",
]
