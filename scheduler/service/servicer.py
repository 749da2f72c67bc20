"""The thin RPC layer of `scheduler.v1.SchedulerService`.

Each handler converts its request (`convert`), checks it against the server's caps (`limits`),
calls the domain (`solve`, the job store, the job runner) and converts the answer back. Every call
goes through one wrapper that assigns a request id, logs one structured line, counts it in the
metrics and turns exceptions into rich statuses (`errors`): only bugs become INTERNAL.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from scheduler.params import SolveParams
from scheduler.planning.changes import ScenarioFile
from scheduler.planning.live import PlanRunner
from scheduler.planning.reschedule import Prepared, RescheduleError, diff, prepare
from scheduler.planning.whatif import BASE, compare
from scheduler.problem import MAX_ID_LENGTH, FieldViolation, InvalidProblem, Problem
from scheduler.result import Progress, SolveResult
from scheduler.schedule import Schedule
from scheduler.service import convert, convert_planning, errors
from scheduler.service.auth import TokenAuthenticator, caller, principal
from scheduler.service.convert import pb
from scheduler.service.jobs import JobRunner, SolveFn
from scheduler.service.limits import (
    DeadlineTooShort,
    Gate,
    ServiceLimits,
    SolveSlots,
    applied_violations,
    check_problem,
    solve_params,
)
from scheduler.service.metrics import Metrics
from scheduler.service.plans import PLAN_RPCS, PlanService
from scheduler.stop import Deadline, StopToken
from scheduler.store import (
    MAX_PAGE_SIZE,
    MAX_REQUEST_ID_LENGTH,
    InvalidPageToken,
    Job,
    JobNotFinished,
    JobNotFound,
    JobState,
    JobStore,
    RequestIdConflict,
)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["SchedulerService"].full_name
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
WATCH_WAKE_SECONDS = 1.0
"""How often an idle watcher checks that its caller is still there (no store read)."""
WATCH_RETRY_SECONDS = 5.0
WATCH_MIN_INTERVAL = 0.1
"""Least seconds between two reads by one watcher: a burst of improvements becomes one message."""
MAX_JOB_ID_LENGTH = MAX_ID_LENGTH
"""Job ids are 32 hex digits; anything past the longest id of the API is refused unread."""
MAX_PAGE_TOKEN_LENGTH = 128
MAX_SCENARIOS = 64
"""Most scenarios one comparison solves (each one is a solve of the whole problem)."""
DEFAULT_STABILITY = pb.StabilityPolicy(weight=1)
"""A Reschedule without a stability policy: as the CLI's default, weight 1 and no freeze."""

log = logging.getLogger("scheduler.service")


@dataclass(frozen=True, slots=True)
class Call:
    """What the wrapper knows about one call, passed to its handler."""

    method: str
    request_id: str
    caller: str
    """For logs: the principal, else the peer address."""
    principal: str
    """Who is authenticated ("" for nobody); owns the jobs it creates."""


class _Undecodable:
    """Stands for a request whose bytes are not a valid message (answered INVALID_ARGUMENT)."""

    def __init__(self, error: str) -> None:
        self.error = error


