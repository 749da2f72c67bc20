"""Background runner of durable jobs: claims queued jobs when a solve slot is free and solves them.

Jobs share the service's shared solve slots with synchronous calls but never take the
interactive lane, so a long job cannot make a Solve wait. Each improving solution is written to the
store by a per-job writer thread (the latest one wins), never from the solver's callback, so a slow
disk cannot slow the search; the same thread saves the solve time used every second. A shutdown
stops running jobs and puts them back in the queue with their best schedule; the next start
resumes them from it with the rest of their time limit. A sweeper deletes finished jobs past the
store's retention.

A claim is a lease of this replica (see `scheduler.store`): a heartbeat renews the leases of the
running jobs every HEARTBEAT_SECONDS and, from the same answer, stops a job whose cancel was asked
on another replica, and a job whose lease was lost (another replica took it over after this one
stalled). A run that could not renew its lease for SELF_FENCE_SHARE of it (the database is out of
reach) stops too, before another replica may take the job over: a job never runs on two replicas
at once. A stopped run puts its job back in the queue (a no-op when another replica holds it);
when even that cannot be written, the heartbeat retries it until it can. Jobs queued on other
replicas are found by polling the store every `poll_interval`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from scheduler.params import SolveParams
from scheduler.planning.whatif import BASE, compare
from scheduler.problem import InvalidProblem, Problem
from scheduler.result import Progress, SolveResult
from scheduler.service import convert, convert_planning
from scheduler.service.convert import pb
from scheduler.service.limits import ServiceLimits, SolveSlots, check_problem, solve_params
from scheduler.service.metrics import Metrics
from scheduler.stop import StopToken
from scheduler.store import Job, JobState, JobStore

log = logging.getLogger("scheduler.service.jobs")

SolveFn = Callable[..., SolveResult]
"""`scheduler.solve.solve` or a stand-in with its signature."""


SPENT_SAVE_SECONDS = 1.0
"""How often a running job's used solve time is saved: a crash costs it at most this much."""
SWEEP_SECONDS = 60.0
"""Most seconds between two deletions of expired jobs."""
MIN_RESUMED_SECONDS = 0.2
"""Time limit of a re-run whose budget is (nearly) used up: enough to verify its best schedule."""
HEARTBEAT_SECONDS = 0.5
"""Most seconds between two lease renewals (fewer when the lease is short): also how late a
cancel asked on another replica reaches the run."""
SELF_FENCE_SHARE = 0.8
"""Share of the lease after the last successful renewal at which a run stops itself."""


class _ProgressWriter:
    """Persists, off the solver's thread, a job's latest progress (and its schedule) and, every
    SPENT_SAVE_SECONDS, the solve time it has used (earlier runs included)."""

    def __init__(self, store: JobStore, job: Job, problem: Problem) -> None:
        self._store, self._job_id, self._problem = store, job.id, problem
        self._spent_before = job.spent
        self._started = time.monotonic()
        self._condition = threading.Condition()
        self._latest: Progress | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, name=f"job-progress-{job.id[:8]}", daemon=True
        )
        self._thread.start()

    @property
    def spent(self) -> float:
        return self._spent_before + time.monotonic() - self._started

    def offer(self, progress: Progress) -> None:
        with self._condition:
            self._latest = progress
            self._condition.notify()

    def close(self) -> None:
        """Write what is pending and stop."""
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join()

    def _run(self) -> None:
        next_save = time.monotonic() + SPENT_SAVE_SECONDS
        while True:
            with self._condition:
                while self._latest is None and not self._closed:
                    if not self._condition.wait(max(0.0, next_save - time.monotonic())):
                        break
                progress, self._latest = self._latest, None
                closed = self._closed
            try:
                if progress is not None:
                    self._write(progress)
                if closed or time.monotonic() >= next_save:
                    self._store.save_spent(self._job_id, self.spent)
                    next_save = time.monotonic() + SPENT_SAVE_SECONDS
            except Exception:
                log.exception("could not save progress of job %s", self._job_id)
            if closed:
                return

    def _write(self, progress: Progress) -> None:
        schedule = getattr(progress, "schedule", None)
        snapshot = None
        if schedule is not None:
            snapshot = convert.schedule_to_proto(self._problem, schedule).SerializeToString()
        self._store.save_progress(self._job_id, convert.job_progress(progress), snapshot)


