"""Tiny problem builders and a brute-force oracle shared by the tests."""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from scheduler.params import SolveParams
from scheduler.problem import ObjectiveKind, Problem, parse_problem
from scheduler.result import SolveResult
from scheduler.schedule import Schedule, ScheduledOperation, evaluate, objective_values
from scheduler.solve import solve
from scheduler.stop import StopToken
from scheduler.verify import verify

CLASSIC_KINDS = (
    ObjectiveKind.MAKESPAN,
    ObjectiveKind.TOTAL_WEIGHTED_TARDINESS,
    ObjectiveKind.WEIGHTED_COMPLETION,
)
"""The objectives of the classic (job-shop) benchmarks, which the dispatching heuristics target."""

Modes = Sequence[tuple[int, int]]
"""Eligible (machine, duration) pairs of one operation."""


def shop_jobs(
    machines: int, durations: tuple[int, int], modes: int, operations: int, jobs: int
) -> st.SearchStrategy[list[list[list[tuple[int, int]]]]]:
    """Random (flexible) job shops for `make_problem`: up to `jobs` jobs of up to `operations`
    operations, each with up to `modes` distinct machines of `machines` and durations in the
    inclusive range `durations`."""
    mode = st.tuples(st.integers(0, machines - 1), st.integers(*durations))
    eligible = st.lists(mode, min_size=1, max_size=modes, unique_by=lambda m: m[0])
    return st.lists(st.lists(eligible, min_size=1, max_size=operations), min_size=1, max_size=jobs)


def make_problem(
    jobs: Sequence[Sequence[Modes]],
    *,
    machines: int | None = None,
    release: Sequence[int] | None = None,
    due: Sequence[int | None] | None = None,
    weight: Sequence[int] | None = None,
    objective: Any = "makespan",
) -> Problem:
    """A problem with machines m0.., orders j0.. and operations o0.. from nested (machine, duration)."""
    n_machines = machines or 1 + max(m for job in jobs for op in job for m, _ in op)
    orders = []
    for j, job in enumerate(jobs):
        order: dict[str, Any] = {
            "id": f"j{j}",
            "operations": [
                {"id": f"o{k}", "machines": [{"machine_id": f"m{m}", "duration": d} for m, d in op]}
                for k, op in enumerate(job)
            ],
        }
        if release is not None:
            order["release"] = release[j]
        if due is not None and due[j] is not None:
            order["due"] = due[j]
        if weight is not None:
            order["weight"] = weight[j]
        orders.append(order)
    return parse_problem(
        {
            "machines": [{"id": f"m{i}"} for i in range(n_machines)],
            "orders": orders,
            "objective": objective,
        }
    )


def jobshop(jobs: Sequence[Sequence[tuple[int, int]]], **kwargs: Any) -> Problem:
    """A classical job shop: each operation has a single (machine, duration)."""
    return make_problem([[[op] for op in job] for job in jobs], **kwargs)


def random_jobshop(jobs: int, machines: int, seed: int, longest: int = 9) -> Problem:
    """A job shop of `jobs` orders each visiting every machine once, in a random order."""
    rng = random.Random(seed)
    return jobshop(
        [
            [(m, rng.randint(1, longest)) for m in rng.sample(range(machines), machines)]
            for _ in range(jobs)
        ]
    )


def random_flexible_shop(jobs: int, machines: int, seed: int, longest: int = 9) -> Problem:
    """`random_jobshop`'s routings with a second eligible machine (the next one, another duration)
    for every operation: a flexible shop, which CP-SAT searches from the first dispatching schedule
    at once (the tabu search, which takes half the time limit of a classic job shop, never runs)."""
    rng = random.Random(seed)
    return make_problem(
        [
            [
                [(m, rng.randint(1, longest)), ((m + 1) % machines, rng.randint(1, longest))]
                for m in rng.sample(range(machines), machines)
            ]
            for _ in range(jobs)
        ]
    )


REGULAR_KINDS = frozenset(ObjectiveKind) - {ObjectiveKind.WEIGHTED_EARLINESS}
"""Kinds that never improve when an order completes later (setups and purchases are 0 here)."""


def brute_force_optimum(problem: Problem) -> int:
    """The optimal objective (of a single level) by enumeration (tiny problems only)."""
    assert len(problem.objective.levels) == 1
    return brute_force_levels(problem)[0]


def brute_force_levels(problem: Problem) -> tuple[int, ...]:
    """The lexicographically least per-level objective values, tolerances 0 (tiny problems only).

    Needs problems without setups, resources, calendars or materials (what `make_problem` builds).
    """
    return min(
        objective_values(problem, evaluate(problem, schedule)) for schedule in _candidates(problem)
    )


