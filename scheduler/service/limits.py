"""What one server accepts and how much it runs at once: size caps, time and worker caps, slots.

Size caps are checked on the raw request, before any model (or even a `Problem`) is built, and
name the field that breaks them. Solve slots bound the concurrent searches, in two lanes (jobs
and calls; calls only); every search's workers are capped so that all concurrent searches together
use no more threads than there are cores (but at least one each).
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from scheduler.params import SolveParams, available_cores
from scheduler.problem import FieldViolation, InvalidProblem, Problem, violations_of
from scheduler.service.convert import duration_seconds, pb, problem_from_proto


@dataclass(frozen=True)
class ServiceLimits:
    """Caps of one server. Defaults suit a single factory on one machine."""

    max_message_bytes: int = 32 * 1024 * 1024
    """Largest request or response, bytes."""
    max_machines: int = 10_000
    max_operations: int = 100_000
    max_operation_machines: int = 1_000_000
    """Largest sum over operations of their eligible machines (the size of the model)."""
    max_horizon: int = 10**9
    """Largest tick value, and largest sum of every release plus every longest duration."""
    default_time_limit: float = 10.0
    """Seconds, when a request gives none."""
    max_time_limit: float = 300.0
    max_concurrent_solves: int = field(default_factory=lambda: max(1, available_cores() // 2))
    """Searches at once that background jobs may take (synchronous calls may take them too)."""
    interactive_slots: int = 1
    """Searches at once beyond those that only synchronous Solve / SolveStream may take, so a
    long background job never makes an interactive call wait for its whole time limit."""
    total_workers: int = field(default_factory=available_cores)
    """Solver threads of all concurrent searches together."""
    max_queued_jobs: int = 10_000
    max_watchers: int = 64
    """Open WatchScheduleJob streams at once; each holds a handler thread while it is open."""
    deadline_margin: float = 0.1
    """Seconds kept back from the caller's deadline to verify and send the result; plus 10 %."""

    def __post_init__(self) -> None:
        if self.max_concurrent_solves < 1 or self.total_workers < 1:
            raise ValueError("max_concurrent_solves and total_workers must be at least 1")
        if self.max_concurrent_solves > self.total_workers:
            raise ValueError(
                f"max_concurrent_solves ({self.max_concurrent_solves}) exceeds total_workers "
                f"({self.total_workers}): concurrent searches would use more threads than cores"
            )
        if self.interactive_slots < 0:
            raise ValueError("interactive_slots must be at least 0")
        if self.max_watchers < 0:
            raise ValueError("max_watchers must be at least 0")
        if not 0 < self.default_time_limit <= self.max_time_limit:
            raise ValueError("need 0 < default_time_limit <= max_time_limit")

    @property
    def total_solves(self) -> int:
        """Searches at once, background and interactive together."""
        return self.max_concurrent_solves + self.interactive_slots

    @property
    def workers_per_solve(self) -> int:
        return max(1, self.total_workers // self.total_solves)


class Gate:
    """A non-blocking counting gate: `enter()` is True when a place was free (then `leave()`)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._inside = 0

    @property
    def inside(self) -> int:
        return self._inside

    def enter(self) -> bool:
        with self._lock:
            if self._inside >= self.capacity:
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1


class DeadlineTooShort(Exception):
    """The caller's deadline leaves no time to search."""


# --------------------------------------------------------------------------------------------------
# Request size, before any model


def size_violations(problem: pb.Problem, limits: ServiceLimits) -> list[FieldViolation]:
    """Violations of the size caps, with paths relative to `Problem`; cheap, model-free."""
    violations: list[FieldViolation] = []
    if len(problem.machines) > limits.max_machines:
        violations.append(
            FieldViolation(
                "machines",
                f"{len(problem.machines)} machines exceed the cap of {limits.max_machines}",
            )
        )
    n_operations = sum(len(order.operations) for order in problem.orders)
    if n_operations > limits.max_operations:
        violations.append(
            FieldViolation(
                "orders", f"{n_operations} operations exceed the cap of {limits.max_operations}"
            )
        )
        return violations  # the per-field walk below would be as large as the request
    n_modes = sum(len(op.machines) for order in problem.orders for op in order.operations)
    if n_modes > limits.max_operation_machines:
        violations.append(
            FieldViolation(
                "orders",
                f"{n_modes} (operation, eligible machine) pairs exceed the cap of "
                f"{limits.max_operation_machines}",
            )
        )
        return violations
    cap = limits.max_horizon
    horizon = 0
    for j, order in enumerate(problem.orders):
        if order.release > cap:
            violations.append(_past_horizon(f"orders[{j}].release", cap))
        for name in ("due", "deadline"):
            if order.HasField(name) and getattr(order, name) > cap:
                violations.append(_past_horizon(f"orders[{j}].{name}", cap))
        horizon = max(horizon, order.release)
    total = horizon
    for j, order in enumerate(problem.orders):
        quantity = order.quantity if order.HasField("quantity") else 1
        for k, op in enumerate(order.operations):
            longest = 0
            for e, mode in enumerate(op.machines):
                duration = (
                    mode.duration
                    if mode.HasField("duration")
                    else mode.setup + mode.per_unit * quantity
                )
                if duration > cap:
                    field = "duration" if mode.HasField("duration") else "per_unit"
                    violations.append(
                        _past_horizon(f"orders[{j}].operations[{k}].machines[{e}].{field}", cap)
                    )
                longest = max(longest, duration)
            total += longest + sum(p.min_lag for p in op.predecessors)
    if total > cap and not violations:
        violations.append(
            FieldViolation(
                "orders",
                f"latest release plus all durations is {total} ticks, past the cap of {cap}",
            )
        )
    return violations


def applied_violations(problem: Problem, limits: ServiceLimits, path: str) -> list[FieldViolation]:
    """The size caps on a problem that a request's changes produced (a scenario applied to the
    base: added orders and machines, changed quantities), named by the request field that made
    it, `path`: the problem itself is no field of the request."""
    ix = problem.index
    horizon = int(ix.release.max(initial=0) + ix.max_duration.sum() + ix.pred_min_lag.sum())
    sizes = [
        (len(problem.machines), limits.max_machines, "machines"),
        (ix.n_operations, limits.max_operations, "operations"),
        (len(ix.mode_machine), limits.max_operation_machines, "(operation, machine) pairs"),
        (horizon, limits.max_horizon, "ticks of latest release plus all durations"),
    ]
    return [
        FieldViolation(
            path, f"applied to the problem it gives {size} {what}, past the cap of {cap}"
        )
        for size, cap, what in sizes
        if size > cap
    ]


def _past_horizon(path: str, cap: int) -> FieldViolation:
    return FieldViolation(path, f"must be at most {cap} ticks (the server's horizon cap)")


def time_violations(problem: Problem) -> list[FieldViolation]:
    """Absolute output times must be representable: planning_start + horizon * tick < year 10000."""
    if problem.planning_start is None:
        return []
    start = problem.planning_start
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    try:
        start + problem.tick * problem.index.safe_horizon
    except OverflowError:
        latest = datetime.max.replace(tzinfo=UTC)
        return [FieldViolation("tick", f"planning_start + horizon * tick passes {latest:%Y-%m-%d}")]
    return []


def check_problem(message: pb.Problem, limits: ServiceLimits) -> Problem:
    """The validated problem of a request, or InvalidProblem with paths relative to `Problem`."""
    violations = size_violations(message, limits)
    if violations:
        raise InvalidProblem(violations)
    problem = problem_from_proto(message)
    violations = time_violations(problem)
    if violations:
        raise InvalidProblem(violations)
    return problem


# --------------------------------------------------------------------------------------------------
# Parameters under the caps


def solve_params(
    message: pb.SolveParameters, limits: ServiceLimits, *, remaining: float | None = None
) -> SolveParams:
    """Requested parameters under the server's caps and the caller's remaining deadline.

    Raises InvalidProblem (paths relative to `SolveParameters`) for out-of-range values and
    DeadlineTooShort when `remaining` seconds leave nothing to search with.
    """
    violations: list[FieldViolation] = []
    time_limit = limits.default_time_limit
    if message.HasField("time_limit"):
        time_limit = duration_seconds(message.time_limit)
        if not time_limit > 0 or not math.isfinite(time_limit):
            violations.append(FieldViolation("time_limit", "must be a positive duration"))
    if message.workers < 0:
        violations.append(FieldViolation("workers", "must be >= 0 (0: the server's default)"))
    try:
        requested = SolveParams(
            time_limit=max(time_limit, 1e-3),
            workers=max(1, message.workers or limits.workers_per_solve),
            seed=message.seed,
            relative_gap_limit=message.relative_gap_limit,
        )
    except ValidationError as error:
        ours = {v.field for v in violations}
        violations += [v for v in violations_of(error) if v.field not in ours]
        requested = None
    if violations or requested is None:
        raise InvalidProblem(violations)
    capped = min(requested.time_limit, limits.max_time_limit)
    if remaining is not None:
        budget = remaining - limits.deadline_margin - 0.1 * remaining
        if budget < 0.01:
            raise DeadlineTooShort(
                f"{remaining:.3f} s left before the deadline: too short to solve"
            )
        capped = min(capped, budget)
    return requested.model_copy(
        update={
            "time_limit": capped,
            "workers": min(requested.workers, limits.workers_per_solve),
        }
    )


# --------------------------------------------------------------------------------------------------
# Solve slots


@dataclass(slots=True)
class _Held:
    started: float
    time_limit: float
    background: bool


class SolveSlots:
    """Search slots in two lanes, and a forecast of when a busy one frees.

    Background jobs may hold up to `capacity` slots; synchronous calls may hold any free slot,
    including the `interactive` ones that jobs never take. The forecast of a running search's end
    follows the durations of recent searches that ran longer than it has so far (most small solves
    end long before their time limit), never later than its time limit.
    """

    HISTORY = 200

    def __init__(self, capacity: int, interactive: int = 0) -> None:
        self.capacity = capacity
        self.interactive = interactive
        self._condition = threading.Condition()
        self._held: dict[int, _Held] = {}
        self._durations: deque[float] = deque(maxlen=self.HISTORY)
        self._next = 0

    @property
    def total(self) -> int:
        return self.capacity + self.interactive

    @property
    def in_use(self) -> int:
        with self._condition:
            return len(self._held)

    @property
    def background_in_use(self) -> int:
        with self._condition:
            return sum(h.background for h in self._held.values())

    def _free(self, background: bool) -> bool:
        if len(self._held) >= self.total:
            return False
        return not background or sum(h.background for h in self._held.values()) < self.capacity

    def try_acquire(
        self, time_limit: float, timeout: float = 0.0, *, background: bool = False
    ) -> int | None:
        """A slot ticket, or None when no slot of the lane frees within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not self._free(background):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._condition.wait(left)
            self._next += 1
            self._held[self._next] = _Held(time.monotonic(), time_limit, background)
            return self._next

    def set_time_limit(self, ticket: int, time_limit: float) -> None:
        """The search of `ticket` now knows its time limit (a job, once claimed)."""
        with self._condition:
            held = self._held.get(ticket)
            if held is not None:
                held.time_limit = time_limit

    def release(self, ticket: int) -> None:
        with self._condition:
            held = self._held.pop(ticket, None)
            if held is not None:
                self._durations.append(time.monotonic() - held.started)
            self._condition.notify_all()

    def retry_after(self) -> float:
        """Seconds until a slot a synchronous call may take is likely free, within [0.001, 30]:
        the median of the first end among the running searches."""
        now = time.monotonic()
        with self._condition:
            durations = sorted(self._durations)
            held = list(self._held.values())
        if len(held) < self.total:
            return 0.001
        left = [self._remaining(h, durations, now) for h in held]
        for t in sorted(set().union(*left)):
            # The first end is past t only if every search is still running at t.
            survive = math.prod(1 - bisect.bisect_right(r, t) / len(r) for r in left)
            if survive <= 0.5:
                return min(30.0, max(0.001, t))
        return 30.0

    @staticmethod
    def _remaining(held: _Held, durations: list[float], now: float) -> list[float]:
        """Seconds a search may still run, sorted: one per recent search that ran longer than it
        has so far, never past its time limit (which is all there is without such searches)."""
        elapsed = now - held.started
        cap = max(0.0, held.time_limit - elapsed)
        longer = durations[bisect.bisect_right(durations, elapsed) :]
        return [min(d - elapsed, cap) for d in longer] or [cap]

    @contextmanager
    def held(self, ticket: int) -> Iterator[None]:
        try:
            yield
        finally:
            self.release(ticket)


__all__ = [
    "DeadlineTooShort",
    "Gate",
    "ServiceLimits",
    "SolveSlots",
    "applied_violations",
    "check_problem",
    "size_violations",
    "solve_params",
    "time_violations",
]
