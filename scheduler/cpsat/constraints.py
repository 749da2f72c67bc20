"""The modelling rules, one function each, applied in the order listed in `RULES`.

Release times and the incumbent's completion caps are not rules here: they are the domains of the
start and end variables (see `bounds.py`), which is where CP-SAT propagates them for free.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

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
    """An operation starts after the previous operation of its order ends."""
    ix = problem.index
    for j in range(ix.n_jobs):
        first, last = int(ix.job_start[j]), int(ix.job_start[j + 1])
        for o in range(first + 1, last):
            model.add(v.start[o] >= v.end[o - 1])


def add_machine_no_overlap(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """A machine processes one operation at a time."""
    ix = problem.index
    by_machine: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for k, (machine, duration) in enumerate(
        zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True)
    ):
        # CP-SAT forbids a zero-length interval strictly inside another; it occupies nothing.
        if duration > 0:
            by_machine[machine].append(v.mode_interval[k])
    for intervals in by_machine.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)


Rule = Callable[[cp_model.CpModel, Problem, OperationVars], None]

RULES: tuple[Rule, ...] = (
    add_one_mode_per_operation,
    add_routing_precedence,
    add_machine_no_overlap,
    add_sequence_dependent_setups,
)
