"""A small set of named hard constraints that together leave no schedule.

The model is built with every explainable constraint guarded by a literal (`build_model(...,
explain=True)`), the literals are assumed true, and CP-SAT's sufficient assumptions for
infeasibility name a conflicting set. Assumptions come with conditions: one worker (parallel
search does not report them), no objective (a feasibility question), and no presolve, which has
been seen to return a literal that was never assumed (google/or-tools#5141). Whatever CP-SAT
returns is checked by solving again under that set alone, then shrunk one constraint at a time
while it stays infeasible, within a time budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat.model import BuildExpired, build_model
from scheduler.cpsat.runner import run
from scheduler.problem import Problem
from scheduler.stop import Deadline


@dataclass(frozen=True)
class Explanation:
    keys: tuple[str, ...]
    """Named hard constraints (`deadline:3`, ...) that cannot all hold; empty when the problem is
    infeasible even without any of them."""
    minimal: bool
    """True when dropping any one key was shown to leave a feasible problem."""


def explain_infeasibility(
    problem: Problem,
    *,
    time_limit: float = 5.0,
    deadline: Deadline | None = None,
    horizon_at_least: int = 0,
) -> Explanation | None:
    """A conflicting set of named constraints; None when infeasibility was not proven in time.

    Takes at most `time_limit` seconds, and ends with `deadline` (its stop token included).
    `horizon_at_least` is the horizon under which the search proved infeasibility.
    """
    deadline = (deadline or Deadline()).within(time_limit)
    try:
        sm = build_model(
            problem, explain=True, incumbent_makespan=horizon_at_least, deadline=deadline
        )
    except BuildExpired:
        return None
    model = sm.model
    model.clear_objective()
    guards = sm.ops.guards or {}
    key_of = {literal.index: key for key, literal in guards.items()}

    def solve_under(keys: list[str], share: float) -> tuple[str, list[str]]:
        """CP-SAT's status name and, when infeasible, the conflicting subset of `keys`."""
        model.clear_assumptions()
        model.add_assumptions([guards[k] for k in keys])
        parameters = {
            "max_time_in_seconds": max(0.01, share),
            "num_workers": 1,
            "cp_model_presolve": False,
            "catch_sigint_signal": False,
        }
        solver, status = run(model, parameters, deadline)
        if status != cp_model.INFEASIBLE:
            return solver.status_name(status), []
        core = {key_of[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in key_of}
        return "INFEASIBLE", [k for k in keys if k in core]

    keys = list(guards)
    status, core = solve_under(keys, time_limit)
    if status != "INFEASIBLE":
        return None
    if core != keys:
        # Trust but verify: the set must be infeasible on its own.
        status, _ = solve_under(core, time_limit / 4)
        if status != "INFEASIBLE":
            core = keys
    # A key whose removal leaves a feasible problem stays necessary in every subset of the set.
    necessary: set[str] = set()
    minimal = True
    while True:
        candidates = [k for k in core if k not in necessary]
        if not candidates:
            break
        if deadline.expired:
            minimal = False
            break
        without = [k for k in core if k != candidates[0]]
        status, smaller = solve_under(without, max(0.05, deadline.remaining() / 4))
        if status == "INFEASIBLE":
            # CP-SAT's own set for the smaller problem may drop more than the one key tried.
            core = smaller or without
        else:
            necessary.add(candidates[0])
            minimal = minimal and status in ("FEASIBLE", "OPTIMAL")
    return Explanation(tuple(core), minimal)


__all__ = ["Explanation", "explain_infeasibility"]
