"""Live plans of two replicas' runners on one PostgreSQL database: one replan at a time per plan
(events reported on the other replica are answered by the holder's next revision, and waited for
there), a replica whose plan was taken over or that cannot reach the database stops its replan
and releases nothing, and a stopping replica hands its replans over at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_live_plans import WAIT, _breakdown, _Gate, _settled, _spec

from scheduler.params import SolveParams
from scheduler.planning.live import PlanRunner
from scheduler.problem import Problem
from scheduler.result import SolveResult
from scheduler.solve import solve


class _Replicas:
    """Runners of replicas "r1" and "r2" on one database, each with its own store and solve."""

    def __init__(self, url: str, lease: float) -> None:
        self.url, self.lease = url, lease
        self.runners: list[PlanRunner] = []

    def start(self, name: str, solve_fn: Any) -> PlanRunner:
        """A started runner of replica `name`."""
        from scheduler.planstore_pg import PostgresPlanStore

        store = PostgresPlanStore(self.url, replica=name, lease=self.lease)
        runner = PlanRunner(store, solve_fn, leases=store)
        runner.start()
        self.runners.append(runner)
        return runner

    def close(self) -> None:
        for runner in self.runners:
            runner.shutdown()
            runner.store.close()


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[_Replicas]:
    """Start runners with `replicas.start(name, solve_fn)`; 1 s leases; all stopped at teardown."""
    pair = _Replicas(postgres_url, lease=1.0)
    yield pair
    pair.close()


def _no_replans(problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
    assert kwargs.get("pins") is None, "this replica replanned a plan another one holds"
    return solve(problem, params, **kwargs)


def _replanning_on_r1(replicas: _Replicas) -> tuple[_Gate, PlanRunner, PlanRunner, str]:
    """r1 (solving through a gate) and r2 (which must not replan); a plan whose revision 1 is
    released and whose event "b1", reported on r1, is being replanned there behind the gate."""
    gate = _Gate()
    r1 = replicas.start("r1", gate)
    r2 = replicas.start("r2", _no_replans)
    plan_id = r1.create(_spec())
    _settled(r1, plan_id)
    r1.report(plan_id, [_breakdown("b1", start=1, end=3)])
    assert gate.entered.wait(WAIT)
    return gate, r1, r2, plan_id


def test_events_reported_on_another_replica_join_the_holders_next_revision(replicas) -> None:
    """Reports on r2 while r1 replans the plan are answered together by r1's next revision; r2
    never replans it, and no two replans of it run at once."""
    gate, r1, r2, plan_id = _replanning_on_r1(replicas)
    try:
        r2.report(plan_id, [_breakdown("b2", machine="m1", start=2, end=4)])
        r2.report(plan_id, [_breakdown("b3", start=5, end=7)])
        assert r2.idle(WAIT)  # its claims failed: r1 holds the plan
        assert r2.view(plan_id).replanning  # r2 says so: the bug said False off the replanner
        gate.open.set()
        assert _settled(r1, plan_id) == 3
        assert not r2.view(plan_id).replanning
        assert gate.calls == 2
        assert [r.answers for r in r1.revisions(plan_id)] == [(), ("b1",), ("b2", "b3")]
        assert r2.view(plan_id).revision.number == 3  # r2 reads what r1 released
    finally:
        gate.open.set()


class _UntilStopped:
    """A solve function whose replans (solves with pins) run until their stop token is set."""

    def __init__(self) -> None:
        self.stopped = threading.Event()

    def __call__(self, problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
        if kwargs.get("pins") is not None:
            assert kwargs["stop"].wait(WAIT)
            self.stopped.set()
        return solve(problem, params, **kwargs)


def test_a_replica_whose_plan_was_taken_over_stops_and_releases_nothing(replicas) -> None:
    """When another replica holds the plan's lease (this one stalled past it), the heartbeat
    stops this replica's replan, which releases no revision and records no error."""
    import psycopg

    until_stopped = _UntilStopped()
    r1 = replicas.start("r1", until_stopped)
    plan_id = r1.create(_spec())
    _settled(r1, plan_id)
    r1.report(plan_id, [_breakdown("b1")])
    with psycopg.connect(replicas.url, autocommit=True) as conn:
        conn.execute(  # what a take-over by replica "thief" leaves in the row
            "UPDATE scheduler_plans SET replan_owner = 'thief' WHERE id = %s", (plan_id,)
        )
    # The bug ran the whole replan (here: forever) and released over the new holder's.
    assert until_stopped.stopped.wait(5 * replicas.lease)
    assert r1.idle(WAIT)
    store = r1.store
    assert [r.number for r in store.revisions(plan_id)] == [1]
    assert store.lease_of(plan_id)[0] == "thief"  # type: ignore[attr-defined]
    assert store.get_plan(plan_id).error == ""
    assert [e.id for e in store.unanswered(plan_id)] == ["b1"]


