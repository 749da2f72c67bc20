"""One solve: heuristic incumbent, CP-SAT under limits, verification, statistics."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from fractions import Fraction

from scheduler import cpsat
from scheduler.cpsat.explain import explain_infeasibility
from scheduler.diagnose import (
    Conflict,
    ConflictCode,
    describe,
    pinned_conflicts,
    presolve_conflicts,
)
from scheduler.heuristics import (
    DEFAULT_FACTORY_SECONDS,
    PinnedRepair,
    best_dispatch,
    best_factory_dispatch,
    fjsp_tabu,
    objective_of_ends,
    tabu,
)
from scheduler.lower_bounds import static_bounds
from scheduler.params import SolveParams
from scheduler.planning.pins import Pins, stability_cost
from scheduler.problem import MAX_TIME, Problem
from scheduler.result import (
    LevelResult,
    Progress,
    SolveResult,
    SolveStatus,
    StopReason,
    relative_gap,
)
from scheduler.schedule import Schedule
from scheduler.stop import Deadline, Stall, StopToken
from scheduler.verify import Report, ViolationKind, check, verify
from scheduler.verify.pins import check_pins

OnProgress = Callable[[Progress], None]


HEURISTIC_SHARE = 0.25
"""At most this share of the time limit goes to the constructive heuristics beyond their first
schedule (more rules, deadline repair)."""
FINISH_SECONDS_PER_OPERATION = 50e-6
"""Time kept back for reading the last solution out of CP-SAT and verifying it: measured at
50,000 operations on two shared cores, 0.17-0.65 s to read and 0.6-0.9 s to verify (a 1000 x 50
job shop, `benchmarks/README.md`, "Large plants (issue 11)"); this is 2.5 s, for a loaded
machine. CP-SAT's own overrun past its limit grows with its model and is kept back by the search
(`cpsat.search`)."""
BUILD_SECONDS_PER_MODE = 10e-6
"""A model is not built when less time is left than this per mode (about half what a build takes:
2.2 s at 100,000 single-mode operations, `benchmarks/bench_core.py build`): it could not be
searched. The build itself stops between rules when the deadline passes."""
LNS_FINISH_SECONDS = 0.5
"""Time kept back from a large plant's neighbourhood search for its last neighbourhood's overrun
and the final verification (plant-2000 ended at 61.0 s of 60 s without it)."""
TABU_SHARE = 0.5
"""Share of the time left after dispatching that the tabu search gets at most on a job shop with a
makespan objective, before CP-SAT starts from its schedule (`benchmarks/README.md`, "Job-shop
quality (issue 11)")."""
TABU_SECONDS_PER_OPERATION = 0.02
"""A tabu search (job shop or flexible) also stops after this many seconds per operation: past
that it rarely improves, and on small shops CP-SAT proves what it found, given the time (31 set
at 10 s: mean gap 0.97 % vs 0.99 %, 9 proofs vs 8, ft06 proven at 0.75 s vs 5.0 s, la16 4.8 s vs
9.2 s; mk01 1.1 s vs 9.0 s; at 60 s equal or better; `benchmarks/README.md`, "Job-shop
quality")."""
JOBSHOP_LNS_SHARE = 0.0
"""Share of the time left after the tabu search that the time-window LNS (`cpsat.jobshop_lns`)
gets on a job shop of at most `JOBSHOP_LNS_OPERATIONS`, before the monolithic CP-SAT model. Off:
at 0.5 it was within noise of the monolithic model alone (`benchmarks/README.md`)."""
JOBSHOP_LNS_OPERATIONS = 5000
"""The LNS rebuilds a model of every operation per neighbourhood: above this, too slow."""
TABU_WALKS = 0
"""Walks of the job-shop tabu search, in as many threads; 0: one per CP-SAT worker."""
POLISH_SHARE = 0.1
"""On a job shop that CP-SAT searches first (`cpsat.cpsat_first`), the tabu search gets this share
of the time left (and at most `TABU_SECONDS_PER_OPERATION` per operation) after CP-SAT, from its
schedule, unless CP-SAT proved it optimal."""
STALL_SHARE = math.inf
"""On a job shop that CP-SAT searches first, CP-SAT hands the rest of the time to the tabu search
(the polish) once it has gone this share of the time limit without a better schedule. Off (inf):
on ta01-ta10 at 60 s, 0.25 was within noise of the fixed polish (mean gap 0.20 % vs 0.17 %, ta05
1229 vs 1233, ta09 1282 vs 1274), as was a fixed 40 % polish (0.22 %: ta05 proven 1224, ta09
1291); from CP-SAT's schedule the tabu search finds what CP-SAT stalls short of about as often
as cutting CP-SAT short loses (`benchmarks/README.md`, "Job-shop quality (issue 11)")."""
TABU_PATIENCE: float | None = None
"""When set, the tabu search hands over to CP-SAT once its best has not improved for this share of
its time. Off: at 0.2 it cost more on mid-size instances than it gained (`benchmarks/README.md`)."""
HINT_COMPLETION_LIMIT = 2.0
"""Seconds at most (and a fifth of the time left) for extending a hint to every model variable."""


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    stop: StopToken | None = None,
    on_progress: OnProgress | None = None,
    hint: Schedule | None = None,
    deadline: Deadline | None = None,
    pins: Pins | None = None,
) -> SolveResult:
    """Solve `problem` within `params`; the returned schedule (if any) has passed `verify.check`.

    One deadline covers every phase (pre-solve checks, heuristics, model build, hint completion,
    each lexicographic level, the explainer, verification): by default `params.time_limit` from
    now; a caller that started the clock earlier (when the request arrived) passes its own.
    `stop` (or `deadline`'s stop token) ends the solve early from any thread, keeping the best
    schedule so far; `on_progress` is called, from the solver's thread, on each improving
    solution; `hint` is a schedule to start from (e.g. a previous run's best), used when it is
    feasible and better than the heuristic's. Infeasibility and time limits are statuses, not
    exceptions; a schedule failing verification is a bug and raises `ScheduleInvalid`.

    `pins` (a reschedule) fixes operations, starts the others at `pins.now` or later and adds the
    stability term to the last level (its `best` and `bound` include it; `objective` does not).
    The released plan repaired around the pins (`PinnedRepair`), when it verifies, is the
    incumbent (its objective with the stability term); else `pins.warm_start` is a hint.
    """
    params = params or SolveParams()
    if deadline is None:
        deadline = Deadline(params.time_limit, stop)
    stop = deadline.stop
    started = time.perf_counter()
    conflicts = presolve_conflicts(problem)
    if pins is not None:
        conflicts += pinned_conflicts(problem, pins)
    if conflicts:
        return _infeasible(conflicts, time.perf_counter() - started)

    progress: list[Progress] = []
    first_solution: list[float] = []
    searching = [0]  # the objective level being searched, for the progress events

    def on_solution(objective: int, bound: int, schedule: Schedule) -> None:
        elapsed = time.perf_counter() - started
        if not first_solution:
            first_solution.append(elapsed)
        event = Progress(
            elapsed=elapsed,
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            solutions=len(progress) + 1,
            schedule=schedule,
            level=searching[0],
        )
        progress.append(event)
        if on_progress is not None:
            on_progress(event)

    # The heuristic's first schedule is the answer of last resort: it may run until the call's
    # own deadline; further rules and repairs get a share of the time.
    share = HEURISTIC_SHARE * deadline.remaining()
    if pins is None:
        incumbent, incumbent_objective, relaxed_start = _incumbent(
            problem, deadline, share, on_solution, params
        )
    else:
        incumbent, incumbent_objective, relaxed_start = _repaired(problem, pins, deadline)
    # Every later phase ends early enough for reading and verifying the schedule in time.
    finish = FINISH_SECONDS_PER_OPERATION * problem.index.n_operations
    deadline = deadline.within(max(0.0, deadline.remaining() - finish))
    if hint is not None and pins is None:
        hinted = verify(problem, hint)
        if hinted.ok and (incumbent_objective is None or _objective(hinted) < incumbent_objective):
            incumbent, incumbent_objective = hint, _objective(hinted)
    heuristic_time = time.perf_counter() - started
    # Proven from the problem alone (calendar-aware heads, machine load, changeovers, purchases):
    # the reported bound of a level is the better of this and its search's.
    # (Classic benchmarks: CP-SAT's own bound is as good and this would only cost time.)
    static = None if problem.is_classic else static_bounds(problem, deadline)
    static_levels = static.levels if static is not None else None

    if (
        pins is None
        and incumbent is not None
        and incumbent_objective is not None
        and tabu.applies(problem)
        and incumbent_objective <= tabu.makespan_lower_bound(problem)
    ):
        # The makespan meets a lower bound: nothing for CP-SAT to improve or prove.
        result = _heuristic_only(
            problem, incumbent, started, heuristic_time, static_levels, optimal=True
        )
        assert result.objective is not None
        if not progress or progress[-1].objective != result.objective:
            on_solution(result.objective, result.objective, incumbent)
        return dataclasses.replace(
            result,
            first_solution_time=first_solution[0],
            solutions=len(progress),
            progress=tuple(progress),
        )

    if incumbent is not None and cpsat.circuit_size(problem) > cpsat.MAX_CIRCUIT_ARCS:
        # The full model's changeover circuits alone would take longer to build than the solve
        # may run: large-neighbourhood search around the dispatching schedule instead.
        return _large_plant(
            problem,
            params,
            deadline,
            incumbent,
            started,
            heuristic_time,
            static_levels,
            on_progress,
        )

    if incumbent is not None and pins is None and problem.items:
        # Dispatching buys just in time from the fastest supplier; the same operations with the
        # cheapest purchases that deliver in time are a better start (benchmarks/README.md,
        # "Large plants (issue 11)": auto-parts 103,491 -> 89,709).
        incumbent, incumbent_objective = _cheapest_purchases(problem, incumbent, deadline)
    start = incumbent if incumbent is not None else relaxed_start
    polish = (
        _tabu_seconds(problem, POLISH_SHARE * deadline.remaining())
        if pins is None and cpsat.cpsat_first(problem, params.time_limit)
        else 0.0
    )
    # CP-SAT then hands over to the polish at its time, or once it stalls (`STALL_SHARE`).
    patience = STALL_SHARE * params.time_limit if polish else math.inf

    def improved(objective: int, bound: int, schedule: Schedule) -> None:
        stall.improved()
        on_solution(objective, bound, schedule)

    with Stall(deadline.within(deadline.remaining() - polish), patience) as stall:
        attempt = _attempt(
            problem,
            params,
            stall.deadline,
            improved,
            searching,
            incumbent,
            incumbent_objective,
            start,
            pins,
        )
    build_time = attempt.build_time
    searches = attempt.searches
    # The last search that found a schedule; the one after it (if any) could only repeat it.
    found = [k for k, o in enumerate(searches) if o.schedule is not None]
    outcome = searches[found[-1]] if found else None

    if outcome is not None and outcome.schedule is not None:
        schedule: Schedule | None = outcome.schedule
        proven = len(searches) == len(problem.objective.levels) and all(
            o.status == "OPTIMAL" for o in searches
        )
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
        if polish and not proven:
            walks = TABU_WALKS or params.workers
            schedule = _polished(problem, outcome, deadline, on_solution, walks)
    elif attempt.infeasible:
        if incumbent is not None:
            # The incumbent is feasible, so CP-SAT cannot be right here: a modelling bug.
            raise AssertionError("CP-SAT says INFEASIBLE for a problem with a verified schedule")
        schedule, status = None, SolveStatus.INFEASIBLE
        conflicts = _explain(problem, deadline, attempt.horizon)
    elif incumbent is not None:
        schedule, status = incumbent, SolveStatus.HEURISTIC
    else:
        schedule, status = None, SolveStatus.UNKNOWN

    report = check(problem, schedule) if schedule is not None else None
    if (
        pins is not None
        and schedule is not None
        and (broken := check_pins(problem, schedule, pins))
    ):
        raise AssertionError(f"a rescheduled plan breaks its pins: {broken[0]}")
    objective = _objective(report) if report is not None else None
    levels = _level_results(problem, searches, schedule, report, pins, static_levels)
    last = levels[-1]
    bound = last.bound
    if bound is not None and objective is not None:
        bound = min(bound, objective)
    if stop is not None and stop.stopped and status is not SolveStatus.OPTIMAL:
        reason = StopReason.CANCELLED
    elif status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE):
        reason = StopReason.FINISHED
    else:
        reason = StopReason.TIME_LIMIT
    return SolveResult(
        status=status,
        stop_reason=reason,
        objective=objective,
        best_bound=bound,
        gap=None if bound is None or objective is None else relative_gap(objective, bound),
        wall_time=time.perf_counter() - started,
        heuristic_time=heuristic_time,
        build_time=build_time,
        first_solution_time=first_solution[0] if first_solution else None,
        solutions=len(progress),
        heuristic_objective=incumbent_objective,
        schedule=schedule,
        kpis=report.kpis if report is not None else None,
        progress=tuple(progress),
        explanation=tuple(conflicts),
        levels=levels,
    )


