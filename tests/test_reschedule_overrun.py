"""A reschedule of a large plant after many breakdowns: on time, and INFEASIBLE only when proven.

The state is built as `benchmarks/bench_live.py` builds it: a released plan, then one breakdown per
machine in turn, each a tenth of the makespan after the last, reported at its start.
"""

from __future__ import annotations

import time

import pytest

from scheduler import cpsat
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.stop import Deadline


def test_a_large_plants_model_build_ends_with_its_deadline():
    """plant-2000's full model (1.06 M changeover arcs) stops building at a 1 s deadline (before:
    its calendar domains and circuits ran on, 7-18 s; a reschedule without incumbent overran)."""
    problem = read_problem(instance_path("plant-2000"))
    started = time.perf_counter()
    with pytest.raises(cpsat.BuildExpired):
        cpsat.build_model(problem, deadline=Deadline(1.0))
    assert time.perf_counter() - started < 6.0
