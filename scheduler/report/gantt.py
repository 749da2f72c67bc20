"""The Gantt chart of a schedule: a self-contained interactive HTML page (plotly), or PNG / SVG.

One row per machine (or order, or resource). Every kind of thing is one bar trace with per-bar
colours and tooltips, so a chart of 10,000 operations is still a handful of traces (plotly slows
down with traces and shapes, not with bars): operations coloured by order, late orders outlined in
red, changeovers, non-working time and downtime (calendar exceptions) shaded, and due dates and
deadlines as markers on the row of the order's last operation.

Bars are drawn from a `base` with a length, never with `px.timeline`, which turns integer ticks
into dates and draws zero-width bars; with a planning start the axis shows absolute dates (the
base is a timestamp and the length milliseconds, as plotly's date axes expect).
"""

from __future__ import annotations

import importlib.util
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from scheduler.problem import Problem
from scheduler.schedule import Schedule, ScheduledOperation, changeovers, material_waits
from scheduler.worktime import WorkingTime

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#8cd17d",
    "#86bcb6",
    "#f1ce63",
    "#a0cbe8",
    "#ffbe7d",
    "#d4a6c8",
    "#fabfd2",
    "#d7b5a6",
)
"""Order colours (Tableau 20 without its reds and greys, which mean late and idle here)."""
LATE = "#d62728"
CHANGEOVER = "#3b3b3b"
NON_WORKING = "rgba(160, 160, 160, 0.25)"
DOWNTIME = "rgba(214, 39, 40, 0.18)"
NO_RESOURCE = "(no resource)"

OPERATIONS, CHANGEOVERS, NON_WORKING_NAME, DOWNTIME_NAME, DUE_DATES, DEADLINES = (
    "operations",
    "changeovers",
    "non-working time",
    "downtime",
    "due dates",
    "deadlines",
)


class GanttBy(StrEnum):
    """What a row of the chart is."""

    MACHINE = "machine"
    ORDER = "order"
    RESOURCE = "resource"


class ImageExportError(RuntimeError):
    """PNG or SVG was asked but the exporter (kaleido) or the browser it drives is missing."""


@dataclass
class _Bars:
    """One bar trace in the making: parallel lists, one entry per bar."""

    rows: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    outlines: list[str] = field(default_factory=list)
    custom: list[list[int]] = field(default_factory=list)
    offsets: list[float] | None = None
    """Where each bar sits across its row (plotly's `offset`); None: centred."""

    def add(self, row: str, start: int, end: int, text: str, colour: str = "") -> None:
        self.rows.append(row)
        self.starts.append(start)
        self.lengths.append(end - start)
        self.texts.append(text)
        self.colours.append(colour)