def test_a_replica_cut_off_from_the_database_stops_its_replan(replicas, monkeypatch) -> None:
    """When the heartbeat cannot renew a replan's lease for 0.8 of it (the database out of
    reach), the replan stops before another replica may take the plan over."""
    until_stopped = _UntilStopped()
    r1 = replicas.start("r1", until_stopped)
    plan_id = r1.create(_spec())
    _settled(r1, plan_id)

    def unreachable(plan_ids: Any) -> set[str]:
        raise OSError("connection refused")

    monkeypatch.setattr(r1.store, "renew_replans", unreachable)
    r1.report(plan_id, [_breakdown("b1")])
    # The bug solved on (here: forever) while another replica could take the plan over.
    assert until_stopped.stopped.wait(5 * replicas.lease)
    assert r1.idle(WAIT)
    assert [r.number for r in r1.store.revisions(plan_id)] == [1]
    # Its lease is left to expire (then any replica takes the event over), not given back.
    assert r1.store.lease_of(plan_id)[0] == "r1"  # type: ignore[attr-defined]
    time.sleep(replicas.lease)
    assert r1.store.claimable_replans() == [plan_id]  # type: ignore[attr-defined]


def test_a_stopping_replica_hands_its_replan_over_at_once(postgres_url) -> None:
    """A graceful stop during a replan hands the plan over: another replica answers its events
    within a heartbeat (a second) and a replan, not after the 30 s lease."""
    replicas, gate = _Replicas(postgres_url, lease=30.0), _Gate()
    try:
        r1 = replicas.start("r1", gate)
        r2 = replicas.start("r2", solve)
        plan_id = r1.create(_spec())
        _settled(r1, plan_id)
        r1.report(plan_id, [_breakdown("b1")])
        assert gate.entered.wait(WAIT)
        r1.shutdown()
        stopped_at = time.monotonic()
        while r2.store.unanswered(plan_id) and time.monotonic() - stopped_at < 25.0:
            time.sleep(0.05)
        assert time.monotonic() - stopped_at < 12.0
        assert [r.answers for r in r2.revisions(plan_id)] == [(), ("b1",)]
    finally:
        gate.open.set()
        replicas.close()


def test_waiting_for_an_answer_outlasts_an_old_error_while_another_replica_replans(
    replicas,
) -> None:
    """An entry reported on r2 while r1 replans is waited for until r1 answers it, even when the
    plan still shows the error of an earlier replan (r2 used to give up at once: not replanning
    it locally, it took the old error for the end of the replan)."""
    gate, r1, r2, plan_id = _replanning_on_r1(replicas)
    try:
        r1.store.set_error(plan_id, "no plan: the replan ended INFEASIBLE")
        r2.report(plan_id, [_breakdown("b2", machine="m1", start=2, end=4)])
        threading.Timer(1.0, gate.open.set).start()
        answer = r2.wait_answered(plan_id, "b2", WAIT)
        assert answer is not None and answer.answers == ("b2",)
    finally:
        gate.open.set()
