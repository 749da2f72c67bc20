"""Solve parameters: every knob explicit, documented, and mapped to CP-SAT in one whitelisted place."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

MAX_TIME_LIMIT = 7 * 24 * 3600.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """One CP-SAT worker per core, at least one and at most eight (more rarely helps)."""
    return min(8, available_cores())


class SolveParams(BaseModel):
    """Parameters of one solve. Raw solver options are never passed through."""

    # Strict like the problem: "10" is not ten seconds and true is not one worker.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    time_limit: float = Field(
        default=10.0, gt=0, le=MAX_TIME_LIMIT, description="Wall-clock seconds for the search."
    )
    workers: int = Field(
        default_factory=default_workers, ge=1, le=64, description="CP-SAT search workers (threads)."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Random seed of the search.")
    relative_gap_limit: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Stop once (objective - bound) / objective is at most this; 0 means prove optimality.",
    )
    use_hint: bool = Field(
        default=True, description="Warm-start CP-SAT with the heuristic schedule."
    )
    log_search: bool = Field(default=False, description="Print CP-SAT's search log to stdout.")

    def cpsat_parameters(self, *, presolve: bool = True) -> dict[str, object]:
        """The one mapping from these parameters to CP-SAT parameter names.

        `presolve=False` is the solve's own choice, not a user option: see `solve._search_levels`.
        """
        params: dict[str, object] = {
            "max_time_in_seconds": self.time_limit,
            "num_workers": self.workers,
            "random_seed": self.seed,
            "log_search_progress": self.log_search,
            # The caller owns signals (the CLI turns Ctrl-C into a stop token); CP-SAT's own
            # SIGINT handler would otherwise race it and abort the process.
            "catch_sigint_signal": False,
        }
        if self.relative_gap_limit > 0:
            params["relative_gap_limit"] = self.relative_gap_limit
        if not presolve:
            params["cp_model_presolve"] = False
        return params