class _Clock:
    """Ticks to axis values: the tick itself, or a timestamp with a planning start."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.dated = problem.planning_start is not None
        self._tick_ms = problem.tick.total_seconds() * 1000.0

    def at(self, tick: int) -> int | str:
        moment = self.problem.time_at(tick)
        return tick if moment is None else moment.isoformat()

    def length(self, ticks: int) -> float:
        return ticks * self._tick_ms if self.dated else ticks

    def words(self, tick: int) -> str:
        moment = self.problem.time_at(tick)
        return f"{tick}" if moment is None else f"{_short(moment)} (tick {tick})"


def _short(moment: datetime) -> str:
    return moment.strftime("%a %Y-%m-%d %H:%M")


def schedule_mismatch(problem: Problem, schedule: Schedule) -> str | None:
    """Why `schedule` cannot be a schedule of `problem` (an order, operation, machine, resource,
    item or supplier it does not have), naming the first entry; None when every index fits."""
    for n, op in enumerate(schedule.operations):
        where = f"operations[{n}]"
        if op.job >= len(problem.orders):
            return f"{where}.job: order {op.job} does not exist ({len(problem.orders)} orders)"
        if op.index >= len(problem.orders[op.job].operations):
            return f"{where}.index: order {problem.orders[op.job].id} has no operation {op.index}"
        if op.machine >= len(problem.machines):
            return f"{where}.machine: machine {op.machine} does not exist"
        if any(r >= len(problem.resources) for r in op.resources):
            return f"{where}.resources: a resource that does not exist"
    for n, p in enumerate(schedule.purchases):
        if p.item >= len(problem.items) or p.supplier >= len(problem.items[p.item].suppliers):
            return f"purchases[{n}]: an item or supplier that does not exist"
    return None


def gantt_figure(
    problem: Problem,
    schedule: Schedule,
    *,
    by: GanttBy | str = GanttBy.MACHINE,
    title: str | None = None,
    until: int | None = None,
    compact: bool = False,
) -> go.Figure:
    """The Gantt chart of `schedule` (a schedule of `problem`, e.g. from `read_schedule`).

    `until`: the tick where the time axis ends (charts to compare share it; default the
    makespan); `compact`: thin rows and no legend, for a chart among several on a page.

    The operations trace holds one bar per operation (per chosen resource when `by` is resource,
    an operation without one on the row `NO_RESOURCE`), its `customdata` `[job, index, machine]`.
    """
    by = GanttBy(by)
    clock = _Clock(problem)
    horizon = max((op.end for op in schedule.operations), default=0)
    ends: dict[int, int] = defaultdict(int)
    last: dict[int, ScheduledOperation] = {}
    for op in schedule.operations:
        if op.end >= ends[op.job]:
            ends[op.job], last[op.job] = op.end, op
    late = {j for j, end in ends.items() if _late(problem, j, end)}
    rows_of = _rows_of(problem, by)
    ops = _operation_bars(problem, schedule, by, rows_of, late, clock)
    traces = [
        *_calendar_traces(problem, by, horizon, clock),
        _bar_trace(
            OPERATIONS, ops, clock, width=_lanes(ops, _capacities(problem, by)), outline=True
        ),
    ]
    if by is not GanttBy.RESOURCE:
        setups = _changeover_bars(problem, schedule, by, clock)
        if setups.rows:
            trace = _bar_trace(CHANGEOVERS, setups, clock, width=0.5, colour=CHANGEOVER)
            trace.marker.pattern = {"shape": "/", "fgcolor": "#ffffff", "solidity": 0.3}
            traces.append(trace)
    traces += _date_markers(problem, by, last, ends, rows_of, clock)
    figure = go.Figure(traces)
    rows = _row_names(problem, by, ops.rows)
    late_words = f"{len(late)} late order(s)" if late else "no late orders"
    name = title or problem.name or "schedule"
    figure.update_layout(
        title=f"{name}: {len(schedule.operations)} operations, makespan "
        f"{clock.words(horizon)}, {late_words}",
        barmode="overlay",
        height=max(200, 80 + 12 * len(rows)) if compact else max(320, 120 + 26 * len(rows)),
        showlegend=not compact,
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        margin={"l": 10, "r": 10, "t": 90, "b": 40},
        template="plotly_white",
    )
    figure.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=rows,
        autorange="reversed",
        automargin=True,
        title=by.value,
    )
    figure.update_xaxes(type="date" if clock.dated else "linear", title=_axis_title(problem))
    if until is not None:
        figure.update_xaxes(range=[clock.at(0), clock.at(until)])
    return figure


def _axis_title(problem: Problem) -> str:
    if problem.planning_start is None:
        return "ticks"
    seconds = problem.tick.total_seconds()
    tick = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
    return f"time (1 tick = {tick}; tick 0 = {problem.planning_start.isoformat()})"


def _late(problem: Problem, job: int, end: int) -> bool:
    due = problem.orders[job].due
    return due is not None and end > due


def _rows_of(problem: Problem, by: GanttBy) -> Callable[[ScheduledOperation], list[str]]:
    """The rows an operation is drawn on."""
    if by is GanttBy.MACHINE:
        names = [_label(m.id, m.name) for m in problem.machines]
        return lambda op: [names[op.machine]]
    if by is GanttBy.ORDER:
        return lambda op: [problem.orders[op.job].id]
    resources = [_label(r.id, r.name) for r in problem.resources]
    return lambda op: [resources[r] for r in op.resources] or [NO_RESOURCE]


def _capacities(problem: Problem, by: GanttBy) -> dict[str, int]:
    """Rows that may run several operations at once, and how many."""
    if by is GanttBy.MACHINE:
        return {_label(m.id, m.name): m.capacity for m in problem.machines if m.capacity > 1}
    if by is GanttBy.RESOURCE:
        return {_label(r.id, r.name): r.capacity for r in problem.resources if r.capacity > 1}
    return {}


def _lanes(bars: _Bars, capacities: dict[str, int], width: float = 0.8) -> list[float]:
    """Bar widths, and `bars.offsets`, that split a row of capacity > 1 into lanes (greedily, by
    start) so that operations running at the same time on it stand side by side, not on top of
    each other; a row of capacity 1 keeps one full-width lane."""
    widths = [width] * len(bars.rows)
    bars.offsets = [-width / 2] * len(bars.rows)
    on_row: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(bars.rows):
        if row in capacities:
            on_row[row].append(i)
    for row, members in on_row.items():
        lane_of: dict[int, int] = {}
        lane_ends: list[int] = []
        for i in sorted(members, key=lambda i: bars.starts[i]):
            end = bars.starts[i] + bars.lengths[i]
            free = next((n for n, e in enumerate(lane_ends) if e <= bars.starts[i]), None)
            if free is None:
                free = len(lane_ends)
                lane_ends.append(end)
            lane_ends[free] = end
            lane_of[i] = free
        lanes = max(capacities[row], len(lane_ends))
        for i, lane in lane_of.items():
            widths[i] = width / lanes
            bars.offsets[i] = -width / 2 + lane * width / lanes
    return widths


def _label(id_: str, name: str) -> str:
    return id_ if not name or name == id_ else f"{id_} ({name})"


def _row_names(problem: Problem, by: GanttBy, used: Sequence[str]) -> list[str]:
    """Every row in the problem's order; the no-resource row only when something is on it."""
    if by is GanttBy.MACHINE:
        return [_label(m.id, m.name) for m in problem.machines]
    if by is GanttBy.ORDER:
        return [o.id for o in problem.orders]
    rows = [_label(r.id, r.name) for r in problem.resources]
    return [*rows, NO_RESOURCE] if NO_RESOURCE in used else rows


