"""Trust in the solver: one deadline for every phase, INFEASIBLE only when proven, a schedule for
plants whose dispatching misses deadlines or maximum lags."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import SLOW_CALENDAR_PROBLEM, make_problem
from hypothesis import HealthCheck, assume, given, settings
from test_factory_heuristic import _bench_module, factory_problems

import scheduler.solve as solve_module
from scheduler import cpsat
from scheduler.cpsat.explain import explain_infeasibility
from scheduler.formats.catalog import load_instance
from scheduler.formats.generate import generate_jssp
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem, parse_problem_json
from scheduler.result import SolveStatus, StopReason
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.stop import Deadline, StopToken
from scheduler.verify import ViolationKind, verify

FAST = SolveParams(time_limit=10, workers=2)


def _no_dispatching(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT on its own: the factory heuristic finds nothing."""
    monkeypatch.setattr(solve_module, "best_factory_dispatch", lambda problem, **kwargs: None)


def _one_machine(deadlines: list[int]) -> Problem:
    """Orders of one 5-tick operation each on one machine, with these deadlines."""
    problem = make_problem([[[(0, 5)]] for _ in deadlines])
    data = problem.model_dump(mode="json")
    for order, deadline in zip(data["orders"], deadlines, strict=True):
        order["deadline"] = deadline
    return parse_problem(data)


def _in_order(problem: Problem, *jobs: int) -> Schedule:
    """The orders' single operations back to back on machine 0, in this order."""
    operations = []
    t = 0
    for j in jobs:
        operations.append(ScheduledOperation(j, 0, 0, t, t + 5))
        t += 5
    return Schedule(tuple(sorted(operations, key=lambda op: op.job)))


# --------------------------------------------------------------------------------------------------
# INFEASIBLE only when proven


def test_a_horizon_that_is_no_proof_is_widened(monkeypatch):
    """A user's no-wait problem across breaks (`SLOW_CALENDAR_PROBLEM`), once reported INFEASIBLE
    under its serial horizon of 1,040 ticks, is solved by CP-SAT on its own (makespan 1,041), never INFEASIBLE."""
    _no_dispatching(monkeypatch)
    problem = parse_problem_json(SLOW_CALENDAR_PROBLEM)
    assert not cpsat.horizon_is_proof(problem)
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 1041
    assert verify(problem, result.schedule).ok


def test_without_maximum_lags_the_horizon_is_a_proof():
    """Job shops, calendars and deadlines alone keep the serial horizon a proof."""
    assert cpsat.horizon_is_proof(_one_machine([5, 5]))


def test_a_lag_block_that_never_fits_is_unknown_not_infeasible():
    """A no-wait pair that fits no working day is not proven infeasible by a bounded horizon: the
    answer is UNKNOWN, and it comes at once (the widening stops at a cap)."""
    problem = parse_problem(
        {
            "tick": "PT1H",
            "calendars": [
                {
                    "id": "day",
                    "shifts": [
                        {
                            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                            "start": "08:00",
                            "end": "16:00",
                        }
                    ],
                }
            ],
            "machines": [{"id": "m0", "calendar": "day"}],
            "orders": [
                {
                    "id": "j",
                    "operations": [
                        {"id": "a", "machines": [{"machine_id": "m0", "duration": 1}]},
                        {
                            "id": "b",
                            "machines": [{"machine_id": "m0", "duration": 5}],
                            "predecessors": [{"operation_id": "a", "min_lag": 3, "max_lag": 3}],
                        },
                    ],
                }
            ],
        }
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.UNKNOWN
    assert result.wall_time < 5


# --------------------------------------------------------------------------------------------------
# A schedule for plants whose dispatching misses deadlines


def test_missed_deadlines_seed_a_relaxed_phase(monkeypatch):
    """A dispatching schedule that misses a deadline is repaired by the relaxed first phase (it is
    CP-SAT's start, not thrown away), and the result is optimal and verified."""
    problem = _one_machine([10, 5])
    late = _in_order(problem, 0, 1)
    assert {v.kind for v in verify(problem, late).violations} == {ViolationKind.DEADLINE}
    monkeypatch.setattr(solve_module, "best_factory_dispatch", lambda problem, **kwargs: late)
    relaxed = []
    build = cpsat.build_model

    def recording(*args, **kwargs):
        relaxed.append(kwargs.get("relaxed", False))
        return build(*args, **kwargs)

    monkeypatch.setattr(solve_module.cpsat, "build_model", recording)
    result = solve(problem, FAST)
    assert relaxed == [True]
    assert result.status is SolveStatus.OPTIMAL and result.objective == 10
    assert verify(problem, result.schedule).ok


def test_the_relaxed_phase_proves_infeasibility_and_explains_it():
    """Two 5-tick orders due by tick 5 on one machine: the relaxed phase's least excess is 5, a
    proof; the explanation names both deadlines."""
    result = solve(_one_machine([5, 5]), FAST)
    assert result.status is SolveStatus.INFEASIBLE and result.stop_reason is StopReason.FINISHED
    assert sorted(c.field for c in result.explanation) == [
        "orders[0].deadline",
        "orders[1].deadline",
    ]


# --------------------------------------------------------------------------------------------------
# One deadline for every phase


@pytest.mark.parametrize("limit", [1.0, 3.0])
def test_the_users_slow_problem_answers_within_its_limit(limit):
    """The problem whose heuristic once ran 36 s per rule (and answered INFEASIBLE after 181 s at a
    10 s limit) answers within its limit plus a second, with a verified schedule."""
    problem = parse_problem_json(SLOW_CALENDAR_PROBLEM)
    started = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=limit, workers=2))
    assert time.perf_counter() - started < limit + 1
    assert result.status is not SolveStatus.INFEASIBLE and result.schedule is not None
    assert verify(problem, result.schedule).ok


