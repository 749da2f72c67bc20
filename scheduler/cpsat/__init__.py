"""Problem → CP-SAT model → schedule. The only package that imports `ortools`."""

from scheduler.cpsat.bounds import horizon_is_proof, widening_cap
from scheduler.cpsat.jobshop_lns import JobShopLnsOutcome, improve_jobshop
from scheduler.cpsat.lns import LnsOutcome, improve, replan_purchases
from scheduler.cpsat.model import (
    BuildExpired,
    SchedulingModel,
    add_hint,
    build_model,
    complete_hint,
    forbid_violations,
)
from scheduler.cpsat.objective import hint_values, hold_level, minimize_level
from scheduler.cpsat.setups import MAX_CIRCUIT_ARCS, circuit_size
from scheduler.cpsat.solver import SearchOutcome, cpsat_first, search

__all__ = [
    "MAX_CIRCUIT_ARCS",
    "BuildExpired",
    "JobShopLnsOutcome",
    "LnsOutcome",
    "SchedulingModel",
    "SearchOutcome",
    "add_hint",
    "build_model",
    "circuit_size",
    "complete_hint",
    "cpsat_first",
    "forbid_violations",
    "hint_values",
    "hold_level",
    "horizon_is_proof",
    "improve",
    "improve_jobshop",
    "minimize_level",
    "replan_purchases",
    "search",
    "widening_cap",
]
