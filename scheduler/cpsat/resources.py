"""Secondary resources (operators, tools): each need of an operation picks one qualified
alternative, which it holds over the operation's whole span [start, end); held units never exceed a
resource's capacity, and a resource's non-working time takes its whole capacity."""

from __future__ import annotations

from collections import defaultdict
from typing import cast

from ortools.sat.python import cp_model

from scheduler.cpsat.variables import OperationVars
from scheduler.problem import Problem
from scheduler.worktime import working_windows


def add_secondary_resources(model: cp_model.CpModel, problem: Problem, v: OperationVars) -> None:
    """Each resource need holds one of its alternatives over the operation's span; per resource,
    the held units and its non-working time stay within its capacity."""
    if not problem.resources:
        return
    ix = problem.index
    resource_of_id = {r.id: i for i, r in enumerate(problem.resources)}
    held: dict[int, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    latest_end: dict[int, int] = defaultdict(int)
    o = -1
    for order in problem.orders:
        for op in order.operations:
            o += 1
            if not op.resources:
                continue
            alternatives = [
                [resource_of_id[rid] for rid in need.resources] for need in op.resources
            ]
            modes = ix.modes(o)
            durations = [int(ix.mode_duration[k]) for k in modes]
            if max(durations) == 0:
                # A zero-length operation holds nothing, so any qualified alternative will do.
                v.resource_choice[o] = [[(rs[0], None)] for rs in alternatives]
                continue
            span = _Span(model, v, o, modes, durations)
            choices: list[list[tuple[int, cp_model.IntVar | None]]] = []
            for need, rs in zip(op.resources, alternatives, strict=True):
                if len(rs) == 1:
                    held[rs[0]].append(
                        (span.interval(span.positive, f"r{o}_{rs[0]}"), need.quantity)
                    )
                    choices.append([(rs[0], None)])
                    continue
                literals = [model.new_bool_var(f"use{o}_{r}") for r in rs]
                model.add_exactly_one(literals)
                for r, literal in zip(rs, literals, strict=True):
                    presence = (
                        literal if span.positive is None else _and(model, literal, span.positive)
                    )
                    held[r].append((span.interval(presence, f"r{o}_{r}"), need.quantity))
                choices.append(list(zip(rs, literals, strict=True)))
            v.resource_choice[o] = choices
            for rs in alternatives:
                for r in rs:
                    latest_end[r] = max(latest_end[r], span.latest_end)
    for r, intervals in held.items():
        resource = problem.resources[r]
        if resource.calendar is not None:
            guard = v.guarded(model, f"resource_calendar:{r}")
            windows = working_windows(problem, resource.calendar, latest_end[r])
            for a, b in _gaps(windows, latest_end[r]):
                name = f"off_r{r}_{a}"
                gap = (
                    model.new_optional_fixed_size_interval_var(a, b - a, guard[0], name)
                    if guard
                    else model.new_fixed_size_interval_var(a, b - a, name)
                )
                intervals.append((gap, resource.capacity))
        if len(intervals) < 2:
            continue
        if resource.capacity == 1:
            model.add_no_overlap(interval for interval, _ in intervals)
        else:
            model.add_cumulative(
                [interval for interval, _ in intervals],
                [demand for _, demand in intervals],
                resource.capacity,
            )


class _Span:
    """The span [start, end) of one operation, from which its resource intervals are made.

    CP-SAT wants an interval's start, size and end each affine in one variable: an end that is
    `start + constant` gives fixed-size intervals; any other end gets a size variable, tied to
    start and end once by a mandatory interval and shared by the optional ones.
    """

    def __init__(
        self, model: cp_model.CpModel, v: OperationVars, o: int, modes: range, durations: list[int]
    ) -> None:
        self.model = model
        self.start = v.start[o]
        self.end = v.end[o]
        # An end is never a bare number: it is a variable or an expression of the start.
        end = cp_model.FlatIntExpr(cast(cp_model.LinearExpr, self.end))
        start_bounds = _bounds(self.start)
        self.latest_end = _upper(end)
        self.size: int | cp_model.IntVar
        if (
            len(end.vars) == 1
            and end.vars[0].index == self.start.index
            and end.coeffs[0] == 1
            and end.offset > 0
        ):
            self.size = end.offset
        else:
            self.size = model.new_int_var(
                min(durations), max(min(durations), self.latest_end - start_bounds[0]), f"span{o}"
            )
            model.new_interval_var(self.start, self.size, self.end, f"span{o}")
        self.positive: cp_model.IntVar | None = None
        if min(durations) == 0:
            # A zero-length mode holds nothing: its resource intervals are absent when chosen.
            positive = model.new_bool_var(f"positive{o}")
            literals = [v.mode_presence[k] for k in modes]
            model.add(
                positive
                == sum(
                    lit for lit, d in zip(literals, durations, strict=True) if d and lit is not None
                )
            )
            self.positive = positive

    def interval(self, presence: cp_model.IntVar | None, name: str) -> cp_model.IntervalVar:
        model = self.model
        if isinstance(self.size, int):
            if presence is None:
                return model.new_fixed_size_interval_var(self.start, self.size, name)
            return model.new_optional_fixed_size_interval_var(self.start, self.size, presence, name)
        if presence is None:
            return model.new_interval_var(self.start, self.size, self.end, name)
        return model.new_optional_interval_var(self.start, self.size, self.end, presence, name)


def _and(model: cp_model.CpModel, a: cp_model.IntVar, b: cp_model.IntVar) -> cp_model.IntVar:
    both = model.new_bool_var("")
    model.add_bool_and([a, b]).only_enforce_if(both)
    model.add_bool_or([a.Not(), b.Not(), both])
    return both


def _bounds(var: cp_model.IntVar) -> tuple[int, int]:
    # The proto's repeated field does not support negative indices.
    domain = list(var.proto.domain)
    return int(domain[0]), int(domain[-1])


def _upper(expr: cp_model.FlatIntExpr) -> int:
    """An upper bound of a linear expression from its variables' domains."""
    total = int(expr.offset)
    for var, coeff in zip(expr.vars, expr.coeffs, strict=True):
        lo, hi = _bounds(var)
        total += coeff * (hi if coeff > 0 else lo)
    return total


def _gaps(windows: list[tuple[int, int]], until: int) -> list[tuple[int, int]]:
    """The complement of sorted, disjoint windows within [0, until)."""
    gaps = []
    cursor = 0
    for a, b in windows:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < until:
        gaps.append((cursor, until))
    return gaps
