"""What-if comparison: the spawned pool, shared solves, deltas with proofs, the CLI end to end."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from helpers import jobshop

from scheduler.cli import main
from scheduler.executor import CONTEXT, Task, run_tasks
from scheduler.formats.generate import generate_jssp
from scheduler.planning.changes import ScenarioFile
from scheduler.planning.whatif import Answer, compare, deltas, plan_pool
from scheduler.problem import Objective
from scheduler.stop import StopToken

TWO_JOBS = jobshop([[(0, 3), (1, 2)], [(1, 2), (0, 4)]], due=[7, 8])
"""Optimal makespan 7, both on time; with m0 down in [0, 10) it is 17 and both are late."""


def scenarios(*named: tuple[str, list[dict[str, object]]]) -> ScenarioFile:
    return ScenarioFile.model_validate({"scenarios": [{"name": n, "changes": c} for n, c in named]})


def test_the_pool_spawns_and_recycles_a_process_per_solve():
    """Two solves on a pool of width one run in two spawned processes (different pids)."""
    text = TWO_JOBS.model_dump_json()
    end = time.time() + 30
    outcomes = run_tasks([Task("a", text, 1, 10, end), Task("b", text, 1, 10, end)], 1)
    assert CONTEXT.get_start_method() == "spawn"
    assert all(o.result is not None and o.result["status"] == "OPTIMAL" for o in outcomes.values())
    assert outcomes["a"].pid != outcomes["b"].pid


def test_a_stop_ends_running_solves_at_once():
    """A stop 0.5 s into 60 s solves ends the pool within a few seconds, not a minute."""
    rng = random.Random(3)
    hard = jobshop(
        [[(m, rng.randint(1, 99)) for m in rng.sample(range(10), 10)] for _ in range(15)]
    )
    end = time.time() + 60
    tasks = [Task(k, hard.model_dump_json(), 1, 60, end) for k in ("a", "b")]
    stop = StopToken()
    threading.Timer(0.5, stop.stop).start()
    started = time.monotonic()
    run_tasks(tasks, 2, stop=stop)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("solves", "cores"), [(1, 2), (2, 2), (9, 2), (3, 8), (1, 1), (5, 3)])
def test_the_pool_never_runs_more_threads_than_cores(solves, cores):
    """Concurrent solves times threads per solve stays within the cores."""
    plan = plan_pool(solves, 60.0, cores)
    assert plan.width * plan.workers <= cores
    assert plan.width * plan.rounds >= solves


def test_identical_scenarios_are_solved_once():
    """Two scenarios with the same changes, and one with none (the base), share solves."""
    down = [{"kind": "machine_down", "machine_id": "m0", "start": 0, "end": 10}]
    report = compare(TWO_JOBS, scenarios(("a", down), ("b", down), ("none", [])), 20.0, cores=2)
    assert report["pool"]["solves"] == 2
    a, b, none = report["scenarios"]
    assert "same_problem_as" not in a
    assert b["same_problem_as"] == "a" and none["same_problem_as"] == "base"
    assert b["objective"] == a["objective"] == 17 and b["verified"]


def test_a_machine_added_never_worsens_the_makespan():
    """A copy of any machine (more capacity) gives an optimal makespan at most the base's."""
    rng = random.Random(2)
    base = jobshop([[(m, rng.randint(1, 9)) for m in rng.sample(range(3), 3)] for _ in range(3)])
    added = [
        (f"more {m}", [{"kind": "machine_added", "machine_id": f"{m}-bis", "like": m}])
        for m in ("m0", "m1", "m2")
    ]
    report = compare(base, scenarios(*added), 10.0, cores=2)
    assert report["base"]["status"] == "OPTIMAL"
    for entry in report["scenarios"]:
        makespan = entry["deltas"]["makespan"]
        assert entry["status"] == "OPTIMAL" and makespan["proven"]
        assert makespan["delta"] <= 0 and makespan["high"] <= 0