def test_a_stop_during_the_heuristic_ends_the_solve():
    """A stop 0.2 s into a solve whose heuristic would take seconds (6,000 operations with
    calendars) returns within a second."""
    problem = _bench_module().plant(600)
    problem.index  # noqa: B018 - built outside the timing
    stop = StopToken()
    threading.Timer(0.2, stop.stop).start()
    started = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=60, workers=2), stop=stop)
    assert time.perf_counter() - started < 1.5
    assert result.stop_reason is StopReason.CANCELLED


def test_the_explainer_ends_with_the_deadline():
    """An explainer whose call is already stopped answers at once, with no explanation."""
    stop = StopToken()
    stop.stop()
    started = time.perf_counter()
    assert explain_infeasibility(_one_machine([5, 5]), deadline=Deadline(60, stop)) is None
    assert time.perf_counter() - started < 1


def test_hint_completion_ends_with_the_deadline():
    """Hint completion on a stopped call gives up at once (the solve then searches unhinted)."""
    problem = _one_machine([10, 10])
    sm = cpsat.build_model(problem)
    cpsat.add_hint(sm, _in_order(problem, 0, 1))
    stop = StopToken()
    stop.stop()
    started = time.perf_counter()
    assert not cpsat.complete_hint(sm, 60, Deadline(60, stop))
    assert time.perf_counter() - started < 1


def test_a_model_build_ends_with_the_deadline():
    """A build past its deadline raises BuildExpired instead of finishing the model."""
    with pytest.raises(cpsat.BuildExpired):
        cpsat.build_model(_one_machine([10, 10]), deadline=Deadline(0))


def test_a_stop_in_the_second_level_keeps_the_first_levels_schedule():
    """A stop on the first solution of level 2 ends the solve at once with a verified schedule."""
    from test_objectives import just_in_time

    problem = just_in_time()
    stop = StopToken()

    def on_progress(event):
        if event.level == 1:
            stop.stop()

    started = time.perf_counter()
    result = solve(
        problem, SolveParams(time_limit=30, workers=2), stop=stop, on_progress=on_progress
    )
    assert time.perf_counter() - started < 10
    assert result.stop_reason is StopReason.CANCELLED and result.schedule is not None
    assert verify(problem, result.schedule).ok


def test_a_stop_during_hint_completion_ends_the_solve(monkeypatch):
    """A stop arriving while the hint is completed returns within a second with the incumbent."""
    problem = load_instance("assembly")
    stop = StopToken()
    complete = cpsat.complete_hint

    def stopped_during(sm, limit, deadline=None):
        threading.Timer(0.05, stop.stop).start()
        return complete(sm, limit, deadline)

    monkeypatch.setattr(solve_module.cpsat, "complete_hint", stopped_during)
    started = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=60, workers=2), stop=stop)
    assert time.perf_counter() - started < 5
    assert result.stop_reason is StopReason.CANCELLED
    assert result.schedule is not None and verify(problem, result.schedule).ok


