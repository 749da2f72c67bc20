"""Objective terms, one function each; their auxiliary variables exist only when a term is asked for."""

from __future__ import annotations

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


def _completion(problem: Problem, v: OperationVars, job: int) -> cp_model.LinearExprT:
    return v.completion[job]


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
    ix = problem.index
    terms = []
    for j in range(ix.n_jobs):
        due, weight = int(ix.due[j]), int(ix.weight[j])
        if due < 0 or weight == 0:
            continue
        upper = max(0, int(w.completion_cap[j]) - due)
        tardiness = model.new_int_var(0, upper, f"tardiness{j}")
        # Minimisation pushes it down onto max(0, completion - due).
        model.add(tardiness >= _completion(problem, v, j) - due)
        aux.tardiness[j] = tardiness
        terms.append(weight * tardiness)
    return sum(terms)


def weighted_completion_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    ix = problem.index
    return sum(int(ix.weight[j]) * _completion(problem, v, j) for j in range(ix.n_jobs))


def purchase_cost_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows, aux: ObjectiveVars
) -> cp_model.LinearExprT:
    return sum(v.purchase_cost)


TERMS = {
    ObjectiveKind.MAKESPAN: makespan_term,
    ObjectiveKind.TOTAL_WEIGHTED_TARDINESS: total_weighted_tardiness_term,
    ObjectiveKind.WEIGHTED_COMPLETION: weighted_completion_term,
    ObjectiveKind.PURCHASE_COST: purchase_cost_term,
}


def add_objective(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, w: TimeWindows
) -> ObjectiveVars:
    aux = ObjectiveVars()
    expr = sum(
        term.weight * TERMS[term.kind](model, problem, v, w, aux)
        for term in problem.objective.terms
    )
    model.minimize(expr)
    return aux
