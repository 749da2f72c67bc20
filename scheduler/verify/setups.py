"""Sequence-dependent setups (rule 6): on each machine, in start order, every changeover its rules
ask for fits between consecutive operations, and the initial setup before the first one."""

from __future__ import annotations

from collections import defaultdict

from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import Placed, Violation, ViolationKind, name_of


def check_setups(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    runs: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for (j, k), op in placed.items():
        # Only operations that occupy the machine are sequenced on it.
        if op.end > op.start and problem.machines[op.machine].setups:
            runs[op.machine].append((op.start, op.end, j, k))
    for m, ops in runs.items():
        machine = problem.machines[m]
        times = {(rule.from_family, rule.to_family): rule.time for rule in machine.setups}
        ops.sort()
        previous_end: int | None = None
        previous_family: str | None = None
        previous_name = ""
        for start, end, j, k in ops:
            family = problem.orders[j].operations[k].family
            name = name_of(problem, j, k)
            if previous_end is None:
                needed = times.get((None, family), 0) if family is not None else 0
                if start < needed:
                    violations.append(
                        Violation(
                            ViolationKind.SETUP,
                            f"operation {name} starts at {start} on {machine.id!r}, before its "
                            f"initial setup of {needed} ends",
                        )
                    )
            elif family is not None and previous_family is not None:
                time = times.get((previous_family, family), 0)
                if start < previous_end + time:
                    violations.append(
                        Violation(
                            ViolationKind.SETUP,
                            f"operation {name} starts at {start} on {machine.id!r}, but the "
                            f"changeover of {time} from {previous_family!r} after {previous_name} "
                            f"(ending at {previous_end}) needs {previous_end + time}",
                        )
                    )
            previous_end, previous_family, previous_name = end, family, name
