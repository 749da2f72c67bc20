"""What-if comparison: solve a base problem and its scenarios within one budget, side by side.

Every problem (the base and each scenario's) is solved once in its own process, on the local pool
of spawned processes or on Ray (see `scheduler.executor`); scenarios whose changes give the same
problem share one solve. The thread budget is the executor's: `workers` CP-SAT threads per solve
times `width` concurrent solves never exceeds its cores (this machine's, or the Ray cluster's
CPUs), and each solve's time limit is its share of the one wall-clock budget given how many
rounds of `width` solves the pool runs.

Each scenario's answer carries its deltas against the base. A delta is `proven` when both solves
closed their gaps (both schedules optimal); for the objective (and the KPI a single-term objective
is made of) `low`/`high` bound how far apart the two optima can be, from the two bounds:
[bound_s - objective_b, objective_s - bound_b].
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scheduler.executor import NO_ANSWER, NOT_STARTED, Executor, LocalPool, Outcome, Progress, Task
from scheduler.formats.solution import read_schedule
from scheduler.planning.changes import ScenarioFile, apply_scenario
from scheduler.problem import Problem
from scheduler.schedule import Kpis
from scheduler.stop import StopToken
from scheduler.verify import verify

BASE = "base"
"""The name the base problem goes by in the report."""
START_SECONDS = 1.0
"""Kept back from each solve's share for starting its process (importing the solver)."""


@dataclass(frozen=True)
class Delta:
    """One figure of a scenario against the base."""

    base: float | None
    scenario: float | None
    delta: float | None
    proven: bool
    """Both solves proved optimality: the difference is that of two optimal schedules."""
    low: float | None = None
    """Least possible difference between the two optima (objective and its KPI only)."""
    high: float | None = None


@dataclass
class Answer:
    """One solved problem of the comparison (the base or a scenario)."""

    name: str
    problem: Problem
    solved_as: str
    """The scenario whose solve this is (itself, or an earlier identical scenario)."""
    result: dict[str, Any] | None = None
    kpis: Kpis | None = None
    verified: bool = False
    error: str | None = None
    deltas: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """The solve's status; UNKNOWN for a solve the budget's end (or a stop) left unstarted or
        without a schedule: time ran out, nothing failed."""
        if self.result is not None:
            return str(self.result["status"])
        return "UNKNOWN" if self.error in (NOT_STARTED, NO_ANSWER) else "ERROR"

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"

    def figure(self, key: str) -> int | None:
        """An integer figure of the schedule file (objective, best_bound); None when absent."""
        value = (self.result or {}).get(key)
        return None if isinstance(value, bool) or not isinstance(value, int) else value


@dataclass(frozen=True)
class Plan:
    """How the budget is shared: `width` solves at a time, `workers` threads each."""

    width: int
    workers: int
    rounds: int
    share: float


