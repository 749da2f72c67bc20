"""Rescheduling rules: pinned operations, nothing new before now, and the stability term."""

from __future__ import annotations

import dataclasses

import numpy as np
from ortools.sat.python import cp_model

from scheduler.cpsat.bounds import TimeWindows
from scheduler.cpsat.variables import OperationVars
from scheduler.planning.pins import MACHINE_CHANGE_TICKS, Pins
from scheduler.problem import MAX_TIME, Problem


def add_pins(model: cp_model.CpModel, problem: Problem, v: OperationVars, pins: Pins) -> None:
    """A pinned operation keeps its machine, start and resources (and a known end); every other
    starts at `pins.now` or later."""
    ix = problem.index
    machines = ix.mode_machine.tolist()
    for o in range(ix.n_operations):
        pin = pins.fixed.get(o)
        if pin is None:
            model.add(v.start[o] >= pins.now)
            continue
        model.add(v.start[o] == pin.start)
        if pin.end is not None:
            model.add(v.end[o] == pin.end)
        for k in ix.modes(o):
            literal = v.mode_presence[k]
            if literal is not None:
                model.add(literal == int(machines[k] == pin.machine))
        if pin.resources is not None:
            for alternatives, chosen in zip(
                v.resource_choice.get(o, ()), pin.resources, strict=False
            ):
                for r, choice in alternatives:
                    if choice is not None:
                        model.add(choice == int(r == chosen))


def stability_term(
    model: cp_model.CpModel, problem: Problem, v: OperationVars, pins: Pins
) -> cp_model.LinearExprT:
    """Sum over the released plan's operations of |start - released start|, plus
    `MACHINE_CHANGE_TICKS` per operation moved to another machine."""
    ix = problem.index
    machines = ix.mode_machine.tolist()
    terms: list[cp_model.LinearExprT] = []
    for o, (machine, start) in sorted(pins.reference.items()):
        shift = model.new_int_var(0, MAX_TIME, f"shift{o}")
        model.add_abs_equality(shift, v.start[o] - start)
        terms.append(shift)
        for k in ix.modes(o):
            literal = v.mode_presence[k]
            if literal is not None and machines[k] != machine:
                terms.append(MACHINE_CHANGE_TICKS * literal)
    return sum(terms)


def pinned_windows(problem: Problem, windows: TimeWindows, pins: Pins) -> TimeWindows:
    """The time windows narrowed by the pins, so that the variables are built small: a pinned
    operation starts at its pin (and ends by a known end, or by its work on the pinned machine
    when it cannot pause), every other at `pins.now` or later. Only what `add_pins` enforces
    anyway, so nothing is cut that the model would allow."""
    ix = problem.index
    earliest = np.maximum(windows.earliest_start, pins.now)
    latest = windows.latest_end.copy()
    machines, durations = ix.mode_machine.tolist(), ix.mode_duration.tolist()
    resumable = [op.resumable for order in problem.orders for op in order.operations]
    for o, pin in pins.fixed.items():
        earliest[o] = pin.start
        if pin.end is not None:
            latest[o] = max(pin.end, pin.start)
        elif not resumable[o]:
            work = next(durations[k] for k in ix.modes(o) if machines[k] == pin.machine)
            latest[o] = pin.start + work
    return dataclasses.replace(windows, earliest_start=earliest, latest_end=latest)
