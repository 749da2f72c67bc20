"""The KPI report of a schedule, as Markdown or as one self-contained HTML page.

Sections: the solve (status, objective, bound and gap per level), the key figures (makespan,
on-time rate, tardiness, setups), utilisation per machine over its working time (a table in
Markdown, a plotly bar chart and the table in HTML), the purchases to place, the lateness
explanation of each late or at-risk order (`scheduler.report.lateness`), the bottleneck machines
and the slack of each on-time order.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from scheduler.problem import Problem
from scheduler.report.lateness import Clock, LatenessReport, OrderStanding, Step, explain
from scheduler.result import relative_gap
from scheduler.schedule import Kpis, Schedule
from scheduler.verify import Violation, verify

SECTIONS = (
    "Solve",
    "Key figures",
    "Utilisation per machine",
    "Purchases to place",
    "Lateness explanation",
    "Bottleneck machines",
    "Slack of on-time orders",
)
"""The report's section titles, in order."""

BOTTLENECKS_SHOWN = 5


class ScheduleMismatch(ValueError):
    """The schedule is not a feasible schedule of the problem (wrong problem, or edited)."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        shown = "\n".join(f"  {v.kind.value}: {v.message}" for v in self.violations[:10])
        more = len(self.violations) - 10
        super().__init__(
            f"the schedule does not fit the problem ({len(self.violations)} violation(s)):\n"
            + shown
            + (f"\n  ... and {more} more" if more > 0 else "")
        )


@dataclass(frozen=True, slots=True)
class Level:
    value: int | None
    best: int | None
    bound: int | None
    status: str | None
    limit: int | None


@dataclass(frozen=True, slots=True)
class SolveFigures:
    """What the schedule file says about the solve that made it; None where it says nothing (a
    schedule written by hand)."""

    status: str | None = None
    stop_reason: str | None = None
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    wall_time: float | None = None
    levels: tuple[Level, ...] = ()

    @staticmethod
    def from_file(data: Mapping[str, Any]) -> SolveFigures:
        """Read from a schedule file's JSON object (`scheduler.formats.solution.result_to_json`);
        a missing or mistyped figure is None, since the schedule itself is what the report needs."""
        levels = data.get("levels")
        return SolveFigures(
            status=_typed(data, "status", str),
            stop_reason=_typed(data, "stop_reason", str),
            objective=_typed(data, "objective", int),
            bound=_typed(data, "best_bound", int),
            gap=_typed(data, "gap", float),
            wall_time=_typed(data, "wall_time", float),
            levels=tuple(
                Level(
                    _typed(level, "value", int),
                    _typed(level, "best", int),
                    _typed(level, "bound", int),
                    _typed(level, "status", str),
                    _typed(level, "limit", int),
                )
                for level in (levels if isinstance(levels, list) else [])
                if isinstance(level, dict)
            ),
        )


def _typed(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if kind is float and isinstance(value, int):
        return float(value)
    return value if isinstance(value, kind) else None


@dataclass(frozen=True)
class KpiReport:
    problem: Problem
    schedule: Schedule
    solve: SolveFigures
    kpis: Kpis
    lateness: LatenessReport

    @staticmethod
    def build(
        problem: Problem,
        schedule: Schedule,
        solve: SolveFigures | None = None,
        *,
        threshold: int | None = None,
    ) -> KpiReport:
        """Verify the schedule against the problem (ScheduleMismatch when it fails), recompute
        its KPIs and explain its late and at-risk orders (`threshold`: at-risk slack in ticks)."""
        checked = verify(problem, schedule)
        if not checked.ok or checked.kpis is None:
            raise ScheduleMismatch(checked.violations)
        kpis = checked.kpis
        utilisation = {m: k.utilisation for m, k in enumerate(kpis.machines)}
        lateness = explain(problem, schedule, threshold=threshold, utilisation=utilisation)
        return KpiReport(problem, schedule, solve or SolveFigures(), kpis, lateness)


# --------------------------------------------------------------------------------------------------
# Content, once for both renderings: sections of paragraphs, tables and ordered lists.


@dataclass(frozen=True, slots=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class _Chain:
    title: str
    steps: tuple[str, ...]


_Block = str | _Table | _Chain


def _dash(value: object) -> str:
    return "—" if value is None else str(value)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"


def _sections(report: KpiReport) -> list[tuple[str, list[_Block]]]:
    problem, kpis, lateness = report.problem, report.kpis, report.lateness
    clock = Clock(problem)
    solve = report.solve
    solve_blocks: list[_Block] = [
        _Table(
            ("status", "objective", "bound", "gap", "stop reason", "wall time"),
            (
                (
                    _dash(solve.status),
                    _dash(solve.objective),
                    _dash(solve.bound),
                    _percent(solve.gap),
                    _dash(solve.stop_reason),
                    "—" if solve.wall_time is None else f"{solve.wall_time:.2f} s",
                ),
            ),
        )
    ]
    if solve.levels:
        terms = [
            " + ".join(
                t.kind.value if t.weight == 1 else f"{t.weight}*{t.kind.value}" for t in lv.terms
            )
            for lv in problem.objective.levels
        ]
        solve_blocks.append(
            _Table(
                ("level", "objective", "value", "best found", "bound", "gap", "status", "held at"),
                tuple(
                    (
                        str(n + 1),
                        terms[n] if n < len(terms) else "—",
                        _dash(lv.value),
                        _dash(lv.best),
                        _dash(lv.bound),
                        _level_gap(lv),
                        _dash(lv.status),
                        _dash(lv.limit),
                    )
                    for n, lv in enumerate(solve.levels)
                ),
            )
        )
    if solve.status is None:
        solve_blocks.append("The schedule file says nothing about the solve that made it.")

    due = [o for o in kpis.orders if o.lateness is not None]
    figures = _Table(
        ("figure", "value"),
        (
            ("makespan", f"{kpis.makespan} ({clock.at(kpis.makespan)})"),
            ("orders", str(len(kpis.orders))),
            ("on-time rate", f"{_percent(kpis.on_time_rate)} of {len(due)} with a due date"),
            ("late orders", f"{kpis.late_orders} (weighted {kpis.weighted_late_orders})"),
            ("total tardiness", clock.span(kpis.total_tardiness)),
            ("weighted tardiness", str(kpis.total_weighted_tardiness)),
            ("max tardiness", clock.span(kpis.max_tardiness)),
            ("average flow time", clock.span(round(kpis.average_flow_time))),
            ("setup time", clock.span(kpis.setup_time)),
            ("setup cost", str(kpis.setup_cost)),
            ("purchase cost", str(kpis.purchase_cost)),
        ),
    )

    machines = problem.machines
    utilisation = _Table(
        ("machine", "name", "busy", "working time", "utilisation"),
        tuple(
            (
                m.machine_id,
                machines[i].name or "",
                clock.span(m.busy),
                clock.span(m.available),
                _percent(m.utilisation),
            )
            for i, m in enumerate(kpis.machines)
        ),
    )

    purchases: list[_Block] = []
    if report.schedule.purchases:
        rows = []
        for p in sorted(report.schedule.purchases, key=lambda p: (p.order_time, p.item)):
            item = problem.items[p.item]
            supplier = item.suppliers[p.supplier]
            rows.append(
                (
                    item.id,
                    supplier.id,
                    str(p.quantity),
                    clock.at(p.order_time),
                    clock.at(p.arrival),
                    str(p.quantity * supplier.unit_cost),
                )
            )
        purchases.append(
            _Table(("item", "supplier", "quantity", "place", "arrives", "cost"), tuple(rows))
        )
    else:
        purchases.append("None: stock and open purchases cover the plan.")

    explained: list[_Block] = [
        f"An order is late when it completes after its due date (its deadline without one), and "
        f"at risk when it completes on time with less than {clock.span(lateness.threshold)} of "
        "slack. Each chain walks back from the order's last operation: why each operation "
        "started when it did, along the binding cause."
    ]
    chains: list[_Block] = [_standing_chain(report, clock, s) for s in lateness.explained]
    if not lateness.orders:
        chains.append("No order has a due date or a deadline.")
    explained.extend(chains or ["No order is late or at risk."])
    if lateness.makespan_chain:
        first = lateness.makespan_chain[0]
        title = (
            f"The makespan: order {problem.orders[first.job].id} completes last, "
            f"{clock.at(first.end)}"
        )
        explained.append(_chain(report, clock, title, lateness.makespan_chain))

    bottlenecks = [b for b in lateness.bottlenecks if b.waits or b.chain_operations]
    shown = (
        bottlenecks[:BOTTLENECKS_SHOWN]
        or sorted(lateness.bottlenecks, key=lambda b: -b.utilisation)[:BOTTLENECKS_SHOWN]
    )
    bottleneck_blocks: list[_Block] = [
        (
            "Machines that held up the late and at-risk orders most (waits on their chains), "
            "then those their chains run on, then the busiest."
            if lateness.explained
            else "No late or at-risk order: the machines that held up the makespan's chain "
            "most, then those it runs on, then the busiest."
        )
        if bottlenecks
        else "The busiest machines.",
        _Table(
            ("machine", "waits on chains", "chain operations", "utilisation"),
            tuple(
                (b.machine_id, str(b.waits), str(b.chain_operations), _percent(b.utilisation))
                for b in shown
            ),
        ),
    ]

    on_time = [s for s in lateness.orders if not s.late]
    slack: list[_Block] = [
        _Table(
            ("order", "completes", "due", "slack", "status"),
            tuple(
                (
                    s.order_id,
                    clock.at(s.completion),
                    clock.at(s.target or 0),
                    clock.span(s.slack or 0),
                    s.status,
                )
                for s in on_time
            ),
        )
        if on_time
        else "No order with a due date completes on time."
        if lateness.orders
        else "No order has a due date or a deadline."
    ]
    return list(
        zip(
            SECTIONS,
            [
                solve_blocks,
                [figures],
                [utilisation],
                purchases,
                explained,
                bottleneck_blocks,
                slack,
            ],
            strict=True,
        )
    )


def _level_gap(level: Level) -> str:
    if level.value is None or level.bound is None:
        return "—"
    return _percent(relative_gap(level.value, level.bound))


def _standing_chain(report: KpiReport, clock: Clock, standing: OrderStanding) -> _Chain:
    slack = standing.slack or 0
    verdict = (
        f"late by {clock.span(-slack)}"
        if standing.late
        else f"at risk, {clock.span(slack)} of slack"
    )
    title = (
        f"Order {standing.order_id}: {verdict} (completes {clock.at(standing.completion)}, due "
        f"{clock.at(standing.target or 0)})"
    )
    return _chain(report, clock, title, standing.chain)


def _chain(report: KpiReport, clock: Clock, title: str, chain: Sequence[Step]) -> _Chain:
    problem = report.problem
    steps = []
    for step in chain:
        order = problem.orders[step.job]
        line = (
            f"{order.operations[step.index].id} of order {order.id} on "
            f"{problem.machines[step.machine].id}, {clock.at(step.start)} to {clock.at(step.end)}: "
            f"[{step.cause.value}] {step.text}"
        )
        if step.also:
            line += f" (also: {'; '.join(step.also)})"
        steps.append(line)
    return _Chain(title, tuple(steps))


# --------------------------------------------------------------------------------------------------
# Markdown


def to_markdown(report: KpiReport) -> str:
    title = report.problem.name or "schedule"
    lines = [f"# KPI report: {title}", ""]
    for heading, blocks in _sections(report):
        lines += [f"## {heading}", ""]
        for block in blocks:
            lines += [*_markdown_block(block), ""]
    return "\n".join(lines)


def _markdown_block(block: _Block) -> list[str]:
    if isinstance(block, str):
        return [block]
    if isinstance(block, _Table):
        cells = [[_md_cell(c) for c in row] for row in (block.header, *block.rows)]
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(block.header)]
        return lines + ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return [f"### {block.title}", "", *(f"{n}. {s}" for n, s in enumerate(block.steps, 1))]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
h3 { margin-bottom: 0.3em; }
ol li { margin: 0.2em 0; }
"""


