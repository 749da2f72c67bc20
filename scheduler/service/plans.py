"""The live-plan RPCs: CreatePlan, GetPlan, ReportEvents, WatchPlan, PromoteScenario.

Thin like the servicer that delegates to it: requests become `planning.live` entries and specs,
revisions become `PlanRevision` messages; the `PlanRunner` does the work. A plan belongs to its
creator like a job does (another caller's plan is NOT_FOUND, admins see every plan). PromiseOrder
is not served here: it answers UNIMPLEMENTED until the capable-to-promise domain exists.
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import ValidationError

from scheduler.params import SolveParams
from scheduler.planning.changes import Scenario
from scheduler.planning.live import (
    LogEntry,
    PlanError,
    PlanRunner,
    PlanSpec,
    PlanView,
    Revision,
    SolveFn,
    StabilityPolicy,
    parse_entries,
)
from scheduler.planstore import MAX_ID_LENGTH, EntryConflict, PlanNotFound
from scheduler.problem import FieldViolation, InvalidProblem, Problem, violations_of
from scheduler.result import SolveResult
from scheduler.service import convert, errors
from scheduler.service.convert import pb
from scheduler.service.limits import (
    Gate,
    ServiceLimits,
    SolveSlots,
    check_problem,
    solve_params,
)

PLAN_RPCS = ("create_plan", "get_plan", "report_events", "watch_plan", "promote_scenario")
"""The servicer's handlers this module provides."""
ANSWER_MARGIN = 5.0
"""Seconds beyond a plan's time limit that CreatePlan and PromoteScenario wait for the revision
(the replan may wait for a solve slot; then the call returns the plan as it is)."""
WATCH_WAKE_SECONDS = 0.5
"""How often an idle WatchPlan checks that its caller is still there: a cancel ends it within
about this long."""
MAX_PROMOTION_WAIT = 600.0


