"""The outcome of one solve: status, statistics and the verified schedule. Data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scheduler.diagnose import Conflict
from scheduler.schedule import Kpis, Schedule


class SolveStatus(StrEnum):
    OPTIMAL = "OPTIMAL"
    """A schedule proven optimal (within the requested relative gap limit, if one was set)."""
    FEASIBLE = "FEASIBLE"
    """A schedule from CP-SAT, not proven optimal: the time limit or a stop request came first."""
    HEURISTIC = "HEURISTIC"
    """CP-SAT found nothing in time; the dispatching heuristic's schedule is returned."""
    INFEASIBLE = "INFEASIBLE"
    """Proven to have no schedule."""
    MODEL_INVALID = "MODEL_INVALID"
    """CP-SAT rejected the model: a bug, since problems are validated first."""
    UNKNOWN = "UNKNOWN"
    """No schedule and no proof: nothing was found before the solve stopped."""

    @property
    def has_schedule(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.HEURISTIC)


class StopReason(StrEnum):
    FINISHED = "finished"
    """The search ended by itself: optimality, infeasibility, or the gap limit reached."""
    TIME_LIMIT = "time_limit"
    CANCELLED = "cancelled"
    """A stop token was set (a caller cancelled or a deadline expired)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """An improving solution during a solve."""

    elapsed: float
    """Seconds since the solve started."""
    objective: int
    bound: int
    gap: float
    solutions: int
    """Improving solutions found so far, this one included."""
    schedule: Schedule | None = field(default=None, repr=False, compare=False)
    """The improving schedule itself (not yet verified: `solve` verifies only what it returns)."""
    level: int = 0
    """The objective level being minimised (0-based); `objective` and `bound` are that level's."""


@dataclass(frozen=True, slots=True)
class LevelResult:
    """One level of the objective: its value in the returned schedule and its own search."""

    value: int | None
    """The level's value in the returned schedule; None without a schedule."""
    best: int | None
    """The best value this level's search found (the basis of its limit); None when it found
    nothing or did not run."""
    bound: int | None
    """Best proven lower bound of this level's search, given the limits of the levels before it."""
    status: SolveStatus
    """OPTIMAL when this level's search proved its best; FEASIBLE when it was cut short; UNKNOWN
    when it found nothing or did not run (time ran out or a stop came first)."""
    limit: int | None = None
    """What the later levels had to keep this level at or below: best + floor(|best| * tolerance);
    None for the last level or when no later level ran."""


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    stop_reason: StopReason
    objective: int | None
    """Objective of the returned schedule (for a lexicographic objective, its last level's value,
    see `levels`); None without a schedule."""
    best_bound: int | None
    """Best proven lower bound on the objective; None when nothing was proven."""
    gap: float | None
    """(objective - bound) / max(1, |objective|); None without a schedule and a bound."""
    wall_time: float
    """Seconds for the whole solve: heuristic, model building, search and verification."""
    heuristic_time: float
    """Seconds for the dispatching heuristic (the incumbent and fallback schedule)."""
    build_time: float
    """Seconds to build the CP-SAT model."""
    first_solution_time: float | None
    """Seconds from the start to CP-SAT's first schedule; None when it found none."""
    solutions: int
    """Improving solutions CP-SAT reported."""
    heuristic_objective: int | None
    schedule: Schedule | None
    kpis: Kpis | None
    progress: tuple[Progress, ...] = field(default=())
    explanation: tuple[Conflict, ...] = field(default=())
    """When INFEASIBLE: why, in the planner's words (pre-solve checks or a conflicting set)."""
    note: str = ""
    """How the schedule was found when the status alone does not say (e.g. a large plant improved
    by large-neighbourhood search, or why CP-SAT did not run); empty otherwise."""
    levels: tuple[LevelResult, ...] = field(default=())
    """Per objective level, in lexicographic order; one entry for a single-level objective.

    For a lexicographic objective, `objective`, `best_bound` and `gap` are those of the last level
    (the value of the last level in the returned schedule, and the bound of its search under the
    earlier levels' limits); `status` is OPTIMAL only when every level's search was.
    """


def relative_gap(objective: int, bound: int) -> float:
    return abs(objective - bound) / max(1, abs(objective))
