"""Secondary resources: each need served by one of its listed alternatives, held units within
capacity at every tick, and no span over the resource's non-working time."""

from __future__ import annotations

import bisect
from collections import defaultdict

from scheduler.problem import MAX_TIME, Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import Placed, Violation, ViolationKind, name_of
from scheduler.verify.expand import WorkingTimes


def check_resources(
    problem: Problem,
    schedule: Schedule,
    placed: Placed,
    violations: list[Violation],
) -> None:
    # Per resource: (tick, +units or -units, operation) for every span that holds units.
    events: dict[int, list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    for (j, k), op in placed.items():
        needs = problem.orders[j].operations[k].resources
        name = name_of(problem, j, k)
        if len(op.resources) != len(needs):
            violations.append(
                Violation(
                    ViolationKind.RESOURCE_CHOICE,
                    f"operation {name} chooses {len(op.resources)} resource(s) for "
                    f"{len(needs)} need(s)",
                )
            )
            continue
        for n, (need, r) in enumerate(zip(needs, op.resources, strict=True)):
            if (
                not (0 <= r < len(problem.resources))
                or problem.resources[r].id not in need.resources
            ):
                violations.append(
                    Violation(
                        ViolationKind.RESOURCE_CHOICE,
                        f"operation {name} serves its need {n} with resource number {r}, not one "
                        f"of {need.resources}",
                    )
                )
                continue
            # An empty span holds nothing.
            if op.end > op.start:
                events[r].append((op.start, need.quantity, (j, k)))
                events[r].append((op.end, -need.quantity, (j, k)))
    times = WorkingTimes(problem, max((op.end for op in placed.values()), default=0) + 1)
    for r, changes in sorted(events.items()):
        resource = problem.resources[r]
        # Releases before acquisitions at the same tick: a span ending at t frees its units for t.
        changes.sort(key=lambda change: (change[0], change[1]))
        level = 0
        for tick, delta, key in changes:
            level += delta
            if delta > 0 and level > resource.capacity:
                violations.append(
                    Violation(
                        ViolationKind.RESOURCE_CAPACITY,
                        f"resource {resource.id!r} holds {level} units at tick {tick} (capacity "
                        f"{resource.capacity}) once {name_of(problem, *key)} starts",
                    )
                )
        if resource.calendar is None:
            continue
        windows = times[resource.calendar]
        for start, delta, key in changes:
            if delta < 0:
                continue
            end = placed[key].end
            # Windows are disjoint and not adjacent: the span lies in the last one starting by it.
            w = bisect.bisect_right(windows, (start, MAX_TIME + 1)) - 1
            if w < 0 or end > windows[w][1]:
                violations.append(
                    Violation(
                        ViolationKind.RESOURCE_CALENDAR,
                        f"operation {name_of(problem, *key)} holds {resource.id!r} from {start} to "
                        f"{end}, which is not within one of its working windows",
                    )
                )
