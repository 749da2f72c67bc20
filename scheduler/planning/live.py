"""Live plans for the autonomous loop: a durable plan that answers shop-floor events with revisions.

A plan is a specification (problem, solve parameters, stability policy) and a log of entries:
shop-floor events and promoted what-if scenarios, each with a client id (reporting is idempotent
per id) and, when known, the shop-floor tick `at` it happened (the plan's `now` never goes back
and is at least every `at`; nothing new starts before it). Revision 1 is the plan of the problem (and
of whatever entries came before it); each later revision answers the entries that arrived since
the one before, replanned by `planning.reschedule` from the released revision: its schedule is
the reference of the stability term and the warm start, its problem (the state after all earlier
entries) the problem the entries are applied to. Scenario changes of a batch are applied before
its events.

`PlanRunner` keeps at most one replan running and one pending per plan: entries reported while a
replan runs are answered together by the next revision. A revision is released only when an
independent check passes (`verify` against its problem, `check_pins` against its pins); it is
persisted in one transaction with the entries it answers, so a restart replans exactly the
entries no revision answers. Entries are validated against the released state when they are
reported: bad ones are rejected naming the field and the reason, and nothing of the report is
stored.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scheduler.formats.solution import read_schedule, result_to_json
from scheduler.params import SolveParams
from scheduler.planning.changes import Scenario, apply
from scheduler.planning.events import (
    Event,
    Events,
    OperationCompleted,
    OperationStarted,
    OrderAdded,
)
from scheduler.planning.promise import DEFAULT_PROMISE_SECONDS, Promise, promise
from scheduler.planning.reschedule import Diff, Prepared, RescheduleError, diff, prepare
from scheduler.planstore import (
    Entry,
    EntryConflict,
    PlanLeases,
    PlanNotFound,
    PlanStore,
    RevisionConflict,
    StoredRevision,
)
from scheduler.problem import (
    FieldViolation,
    InvalidProblem,
    Order,
    Problem,
    Tick,
    parse_problem,
    violations_of,
)
from scheduler.result import LevelResult, SolveResult, SolveStatus, StopReason
from scheduler.schedule import Schedule, ScheduledOperation, evaluate
from scheduler.stop import Deadline, StopToken
from scheduler.verify import check, verify
from scheduler.verify.pins import check_pins

log = logging.getLogger("scheduler.planning.live")

SolveFn = Callable[..., SolveResult]
"""`scheduler.solve.solve` or a stand-in with its signature (the service's takes a solve slot)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class StabilityPolicy(_Strict):
    """How much of the released plan a replan keeps (see `planning.reschedule.prepare`)."""

    freeze: int = Field(default=0, ge=0, description="Ticks after now kept as released.")
    weight: int = Field(default=1, ge=0, description="Stability weight; 0 is a fresh solve.")


class PlanSpec(_Strict):
    """What a plan is created from."""

    problem: Problem
    parameters: SolveParams = Field(default_factory=SolveParams)
    """Parameters of every solve of the plan (each replan gets `time_limit`)."""
    stability: StabilityPolicy = Field(default_factory=StabilityPolicy)


class LogEntry(_Strict):
    """One entry of a plan's log: a shop-floor event or a promoted scenario, never both."""

    id: str = Field(min_length=1, max_length=128, description="Unique per plan (idempotency).")
    at: Tick | None = Field(
        default=None,
        description="Shop-floor tick it happened, not before the time the event names; None: "
        "unknown (the plan's now moves only with the event's own times).",
    )
    event: Event | None = None
    scenario: Scenario | None = None

    @model_validator(mode="after")
    def _one(self) -> LogEntry:
        if (self.event is None) == (self.scenario is None):
            raise ValueError("an entry is either an event or a scenario")
        return self

    def payload(self) -> str:
        return self.model_dump_json(exclude_none=True)


class PlanBusy(RuntimeError):
    """The plan is about to change (or has no plan yet): a promise now would be stale."""


class PlanError(ValueError):
    """Entries or a spec that do not fit the plan: every field at fault, and why."""

    def __init__(self, violations: Sequence[FieldViolation]):
        self.violations = list(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


@dataclass(frozen=True)
class Revision:
    """A released plan: its schedule of `problem` (the state after every entry it answers)."""

    number: int
    problem: Problem
    schedule: Schedule
    now: int
    """No operation of this revision that was not pinned starts before it."""
    result: dict[str, Any]
    """The schedule file (scheduler/formats/solution.py) of this revision, statistics included."""
    diff: dict[str, Any]
    """Against the revision before (`planning.reschedule.Diff.to_json`, each operation as
    [order id, operation id])."""
    answers: tuple[str, ...]
    created_at: float
    started: tuple[Event, ...] = ()
    """Every operation started (or completed) so far, as the events that said so: reported
    again with the next entries (see `_state`)."""
    cause: str = "events"
    """Why it exists: "created", "events" or "scenario:<name>" (the last promoted one)."""

    def solve_result(self) -> SolveResult:
        """The solve that made this revision, as `scheduler.solve.solve` returned it (progress
        and explanation aside; the KPIs recomputed from the schedule)."""
        data = self.result
        return SolveResult(
            status=SolveStatus(data["status"]),
            stop_reason=StopReason(data["stop_reason"]),
            objective=data["objective"],
            best_bound=data["best_bound"],
            gap=data["gap"],
            wall_time=data["wall_time"],
            heuristic_time=data["heuristic_time"],
            build_time=data["build_time"],
            first_solution_time=data["first_solution_time"],
            solutions=data["solutions"],
            heuristic_objective=data["heuristic_objective"],
            schedule=self.schedule,
            kpis=evaluate(self.problem, self.schedule),
            # The schedule file names a level's fields as LevelResult does.
            levels=tuple(
                LevelResult(**level | {"status": SolveStatus(level["status"])})
                for level in data["levels"]
            ),
        )

    def payload(self) -> str:
        started = Events(events=list(self.started)).model_dump(mode="json")["events"]
        return json.dumps(
            {
                "problem": self.problem.model_dump(mode="json"),
                "now": self.now,
                "result": self.result,
                "diff": self.diff,
                "started": started,
                "cause": self.cause,
            }
        )

    @staticmethod
    def load(stored: StoredRevision) -> Revision:
        data = json.loads(stored.payload)
        return Revision(
            number=stored.number,
            problem=parse_problem(data["problem"]),
            schedule=read_schedule(json.dumps(data["result"])),
            now=int(data["now"]),
            result=data["result"],
            diff=data["diff"],
            answers=stored.answers,
            created_at=stored.created_at,
            started=tuple(Events.model_validate({"events": data["started"]}).events),
            cause=data["cause"],
        )


@dataclass(frozen=True)
class PlanView:
    id: str
    spec: PlanSpec
    revision: Revision | None
    """The released revision (None until the first plan is released)."""
    pending: tuple[str, ...]
    """Ids of entries no revision answers yet."""
    error: str
    """Why the last replan released nothing ("" when it did)."""
    request_id: str
    created_at: float
    """Unix seconds."""
    replanning: bool
    """A replan runs now."""


def parse_spec(data: Any) -> PlanSpec:
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as error:
        raise PlanError(violations_of(error)) from None


def parse_entries(data: Any, where: str = "events") -> list[LogEntry]:
    """Validate plain data (a list) into entries; raise PlanError naming `where[i]` and the field."""
    if not isinstance(data, list):
        raise PlanError([FieldViolation(where, "must be a list of entries")])
    entries: list[LogEntry] = []
    errors: list[FieldViolation] = []
    for i, item in enumerate(data):
        try:
            entries.append(LogEntry.model_validate(item))
        except ValidationError as error:
            errors.extend(
                FieldViolation(f"{where}[{i}].{v.field}".rstrip("."), v.reason)
                for v in violations_of(error)
            )
    if errors:
        raise PlanError(errors)
    return entries


@dataclass
class _Base:
    """What a replan starts from: the released revision, or the plan's own problem."""

    number: int
    problem: Problem
    schedule: Schedule
    now: int
    started: tuple[Event, ...]


@dataclass
class _Plan:
    """The runner's state of one plan (guarded by the runner's condition)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while entries are validated and stored, and while a revision is released."""
    revision: Revision | None = None
    spec: PlanSpec | None = None
    """Parsed once: validating a 2,000-operation problem takes a third of a second."""
    loaded: bool = False


class PlanRunner:
    """Replans live plans on worker threads; see the module docstring for the guarantees.

    With `leases` (a store shared by replicas) each replan runs under the plan's lease, renewed
    by a heartbeat thread that also queues the plans whose replica stopped renewing theirs, and
    plans are re-read when another replica released revisions; see `planstore.PlanLeases`.
    """

    def __init__(
        self,
        store: PlanStore,
        solve_fn: SolveFn | None = None,
        *,
        workers: int = 1,
        leases: PlanLeases | None = None,
        admit: Callable[[Problem], list[FieldViolation]] | None = None,
    ) -> None:
        """`admit` names what makes a state unacceptable beyond its validity (a server's size
        caps): a report whose state it faults is refused with those violations."""
        if solve_fn is None:
            from scheduler.solve import solve

            solve_fn = solve
        self.store = store
        self._solve: SolveFn = solve_fn
        self._workers = workers
        self._condition = threading.Condition()
        self._queue: list[str] = []
        self._running: dict[str, StopToken] = {}
        self._again: set[str] = set()
        self._held: set[str] = set()
        """Running plans whose lease this replica holds (with `leases`)."""
        self._leases = leases
        self._admit = admit
        self._plans: dict[str, _Plan] = {}
        self._closing = False
        self._threads: list[threading.Thread] = []

    # -- life cycle

    def start(self) -> None:
        """Start the workers and replan every plan with entries no revision answers (or no
        revision at all): what a previous process accepted but did not answer."""
        for n in range(self._workers):
            thread = threading.Thread(target=self._loop, name=f"plan-runner-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self._leases is not None:
            thread = threading.Thread(target=self._keep_leases, name="plan-leases", daemon=True)
            thread.start()
            self._threads.append(thread)
            # What other replicas hold is theirs until their lease expires (the heartbeat then
            # queues it); what this replica id held before a restart is taken back at once.
            resumed = self._leases.claimable_replans(own=True)
        else:
            resumed = [
                plan_id
                for plan_id in self.store.plan_ids()
                if self.store.latest(plan_id) is None or self.store.unanswered(plan_id)
            ]
        if resumed:
            log.warning("resuming %d plan(s) with unanswered events", len(resumed))
        for plan_id in resumed:
            self._schedule(plan_id)

    def shutdown(self, timeout: float = 1.0) -> None:
        """Stop the running replans without releasing them (their entries stay unanswered, and
        the next start replans them) and wait up to `timeout` s for the workers."""
        with self._condition:
            self._closing = True
            tokens = list(self._running.values())
            self._condition.notify_all()
        for token in tokens:
            token.stop()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))
        if self._leases is not None:
            try:
                self._leases.hand_over()
            except Exception as error:  # then the leases expire on their own
                log.warning("could not hand the plan leases over: %s", error)

    def idle(self, timeout: float) -> bool:
        """Wait until no replan runs or waits; False after `timeout` s."""
        with self._condition:
            return self._condition.wait_for(lambda: not self._queue and not self._running, timeout)

    # -- requests

    def create(self, spec: PlanSpec, *, owner: str = "", request_id: str = "") -> str:
        """Persist a plan and plan it (asynchronously); returns its id. A request id the owner
        used for an equal spec returns that plan."""
        stored, created = self.store.create_plan(
            spec.model_dump_json(), owner=owner, request_id=request_id
        )
        if created:
            self._schedule(stored.id)
        return stored.id

    def view(self, plan_id: str) -> PlanView:
        stored = self.store.get_plan(plan_id)
        plan = self._plan(plan_id)
        return PlanView(
            id=plan_id,
            spec=_spec(plan),
            revision=plan.revision,
            pending=tuple(e.id for e in self.store.unanswered(plan_id)),
            error=stored.error,
            request_id=stored.request_id,
            created_at=stored.created_at,
            replanning=plan_id in self._running or self._lease_held(plan_id),
        )

    def revisions(self, plan_id: str, after: int = 0) -> list[Revision]:
        return [Revision.load(r) for r in self.store.revisions(plan_id, after)]

    def revision(self, plan_id: str, number: int) -> Revision | None:
        """Revision `number` of the plan (None when it has none of that number)."""
        latest = self._plan(plan_id).revision
        if latest is not None and latest.number == number:
            return latest
        found = self.store.revisions(plan_id, after=number - 1)[:1]
        return Revision.load(found[0]) if found and found[0].number == number else None

    def wait_answered(self, plan_id: str, entry_id: str, timeout: float) -> Revision | None:
        """The revision that answers the entry, once released; None after `timeout` s, or as
        soon as a replan fails with the entry unanswered or withdrawn (the plan's `error` says
        why)."""
        end = time.monotonic() + timeout
        changes = self.store.changes
        with changes.watching(plan_id):
            while True:
                seen = changes.version(plan_id)
                for stored in self.store.revisions(plan_id):
                    if entry_id in stored.answers:
                        return Revision.load(stored)
                withdrawn = not self.store.find_entries(plan_id, [entry_id])
                if withdrawn or (self.store.get_plan(plan_id).error and not self._busy(plan_id)):
                    return None
                left = end - time.monotonic()
                if left <= 0 or changes.closed:
                    return None
                changes.wait(plan_id, seen, min(left, 1.0))

    def wait_revision(self, plan_id: str, timeout: float) -> Revision | None:
        """The released revision, waiting up to `timeout` s for the first one."""
        end = time.monotonic() + timeout
        changes = self.store.changes
        with changes.watching(plan_id):
            while True:
                seen = changes.version(plan_id)
                plan = self._plan(plan_id)
                if plan.revision is not None or self.store.get_plan(plan_id).error:
                    return plan.revision
                left = end - time.monotonic()
                if left <= 0 or changes.closed:
                    return None
                changes.wait(plan_id, seen, min(left, 1.0))

    def _busy(self, plan_id: str) -> bool:
        with self._condition:
            if plan_id in self._running or plan_id in self._queue:
                return True
        return self._lease_held(plan_id)

    def _lease_held(self, plan_id: str) -> bool:
        """With leases: a replica (this one or another) holds the plan's replan lease."""
        return self._leases is not None and self._leases.replan_held(plan_id)

    def report(self, plan_id: str, entries: Sequence[LogEntry]) -> list[str]:
        """Accept entries for the plan's next revision; returns the ids that were new.

        Ids already reported with equal content are ignored (a retry); other content under a
        known id, or an entry that does not fit the released state (with the entries not yet
        answered), raises PlanError naming `events[i]` and the field, and stores nothing.
        """
        plan = self._plan(plan_id)
        spec = _spec(plan)
        with plan.lock:
            fresh = self._fresh(plan_id, entries)
            if not fresh:
                return []
            waiting = [
                LogEntry.model_validate_json(e.payload) for e in self.store.unanswered(plan_id)
            ]
            positions = {id(e): i for i, e in enumerate(entries)}
            _check_times(fresh, positions)
            try:
                state = _state(
                    self._base(plan, spec), spec, [*waiting, *fresh], offset=len(waiting)
                )
            except PlanError as error:
                numbers = [positions[id(e)] for e in fresh]
                raise PlanError(_renumber(error.violations, numbers)) from None
            if self._admit is not None and (faults := self._admit(state.prepared.problem)):
                raise PlanError(faults)
            added = self.store.add_entries(plan_id, [Entry(e.id, e.payload()) for e in fresh])
        self._schedule(plan_id)
        return [e.id for e in added]

    def promote(
        self, plan_id: str, entry_id: str, scenario: Scenario, at: int | None = None
    ) -> list[str]:
        """A what-if scenario becomes the plan's next revision (with any entries waiting)."""
        try:
            entry = LogEntry(id=entry_id, at=at, scenario=scenario)
        except ValidationError as error:
            raise PlanError(violations_of(error)) from None
        return self.report(plan_id, [entry])

    def promise_order(
        self,
        plan_id: str,
        order: Order,
        *,
        accept: bool,
        seconds: float = DEFAULT_PROMISE_SECONDS,
    ) -> tuple[Promise, Revision | None]:
        """Capable-to-promise on the released revision (`planning.promise`): the promise and the
        revision that accepting the order gives; with `accept`, that revision is released at
        once, answering an `order_added` event (id "order:<order id>").

        A plan without a revision, or (to accept) with events being planned, raises PlanBusy:
        the answer would be for a plan about to change. A bad order raises PlanError naming it.
        """
        plan = self._plan(plan_id)
        with plan.lock:
            base = plan.revision
            if base is None:
                raise PlanBusy("the plan has no revision yet")
            if accept and (self._busy(plan_id) or self.store.unanswered(plan_id)):
                raise PlanBusy("events are being planned: promise again after the next revision")
            try:
                answer = promise(
                    base.problem, base.schedule, order, now=base.now, deadline=Deadline(seconds)
                )
            except RescheduleError as error:
                raise PlanError(error.violations) from None
            if answer.schedule is None:
                return answer, None
            entry = LogEntry(
                id=f"order:{order.id}",
                event=OrderAdded(kind="order_added", order=order),
            )
            revision = _promised(base, answer, entry)
            if not accept:
                return answer, revision
            try:
                self.store.add_entries(plan_id, [Entry(entry.id, entry.payload())])
            except EntryConflict as conflict:
                raise PlanError([FieldViolation("order.id", str(conflict))]) from None
            stored = self.store.release(
                plan_id, revision.number, revision.payload(), revision.answers
            )
            plan.revision = dataclasses.replace(revision, created_at=stored.created_at)
            return answer, plan.revision

    # -- internals

    def _plan(self, plan_id: str) -> _Plan:
        with self._condition:
            plan = self._plans.setdefault(plan_id, _Plan())
        if not plan.loaded:
            with plan.lock:
                if not plan.loaded:
                    try:
                        stored = self.store.get_plan(plan_id)
                    except PlanNotFound:
                        with self._condition:  # remember no state for ids nobody created
                            self._plans.pop(plan_id, None)
                        raise
                    plan.spec = PlanSpec.model_validate_json(stored.spec)
                    latest = self.store.latest(plan_id)
                    plan.revision = None if latest is None else Revision.load(latest)
                    plan.loaded = True
        elif self._leases is not None:
            self._catch_up(plan_id, plan)
        return plan

    def _catch_up(self, plan_id: str, plan: _Plan) -> None:
        """Load the revisions other replicas released since this one read the plan."""
        known = plan.revision.number if plan.revision is not None else 0
        newer = self.store.revisions(plan_id, after=known)
        if newer:
            with plan.lock:
                if plan.revision is None or plan.revision.number < newer[-1].number:
                    plan.revision = Revision.load(newer[-1])

    def _fresh(self, plan_id: str, entries: Sequence[LogEntry]) -> list[LogEntry]:
        """The entries not reported before; a reused id with other content is a PlanError."""
        known = self.store.find_entries(plan_id, [e.id for e in entries])
        fresh: list[LogEntry] = []
        for i, entry in enumerate(entries):
            payload = entry.payload()
            earlier = known.get(entry.id)
            if earlier is None:
                fresh.append(entry)
                known[entry.id] = payload
            elif earlier != payload:
                raise PlanError([FieldViolation(f"events[{i}].id", str(EntryConflict(entry.id)))])
        return fresh

    @staticmethod
    def _base(plan: _Plan, spec: PlanSpec) -> _Base:
        if plan.revision is None:
            return _Base(0, spec.problem, Schedule(()), 0, ())
        r = plan.revision
        return _Base(r.number, r.problem, r.schedule, r.now, r.started)

    def _schedule(self, plan_id: str) -> None:
        """Queue a replan, or mark one pending when it runs (at most one of each per plan)."""
        with self._condition:
            if plan_id in self._running:
                self._again.add(plan_id)
            elif plan_id not in self._queue:
                self._queue.append(plan_id)
                self._condition.notify_all()

    def _loop(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._closing or bool(self._queue))
                if self._closing:
                    return
                plan_id = self._queue.pop(0)
                token = StopToken()
                self._running[plan_id] = token
            claimed = False
            try:
                claimed = self._leases is None or self._leases.claim_replan(plan_id)
                if claimed:  # else another replica replans it, and sees these entries after
                    with self._condition:
                        self._held.add(plan_id)
                    self._replan(plan_id, token)
            except RevisionConflict as error:  # fenced: another replica took the plan over
                log.warning("plan %s: nothing released: %s", plan_id, error)
            except Exception as error:
                log.exception("replan of plan %s failed", plan_id)
                self._record_error(plan_id, f"internal error: {type(error).__name__}")
            finally:
                # A replan the heartbeat stopped keeps its lease until it expires: given back
                # now, its entries would wait for the next report (nobody takes a free lease).
                more = claimed and not token.stopped and self._finish_lease(plan_id)
                with self._condition:
                    del self._running[plan_id]
                    self._held.discard(plan_id)
                    if (more or plan_id in self._again) and not self._closing:
                        self._again.discard(plan_id)
                        self._queue.append(plan_id)
                    self._condition.notify_all()

    def _finish_lease(self, plan_id: str) -> bool:
        """Give a replan's lease back; True when entries came meanwhile (replan again). Not
        while closing: `shutdown` hands every lease over at once."""
        if self._leases is None or self._closing:
            return False
        try:
            return self._leases.finish_replan(plan_id)
        except Exception as error:  # the lease expires, and the plan is taken over then
            log.warning("plan %s: could not give the replan lease back: %s", plan_id, error)
            return False

    def _keep_leases(self) -> None:
        """Every quarter lease, at most a second: renew the leases of running replans; stop a
        replan whose plan another replica took over, and every replan when the database has been
        out of reach for 0.8 of a lease (before another replica may take them); queue the plans
        whose replica stopped renewing (so they wait at most a second beyond their lease)."""
        leases = self._leases
        assert leases is not None
        renewed = time.monotonic()
        while True:
            with self._condition:
                if self._condition.wait_for(lambda: self._closing, min(leases.lease / 4, 1.0)):
                    return
                held = {p: t for p, t in self._running.items() if p in self._held}
            try:
                kept = leases.renew_replans(list(held))
                renewed = time.monotonic()
                lost = [token for plan_id, token in held.items() if plan_id not in kept]
                expired = leases.claimable_replans()
            except Exception as error:
                log.warning("could not renew the plan leases: %s", error)
                late = time.monotonic() - renewed > 0.8 * leases.lease
                lost, expired = list(held.values()) if late else [], []
            for token in lost:
                token.stop()
            for plan_id in expired:
                self._schedule(plan_id)

    def _record_error(self, plan_id: str, error: str) -> None:
        try:
            self.store.set_error(plan_id, error)
        except Exception:
            log.exception("could not record the error of plan %s", plan_id)

    def _failed(self, plan_id: str, entries: Sequence[LogEntry], error: str) -> None:
        """Record why a replan released nothing. Its events stay pending (the next report or
        start replans them), but promoted scenarios are withdrawn: a promotion the plan cannot
        follow is refused, not retried with every later event."""
        self._record_error(plan_id, error)
        scenarios = [e.id for e in entries if e.scenario is not None]
        if scenarios:
            with self._plan(plan_id).lock:
                self.store.discard(plan_id, scenarios)
            if len(scenarios) < len(entries):
                self._schedule(plan_id)  # the events alone, once this replan has ended

    def _replan(self, plan_id: str, token: StopToken) -> None:
        plan = self._plan(plan_id)
        spec = _spec(plan)
        with plan.lock:
            base = self._base(plan, spec)
            entries = [
                LogEntry.model_validate_json(e.payload) for e in self.store.unanswered(plan_id)
            ]
        if base.number and not entries:
            return
        try:
            state = _state(base, spec, entries, offset=0)
            prepared = state.prepared
        except PlanError as error:
            # Checked when reported, so only entries stored by an older version get here.
            self._failed(plan_id, entries, f"the events do not fit the plan: {error}")
            return
        pinned = bool(entries or base.number)
        if pinned:
            result = self._solve(prepared.problem, spec.parameters, stop=token, pins=prepared.pins)
        else:
            result = self._solve(prepared.problem, spec.parameters, stop=token)
        with self._condition:
            if self._closing or token.stopped:  # stopped: shutdown, or the lease was lost
                return
        if result.schedule is None:
            # The reasons (e.g. the events that moved work past a deadline) go to the planner.
            why = "".join(f"; {c}" for c in result.explanation)
            self._failed(plan_id, entries, f"no plan: the replan ended {result.status.value}{why}")
            return
        broken = _broken(prepared, result.schedule, pinned=pinned)
        if broken:
            log.error("plan %s: a replan failed verification: %s", plan_id, broken[0])
            self._failed(plan_id, entries, f"a replan failed verification: {broken[0]}")
            return
        changes = diff(base.problem, base.schedule, prepared.problem, result.schedule)
        revision = Revision(
            number=base.number + 1,
            problem=prepared.problem,
            schedule=result.schedule,
            now=prepared.pins.now,
            result=_result_json(prepared.problem, result),
            diff=_diff_json(changes, base.problem, prepared.problem),
            answers=tuple(e.id for e in entries),
            created_at=0.0,
            started=state.started,
            cause=_cause(entries),
        )
        with plan.lock:
            stored = self.store.release(
                plan_id, revision.number, revision.payload(), revision.answers
            )
            plan.revision = dataclasses.replace(revision, created_at=stored.created_at)
        log.info("plan %s: revision %d answers %d event(s)", plan_id, stored.number, len(entries))


def _spec(plan: _Plan) -> PlanSpec:
    assert plan.spec is not None, "a plan's spec is loaded with the plan"
    return plan.spec


def _broken(state: Prepared, schedule: Schedule, *, pinned: bool) -> list[str]:
    """What an independent check finds wrong with a replan (empty when it may be released)."""
    report = verify(state.problem, schedule)
    if not report.ok:
        return [v.message for v in report.violations]
    return check_pins(state.problem, schedule, state.pins) if pinned else []


def _diff_json(changes: Diff, before: Problem, after: Problem) -> dict[str, Any]:
    """`Diff.to_json` with each operation as [order id, operation id]: its "order/operation"
    names are ambiguous when an id holds a slash (order "WO-7/A", operation "10")."""
    keys = {
        f"{order.id}/{operation.id}": [order.id, operation.id]
        for problem in (before, after)
        for order in problem.orders
        for operation in order.operations
    }
    data = changes.to_json()
    for name in ("unchanged", "added", "dropped"):
        data[name] = [keys[n] for n in data[name]]
    for item in (*data["moved"], *data["reassigned"]):
        item["operation"] = keys[item["operation"]]
    return data


def _promised(base: Revision, answer: Promise, entry: LogEntry) -> Revision:
    """The revision a promise gives: its plan, with the order added, after `base`."""
    assert answer.schedule is not None
    report = check(answer.problem, answer.schedule)
    result = SolveResult(
        status=SolveStatus.HEURISTIC,
        stop_reason=StopReason.FINISHED,
        objective=report.objective,
        best_bound=None,
        gap=None,
        wall_time=0.0,
        heuristic_time=0.0,
        build_time=0.0,
        first_solution_time=None,
        solutions=0,
        heuristic_objective=report.objective,
        schedule=answer.schedule,
        kpis=report.kpis,
        levels=tuple(LevelResult(v, None, None, SolveStatus.UNKNOWN) for v in report.levels),
    )
    changes = diff(base.problem, base.schedule, answer.problem, answer.schedule)
    return Revision(
        number=base.number + 1,
        problem=answer.problem,
        schedule=answer.schedule,
        now=base.now,
        result=_result_json(answer.problem, result),
        diff=_diff_json(changes, base.problem, answer.problem),
        answers=(entry.id,),
        created_at=time.time(),
        started=base.started,
        cause=f"order:{answer.order_id}",
    )


def _result_json(problem: Problem, result: SolveResult) -> dict[str, Any]:
    """The schedule file of `result`, with the phase times `Revision.solve_result` gives back."""
    data = result_to_json(problem, result)
    data["build_time"] = result.build_time
    data["heuristic_time"] = result.heuristic_time
    data["first_solution_time"] = result.first_solution_time
    return data


def _cause(entries: Sequence[LogEntry]) -> str:
    scenarios = [e.scenario.name for e in entries if e.scenario is not None]
    if scenarios:
        return f"scenario:{scenarios[-1]}"
    return "events" if entries else "created"


def _named(event: Event) -> int:
    """The time an event says something happened (0 for downtime, which may be announced)."""
    if isinstance(event, OperationStarted):
        return event.start
    if isinstance(event, OperationCompleted):
        return event.end
    return 0


def _check_times(fresh: list[LogEntry], positions: dict[int, int]) -> None:
    """An event is reported at or after the time it names (else `now` would precede it)."""
    errors = []
    for entry in fresh:
        named = 0 if entry.event is None else _named(entry.event)
        if entry.at is not None and entry.at < named:
            errors.append(
                FieldViolation(
                    f"events[{positions[id(entry)]}].at",
                    f"{entry.at} is before the time the event names ({named})",
                )
            )
    if errors:
        raise PlanError(errors)


@dataclass(frozen=True)
class _State:
    prepared: Prepared
    started: tuple[Event, ...]


def _state(base: _Base, spec: PlanSpec, entries: Sequence[LogEntry], *, offset: int) -> _State:
    """The base with `entries` applied (scenarios first, then events) and pinned.

    Errors name `events[i]` with i counted from `offset` in `entries` (earlier ones were checked
    when they were reported). Operations the base had started are reported again, so a running
    operation keeps running until now and a started order cannot be cancelled.
    """
    problem, released = base.problem, base.schedule
    for i, entry in enumerate(entries):
        if entry.scenario is not None:
            try:
                changed = apply(problem, entry.scenario.changes, where=f"events[{i}].scenario")
            except InvalidProblem as error:
                raise PlanError(error.violations) from None
            released = _carried(problem, released, changed)
            problem = changed
    history = list(base.started)
    events = [e.event for e in entries if e.event is not None]
    event_entries = [i for i, e in enumerate(entries) if e.event is not None]
    now = max([base.now, *(e.at for e in entries if e.at is not None), *map(_named, events)])
    try:
        prepared = prepare(
            problem,
            released,
            Events(events=[*history, *events]),
            now=now,
            freeze=spec.stability.freeze,
            weight=spec.stability.weight,
        )
    except RescheduleError as error:
        raise PlanError(
            _renumber(error.violations, [*([None] * len(history)), *event_entries], offset)
        ) from None
    # What stays started: an operation whose machine broke down under it was interrupted and is
    # planned afresh (`reschedule._interrupt`), so it is no longer pinned and not carried on.
    ix = prepared.problem.index
    pinned = {
        (order.id, operation.id)
        for j, order in enumerate(prepared.problem.orders)
        for k, operation in enumerate(order.operations)
        if ix.operation(j, k) in prepared.pins.fixed
    }
    started = [
        e
        for e in (*history, *events)
        if isinstance(e, OperationStarted | OperationCompleted)
        and (e.order_id, e.operation_id) in pinned
    ]
    return _State(prepared, tuple(started))


_EVENT_FIELD = re.compile(r"^events\[(\d+)\]")


def _renumber(
    violations: Sequence[FieldViolation], numbers: Sequence[int | None], offset: int = 0
) -> list[FieldViolation]:
    """`events[k]...` fields renamed to `events[numbers[k] - offset]...`."""

    def rename(match: re.Match[str]) -> str:
        k = int(match.group(1))
        number = numbers[k] if k < len(numbers) else None
        return match.group(0) if number is None else f"events[{number - offset}]"

    return [FieldViolation(_EVENT_FIELD.sub(rename, v.field), v.reason) for v in violations]


def _carried(old: Problem, schedule: Schedule, new: Problem) -> Schedule:
    """`schedule` of `old` in the numbers of `new`, by ids; operations whose order, operation,
    machine or resources `new` lacks are left out (they are planned afresh), and so are the
    purchases (items and suppliers may have changed)."""
    orders = {
        o.id: (j, {op.id: k for k, op in enumerate(o.operations)}) for j, o in enumerate(new.orders)
    }
    machines = {m.id: i for i, m in enumerate(new.machines)}
    resources = {r.id: i for i, r in enumerate(new.resources)}
    carried = []
    for op in schedule.operations:
        order = old.orders[op.job]
        target = orders.get(order.id)
        machine = machines.get(old.machines[op.machine].id)
        if target is None or machine is None:
            continue
        k = target[1].get(order.operations[op.index].id)
        chosen = [resources.get(old.resources[r].id) for r in op.resources]
        if k is None or None in chosen:
            continue
        eligible = {m.machine_id for m in new.orders[target[0]].operations[k].machines}
        if new.machines[machine].id not in eligible:
            continue
        carried.append(
            ScheduledOperation(
                target[0], k, machine, op.start, op.end, tuple(r for r in chosen if r is not None)
            )
        )
    return Schedule(tuple(carried))


__all__ = [
    "LogEntry",
    "PlanBusy",
    "PlanError",
    "PlanRunner",
    "PlanSpec",
    "PlanView",
    "Revision",
    "SolveFn",
    "StabilityPolicy",
    "parse_entries",
    "parse_spec",
]
