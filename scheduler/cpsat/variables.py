"""Decision variables: a start and end per operation, and an interval per eligible machine."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.cpsat.bounds import TimeWindows
from scheduler.problem import Problem


@dataclass(frozen=True, eq=False)
class PurchaseSlot:
    """A purchase the solver may place: of `item` (index) from its `supplier` (index in the item)."""

    item: int
    supplier: int
    presence: cp_model.IntVar
    quantity: cp_model.IntVar
    """0 when absent, else at least the supplier's minimum order quantity."""
    order_time: cp_model.IntVar
    lead_time: int


@dataclass(frozen=True, eq=False)
class OperationVars:
    """Indexed by flat operation (see `ProblemIndex`); modes by flat mode index."""

    start: list[cp_model.IntVar]
    end: list[cp_model.LinearExprT]
    """A variable for an operation with several modes; `start + duration` for one with one mode."""
    mode_presence: list[cp_model.IntVar | None]
    """The literal 'this mode is chosen'; None for an operation with a single mode (always chosen)."""
    mode_interval: list[cp_model.IntervalVar]
    completion: list[cp_model.LinearExprT]
    """Per order: the end of its last operation (the latest of its routing's sinks)."""
    # What rules leave for the objective terms (rules run before the objective is built).
    setup_time: list[cp_model.LinearExprT] = field(default_factory=list)
    """Summands of the total sequence-dependent setup time."""
    setup_cost: list[cp_model.LinearExprT] = field(default_factory=list)
    """Summands of the total setup cost."""
    purchase_cost: list[cp_model.LinearExprT] = field(default_factory=list)
    """Summands of the total cost of the purchases the solver places."""
    resource_choice: dict[int, list[list[tuple[int, cp_model.IntVar | None]]]] = field(
        default_factory=dict
    )
    """Per operation with resource needs, per need: (resource, literal 'it is chosen'); the literal
    is None for a need with a single alternative or one that holds nothing (always that one)."""
    purchases: list[PurchaseSlot] = field(default_factory=list)
    """The purchases the solver may place (see `materials.py`), read back into the schedule."""
    guards: dict[str, cp_model.IntVar] | None = None
    """Set when explaining infeasibility: one assumption literal per named hard constraint."""

    def guarded(self, model: cp_model.CpModel, key: str) -> list[cp_model.IntVar]:
        """Enforcement literals for the hard constraint named `key` (e.g. `deadline:3`).

        Empty in a normal solve, so `.only_enforce_if(v.guarded(model, key))` costs nothing. When
        explaining, constraints sharing a key share one literal, which CP-SAT may then name in
        its set of conflicting assumptions.
        """
        if self.guards is None:
            return []
        literal = self.guards.get(key)
        if literal is None:
            literal = self.guards[key] = model.new_bool_var(key)
        return [literal]


def operation_vars(
    model: cp_model.CpModel, problem: Problem, windows: TimeWindows, *, explain: bool = False
) -> OperationVars:
    ix = problem.index
    durations = ix.mode_duration.tolist()
    machines = ix.mode_machine.tolist()
    mode_start = ix.mode_start.tolist()
    earliest = windows.earliest_start.tolist()
    latest = windows.latest_end.tolist()
    min_d = ix.min_duration.tolist()
    start: list[cp_model.IntVar] = []
    end: list[cp_model.LinearExprT] = []
    presence: list[cp_model.IntVar | None] = []
    intervals: list[cp_model.IntervalVar] = []
    for o in range(ix.n_operations):
        s = model.new_int_var(earliest[o], latest[o] - min_d[o], f"s{o}")
        first, last = mode_start[o], mode_start[o + 1]
        e: cp_model.LinearExprT
        if last - first == 1:
            # An affine end costs CP-SAT no variable and no constraint.
            e = s + durations[first]
            presence.append(None)
            intervals.append(model.new_fixed_size_interval_var(s, durations[first], f"i{o}"))
        else:
            e = model.new_int_var(earliest[o] + min_d[o], latest[o], f"e{o}")
            literals = []
            for k in range(first, last):
                lit = model.new_bool_var(f"p{o}_{machines[k]}")
                literals.append(lit)
                presence.append(lit)
                # Alternatives share the operation's start, so no channelling is needed for it.
                intervals.append(
                    model.new_optional_fixed_size_interval_var(
                        s, durations[k], lit, f"i{o}_{machines[k]}"
                    )
                )
            chosen = list(zip(range(first, last), literals, strict=True))
            model.add(e == s + sum(durations[k] * lit for k, lit in chosen))
            # A mode too long for the operation's window can never be chosen.
            for k, lit in chosen:
                if earliest[o] + durations[k] > latest[o]:
                    model.add(lit == 0)
        start.append(s)
        end.append(e)
    return OperationVars(
        start,
        end,
        presence,
        intervals,
        _completions(model, problem, windows, end),
        guards={} if explain else None,
    )


def _completions(
    model: cp_model.CpModel,
    problem: Problem,
    windows: TimeWindows,
    end: list[cp_model.LinearExprT],
) -> list[cp_model.LinearExprT]:
    ix = problem.index
    sinks: list[list[int]] = [[] for _ in range(ix.n_jobs)]
    for o in ix.sinks.tolist():
        sinks[int(ix.op_job[o])].append(o)
    completion: list[cp_model.LinearExprT] = []
    for j, last in enumerate(sinks):
        if len(last) == 1:
            completion.append(end[last[0]])
            continue
        c = model.new_int_var(
            int(ix.critical_path[j]), int(windows.completion_cap[j]), f"completion{j}"
        )
        model.add_max_equality(c, [end[o] for o in last])
        completion.append(c)
    return completion