def test_whatif_on_the_command_line_reports_proven_deltas(tmp_path, capsys):
    """`scheduler whatif` writes each scenario's schedule and its proven deltas against the base;
    an infeasible scenario is reported, exit code 0."""
    (tmp_path / "base.json").write_text(TWO_JOBS.model_dump_json())
    down = [{"kind": "machine_down", "machine_id": "m0", "start": 0, "end": 10}]
    impossible = [{"kind": "deadline_changed", "order_id": "j0", "deadline": 1}]
    named = scenarios(("m0 down", down), ("impossible", impossible))
    (tmp_path / "s.json").write_text(named.model_dump_json())
    out = tmp_path / "report.json"
    argv = ["whatif", str(tmp_path / "base.json"), str(tmp_path / "s.json"), "--out", str(out)]
    assert main([*argv, "--time-limit", "20"]) == 0
    report = json.loads(out.read_text())
    entry, impossible_entry = report["scenarios"]
    # A scenario without a schedule is an answer, not a failure of the command.
    assert impossible_entry["status"] == "INFEASIBLE" and not impossible_entry["verified"]
    deltas = entry["deltas"]
    assert deltas["makespan"] == {
        "base": 7,
        "scenario": 17,
        "delta": 10,
        "proven": True,
        "low": 10,
        "high": 10,
    }
    assert deltas["orders_became_late"] == ["j0", "j1"] and deltas["orders_became_on_time"] == []
    assert deltas["late_orders"]["delta"] == 2 and deltas["total_tardiness"]["delta"] > 0
    assert entry["verified"] and len(entry["schedule"]["operations"]) == 4
    assert "m0 down" in capsys.readouterr().out


def test_whatif_names_an_unknown_id_in_the_scenarios_file(tmp_path, capsys):
    """A scenario naming an unknown machine fails before any solve, naming the field."""
    (tmp_path / "base.json").write_text(TWO_JOBS.model_dump_json())
    down = [{"kind": "machine_down", "machine_id": "m7", "start": 0, "end": 10}]
    (tmp_path / "s.json").write_text(scenarios(("ok", []), ("bad", down)).model_dump_json())
    assert main(["whatif", str(tmp_path / "base.json"), str(tmp_path / "s.json")]) == 1
    assert "scenarios[1].changes[0].machine_id" in capsys.readouterr().err


def _answer(problem, objective, bound, status="FEASIBLE"):
    result = {"status": status, "objective": objective, "best_bound": bound}
    return Answer("x", problem, "x", result=result)


def test_an_unproven_delta_carries_the_interval_of_the_two_bounds():
    """Objective delta: [bound_s - objective_b, objective_s - bound_b], not proven."""
    delta = deltas(_answer(TWO_JOBS, 10, 8), _answer(TWO_JOBS, 14, 11))["objective"]
    assert (delta["delta"], delta["low"], delta["high"], delta["proven"]) == (4, 1, 6, False)


def test_a_lexicographic_objective_gets_no_interval():
    """Last-level bounds under different earlier-level limits give no interval."""
    levels = {"levels": [{"terms": [{"kind": "makespan"}]}, {"terms": [{"kind": "setup_time"}]}]}
    problem = TWO_JOBS.model_copy(update={"objective": Objective.model_validate(levels)})
    delta = deltas(_answer(problem, 10, 8), _answer(problem, 14, 11))["objective"]
    assert delta["delta"] == 4 and delta["low"] is None and delta["high"] is None


def test_a_comparison_keeps_its_budget_when_solves_cannot_all_start():
    """Nine solves of one second's share each in a 2 s budget on one core: the comparison stops at
    its end (solves not started are UNKNOWN, not errors) instead of running every round (it took
    20 s for a 3 s budget under load)."""
    base = generate_jssp(30, 10, seed=3)
    down = [
        (f"down {k}", [{"kind": "machine_down", "machine_id": f"m{k}", "start": 0, "end": 50 + k}])
        for k in range(8)
    ]
    started = time.monotonic()
    report = compare(base, scenarios(*down), 2.0, cores=1)
    assert time.monotonic() - started < 3.5
    statuses = {entry["status"] for entry in report["scenarios"]}
    assert "ERROR" not in statuses and "UNKNOWN" in statuses