def to_html(report: KpiReport) -> str:
    """One self-contained page: plotly's script is inlined, so it opens without a network."""
    title = html.escape(f"KPI report: {report.problem.name or 'schedule'}")
    body = [f"<h1>{title}</h1>"]
    for heading, blocks in _sections(report):
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if heading == "Utilisation per machine":
            body.append(_utilisation_chart(report.kpis))
        if heading == "Lateness explanation" and report.lateness.orders:
            body.append(_slack_chart(report))
        body.extend(_html_block(block) for block in blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>'
        f"\n<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _html_block(block: _Block) -> str:
    if isinstance(block, str):
        return f"<p>{html.escape(block)}</p>"
    if isinstance(block, _Table):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    items = "".join(f"<li>{html.escape(s)}</li>" for s in block.steps)
    return f"<h3>{html.escape(block.title)}</h3><ol>{items}</ol>"


def _plotly() -> Any:
    # plotly ships no type information.
    return importlib.import_module("plotly.graph_objects")


def _utilisation_chart(kpis: Kpis) -> str:
    """A bar per machine; it comes first on the page, so it carries plotly's script."""
    go = _plotly()
    figure = go.Figure(
        go.Bar(
            x=[m.machine_id for m in kpis.machines],
            y=[round(100 * m.utilisation, 1) for m in kpis.machines],
            text=[f"{100 * m.utilisation:.0f} %" for m in kpis.machines],
            hovertemplate="%{x}: %{y} % of its working time<extra></extra>",
        )
    )
    figure.update_layout(
        yaxis={"title": "utilisation over working time (%)", "range": [0, 100]},
        height=360,
        margin={"l": 60, "r": 20, "t": 20, "b": 60},
    )
    chart: str = figure.to_html(full_html=False, include_plotlyjs=True, div_id="utilisation")
    return chart


_STATUS_COLOURS = {"late": "#d62728", "at risk": "#ff7f0e", "on time": "#2ca02c"}


def _slack_chart(report: KpiReport) -> str:
    """Slack per order with a due date (negative: late), coloured by standing; it reuses the
    plotly script the utilisation chart inlined."""
    go = _plotly()
    clock = Clock(report.problem)
    orders = report.lateness.orders
    # Hours read better than minute ticks once there are dates.
    has_dates = report.problem.planning_start is not None
    unit = report.problem.tick / timedelta(hours=1) if has_dates else 1
    figure = go.Figure(
        go.Bar(
            x=[s.order_id for s in orders],
            y=[(s.slack or 0) * unit for s in orders],
            marker_color=[_STATUS_COLOURS.get(s.status, "#7f7f7f") for s in orders],
            customdata=[[s.status, clock.span(s.slack or 0)] for s in orders],
            hovertemplate="%{x}: %{customdata[0]}, slack %{customdata[1]}<extra></extra>",
        )
    )
    figure.update_layout(
        yaxis={"title": f"slack ({'hours' if has_dates else 'ticks'}; below 0: late)"},
        height=360,
        margin={"l": 60, "r": 20, "t": 20, "b": 80},
    )
    chart: str = figure.to_html(full_html=False, include_plotlyjs=False, div_id="slack")
    return chart
