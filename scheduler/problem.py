"""The scheduling problem: frozen, validated pydantic models and their dense index.

Users speak in string ids ("press-2", "WO-1043"); the solver, the heuristics and the verifier speak in
dense integer indices. `Problem.index` converts once and is cached on the (immutable) problem.

Time is integer ticks from the planning start. A problem may carry the wall-clock `planning_start`
and the tick length so that the edges (gRPC, CLI) can speak absolute times; the core never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Caps keep every value well inside CP-SAT's 62-bit domains and keep requests from exhausting memory.
# The service may impose tighter caps of its own; these are the limits of the model itself.
MAX_TIME = 10**12
"""Largest tick value (release, due date, duration) the model accepts."""
MAX_WEIGHT = 10**6
MAX_OPERATIONS = 1_000_000
MAX_MACHINES = 100_000
MAX_ID_LENGTH = 128

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=r"^\S(.*\S)?$")]
Tick = Annotated[int, Field(ge=0, le=MAX_TIME)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Machine(_Frozen):
    """A machine (work centre) that processes one operation at a time."""

    id: Id
    name: str = Field(default="", max_length=256, description="Display name for planners.")


class Mode(_Frozen):
    """One way to run an operation: on this machine, for this many ticks."""

    machine_id: Id
    duration: Tick = Field(description="Processing time in ticks on this machine (0 allowed).")


class Operation(_Frozen):
    """A step of an order's routing; it runs on exactly one of its eligible machines."""

    id: Id = Field(description="Unique within its order.")
    machines: list[Mode] = Field(
        min_length=1, description="Eligible machines, each with its own processing time."
    )


class Order(_Frozen):
    """A production order (a job): a routing of operations run in sequence."""

    id: Id
    operations: list[Operation] = Field(min_length=1, description="The routing, in order.")
    release: Tick = Field(default=0, description="Earliest start of the first operation, ticks.")
    due: Tick | None = Field(default=None, description="Soft due date of the last operation.")
    weight: int = Field(default=1, ge=0, le=MAX_WEIGHT, description="Priority weight.")


class ObjectiveKind(StrEnum):
    MAKESPAN = "makespan"
    """Completion time of the last operation."""
    TOTAL_WEIGHTED_TARDINESS = "total_weighted_tardiness"
    """Sum over orders of weight * max(0, completion - due); orders without a due date count 0."""
    WEIGHTED_COMPLETION = "weighted_completion"
    """Sum over orders of weight * completion."""


class ObjectiveTerm(_Frozen):
    kind: ObjectiveKind
    weight: int = Field(default=1, ge=1, le=MAX_WEIGHT)


class Objective(_Frozen):
    """A weighted sum of terms, minimised. A bare kind (e.g. "makespan") is shorthand for one term."""

    terms: list[ObjectiveTerm] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | ObjectiveKind):
            return {"terms": [{"kind": value}]}
        return value

    @field_validator("terms")
    @classmethod
    def _distinct(cls, terms: list[ObjectiveTerm]) -> list[ObjectiveTerm]:
        kinds = [t.kind for t in terms]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each objective kind may appear once")
        return terms

    def weight(self, kind: ObjectiveKind) -> int:
        """The weight of `kind` in the sum, 0 when absent."""
        return next((t.weight for t in self.terms if t.kind == kind), 0)


class Problem(_Frozen):
    """A scheduling problem: machines, orders with routings, and the objective to minimise."""

    name: str = Field(default="", max_length=256)
    planning_start: datetime | None = Field(
        default=None, description="Wall-clock time of tick 0; ticks only when absent."
    )
    tick: timedelta = Field(default=timedelta(minutes=1), description="Length of one tick.")
    machines: list[Machine] = Field(min_length=1, max_length=MAX_MACHINES)
    orders: list[Order] = Field(min_length=1)
    objective: Objective = Field(
        default_factory=lambda: Objective(terms=[ObjectiveTerm(kind="makespan")])
    )

    @field_validator("tick")
    @classmethod
    def _positive_tick(cls, tick: timedelta) -> timedelta:
        if tick <= timedelta(0):
            raise ValueError("tick must be a positive duration")
        return tick

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