@dataclasses.dataclass
class _Attempt:
    """What the CP-SAT phases of a solve found."""

    searches: list[cpsat.SearchOutcome] = dataclasses.field(default_factory=list)
    """One outcome per objective level searched (the relaxed phase is not among them)."""
    infeasible: bool = False
    """Proven: no schedule exists (under a horizon that is a proof, or the largest one)."""
    horizon: int = 0
    """The horizon of the last model built."""
    build_time: float = 0.0


def _attempt(
    problem: Problem,
    params: SolveParams,
    deadline: Deadline,
    on_solution: Callable[[int, int, Schedule], None],
    searching: list[int],
    incumbent: Schedule | None,
    incumbent_objective: int | None,
    start: Schedule | None,
    pins: Pins | None = None,
) -> _Attempt:
    """Build and search until a schedule is found, infeasibility is proven, or time is up.

    Without a verified incumbent the search first minimises the total excess over deadlines and
    maximum lags from `start` (a schedule that breaks only those), until a schedule without any
    is found; then the objective levels in turn. A model found infeasible under a horizon that is
    not a proof is rebuilt with the horizon doubled.
    """
    attempt = _Attempt()
    proof = cpsat.horizon_is_proof(problem)
    cap = cpsat.widening_cap(problem) if not proof else MAX_TIME
    floor = _makespan(start) if start is not None else 0
    relaxed = incumbent is None and start is not None
    while deadline.remaining() > BUILD_SECONDS_PER_MODE * len(problem.index.mode_machine):
        built = time.perf_counter()
        try:
            sm = cpsat.build_model(
                problem,
                incumbent_objective,
                incumbent_makespan=floor,
                relaxed=relaxed,
                deadline=deadline,
                pins=pins,
            )
        except cpsat.BuildExpired:
            break
        attempt.horizon = sm.windows.horizon
        hinted_in_full = False
        if params.use_hint and start is not None:
            cpsat.add_hint(sm, start)
            if not problem.is_classic:
                limit = min(HINT_COMPLETION_LIMIT, deadline.remaining() / 5)
                hinted_in_full = cpsat.complete_hint(sm, limit, deadline)
        attempt.build_time += time.perf_counter() - built
        # Measured on the example plants: CP-SAT's presolve of a factory model (changeover
        # circuits, reservoirs) can use the whole time limit and never reach the hinted schedule;
        # without it the complete hint is its first solution at once and the search improves on it.
        presolve = problem.is_classic or not hinted_in_full
        values: list[int] | None = None
        if relaxed:
            repaired = cpsat.search(
                sm, params.cpsat_parameters(presolve=presolve), deadline=deadline
            )
            if repaired.objective == 0:
                cpsat.forbid_violations(sm)
                cpsat.minimize_level(sm.model, sm.objective, 0)
                values = repaired.values
                assert values is not None
                cpsat.hint_values(sm.model, values)
            elif repaired.status in ("INFEASIBLE", "OPTIMAL"):
                # OPTIMAL above 0: no schedule keeps every deadline and maximum lag.
                if _widen(attempt, proof, cap):
                    floor = min(attempt.horizon * 2, cap)
                    continue
                return attempt
            else:
                return attempt  # time ran out before any schedule kept them all
        attempt.searches = _search_levels(
            sm, params, deadline, on_solution, searching, presolve=presolve
        )
        if values is not None and not any(o.schedule is not None for o in attempt.searches):
            # Stopped before the first level found anything: the repaired schedule is the answer.
            attempt.searches = [_first_level_outcome(problem, repaired)]
        if attempt.searches and attempt.searches[0].status == "INFEASIBLE":
            if values is not None or incumbent is not None:
                raise AssertionError("CP-SAT says INFEASIBLE for a problem with a known schedule")
            if _widen(attempt, proof, cap):
                floor = min(attempt.horizon * 2, cap)
                attempt.searches = []
                continue
        return attempt
    return attempt