def _candidates(problem: Problem) -> Iterator[Schedule]:
    """Schedules among which an optimal one lies, for every level at once.

    For regular objectives, the semi-active schedules: each arises from appending operations,
    in start order, each at the earliest time its order and its machine allow; so enumerating all
    routing-respecting orders of operations and all machine choices reaches one that is no worse
    in every level at once. Earliness rewards waiting, so then every start time up to the latest
    due date plus all the work is tried, keeping the feasible schedules.
    """
    ops = [(j, k) for j, order in enumerate(problem.orders) for k in range(len(order.operations))]
    machine_of = {m.id: i for i, m in enumerate(problem.machines)}
    choices = [
        [
            (machine_of[mode.machine_id], mode.time(problem.orders[j].quantity))
            for mode in problem.orders[j].operations[k].machines
        ]
        for j, k in ops
    ]
    if not problem.objective.kinds <= REGULAR_KINDS:
        last = max(o.due or 0 for o in problem.orders) + sum(max(d for _, d in c) for c in choices)
        for assignment in itertools.product(*choices):
            for starts in itertools.product(range(last + 1), repeat=len(ops)):
                schedule = Schedule(
                    tuple(
                        ScheduledOperation(j, k, m, s, s + d)
                        for (j, k), (m, d), s in zip(ops, assignment, starts, strict=True)
                    )
                )
                if verify(problem, schedule).ok:
                    yield schedule
        return
    for assignment in itertools.product(*choices):
        mode = dict(zip(ops, assignment, strict=True))
        for sequence in _sequences(problem):
            job_ready = [o.release for o in problem.orders]
            machine_ready = [0] * len(problem.machines)
            scheduled = []
            for j, k in sequence:
                m, d = mode[(j, k)]
                start = max(job_ready[j], machine_ready[m])
                # A zero-length operation occupies nothing, so it need not wait for the machine.
                if d == 0:
                    start = job_ready[j]
                end = start + d
                job_ready[j] = end
                if d > 0:
                    machine_ready[m] = end
                scheduled.append(ScheduledOperation(j, k, m, start, end))
            yield Schedule(tuple(scheduled))


def _sequences(problem: Problem) -> list[list[tuple[int, int]]]:
    """All interleavings of the orders' routings."""
    lengths = [len(o.operations) for o in problem.orders]
    result: list[list[tuple[int, int]]] = []

    def extend(prefix: list[tuple[int, int]], done: list[int]) -> None:
        if len(prefix) == sum(lengths):
            result.append(list(prefix))
            return
        for j, n in enumerate(lengths):
            if done[j] < n:
                prefix.append((j, done[j]))
                done[j] += 1
                extend(prefix, done)
                done[j] -= 1
                prefix.pop()

    extend([], [0] * len(lengths))
    return result


# --------------------------------------------------------------------------------------------------
# Strict input: one small plant with a local planning start, and the coerced forms it refuses


def local_plant() -> dict[str, Any]:
    """A one-machine plant whose planning start (Monday 00:00) is at UTC+01:00: an early shift
    06:00-14:00 and a maintenance 06:00-08:00 written without an offset (local time)."""
    return {
        "name": "local-plant",
        "planning_start": "2025-03-03T00:00:00+01:00",
        "tick": "PT1M",
        "calendars": [
            {
                "id": "early",
                "shifts": [{"days": ["mon"], "start": "06:00", "end": "14:00"}],
                "exceptions": [
                    {"start": "2025-03-03T06:00:00", "end": "2025-03-03T08:00:00"},
                ],
            }
        ],
        "machines": [{"id": "press", "calendar": "early", "capacity": 1}],
        "orders": [
            {
                "id": "WO-1",
                "release": 0,
                "operations": [
                    {
                        "id": "press",
                        "resumable": False,
                        "machines": [{"machine_id": "press", "duration": 60}],
                    }
                ],
            }
        ],
        "objective": {"levels": [{"terms": [{"kind": "makespan"}], "tolerance": 0.0}]},
    }