class PlanService:
    """The live-plan handlers, each `(request, context, call) -> response` like the servicer's."""

    def __init__(
        self,
        runner: PlanRunner,
        limits: ServiceLimits,
        *,
        admins: frozenset[str],
        closing: threading.Event,
        watchers: Gate,
    ) -> None:
        self._runner, self._limits, self._admins = runner, limits, admins
        self._closing, self._watchers = closing, watchers

    # -- handlers

    def create_plan(
        self, request: pb.CreatePlanRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.CreatePlanResponse:
        if len(request.request_id) > MAX_ID_LENGTH:
            raise _invalid("request_id", f"longer than {MAX_ID_LENGTH} characters")
        if not request.HasField("problem"):
            raise _invalid("problem", "required")
        try:
            problem = check_problem(request.problem, self._limits)
        except InvalidProblem as error:
            raise errors.invalid_argument(convert.prefixed(error.violations, "problem")) from None
        params = solve_params(request.parameters, self._limits)
        spec = PlanSpec(problem=problem, parameters=params, stability=_stability(request, problem))
        try:
            plan_id = self._runner.create(spec, owner=call.principal, request_id=request.request_id)
        except EntryConflict as error:
            raise errors.already_exists(
                f"request id {request.request_id!r} was used for a plan with other content",
                request_id=request.request_id,
                job_id="",
            ) from error
        self._runner.wait_revision(plan_id, params.time_limit + ANSWER_MARGIN)
        return pb.CreatePlanResponse(plan=self._plan_message(self._owned(plan_id, call)))

    def get_plan(
        self, request: pb.GetPlanRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.GetPlanResponse:
        view = self._owned(_plan_id(request.plan_id), call)
        if request.revision < 0:
            raise _invalid("revision", "must be >= 0")
        revision = view.revision
        if request.revision:
            found = self._runner.revisions(view.id, after=request.revision - 1)[:1]
            if not found or found[0].number != request.revision:
                raise errors.not_found("plan revision", f"{view.id}/{request.revision}")
            revision = found[0]
        return pb.GetPlanResponse(plan=self._plan_message(view, revision))

    def report_events(
        self, request: pb.ReportEventsRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.ReportEventsResponse:
        view = self._owned(_plan_id(request.plan_id), call)
        if not request.events:
            raise _invalid("events", "at least one event is required")
        problem = view.revision.problem if view.revision else view.spec.problem
        entries = _entries(request.events, problem)
        with _plan_errors(request.events):
            accepted = self._runner.report(view.id, entries)
        current = self._runner.view(view.id).revision
        return pb.ReportEventsResponse(
            accepted_event_ids=accepted,
            duplicate_event_ids=[e.id for e in entries if e.id not in accepted],
            revision=current.number if current else 0,
        )

    def watch_plan(
        self, request: pb.WatchPlanRequest, context: grpc.ServicerContext, call: Any
    ) -> Iterator[pb.WatchPlanResponse]:
        plan_id = self._owned(_plan_id(request.plan_id), call).id
        if request.after_revision < 0:
            raise _invalid("after_revision", "must be >= 0")
        if not self._watchers.enter():
            raise errors.resource_exhausted(
                f"all {self._watchers.capacity} watch streams are open; retry later or poll GetPlan",
                retry_after=5.0,
                reason="WATCH_CAPACITY",
            )
        changes = self._runner.store.changes
        seen = request.after_revision
        try:
            with changes.watching(plan_id):
                while True:
                    version = changes.version(plan_id)
                    for revision in self._runner.revisions(plan_id, after=seen):
                        yield pb.WatchPlanResponse(revision=_revision_message(revision))
                        seen = revision.number
                    while changes.wait(plan_id, version, WATCH_WAKE_SECONDS) == version:
                        if self._closing.is_set() or changes.closed:
                            raise errors.unavailable(
                                "the server is shutting down; watch again to resume"
                            )
                        if not context.is_active():
                            return
        finally:
            self._watchers.leave()

    def promote_scenario(
        self, request: pb.PromoteScenarioRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.PromoteScenarioResponse:
        view = self._owned(_plan_id(request.plan_id), call)
        if not request.HasField("scenario"):
            raise _invalid("scenario", "required")
        current = view.revision.number if view.revision else 0
        if request.base_revision < 0:
            raise _invalid("base_revision", "must be >= 0")
        if request.base_revision and request.base_revision != current:
            raise errors.failed_precondition(
                f"the scenario was compared against revision {request.base_revision}; the plan "
                f"is at revision {current}",
                reason="PLAN_MOVED_ON",
            )
        scenario = _scenario(request.scenario)
        entry_id = f"scenario:{uuid.uuid4().hex}"
        with _plan_errors(()):
            self._runner.promote(view.id, entry_id, scenario)
        wait = min(MAX_PROMOTION_WAIT, view.spec.parameters.time_limit + ANSWER_MARGIN)
        revision = self._runner.wait_answered(view.id, entry_id, wait)
        if revision is None:
            reason = self._runner.view(view.id).error or "the replan did not finish in time"
            raise errors.failed_precondition(
                f"the scenario is accepted but no revision answers it yet: {reason}",
                reason="REPLAN_PENDING",
            )
        return pb.PromoteScenarioResponse(revision=_revision_message(revision))

    # -- helpers

    def _owned(self, plan_id: str, call: Any) -> PlanView:
        """The plan, when the caller owns it or is an admin; another's plan is NOT_FOUND."""
        try:
            view = self._runner.view(plan_id)
            owner = self._runner.store.get_plan(plan_id).owner
        except PlanNotFound:
            raise errors.not_found("plan", plan_id) from None
        if owner != call.principal and call.principal not in self._admins:
            raise errors.not_found("plan", plan_id)
        return view

    def _plan_message(self, view: PlanView, revision: Revision | None = None) -> pb.Plan:
        revision = revision or view.revision
        message = pb.Plan(
            plan_id=view.id,
            request_id=view.request_id,
            problem_name=view.spec.problem.name,
            pending_events=len(view.pending),
            replanning=view.replanning,
        )
        message.create_time.FromSeconds(int(view.created_at))
        message.stability.weight = view.spec.stability.weight
        if view.spec.stability.freeze:
            message.stability.freeze.FromSeconds(
                int(view.spec.stability.freeze * view.spec.problem.tick.total_seconds())
            )
        if revision is not None:
            message.revision.CopyFrom(_revision_message(revision))
        return message


def slotted(solve_fn: SolveFn, slots: SolveSlots) -> SolveFn:
    """`solve_fn` in a background solve slot, so replans share the server's cap with jobs; a
    replan stopped while it waits for a slot runs at once (and stops at once)."""

    def solve(problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
        stop = kwargs.get("stop")
        ticket = None
        while ticket is None and not (stop is not None and stop.stopped):
            ticket = slots.try_acquire(params.time_limit, timeout=0.5, background=True)
        try:
            return solve_fn(problem, params, **kwargs)
        finally:
            if ticket is not None:
                slots.release(ticket)

    return solve


def _plan_id(plan_id: str) -> str:
    if not plan_id:
        raise _invalid("plan_id", "required")
    if len(plan_id) > MAX_ID_LENGTH:
        raise _invalid("plan_id", f"longer than {MAX_ID_LENGTH} characters")
    return plan_id


def _invalid(field: str, reason: str) -> errors.ServiceError:
    return errors.invalid_argument([FieldViolation(field, reason)])


def _stability(request: pb.CreatePlanRequest, problem: Problem) -> StabilityPolicy:
    if not request.HasField("stability"):
        return StabilityPolicy()
    stability = request.stability
    if stability.weight < 0:
        raise _invalid("stability.weight", "must be >= 0")
    freeze = 0
    if stability.HasField("freeze"):
        seconds = convert.duration_seconds(stability.freeze)
        if seconds < 0:
            raise _invalid("stability.freeze", "must not be negative")
        # Rounded up: a freeze of half a tick still keeps the next tick's operations.
        freeze = math.ceil(seconds / problem.tick.total_seconds())
    return StabilityPolicy(freeze=freeze, weight=stability.weight)


def _entries(events: Sequence[pb.ReportedEvent], problem: Problem) -> list[LogEntry]:
    """The reported events as log entries; the MES time becomes the tick `at` (rounded up) when
    the problem has a planning start, else it is only checked."""
    data, violations = [], []
    for i, reported in enumerate(events):
        where = f"events[{i}]"
        if not reported.HasField("event") or reported.event.WhichOneof("kind") is None:
            violations.append(FieldViolation(f"{where}.event", "required: one kind must be set"))
            continue
        if not reported.HasField("time"):
            violations.append(FieldViolation(f"{where}.time", "required"))
            continue
        item: dict[str, Any] = {"id": reported.event_id, "event": _oneof_data(reported.event)}
        if problem.planning_start is not None:
            # A planning start without an offset is in the plant's (unstated) zone: the MES
            # clock is taken as that zone's too.
            zone = UTC if problem.planning_start.tzinfo is not None else None
            moment = reported.time.ToDatetime(tzinfo=zone)
            try:
                item["at"] = max(0, math.ceil(problem.tick_of(moment) - 1e-9))
            except ValueError as error:
                violations.append(FieldViolation(f"{where}.time", str(error)))
                continue
        data.append(item)
    if violations:
        raise errors.invalid_argument(violations)
    try:
        return parse_entries(data)
    except PlanError as error:
        raise errors.invalid_argument(_proto_fields(error.violations, events)) from None


def _scenario(message: pb.Scenario) -> Scenario:
    missing = [
        FieldViolation(f"scenario.changes[{i}]", "required: one kind must be set")
        for i, change in enumerate(message.changes)
        if change.WhichOneof("kind") is None
    ]
    if missing:
        raise errors.invalid_argument(missing)
    data = {"name": message.name, "changes": [_oneof_data(c) for c in message.changes]}
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise errors.invalid_argument(convert.prefixed(violations_of(error), "scenario")) from None


def _oneof_data(message: Message) -> dict[str, Any]:
    """An Event or Change as the events or scenarios file writes it: {"kind": member, fields}.

    Fields with explicit presence are copied only when set (absent ones keep the model's
    default, None where the model has no other); a `*_time` twin stands for its tick field.
    """
    kind = message.WhichOneof("kind")
    member = getattr(message, kind)
    data: dict[str, Any] = {"kind": kind}
    for field in member.DESCRIPTOR.fields:
        name = field.name
        if name.endswith("_time"):
            if member.HasField(name):
                data[name.removesuffix("_time")] = getattr(member, name).ToDatetime(tzinfo=UTC)
            continue
        if field.has_presence and not member.HasField(name):
            if field.message_type is None and name in ("due", "deadline"):
                data[name] = None  # absent: the order has none any more
            continue
        value = getattr(member, name)
        if name == "order":
            value = convert._order_data(value)
        elif name == "shift":
            value = {"days": list(value.days), "start": value.start, "end": value.end}
        data.setdefault(name, value)
    return data


_EVENT_FIELD = re.compile(r"^events\[(\d+)\](?:\.(.*))?$")


def _proto_fields(
    violations: Sequence[FieldViolation], events: Sequence[pb.ReportedEvent]
) -> list[FieldViolation]:
    """Domain field paths (`events[i].machine_id`) as the request's (`events[i].event.
    machine_breakdown.machine_id`)."""
    renamed = []
    for v in violations:
        match = _EVENT_FIELD.match(v.field)
        if match is None or int(match.group(1)) >= len(events):
            renamed.append(v)
            continue
        i, rest = int(match.group(1)), match.group(2) or ""
        kind = events[i].event.WhichOneof("kind")
        if rest == "id":
            field = f"events[{i}].event_id"
        elif rest == "at":
            field = f"events[{i}].time"
        elif rest.startswith("event.") or rest.startswith("scenario.") or not kind:
            field = f"events[{i}].{rest}".rstrip(".")
        else:
            field = f"events[{i}].event.{kind}" + (f".{rest}" if rest else "")
        renamed.append(FieldViolation(field, v.reason))
    return renamed


@contextmanager
def _plan_errors(events: Sequence[pb.ReportedEvent]) -> Iterator[None]:
    """Domain errors of a report or promotion as statuses with the request's field paths."""
    try:
        yield
    except PlanError as error:
        violations = _proto_fields(error.violations, events)
        raise errors.invalid_argument(
            [
                FieldViolation(v.field.replace("events[0].scenario.", "scenario.", 1), v.reason)
                for v in violations
            ]
        ) from None
    except PlanNotFound as error:
        raise errors.not_found("plan", str(error.args[0])) from None


def _revision_message(revision: Revision) -> pb.PlanRevision:
    problem = revision.problem
    message = pb.PlanRevision(
        revision=revision.number,
        result=convert.result_to_proto(problem, revision.solve_result()),
        event_ids=[a for a in revision.answers if not a.startswith("scenario:")],
        now=revision.now,
        cause=revision.cause,
    )
    created = Timestamp()
    created.FromNanoseconds(int(revision.created_at * 1e9))
    message.create_time.CopyFrom(created)
    if revision.number > 1:
        message.diff.CopyFrom(_diff_message(revision.diff))
    return message


def _diff_message(diff: dict[str, Any]) -> pb.PlanDiff:
    def ref(key: list[str]) -> pb.OperationRef:
        return pb.OperationRef(order_id=key[0], operation_id=key[1])

    message = pb.PlanDiff(
        counts=pb.PlanDiffCounts(**diff["counts"]),
        unchanged=[ref(n) for n in diff["unchanged"]],
        added=[ref(n) for n in diff["added"]],
        dropped=[ref(n) for n in diff["dropped"]],
        became_late=diff["became_late"],
        became_on_time=diff["became_on_time"],
    )
    for moved in diff["moved"]:
        message.moved.add(operation=ref(moved["operation"]), by=moved["by"])
    for change in diff["reassigned"]:
        message.reassigned.add(
            operation=ref(change["operation"]),
            from_machine_id=change["from"],
            to_machine_id=change["to"],
        )
    return message


__all__ = ["PLAN_RPCS", "PlanService", "slotted"]
