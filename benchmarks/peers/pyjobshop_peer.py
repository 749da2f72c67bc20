"""PyJobShop (`pip install -e '.[peers]'`) on its OR-Tools back-end: a benchmark peer.

The instance becomes PyJobShop's own model (a machine per machine, a job per order, a task per
operation with one mode per eligible machine, end-before-start within each job, makespan
objective) and `Model.solve("ortools", ...)` runs with the harness's time limit, workers and seed.
PyJobShop reports no solution times, so those stay empty. Not named `pyjobshop.py`: the script's
folder comes first on sys.path and would shadow the package.

Run by `scheduler bench --peers pyjobshop` as `python benchmarks/peers/pyjobshop_peer.py`, the
request on stdin (`scheduler.bench.protocol`).
"""

from __future__ import annotations

from pyjobshop import Model

from scheduler.bench.protocol import Outcome, Request, SolutionClock, serve, verified_makespan
from scheduler.problem import Problem


def build(problem: Problem) -> Model:
    ix = problem.index
    model = Model()
    machines = [model.add_machine(name=f"m{m}") for m in range(ix.n_machines)]
    for j in range(ix.n_jobs):
        job = model.add_job(name=f"j{j}")
        previous = None
        for o in range(int(ix.job_start[j]), int(ix.job_start[j + 1])):
            task = model.add_task(job=job, name=f"o{o}")
            for k in range(int(ix.mode_start[o]), int(ix.mode_start[o + 1])):
                model.add_mode(task, machines[int(ix.mode_machine[k])], int(ix.mode_duration[k]))
            if previous is not None:
                model.add_end_before_start(previous, task)
            previous = task
    model.set_objective(weight_makespan=1)
    return model


def solve_pyjobshop(problem: Problem, request: Request) -> Outcome:
    clock = SolutionClock()
    model = build(problem)
    result = model.solve(
        "ortools",
        time_limit=max(0.0, request.time_limit - clock.elapsed()),
        display=False,
        num_workers=request.workers,
        random_seed=request.seed,
    )
    status = result.status.value.upper()
    found = status in ("OPTIMAL", "FEASIBLE")
    makespan = None
    if found:
        # Tasks were added in the problem's dense operation order; machine k is resource k.
        placed = [(task.resources[0], task.start, task.end) for task in result.best.tasks]
        makespan = verified_makespan(problem, placed)
    return Outcome(
        status=status if found else "UNKNOWN",
        makespan=round(result.objective) if found else None,
        bound=round(result.lower_bound) if found else None,
        first_solution_s=None,
        final_solution_s=None,
        solve_s=clock.elapsed(),
        verified=makespan is not None and makespan == round(result.objective),
    )


if __name__ == "__main__":
    serve(solve_pyjobshop)