def _first_level_outcome(problem: Problem, repaired: cpsat.SearchOutcome) -> cpsat.SearchOutcome:
    """A relaxed search's schedule without excess, as if the first level had found it."""
    assert repaired.schedule is not None
    return dataclasses.replace(
        repaired,
        status="FEASIBLE",
        objective=check(problem, repaired.schedule).levels[0],
        bound=None,
    )


def _widen(attempt: _Attempt, proof: bool, cap: int) -> bool:
    """After CP-SAT found no schedule under `attempt.horizon`: True to search again under a
    doubled one; False when that was a proof (then `attempt.infeasible` is set) or the horizon
    has reached `cap` (no proof: the status stays UNKNOWN)."""
    if proof or attempt.horizon >= MAX_TIME:
        attempt.infeasible = True
        return False
    return attempt.horizon < cap


EXPLAIN_TIME_LIMIT = 5.0
"""Seconds at most for isolating a conflicting set after CP-SAT proved infeasibility."""


def _explain(problem: Problem, deadline: Deadline, horizon: int) -> list[Conflict]:
    """Why CP-SAT found no schedule: a small set of named hard constraints, in words."""
    explanation = explain_infeasibility(
        problem, time_limit=EXPLAIN_TIME_LIMIT, deadline=deadline, horizon_at_least=horizon
    )
    if explanation is None:
        return [
            Conflict(
                ConflictCode.UNEXPLAINED,
                "no schedule exists; no conflicting set of deadlines, calendars, materials, lags "
                "or resource calendars was isolated in time",
            )
        ]
    if not explanation.keys:
        return [
            Conflict(
                ConflictCode.UNEXPLAINED,
                "no schedule exists even without deadlines, calendars, materials, lags and "
                "resource calendars",
            )
        ]
    return [describe(problem, key) for key in explanation.keys]


