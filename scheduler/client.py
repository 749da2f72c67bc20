"""A small typed client of `scheduler.v1.SchedulerService`.

    with SchedulerClient("127.0.0.1:50051") as client:
        result = client.solve(problem, SolveParams(time_limit=5))
        for event in client.solve_stream(problem):
            ...

Problems and parameters may be given as domain objects or as proto messages; answers are proto
messages (`scheduler.service.convert.result_from_proto` turns a result into the domain's). Errors
are raised as `SchedulerError`, with the field violations and retry delay of the rich status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from scheduler.params import SolveParams
from scheduler.planning.changes import ScenarioFile
from scheduler.problem import FieldViolation, Problem
from scheduler.result import Progress, SolveResult
from scheduler.schedule import Schedule
from scheduler.service import convert
from scheduler.service.convert import pb, pb_grpc
from scheduler.service.convert_planning import scenarios_to_proto

REQUEST_ID_HEADER = "x-request-id"


@dataclass
class SchedulerError(Exception):
    """A failed call, with what its rich status says."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    violations: list[FieldViolation] = field(default_factory=list)
    retry_after: float | None = None
    """Seconds the server asks to wait before retrying (RESOURCE_EXHAUSTED)."""

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    @staticmethod
    def from_rpc_error(error: grpc.RpcError) -> SchedulerError:
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        result = SchedulerError(code, details or "")
        status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
        for detail in status.details if status is not None else ():
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                result.violations += [
                    FieldViolation(v.field, v.description) for v in bad.field_violations
                ]
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                info = error_details_pb2.RetryInfo()
                detail.Unpack(info)
                delay = info.retry_delay
                result.retry_after = delay.seconds + delay.nanos / 1e9
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                error_info = error_details_pb2.ErrorInfo()
                detail.Unpack(error_info)
                result.reason = error_info.reason
        return result


ProblemLike = Problem | pb.Problem
ParamsLike = SolveParams | pb.SolveParameters | None
ScenariosLike = ScenarioFile | Sequence[pb.Scenario]


def _problem(problem: ProblemLike) -> pb.Problem:
    return convert.problem_to_proto(problem) if isinstance(problem, Problem) else problem


def _params(params: ParamsLike) -> pb.SolveParameters | None:
    if params is None:
        return None
    return convert.params_to_proto(params) if isinstance(params, SolveParams) else params


def _view(full: bool, plan: bool = False) -> pb.ScheduleJobView:
    if plan:
        return pb.SCHEDULE_JOB_VIEW_PLAN
    return pb.SCHEDULE_JOB_VIEW_FULL if full else pb.SCHEDULE_JOB_VIEW_BASIC


