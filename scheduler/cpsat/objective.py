"""Objective terms, one function each; their auxiliary variables exist only when a term is asked for.

Each level of the objective is a weighted sum of terms. A kind used at several levels is built
once. The first level is minimised; `minimize_level` switches to a later one and `hold_level`
keeps an earlier one within its limit (lexicographic solving, driven by `scheduler.solve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.cpsat.bounds import TimeWindows
from scheduler.cpsat.variables import OperationVars
from scheduler.problem import ObjectiveKind, Problem


@dataclass
class ObjectiveVars:
    """Auxiliary variables that objective terms created, kept for hints and reporting."""

    makespan: cp_model.IntVar | None = None
    tardiness: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per order with a due date and a positive weight."""
    max_lateness: cp_model.IntVar | None = None
    max_weighted_tardiness: cp_model.IntVar | None = None
    late: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per order that can be late: the literal 'it completes after its due date'."""
    earliness: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per order with a due date and a positive weight."""
    levels: list[cp_model.LinearExprT] = field(default_factory=list)
    """The expression of each objective level, in lexicographic order."""


Term = Callable[
    [cp_model.CpModel, Problem, OperationVars, TimeWindows, ObjectiveVars], cp_model.LinearExprT
]


def _completion(problem: Problem, v: OperationVars, job: int) -> cp_model.LinearExprT:
    return v.completion[job]


def _with_due(problem: Problem, *, weighted: bool) -> list[tuple[int, int, int]]:
    """(order, due, weight) of the orders with a due date (and a positive weight if `weighted`)."""
    ix = problem.index
    return [
        (j, int(ix.due[j]), int(ix.weight[j]))
        for j in range(ix.n_jobs)
        if ix.due[j] >= 0 and not (weighted and ix.weight[j] == 0)
    ]


def makespan_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    ix = problem.index
    lower = int(ix.critical_path.max())
    makespan = model.new_int_var(lower, w.horizon, "makespan")
    for j in range(ix.n_jobs):
        model.add(makespan >= _completion(problem, v, j))
    aux.makespan = makespan
    return makespan


def total_weighted_tardiness_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    terms = []
    for j, due, weight in _with_due(problem, weighted=True):
        upper = max(0, int(w.completion_cap[j]) - due)
        tardiness = model.new_int_var(0, upper, f"tardiness{j}")
        # Minimisation pushes it down onto max(0, completion - due).
        model.add(tardiness >= _completion(problem, v, j) - due)
        aux.tardiness[j] = tardiness
        terms.append(weight * tardiness)
    return sum(terms)


def max_weighted_tardiness_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    orders = _with_due(problem, weighted=True)
    if not orders:
        return 0
    upper = max(weight * max(0, int(w.completion_cap[j]) - due) for j, due, weight in orders)
    worst = model.new_int_var(0, upper, "max_weighted_tardiness")
    for j, due, weight in orders:
        model.add(worst >= weight * (_completion(problem, v, j) - due))
    aux.max_weighted_tardiness = worst
    return worst


def max_lateness_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    orders = _with_due(problem, weighted=False)
    if not orders:
        return 0
    ix = problem.index
    # Negative when every order is early: its domain starts at the earliest possible lateness.
    lower = max(int(ix.critical_path[j]) - due for j, due, _ in orders)
    upper = max(int(w.completion_cap[j]) - due for j, due, _ in orders)
    worst = model.new_int_var(lower, max(lower, upper), "max_lateness")
    for j, due, _ in orders:
        model.add(worst >= _completion(problem, v, j) - due)
    aux.max_lateness = worst
    return worst


def late_orders_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    terms = []
    for j, due, weight in _with_due(problem, weighted=True):
        if int(w.completion_cap[j]) <= due:
            continue  # it can never be late
        late = model.new_bool_var(f"late{j}")
        # Minimisation sets the literal only when the completion forces it.
        model.add(_completion(problem, v, j) <= due).only_enforce_if(~late)
        aux.late[j] = late
        terms.append(weight * late)
    return sum(terms)


def weighted_completion_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    ix = problem.index
    return sum(int(ix.weight[j]) * _completion(problem, v, j) for j in range(ix.n_jobs))


def weighted_earliness_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    ix = problem.index
    terms = []
    for j, due, weight in _with_due(problem, weighted=True):
        upper = due - int(ix.critical_path[j])
        if upper <= 0:
            continue  # it can never be early
        earliness = model.new_int_var(0, upper, f"earliness{j}")
        # Minimisation pushes it down onto max(0, due - completion).
        model.add(earliness >= due - _completion(problem, v, j))
        aux.earliness[j] = earliness
        terms.append(weight * earliness)
    return sum(terms)


def setup_time_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    return sum(v.setup_time)


def setup_cost_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    return sum(v.setup_cost)


def purchase_cost_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    return sum(v.purchase_cost)


TERMS: dict[ObjectiveKind, Term] = {
    ObjectiveKind.MAKESPAN: makespan_term,
    ObjectiveKind.TOTAL_WEIGHTED_TARDINESS: total_weighted_tardiness_term,
    ObjectiveKind.MAX_WEIGHTED_TARDINESS: max_weighted_tardiness_term,
    ObjectiveKind.MAX_LATENESS: max_lateness_term,
    ObjectiveKind.LATE_ORDERS: late_orders_term,
    ObjectiveKind.WEIGHTED_COMPLETION: weighted_completion_term,
    ObjectiveKind.WEIGHTED_EARLINESS: weighted_earliness_term,
    ObjectiveKind.SETUP_TIME: setup_time_term,
    ObjectiveKind.SETUP_COST: setup_cost_term,
    ObjectiveKind.PURCHASE_COST: purchase_cost_term,
}


def add_objective(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows
) -> ObjectiveVars:
    """Build every level's expression (each kind once) and minimise the first level."""
    aux = ObjectiveVars()
    built: dict[ObjectiveKind, cp_model.LinearExprT] = {}
    for level in problem.objective.levels:
        for term in level.terms:
            if term.kind not in built:
                v.check_deadline()
                built[term.kind] = TERMS[term.kind](model, problem, v, w, aux)
        aux.levels.append(sum(term.weight * built[term.kind] for term in level.terms))
    # Over a large plant's changeover arcs, setting the objective alone takes most of a second.
    v.check_deadline()
    model.minimize(aux.levels[0])
    return aux


def minimize_level(model: cp_model.CpModel, aux: ObjectiveVars, level: int) -> None:
    """Make `level` the objective (replacing the previous one)."""
    model.minimize(aux.levels[level])


def hold_level(model: cp_model.CpModel, aux: ObjectiveVars, level: int, limit: int) -> None:
    """Keep `level` at or below `limit` from now on (a later level is being minimised)."""
    expr = aux.levels[level]
    # A level without variables (e.g. no order has a due date) is a constant: nothing to hold.
    if not isinstance(expr, int):
        model.add(expr <= limit)


def hint_values(model: cp_model.CpModel, values: list[int]) -> None:
    """Replace the hints by a complete solution: every variable's value, in variable order."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
