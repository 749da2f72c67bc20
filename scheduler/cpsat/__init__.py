"""Problem → CP-SAT model → schedule. The only package that imports `ortools`."""

from scheduler.cpsat.model import SchedulingModel, add_hint, build_model
from scheduler.cpsat.objective import hint_values, hold_level, minimize_level
from scheduler.cpsat.solver import SearchOutcome, search

__all__ = [
    "SchedulingModel",
    "SearchOutcome",
    "add_hint",
    "build_model",
    "hint_values",
    "hold_level",
    "minimize_level",
    "search",
]
