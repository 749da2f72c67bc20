"""Core engine benchmarks: model build time, and solution quality against the catalogue and a peer.

    python benchmarks/bench_core.py build
    python benchmarks/bench_core.py table RESULT.json   # a quality run's JSON as a Markdown table
    python benchmarks/bench_core.py tabu [--seconds 5] [--instances ...] [--seeds 0 1 ...]
        [--walks 1] [--neighbourhood n5|n7]   # the tabu search alone
    python benchmarks/bench_core.py quality [--time-limit 10] [--workers 2] [--instances ft10 la16 ...]
        [--bounds jssp-bounds.csv] [--tabu-share 0.5]

`build` times the steps before the search (index, heuristic, model, hints) on ta71 (2,000
operations) and on a generated 1,000 × 50 job shop (50,000 operations), median of --repeat runs.

`quality` solves each instance (a catalogue name, or a problem file such as an FJSPLIB `.fjs`,
whose stem names its bound in `--bounds`) with `scheduler.solve` and, in the same run with the same time
limit and workers, with a peer: the textbook CP-SAT job-shop model of the OR-Tools examples
(horizon = sum of durations, no hint; `peers/textbook.py`). It reports makespan, bound, the gap to
the catalogue's best known upper bound, and the ratio ours / peer (below 1 is better), then the
mean gap of each and their ratio. Results go to stdout as JSON. `--instances set31` is the
31-instance set of issue 11, `set60` its 60 s set (ta41/51/61/71, swv11); `--bounds` reads newer
best-known bounds from a CSV with `instance` and `upper_bound` columns (the shared
`jssp-bounds.csv`) instead of the catalogue's; `--cpsat NAME=VALUE ...` adds CP-SAT parameters to
our searches (to measure them); `--tabu-share` and `--tabu-patience` override
`scheduler.solve.TABU_SHARE` (0 turns the tabu search off) and `TABU_PATIENCE`, `--lns-share`
`JOBSHOP_LNS_SHARE` (the job-shop LNS after the tabu search), `--tabu-walks` `TABU_WALKS`,
`--polish-share` `POLISH_SHARE`, `--stall-share` `STALL_SHARE`, `--cpsat-first`
`cpsat.solver.CPSAT_FIRST_SECONDS` (inf: the tabu search always comes first), and (here and for
`tabu`) `--neighbourhood` `heuristics.tabu.NEIGHBOURHOOD`. `scheduler bench`
(benchmarks/README.md, "Benchmark harness") runs the same comparison on any set, one subprocess
per solve, with PyJobShop as a second peer.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peers.textbook import solve_textbook

import scheduler.solve
from scheduler import cpsat
from scheduler.bench.protocol import Request
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path, load_catalog
from scheduler.formats.generate import generate_jssp
from scheduler.heuristics import best_dispatch, tabu
from scheduler.params import SolveParams
from scheduler.problem import Problem
from scheduler.solve import solve
from scheduler.stop import Deadline
from scheduler.verify import check

QUALITY_SET = ["ft10", "la16", "la17", "la18", "la19", "la20", "abz7", "ta01", "ta11"]
NAMED_SETS = {
    "set31": [
        "ft06",
        "ft10",
        "ft20",
        "la16",
        "la17",
        "la18",
        "la19",
        "la20",
        "la21",
        "la24",
        "la25",
        "la27",
        "la29",
        "la38",
        "la40",
        "abz7",
        "abz8",
        "abz9",
        "orb01",
        "swv01",
        "swv06",
        "swv11",
        "yn1",
        "ta01",
        "ta11",
        "ta21",
        "ta31",
        "ta41",
        "ta51",
        "ta61",
        "ta71",
    ],
    "set60": ["ta41", "ta51", "ta61", "ta71", "swv11"],
}
"""Issue 11's sets: the 31 instances at 10 s, the five at 60 s."""


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def bench_build(repeat: int) -> list[dict[str, Any]]:
    rows = []
    cases = [("ta71", lambda: read_problem(instance_path("ta71")))]
    cases.append(("jssp-1000x50", lambda: generate_jssp(1000, 50, seed=1)))
    for name, load in cases:
        t_parse, problem = _median_time(load, repeat)
        t_index, _ = _median_time(lambda p=problem: Problem.index.func(p), repeat)  # type: ignore[attr-defined]
        t_heur, schedule = _median_time(lambda p=problem: best_dispatch(p), repeat)
        objective = check(problem, schedule).objective
        t_model, sm = _median_time(lambda p=problem, o=objective: cpsat.build_model(p, o), repeat)
        t_hint, _ = _median_time(
            lambda p=problem, o=objective, s=schedule: _hinted(p, o, s), repeat
        )
        rows.append(
            {
                "instance": name,
                "operations": problem.index.n_operations,
                "parse_s": round(t_parse, 3),
                "index_s": round(t_index, 4),
                "heuristic_s": round(t_heur, 3),
                "build_model_s": round(t_model, 3),
                "build_model_with_hint_s": round(t_hint, 3),
                "variables": len(sm.model.proto.variables),
                "constraints": len(sm.model.proto.constraints),
            }
        )
        print(_fmt(rows[-1]), file=sys.stderr)
    return rows