def _infeasible(conflicts: list[Conflict], elapsed: float) -> SolveResult:
    """The result of a problem found infeasible before any search."""
    return SolveResult(
        status=SolveStatus.INFEASIBLE,
        stop_reason=StopReason.FINISHED,
        objective=None,
        best_bound=None,
        gap=None,
        wall_time=elapsed,
        heuristic_time=0.0,
        build_time=0.0,
        first_solution_time=None,
        solutions=0,
        heuristic_objective=None,
        schedule=None,
        kpis=None,
        explanation=tuple(conflicts),
    )


# --------------------------------------------------------------------------------------------------
# Lexicographic objectives


def _search_levels(
    sm: cpsat.SchedulingModel,
    params: SolveParams,
    deadline: Deadline,
    on_solution: Callable[[int, int, Schedule], None],
    searching: list[int],
    *,
    presolve: bool = True,
) -> list[cpsat.SearchOutcome]:
    """Minimise each level in turn, holding the earlier ones within their limits.

    The time is shared: each level's share is the time left divided by the levels left, so time
    a level leaves unused goes to the later ones. A share is soft: a level with no solution yet
    searches on until its first (see `cpsat.search`), since without one no later level can
    start. A later level starts from the previous solution (a complete hint, feasible under the
    new limit). Stops at the first level that finds nothing, when time is up, or when stopped.
    Returns one outcome per level searched.
    """
    levels = sm.problem.objective.levels
    outcomes: list[cpsat.SearchOutcome] = []
    for level in range(len(levels)):
        if deadline.expired:
            break
        parameters = params.cpsat_parameters(presolve=presolve)
        if level > 0:
            previous = outcomes[-1]
            if previous.values is None or previous.objective is None:
                break
            limit = level_limit(previous.objective, levels[level - 1].tolerance)
            cpsat.hold_level(sm.model, sm.objective, level - 1, limit)
            cpsat.minimize_level(sm.model, sm.objective, level)
            cpsat.hint_values(sm.model, previous.values)
        share = deadline.remaining() / (len(levels) - level)
        searching[0] = level
        outcome = cpsat.search(
            sm,
            parameters,
            deadline=deadline,
            on_solution=on_solution,
            soft_limit=share if level + 1 < len(levels) else None,
        )
        if level > 0 and outcome.status == "INFEASIBLE":
            raise AssertionError(f"CP-SAT says level {level} is infeasible under a solved limit")
        outcomes.append(outcome)
    return outcomes