def _operation_bars(
    problem: Problem,
    schedule: Schedule,
    by: GanttBy,
    rows_of: Callable[[ScheduledOperation], list[str]],
    late: set[int],
    clock: _Clock,
) -> _Bars:
    waits = _waits_per_operation(problem, schedule)
    ready = _ready_times(problem, schedule)
    bars = _Bars()
    for op in sorted(schedule.operations, key=lambda o: (o.start, o.machine, o.job, o.index)):
        order = problem.orders[op.job]
        lines = [
            f"<b>{order.id} / {order.operations[op.index].id}</b>",
            f"machine {problem.machines[op.machine].id}",
            f"start {clock.words(op.start)}",
            f"end {clock.words(op.end)}",
        ]
        if op.resources:
            lines.append("resources " + ", ".join(problem.resources[r].id for r in op.resources))
        waited = op.start - ready.get((op.job, op.index), op.start)
        if waited > 0:
            lines.append(f"ready at tick {op.start - waited}, waited {waited} tick(s)")
        lines += [f"waited for {w}" for w in waits.get((op.job, op.index), ())]
        if op.job in late:
            assert order.due is not None
            lines.append(f"<b>order late</b>: due {clock.words(order.due)}")
        text = "<br>".join(lines)
        colour = PALETTE[op.job % len(PALETTE)]
        for row in rows_of(op):
            bars.add(row, op.start, op.end, text, colour)
            bars.outlines.append(LATE if op.job in late else "rgba(0,0,0,0.35)")
            bars.custom.append([op.job, op.index, op.machine])
    return bars


