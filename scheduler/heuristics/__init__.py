"""Dispatching heuristics: a feasible schedule in milliseconds, CP-SAT's warm start and fallback.

`dispatch` serves classic job shops; `factory_dispatch` every rule of a factory problem.

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
from scheduler.heuristics.factory import (
    DEFAULT_FACTORY_BUDGET_OPERATIONS,
    DEFAULT_FACTORY_SECONDS,
    PinnedRepair,
    best_factory_dispatch,
    factory_dispatch,
    factory_rules_for,
)

__all__ = [
    "DEFAULT_BUDGET_OPERATIONS",
    "DEFAULT_FACTORY_BUDGET_OPERATIONS",
    "DEFAULT_FACTORY_SECONDS",
    "PinnedRepair",
    "Rule",
    "best_dispatch",
    "best_dispatch_arrays",
    "best_factory_dispatch",
    "dispatch",
    "dispatch_arrays",
    "factory_dispatch",
    "factory_rules_for",
    "objective_of_ends",
    "rules_for",
]