class SchedulerServicer:
    """Handlers of every RPC; `handler()` registers them with a grpc server."""

    def __init__(
        self,
        *,
        store: JobStore,
        runner: JobRunner,
        limits: ServiceLimits,
        slots: SolveSlots,
        solve_fn: SolveFn,
        metrics: Metrics,
        tokens: TokenAuthenticator | None = None,
        admins: frozenset[str] = frozenset(),
        plan_runner: PlanRunner | None = None,
    ) -> None:
        self._store, self._runner, self._limits = store, runner, limits
        self._slots, self._solve_fn, self._metrics = slots, solve_fn, metrics
        self._tokens, self._admins = tokens, admins
        self._closing = threading.Event()
        self._watchers = Gate(limits.max_watchers)
        self._inflight: set[StopToken] = set()
        self._inflight_lock = threading.Lock()
        if plan_runner is not None:
            # The live-plan RPCs live in service/plans.py; they share the watch-stream cap.
            plans = PlanService(
                plan_runner, limits, admins=admins, closing=self._closing, watchers=self._watchers
            )
            for name in PLAN_RPCS:
                setattr(self, name, getattr(plans, name))

    @property
    def watchers(self) -> int:
        return self._watchers.inside

    def close(self) -> None:
        """Refuse new solves, stop running ones (each still answers with its best schedule so
        far) and end watch streams: the server is shutting down."""
        self._closing.set()
        with self._inflight_lock:
            running = list(self._inflight)
        for stop in running:
            stop.stop()
        self._store.changes.close()

    @contextmanager
    def _stoppable(self, context: grpc.ServicerContext) -> Iterator[StopToken]:
        """The stop token of one synchronous search: set when the call ends or the server stops."""
        stop = StopToken()
        # Fires when the call ends for any reason: cancelled, disconnected, deadline expired.
        context.add_callback(stop.stop)
        with self._inflight_lock:
            self._inflight.add(stop)
        if self._closing.is_set() or not context.is_active():
            stop.stop()
        try:
            yield stop
        finally:
            with self._inflight_lock:
                self._inflight.discard(stop)

    # -- registration and the per-call wrapper

    def handler(self) -> grpc.GenericRpcHandler:
        service = pb.DESCRIPTOR.services_by_name["SchedulerService"]
        handlers = {}
        for method in service.methods:
            request_type = getattr(pb, method.input_type.name)
            response_type = getattr(pb, method.output_type.name)
            # An RPC of the API this server does not build yet answers UNIMPLEMENTED.
            function = getattr(self, _snake(method.name), _unimplemented)
            make = (
                grpc.unary_stream_rpc_method_handler
                if method.server_streaming
                else grpc.unary_unary_rpc_method_handler
            )
            wrap = self._wrap_stream if method.server_streaming else self._wrap_unary
            handlers[method.name] = make(
                wrap(method.name, function),
                request_deserializer=_deserializer(request_type),
                response_serializer=response_type.SerializeToString,
            )
        return grpc.method_handlers_generic_handler(SERVICE_NAME, handlers)

    def _begin(self, method: str, context: grpc.ServicerContext) -> Call:
        request_id = ""
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID_HEADER and isinstance(value, str) and _REQUEST_ID.match(value):
                request_id = value
        request_id = request_id or uuid.uuid4().hex[:16]
        context.send_initial_metadata(((REQUEST_ID_HEADER, request_id),))
        who = principal(context, self._tokens)
        return Call(method, request_id, who or caller(context, None), who)

    def _fail(self, call: Call, error: BaseException, context: grpc.ServicerContext) -> None:
        """Abort the call with the status for `error` (abort raises)."""
        service_error = _service_error(error)
        if service_error is None:
            log.error(
                "unexpected error",
                exc_info=error,
                extra={"request_id": call.request_id, "method": call.method},
            )
            service_error = errors.internal(call.request_id)
        context.abort_with_status(service_error.to_grpc())

    def _finish(self, call: Call, started: float, code: str, context: grpc.ServicerContext) -> None:
        seconds = time.perf_counter() - started
        self._metrics.observe_call(call.method, code, seconds)
        log.info(
            "%s %s in %.1f ms",
            call.method,
            code,
            seconds * 1000,
            extra={
                "request_id": call.request_id,
                "method": call.method,
                "caller": call.caller,
                "code": code,
                "duration_ms": round(seconds * 1000, 3),
            },
        )

    def _wrap_unary(self, method: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            call = self._begin(method, context)
            code = "UNKNOWN"
            try:
                _check_decoded(request)
                response = function(request, context, call)
                code = "OK"
                return response
            except Exception as error:
                code = _code_name(error)
                self._fail(call, error, context)
            finally:
                if not context.is_active() and code == "OK":
                    code = "CANCELLED"
                self._finish(call, started, code, context)

        return handle

    def _wrap_stream(self, method: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started = time.perf_counter()
            call = self._begin(method, context)
            code = "CANCELLED"
            try:
                _check_decoded(request)
                yield from function(request, context, call)
                code = "OK"
            except Exception as error:
                code = _code_name(error)
                self._fail(call, error, context)
            finally:
                self._finish(call, started, code, context)

        return handle

    # -- admission: validation, caps, a solve slot

    def _admit_problem(self, request: Any) -> tuple[Problem | None, list[FieldViolation]]:
        if not request.HasField("problem"):
            return None, [FieldViolation("problem", "required")]
        try:
            return check_problem(request.problem, self._limits), []
        except InvalidProblem as error:
            return None, convert.prefixed(error.violations, "problem")

    def _admit(
        self,
        request: Any,
        context: grpc.ServicerContext | None,
        parameters: pb.SolveParameters | None = None,
    ) -> tuple[Problem, SolveParams]:
        """The request's problem and parameters (`parameters`, with paths relative to the
        request, when it has no `parameters` field); INVALID_ARGUMENT naming every fault."""
        if self._closing.is_set():
            raise errors.unavailable("the server is shutting down; retry on another replica")
        problem, violations = self._admit_problem(request)
        remaining = context.time_remaining() if context is not None else None
        params = None
        try:
            params = solve_params(
                request.parameters if parameters is None else parameters,
                self._limits,
                remaining=remaining,
            )
        except InvalidProblem as error:
            if parameters is None:
                violations += convert.prefixed(error.violations, "parameters")
            else:
                violations += error.violations
        except DeadlineTooShort as error:
            if not violations:
                raise errors.deadline_exceeded(str(error)) from None
        if violations or problem is None or params is None:
            raise errors.invalid_argument(violations)
        return problem, params

    def _slot(self, params: SolveParams) -> int:
        ticket = self._slots.try_acquire(params.time_limit)
        if ticket is None:
            raise errors.resource_exhausted(
                f"all {self._slots.total} solve slots are busy; retry later or create a job",
                retry_after=self._slots.retry_after(),
                reason="SOLVE_CAPACITY",
            )
        return ticket

    # -- RPCs

    def _search(
        self,
        problem: Problem,
        params: SolveParams,
        arrived: float,
        context: grpc.ServicerContext,
        **kwargs: Any,
    ) -> SolveResult:
        """One synchronous search in a solve slot, stopped when the call ends."""
        ticket = self._slot(params)
        try:
            with self._stoppable(context) as stop:
                # The time limit counts from the request's arrival, its validation included.
                deadline = Deadline.since(arrived, params.time_limit, stop)
                result = self._solve_fn(problem, params, deadline=deadline, **kwargs)
        finally:
            self._slots.release(ticket)
        self._metrics.observe_solve(result.status.value)
        return result

    def solve(self, request: pb.SolveRequest, context: grpc.ServicerContext, call: Call) -> Any:
        arrived = time.monotonic()
        problem, params = self._admit(request, context)
        result = self._search(problem, params, arrived, context)
        return pb.SolveResponse(result=convert.result_to_proto(problem, result))

    def solve_stream(
        self, request: pb.SolveStreamRequest, context: grpc.ServicerContext, call: Call
    ) -> Iterator[Any]:
        arrived = time.monotonic()
        problem, params = self._admit(request, context)
        ticket = self._slot(params)
        with self._stoppable(context) as stop:
            deadline = Deadline.since(arrived, params.time_limit, stop)

            def work(put: Callable[[Any], None]) -> SolveResult:
                return self._solve_fn(problem, params, deadline=deadline, on_progress=put)

            for kind, item in self._streaming(work, ticket, stop, context, call):
                if kind == "progress":
                    progress: Progress = item
                    message = convert.progress_to_proto(progress)
                    if request.include_schedule and progress.schedule is not None:
                        message.schedule.CopyFrom(
                            convert.schedule_to_proto(problem, progress.schedule)
                        )
                    yield pb.SolveStreamResponse(progress=message)
                else:
                    result: SolveResult = item
                    self._metrics.observe_solve(result.status.value)
                    yield pb.SolveStreamResponse(result=convert.result_to_proto(problem, result))

    def _streaming(
        self,
        work: Callable[[Callable[[Any], None]], Any],
        ticket: int,
        stop: StopToken,
        context: grpc.ServicerContext,
        call: Call,
    ) -> Iterator[tuple[str, Any]]:
        """Run `work(put)` on a thread holding the slot `ticket`: ("progress", x) for each
        `put(x)`, then ("result", what it returned). Stops the work when the caller leaves."""
        events: queue.Queue[tuple[str, Any]] = queue.Queue()

        def run() -> None:
            try:
                events.put(("result", work(lambda item: events.put(("progress", item)))))
            except BaseException as error:
                events.put(("error", error))
            finally:
                # The search, not the stream, holds the slot: it is freed when it ends.
                self._slots.release(ticket)

        threading.Thread(target=run, name=f"solve-{call.request_id}", daemon=True).start()
        while True:
            try:
                kind, item = events.get(timeout=1.0)
            except queue.Empty:
                if not context.is_active():
                    stop.stop()
                    return
                continue
            if kind == "error":
                raise item
            yield kind, item
            if kind == "result":
                return

    def validate_problem(
        self, request: pb.ValidateProblemRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        _, violations = self._admit_problem(request)
        return pb.ValidateProblemResponse(
            valid=not violations, violations=convert.violations_to_proto(violations)
        )

    def create_schedule_job(
        self, request: pb.CreateScheduleJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        self._check_request_id(request)
        problem, _ = self._admit(request, None)
        job = self._create_job(request, problem.name, call)
        return pb.CreateScheduleJobResponse(job=job)

    def create_comparison_job(
        self, request: pb.CreateComparisonJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        self._check_request_id(request)
        base, *_ = self._admit_comparison(request, None)
        return pb.CreateComparisonJobResponse(job=self._create_job(request, base.name, call))

    def _check_request_id(self, request: convert.JobRequest) -> None:
        if len(request.request_id) > MAX_REQUEST_ID_LENGTH:
            raise errors.invalid_argument(
                [FieldViolation("request_id", f"at most {MAX_REQUEST_ID_LENGTH} characters")]
            )

    def _create_job(self, request: convert.JobRequest, name: str, call: Call) -> pb.ScheduleJob:
        """Persist a validated job request (its request id aside, so retries compare equal)."""
        if self._store.count(JobState.QUEUED) >= self._limits.max_queued_jobs:
            raise errors.resource_exhausted(
                f"{self._limits.max_queued_jobs} jobs are already queued",
                retry_after=self._limits.default_time_limit,
                reason="JOB_QUEUE_FULL",
            )
        payload = type(request)()
        payload.CopyFrom(request)
        payload.request_id = ""
        try:
            job, created = self._store.create(
                convert.job_request_bytes(payload),
                request_id=request.request_id,
                name=name,
                owner=call.principal,
            )
        except RequestIdConflict as error:
            raise errors.already_exists(
                str(error), request_id=error.request_id, job_id=error.job_id
            ) from None
        if created:
            self._runner.notify()
        return convert.job_to_proto(job)

    def _job_id(self, request: Any) -> str:
        if not request.job_id:
            raise errors.invalid_argument([FieldViolation("job_id", "required")])
        if len(request.job_id) > MAX_JOB_ID_LENGTH:
            raise errors.invalid_argument(
                [FieldViolation("job_id", f"at most {MAX_JOB_ID_LENGTH} characters")]
            )
        return str(request.job_id)

    def _owned(self, job_id: str, call: Call) -> Job:
        """The job, when the caller owns it or is an admin; another's job is NOT_FOUND (saying
        it exists would already tell too much)."""
        job = self._store.get(job_id)
        if job.owner != call.principal and call.principal not in self._admins:
            raise JobNotFound(job_id)
        return job

    def get_schedule_job(
        self, request: pb.GetScheduleJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        full = _full_view(request.view, plan=True)
        job = self._owned(self._job_id(request), call)
        message = _job_message(job, full=full)
        if request.view == pb.SCHEDULE_JOB_VIEW_PLAN:
            message.problem.CopyFrom(convert.job_request(job.request).problem)
        return pb.GetScheduleJobResponse(job=message)

    def list_schedule_jobs(
        self, request: pb.ListScheduleJobsRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        violations = []
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            violations.append(FieldViolation("page_size", f"must be 0 to {MAX_PAGE_SIZE}"))
        if len(request.page_token) > MAX_PAGE_TOKEN_LENGTH:
            violations.append(
                FieldViolation("page_token", f"at most {MAX_PAGE_TOKEN_LENGTH} characters")
            )
        state = None
        try:
            state = convert.job_state_from_proto(request.state)
        except ValueError as error:
            violations.append(FieldViolation("state", str(error)))
        if violations:
            raise errors.invalid_argument(violations)
        try:
            jobs, token = self._store.list_jobs(
                state=state,
                owner=None if call.principal in self._admins else call.principal,
                page_size=request.page_size or 50,
                page_token=request.page_token,
            )
        except InvalidPageToken as error:
            raise errors.invalid_argument([FieldViolation("page_token", str(error))]) from None
        return pb.ListScheduleJobsResponse(
            jobs=[convert.job_to_proto(job, with_result=False) for job in jobs],
            next_page_token=token,
        )

    def cancel_schedule_job(
        self, request: pb.CancelScheduleJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        job = self._runner.cancel(self._owned(self._job_id(request), call).id)
        return pb.CancelScheduleJobResponse(job=convert.job_to_proto(job))

    def delete_schedule_job(
        self, request: pb.DeleteScheduleJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        self._store.delete(self._owned(self._job_id(request), call).id)
        return pb.DeleteScheduleJobResponse()

    def watch_schedule_job(
        self, request: pb.WatchScheduleJobRequest, context: grpc.ServicerContext, call: Call
    ) -> Iterator[Any]:
        full = _full_view(request.view)
        job_id = self._owned(self._job_id(request), call).id
        if not self._watchers.enter():
            raise errors.resource_exhausted(
                f"all {self._watchers.capacity} watch streams are open; retry later or poll "
                "GetScheduleJob",
                retry_after=WATCH_RETRY_SECONDS,
                reason="WATCH_CAPACITY",
            )
        try:
            with self._store.changes.watching(job_id):
                yield from self._watch(job_id, context, full=full)
        finally:
            self._watchers.leave()

    def _watch(self, job_id: str, context: grpc.ServicerContext, *, full: bool) -> Iterator[Any]:
        """The job on each change: one store read per change notice, none while nothing changes."""
        changes = self._store.changes
        seen = changes.version(job_id)
        job = self._store.get(job_id)
        last: tuple[object, ...] | None = None
        while True:
            shown = (job.state, job.updated_at, job.progress)
            if shown != last:
                last = shown
                message = _job_message(job, full=full, with_result=job.state.terminal)
                yield pb.WatchScheduleJobResponse(job=message)
                if job.state.terminal:
                    return
            while True:
                version = changes.wait(job_id, seen, WATCH_WAKE_SECONDS)
                if self._closing.is_set():
                    raise errors.unavailable("the server is shutting down; watch again to resume")
                if not context.is_active():
                    return
                if version != seen:
                    break
            if self._closing.wait(WATCH_MIN_INTERVAL):
                raise errors.unavailable("the server is shutting down; watch again to resume")
            seen = changes.version(job_id)
            job = self._store.get(job_id)

    # -- The planning loop: what-if comparisons and rescheduling

    def compare_scenarios(
        self, request: pb.CompareScenariosRequest, context: grpc.ServicerContext, call: Call
    ) -> Iterator[Any]:
        arrived = time.monotonic()
        base, scenarios, problems, params = self._admit_comparison(request, context)
        ticket = self._slot(params)
        solutions: Counter[str] = Counter()
        with self._stoppable(context) as stop:
            deadline = Deadline.since(arrived, params.time_limit, stop)

            def work(put: Callable[[Any], None]) -> dict[str, Any]:
                # The comparison stops itself at its budget's end, and at the call's stop.
                return compare(
                    base,
                    scenarios,
                    deadline.remaining(),
                    cores=self._limits.workers_per_solve,
                    stop=deadline.stop,
                    on_progress=lambda name, event: put((name, event)),
                )

            for kind, item in self._streaming(work, ticket, stop, context, call):
                if kind == "progress":
                    name, event = item
                    solutions[name] += 1
                    yield convert_planning.scenario_progress(name, event, solutions[name])
                else:
                    comparison = convert_planning.comparison_to_proto(item, problems)
                    yield pb.CompareScenariosResponse(comparison=comparison)

    def _admit_comparison(
        self,
        request: pb.CompareScenariosRequest | pb.CreateComparisonJobRequest,
        context: grpc.ServicerContext | None,
    ) -> tuple[Problem, ScenarioFile, dict[str, Problem], SolveParams]:
        """The base, the scenarios, every problem by name (the base's as BASE) and the budget."""
        if len(request.scenarios) > MAX_SCENARIOS:
            raise errors.invalid_argument(
                [FieldViolation("scenarios", f"at most {MAX_SCENARIOS} scenarios per comparison")]
            )
        budget = convert_planning.budget(request)
        base, params = self._admit(request, context, budget)
        scenarios, problems = convert_planning.scenarios_from_proto(base, request.scenarios)
        violations = [
            v
            for k, problem in enumerate(problems.values())
            for v in applied_violations(problem, self._limits, f"scenarios[{k}].changes")
        ]
        if violations:
            raise errors.invalid_argument(violations)
        return base, scenarios, {BASE: base, **problems}, params

    def reschedule(
        self, request: pb.RescheduleRequest, context: grpc.ServicerContext, call: Call
    ) -> Any:
        arrived = time.monotonic()
        problem, params = self._admit(request, context)
        released, prepared = self._admit_replan(problem, request)
        result = self._search(prepared.problem, params, arrived, context, pins=prepared.pins)
        response = pb.RescheduleResponse(result=convert.result_to_proto(prepared.problem, result))
        if result.schedule is not None:
            changes = diff(problem, released, prepared.problem, result.schedule)
            response.diff.CopyFrom(
                convert_planning.diff_to_proto(changes, problem, prepared.problem)
            )
        return response

    def _admit_replan(
        self, problem: Problem, request: pb.RescheduleRequest
    ) -> tuple[Schedule, Prepared]:
        """The released plan, the events and the state they give; INVALID_ARGUMENT naming the
        event or field at fault (nothing is applied unless all of it is valid)."""
        violations: list[FieldViolation] = []
        released = events = None
        if not request.HasField("plan"):
            violations.append(FieldViolation("plan", "required: the released schedule"))
        else:
            try:
                released = convert_planning.released_from_proto(problem, request.plan)
            except InvalidProblem as error:
                violations += error.violations
        try:
            events = convert_planning.events_from_proto(request.events)
        except InvalidProblem as error:
            violations += error.violations
        policy = request.stability if request.HasField("stability") else DEFAULT_STABILITY
        if policy.weight < 0:
            violations.append(FieldViolation("stability.weight", "must not be negative"))
        if request.HasField("now") and request.now < 0:
            violations.append(FieldViolation("now", "must not be negative"))
        try:
            freeze = convert_planning.freeze_ticks(problem, policy)
        except InvalidProblem as error:
            violations += error.violations
        if violations or released is None or events is None:
            raise errors.invalid_argument(violations)
        now = request.now if request.HasField("now") else None
        try:
            prepared = prepare(
                problem, released, events, now=now, freeze=freeze, weight=policy.weight
            )
        except RescheduleError as error:
            raise errors.invalid_argument(
                convert_planning.request_paths(error.violations)
            ) from None
        return released, prepared


def _unimplemented(request: Any, context: grpc.ServicerContext, call: Call) -> Any:
    raise errors.unimplemented(call.method)


def _full_view(view: int, *, plan: bool = False) -> bool:
    """Whether a read asks for the best schedule (SCHEDULE_JOB_VIEW_FULL, or _PLAN where `plan`
    is allowed); INVALID_ARGUMENT for an unknown view."""
    allowed = set(pb.ScheduleJobView.values())
    if not plan:
        allowed.discard(pb.SCHEDULE_JOB_VIEW_PLAN)
    if view not in allowed:
        raise errors.invalid_argument([FieldViolation("view", f"unknown view {view}")])
    return view in (pb.SCHEDULE_JOB_VIEW_FULL, pb.SCHEDULE_JOB_VIEW_PLAN)


def _job_message(job: Job, *, full: bool, with_result: bool = True) -> pb.ScheduleJob:
    """The job; in the full view, also the best schedule of a job not yet finished."""
    message = convert.job_to_proto(job, with_result=with_result)
    if full and not job.state.terminal and job.snapshot is not None:
        message.best_schedule.ParseFromString(job.snapshot)
    return message


def _service_error(error: BaseException) -> errors.ServiceError | None:
    """The status for an expected error; None for a bug."""
    if isinstance(error, errors.ServiceError):
        return error
    if isinstance(error, JobNotFound):
        return errors.not_found("job", error.job_id)
    if isinstance(error, InvalidProblem):
        return errors.invalid_argument(error.violations)
    if isinstance(error, JobNotFinished):
        return errors.failed_precondition(str(error), reason="JOB_NOT_FINISHED")
    if isinstance(error, RequestIdConflict):
        return errors.already_exists(str(error), request_id=error.request_id, job_id=error.job_id)
    return None


def _code_name(error: BaseException) -> str:
    service_error = _service_error(error)
    return "INTERNAL" if service_error is None else service_error.code.name


def _check_decoded(request: Any) -> None:
    if isinstance(request, _Undecodable):
        raise errors.invalid_argument(
            [FieldViolation("", f"the request is not a valid message: {request.error}")],
            reason="MALFORMED_REQUEST",
        )


def _deserializer(message_type: Any) -> Callable[[bytes], Any]:
    def deserialize(data: bytes) -> Any:
        try:
            return message_type.FromString(data)
        except (DecodeError, ValueError, RuntimeError) as error:
            return _Undecodable(str(error)[:200])

    return deserialize


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


__all__ = ["REQUEST_ID_HEADER", "SERVICE_NAME", "Call", "SchedulerServicer"]
