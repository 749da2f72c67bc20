"""Sequence-dependent setups: a circuit over each machine's operations, with a changeover on each arc.

Per machine with setup rules, the operations of positive length that may run on it are the nodes of
a CP-SAT circuit, with a depot (node 0) that closes it: the arc depot -> i says i runs first, i -> j
that j runs right after i, i -> depot that i runs last, and the self-loop i -> i that the machine
does not run i (another mode was chosen). An arc's literal enforces the changeover it stands for, so
the circuit is the machine's sequence and each arc's setup time and cost is incurred exactly when
the two operations are consecutive, as rule 6 of the brief says. The machine's no-overlap stays: it
is a much stronger propagator of the same disjunction, the circuit only adds the sequence.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat.variables import OperationVars
from scheduler.problem import Machine, Problem

Setup = tuple[int, int]
"""(time, cost) of one changeover."""


@dataclass(frozen=True, slots=True)
class _Node:
    mode: int
    op: int
    duration: int
    family: str | None


def setup_table(machine: Machine) -> dict[tuple[str | None, str], Setup]:
    """The machine's rules by (from family, or None for the initial setup, to family)."""
    return {(rule.from_family, rule.to_family): (rule.time, rule.cost) for rule in machine.setups}


MAX_CIRCUIT_ARCS = 250_000
"""Above this many candidate arcs (operations squared, summed over machines with changeovers) the
circuit model takes longer to build than a solve is given (plant-2000: 1.06 M arcs, 18 s)."""


def circuit_size(problem: Problem) -> int:
    """Candidate arcs of the changeover circuits: per machine with setups, its operations squared."""
    ix = problem.index
    counts: dict[int, int] = defaultdict(int)
    for machine, duration in zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True):
        if duration > 0 and problem.machines[machine].setups:
            counts[machine] += 1
    return sum(n * n for n in counts.values())


def add_sequence_dependent_setups(
    model: cp_model.CpModel, problem: Problem, v: OperationVars
) -> None:
    """Consecutive operations on a machine are separated by the changeover between their families."""
    if not any(m.setups for m in problem.machines):
        return
    ix = problem.index
    families = [op.family for order in problem.orders for op in order.operations]
    nodes: dict[int, list[_Node]] = defaultdict(list)
    for k, (machine, duration) in enumerate(
        zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True)
    ):
        # A zero-length operation occupies nothing, so nothing is set up for it (rule 6).
        if duration > 0 and problem.machines[machine].setups:
            o = int(ix.op_of_mode[k])
            nodes[machine].append(_Node(k, o, duration, families[o]))
    ancestors = _Ancestors(problem)
    for machine, machine_nodes in nodes.items():
        _add_machine_circuit(
            model, v, machine, machine_nodes, setup_table(problem.machines[machine]), ancestors
        )


def _add_machine_circuit(
    model: cp_model.CpModel,
    v: OperationVars,
    machine: int,
    nodes: list[_Node],
    table: dict[tuple[str | None, str], Setup],
    ancestors: _Ancestors,
) -> None:
    def setup(before: str | None, after: str | None) -> Setup:
        return (0, 0) if after is None else table.get((before, after), (0, 0))

    def changeover(a: _Node, b: _Node) -> Setup:
        return (0, 0) if a.family is None else setup(a.family, b.family)

    # Without a single changeover that costs time or money, the no-overlap says it all. (By
    # family, not by pair of nodes: quadratic in the nodes was seconds on plant-2000.)
    families = {n.family for n in nodes}
    if not any(setup(None, f) != (0, 0) for f in families) and not any(
        setup(a, b) != (0, 0) for a in families if a is not None for b in families
    ):
        return

    bounds = [_domain(v.start[n.op]) for n in nodes]
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []

    def arc(tail: int, head: int, time: int, cost: int) -> cp_model.IntVar:
        literal = model.new_bool_var(f"arc{machine}_{tail}_{head}")
        arcs.append((tail, head, literal))
        if time:
            v.setup_time.append(time * literal)
        if cost:
            v.setup_cost.append(cost * literal)
        return literal

    all_optional = True
    for a, node in enumerate(nodes, start=1):
        presence = v.mode_presence[node.mode]
        if presence is None:
            all_optional = False
        else:
            arcs.append((a, a, ~presence))
        earliest, latest = bounds[a - 1]
        time, cost = setup(None, node.family)
        if time <= latest:
            first = arc(0, a, time, cost)
            if time > earliest:
                model.add(v.start[node.op] >= time).only_enforce_if(first)
        arc(a, 0, 0, 0)
    if all_optional:
        arcs.append((0, 0, model.new_bool_var(f"idle{machine}")))

    node_of_op = {n.op: b for b, n in enumerate(nodes, start=1)}
    for a, before in enumerate(nodes, start=1):
        v.check_deadline()
        earliest_a = bounds[a - 1][0]
        if v.successors is None:
            candidates: Iterable[tuple[int, _Node]] = enumerate(nodes, start=1)
        else:
            allowed = v.successors.get((machine, before.op), frozenset())
            candidates = [
                (node_of_op[o], nodes[node_of_op[o] - 1])
                for o in sorted(allowed)
                if o in node_of_op
            ]
        for b, after in candidates:
            if a == b:
                continue
            time, cost = changeover(before, after)
            gap = before.duration + time
            # Arcs the time windows or the routing rule out are never created.
            if earliest_a + gap > bounds[b - 1][1] or ancestors.precedes(after.op, before.op):
                continue
            literal = arc(a, b, time, cost)
            # From the real end: a resumable operation's span may stretch over breaks, so
            # start + duration would let the changeover overlap it (the verifier rejects that).
            model.add(v.start[after.op] >= v.end[before.op] + time).only_enforce_if(literal)
    model.add_circuit(arcs)