def level_limit(best: int, tolerance: float) -> int:
    """The most a level may reach once its best is `best`: best + floor(|best| * tolerance).

    Relative to |best| so that a negative best (max lateness) gives up room, not takes it; the
    tolerance is read as the decimal it was written as, so 0.29 * 100 is 29, not 28.999....
    """
    return best + math.floor(abs(best) * Fraction(repr(tolerance)))


def _level_results(
    problem: Problem,
    searches: list[cpsat.SearchOutcome],
    schedule: Schedule | None,
    report: Report | None,
    pins: Pins | None = None,
    static: tuple[int, ...] | None = None,
) -> tuple[LevelResult, ...]:
    """Per level: its value in the returned schedule, and what its own search found and proved
    (its bound the better of its search's and `static`'s, each a proof).

    Checks that each level's search reported the value the verifier computes for its schedule,
    and that the returned schedule keeps every earlier level within its limit.
    """
    levels = problem.objective.levels
    results = []
    for level in range(len(levels)):
        outcome = searches[level] if level < len(searches) else None
        best = outcome.objective if outcome is not None else None
        if outcome is not None and outcome.schedule is not None and best is not None:
            found = report if outcome.schedule is schedule else check(problem, outcome.schedule)
            assert found is not None
            value = found.levels[level]
            if pins is not None and level + 1 == len(levels):
                value += stability_cost(pins, outcome.schedule, problem.index.job_start.tolist())
            if best != value:
                raise AssertionError(
                    f"CP-SAT reports objective {best} at level {level}, the verifier computes {value}"
                )
        limit = None
        if level + 1 < len(searches) and best is not None:
            limit = level_limit(best, levels[level].tolerance)
            if report is not None and report.levels[level] > limit:
                raise AssertionError(f"level {level} is {report.levels[level]}, above its limit")
        bound = _better_bound(outcome.bound if outcome is not None else None, static, level)
        if bound is not None and best is not None:
            bound = min(bound, best)
        status = SolveStatus.UNKNOWN
        if outcome is not None and outcome.schedule is not None:
            optimal = outcome.status == "OPTIMAL"
            status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
        elif outcome is not None and outcome.status == "INFEASIBLE":
            status = SolveStatus.INFEASIBLE
        results.append(
            LevelResult(
                value=report.levels[level] if report is not None else None,
                best=best,
                bound=bound,
                status=status,
                limit=limit,
            )
        )
    return tuple(results)