def _hinted(problem: Problem, objective: int | None, schedule: Any) -> None:
    sm = cpsat.build_model(problem, objective)
    cpsat.add_hint(sm, schedule)


def peer_solve(problem: Problem, time_limit: float, workers: int) -> tuple[int | None, int | None]:
    """The OR-Tools examples' job-shop model (peers/textbook.py, also `scheduler bench`'s peer)."""
    outcome = solve_textbook(problem, Request("", time_limit, workers, seed=0))
    return outcome.makespan, outcome.bound


def bench_quality(
    names: list[str],
    time_limit: float,
    workers: int,
    peer: bool,
    bounds: dict[str, int],
    use_hint: bool = True,
) -> list[dict[str, Any]]:
    catalog = load_catalog()
    rows = []
    for given in names:
        # A catalogue name, or a file (e.g. an FJSPLIB .fjs) whose stem names its bound.
        path = Path(given) if Path(given).is_file() else instance_path(given)
        name = path.stem if Path(given).is_file() else given
        problem = read_problem(path)
        entry = catalog.get(name)
        best_known = bounds.get(name, entry.upper_bound if entry is not None else None)
        params = SolveParams(time_limit=time_limit, workers=workers, use_hint=use_hint)
        result = solve(problem, params)
        row: dict[str, Any] = {
            "instance": name,
            "size": f"{problem.index.n_jobs}x{problem.index.n_machines}",
            "best_known": best_known,
            "makespan": result.objective,
            "bound": result.best_bound,
            "status": result.status.value,
            "gap_to_best_known_pct": _gap(result.objective, best_known),
            "heuristic": result.heuristic_objective,
            "heuristic_s": round(result.heuristic_time, 2),
            "wall_s": round(result.wall_time, 2),
        }
        if peer:
            peer_obj, peer_bound = peer_solve(problem, time_limit, workers)
            row["peer_makespan"] = peer_obj
            row["peer_bound"] = peer_bound
            row["peer_gap_pct"] = _gap(peer_obj, best_known)
            row["ratio_to_peer"] = (
                round(result.objective / peer_obj, 4) if peer_obj and result.objective else None
            )
        rows.append(row)
        print(_fmt(row), file=sys.stderr)
    return rows


def _gap(makespan: int | None, best_known: int | None) -> float | None:
    if makespan is None or not best_known:
        return None
    return round(100 * (makespan - best_known) / best_known, 2)


