"""Decision variables: a start and end per operation, and an interval per eligible machine."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.cpsat.bounds import TimeWindows, Windows
from scheduler.problem import MAX_TIME, Problem
from scheduler.stop import Deadline


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


class BuildExpired(Exception):
    """The call's deadline passed (or its stop token was set) while a model was being built."""


@dataclass(frozen=True, eq=False)
class OperationVars:
    """Indexed by flat operation (see `ProblemIndex`); modes by flat mode index."""

    start: list[cp_model.IntVar]
    end: list[cp_model.LinearExprT]
    """The real end: a variable for an operation with several modes or whose span may stretch
    over non-working time; `start + span` otherwise. A resumable operation's span exceeds its work
    by the non-working ticks it crosses."""
    mode_presence: list[cp_model.IntVar | None]
    """The literal 'this mode is chosen'; None for an operation with a single mode (always chosen)."""
    mode_interval: list[cp_model.IntervalVar]
    """Per mode: [start, end) when it is chosen (the span, breaks included)."""
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
    successors: dict[tuple[int, int], frozenset[int]] | None = None
    """Per (machine, operation), the only operations that may directly follow it there, on a
    machine with changeovers (`setups.plausible_successors`, for large plants); None: any operation may."""
    violations: list[cp_model.IntVar] | None = None
    """Set in a relaxed model (`build_model(..., relaxed=True)`): deadlines and maximum lags may
    be exceeded, each by its own non-negative variable listed here (their sum is minimised)."""
    deadline: Deadline | None = None
    """The build's deadline, for a rule that may itself outlast it (see `check_deadline`)."""

    def check_deadline(self) -> None:
        """Raise `BuildExpired` once the build's deadline has passed: a rule that can take
        seconds calls it as it goes (plant-2000's calendar domains took 1.6-10 s and its
        changeover circuits 9 s, against a 10 s limit)."""
        if self.deadline is not None and self.deadline.expired:
            raise BuildExpired

    def slack(self, model: cp_model.CpModel, name: str) -> cp_model.LinearExprT:
        """0 in a normal model; in a relaxed one, a new variable by which a soft constraint
        named `name` may be exceeded."""
        if self.violations is None:
            return 0
        excess = model.new_int_var(0, MAX_TIME, f"excess:{name}")
        self.violations.append(excess)
        return excess

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


Intervals = list[tuple[int, int]]
"""Closed integer intervals [lo, hi] of start times."""


@dataclass(frozen=True, slots=True)
class _Calendared:
    """Where a mode on a calendar machine may start: per offset (the non-working ticks its span
    crosses, always 0 for a non-resumable operation), the start times that cross exactly that."""

    starts: dict[int, Intervals]

    def all_starts(self) -> Intervals:
        return sorted(iv for ivs in self.starts.values() for iv in ivs)


