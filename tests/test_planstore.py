"""The durable plan store, the same suite on SQLite and on PostgreSQL: plans and idempotent
requests, entries (idempotent per id, all or nothing), revisions and the entries they answer,
change notices; then PostgreSQL's replan leases shared by replicas."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.planstore import (
    Entry,
    EntryConflict,
    PlanNotFound,
    PlanStore,
    RevisionConflict,
    SqlitePlanStore,
    open_plan_store,
)

PlanStoreFactory = Callable[..., Any]


@pytest.fixture
def make_plan_store(store_location: str | Path) -> Iterator[PlanStoreFactory]:
    """Opens plan stores of one backend on one place, replica "r1" unless told; on PostgreSQL
    each is another replica's view of the same plans. All closed at teardown."""
    opened: list[PlanStore] = []

    def make(**settings: Any) -> Any:
        opened.append(open_plan_store(store_location, **{"replica": "r1", **settings}))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_plan_store: PlanStoreFactory) -> PlanStore:
    """A fresh plan store."""
    return make_plan_store()  # type: ignore[no-any-return]


def test_a_created_plan_is_read_back_and_listed_oldest_first(store: PlanStore) -> None:
    """create_plan persists the spec with its owner; plan_ids lists plans in creation order."""
    first, created = store.create_plan('{"a": 1}', owner="alice")
    second, _ = store.create_plan('{"b": 2}')
    assert created
    got = store.get_plan(first.id)
    assert (got.spec, got.owner, got.request_id, got.error) == ('{"a": 1}', "alice", "", "")
    assert store.plan_ids() == [first.id, second.id]


def test_a_request_id_returns_its_plan_and_refuses_another_spec(store: PlanStore) -> None:
    """The same owner and request id give the same plan back; another spec is a conflict; another
    owner's request id is its own."""
    plan, created = store.create_plan("{}", owner="alice", request_id="r-1")
    again, created_again = store.create_plan("{}", owner="alice", request_id="r-1")
    assert created and not created_again and again.id == plan.id
    with pytest.raises(EntryConflict, match="r-1"):
        store.create_plan('{"other": 1}', owner="alice", request_id="r-1")
    bobs, bob_created = store.create_plan('{"other": 1}', owner="bob", request_id="r-1")
    assert bob_created and bobs.id != plan.id
    with pytest.raises(ValueError, match="request id longer than 128"):
        store.create_plan("{}", request_id="x" * 129)


def test_entries_are_idempotent_per_id_and_all_or_nothing(store: PlanStore) -> None:
    """New ids are added in order; a repeat is ignored; a reused id with other content stores
    nothing of its report."""
    plan_id = store.create_plan("{}")[0].id
    added = store.add_entries(plan_id, [Entry("e1", "one"), Entry("e2", "two")])
    assert [e.id for e in added] == ["e1", "e2"]
    assert store.add_entries(plan_id, [Entry("e1", "one")]) == []
    with pytest.raises(EntryConflict, match="e2"):
        store.add_entries(plan_id, [Entry("e3", "three"), Entry("e2", "other")])
    with pytest.raises(EntryConflict, match="e4"):
        store.add_entries(plan_id, [Entry("e4", "four"), Entry("e4", "other")])
    assert [e.id for e in store.unanswered(plan_id)] == ["e1", "e2"]
    assert store.find_entries(plan_id, ["e1", "e3", "e9"]) == {"e1": "one"}


def test_discard_forgets_unanswered_entries_only(store: PlanStore) -> None:
    """A withdrawn entry (a promotion the plan cannot follow) is forgotten; an answered one stays
    in its revision's history."""
    plan_id = store.create_plan("{}")[0].id
    store.add_entries(plan_id, [Entry("e1", "one"), Entry("e2", "two")])
    store.release(plan_id, 1, "rev-1", ["e1"])
    store.discard(plan_id, ["e1", "e2"])
    assert store.unanswered(plan_id) == []
    assert store.find_entries(plan_id, ["e1", "e2"]) == {"e1": "one"}


def test_unknown_plans_are_not_found(store: PlanStore) -> None:
    """Reads and writes of a plan nobody created raise PlanNotFound naming it."""
    with pytest.raises(PlanNotFound, match="nope"):
        store.get_plan("nope")
    with pytest.raises(PlanNotFound):
        store.add_entries("nope", [Entry("e1", "one")])
    with pytest.raises(PlanNotFound):
        store.release("nope", 1, "{}", [])
    assert store.latest("nope") is None