def _ready_times(problem: Problem, schedule: Schedule) -> dict[tuple[int, int], int]:
    """Per operation, when its order's release and its predecessors (with their minimum lags)
    let it start: start - ready is the time it waited for a machine, a resource, material or
    working time."""
    ix = problem.index
    end = {(op.job, op.index): op.end for op in schedule.operations}
    pred_start, pred_op, pred_lag = (
        ix.pred_start.tolist(),
        ix.pred_op.tolist(),
        ix.pred_min_lag.tolist(),
    )
    op_job, op_position = ix.op_job.tolist(), ix.op_position.tolist()
    ready: dict[tuple[int, int], int] = {}
    for o in range(ix.n_operations):
        t = problem.orders[op_job[o]].release
        for p in range(pred_start[o], pred_start[o + 1]):
            q = pred_op[p]
            t = max(t, end.get((op_job[q], op_position[q]), 0) + pred_lag[p])
        ready[(op_job[o], op_position[o])] = t
    return ready


def _waits_per_operation(problem: Problem, schedule: Schedule) -> dict[tuple[int, int], list[str]]:
    """The material arrivals each operation waited for: those of an item it consumes arriving
    exactly when it starts (`material_waits` credits them to its order)."""
    if not problem.items:
        return {}
    result: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_job: dict[int, list[ScheduledOperation]] = defaultdict(list)
    for op in schedule.operations:
        by_job[op.job].append(op)
    for job, arrivals in material_waits(problem, schedule).items():
        for op in by_job[job]:
            consumed = {f.item_id for f in problem.orders[job].operations[op.index].consumes}
            for a in arrivals:
                item = problem.items[a.item]
                if item.id in consumed and a.time == op.start:
                    result[(op.job, op.index)].append(
                        f"{a.quantity} {item.id} arriving at tick {a.time}"
                    )
    return result


def _changeover_bars(problem: Problem, schedule: Schedule, by: GanttBy, clock: _Clock) -> _Bars:
    """Each changeover ends where the operation it prepares for starts."""
    start = {(op.job, op.index): op.start for op in schedule.operations}
    bars = _Bars()
    for change in changeovers(problem, schedule):
        if change.time <= 0:
            continue
        j, k = change.after
        end = start[change.after]
        machine = problem.machines[change.machine]
        row = _label(machine.id, machine.name) if by is GanttBy.MACHINE else problem.orders[j].id
        before = "initial setup" if change.before is None else _op_name(problem, change.before)
        text = (
            f"<b>changeover</b> on {machine.id}<br>{before} → {_op_name(problem, (j, k))}"
            f"<br>{change.time} tick(s), cost {change.cost}<br>ends {clock.words(end)}"
        )
        bars.add(row, end - change.time, end, text)
    return bars


def _op_name(problem: Problem, op: tuple[int, int]) -> str:
    order = problem.orders[op[0]]
    return f"{order.id}/{order.operations[op[1]].id}"


def _calendar_traces(problem: Problem, by: GanttBy, horizon: int, clock: _Clock) -> list[go.Bar]:
    """Non-working time and downtime of each row's calendar within [0, horizon)."""
    if by is GanttBy.ORDER or horizon <= 0:
        return []
    owners: Sequence[tuple[str, str, str | None]]
    if by is GanttBy.MACHINE:
        owners = [(m.id, m.name, m.calendar) for m in problem.machines]
    else:
        owners = [(r.id, r.name, r.calendar) for r in problem.resources]
    idle, down = _Bars(), _Bars()
    times: dict[str, WorkingTime] = {}
    for id_, name, calendar_id in owners:
        if calendar_id is None:
            continue
        if calendar_id not in times:
            times[calendar_id] = WorkingTime(problem, calendar_id)
        row = _label(id_, name)
        cursor = 0
        for a, b in times[calendar_id].windows(horizon):
            if a > cursor:
                idle.add(row, cursor, a, f"{row}: not working ({calendar_id})")
            cursor = b
        if cursor < horizon:
            idle.add(row, cursor, horizon, f"{row}: not working ({calendar_id})")
        for exception in problem.calendar(calendar_id).exceptions:
            if exception.working:
                continue
            a = max(0, math.floor(problem.tick_of(exception.start)))
            b = min(horizon, math.ceil(problem.tick_of(exception.end)))
            if a < b:
                reason = exception.reason or "downtime"
                down.add(row, a, b, f"{row}: {reason}<br>{clock.words(a)} – {clock.words(b)}")
    traces = []
    if idle.rows:
        traces.append(_bar_trace(NON_WORKING_NAME, idle, clock, width=1.0, colour=NON_WORKING))
    if down.rows:
        traces.append(_bar_trace(DOWNTIME_NAME, down, clock, width=1.0, colour=DOWNTIME))
    return traces