def _incumbent(
    problem: Problem,
    deadline: Deadline,
    share: float,
    on_solution: Callable[[int, int, Schedule], None],
    params: SolveParams,
) -> tuple[Schedule | None, int | None, Schedule | None]:
    """A verified starting schedule and its objective, when a heuristic builds one within
    `deadline` (spending at most `share` seconds past its first rule); else (None, None, a
    schedule that breaks only deadlines and maximum lags, if the heuristic builds one, for the
    relaxed first phase of the search). A (flexible) job shop's schedules go to `on_solution`
    as found; a flexible shop's tabu search runs one walk per worker."""
    if problem.is_classic:
        incumbent = best_dispatch(problem, deadline=deadline)
        if incumbent is None:
            return None, None, None
        # Verified when returned (a dispatching bug then raises); checking it here as well would
        # cost half a second at 100,000 operations.
        objective = objective_of_ends(problem, incumbent.arrays(problem)[2])
        if cpsat.cpsat_first(problem, params.time_limit):
            # Small for its time limit: CP-SAT's own search from the dispatching schedule, and
            # the tabu search after it (`POLISH_SHARE`).
            on_solution(objective, tabu.makespan_lower_bound(problem), incumbent)
        elif tabu.applies(problem) and not problem.index.is_flexible():
            incumbent, objective = _jobshop(
                problem, params, deadline, incumbent, objective, on_solution
            )
        elif fjsp_tabu.applies(problem):
            # Resequencing alone (`tabu`) barely improves a flexible shop; this search also
            # moves operations between machines (`benchmarks/README.md`, "Flexible job shops").
            seconds = _tabu_seconds(problem, fjsp_tabu.SHARE * deadline.remaining())
            incumbent, objective, _ = _searched(
                problem,
                incumbent,
                objective,
                on_solution,
                lambda bound: fjsp_tabu.fjsp_tabu_search(
                    problem,
                    incumbent,
                    deadline=deadline.within(seconds),
                    seed=params.seed,
                    lower_bound=bound,
                    walks=params.workers,
                ),
            )
        return incumbent, objective, None
    seconds = min(DEFAULT_FACTORY_SECONDS, share)
    schedule = best_factory_dispatch(problem, deadline=deadline, seconds=seconds)
    if schedule is None and not deadline.expired and bool((problem.index.pred_max_lag >= 0).any()):
        # Maximum lags the dispatching could not meet: schedule without them, repair in CP-SAT.
        # Not when it stopped for the deadline: the rebuild alone is 0.65 s at 6,000 operations.
        relaxed = _without_max_lags(problem)
        schedule = best_factory_dispatch(relaxed, deadline=deadline, seconds=seconds)
    if schedule is None:
        return None, None, None
    # Dispatching cannot promise deadlines (nor every maximum lag): only a verified schedule
    # becomes the incumbent. Any other failure would be a heuristic bug, which `check` raises.
    report = verify(problem, schedule)
    if report.ok:
        return schedule, _objective(report), None
    if any(v.kind not in _RELAXED for v in report.violations):
        check(problem, schedule)
    return None, None, schedule


def _jobshop(
    problem: Problem,
    params: SolveParams,
    deadline: Deadline,
    dispatching: Schedule,
    objective: int,
    on_solution: Callable[[int, int, Schedule], None],
) -> tuple[Schedule, int]:
    """The tabu search's schedule from `dispatching` (of makespan `objective`) and its makespan,
    in `TABU_SHARE` of the time left, then the job-shop LNS's in `JOBSHOP_LNS_SHARE` of the
    rest; each better schedule goes to `on_solution` (`_searched`)."""
    seconds = _tabu_seconds(problem, TABU_SHARE * deadline.remaining())
    improved, objective, bound = _searched(
        problem,
        dispatching,
        objective,
        on_solution,
        lambda bound: tabu.tabu_search(
            problem,
            dispatching,
            deadline=deadline.within(seconds),
            lower_bound=bound,
            patience=None if TABU_PATIENCE is None else TABU_PATIENCE * seconds,
            seed=params.seed,
            walks=TABU_WALKS or params.workers,
        ),
    )
    seconds = JOBSHOP_LNS_SHARE * deadline.remaining()
    if objective > bound and seconds > 0 and problem.index.n_operations <= JOBSHOP_LNS_OPERATIONS:
        outcome = cpsat.improve_jobshop(
            problem,
            improved,
            deadline=deadline.within(seconds),
            lower_bound=bound,
            workers=params.workers,
            seed=params.seed,
        )
        if outcome.makespan < objective:
            on_solution(outcome.makespan, bound, outcome.schedule)
        return outcome.schedule, outcome.makespan
    return improved, objective


def _searched(
    problem: Problem,
    dispatching: Schedule,
    objective: int,
    on_solution: Callable[[int, int, Schedule], None],
    search: Callable[[int], Schedule],
) -> tuple[Schedule, int, int]:
    """`search(bound)`'s schedule, its makespan and the static makespan bound. The dispatching
    schedule (of makespan `objective`) is sent first, before the search starts, and the search's
    after it when better: the first solution is not held back for the search's time
    (`tests/test_tabu_pipeline.py`)."""
    bound = tabu.makespan_lower_bound(problem)
    on_solution(objective, bound, dispatching)
    improved, objective = _reported(
        problem, dispatching, objective, search(bound), bound, on_solution
    )
    return improved, objective, bound