class JobRunner:
    """Worker threads that run queued jobs, at most as many at once as the service has slots."""

    def __init__(
        self,
        store: JobStore,
        slots: SolveSlots,
        limits: ServiceLimits,
        solve_fn: SolveFn,
        *,
        metrics: Metrics | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        self._store, self._slots, self._limits = store, slots, limits
        self._solve_fn, self._metrics = solve_fn, metrics
        self._poll = poll_interval
        self._condition = threading.Condition()
        self._generation = 0
        self._closing = threading.Event()
        self._running: dict[str, tuple[StopToken, set[str]]] = {}
        self._threads: list[threading.Thread] = []
        self._heartbeat = min(HEARTBEAT_SECONDS, store.lease / 3)
        self._renewed: dict[str, float] = {}
        """Monotonic time of each running job's last successful renewal (or claim)."""
        self._unreleased: set[str] = set()
        """Jobs whose stopped run could not be recorded: re-queued by the heartbeat."""

    def start(self) -> None:
        """Recover jobs a previous process left running, then start the workers."""
        recovered = self._store.recover()
        if recovered:
            log.warning("re-queued %d job(s) interrupted by a previous stop", len(recovered))
        for n in range(self._limits.max_concurrent_solves):
            thread = threading.Thread(target=self._loop, name=f"job-runner-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        for target, name in ((self._sweep, "job-retention"), (self._beat, "job-heartbeat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def notify(self) -> None:
        """A job was queued: wake an idle worker."""
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def cancel(self, job_id: str) -> Job:
        """Cancel a job: a queued one at once, a running one by stopping its search."""
        job = self._store.request_cancel(job_id)
        entry = self._running.get(job_id)
        if entry is not None:
            entry[1].add("cancel")
            entry[0].stop()
        return job

    @property
    def running(self) -> int:
        return len(self._running)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop taking jobs, stop running ones (they go back to the queue) and wait for workers."""
        self._closing.set()
        self.notify()
        for token, reasons in list(self._running.values()):
            reasons.add("shutdown")
            token.stop()
        for thread in self._threads:
            thread.join(timeout)

    def _sweep(self) -> None:
        """Delete finished jobs past the store's retention, at start and then regularly."""
        interval = min(SWEEP_SECONDS, self._store.retention / 10)
        while True:
            try:
                purged = self._store.purge_expired()
                if purged:
                    log.info("deleted %d job(s) past their retention", purged)
            except Exception:
                log.exception("could not delete expired jobs")
            if self._closing.wait(interval):
                return

    def _beat(self) -> None:
        """Renew the running jobs' leases; stop those cancelled elsewhere, no longer held, or not
        renewed for too long; re-queue the jobs whose stopped run could not be recorded."""
        while not self._closing.wait(self._heartbeat):
            self._release_unrecorded()
            running = dict(self._running)
            if not running:
                continue
            asked = time.monotonic()
            try:
                held: dict[str, bool] | None = self._store.renew_leases(list(running))
            except Exception:
                log.exception("could not renew job leases")
                held = None
            for job_id, (token, reasons) in running.items():
                if job_id not in self._running:
                    continue  # finished meanwhile
                if held is None:
                    since = asked - self._renewed.get(job_id, asked)
                    if since < SELF_FENCE_SHARE * self._store.lease:
                        continue
                    log.warning("job %s: lease not renewed for %.1f s; stopping", job_id, since)
                    reasons.add("lost")
                elif job_id not in held:
                    log.warning("job %s: lease lost, another replica runs it; stopping", job_id)
                    reasons.add("lost")
                elif held[job_id]:
                    reasons.add("cancel")
                else:
                    self._renewed[job_id] = asked
                    continue
                token.stop()

    def _release_unrecorded(self) -> None:
        for job_id in list(self._unreleased):
            try:
                self._store.requeue(job_id)
            except Exception:
                continue  # still out of reach: next beat
            self._unreleased.discard(job_id)
            log.info("job %s re-queued after its run could not be recorded", job_id)

    def _loop(self) -> None:
        while not self._closing.is_set():
            with self._condition:
                seen = self._generation
            ticket = self._slots.try_acquire(
                self._limits.default_time_limit, timeout=self._poll, background=True
            )
            if ticket is None:
                continue
            try:
                job = None if self._closing.is_set() else self._store.claim_next()
            except Exception:
                log.exception("could not claim a job")
                job = None
            if job is None:
                self._slots.release(ticket)
                with self._condition:
                    if self._generation == seen and not self._closing.is_set():
                        self._condition.wait(self._poll)
                continue
            try:
                self._run(job, ticket)
            except Exception:
                log.exception("job %s: could not record the end of its run", job.id)
                self._unreleased.add(job.id)
            finally:
                self._slots.release(ticket)

    def _run(self, job: Job, ticket: int) -> None:
        token, reasons = StopToken(), set[str]()
        self._renewed[job.id] = time.monotonic()
        self._running[job.id] = (token, reasons)
        if self._store.get(job.id).cancel_requested:  # cancelled between the claim and now
            reasons.add("cancel")
            token.stop()
        log.info("job %s started (attempt %d)", job.id, job.attempts)
        try:
            self._solve(job, ticket, token, reasons)
        except InvalidProblem as error:
            # Checked at creation, so only a change of server limits gets here.
            self._store.finish(job.id, JobState.FAILED, failure_reason=str(error))
        except Exception as error:
            log.exception("job %s failed", job.id)
            self._store.finish(
                job.id, JobState.FAILED, failure_reason=f"internal error: {type(error).__name__}"
            )
        finally:
            self._running.pop(job.id, None)
            self._renewed.pop(job.id, None)

    def _solve(self, job: Job, ticket: int, token: StopToken, reasons: set[str]) -> None:
        request = convert.job_request(job.request)
        if isinstance(request, pb.CreateComparisonJobRequest):
            self._compare(job, request, ticket, token, reasons)
            return
        problem = check_problem(request.problem, self._limits)
        params = self._resumed(job, ticket, solve_params(request.parameters, self._limits))
        hint = None
        if job.snapshot is not None:
            hint = convert.schedule_from_proto(problem, pb.Schedule.FromString(job.snapshot))
        writer = _ProgressWriter(self._store, job, problem)
        kwargs: dict[str, Any] = {"stop": token, "on_progress": writer.offer}
        if hint is not None:
            kwargs["hint"] = hint
        try:
            result = self._solve_fn(problem, params, **kwargs)
        finally:
            writer.close()
        if self._metrics is not None:
            self._metrics.observe_solve(result.status.value)
        message = convert.result_to_proto(problem, result)
        snapshot = message.schedule.SerializeToString() if message.HasField("schedule") else None
        self._end(job, reasons, message.SerializeToString(), snapshot, result.status.value)

    def _resumed(self, job: Job, ticket: int, params: SolveParams) -> SolveParams:
        """The parameters of this run: a re-run gets what its earlier runs left of the limit."""
        if job.spent > 0:
            left = max(MIN_RESUMED_SECONDS, params.time_limit - job.spent)
            params = params.model_copy(update={"time_limit": min(params.time_limit, left)})
        self._slots.set_time_limit(ticket, params.time_limit)
        return params

    def _compare(
        self,
        job: Job,
        request: pb.CreateComparisonJobRequest,
        ticket: int,
        token: StopToken,
        reasons: set[str],
    ) -> None:
        """Run a comparison job: every scenario's solve in the pool, under the job's budget."""
        base = check_problem(request.problem, self._limits)
        scenarios, problems = convert_planning.scenarios_from_proto(base, request.scenarios)
        budget = convert_planning.budget(request)
        params = self._resumed(job, ticket, solve_params(budget, self._limits))
        writer = _ProgressWriter(self._store, job, base)
        counts: dict[str, int] = {}

        def progress(name: str, event: Any) -> None:
            # The job shows the latest improvement of any of its solves.
            counts[name] = counts.get(name, 0) + 1
            writer.offer(
                Progress(event.elapsed, event.objective, event.bound, event.gap, counts[name])
            )

        try:
            report = compare(
                base,
                scenarios,
                params.time_limit,
                cores=self._limits.workers_per_solve,
                stop=token,
                on_progress=progress,
            )
        finally:
            writer.close()
        message = convert_planning.comparison_to_proto(report, {BASE: base, **problems})
        self._end(job, reasons, message.SerializeToString(), None, "comparison")

    def _end(
        self, job: Job, reasons: set[str], result: bytes, snapshot: bytes | None, outcome: str
    ) -> None:
        """Finish the job with its result, or put it back in the queue when the server stops or
        the run lost its lease."""
        # A lost lease re-queues too: a no-op (fenced) when another replica took the job over,
        # and the way back to the queue when this one only could not renew it.
        if "lost" in reasons or ("shutdown" in reasons and "cancel" not in reasons):
            self._store.requeue(job.id, snapshot)
            log.info("job %s stopped (%s), re-queued", job.id, ", ".join(sorted(reasons)))
            return
        state = JobState.CANCELLED if "cancel" in reasons else JobState.SUCCEEDED
        self._store.finish(job.id, state, result=result)
        log.info("job %s %s: %s", job.id, state.value.lower(), outcome)


__all__ = ["JobRunner", "SolveFn"]