def plan_pool(solves: int, budget: float, cores: int) -> Plan:
    """Solves run side by side, one thread each, when there are at least as many as cores;
    fewer solves get more threads each. Never `width * workers > cores`."""
    width = max(1, min(solves, cores))
    workers = max(1, cores // width)
    rounds = math.ceil(solves / width)
    return Plan(width, workers, rounds, budget / rounds)


def compare(
    base: Problem,
    scenarios: ScenarioFile,
    budget: float,
    *,
    cores: int | None = None,
    stop: StopToken | None = None,
    on_progress: Callable[[str, Progress], None] | None = None,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Solve the base and every scenario within `budget` seconds on `executor` (default: the local
    pool; `cores` defaults to the executor's); the comparison report (JSON)."""
    started = time.monotonic()
    executor = executor or LocalPool()
    answers = [Answer(BASE, base, BASE)]
    answers += [
        Answer(s.name, apply_scenario(base, s, k), s.name)
        for k, s in enumerate(scenarios.scenarios)
    ]
    first: dict[str, Answer] = {}
    for answer in answers:
        text = answer.problem.model_dump_json()
        answer.solved_as = first.setdefault(text, answer).name
    unique = {a.solved_as: a for a in answers if a.solved_as == a.name}
    plan = plan_pool(len(unique), budget, cores or executor.cores())
    end = time.time() + budget
    tasks = [
        Task(
            name,
            a.problem.model_dump_json(),
            plan.workers,
            max(0.1, plan.share - START_SECONDS),
            end - START_SECONDS / 2,
        )
        for name, a in unique.items()
    ]
    sharing = {name: [a.name for a in answers if a.solved_as == name] for name in unique}

    def progress(event: Progress) -> None:
        if on_progress is not None:
            for name in sharing[event.key]:
                on_progress(name, event)

    # The pool shares the budget out, but on a loaded machine process starts alone can outlast it:
    # the comparison itself is stopped at its end (each running solve returns its best schedule,
    # those not started are dropped), so every caller keeps the budget (`benchmarks/README.md`).
    inner = StopToken()
    forget = stop.on_stop(inner.stop) if stop is not None else (lambda: None)
    timer = threading.Timer(max(0.0, end - time.time()), inner.stop)
    timer.daemon = True
    timer.start()
    try:
        outcomes = executor.run(tasks, plan.width, stop=inner, on_progress=progress)
    finally:
        timer.cancel()
        forget()
    for answer in answers:
        _gather(answer, outcomes[answer.solved_as])
    for answer in answers[1:]:
        answer.deltas = deltas(answers[0], answer)
    return {
        "budget": budget,
        "wall_time": round(time.monotonic() - started, 3),
        "pool": {
            "executor": executor.name,
            "cores": plan.width * plan.workers,
            "concurrent_solves": plan.width,
            "workers_per_solve": plan.workers,
            "solves": len(unique),
            "seconds_per_solve": round(plan.share, 3),
        },
        "base": _entry(answers[0]),
        "scenarios": [_entry(a) for a in answers[1:]],
    }


def _gather(answer: Answer, outcome: Outcome) -> None:
    """Take the solve's schedule file and verify its schedule against this answer's problem."""
    answer.error = outcome.error
    result = outcome.result
    if result is None:
        return
    answer.result = result
    if not result["operations"]:
        return
    schedule = read_schedule(json.dumps(result))
    report = verify(answer.problem, schedule)
    answer.verified = report.ok
    answer.kpis = report.kpis
    if not report.ok:
        answer.error = f"schedule failed verification: {report.violations[0].message}"


def _entry(answer: Answer) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": answer.name}
    if answer.solved_as != answer.name:
        entry["same_problem_as"] = answer.solved_as
    entry["status"] = answer.status
    result = answer.result or {}
    for key in ("stop_reason", "objective", "best_bound", "gap", "wall_time"):
        entry[key] = result.get(key)
    entry["verified"] = answer.verified
    if answer.error is not None:
        entry["error"] = answer.error
    entry["kpis"] = None if answer.kpis is None else answer.kpis.model_dump(mode="json")
    if answer.deltas:
        entry["deltas"] = answer.deltas
    entry["schedule"] = answer.result
    return entry


_FIGURES = ("makespan", "late_orders", "total_tardiness", "on_time_rate", "setup_time")
_FIGURES_COST = ("purchase_cost",)


def deltas(base: Answer, scenario: Answer) -> dict[str, Any]:
    """The scenario's figures against the base's, each proven or with its uncertainty."""
    proven = base.optimal and scenario.optimal
    out: dict[str, Any] = {"objective": _objective_delta(base, scenario, proven)}
    kb, ks = base.kpis, scenario.kpis
    if kb is None or ks is None:
        return out
    single = _single_term(base.problem)
    for name in (*_FIGURES, *_FIGURES_COST):
        b, s = getattr(kb, name), getattr(ks, name)
        delta = Delta(b, s, s - b, proven)
        if single is not None and single[0] == name and out["objective"]["low"] is not None:
            weight = single[1]
            delta = Delta(
                b,
                s,
                s - b,
                proven,
                math.floor(out["objective"]["low"] / weight),
                math.ceil(out["objective"]["high"] / weight),
            )
        out[name] = delta.__dict__
    late_b = {o.order_id for o in kb.orders if (o.lateness or 0) > 0}
    late_s = {o.order_id for o in ks.orders if (o.lateness or 0) > 0}
    out["orders_became_late"] = sorted(late_s - late_b)
    # A cancelled order is neither late nor on time in the scenario.
    still_there = {o.order_id for o in ks.orders}
    out["orders_became_on_time"] = sorted((late_b - late_s) & still_there)
    used_b = {m.machine_id: m.utilisation for m in kb.machines}
    used_s = {m.machine_id: m.utilisation for m in ks.machines}
    out["utilisation"] = {
        m: Delta(
            used_b.get(m), used_s.get(m), used_s.get(m, 0.0) - used_b.get(m, 0.0), proven
        ).__dict__
        for m in sorted(used_b.keys() | used_s.keys())
    }
    bought_b, bought_s = _purchases(base), _purchases(scenario)
    out["purchases_added"] = [p for p in bought_s if p not in bought_b]
    out["purchases_dropped"] = [p for p in bought_b if p not in bought_s]
    return out


def _objective_delta(base: Answer, scenario: Answer, proven: bool) -> dict[str, Any]:
    ob, os_ = base.figure("objective"), scenario.figure("objective")
    bb, bs = base.figure("best_bound"), scenario.figure("best_bound")
    if ob is None or os_ is None:
        return Delta(ob, os_, None, False).__dict__
    low = None if bs is None else bs - ob
    high = None if bb is None else os_ - bb
    # A lexicographic objective's figures are its last level's, bounded under limits the earlier
    # levels set differently in each solve: their bounds do not compare across scenarios.
    if low is None or high is None or len(base.problem.objective.levels) > 1:
        low = high = None
    return Delta(ob, os_, os_ - ob, proven, low, high).__dict__


def _single_term(problem: Problem) -> tuple[str, int] | None:
    """The KPI a one-level, one-term objective is made of, and its weight."""
    levels = problem.objective.levels
    if len(levels) != 1 or len(levels[0].terms) != 1 or levels[0].terms[0].weight <= 0:
        return None
    term = levels[0].terms[0]
    return str(term.kind.value), term.weight


def _purchases(answer: Answer) -> list[dict[str, Any]]:
    rows = (answer.result or {}).get("purchases", [])
    keys = ("item_id", "supplier_id", "quantity", "order_time")
    return [{k: row.get(k) for k in keys} for row in rows]