def _reported(
    problem: Problem,
    before: Schedule,
    objective: int,
    improved: Schedule,
    bound: int,
    on_solution: Callable[[int, int, Schedule], None],
) -> tuple[Schedule, int]:
    """A search's schedule `improved` from `before` (of makespan `objective`) and its makespan,
    sent to `on_solution` when shorter (a tabu search never returns a longer one)."""
    if improved is before:
        return before, objective
    better = objective_of_ends(problem, improved.arrays(problem)[2])
    if better < objective:
        on_solution(better, bound, improved)
    return improved, better


def _polished(
    problem: Problem,
    outcome: cpsat.SearchOutcome,
    deadline: Deadline,
    on_solution: Callable[[int, int, Schedule], None],
    walks: int = 1,
) -> Schedule:
    """CP-SAT's schedule of a job shop it searched first, improved by the tabu search (`walks`
    of it) in what is left of `deadline` (`POLISH_SHARE`); a better one goes to `on_solution`."""
    assert outcome.schedule is not None and outcome.objective is not None
    bound = max(outcome.bound or 0, tabu.makespan_lower_bound(problem))
    improved = tabu.tabu_search(
        problem, outcome.schedule, deadline=deadline, lower_bound=bound, walks=walks
    )
    return _reported(problem, outcome.schedule, outcome.objective, improved, bound, on_solution)[0]


def _tabu_seconds(problem: Problem, share: float) -> float:
    """A tabu search's time: its `share` of what is left, at most `TABU_SECONDS_PER_OPERATION`
    per operation."""
    return min(share, TABU_SECONDS_PER_OPERATION * problem.index.n_operations)


def _repaired(
    problem: Problem, pins: Pins, deadline: Deadline
) -> tuple[Schedule | None, int | None, Schedule | None]:
    """As `_incumbent`, for a reschedule: the released plan repaired around the pins, when it
    verifies and keeps them, with its objective including the stability term (what CP-SAT's
    last level minimises, so the incumbent's bounds hold for it too). At weight 0 (a fresh
    solve of the state) a fresh dispatch (the same repair without the released starts) competes
    on that objective; with a stability term it would only cost time (it moves far more)."""
    try:
        repair = PinnedRepair(problem, deadline)
    except TimeoutError:
        return None, None, pins.warm_start
    job_start = problem.index.job_start.tolist()
    best: tuple[Schedule | None, int | None, Schedule | None] = (None, None, pins.warm_start)
    candidates = [pins] if pins.weight else [pins, dataclasses.replace(pins, reference={})]
    for candidate in candidates:
        schedule = repair.repair(candidate, deadline)
        if schedule is None:
            continue
        report = verify(problem, schedule)
        if report.ok and not check_pins(problem, schedule, pins):
            objective = _objective(report) + stability_cost(pins, schedule, job_start)
            if best[1] is None or objective < best[1]:
                best = (schedule, objective, None)
    return best


_RELAXED = (ViolationKind.DEADLINE, ViolationKind.MAX_LAG)
"""What the relaxed first phase of the search repairs."""


def _without_max_lags(problem: Problem) -> Problem:
    """The same problem with every maximum lag dropped (minimum lags kept)."""
    data = problem.model_dump()
    for order in data["orders"]:
        for operation in order["operations"]:
            for predecessor in operation.get("predecessors") or ():
                predecessor["max_lag"] = None
    return Problem.model_validate(data)


def _better_bound(searched: int | None, static: tuple[int, ...] | None, level: int) -> int | None:
    """The larger of two proven lower bounds of `level`, either of which may be missing."""
    proven = [b for b in (searched, static[level] if static is not None else None) if b is not None]
    return max(proven) if proven else None


def _heuristic_only(
    problem: Problem,
    incumbent: Schedule,
    started: float,
    heuristic_time: float,
    static: tuple[int, ...] | None,
    report: Report | None = None,
    *,
    optimal: bool = False,
) -> SolveResult:
    """The verified `incumbent` as the answer, a heuristic schedule CP-SAT did not search from
    (status HEURISTIC); `report` is its check when the caller has one. `optimal` when its
    objective meets a lower bound (the bound is then the objective)."""
    if report is None:
        report = check(problem, incumbent)
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.HEURISTIC
    if optimal:
        bound: int | None = _objective(report)
    else:
        bound = None if static is None else min(static[-1], _objective(report))
    return SolveResult(
        status=status,
        stop_reason=StopReason.FINISHED,
        objective=_objective(report),
        best_bound=bound,
        gap=None if bound is None else relative_gap(_objective(report), bound),
        wall_time=time.perf_counter() - started,
        heuristic_time=heuristic_time,
        build_time=0.0,
        first_solution_time=None,
        solutions=0,
        heuristic_objective=_objective(report),
        schedule=incumbent,
        kpis=report.kpis,
        levels=tuple(
            LevelResult(value=v, best=v, bound=v, status=status)
            if optimal
            else LevelResult(
                value=v,
                best=None,
                bound=_better_bound(None, static, level),
                status=SolveStatus.UNKNOWN,
            )
            for level, v in enumerate(report.levels)
        ),
    )


