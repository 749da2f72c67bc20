"""The textbook CP-SAT model, as anyone copies it from the OR-Tools examples: a benchmark peer.

Job shop (`examples/python/jobshop_sat.py`): one interval per operation, a no-overlap per machine,
precedences within each job, makespan = max of the jobs' ends, horizon = sum of durations, no
hint. Flexible job shop (`examples/python/flexible_job_shop_sat.py`): an operation's interval with
a variable duration, one optional interval per eligible machine, exactly one of them present.
Default CP-SAT parameters except the time limit, workers and seed the harness sets.

Run by `scheduler bench --peers textbook` as `python benchmarks/peers/textbook.py`, the request on
stdin (`scheduler.bench.protocol`).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.bench.protocol import Outcome, Request, SolutionClock, serve, verified_makespan
from scheduler.problem import Problem


class _Clock(cp_model.CpSolverSolutionCallback):
    def __init__(self, clock: SolutionClock) -> None:
        super().__init__()
        self.clock = clock

    def on_solution_callback(self) -> None:
        self.clock.tick()


class Model:
    """The CP-SAT model and, per operation, its start, end and (machine, presence) choices."""

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.starts: list[cp_model.IntVar] = []
        self.ends: list[cp_model.IntVar] = []
        self.choices: list[list[tuple[int, cp_model.IntVar | None]]] = []

    def placed(self, solver: cp_model.CpSolver) -> list[tuple[int, int, int]]:
        """Machine, start and end of each operation in the solver's schedule."""
        return [
            (
                next(m for m, x in choices if x is None or solver.boolean_value(x)),
                solver.value(s),
                solver.value(e),
            )
            for choices, s, e in zip(self.choices, self.starts, self.ends, strict=True)
        ]


def build(problem: Problem) -> Model:
    """The textbook model; flexible operations get alternative intervals."""
    ix = problem.index
    built = Model()
    model, starts, ends = built.model, built.starts, built.ends
    horizon = sum(
        max(int(ix.mode_duration[k]) for k in range(ix.mode_start[o], ix.mode_start[o + 1]))
        for o in range(ix.n_operations)
    )
    per_machine: dict[int, list[cp_model.IntervalVar]] = {}
    for o in range(ix.n_operations):
        modes = range(int(ix.mode_start[o]), int(ix.mode_start[o + 1]))
        durations = [int(ix.mode_duration[k]) for k in modes]
        s = model.new_int_var(0, horizon, f"s{o}")
        e = model.new_int_var(0, horizon, f"e{o}")
        if len(modes) == 1:
            m = int(ix.mode_machine[modes[0]])
            built.choices.append([(m, None)])
            per_machine.setdefault(m, []).append(
                model.new_interval_var(s, durations[0], e, f"i{o}")
            )
        else:
            d = model.new_int_var(min(durations), max(durations), f"d{o}")
            model.new_interval_var(s, d, e, f"i{o}")
            chosen = []
            built.choices.append([])
            for k, duration in zip(modes, durations, strict=True):
                present = model.new_bool_var(f"x{o}_{k}")
                interval = model.new_optional_interval_var(s, duration, e, present, f"i{o}_{k}")
                per_machine.setdefault(int(ix.mode_machine[k]), []).append(interval)
                model.add(d == duration).only_enforce_if(present)
                chosen.append(present)
                built.choices[-1].append((int(ix.mode_machine[k]), present))
            model.add_exactly_one(chosen)
        starts.append(s)
        ends.append(e)
    for j in range(ix.n_jobs):
        for o in range(int(ix.job_start[j]) + 1, int(ix.job_start[j + 1])):
            model.add(starts[o] >= ends[o - 1])
    for intervals in per_machine.values():
        model.add_no_overlap(intervals)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, [ends[int(ix.job_start[j + 1]) - 1] for j in range(ix.n_jobs)])
    model.minimize(makespan)
    return built


def solve_textbook(problem: Problem, request: Request) -> Outcome:
    clock = SolutionClock()
    built = build(problem)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.0, request.time_limit - clock.elapsed())
    solver.parameters.num_workers = request.workers
    solver.parameters.random_seed = request.seed
    status = solver.solve(built.model, _Clock(clock))
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    makespan = verified_makespan(problem, built.placed(solver)) if found else None
    return Outcome(
        status=solver.status_name(status) if found else "UNKNOWN",
        makespan=round(solver.objective_value) if found else None,
        bound=round(solver.best_objective_bound) if found else None,
        first_solution_s=clock.first,
        final_solution_s=clock.last,
        solve_s=clock.elapsed(),
        verified=makespan is not None and makespan == round(solver.objective_value),
    )


if __name__ == "__main__":
    serve(solve_textbook)