def test_a_revision_answers_its_entries_and_clears_the_error(store: PlanStore) -> None:
    """release numbers revisions, marks the entries it answers, clears the plan's error; the
    same number twice is a RevisionConflict."""
    plan_id = store.create_plan("{}")[0].id
    assert store.latest(plan_id) is None
    store.add_entries(plan_id, [Entry("e1", "one"), Entry("e2", "two")])
    store.set_error(plan_id, "no plan: the replan ended INFEASIBLE")
    assert store.get_plan(plan_id).error.startswith("no plan")
    store.release(plan_id, 1, "rev-1", [])
    store.release(plan_id, 2, "rev-2", ["e1", "e2"])
    with pytest.raises(RevisionConflict):
        store.release(plan_id, 2, "again", [])
    assert store.get_plan(plan_id).error == ""
    assert store.unanswered(plan_id) == []
    revisions = store.revisions(plan_id)
    assert [(r.number, r.payload, r.answers) for r in revisions] == [
        (1, "rev-1", ()),
        (2, "rev-2", ("e1", "e2")),
    ]
    latest = store.latest(plan_id)
    assert latest is not None and latest.number == 2
    assert [r.number for r in store.revisions(plan_id, after=1)] == [2]


def test_only_the_newest_revisions_are_kept_and_their_entries_stay(
    make_plan_store: PlanStoreFactory,
) -> None:
    """With keep_revisions 2 the fifth release leaves revisions 4 and 5, payloads intact; the
    entries deleted revisions answered stay, so reporting them again is still ignored."""
    store = make_plan_store(keep_revisions=2)
    plan_id = store.create_plan("{}")[0].id
    for n in range(1, 6):
        store.add_entries(plan_id, [Entry(f"e{n}", str(n))])
        store.release(plan_id, n, f"rev-{n}", [f"e{n}"])
    assert [(r.number, r.payload, r.answers) for r in store.revisions(plan_id)] == [
        (4, "rev-4", ("e4",)),
        (5, "rev-5", ("e5",)),
    ]
    assert store.latest(plan_id).number == 5
    assert store.add_entries(plan_id, [Entry("e1", "1")]) == []
    assert store.unanswered(plan_id) == []
    with pytest.raises(ValueError, match="at least 1"):
        make_plan_store(keep_revisions=0)


def test_a_revision_is_stored_packed_and_an_unpacked_row_still_reads(tmp_path: Path) -> None:
    """A plant-sized payload takes under a fifth of its text on disk; a row written before packing
    (text, no packed column value) reads back as it was."""
    path = tmp_path / "plans.sqlite3"
    store = SqlitePlanStore(path)
    plan_id = store.create_plan("{}")[0].id
    payload = json.dumps({"operations": [{"id": f"op-{i}", "start": i} for i in range(20_000)]})
    store.release(plan_id, 1, payload, [])
    store.close()
    with sqlite3.connect(path) as db:
        text, packed = db.execute("SELECT payload, packed FROM plan_revisions").fetchone()
        assert text == "" and len(packed) < len(payload) / 5
        db.execute(
            "INSERT INTO plan_revisions (plan_id, number, payload, created_at) VALUES (?, 2, ?, 0)",
            (plan_id, "from before"),
        )
    store = SqlitePlanStore(path)
    assert [r.payload for r in store.revisions(plan_id)] == [payload, "from before"]
    store.close()


def test_watchers_are_told_of_entries_revisions_and_errors(store: PlanStore) -> None:
    """Each committed write of a plan moves its change version (WatchPlan sleeps on it)."""
    plan_id = store.create_plan("{}")[0].id
    with store.changes.watching(plan_id):
        for write in (
            lambda: store.add_entries(plan_id, [Entry("e1", "one")]),
            lambda: store.release(plan_id, 1, "rev-1", ["e1"]),
            lambda: store.set_error(plan_id, "failed"),
        ):
            seen = store.changes.version(plan_id)
            write()
            assert store.changes.wait(plan_id, seen, 10.0) != seen


