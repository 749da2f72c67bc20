"""Problem → CpModel: variables, the rules in order, the objective, and hints."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

import numpy as np
from ortools.sat.python import cp_model

from scheduler.cpsat.bounds import TimeWindows, time_windows
from scheduler.cpsat.constraints import RULES
from scheduler.cpsat.objective import ObjectiveVars, add_objective
from scheduler.cpsat.runner import run
from scheduler.cpsat.stability import add_pins, pinned_windows, stability_term
from scheduler.cpsat.variables import BuildExpired, OperationVars, PurchaseSlot, operation_vars
from scheduler.planning.pins import Pins
from scheduler.problem import Problem
from scheduler.schedule import Purchase, Schedule
from scheduler.stop import Deadline


@dataclass(frozen=True, eq=False)
class SchedulingModel:
    problem: Problem
    model: cp_model.CpModel
    windows: TimeWindows
    ops: OperationVars
    objective: ObjectiveVars


def build_model(
    problem: Problem,
    incumbent_objective: int | None = None,
    *,
    incumbent_makespan: int = 0,
    explain: bool = False,
    relaxed: bool = False,
    deadline: Deadline | None = None,
    pins: Pins | None = None,
    successors: dict[tuple[int, int], frozenset[int]] | None = None,
    horizon_cap: int | None = None,
) -> SchedulingModel:
    """The CP-SAT model of `problem`; an incumbent's objective (if any) tightens every window.

    `incumbent_makespan` (a verified schedule's, or a horizon to widen to) keeps the horizon at
    least that long. With `explain`, named hard constraints are enforced by assumption literals
    (`ops.guards`). With `relaxed`, deadlines and maximum lags may be exceeded and the objective
    is their total excess (`ops.violations`); the objective levels are built as usual, for
    `minimize_level` once a schedule without excess is found. Raises `BuildExpired` when
    `deadline` expires before the model is complete (checked between rules, and within the
    slow ones: calendar domains, changeover circuits). With `pins` (a
    reschedule), pinned operations are fixed and the last level gains the stability term; an
    incumbent's objective then tightens the windows of a factory problem too.
    `successors` prunes the changeover circuits to the arcs it lists (see `OperationVars`);
    `horizon_cap` caps the horizon (see `time_windows`): both restrict the search to schedules
    near a reference one, for large-neighbourhood search.
    """
    model = cp_model.CpModel()
    model.name = problem.name or "scheduler"
    windows = time_windows(
        problem,
        incumbent_objective,
        incumbent_makespan,
        horizon_cap,
        any_problem=pins is not None,
    )
    if pins is not None:
        windows = pinned_windows(problem, windows, pins)
    _check(deadline)
    ops = operation_vars(model, problem, windows, explain=explain, deadline=deadline)
    if relaxed:
        ops = dataclasses.replace(ops, violations=[])
    if successors is not None:
        ops = dataclasses.replace(ops, successors=successors)
    for rule in RULES:
        _check(deadline)
        rule(model, problem, ops)
    if pins is not None:
        add_pins(model, problem, ops, pins)
    _check(deadline)
    objective = add_objective(model, problem, ops, windows)
    if pins is not None and pins.weight:
        stability = pins.weight * stability_term(model, problem, ops, pins)
        objective.levels[-1] = cp_model.LinearExpr.sum([objective.levels[-1], stability])
        _check(deadline)
        model.minimize(objective.levels[0])
    _check(deadline)
    if ops.violations is not None:
        model.minimize(sum(ops.violations))
    return SchedulingModel(problem, model, windows, ops, objective)


def forbid_violations(sm: SchedulingModel) -> None:
    """Make a relaxed model's soft constraints hard again (every excess 0)."""
    for excess in sm.ops.violations or ():
        sm.model.add(excess == 0)


def _check(deadline: Deadline | None) -> None:
    if deadline is not None and deadline.expired:
        raise BuildExpired


def add_hint(sm: SchedulingModel, schedule: Schedule) -> None:
    """Hint every decision variable with `schedule`'s values (a complete, feasible hint)."""
    problem, model, v = sm.problem, sm.model, sm.ops
    ix = problem.index
    machine, start, end = schedule.arrays(problem)
    end_list = end.tolist()
    for o, s in enumerate(start.tolist()):
        model.add_hint(v.start[o], s)
        # Only an end variable is hinted; an affine end (`start + 0`) would name the start again.
        e = v.end[o]
        if isinstance(e, cp_model.IntVar) and e.index != v.start[o].index:
            model.add_hint(e, end_list[o])
    for k, m in enumerate(ix.mode_machine.tolist()):
        literal = v.mode_presence[k]
        if literal is not None:
            model.add_hint(literal, int(machine[ix.op_of_mode[k]] == m))
    completion = np.zeros(ix.n_jobs, dtype=np.int64)
    np.maximum.at(completion, ix.op_job, end)
    sinks_per_job = np.bincount(ix.op_job[ix.sinks], minlength=ix.n_jobs)
    for j, c in enumerate(sm.ops.completion):
        # Only an order with several sinks has a completion variable of its own.
        if sinks_per_job[j] > 1:
            model.add_hint(cast(cp_model.IntVar, c), int(completion[j]))
    if v.resource_choice:
        chosen = {ix.operation(op.job, op.index): op.resources for op in schedule.operations}
        for o, needs in v.resource_choice.items():
            for n, alternatives in enumerate(needs):
                for r, literal in alternatives:
                    if literal is not None and n < len(chosen.get(o, ())):
                        model.add_hint(literal, int(chosen[o][n] == r))
    if sm.objective.makespan is not None:
        model.add_hint(sm.objective.makespan, int(completion.max()))
    for j, tardiness in sm.objective.tardiness.items():
        model.add_hint(tardiness, max(0, int(completion[j] - ix.due[j])))
    _hint_purchases(model, v, schedule)


def _hint_purchases(model: cp_model.CpModel, v: OperationVars, schedule: Schedule) -> None:
    """Hint the purchase slots with the schedule's purchases, the surplus merged into the last."""
    slots: dict[tuple[int, int], list[PurchaseSlot]] = defaultdict(list)
    for slot in v.purchases:
        slots[(slot.item, slot.supplier)].append(slot)
    placed: dict[tuple[int, int], list[Purchase]] = defaultdict(list)
    for p in sorted(schedule.purchases, key=lambda p: p.order_time):
        placed[(p.item, p.supplier)].append(p)
    for key, group in slots.items():
        purchases = placed.get(key, [])
        for k, slot in enumerate(group):
            # The last slot takes every purchase left over: merged, they arrive no later.
            mine = purchases[k:] if k == len(group) - 1 else purchases[k : k + 1]
            model.add_hint(slot.presence, bool(mine))
            quantity = min(sum(p.quantity for p in mine), slot.quantity.domain.max())
            model.add_hint(slot.quantity, quantity)
            order_time = min(mine[0].order_time, slot.order_time.domain.max()) if mine else 0
            model.add_hint(slot.order_time, order_time)


def schedule_from_values(
    sm: SchedulingModel, value: cp_model.CpSolverSolutionCallback | cp_model.CpSolver
) -> Schedule:
    """Read a schedule out of a solution (from a solver or a solution callback)."""
    problem, v = sm.problem, sm.ops
    ix = problem.index
    start = np.fromiter((value.value(s) for s in v.start), dtype=np.int64, count=ix.n_operations)
    chosen = np.array(
        [1 if lit is None else value.boolean_value(lit) for lit in v.mode_presence], dtype=bool
    )
    mode_of_op = np.flatnonzero(chosen)
    machine = ix.mode_machine[mode_of_op]
    # The end variable, not start + work: a resumable operation's span includes its breaks.
    end = np.fromiter((value.value(e) for e in v.end), dtype=np.int64, count=ix.n_operations)
    resources: list[tuple[int, ...]] | None = None
    if v.resource_choice:
        resources = [()] * ix.n_operations
        for o, needs in v.resource_choice.items():
            resources[o] = tuple(
                next(r for r, lit in alternatives if lit is None or value.boolean_value(lit))
                for alternatives in needs
            )
    schedule = Schedule.from_arrays(problem, machine, start, end, resources)
    purchases = []
    for slot in v.purchases:
        if value.boolean_value(slot.presence):
            order_time = value.value(slot.order_time)
            purchases.append(
                Purchase(
                    item=slot.item,
                    supplier=slot.supplier,
                    quantity=value.value(slot.quantity),
                    order_time=order_time,
                    arrival=order_time + slot.lead_time,
                )
            )
    if not purchases:
        return schedule
    purchases.sort(key=lambda p: (p.order_time, p.item, p.supplier))
    return dataclasses.replace(schedule, purchases=tuple(purchases))


def complete_hint(sm: SchedulingModel, time_limit: float, deadline: Deadline | None = None) -> bool:
    """Extend a partial hint (from a schedule) to every variable of the model; True on success.

    `add_hint` sets the decisions a schedule fixes (starts, ends, modes, resources, purchases)
    but not the auxiliaries some rules add (changeover arcs, calendar segments). A partial hint
    leaves CP-SAT to repair it, which on a large factory can take the whole time limit; a complete
    one is its first solution at once. The completion is a small solve with the hinted variables
    fixed and no objective.
    """
    proto = sm.model.proto
    hint = proto.solution_hint
    if not hint.vars:
        return False
    fixed = sm.model.clone()
    for var, value in zip(hint.vars, hint.values, strict=True):
        fixed.add(fixed.get_int_var_from_proto_index(var) == value)
    fixed.clear_objective()
    fixed.clear_hints()
    parameters = {
        "max_time_in_seconds": time_limit,
        "num_workers": 1,
        "catch_sigint_signal": False,
    }
    solver, status = run(fixed, parameters, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    sm.model.clear_hints()
    hint = sm.model.proto.solution_hint
    hint.vars.extend(range(len(proto.variables)))
    hint.values.extend(solver.response_proto.solution)
    return True