PLAUSIBLE_NEIGHBOURS = 4
"""Per operation and machine with changeovers, how many operations before and after it (by its
start in a reference schedule) may follow it directly once the circuits are pruned."""


def plausible_successors(
    problem: Problem, starts: Sequence[int], machines: Sequence[int], k: int = PLAUSIBLE_NEIGHBOURS
) -> dict[tuple[int, int], frozenset[int]]:
    """The arcs worth keeping around a reference schedule (operation `o` at `starts[o]` on
    `machines[o]`): on each machine with changeovers, each operation may be followed by the `k`
    operations that may run there and start nearest before and after it in the reference, and
    by its successor in the reference's own sequence (so the reference stays a solution).

    A large neighbourhood search only moves operations a little at a time, so an arc between two
    operations far apart in time would never be used; dropping them shrinks the circuits from
    quadratic to linear in the operations (plant-2000: 1.06 M candidate arcs).
    """
    ix = problem.index
    on_machine: dict[int, list[int]] = defaultdict(list)
    for kk, (m, duration) in enumerate(
        zip(ix.mode_machine.tolist(), ix.mode_duration.tolist(), strict=True)
    ):
        if duration > 0 and problem.machines[m].setups:
            on_machine[m].append(int(ix.op_of_mode[kk]))
    found: dict[tuple[int, int], set[int]] = defaultdict(set)
    for m, ops in on_machine.items():
        ranked = sorted(ops, key=lambda o: (starts[o], o))
        for r, o in enumerate(ranked):
            found[(m, o)].update(ranked[max(0, r - k) : r])
            found[(m, o)].update(ranked[r + 1 : r + 1 + k])
        ran = [o for o in ranked if machines[o] == m]
        for before, after in itertools.pairwise(ran):
            found[(m, before)].add(after)
    return {key: frozenset(s) for key, s in found.items()}


def _domain(var: cp_model.IntVar) -> tuple[int, int]:
    # A list first: the proto's repeated field does not take negative indices.
    domain = list(var.proto.domain)
    return int(domain[0]), int(domain[-1])


class _Ancestors:
    """Transitive routing predecessors, computed per order on first use."""

    def __init__(self, problem: Problem):
        self._ix = problem.index
        self._cache: dict[int, dict[int, frozenset[int]]] = {}

    def precedes(self, first: int, second: int) -> bool:
        """True when the routing makes operation `first` end before operation `second` starts."""
        ix = self._ix
        job = int(ix.op_job[second])
        if int(ix.op_job[first]) != job:
            return False
        if job not in self._cache:
            begin, end = int(ix.job_start[job]), int(ix.job_start[job + 1])
            found: dict[int, frozenset[int]] = {}
            for o in ix.topological[begin:end].tolist():
                preds = ix.pred_op[ix.pred_start[o] : ix.pred_start[o + 1]].tolist()
                found[o] = frozenset(preds).union(*(found[p] for p in preds))
            self._cache[job] = found
        return first in self._cache[job][second]
