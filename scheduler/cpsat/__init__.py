"""Problem → CP-SAT model → schedule. The only package that imports `ortools`."""

from scheduler.cpsat.model import SchedulingModel, add_hint, build_model, complete_hint
from scheduler.cpsat.objective import hint_values, hold_level, minimize_level
from scheduler.cpsat.setups import MAX_CIRCUIT_ARCS, circuit_size
from scheduler.cpsat.solver import SearchOutcome, search

__all__ = [
    "MAX_CIRCUIT_ARCS",
    "SchedulingModel",
    "SearchOutcome",
    "add_hint",
    "build_model",
    "circuit_size",
    "complete_hint",
    "hint_values",
    "hold_level",
    "minimize_level",
    "search",
]
