"""Solves fanned out on Ray in local mode (a 2-CPU runtime this module starts and tears down)."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from helpers import jobshop, random_flexible_shop

from scheduler.cli import main
from scheduler.executor import LocalPool, Task, open_executor
from scheduler.planning.changes import ScenarioFile
from scheduler.planning.whatif import compare
from scheduler.stop import StopToken

ray = pytest.importorskip("ray", reason="the optional `ray` extra is not installed (`dev` has it)")
from scheduler.executor_ray import RayExecutor  # noqa: E402  (needs ray)

SCENARIOS = ScenarioFile.model_validate(
    {
        "scenarios": [
            {
                "name": "more m0",
                "changes": [{"kind": "machine_added", "machine_id": "m0+", "like": "m0"}],
            },
            {
                "name": "m1 down",
                "changes": [{"kind": "machine_down", "machine_id": "m1", "start": 0, "end": 9}],
            },
            {"name": "j2 cancelled", "changes": [{"kind": "order_cancelled", "order_id": "j2"}]},
        ]
    }
)
"""Three scenarios of a 4x3 flexible shop that CP-SAT solves to optimality in well under a second."""


@pytest.fixture(scope="module")
def on_ray():
    """One local Ray runtime (2 CPUs, small object store) for the module, shut down after it."""
    options = {"num_cpus": 2, "include_dashboard": False, "object_store_memory": 100 * 1024**2}
    try:
        ray.init(**options, logging_level=logging.WARNING)
    except Exception:
        # Ray gives its node 30 s to register; on a loaded shared machine it once took longer.
        ray.shutdown()
        ray.init(**options, logging_level=logging.WARNING)
    yield RayExecutor(None)
    ray.shutdown()


def _answers(report):
    """What a comparison found (statuses, figures, deltas, schedules), without its timings."""
    found = {}
    for entry in (report["base"], *report["scenarios"]):
        schedule = entry["schedule"]
        found[entry["name"]] = (
            entry["status"],
            entry["objective"],
            entry["best_bound"],
            entry["verified"],
            entry["kpis"],
            entry.get("deltas"),
            schedule["operations"] if schedule else None,
        )
    return found


def test_a_comparison_on_ray_equals_the_local_pools(on_ray):
    """Base and three scenarios solved to optimality give the same report on Ray as locally."""
    base = random_flexible_shop(4, 3, seed=5)
    on_local = compare(base, SCENARIOS, 40.0, cores=2, executor=LocalPool())
    on_cluster = compare(base, SCENARIOS, 40.0, cores=2, executor=on_ray)
    assert on_cluster["pool"]["executor"] == "ray" and on_local["pool"]["executor"] == "local"
    answers = _answers(on_cluster)
    assert all(status == "OPTIMAL" and verified for status, _, _, verified, *_ in answers.values())
    assert answers == _answers(on_local)


def test_a_ray_task_declares_its_workers_and_is_recycled(on_ray):
    """Two one-thread tasks on one slot run in two worker processes; progress events come back."""
    text = random_flexible_shop(4, 3, seed=5).model_dump_json()
    end = time.time() + 30
    outcomes = on_ray.run([Task("a", text, 1, 10, end), Task("b", text, 1, 10, end)], 1)
    assert all(o.result is not None and o.result["status"] == "OPTIMAL" for o in outcomes.values())
    assert outcomes["a"].pid != outcomes["b"].pid
    assert (
        outcomes["a"].events
        and outcomes["a"].events[-1].objective == outcomes["a"].result["objective"]
    )


def test_a_task_needing_more_cpus_than_the_cluster_has_waits_then_stops(on_ray):
    """A 3-worker task on a 2-CPU runtime is never started (Ray reserves `num_cpus`); a stop ends the run."""
    stop = StopToken()
    threading.Timer(1.0, stop.stop).start()
    task = Task("big", jobshop([[(0, 3)]]).model_dump_json(), 3, 10, time.time() + 30)
    outcomes = on_ray.run([task], 1, stop=stop)
    assert outcomes["big"].result is None and outcomes["big"].error is not None


def test_a_stop_reaches_a_long_ray_task_within_about_a_second(on_ray):
    """A stop once a 60 s solve reports progress ends it with its best schedule, in seconds."""
    hard = random_flexible_shop(15, 10, seed=3, longest=99)
    task = Task("hard", hard.model_dump_json(), 1, 60, time.time() + 60)
    stop = StopToken()
    stopped_at: list[float] = []

    def on_progress(event):
        if not stopped_at:
            stopped_at.append(time.monotonic())
            stop.stop()

    outcome = on_ray.run([task], 1, stop=stop, on_progress=on_progress)["hard"]
    returned = time.monotonic() - stopped_at[0]
    # Cancelled (not forced): the task's own stop token was set and the solve kept its schedule.
    assert outcome.result is not None and outcome.result["stop_reason"] == "cancelled"
    assert outcome.result["operations"]
    assert returned < 2.5, f"the stop took {returned:.1f} s to end the task"


def test_whatif_runs_on_ray_from_the_command_line(on_ray, tmp_path):
    """`scheduler whatif --executor ray` uses the runtime already up and leaves it running."""
    (tmp_path / "base.json").write_text(random_flexible_shop(4, 3, seed=5).model_dump_json())
    (tmp_path / "s.json").write_text('{"scenarios": [{"name": "same", "changes": []}]}')
    out = tmp_path / "report.json"
    argv = ["whatif", str(tmp_path / "base.json"), str(tmp_path / "s.json"), "--out", str(out)]
    assert main([*argv, "--executor", "ray", "--time-limit", "30"]) == 0
    report = json.loads(out.read_text())
    assert report["pool"]["executor"] == "ray" and report["pool"]["cores"] == 2
    assert report["base"]["verified"] and report["base"]["status"] == "OPTIMAL"
    assert ray.is_initialized()


def test_auto_takes_the_running_ray_cluster(on_ray):
    """`auto` connects to a Ray runtime that is up rather than the local pool."""
    assert isinstance(open_executor("auto"), RayExecutor)