def _cross_reference_violations(problem: Problem) -> Iterable[FieldViolation]:
    seen_machines: set[str] = set()
    for m, machine in enumerate(problem.machines):
        if machine.id in seen_machines:
            yield FieldViolation(f"machines[{m}].id", f"duplicate machine id {machine.id!r}")
        seen_machines.add(machine.id)

    seen_orders: set[str] = set()
    n_operations = 0
    # A safe horizon (every release plus every longest duration) must stay representable.
    horizon = max(o.release for o in problem.orders)
    for j, order in enumerate(problem.orders):
        path = f"orders[{j}]"
        if order.id in seen_orders:
            yield FieldViolation(f"{path}.id", f"duplicate order id {order.id!r}")
        seen_orders.add(order.id)
        seen_ops: set[str] = set()
        for k, op in enumerate(order.operations):
            n_operations += 1
            if op.id in seen_ops:
                yield FieldViolation(
                    f"{path}.operations[{k}].id",
                    f"duplicate operation id {op.id!r} in order {order.id!r}",
                )
            seen_ops.add(op.id)
            eligible: set[str] = set()
            for e, mode in enumerate(op.machines):
                field = f"{path}.operations[{k}].machines[{e}].machine_id"
                if mode.machine_id not in seen_machines:
                    yield FieldViolation(field, f"unknown machine id {mode.machine_id!r}")
                elif mode.machine_id in eligible:
                    yield FieldViolation(field, f"machine {mode.machine_id!r} is listed twice")
                eligible.add(mode.machine_id)
            horizon += max(mode.duration for mode in op.machines)
    if n_operations > MAX_OPERATIONS:
        yield FieldViolation(
            "orders", f"{n_operations} operations exceed the cap of {MAX_OPERATIONS}"
        )
    if horizon > MAX_TIME:
        yield FieldViolation(
            "orders", f"releases plus durations reach {horizon} ticks, past the cap of {MAX_TIME}"
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
        else:
            result.append(FieldViolation(prefix, item["msg"]))
    return result


def parse_problem(data: Any) -> Problem:
    """Validate plain data (e.g. parsed JSON) into a Problem; raise InvalidProblem naming fields."""
    try:
        return Problem.model_validate(data)
    except ValidationError as error:
        raise InvalidProblem(violations_of(error)) from None


def parse_problem_json(text: str | bytes) -> Problem:
    """Validate a JSON document into a Problem; raise InvalidProblem naming fields."""
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
    `mode_start[o] : mode_start[o + 1]` in `mode_machine` and `mode_duration`.
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
    release: np.ndarray
    due: np.ndarray
    """Due date per job; -1 when the order has none."""
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
        for j, order in enumerate(problem.orders):
            for k, op in enumerate(order.operations):
                op_job.append(j)
                op_position.append(k)
                operation_ids.append(op.id)
                for mode in op.machines:
                    mode_machine.append(machine_of_id[mode.machine_id])
                    mode_duration.append(mode.duration)
                mode_start.append(len(mode_machine))
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
            release=np.asarray([o.release for o in problem.orders], dtype=i64),
            due=np.asarray([-1 if o.due is None else o.due for o in problem.orders], dtype=i64),
            weight=np.asarray([o.weight for o in problem.orders], dtype=i64),
        )

    def operation(self, job: int, position: int) -> int:
        """Flat index of the operation at `position` in job `job`."""
        return int(self.job_start[job]) + position

    def modes(self, op: int) -> range:
        return range(int(self.mode_start[op]), int(self.mode_start[op + 1]))

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
        """Earliest start of each operation: its job's release plus its predecessors' shortest work."""
        before = _exclusive_cumsum_by_job(self.min_duration, self.job_start)
        return self.release[self.op_job] + before

    @cached_property
    def tail(self) -> np.ndarray:
        """Shortest work that must follow each operation's end within its job."""
        job_total = np.add.reduceat(self.min_duration, self.job_start[:-1])
        before = _exclusive_cumsum_by_job(self.min_duration, self.job_start)
        return job_total[self.op_job] - before - self.min_duration

    @cached_property
    def safe_horizon(self) -> int:
        """A horizon no optimal schedule of a regular objective needs to pass."""
        return int(self.release.max() + self.max_duration.sum())

    def is_flexible(self) -> bool:
        return len(self.mode_machine) > self.n_operations


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
    "format_location",
    "parse_problem",
    "parse_problem_json",
    "violations_of",
]
