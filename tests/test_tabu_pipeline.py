"""The job-shop pipeline around the tabu search: the dispatching schedule reported before the
search starts, and CP-SAT's search ending early enough for its model's size."""

from __future__ import annotations

import pytest

from scheduler import cpsat
from scheduler.bench.child import _solution_times
from scheduler.cpsat import solver
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.generate import generate_jssp
from scheduler.heuristics import best_dispatch, fjsp_tabu
from scheduler.heuristics.tabu import compile_kernels
from scheduler.params import SolveParams
from scheduler.result import Progress
from scheduler.solve import solve
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
