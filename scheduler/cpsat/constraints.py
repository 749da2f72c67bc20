"""The modelling rules, one function each, applied in the order listed in `RULES`.

Release times and the incumbent's completion caps are not rules here: they are the domains of the
start and end variables (see `bounds.py`), which is where CP-SAT propagates them for free.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.cpsat.materials import add_material_flow
from scheduler.cpsat.resources import add_secondary_resources
from scheduler.cpsat.setups import add_sequence_dependent_setups
from scheduler.cpsat.variables import OperationVars
from scheduler.problem import Problem


def add_one_mode_per_operation(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """Each operation runs on exactly one of its eligible machines."""
    ix = problem.index
    for o in range(ix.n_operations):
        modes = ix.modes(o)
        if len(modes) > 1:
            model.add_exactly_one(v.mode_presence[k] for k in modes)  # type: ignore[misc]


def add_routing_precedence(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """An operation starts at least its minimum lag after each predecessor ends, and at most its
    maximum lag after (when one is set). Releases are the start variables' domains."""
    ix = problem.index
    pred_op, min_lag, max_lag = (
        ix.pred_op.tolist(),
        ix.pred_min_lag.tolist(),
        ix.pred_max_lag.tolist(),
    )
    for o in range(ix.n_operations):
        for p in ix.predecessors(o):
            before = v.end[pred_op[p]]
            model.add(v.start[o] >= before + min_lag[p])
            if max_lag[p] >= 0:
                excess = v.slack(model, f"max_lag:{o}")
                model.add(v.start[o] <= before + max_lag[p] + excess).only_enforce_if(
                    v.guarded(model, f"max_lag:{o}")
                )


def add_machine_capacity(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """A machine processes at most `capacity` operations at a time (one: no overlap)."""
    ix = problem.index
    by_machine: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for k, (machine, duration) in enumerate(
        zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True)
    ):
        # CP-SAT forbids a zero-length interval strictly inside another; it occupies nothing.
        # (Zero work never stretches over a calendar break, so its span is zero too.)
        if duration > 0:
            by_machine[machine].append(v.mode_interval[k])
    for machine, intervals in by_machine.items():
        capacity = problem.machines[machine].capacity
        if len(intervals) <= capacity:
            continue
        if capacity == 1:
            model.add_no_overlap(intervals)
        else:
            model.add_cumulative(intervals, [1] * len(intervals), capacity)


def add_deadlines(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """An order completes by its deadline (hard); each deadline can be named by the explainer."""
    deadline = problem.index.deadline.tolist()
    for j, d in enumerate(deadline):
        if d >= 0:
            excess = v.slack(model, f"deadline:{j}")
            model.add(v.completion[j] <= d + excess).only_enforce_if(
                v.guarded(model, f"deadline:{j}")
            )


Rule = Callable[[cp_model.CpModel, Problem, OperationVars], None]

RULES: tuple[Rule, ...] = (
    add_one_mode_per_operation,
    add_routing_precedence,
    add_machine_capacity,
    add_sequence_dependent_setups,
    add_secondary_resources,
    add_deadlines,
    add_material_flow,
)