def _bar_trace(
    name: str,
    bars: _Bars,
    clock: _Clock,
    *,
    width: float | list[float],
    colour: str | None = None,
    outline: bool = False,
) -> go.Bar:
    marker: dict[str, Any] = {"color": colour or bars.colours, "line": {"width": 0}}
    if outline:
        marker["line"] = {
            "color": bars.outlines,
            "width": [2 if c == LATE else 0.5 for c in bars.outlines],
        }
    return go.Bar(
        name=name,
        orientation="h",
        y=bars.rows,
        base=[clock.at(t) for t in bars.starts],
        x=[clock.length(n) for n in bars.lengths],
        width=width,
        offset=bars.offsets,
        marker=marker,
        hovertext=bars.texts,
        hovertemplate="%{hovertext}<extra></extra>",
        customdata=bars.custom or None,
    )


def _date_markers(
    problem: Problem,
    by: GanttBy,
    last: dict[int, ScheduledOperation],
    ends: dict[int, int],
    rows_of: Callable[[ScheduledOperation], list[str]],
    clock: _Clock,
) -> list[go.Scatter]:
    """Due dates (diamonds, red when missed) and deadlines (crosses) on the row of each order's
    last operation, so the gap to its last bar is the slack or the lateness."""
    traces = []
    for name, symbol, attribute in (
        (DUE_DATES, "diamond", "due"),
        (DEADLINES, "x-thin-open", "deadline"),
    ):
        xs: list[int | str] = []
        ys: list[str] = []
        texts: list[str] = []
        colours: list[str] = []
        for j, order in enumerate(problem.orders):
            when = getattr(order, attribute)
            if when is None or j not in last:
                continue
            lateness = ends[j] - when
            state = f"late by {lateness} tick(s)" if lateness > 0 else f"slack {-lateness} tick(s)"
            xs.append(clock.at(when))
            ys.append(rows_of(last[j])[0])
            texts.append(
                f"<b>{order.id}</b> {attribute} {clock.words(when)}<br>"
                f"completes {clock.words(ends[j])}: {state}"
            )
            colours.append(LATE if lateness > 0 else "#222222")
        if xs:
            traces.append(
                go.Scatter(
                    name=name,
                    x=xs,
                    y=ys,
                    mode="markers",
                    marker={
                        "symbol": symbol,
                        "size": 10,
                        "color": colours,
                        "line": {"width": 2, "color": colours},
                    },
                    hovertext=texts,
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
    return traces


def _exporter_installed() -> bool:
    return importlib.util.find_spec("kaleido") is not None


def write_gantt(figure: go.Figure, path: Path) -> None:
    """Write the chart: self-contained HTML (plotly.js inlined, works offline), or PNG / SVG by
    the file's suffix. Raises ImageExportError when PNG / SVG cannot be made here, ValueError for
    another suffix."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        figure.write_html(path, include_plotlyjs=True, full_html=True)
        return
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{path}: unknown chart format {suffix!r}; use .html, .png or .svg")
    if not _exporter_installed():
        raise ImageExportError(
            "PNG and SVG need the optional exporter: pip install 'scheduler[image]' "
            "(kaleido, which also needs Chrome or Chromium)"
        )
    try:
        figure.write_image(path, width=1600, height=figure.layout.height or 800)
    except Exception as error:  # kaleido reports a missing browser in several ways
        raise ImageExportError(
            f"the image exporter failed ({error}); it needs Chrome or Chromium installed"
        ) from None