def _cheapest_purchases(
    problem: Problem, incumbent: Schedule, deadline: Deadline
) -> tuple[Schedule, int]:
    """`incumbent` with its purchases re-planned (`cpsat.replan_purchases`) when that verifies
    and is better on the objective levels; else `incumbent`. With its objective."""
    report = check(problem, incumbent)
    replanned = cpsat.replan_purchases(problem, incumbent, deadline)
    if replanned is not None:
        better = verify(problem, replanned)
        if better.ok and better.levels < report.levels:
            return replanned, _objective(better)
    return incumbent, _objective(report)


def _large_plant(
    problem: Problem,
    params: SolveParams,
    deadline: Deadline,
    incumbent: Schedule,
    started: float,
    heuristic_time: float,
    static: tuple[int, ...] | None,
    on_progress: OnProgress | None,
) -> SolveResult:
    """Improve the verified `incumbent` by large-neighbourhood search (`cpsat.lns`) until the
    deadline; FEASIBLE when it improved, else HEURISTIC, the note saying what ran."""
    dispatching = check(problem, incumbent)
    progress: list[Progress] = []

    def improved(levels: tuple[int, ...], level: int, schedule: Schedule) -> None:
        bound = static[level] if static is not None else 0
        event = Progress(
            elapsed=time.perf_counter() - started,
            objective=levels[level],
            bound=bound,
            gap=relative_gap(levels[level], bound),
            solutions=len(progress) + 1,
            schedule=schedule,
            level=level,
        )
        progress.append(event)
        if on_progress is not None:
            on_progress(event)

    outcome = cpsat.improve(
        problem,
        incumbent,
        # The last neighbourhood may overrun by a little, and the result is verified after it.
        deadline.within(max(0.0, deadline.remaining() - LNS_FINISH_SECONDS)),
        workers=params.workers,
        seed=params.seed,
        lower_bounds=static,
        on_improvement=improved,
        levels=tuple(dispatching.levels),
    )
    final = dispatching if outcome.schedule is incumbent else check(problem, outcome.schedule)
    result = _heuristic_only(problem, outcome.schedule, started, heuristic_time, static, final)
    before, after = _objective(dispatching), result.objective
    assert after is not None
    note = _large_plant_note(problem, outcome, before, after)
    stopped = deadline.stop is not None and deadline.stop.stopped
    proven = static is not None and all(v == b for v, b in zip(outcome.levels, static, strict=True))
    if outcome.accepted:
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    else:
        status = SolveStatus.HEURISTIC
    levels = tuple(
        dataclasses.replace(
            level,
            best=level.value if outcome.accepted else None,
            status=status if status is not SolveStatus.HEURISTIC else SolveStatus.UNKNOWN,
        )
        for level in result.levels
    )
    return dataclasses.replace(
        result,
        status=status,
        stop_reason=StopReason.CANCELLED
        if stopped and not proven
        else StopReason.FINISHED
        if proven
        else StopReason.TIME_LIMIT,
        wall_time=time.perf_counter() - started,
        build_time=outcome.build_time,
        first_solution_time=progress[0].elapsed if progress else None,
        solutions=len(progress),
        heuristic_objective=before,
        progress=tuple(progress),
        note=note,
        levels=levels,
    )


def _large_plant_note(problem: Problem, outcome: cpsat.LnsOutcome, before: int, after: int) -> str:
    """What ran on a large plant, in words: never that CP-SAT searched when it did not."""
    arcs = cpsat.circuit_size(problem)
    parts = [f"{arcs:,} candidate changeover arcs are too many for one model"]
    if outcome.purchases_replanned:
        parts.append("the purchases were re-planned for the dispatching schedule (CP-SAT)")
    if outcome.neighbourhoods:
        moves = outcome.accepted - outcome.purchases_replanned
        parts.append(
            f"large-neighbourhood search with CP-SAT: {outcome.neighbourhoods} neighbourhoods, "
            f"{moves} improving"
        )
    else:
        parts.append(f"no neighbourhood was searched: {outcome.reason}")
    change = 100 * (before - after) / max(1, abs(before))
    parts.append(f"objective {after} against dispatching's {before} ({change:.1f} % better)")
    return "; ".join(parts)


def _makespan(schedule: Schedule) -> int:
    return max((op.end for op in schedule.operations), default=0)


def _objective(report: Report) -> int:
    """The objective of a verified (ok) report, which always has one."""
    assert report.objective is not None
    return report.objective
