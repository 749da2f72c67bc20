"""Dispatching heuristics: a feasible schedule in milliseconds, CP-SAT's warm start and fallback.

Never imports ortools, so it works wherever the solver cannot.
"""

from scheduler.heuristics.dispatching import (
    DEFAULT_BUDGET_OPERATIONS,
    Rule,
    best_dispatch,
    best_dispatch_arrays,
    dispatch,
    dispatch_arrays,
    objective_of_ends,
    rules_for,
)

__all__ = [
    "DEFAULT_BUDGET_OPERATIONS",
    "Rule",
    "best_dispatch",
    "best_dispatch_arrays",
    "dispatch",
    "dispatch_arrays",
    "objective_of_ends",
    "rules_for",
]
