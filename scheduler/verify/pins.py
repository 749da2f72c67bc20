"""Independent check of a reschedule's pins: fixed operations unchanged (machine, start, a known
end, their resources), nothing new before now."""

from __future__ import annotations

from scheduler.planning.pins import Pins
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.verify.core import name_of


def check_pins(problem: Problem, schedule: Schedule, pins: Pins) -> list[str]:
    """What `schedule` breaks of `pins`, in words (empty when it keeps them all)."""
    job_start = problem.index.job_start.tolist()
    problems = []
    for op in schedule.operations:
        name = name_of(problem, op.job, op.index)
        pin = pins.fixed.get(job_start[op.job] + op.index)
        if pin is None:
            if op.start < pins.now:
                problems.append(f"operation {name} starts at {op.start}, before now ({pins.now})")
        elif (op.machine, op.start) != (pin.machine, pin.start) or (
            pin.end is not None and op.end != pin.end
        ):
            problems.append(
                f"pinned operation {name} moved: machine {op.machine}, {op.start}-{op.end} "
                f"instead of machine {pin.machine} from {pin.start}"
            )
        elif pin.resources is not None and op.resources != pin.resources:
            problems.append(
                f"pinned operation {name} holds resources {list(op.resources)} instead of "
                f"{list(pin.resources)}"
            )
    return problems
