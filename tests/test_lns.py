"""Large plants: large-neighbourhood search around CP-SAT, exact purchase re-planning, pruned arcs."""

from __future__ import annotations

import threading
import time

import pytest

from scheduler import cpsat
from scheduler.cpsat.lns import improve, replan_purchases
from scheduler.cpsat.model import add_hint, build_model, complete_hint
from scheduler.cpsat.setups import circuit_size, plausible_successors
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.heuristics import best_factory_dispatch
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.result import SolveStatus
from scheduler.schedule import Schedule
from scheduler.solve import solve
from scheduler.stop import Deadline, StopToken
from scheduler.verify import verify


@pytest.fixture(scope="module")
def auto_parts() -> tuple[Problem, Schedule]:
    """The auto-parts example plant and its dispatching schedule."""
    problem = read_problem(instance_path("auto-parts"))
    schedule = best_factory_dispatch(problem, deadline=Deadline(30.0), seconds=1.0)
    assert schedule is not None and verify(problem, schedule).ok
    return problem, schedule


@pytest.fixture
def as_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plant with changeovers counts as too large for one model (as plant-2000 is)."""
    monkeypatch.setattr(cpsat, "MAX_CIRCUIT_ARCS", 0)


def test_replanned_purchases_are_cheaper_and_valid(auto_parts: tuple[Problem, Schedule]) -> None:
    """Dispatching buys just in time from the fast supplier; the re-plan buys the same cheaper."""
    problem, schedule = auto_parts
    replanned = replan_purchases(problem, schedule, Deadline(10.0))
    assert replanned is not None
    before, after = verify(problem, schedule), verify(problem, replanned)
    assert after.ok, after.violations[:3]
    assert after.kpis is not None and before.kpis is not None
    assert after.kpis.purchase_cost < before.kpis.purchase_cost
    assert replanned.operations == schedule.operations


def test_pruned_circuits_keep_the_reference_schedule(auto_parts: tuple[Problem, Schedule]) -> None:
    """With arcs pruned to plausible neighbours, the reference schedule is still a solution."""
    problem, schedule = auto_parts
    machine, start, _ = schedule.arrays(problem)
    successors = plausible_successors(problem, start.tolist(), machine.tolist(), k=2)
    assert sum(len(s) for s in successors.values()) < circuit_size(problem) / 4
    sm = build_model(problem, successors=successors)
    add_hint(sm, schedule)
    assert complete_hint(sm, 20.0)


def test_improve_never_worsens_and_verifies(auto_parts: tuple[Problem, Schedule]) -> None:
    """Each accepted schedule is better than the last and passes the verifier."""
    problem, schedule = auto_parts
    seen: list[tuple[int, ...]] = []

    def accepted(levels: tuple[int, ...], level: int, found: Schedule) -> None:
        assert verify(problem, found).ok
        seen.append(levels)

    start = tuple(verify(problem, schedule).levels)
    outcome = improve(problem, schedule, Deadline(4.0), workers=1, on_improvement=accepted)
    assert outcome.neighbourhoods > 0
    assert seen and seen == sorted(seen, reverse=True) and seen[0] < start
    assert outcome.levels == seen[-1] == tuple(verify(problem, outcome.schedule).levels)


def test_lexicographic_levels_never_get_worse() -> None:
    """On a two-level plant the first level never rises while the second is improved."""
    problem = read_problem(instance_path("assembly"))
    schedule = best_factory_dispatch(problem, deadline=Deadline(30.0), seconds=1.0)
    assert schedule is not None
    first = verify(problem, schedule).levels[0]
    outcome = improve(problem, schedule, Deadline(3.0), workers=1)
    assert outcome.levels[0] <= first
    assert tuple(verify(problem, outcome.schedule).levels) == outcome.levels


def test_large_plant_is_optimised_and_says_how(as_large: None) -> None:
    """The large-plant path improves on dispatching, reports a bound, and names what ran."""
    problem = read_problem(instance_path("auto-parts"))
    result = solve(problem, SolveParams(time_limit=10.0, workers=1))
    assert result.status is SolveStatus.FEASIBLE
    assert result.objective is not None and result.heuristic_objective is not None
    assert result.objective < result.heuristic_objective
    assert result.best_bound is not None and 0 < result.best_bound <= result.objective
    assert "large-neighbourhood search with CP-SAT" in result.note
    assert "found no schedule" not in result.note
    assert result.wall_time < 10.0 + 1.0


def test_large_plant_without_time_for_cpsat_says_it_did_not_run(as_large: None) -> None:
    """With too little time to build the model, the note says no neighbourhood was searched."""
    problem = read_problem(instance_path("auto-parts"))
    result = solve(problem, SolveParams(time_limit=0.3, workers=1))
    assert result.status.has_schedule
    assert "no neighbourhood was searched" in result.note


def test_large_plant_stops_within_a_second(as_large: None) -> None:
    """A stop during the neighbourhood search ends the solve at once, keeping the best so far."""
    problem = read_problem(instance_path("auto-parts"))
    stop = StopToken()
    threading.Timer(4.0, stop.stop).start()
    began = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=60.0, workers=1), stop=stop)
    # Generous for shared cores, but far below the 60 s the search would otherwise take.
    assert time.perf_counter() - began < 4.0 + 3.0
    assert result.status.has_schedule and result.schedule is not None


def test_factory_solve_starts_from_the_cheapest_purchases(
    auto_parts: tuple[Problem, Schedule],
) -> None:
    """A plant small enough for one model also starts from the re-planned purchases (auto-parts:
    dispatching 103,491, re-planned 89,709), so CP-SAT starts well below dispatching."""
    problem, schedule = auto_parts
    dispatching = verify(problem, schedule).objective
    assert dispatching is not None
    result = solve(problem, SolveParams(time_limit=3.0, workers=1))
    assert result.heuristic_objective is not None
    assert result.heuristic_objective < 0.95 * dispatching
