"""The live-plan RPCs: CreatePlan, GetPlan, ReportEvents, WatchPlan, PromoteScenario, PromiseOrder.

Thin like the servicer that delegates to it: requests become `planning.live` entries and specs,
revisions become `PlanRevision` messages; the `PlanRunner` does the work. A plan belongs to its
creator like a job does (another caller's plan is NOT_FOUND, admins see every plan).
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
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import ValidationError

from scheduler.params import SolveParams
from scheduler.planning.changes import Scenario
from scheduler.planning.live import (
    LogEntry,
    PlanBusy,
    PlanError,
    PlanRunner,
    PlanSpec,
    PlanView,
    Revision,
    SolveFn,
    StabilityPolicy,
)
from scheduler.planstore import MAX_ID_LENGTH, EntryConflict, PlanNotFound
from scheduler.problem import FieldViolation, InvalidProblem, Order, Problem, violations_of
from scheduler.result import SolveResult
from scheduler.service import convert, errors
from scheduler.service.convert import pb
from scheduler.service.convert_planning import (
    events_from_proto,
    freeze_ticks,
    scenarios_from_proto,
)
from scheduler.service.limits import (
    Gate,
    ServiceLimits,
    SolveSlots,
    applied_violations,
    check_problem,
    solve_params,
)

PLAN_RPCS = (
    "create_plan",
    "get_plan",
    "report_events",
    "watch_plan",
    "promote_scenario",
    "promise_order",
)
"""The servicer's handlers this module provides."""
ANSWER_MARGIN = 5.0
"""Seconds beyond a plan's time limit that CreatePlan and PromoteScenario wait for the revision
(the replan may wait for a solve slot; then the call returns the plan as it is)."""
WATCH_WAKE_SECONDS = 0.5
"""How often an idle WatchPlan checks that its caller is still there: a cancel ends it within
about this long."""
MAX_PROMOTION_WAIT = 600.0
"""Most seconds PromoteScenario waits for its revision, whatever the plan's time limit."""


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
            revision = self._runner.revision(view.id, request.revision)
            if revision is None:
                raise errors.not_found("plan revision", f"{view.id}/{request.revision}")
        return pb.GetPlanResponse(plan=self._plan_message(view, revision))

    def report_events(
        self, request: pb.ReportEventsRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.ReportEventsResponse:
        view = self._owned(_plan_id(request.plan_id), call)
        if not request.events:
            raise _invalid("events", "at least one event is required")
        problem = view.revision.problem if view.revision else view.spec.problem
        entries = _entries(request.events, problem)
        with _plan_errors():
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
                    for stored in self._runner.store.revisions(plan_id, after=seen):
                        # One at a time: a plant's revision parses its whole problem.
                        revision = Revision.load(stored)
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
        scenario = _scenario(
            request.scenario,
            view.revision.problem if view.revision else view.spec.problem,
            self._limits,
        )
        entry_id = f"scenario:{uuid.uuid4().hex}"
        with _plan_errors():
            self._runner.promote(view.id, entry_id, scenario)
        wait = min(MAX_PROMOTION_WAIT, view.spec.parameters.time_limit + ANSWER_MARGIN)
        revision = self._runner.wait_answered(view.id, entry_id, wait)
        if revision is None:
            error = self._runner.view(view.id).error
            if not self._runner.store.find_entries(view.id, [entry_id]):
                raise errors.failed_precondition(
                    f"the scenario was not applied: {error}", reason="PROMOTION_FAILED"
                )
            raise errors.failed_precondition(
                "the scenario is accepted but no revision answers it yet: "
                + (error or "the replan did not finish in time"),
                reason="REPLAN_PENDING",
            )
        return pb.PromoteScenarioResponse(revision=_revision_message(revision))

    def promise_order(
        self, request: pb.PromiseOrderRequest, context: grpc.ServicerContext, call: Any
    ) -> pb.PromiseOrderResponse:
        view = self._owned(_plan_id(request.plan_id), call)
        if not request.HasField("order"):
            raise _invalid("order", "required")
        try:
            order = Order.model_validate(convert.order_data(request.order))
        except ValidationError as error:
            raise errors.invalid_argument(convert.prefixed(violations_of(error), "order")) from None
        try:
            answer, revision = self._runner.promise_order(view.id, order, accept=request.accept)
        except PlanBusy as busy:
            raise errors.failed_precondition(str(busy), reason="PLAN_CHANGING") from None
        except PlanError as error:
            raise errors.invalid_argument(error.violations) from None
        if answer.completion is None or revision is None:
            raise errors.failed_precondition(
                f"cannot promise order {order.id!r}: {answer.reason}", reason="CANNOT_PROMISE"
            )
        response = pb.PromiseOrderResponse(
            completion_tick=answer.completion, revision=_revision_message(revision)
        )
        moment = convert._timestamp(answer.problem, answer.completion)
        if moment is not None:
            response.completion_time.CopyFrom(moment)
        return response

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
    try:
        freeze = freeze_ticks(problem, stability)
    except InvalidProblem as error:
        raise errors.invalid_argument(error.violations) from None
    return StabilityPolicy(freeze=freeze, weight=stability.weight)


def _entries(reported: Sequence[pb.ReportedEvent], problem: Problem) -> list[LogEntry]:
    """The reported events as log entries, validated like an events file; the MES time becomes
    the tick `at` (rounded up) when the problem has a planning start, else it is only required.
    Paths are the request's: `events[1].event.machine_id`, `events[1].event_id`."""
    violations = [
        FieldViolation(f"events[{i}].time", "required")
        for i, r in enumerate(reported)
        if not r.HasField("time")
    ]
    try:
        events = events_from_proto([r.event for r in reported]).events
    except InvalidProblem as error:
        raise errors.invalid_argument(violations + _request_paths(error.violations)) from None
    entries = []
    for i, (r, event) in enumerate(zip(reported, events, strict=True)):
        at = None
        if problem.planning_start is not None and r.HasField("time"):
            # A planning start without an offset is in the plant's (unstated) zone: the MES
            # clock is taken as that zone's too.
            zone = UTC if problem.planning_start.tzinfo is not None else None
            try:
                at = max(0, math.ceil(problem.tick_of(r.time.ToDatetime(tzinfo=zone)) - 1e-9))
            except ValueError as error:
                violations.append(FieldViolation(f"events[{i}].time", str(error)))
        try:
            entries.append(LogEntry(id=r.event_id, at=at, event=event))
        except ValidationError as error:
            violations += [
                FieldViolation(f"events[{i}].event_id", v.reason) for v in violations_of(error)
            ]
    if violations:
        raise errors.invalid_argument(violations)
    return entries


def _scenario(message: pb.Scenario, problem: Problem, limits: ServiceLimits) -> Scenario:
    """The scenario, validated and tried on the released problem (unknown ids are refused here,
    naming `scenario.changes[0].machine_id`, and so is a problem past the size caps)."""
    try:
        parsed, applied = scenarios_from_proto(problem, [message])
    except InvalidProblem as error:
        raise errors.invalid_argument(
            [
                FieldViolation(v.field.replace("scenarios[0]", "scenario", 1), v.reason)
                for v in error.violations
            ]
        ) from None
    violations = [
        v for scenario in applied.values() for v in applied_violations(scenario, limits, "scenario")
    ]
    if violations:
        raise errors.invalid_argument(violations)
    return parsed.scenarios[0]


_EVENT_FIELD = re.compile(r"^events\[(\d+)\](?:\.(.*))?$")
_RENAMED = {"id": "event_id", "at": "time"}


def _request_paths(violations: Sequence[FieldViolation]) -> list[FieldViolation]:
    """Domain paths (`events[1].machine_id`, `events[1].id`) as the request's
    (`events[1].event.machine_id`, `events[1].event_id`); a promoted scenario's are `scenario.`."""
    renamed = []
    for v in violations:
        field = v.field.replace("events[0].scenario.", "scenario.", 1)
        match = _EVENT_FIELD.match(field)
        if match is not None:
            i, rest = match.group(1), match.group(2) or ""
            if rest in _RENAMED:
                field = f"events[{i}].{_RENAMED[rest]}"
            elif not rest.startswith("event"):
                field = f"events[{i}].event" + (f".{rest}" if rest else "")
        renamed.append(FieldViolation(field, v.reason))
    return renamed


@contextmanager
def _plan_errors() -> Iterator[None]:
    """Domain errors of a report or promotion as statuses with the request's field paths."""
    try:
        yield
    except PlanError as error:
        raise errors.invalid_argument(_request_paths(error.violations)) from None
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