# --------------------------------------------------------------------------------------------------
# Random plants with deadlines from a known schedule


def _with_deadlines(problem: Problem, completions: list[int] | None) -> Problem:
    """`problem` with each order's deadline at the given completion (None: no deadlines)."""
    data = problem.model_dump(mode="json")
    for j, order in enumerate(data["orders"]):
        order["deadline"] = None if completions is None else completions[j]
    return parse_problem(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_problems())
def test_random_plants_with_tight_deadlines_get_a_schedule_on_time(problem):
    """Every rule at once, deadlines exactly at a known schedule's completions: the solve answers
    within its limit plus a second, with a verified schedule (one is known to exist)."""
    loose = _with_deadlines(problem, None)
    known = solve(loose, SolveParams(time_limit=2, workers=2))
    assume(known.schedule is not None)
    assert known.kpis is not None
    tight = _with_deadlines(problem, [kpi.completion for kpi in known.kpis.orders])
    started = time.perf_counter()
    result = solve(tight, SolveParams(time_limit=2, workers=2))
    assert time.perf_counter() - started < 3
    assert result.schedule is not None, result.status
    assert verify(tight, result.schedule).ok


def test_a_stop_right_after_the_repair_keeps_the_repaired_schedule(monkeypatch):
    """Stopped before the first level finds anything, the solve returns the relaxed phase's
    schedule (it keeps every deadline), not UNKNOWN."""
    problem = _one_machine([10, 5])
    late = _in_order(problem, 0, 1)
    monkeypatch.setattr(solve_module, "best_factory_dispatch", lambda problem, **kwargs: late)
    stop = StopToken()
    search_levels = solve_module._search_levels

    def stopped_first(*args, **kwargs):
        stop.stop()
        return search_levels(*args, **kwargs)

    monkeypatch.setattr(solve_module, "_search_levels", stopped_first)
    result = solve(problem, FAST, stop=stop)
    assert result.status is SolveStatus.FEASIBLE and result.stop_reason is StopReason.CANCELLED
    assert verify(problem, result.schedule).ok


def test_a_limit_shorter_than_the_finish_reserve_still_gets_the_dispatching_schedule():
    """20,000 operations at 0.3 s: less than the time kept back for verifying the last solution,
    yet the first dispatching schedule (0.1 s) is built and returned, within the limit plus a
    second of CPU time (it once came back UNKNOWN at once). The dispatching and the verification
    take 0.25 s of CPU, which at load 8-15 on two cores took more than a second of wall time: the
    wall clock gets a few seconds, the CPU time (all threads, insensitive to load) the second."""
    problem = generate_jssp(200, 100, seed=1)
    problem.index  # noqa: B018 - built outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    result = solve(problem, SolveParams(time_limit=0.3, workers=2))
    assert time.process_time() - cpu < 1.3
    assert time.perf_counter() - started < 4.0
    assert result.status is SolveStatus.HEURISTIC


def test_a_stopped_dispatching_is_not_retried_without_maximum_lags(monkeypatch):
    """A stop during the dispatching of a plant with maximum lags ends the heuristic: the plant is
    not rebuilt without its lags for a second try (0.65 s of dead work at 6,000 operations, which
    made the stop test above overrun on a loaded machine)."""
    problem = _bench_module().plant(60)
    assert bool((problem.index.pred_max_lag >= 0).any())
    stop = StopToken()
    dispatch = solve_module.best_factory_dispatch

    def stopped_during(problem, **kwargs):
        stop.stop()
        return dispatch(problem, **kwargs)

    rebuilt: list[Problem] = []
    monkeypatch.setattr(solve_module, "best_factory_dispatch", stopped_during)
    monkeypatch.setattr(solve_module, "_without_max_lags", lambda p: rebuilt.append(p) or p)
    result = solve(problem, FAST, stop=stop)
    assert result.stop_reason is StopReason.CANCELLED
    assert rebuilt == []