def quality_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean gap to the best known of ours and of the peer, and ours / peer."""
    summary: dict[str, Any] = {"instances": len(rows)}
    for key, column in (("ours", "gap_to_best_known_pct"), ("peer", "peer_gap_pct")):
        gaps = [r[column] for r in rows if r.get(column) is not None]
        if gaps:
            summary[f"{key}_mean_gap_pct"] = round(statistics.fmean(gaps), 2)
    if summary.get("peer_mean_gap_pct"):
        summary["ours_over_peer"] = round(
            summary["ours_mean_gap_pct"] / summary["peer_mean_gap_pct"], 3
        )
    summary["optimal"] = sum(r["status"] == "OPTIMAL" for r in rows)
    return summary


def read_bounds(path: str | None) -> dict[str, int]:
    """Best-known upper bounds by instance name from a CSV (`instance`, `upper_bound`)."""
    if path is None:
        return {}
    with open(path, newline="") as f:
        return {row["instance"]: int(row["upper_bound"]) for row in csv.DictReader(f)}


def bench_tabu(
    names: list[str],
    seconds: float,
    bounds: dict[str, int],
    seeds: list[int] | None = None,
    walks: int = 1,
) -> list[dict[str, Any]]:
    """The tabu search alone (`walks` walks) for `seconds` from the best dispatching schedule (no
    CP-SAT), once per seed."""
    catalog = load_catalog()
    rows = []
    for name in names:
        problem = read_problem(instance_path(name))
        best_known = bounds.get(name, catalog[name].upper_bound)
        start = best_dispatch(problem)
        for seed in seeds or [0]:
            found = tabu.tabu_search(
                problem, start, deadline=Deadline(seconds), seed=seed, walks=walks
            )
            makespan = check(problem, found).objective
            row = {
                "instance": name,
                "seed": seed,
                "dispatching": check(problem, start).objective,
                "tabu": makespan,
                "lower_bound": tabu.makespan_lower_bound(problem),
                "best_known": best_known,
                "gap_to_best_known_pct": _gap(makespan, best_known),
            }
            rows.append(row)
            print(_fmt(row), file=sys.stderr)
    return rows


def _parameter(text: str) -> tuple[str, object]:
    """NAME=VALUE with VALUE an int, float or true/false."""
    name, _, value = text.partition("=")
    if value in ("true", "false"):
        return name, value == "true"
    try:
        return name, int(value)
    except ValueError:
        return name, float(value)


def _add_cpsat_parameters(extra: dict[str, object]) -> None:
    """Every CP-SAT search of `solve` in this process gets `extra` on top of its parameters."""
    if not extra:
        return
    original = SolveParams.cpsat_parameters

    def with_extra(self: SolveParams, *, presolve: bool = True) -> dict[str, object]:
        return {**original(self, presolve=presolve), **extra}

    SolveParams.cpsat_parameters = with_extra  # type: ignore[method-assign]


def markdown_table(result: dict[str, Any]) -> str:
    """A quality run's rows and summary as the Markdown table of `benchmarks/README.md`."""
    lines = [
        "| instance | size | best known | ours | bound | status | gap % | peer | peer gap % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        cells = [r["instance"], r["size"], r["best_known"], r["makespan"], r["bound"]]
        cells += [r["status"], r["gap_to_best_known_pct"], r.get("peer_makespan")]
        lines.append("| " + " | ".join(map(str, [*cells, r.get("peer_gap_pct")])) + " |")
    summary = result["summary"]
    lines.append(
        f"\nMean gap: ours {summary['ours_mean_gap_pct']} %, peer {summary.get('peer_mean_gap_pct')}"
        f" % (ours / peer {summary.get('ours_over_peer')}); proven optimal: {summary['optimal']}."
    )
    return "\n".join(lines)


def _fmt(row: dict[str, Any]) -> str:
    return "  ".join(f"{k}={v}" for k, v in row.items())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    build = sub.add_parser("build")
    build.add_argument("--repeat", type=int, default=3)
    tabu_only = sub.add_parser("tabu")
    tabu_only.add_argument("--seconds", type=float, default=5.0)
    tabu_only.add_argument("--instances", nargs="+", default=QUALITY_SET)
    tabu_only.add_argument(
        "--bounds", help="CSV of newer best-known bounds (instance, upper_bound)"
    )
    tabu_only.add_argument("--seeds", type=int, nargs="+", default=[0])
    tabu_only.add_argument("--walks", type=int, default=1)
    quality = sub.add_parser("quality")
    for mode in (tabu_only, quality):
        mode.add_argument(
            "--neighbourhood",
            choices=["n5", "n7"],
            help="override scheduler.heuristics.tabu.NEIGHBOURHOOD",
        )
    table = sub.add_parser("table")
    table.add_argument("result", help="a quality run's JSON output")
    quality.add_argument("--time-limit", type=float, default=10.0)
    quality.add_argument("--workers", type=int, default=2)
    quality.add_argument("--instances", nargs="+", default=QUALITY_SET)
    quality.add_argument("--no-peer", action="store_true")
    quality.add_argument("--bounds", help="CSV of newer best-known bounds (instance, upper_bound)")
    quality.add_argument("--no-hint", action="store_true", help="SolveParams(use_hint=False)")
    quality.add_argument("--tabu-share", type=float, help="override scheduler.solve.TABU_SHARE")
    quality.add_argument(
        "--lns-share", type=float, help="override scheduler.solve.JOBSHOP_LNS_SHARE"
    )
    quality.add_argument(
        "--tabu-patience", type=float, help="override scheduler.solve.TABU_PATIENCE"
    )
    quality.add_argument(
        "--tabu-per-op",
        type=float,
        help="override scheduler.solve.TABU_SECONDS_PER_OPERATION (inf: only the share bounds it)",
    )
    quality.add_argument(
        "--cpsat-first",
        type=float,
        help="override scheduler.cpsat.solver.CPSAT_FIRST_SECONDS (inf: never CP-SAT first)",
    )
    quality.add_argument(
        "--tabu-walks", type=int, help="override scheduler.solve.TABU_WALKS (0: one per worker)"
    )
    quality.add_argument("--polish-share", type=float, help="override scheduler.solve.POLISH_SHARE")
    quality.add_argument(
        "--stall-share", type=float, help="override scheduler.solve.STALL_SHARE (inf: off)"
    )
    quality.add_argument(
        "--cpsat",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="extra CP-SAT parameters for our solve only (an experiment, never a user option)",
    )
    args = parser.parse_args()
    if args.what == "table":
        with open(args.result) as f:
            print(markdown_table(json.load(f)))
        return 0
    out: dict[str, Any] = {"benchmark": args.what, "args": vars(args)}
    if getattr(args, "neighbourhood", None) is not None:
        tabu.NEIGHBOURHOOD = args.neighbourhood
    if args.what == "build":
        out["rows"] = bench_build(args.repeat)
    elif args.what == "tabu":
        tabu.compile_kernels()
        names = [n for name in args.instances for n in NAMED_SETS.get(name, [name])]
        rows = bench_tabu(names, args.seconds, read_bounds(args.bounds), args.seeds, args.walks)
        gaps = [r["gap_to_best_known_pct"] for r in rows]
        out["rows"], out["summary"] = rows, {"mean_gap_pct": round(statistics.fmean(gaps), 2)}
        print(_fmt(out["summary"]), file=sys.stderr)
    else:
        if args.tabu_share is not None:
            scheduler.solve.TABU_SHARE = args.tabu_share
        if args.lns_share is not None:
            scheduler.solve.JOBSHOP_LNS_SHARE = args.lns_share
        if args.tabu_patience is not None:
            scheduler.solve.TABU_PATIENCE = args.tabu_patience
        if args.tabu_per_op is not None:
            scheduler.solve.TABU_SECONDS_PER_OPERATION = args.tabu_per_op
        if args.cpsat_first is not None:
            scheduler.cpsat.solver.CPSAT_FIRST_SECONDS = args.cpsat_first
        if args.tabu_walks is not None:
            scheduler.solve.TABU_WALKS = args.tabu_walks
        if args.polish_share is not None:
            scheduler.solve.POLISH_SHARE = args.polish_share
        if args.stall_share is not None:
            scheduler.solve.STALL_SHARE = args.stall_share
        _add_cpsat_parameters(dict(_parameter(text) for text in args.cpsat))
        names = [n for name in args.instances for n in NAMED_SETS.get(name, [name])]
        bounds = read_bounds(args.bounds)
        tabu.compile_kernels()  # numba's first compilation is not part of any instance's time
        rows = bench_quality(
            names, args.time_limit, args.workers, not args.no_peer, bounds, not args.no_hint
        )
        out["rows"], out["summary"] = rows, quality_summary(rows)
        print(_fmt(out["summary"]), file=sys.stderr)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
