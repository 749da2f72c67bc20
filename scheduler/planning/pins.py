"""What a reschedule holds fixed and what it stays close to, in the model's dense indices."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.schedule import Schedule

MACHINE_CHANGE_TICKS = 60
"""A move to another machine weighs as much as this many ticks of start-time deviation."""


@dataclass(frozen=True)
class Pin:
    """An operation that may not change: on `machine` from `start`; `end` too when it is known
    (a completed operation), else the end follows from the duration (a running one)."""

    machine: int
    start: int
    end: int | None = None
    resources: tuple[int, ...] | None = None
    """Per resource need, the resource it holds (from the released plan); None: any."""


@dataclass(frozen=True)
class Pins:
    """The fixed operations, the time before which nothing new starts, and the stability term.

    `reference` maps each other operation of the released plan to its (machine, start) there;
    the objective's last level gains `weight` x (|start - released start| summed, plus
    `MACHINE_CHANGE_TICKS` per operation on another machine). Weight 0: a fresh solve.
    """

    fixed: dict[int, Pin] = field(default_factory=dict)
    now: int = 0
    reference: dict[int, tuple[int, int]] = field(default_factory=dict)
    weight: int = 0
    warm_start: Schedule | None = None
    """The released plan repaired to the current state (a hint), when one is known."""
    causes: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Per operation of `reference` that an event moved off its released place (directly or
    through a predecessor): (the event's field path, what it did, in words)."""


def deviation(pins: Pins, schedule: Schedule, operation_index: dict[tuple[int, int], int]) -> int:
    """The unweighted stability term of `schedule`: what `weight` multiplies."""
    total = 0
    for op in schedule.operations:
        ref = pins.reference.get(operation_index[(op.job, op.index)])
        if ref is not None:
            total += abs(op.start - ref[1]) + MACHINE_CHANGE_TICKS * (op.machine != ref[0])
    return total


def stability_cost(pins: Pins, schedule: Schedule, job_start: list[int]) -> int:
    """`weight` x the deviation of `schedule` (operations indexed through `job_start`)."""
    if not pins.weight:
        return 0
    index = {(op.job, op.index): job_start[op.job] + op.index for op in schedule.operations}
    return pins.weight * deviation(pins, schedule, index)
