"""The job-shop pipeline around the tabu search: the dispatching schedule reported before the
search starts, CP-SAT's search ending early enough for its model's size, and which of the two
searches first (`cpsat.cpsat_first`)."""

from __future__ import annotations

import math

import pytest

from scheduler import cpsat
from scheduler import solve as solve_module
from scheduler.bench.child import _solution_times
from scheduler.cpsat import solver
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import generate_jssp
from scheduler.heuristics import best_dispatch, fjsp_tabu, tabu
from scheduler.heuristics.tabu import compile_kernels
from scheduler.params import SolveParams
from scheduler.result import Progress
from scheduler.solve import _polished, solve
from scheduler.stop import Deadline
from scheduler.verify import check


@pytest.fixture(autouse=True, scope="module")
def compiled() -> None:
    """The search loops (job shop and flexible) compiled before any test times them (a cold
    numba cache takes seconds, and a solve meanwhile keeps its dispatching schedule)."""
    assert compile_kernels()
    assert fjsp_tabu.compile_kernels()


@pytest.mark.parametrize("name", ["swv11", "mk10"])
def test_dispatching_schedule_is_the_first_solution_before_the_tabu_search(name: str):
    """The dispatching schedule of a job shop (swv11) or a flexible one (mk10) is the first
    progress event, sent at once, not when the tabu search ends most of the way through the
    limit; the harness's first-solution time is that event's."""
    problem = read_problem(instance_path(name))
    dispatching = check(problem, best_dispatch(problem)).objective
    events: list[Progress] = []
    result = solve(problem, SolveParams(time_limit=3, workers=2), on_progress=events.append)
    assert events[0].objective == dispatching
    assert events[0].elapsed < 1.0
    assert events[0].schedule is not None
    assert check(problem, events[0].schedule).objective == dispatching
    assert result.first_solution_time == events[0].elapsed
    assert result.objective is not None and result.objective < dispatching
    first, _ = _solution_times(result, result.objective)
    assert first == round(events[0].elapsed, 3)


def test_search_ends_before_its_deadline_by_its_models_overrun(monkeypatch):
    """CP-SAT gets a time limit that ends before the search's deadline by the time it runs over
    on a model of that size (without it, a 50,000-operation job shop returned 1.36 s late)."""
    problem = generate_jssp(200, 50, seed=1)
    sm = cpsat.build_model(problem)
    limits: list[float] = []

    def record(model, parameters, deadline, callback):
        limits.append(deadline.remaining())
        raise InterruptedError

    monkeypatch.setattr(solver, "run", record)
    with pytest.raises(InterruptedError):
        solver.search(sm, {"num_workers": 1}, deadline=Deadline(10.0))
    assert solver.overrun_seconds(sm) > 0.1  # 10,000 operations
    assert limits[0] < 10.0 - solver.overrun_seconds(sm) + 0.05


@pytest.mark.parametrize(("name", "before"), [("ft06", 10.0), ("mk01", 18.0)])
def test_a_small_shop_leaves_the_tabu_search_early_for_cp_sat_to_prove(name: str, before: float):
    """The tabu search gets at most TABU_SECONDS_PER_OPERATION a operation: ft06 (36 operations)
    and mk01 (55) are proven optimal within a few seconds of a 20 s limit, where the search's
    share of the time alone took half (ft06) or 0.9 (mk01) of it before."""
    problem = read_problem(instance_path(name))
    result = solve(problem, SolveParams(time_limit=20, workers=2))
    assert result.status.value == "OPTIMAL"
    assert result.wall_time < before / 2


def test_cp_sat_searches_a_shop_small_for_its_limit_before_any_tabu_search(monkeypatch):
    """A job shop small for its time limit (`cpsat_first`) goes to CP-SAT from the dispatching
    schedule, with the tabu search only after it (ft06 at 20 s: proven, no tabu search at all);
    one large for its limit gets the tabu search first (ta01, 225 operations, at 3 s)."""
    calls, _ = _traced(monkeypatch)
    ft06 = read_problem(instance_path("ft06"))
    assert solver.cpsat_first(ft06, 20.0)
    result = solve(ft06, SolveParams(time_limit=20, workers=2))
    assert result.status.value == "OPTIMAL" and result.objective == 55
    assert calls == ["cpsat"]

    calls.clear()
    ta01 = read_problem(instance_path("ta01"))
    assert not solver.cpsat_first(ta01, 3.0) and solver.cpsat_first(ta01, 60.0)
    result = solve(ta01, SolveParams(time_limit=3, workers=2))
    assert (
        result.schedule is not None and check(ta01, result.schedule).objective == result.objective
    )
    assert calls[0] == "tabu" and "cpsat" in calls


def test_the_tabu_search_polishes_what_cp_sat_left():
    """After CP-SAT (here a stand-in outcome holding the dispatching schedule of ft10) the tabu
    search improves the schedule within the deadline; the better one is verified and reported."""
    problem = read_problem(instance_path("ft10"))
    dispatching = best_dispatch(problem)
    makespan = check(problem, dispatching).objective
    outcome = cpsat.SearchOutcome("FEASIBLE", dispatching, makespan, 0, 1.0, 1)
    reported: list[int] = []
    polished = _polished(
        problem, outcome, Deadline(2.0), lambda objective, bound, s: reported.append(objective)
    )
    better = check(problem, polished).objective
    assert better < makespan
    assert reported == [better]


@pytest.mark.parametrize("stall_share", [0.03, math.inf])
def test_cp_sat_hands_over_to_the_tabu_search_once_it_stalls(monkeypatch, stall_share: float):
    """On a shop CP-SAT searches first (ft10 at 3 s, with the threshold lowered for it), CP-SAT
    ends once it has gone `STALL_SHARE` of the limit (0.09 s) without a better schedule, and the
    tabu search polishes the rest; without the rule (inf) CP-SAT keeps its whole share."""
    calls, searches = _traced(monkeypatch)
    monkeypatch.setattr(solver, "CPSAT_FIRST_SECONDS", 1e-4)
    monkeypatch.setattr(solve_module, "STALL_SHARE", stall_share)
    ft10 = read_problem(instance_path("ft10"))
    result = solve(ft10, SolveParams(time_limit=3, workers=2))
    assert result.schedule is not None and result.status.value == "FEASIBLE"
    assert check(ft10, result.schedule).objective == result.objective
    assert calls == ["cpsat", "tabu"]
    if math.isfinite(stall_share):
        assert searches[0].wall_time < 2.0
    else:
        assert searches[0].wall_time > 2.4  # 3 s less the polish (0.3 s) and the finish
    assert result.wall_time < 3.5


def _traced(monkeypatch) -> tuple[list[str], list[cpsat.SearchOutcome]]:
    """The order in which a solve calls the tabu search and CP-SAT ("tabu", "cpsat"), and what
    each CP-SAT search returned."""
    calls: list[str] = []
    searches: list[cpsat.SearchOutcome] = []
    real_tabu, real_search = tabu.tabu_search, cpsat.search

    def traced_tabu(*args, **kwargs):
        calls.append("tabu")
        return real_tabu(*args, **kwargs)

    def traced_search(*args, **kwargs):
        calls.append("cpsat")
        searches.append(real_search(*args, **kwargs))
        return searches[-1]

    monkeypatch.setattr(tabu, "tabu_search", traced_tabu)
    monkeypatch.setattr(cpsat, "search", traced_search)
    return calls, searches