class SchedulerClient:
    """One channel to a scheduler server. Thread-safe; close it (or use `with`) when done.

    `root_certificates` (PEM) turns TLS on; `client_certificate` is a (private key, certificate
    chain) PEM pair for mTLS; `token` is sent as `authorization: Bearer <token>`.
    """

    def __init__(
        self,
        address: str,
        *,
        root_certificates: bytes | None = None,
        client_certificate: tuple[bytes, bytes] | None = None,
        token: str | None = None,
        tls: bool | None = None,
        timeout: float | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.timeout = timeout
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )
        options = [("grpc.keepalive_time_ms", 120_000), *options]
        if tls or root_certificates is not None or client_certificate is not None:
            key, chain = client_certificate if client_certificate is not None else (None, None)
            credentials = grpc.ssl_channel_credentials(root_certificates, key, chain)
            self._channel = grpc.secure_channel(address, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(address, options=options)
        self._stub = pb_grpc.SchedulerServiceStub(self._channel)

    @staticmethod
    def with_tls_files(
        address: str,
        *,
        ca: Path,
        cert: Path | None = None,
        key: Path | None = None,
        token: str | None = None,
        timeout: float | None = None,
    ) -> SchedulerClient:
        pair = (key.read_bytes(), cert.read_bytes()) if cert and key else None
        return SchedulerClient(
            address,
            root_certificates=ca.read_bytes(),
            client_certificate=pair,
            token=token,
            timeout=timeout,
        )

    def __enter__(self) -> SchedulerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: Callable[..., Any], request: Any, timeout: float | None) -> Any:
        try:
            return method(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise SchedulerError.from_rpc_error(error) from None

    def _stream(self, method: Callable[..., Any], request: Any, timeout: float | None) -> Any:
        try:
            yield from method(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise SchedulerError.from_rpc_error(error) from None

    # -- solving

    def solve(
        self, problem: ProblemLike, params: ParamsLike = None, *, timeout: float | None = None
    ) -> pb.SolveResult:
        request = pb.SolveRequest(problem=_problem(problem), parameters=_params(params))
        return self._call(self._stub.Solve, request, timeout).result

    def solve_stream(
        self,
        problem: ProblemLike,
        params: ParamsLike = None,
        *,
        include_schedule: bool = False,
        timeout: float | None = None,
    ) -> Iterator[pb.SolveStreamResponse]:
        """Progress events (with their schedule when asked), then the result. Closing the
        iterator early cancels the solve."""
        request = pb.SolveStreamRequest(
            problem=_problem(problem),
            parameters=_params(params),
            include_schedule=include_schedule,
        )
        return self._stream(self._stub.SolveStream, request, timeout)

    def validate(
        self, problem: ProblemLike, *, timeout: float | None = None
    ) -> list[FieldViolation]:
        """Every violation of the problem (paths like `problem.orders[0].id`); empty when valid."""
        request = pb.ValidateProblemRequest(problem=_problem(problem))
        response = self._call(self._stub.ValidateProblem, request, timeout)
        return [FieldViolation(v.field, v.description) for v in response.violations]

    # -- jobs

    def create_job(
        self,
        problem: ProblemLike,
        params: ParamsLike = None,
        *,
        request_id: str = "",
        timeout: float | None = None,
    ) -> pb.ScheduleJob:
        request = pb.CreateScheduleJobRequest(
            request_id=request_id, problem=_problem(problem), parameters=_params(params)
        )
        return self._call(self._stub.CreateScheduleJob, request, timeout).job

    def get_job(
        self, job_id: str, *, full: bool = False, plan: bool = False, timeout: float | None = None
    ) -> pb.ScheduleJob:
        """The job; `full` adds the best schedule of a job still running, `plan` also its
        problem."""
        request = pb.GetScheduleJobRequest(job_id=job_id, view=_view(full, plan))
        return self._call(self._stub.GetScheduleJob, request, timeout).job

    def list_jobs(
        self,
        *,
        state: pb.JobState = pb.JOB_STATE_UNSPECIFIED,
        page_size: int = 0,
        page_token: str = "",
        timeout: float | None = None,
    ) -> tuple[list[pb.ScheduleJob], str]:
        """One page of jobs (newest first) and the next page's token ("" on the last page)."""
        request = pb.ListScheduleJobsRequest(
            state=state, page_size=page_size, page_token=page_token
        )
        response = self._call(self._stub.ListScheduleJobs, request, timeout)
        return list(response.jobs), response.next_page_token

    def cancel_job(self, job_id: str, *, timeout: float | None = None) -> pb.ScheduleJob:
        request = pb.CancelScheduleJobRequest(job_id=job_id)
        return self._call(self._stub.CancelScheduleJob, request, timeout).job

    def delete_job(self, job_id: str, *, timeout: float | None = None) -> None:
        """Delete a finished job (FAILED_PRECONDITION while it is queued or running)."""
        self._call(
            self._stub.DeleteScheduleJob, pb.DeleteScheduleJobRequest(job_id=job_id), timeout
        )

    def watch_job(
        self, job_id: str, *, full: bool = False, timeout: float | None = None
    ) -> Iterator[pb.ScheduleJob]:
        """The job on every change, until it is terminal (the last one carries the result);
        `full` adds the best schedule to each change."""
        request = pb.WatchScheduleJobRequest(job_id=job_id, view=_view(full))
        for response in self._stream(self._stub.WatchScheduleJob, request, timeout):
            yield response.job

    # -- planning: what-if, rescheduling, live plans

    def compare_scenarios(
        self,
        problem: ProblemLike,
        scenarios: ScenariosLike,
        *,
        time_limit: float | None = None,
        timeout: float | None = None,
    ) -> Iterator[pb.CompareScenariosResponse]:
        """Each scenario's progress, then the comparison; `time_limit` is the whole
        comparison's budget (the server's default when None). Closing the iterator early
        cancels it."""
        request = pb.CompareScenariosRequest(
            problem=_problem(problem),
            scenarios=_scenarios(scenarios),
            time_limit=_duration(time_limit),
        )
        return self._stream(self._stub.CompareScenarios, request, timeout)

    def create_comparison_job(
        self,
        problem: ProblemLike,
        scenarios: ScenariosLike,
        *,
        time_limit: float | None = None,
        request_id: str = "",
        timeout: float | None = None,
    ) -> pb.ScheduleJob:
        """A comparison as a durable job (kind JOB_KIND_COMPARISON): get, watch, cancel and
        delete it like any job; its report is in the finished job."""
        request = pb.CreateComparisonJobRequest(
            request_id=request_id,
            problem=_problem(problem),
            scenarios=_scenarios(scenarios),
            time_limit=_duration(time_limit),
        )
        return self._call(self._stub.CreateComparisonJob, request, timeout).job

    def reschedule(
        self,
        problem: ProblemLike,
        plan: pb.ReleasedPlan,
        events: Sequence[pb.Event],
        *,
        now: int | None = None,
        stability: pb.StabilityPolicy | None = None,
        params: ParamsLike = None,
        timeout: float | None = None,
    ) -> pb.RescheduleResponse:
        """The released `plan` replanned after `events` (the result and its diff)."""
        request = pb.RescheduleRequest(
            problem=_problem(problem),
            plan=plan,
            events=events,
            now=now,
            stability=stability,
            parameters=_params(params),
        )
        return self._call(self._stub.Reschedule, request, timeout)

    def create_plan(
        self,
        problem: ProblemLike,
        params: ParamsLike = None,
        *,
        stability: pb.StabilityPolicy | None = None,
        request_id: str = "",
        timeout: float | None = None,
    ) -> pb.Plan:
        """A live plan, with its first revision once planned (within the time limit)."""
        request = pb.CreatePlanRequest(
            request_id=request_id,
            problem=_problem(problem),
            parameters=_params(params),
            stability=stability,
        )
        return self._call(self._stub.CreatePlan, request, timeout).plan

    def get_plan(self, plan_id: str, *, revision: int = 0, timeout: float | None = None) -> pb.Plan:
        """The plan with its current revision, or with revision `revision` when kept."""
        request = pb.GetPlanRequest(plan_id=plan_id, revision=revision)
        return self._call(self._stub.GetPlan, request, timeout).plan

    def report_events(
        self, plan_id: str, events: Sequence[pb.ReportedEvent], *, timeout: float | None = None
    ) -> pb.ReportEventsResponse:
        """Shop-floor events for the next revision; idempotent per event id (a repeat is listed
        as a duplicate)."""
        request = pb.ReportEventsRequest(plan_id=plan_id, events=events)
        return self._call(self._stub.ReportEvents, request, timeout)

    def watch_plan(
        self, plan_id: str, *, after_revision: int = 0, timeout: float | None = None
    ) -> Iterator[pb.PlanRevision]:
        """Every revision numbered above `after_revision`, then each new one as it is released,
        until the iterator is closed or `timeout` passes."""
        request = pb.WatchPlanRequest(plan_id=plan_id, after_revision=after_revision)
        for response in self._stream(self._stub.WatchPlan, request, timeout):
            yield response.revision

    def promote_scenario(
        self,
        plan_id: str,
        scenario: pb.Scenario,
        *,
        base_revision: int = 0,
        timeout: float | None = None,
    ) -> pb.PlanRevision:
        """Make the scenario's changes real: the revision that answers them. With
        `base_revision` (the revision it was compared against), FAILED_PRECONDITION when the
        plan has moved on since."""
        request = pb.PromoteScenarioRequest(
            plan_id=plan_id, scenario=scenario, base_revision=base_revision
        )
        return self._call(self._stub.PromoteScenario, request, timeout).revision

    def promise_order(
        self, plan_id: str, order: pb.Order, *, accept: bool = False, timeout: float | None = None
    ) -> pb.PromiseOrderResponse:
        """The earliest completion of a new order that keeps every on-time order on time; with
        `accept`, the promised plan becomes the next revision."""
        request = pb.PromiseOrderRequest(plan_id=plan_id, order=order, accept=accept)
        return self._call(self._stub.PromiseOrder, request, timeout)


def _scenarios(scenarios: ScenariosLike) -> list[pb.Scenario]:
    if isinstance(scenarios, ScenarioFile):
        return scenarios_to_proto(scenarios)
    return list(scenarios)


def _duration(seconds: float | None) -> Duration | None:
    if seconds is None:
        return None
    message = Duration()
    message.FromNanoseconds(round(seconds * 1e9))
    return message


def solve_remote(
    address: str,
    problem: Problem,
    params: SolveParams | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    *,
    token: str | None = None,
    root_certificates: bytes | None = None,
) -> SolveResult:
    """Solve through a server with live progress, as `scheduler.solve.solve` does in-process.

    The server caps the time limit and workers; the call's deadline is the time limit plus a
    generous allowance for the heuristic, model building and transfer. Raises SchedulerError.
    """
    deadline = None if params is None else params.time_limit * 1.5 + 30.0
    with SchedulerClient(address, token=token, root_certificates=root_certificates) as client:
        for event in client.solve_stream(problem, params, timeout=deadline):
            if event.HasField("progress"):
                if on_progress is not None:
                    on_progress(convert.progress_from_proto(event.progress))
            elif event.HasField("result"):
                return convert.result_from_proto(problem, event.result)
    raise SchedulerError(grpc.StatusCode.UNKNOWN, "the stream ended without a result")


@dataclass(frozen=True)
class JobPlan:
    """What a stored job has to draw or report on."""

    problem: Problem
    schedule: Schedule
    """Its result's schedule once finished, else its best so far."""
    result: SolveResult | None
    """The finished job's result (statistics and KPIs); None while it runs."""


def fetch_job_plan(
    address: str,
    job_id: str,
    problem: Problem | None = None,
    *,
    token: str | None = None,
    root_certificates: bytes | None = None,
    timeout: float = 60.0,
) -> JobPlan:
    """The plan of a stored job: its problem (as created, unless `problem` is given) and its
    schedule. A schedule naming ids `problem` does not have raises SchedulerError
    (INVALID_ARGUMENT), as does a job without a schedule yet (FAILED_PRECONDITION)."""
    with SchedulerClient(address, token=token, root_certificates=root_certificates) as client:
        job = client.get_job(job_id, plan=problem is None, timeout=timeout)
    if problem is None:
        problem = convert.problem_from_proto(job.problem)
    result = None
    if job.HasField("result") and job.result.HasField("schedule"):
        message = job.result.schedule
        result = convert.result_from_proto(problem, job.result)
    elif job.HasField("best_schedule"):
        message = job.best_schedule
    else:
        state = pb.JobState.Name(job.state)
        raise SchedulerError(
            grpc.StatusCode.FAILED_PRECONDITION, f"job {job_id} has no schedule yet ({state})"
        )
    schedule = convert.schedule_from_proto(problem, message)
    if schedule is None:
        raise SchedulerError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"the schedule of job {job_id} names orders, operations, machines or resources "
            "that the problem does not have: is it the problem the job was created from?",
        )
    return JobPlan(problem, schedule, result)


__all__ = ["JobPlan", "SchedulerClient", "SchedulerError", "fetch_job_plan", "solve_remote"]