def edited(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `data` with the value at a dotted path (`orders.0.release`) replaced."""
    copy = json.loads(json.dumps(data))
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = copy
    for part in parents:
        node = node[part]
    node[last] = value
    return copy


@dataclass(frozen=True)
class Coercion:
    """A value `local_plant()` once coerced or misread at `path`, and the violation it now gets."""

    case: str
    path: str
    value: Any
    reason: str
    """A fragment of the reason reported."""
    field: str = ""
    """The reported field when it is not `path` itself (as `orders[0].release`)."""
    twice: bool = False
    """The key is written twice in the JSON text (`value` first); plain data cannot say that."""

    @property
    def reported(self) -> str:
        return self.field or re.sub(r"\.(\d+)", r"[\1]", self.path)

    def data(self) -> dict[str, Any]:
        return edited(local_plant(), self.path, self.value)

    def text(self) -> str:
        if not self.twice:
            return json.dumps(self.data(), indent=1)
        key = self.path.rsplit(".", 1)[-1]
        text = json.dumps(edited(local_plant(), self.path, "<twice>"))
        return text.replace(f'"{key}": "<twice>"', f'"{key}": {json.dumps(self.value)}, "{key}": 0')


_OP = "orders.0.operations.0"
COERCIONS = [
    Coercion("bool from string", f"{_OP}.resumable", "yes", 'got the string "yes"'),
    Coercion("int from string", "orders.0.release", "100", 'got the string "100"'),
    Coercion("int from float", "orders.0.release", 100.0, "got the number 100.0"),
    Coercion("int from bool", "machines.0.capacity", True, "got the boolean true"),
    Coercion("duration from string", f"{_OP}.machines.0.duration", "60", 'got the string "60"'),
    Coercion("float from string", "objective.levels.0.tolerance", "0.1", 'got the string "0.1"'),
    Coercion("list from string", "calendars.0.shifts.0.days", "mon", 'got the string "mon"'),
    Coercion("duplicate key", "orders.0.release", 100, "duplicate key 'release'", twice=True),
    Coercion("unix planning start", "planning_start", 1741000000, "ISO-8601 timestamp"),
    Coercion("unix string planning start", "planning_start", "1741000000", "ISO-8601 timestamp"),
    Coercion("date without time", "planning_start", "2025-03-03", "ISO-8601 timestamp"),
    Coercion("impossible date", "planning_start", "2025-02-30T00:00:00", "day is out of range"),
    Coercion("unix exception start", "calendars.0.exceptions.0.start", 1741e6, "tick count"),
    Coercion("tick as seconds", "tick", 1, '"PT1M"'),
    Coercion("tick as string seconds", "tick", "60", '"PT1M"'),
    Coercion("tick as clock", "tick", "00:01:00", '"PT1M"'),
    Coercion("tick in months", "tick", "P1M", '"PT1M"'),
    Coercion("zero tick", "tick", "PT0S", "positive"),
    Coercion("tick past any length", "tick", "P99999999999D", "longer than any tick"),
    Coercion("weight out of range", "orders.0.weight", 10**7, "less than or equal to 1000000"),
    Coercion("release negative", "orders.0.release", -1, "greater than or equal to 0"),
    Coercion("exception past the cap", "calendars.0.exceptions.0.end", 10**13, "between 0 and"),
    Coercion(
        "exception forms mixed",
        "calendars.0.exceptions.0.end",
        480,
        "both as ticks or both as timestamps",
        field="calendars[0].exceptions[0]",
    ),
]
"""Each value the problem file once coerced (or misread), refused now naming its field."""
SLOW_CALENDAR_PROBLEM = """{"name":"slow-heuristic","planning_start":"2025-03-03T18:13:00","tick":"PT5M",
"calendars":[{"id":"cal1","shifts":[
  {"days":["mon","tue","wed","thu","fri"],"start":"06:00","end":"14:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"14:30","end":"22:00"}]},
 {"id":"cal2","shifts":[{"days":["mon","tue","wed","thu","fri"],"start":"06:00","end":"10:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"10:15","end":"14:00"},
  {"days":["mon","tue","wed","thu","fri"],"start":"14:00","end":"17:45"}]}],
"machines":[{"id":"m0","calendar":"cal2"},{"id":"m1a","calendar":"cal1"},
 {"id":"m1b","calendar":"cal1"}],
"resources":[{"id":"r1","calendar":"cal2"}],
"orders":[{"id":"A","operations":[
  {"id":"o0","resumable":true,"machines":[{"machine_id":"m0","duration":377}]},
  {"id":"o1","resumable":true,"machines":[{"machine_id":"m1a","setup":11,"per_unit":23},
   {"machine_id":"m1b","duration":274}],
   "predecessors":[{"operation_id":"o0","max_lag":0}],"resources":[{"resources":["r1"]}]}]}],
"objective":"makespan"}"""
"""Issue 8's 2-operation problem: o1 (no wait after o0) needs r1, whose shifts of at most 47
ticks never hold o1's 274-tick span on m1b, and o0 must end early in one of r1's shifts for o1 to
fit on m1a. The optimum is makespan 1041 (o0 ends at 1007, o1 runs 1007-1041 on m1a): o0 ends at
830 at the earliest, and until Friday every end leaves o1 crossing a break of r1."""


def solve_stopped(problem: Problem, after: float) -> tuple[SolveResult, float]:
    """Solve with a 60 s limit and 2 workers, stopped `after` seconds in: the result and the
    seconds the call took."""
    stop = StopToken()
    threading.Timer(after, stop.stop).start()
    started = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=60, workers=2), stop=stop)
    return result, time.perf_counter() - started