def operation_vars(
    model: cp_model.CpModel,
    problem: Problem,
    windows: TimeWindows,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> OperationVars:
    """Start, end, mode literals and intervals; machine calendars live here, in the domains.

    A mode with work on a calendar machine may start only where its run fits: inside one window
    (non-resumable), or at a working tick from which it finishes by the latest end (resumable).
    A resumable span is the work plus the non-working ticks it crosses, which depends on the start:
    one literal per distinct such offset (at most two per window in the operation's time window)
    restricts the start to the starts with that offset and adds it to the span. Without explaining,
    the union of the modes' starts is also the start's domain, and a single offset needs no literal.
    `deadline` is kept in the result for the rules, and checked here as well (`check_deadline`).
    """
    ix = problem.index
    durations = ix.mode_duration.tolist()
    machines = ix.mode_machine.tolist()
    mode_start = ix.mode_start.tolist()
    earliest = windows.earliest_start.tolist()
    latest = windows.latest_end.tolist()
    min_d = ix.min_duration.tolist()
    resumable = [op.resumable for order in problem.orders for op in order.operations]
    prefix = {m: _prefix_lengths(w) for m, w in windows.working.items()}
    v = OperationVars([], [], [], [], [], guards={} if explain else None, deadline=deadline)
    for o in range(ix.n_operations):
        v.check_deadline()
        first, last = mode_start[o], mode_start[o + 1]
        lo, hi = earliest[o], latest[o]
        plans: list[_Calendared | None] = []
        for k in range(first, last):
            working = windows.working.get(machines[k])
            if working is None or durations[k] == 0:
                plans.append(None)  # always works, or occupies nothing
            elif resumable[o]:
                plans.append(_resumable_starts(working, prefix[machines[k]], durations[k], lo, hi))
            else:
                plans.append(_Calendared({0: _window_starts(working, durations[k], lo, hi)}))
        s = _start_var(model, o, lo, hi - min_d[o], plans, explain)
        v.start.append(s)
        if last - first == 1:
            _single_mode(model, v, o, s, (lo, hi), durations[first], plans[0])
            continue
        terms: list[cp_model.LinearExpr] = []
        e = model.new_int_var(lo + min_d[o], hi, f"e{o}")
        for k, plan in zip(range(first, last), plans, strict=True):
            lit = model.new_bool_var(f"p{o}_{machines[k]}")
            v.mode_presence.append(lit)
            name = f"i{o}_{machines[k]}"
            # Alternatives share the operation's start, so no channelling is needed for it.
            if plan is None or (len(plan.starts) == 1 and v.guards is None):
                offset = 0 if plan is None else next(iter(plan.starts))
                if plan is not None:
                    _start_in(model, s, plan.starts[offset], [lit, *_calendar_guard(model, v, o)])
                size = durations[k] + offset
                v.mode_interval.append(
                    model.new_optional_fixed_size_interval_var(s, size, lit, name)
                )
                terms.append(size * lit)
            else:
                offsets = _choose_offset(model, v, o, s, plan, lit)
                size_var = model.new_int_var(
                    durations[k], durations[k] + max(offsets, default=0), f"size{o}_{machines[k]}"
                )
                model.add(size_var == durations[k] + sum(off * x for off, x in offsets.items()))
                v.mode_interval.append(model.new_optional_interval_var(s, size_var, e, lit, name))
                terms.append(durations[k] * lit)
                terms.extend(off * x for off, x in offsets.items())
            # A mode too long for the operation's window can never be chosen.
            if lo + durations[k] > hi:
                model.add(lit == 0)
        model.add(e == s + cp_model.LinearExpr.sum(terms))
        v.end.append(e)
    v.completion.extend(_completions(model, problem, windows, v.end))
    return v


def _start_var(
    model: cp_model.CpModel,
    o: int,
    lo: int,
    hi: int,
    plans: list[_Calendared | None],
    explain: bool,
) -> cp_model.IntVar:
    """The start, its domain already the union of the modes' calendar starts when it can be (a
    domain costs CP-SAT nothing; when explaining, the calendar must stay a guarded constraint)."""
    if explain or all(plan is None for plan in plans):
        return model.new_int_var(lo, hi, f"s{o}")
    intervals: Intervals = []
    for plan in plans:
        intervals.extend([(lo, hi)] if plan is None else plan.all_starts())
    domain = cp_model.Domain.from_intervals([list(iv) for iv in intervals]).intersection_with(
        cp_model.Domain(lo, hi)
    )
    if domain.is_empty():
        # No mode can ever run: the constraints of the modes make the model infeasible.
        return model.new_int_var(lo, hi, f"s{o}")
    return model.new_int_var_from_domain(domain, f"s{o}")


def _single_mode(
    model: cp_model.CpModel,
    v: OperationVars,
    o: int,
    s: cp_model.IntVar,
    window: tuple[int, int],
    duration: int,
    plan: _Calendared | None,
) -> None:
    v.mode_presence.append(None)
    if plan is None or (len(plan.starts) == 1 and v.guards is None):
        offset = 0 if plan is None else next(iter(plan.starts))
        if plan is not None:
            _start_in(model, s, plan.starts[offset], _calendar_guard(model, v, o))
        # An affine end costs CP-SAT no variable and no constraint.
        v.end.append(s + duration + offset)
        v.mode_interval.append(model.new_fixed_size_interval_var(s, duration + offset, f"i{o}"))
        return
    offsets = _choose_offset(model, v, o, s, plan, None)
    size = model.new_int_var(duration, duration + max(offsets, default=0), f"size{o}")
    model.add(size == duration + sum(off * x for off, x in offsets.items()))
    e = model.new_int_var(window[0] + duration, max(window[0] + duration, window[1]), f"e{o}")
    v.end.append(e)
    v.mode_interval.append(model.new_interval_var(s, size, e, f"i{o}"))


def _choose_offset(
    model: cp_model.CpModel,
    v: OperationVars,
    o: int,
    s: cp_model.IntVar,
    plan: _Calendared,
    mode: cp_model.IntVar | None,
) -> dict[int, cp_model.IntVar]:
    """One literal per offset a mode's span may cross, exactly one of them when the mode is chosen
    (`mode` None: always), each restricting the start to the starts that cross that offset.

    When explaining, a further literal (offset 0, any start) is allowed only without the calendar.
    """
    offsets = {off: model.new_bool_var(f"off{o}_{off}") for off in plan.starts}
    for off, x in offsets.items():
        _start_in(model, s, plan.starts[off], [x])
    choices = list(offsets.values())
    guard = _calendar_guard(model, v, o)
    if guard:
        # Offset 0 adds nothing to the span, so this literal needs no place in `offsets`.
        free = model.new_bool_var(f"free{o}")
        model.add_implication(guard[0], free.Not())
        choices.append(free)
    if mode is None:
        model.add_exactly_one(choices)
    else:
        model.add(sum(choices) == mode)
    return offsets


def _calendar_guard(model: cp_model.CpModel, v: OperationVars, o: int) -> list[cp_model.IntVar]:
    return v.guarded(model, f"calendar:{o}")


def _start_in(
    model: cp_model.CpModel, s: cp_model.IntVar, starts: Intervals, when: list[cp_model.IntVar]
) -> None:
    """`s` lies in one of `starts` when all of `when` hold (always when empty); no starts: never."""
    domain = cp_model.Domain.from_intervals([list(iv) for iv in starts])
    model.add_linear_expression_in_domain(s, domain).only_enforce_if(when)


def _window_starts(working: Windows, work: int, lo: int, hi: int) -> Intervals:
    """Starts in [lo, hi - work] of a non-resumable run of `work` ticks inside one window."""
    result: Intervals = []
    for a, b in working[bisect.bisect_right(working, lo, key=lambda w: w[1]) :]:
        if a + work > hi:
            break
        first, last = max(a, lo), min(b, hi) - work
        if last >= first:
            result.append((first, last))
    return result


def _prefix_lengths(working: Windows) -> list[int]:
    """`p[i]`: the working ticks of the windows before window i."""
    prefix = [0]
    for a, b in working:
        prefix.append(prefix[-1] + b - a)
    return prefix


def _resumable_starts(
    working: Windows, prefix: list[int], work: int, lo: int, hi: int
) -> _Calendared:
    """Starts (working ticks) of a resumable run of `work` working ticks ending by `hi`, grouped by
    the non-working ticks its span crosses.

    Started at s in window i, the run ends in the first window j with (b_i - s) + the working ticks
    of windows i+1..j >= work, at end = s + work + offset(i, j), the gap ticks between b_i and a_j.
    As s grows, j never decreases, so window i splits into consecutive segments, one per j: over
    all windows, at most twice as many segments as windows.
    """
    starts: dict[int, Intervals] = {}
    n = len(working)
    for i in range(bisect.bisect_right(working, lo, key=lambda w: w[1]), n):
        a_i, b_i = working[i]
        first, last = max(a_i, lo), b_i - 1
        if first + work > hi:
            break
        # j(s) = (the first q with prefix[q] >= work - b_i + s + prefix[i + 1]) - 1
        base = work - b_i + prefix[i + 1]
        j_first = bisect.bisect_left(prefix, base + first) - 1
        if j_first >= n:
            break  # not even the earliest start finishes inside the horizon
        j_last = min(n - 1, bisect.bisect_left(prefix, base + last) - 1)
        for j in range(j_first, j_last + 1):
            a_j = working[j][0]
            if a_j >= hi:
                break
            offset = a_j - b_i - (prefix[j] - prefix[i + 1]) if j > i else 0
            seg_first = max(first, b_i + prefix[j] - prefix[i + 1] - work + 1)
            seg_last = min(last, b_i + prefix[j + 1] - prefix[i + 1] - work, hi - work - offset)
            if seg_last >= seg_first:
                starts.setdefault(offset, []).append((seg_first, seg_last))
    return _Calendared(starts)


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
