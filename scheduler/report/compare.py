"""Scenario comparison: schedules of one problem side by side, as one self-contained HTML page.

A table of KPIs with each scenario's difference to the first (the base), coloured better or
worse, then a small Gantt chart per scenario on a common time axis so that the eye can compare
them. Each schedule is checked by `scheduler.verify` first; one that fails is still shown, marked.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from plotly.offline import get_plotlyjs

from scheduler.problem import Problem
from scheduler.schedule import Kpis, Schedule, evaluate
from scheduler.verify import verify


@dataclass(frozen=True)
class KpiRow:
    """One line of the table: how to read the figure and which direction is better."""

    name: str
    value: Callable[[Kpis], float]
    lower_is_better: bool = True
    percent: bool = False


def _utilisation(kpis: Kpis) -> float:
    """Busy over available working time, summed over the machines."""
    available = sum(m.available for m in kpis.machines)
    return sum(m.busy for m in kpis.machines) / available if available else 0.0


KPI_ROWS = (
    KpiRow("makespan (ticks)", lambda k: k.makespan),
    KpiRow("on-time rate", lambda k: k.on_time_rate, lower_is_better=False, percent=True),
    KpiRow("late orders", lambda k: k.late_orders),
    KpiRow("total tardiness (ticks)", lambda k: k.total_tardiness),
    KpiRow("weighted tardiness", lambda k: k.total_weighted_tardiness),
    KpiRow("max lateness (ticks)", lambda k: k.max_lateness or 0),
    KpiRow("setup time (ticks)", lambda k: k.setup_time),
    KpiRow("setup cost", lambda k: k.setup_cost),
    KpiRow("purchase cost", lambda k: k.purchase_cost),
    KpiRow("utilisation", _utilisation, lower_is_better=False, percent=True),
)
"""The compared figures, in table order."""


@dataclass(frozen=True)
class Scenario:
    name: str
    schedule: Schedule
    kpis: Kpis
    violations: int
    """Violations `verify` found; 0 for a feasible schedule."""


def scenarios_of(problem: Problem, named: Sequence[tuple[str, Schedule]]) -> list[Scenario]:
    """Verify and evaluate each named schedule of `problem`."""
    result = []
    for name, schedule in named:
        report = verify(problem, schedule)
        kpis = report.kpis if report.kpis is not None else evaluate(problem, schedule)
        result.append(Scenario(name, schedule, kpis, len(report.violations)))
    return result


def _figure(row: KpiRow, value: float) -> str:
    return f"{100 * value:.1f}%" if row.percent else f"{value:g}"


def _delta(row: KpiRow, value: float, base: float) -> tuple[str, str]:
    """The difference to the base in words and its CSS class (better, worse, same)."""
    diff = value - base
    if abs(diff) < 1e-12:
        return "±0", "same"
    better = (diff < 0) == row.lower_is_better
    if row.percent:
        words = f"{100 * diff:+.1f} pt"
    else:
        words = f"{diff:+g}" + (f" ({100 * diff / base:+.1f}%)" if base else "")
    return words, "better" if better else "worse"


def kpi_table(scenarios: Sequence[Scenario]) -> str:
    """The KPI table as HTML: a column per scenario, deltas against the first."""
    head = "".join(f"<th>{html.escape(s.name)}</th>" for s in scenarios)
    lines = [f"<table><thead><tr><th>KPI</th>{head}</tr></thead><tbody>"]
    checks = "".join(
        "<td>verified</td>"
        if s.violations == 0
        else f'<td class="worse">{s.violations} violation(s)</td>'
        for s in scenarios
    )
    lines.append(f"<tr><td>feasible</td>{checks}</tr>")
    for row in KPI_ROWS:
        base = row.value(scenarios[0].kpis)
        cells = []
        for n, scenario in enumerate(scenarios):
            value = row.value(scenario.kpis)
            cell = _figure(row, value)
            if n > 0:
                words, css = _delta(row, value, base)
                cell += f' <span class="{css}">{words}</span>'
            cells.append(f"<td>{cell}</td>")
        lines.append(f"<tr><td>{html.escape(row.name)}</td>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.better { color: #2a7d2a; } .worse { color: #c0392b; } .same { color: #888; }
"""


def compare_page(problem: Problem, named: Sequence[tuple[str, Schedule]]) -> str:
    """The comparison page of the named schedules of `problem`, the first the base; plotly.js is
    inlined once, so the page works offline."""
    from scheduler.report.gantt import gantt_figure

    if not named:
        raise ValueError("scenarios: give at least one schedule")
    scenarios = scenarios_of(problem, named)
    until = max((s.kpis.makespan for s in scenarios), default=0)
    charts = []
    for scenario in scenarios:
        figure = gantt_figure(
            problem, scenario.schedule, title=scenario.name, until=until, compact=True
        )
        charts.append(figure.to_html(full_html=False, include_plotlyjs=False))
    title = html.escape(f"{problem.name or 'schedule'}: {len(scenarios)} scenarios")
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{title}</h1><p>Differences are against <b>{html.escape(scenarios[0].name)}</b>.</p>"
        f"{kpi_table(scenarios)}{''.join(charts)}</body></html>\n"
    )