# --------------------------------------------------------------------------------------------------
# PostgreSQL: one database, several replicas


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[tuple[Any, Any]]:
    """Two replicas' plan stores ("r1", "r2") on one database, with half-second leases."""
    from scheduler.planstore_pg import PostgresPlanStore

    pair = [PostgresPlanStore(postgres_url, replica=name, lease=0.5) for name in ("r1", "r2")]
    yield pair[0], pair[1]
    for store in pair:
        store.close()


def test_a_plan_is_replanned_by_one_replica_at_a_time(replicas) -> None:
    """The creator holds the replan; the other replica's claim fails until the lease is given
    back, renewing keeps it, and a finished replan gives it back."""
    r1, r2 = replicas
    plan_id = r1.create_plan("{}")[0].id
    assert r1.lease_of(plan_id)[0] == "r1"
    assert not r2.claim_replan(plan_id)
    assert r1.claim_replan(plan_id)
    assert r1.renew_replans([plan_id]) == {plan_id}
    assert r2.renew_replans([plan_id]) == set()
    assert r2.replan_held(plan_id)
    assert not r1.finish_replan(plan_id)
    assert r1.lease_of(plan_id) is None and not r2.replan_held(plan_id)
    assert r2.claim_replan(plan_id)


def test_an_expired_lease_is_taken_over_and_fences_the_old_holder(replicas) -> None:
    """A lease not renewed is listed as claimable and taken by another replica; the old holder
    can then neither renew it nor release a revision."""
    r1, r2 = replicas
    plan_id = r1.create_plan("{}")[0].id
    r1.add_entries(plan_id, [Entry("e1", "one")])
    assert r1.claim_replan(plan_id)
    assert r2.claimable_replans() == []
    time.sleep(0.8)  # past the 0.5 s lease
    assert r2.claimable_replans() == [plan_id]
    assert r2.claim_replan(plan_id)
    assert r1.renew_replans([plan_id]) == set()
    with pytest.raises(RevisionConflict, match="r2"):
        r1.release(plan_id, 1, "stale", ["e1"])
    assert r2.latest(plan_id) is None
    r2.release(plan_id, 1, "rev-1", ["e1"])
    assert not r2.finish_replan(plan_id)
    assert r1.claimable_replans() == []


def test_entries_reported_on_another_replica_during_a_replan_keep_its_lease(replicas) -> None:
    """Entries added after a claim (the other replica's own claim failed) make finish_replan
    keep the lease and ask for another replan; a failed replan alone leaves no lease behind
    (it is not retried forever)."""
    r1, r2 = replicas
    plan_id = r1.create_plan("{}")[0].id
    r1.add_entries(plan_id, [Entry("e1", "one")])
    assert r1.claim_replan(plan_id)
    r2.add_entries(plan_id, [Entry("e2", "two")])
    assert not r2.claim_replan(plan_id)
    assert r1.finish_replan(plan_id)
    assert r1.lease_of(plan_id)[0] == "r1"
    assert r1.claim_replan(plan_id)
    r1.set_error(plan_id, "no plan")
    assert not r1.finish_replan(plan_id)
    assert r1.lease_of(plan_id) is None
    time.sleep(0.8)
    assert r2.claimable_replans() == []


def test_a_report_takes_a_free_lease_and_a_stopping_replica_hands_its_leases_over(
    replicas,
) -> None:
    """The reporting replica holds the new work of a plan nobody replans; after hand_over the
    other replica may claim it at once, and a restart of the same replica id finds its own."""
    r1, r2 = replicas
    plan_id = r1.create_plan("{}")[0].id
    assert not r1.finish_replan(plan_id)
    r2.add_entries(plan_id, [Entry("e1", "one")])
    assert r2.lease_of(plan_id)[0] == "r2"
    assert r2.claimable_replans(own=True) == [plan_id]
    assert r1.claimable_replans() == []
    r2.hand_over()
    time.sleep(0.05)
    assert r1.claimable_replans() == [plan_id]
    assert r1.claim_replan(plan_id)


def test_a_replicas_watchers_see_another_replicas_revisions(replicas) -> None:
    """A revision released on one replica wakes the watchers of the plan on the other (NOTIFY)."""
    r1, r2 = replicas
    plan_id = r1.create_plan("{}")[0].id
    with r2.changes.watching(plan_id):
        seen = r2.changes.version(plan_id)
        r1.release(plan_id, 1, "rev-1", [])
        assert r2.changes.wait(plan_id, seen, 10.0) != seen
    assert r2.latest(plan_id).payload == "rev-1"
