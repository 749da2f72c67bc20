"""The Markdown report of a benchmark run: one line per instance, then mean gaps per family.

Gap = (makespan - best known upper bound) / best known upper bound, in percent. A family's mean
is taken over the instances where every solver of the run has a gap (a solver without a schedule
on an instance would otherwise look better by skipping it); the count says how many that is. The
ratio is our gap over the better peer's (below 1: ours is better), per instance and for the means;
empty where the better peer's gap is 0 or unknown. Every solver's schedule goes through the
project's verifier; a makespan it rejected is marked with `!`.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The instance table and the family summary of the rows (JSON lines of `runner.run`)."""
    solvers = list(dict.fromkeys(row["solver"] for row in rows))
    peers = [s for s in solvers if s != "ours"]
    by_instance: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_instance.setdefault(row["instance"], {})[row["solver"]] = row
    if not by_instance:
        return "(no runs)\n"
    first = next(iter(rows))
    lines = [
        f"time limit {first['time_limit']:g} s, {first['workers']} worker(s), seed "
        f"{first['seed']}; one subprocess per solve; commit {first.get('commit') or '?'}, "
        f"ortools {first.get('ortools') or '?'}",
        "",
    ]
    lead = "ours" if "ours" in solvers else solvers[0]
    header = ["instance", "size", "best lb", "best ub", f"{lead}", "bound", "gap %", "opt"]
    header += ["first s", "final s", "MB"]
    for peer in [s for s in solvers if s != lead]:
        header += [peer, f"{peer} gap %"]
    if lead == "ours" and peers:
        header.append("ratio")
    lines += [_line(header), _line(["---"] * len(header))]
    for name, solved in by_instance.items():
        any_row = next(iter(solved.values()))
        ours = solved.get(lead, {})
        cells = [
            name,
            any_row["size"],
            _num(any_row["best_lower_bound"]),
            _num(any_row["best_upper_bound"]),
            _makespan(ours),
            _num(ours.get("bound")),
            _pct(ours.get("gap_pct")),
            "yes" if ours.get("optimal") else "",
            _num(ours.get("first_solution_s")),
            _num(ours.get("final_solution_s")),
            _num(ours.get("peak_rss_mb")),
        ]
        for peer in [s for s in solvers if s != lead]:
            other = solved.get(peer, {})
            cells += [_makespan(other), _pct(other.get("gap_pct"))]
        if lead == "ours" and peers:
            cells.append(_num(_ratio(ours.get("gap_pct"), [solved.get(p, {}) for p in peers])))
        lines.append(_line(cells))
    lines += ["", *summary(rows, solvers)]
    return "\n".join(lines) + "\n"


def summary(rows: Sequence[dict[str, Any]], solvers: list[str]) -> list[str]:
    """Mean gap per family and overall, on the instances where every solver has a gap. A family
    of several sizes gets a line per size first (Taillard's ta01-ta80 are judged per size class:
    ta01-ta10 15x15, ta11-ta20 20x15, ...), in the order the sizes first appear."""
    gaps: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for row in rows:
        if row.get("gap_pct") is not None:
            sizes = gaps.setdefault(row["family"], {})
            members = sizes.setdefault(row.get("size") or "", {})
            members.setdefault(row["instance"], {})[row["solver"]] = row["gap_pct"]
    peers = [s for s in solvers if s != "ours"]
    header = ["family", "instances", *[f"{s} mean gap %" for s in solvers]]
    if "ours" in solvers and peers:
        header.append("ratio")
    lines = [_line(header), _line(["---"] * len(header))]
    every: dict[str, list[float]] = {s: [] for s in solvers}
    for family, sizes in gaps.items():
        family_gaps: dict[str, list[float]] = {s: [] for s in solvers}
        for size, instances in sizes.items():
            complete = [g for g in instances.values() if all(s in g for s in solvers)]
            size_gaps = [[g[s] for g in complete] for s in solvers]
            if len(sizes) > 1:
                lines.append(_mean_line(f"{family} {size}", size_gaps, solvers))
            for s, g in zip(solvers, size_gaps, strict=True):
                family_gaps[s] += g
        lines.append(_mean_line(family, [family_gaps[s] for s in solvers], solvers))
        for s in solvers:
            every[s] += family_gaps[s]
    lines.append(_mean_line("**all**", [every[s] for s in solvers], solvers))
    return lines


def _mean_line(label: str, gaps: list[list[float]], solvers: list[str]) -> str:
    means = {s: mean(g) if g else None for s, g in zip(solvers, gaps, strict=True)}
    cells = [label, str(len(gaps[0])), *[_pct(means[s]) for s in solvers]]
    peers = [s for s in solvers if s != "ours"]
    if "ours" in solvers and peers:
        cells.append(_num(_ratio(means["ours"], [{"gap_pct": means[p]} for p in peers])))
    return _line(cells)


def _ratio(ours: float | None, peers: list[dict[str, Any]]) -> float | None:
    known = [p["gap_pct"] for p in peers if p.get("gap_pct") is not None]
    if ours is None or not known or min(known) <= 0:
        return None
    return round(ours / min(known), 2)


def _makespan(row: dict[str, Any]) -> str:
    """The makespan; `error` for a failed solve, a `!` when the verifier rejected the schedule."""
    if row.get("status") == "ERROR":
        return "error"
    mark = "!" if row.get("makespan") is not None and row.get("verified") is False else ""
    return _num(row.get("makespan")) + mark


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


__all__ = ["markdown", "summary"]
