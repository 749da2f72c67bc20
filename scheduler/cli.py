"""The `scheduler` command: the only module that parses argv or exits the process.

Exit codes: 0 a schedule was produced (or verified), 1 bad input or a failed verification,
2 bad usage, 3 the problem has no schedule (infeasible, or none found in time).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from scheduler.params import SolveParams
from scheduler.problem import InvalidProblem, Problem, violations_of
from scheduler.result import Progress, SolveResult, SolveStatus
from scheduler.service.main import add_remote_solve_arguments, add_serve_arguments, run_serve
from scheduler.stop import Deadline, StopToken

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_NO_SCHEDULE = 0, 1, 2, 3
FORMATS = ("orlib", "taillard", "fjsplib", "json")


class CliError(Exception):
    """A readable message for the user; becomes a one-paragraph error and exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except CliError as error:
        print(f"scheduler: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scheduler", description="Production scheduling with OR-Tools CP-SAT."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    solve = commands.add_parser("solve", help="solve a problem file and print the result")
    solve.add_argument("file", type=Path, help="problem file (OR-Library, Taillard, FJSPLIB, JSON)")
    solve.add_argument("--format", choices=FORMATS, help="file format (detected when omitted)")
    solve.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    solve.add_argument("--workers", type=int, help="CP-SAT workers (default: one per core, ≤ 8)")
    solve.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    solve.add_argument("--gap", type=float, default=0.0, help="relative gap limit (default 0)")
    solve.add_argument("--out", type=Path, help="write the schedule file (JSON) here")
    solve.add_argument("--quiet", action="store_true", help="no live progress")
    solve.add_argument("--log", action="store_true", help="print CP-SAT's search log")
    add_remote_solve_arguments(solve)
    solve.set_defaults(run=_run_solve)

    serve = commands.add_parser("serve", help="run the gRPC service scheduler.v1")
    add_serve_arguments(serve)
    serve.set_defaults(run=run_serve)

    verify = commands.add_parser("verify", help="check a schedule file against its problem")
    verify.add_argument("problem", type=Path)
    verify.add_argument("schedule", type=Path)
    verify.add_argument("--format", choices=FORMATS, help="problem file format")
    verify.set_defaults(run=_run_verify)
    _add_report_command(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of the problem file")
    schema.set_defaults(run=_run_schema)
    return parser


def _read_problem(path: Path, fmt: str | None) -> Problem:
    from scheduler.formats import FormatError, read_problem

    if not path.is_file():
        raise CliError(f"{path}: no such file")
    try:
        return read_problem(path, fmt)
    except (FormatError, InvalidProblem) as error:
        raise CliError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: cannot read: {error}") from None


def _params(args: argparse.Namespace) -> SolveParams:
    fields: dict[str, Any] = {
        "time_limit": args.time_limit,
        "seed": args.seed,
        "relative_gap_limit": args.gap,
        "log_search": args.log,
    }
    if args.workers is not None:
        fields["workers"] = args.workers
    try:
        return SolveParams(**fields)
    except ValidationError as error:
        flags = {"time_limit": "--time-limit", "relative_gap_limit": "--gap"}
        reasons = [
            f"{flags.get(v.field, '--' + v.field.replace('_', '-'))}: {v.reason}"
            for v in violations_of(error)
        ]
        raise CliError("; ".join(reasons)) from None


def _run_solve(args: argparse.Namespace) -> int:
    from scheduler.formats.solution import dumps, result_to_json
    from scheduler.solve import solve

    params = _params(args)
    # The time limit runs from the command, reading and validating the file included.
    stop = StopToken()
    deadline = Deadline(params.time_limit, stop)
    problem = _read_problem(args.file, args.format)
    ix = problem.index
    show = not args.quiet
    if show:
        print(
            f"{problem.name or args.file.name}: {ix.n_jobs} orders, {ix.n_operations} operations, "
            f"{ix.n_machines} machines; objective {_objective_name(problem)}; "
            f"{params.time_limit:g} s, {params.workers} worker(s)",
            file=sys.stderr,
        )

    lexicographic = len(problem.objective.levels) > 1

    def on_progress(event: Progress) -> None:
        level = f"  level {event.level + 1}" if lexicographic else ""
        print(
            f"  {event.elapsed:8.2f}s{level}  objective {event.objective:>10}"
            f"  bound {event.bound:>10}  gap {100 * event.gap:6.2f}%",
            file=sys.stderr,
            flush=True,
        )

    callback = on_progress if show else None
    if args.server is not None:
        result = _solve_remote(args, problem, params, callback)
    else:
        result = _solve_interruptibly(
            lambda: solve(problem, params, deadline=deadline, on_progress=callback), stop
        )
    _print_summary(result)
    if args.out is not None:
        try:
            args.out.write_text(dumps(result_to_json(problem, result)))
        except OSError as error:
            raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK if result.status.has_schedule else EXIT_NO_SCHEDULE


def _solve_remote(
    args: argparse.Namespace, problem: Problem, params: SolveParams, on_progress: Any
) -> SolveResult:
    from scheduler.client import SchedulerError, solve_remote

    try:
        token = args.server_token_file.read_text().strip() if args.server_token_file else None
        ca = args.server_ca.read_bytes() if args.server_ca else None
    except OSError as error:
        raise CliError(f"cannot read: {error}") from None
    try:
        return solve_remote(
            args.server, problem, params, on_progress, token=token, root_certificates=ca
        )
    except SchedulerError as error:
        raise CliError(f"{args.server}: {error}") from None


def _solve_interruptibly(run: Any, stop: StopToken) -> SolveResult:
    """Run a solve in a worker thread so Ctrl-C (SIGINT) sets `stop`, which the solve polls, and
    the best schedule so far is kept."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = run()
        except BaseException as error:  # re-raised in the main thread
            outcome["error"] = error

    def on_signal(signum: int, frame: object) -> None:
        print("\nstopping: keeping the best schedule so far", file=sys.stderr)
        stop.stop()

    previous = signal.signal(signal.SIGINT, on_signal)
    worker = threading.Thread(target=target, name="solve")
    worker.start()
    try:
        # A blocking join would delay signal handling until the solver returns.
        while worker.is_alive():
            worker.join(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in outcome:
        raise outcome["error"]
    result: SolveResult = outcome["result"]
    return result


def _objective_name(problem: Problem) -> str:
    """`2*makespan + late_orders`; levels of a lexicographic objective joined by ` then `."""
    return " then ".join(
        " + ".join(
            t.kind.value if t.weight == 1 else f"{t.weight}*{t.kind.value}" for t in level.terms
        )
        + (f" (tolerance {level.tolerance:g})" if level.tolerance else "")
        for level in problem.objective.levels
    )


def _print_summary(result: SolveResult) -> None:
    lines = [f"status      {result.status.value} ({result.stop_reason.value})"]
    if result.objective is not None:
        lines.append(f"objective   {result.objective}")
    if result.best_bound is not None:
        lines.append(f"best bound  {result.best_bound}")
    if result.gap is not None:
        lines.append(f"gap         {100 * result.gap:.2f}%")
    if len(result.levels) > 1:
        for number, level in enumerate(result.levels, 1):
            figures = [f"value {'-' if level.value is None else level.value}"]
            if level.best is not None and level.best != level.value:
                figures.append(f"best found {level.best}")
            if level.bound is not None:
                figures.append(f"bound {level.bound}")
            if level.limit is not None:
                figures.append(f"held at most {level.limit}")
            lines.append(f"level {number:<5} {', '.join(figures)} ({level.status.value})")
    if result.kpis is not None:
        k = result.kpis
        lines.append(f"makespan    {k.makespan}")
        if any(o.lateness is not None for o in k.orders):
            lines.append(
                f"tardiness   total {k.total_tardiness}, weighted {k.total_weighted_tardiness}, "
                f"late orders {k.late_orders}"
            )
    lines.append(
        f"time        {result.wall_time:.2f} s (heuristic {result.heuristic_time:.2f} s, "
        f"model {result.build_time:.2f} s); {result.solutions} improving solution(s)"
    )
    if result.status is SolveStatus.HEURISTIC:
        lines.append("note        CP-SAT found no schedule in time; this is the heuristic's")
    for n, conflict in enumerate(result.explanation):
        lines.append(f"{'why' if n == 0 else '':<11} {conflict.message}")
    print("\n".join(lines))


def _run_verify(args: argparse.Namespace) -> int:
    from scheduler.formats.solution import ScheduleFileError, read_schedule
    from scheduler.verify import verify

    problem = _read_problem(args.problem, args.format)
    try:
        schedule = read_schedule(args.schedule.read_bytes(), str(args.schedule))
    except ScheduleFileError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"{args.schedule}: cannot read: {error}") from None
    report = verify(problem, schedule)
    if not report.ok:
        print(f"INVALID: {len(report.violations)} violation(s)")
        for v in report.violations:
            print(f"  {v.kind.value}: {v.message}")
        return EXIT_INPUT
    assert report.kpis is not None
    print(f"OK: objective {report.objective}, makespan {report.kpis.makespan}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# scheduler report: the KPI report with its lateness explanation (scheduler/report/kpi.py)

REPORT_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def _add_report_command(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="write the KPI report of a schedule file, with why each late order is late",
    )
    report.add_argument("schedule", type=Path, help="schedule file (what solve --out writes)")
    report.add_argument("--problem", type=Path, required=True, help="its problem file")
    report.add_argument("--format", choices=FORMATS, help="problem file format")
    report.add_argument(
        "--out", type=Path, help="report.html or report.md (default: Markdown on stdout)"
    )
    report.add_argument(
        "--at-risk",
        type=int,
        metavar="TICKS",
        help="an on-time order with less slack than this is at risk (default: 5%% of the makespan)",
    )
    report.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from scheduler.formats.solution import ScheduleFileError, read_schedule
    from scheduler.report.kpi import KpiReport, ScheduleMismatch, SolveFigures, to_html, to_markdown

    kind = "markdown"
    if args.out is not None:
        if args.out.suffix.lower() not in REPORT_FORMATS:
            raise CliError(
                f"--out: {args.out} must end in .html or .md (the report's format), "
                f"not {args.out.suffix or 'nothing'!r}"
            )
        kind = REPORT_FORMATS[args.out.suffix.lower()]
    if args.at_risk is not None and args.at_risk < 0:
        raise CliError(f"--at-risk: must be a tick count >= 0, got {args.at_risk}")
    problem = _read_problem(args.problem, args.format)
    try:
        text = args.schedule.read_bytes()
        schedule = read_schedule(text, str(args.schedule))
        data = json.loads(text)
    except ScheduleFileError as error:
        raise CliError(str(error)) from None
    except (OSError, ValueError) as error:
        reason = "no such file" if isinstance(error, FileNotFoundError) else error
        raise CliError(f"{args.schedule}: cannot read: {reason}") from None
    if not schedule.operations:
        status = data.get("status") if isinstance(data, dict) else None
        raise CliError(
            f"{args.schedule}: holds no schedule to report on"
            + (f" (status {status})" if isinstance(status, str) else "")
        )
    try:
        report = KpiReport.build(
            problem, schedule, SolveFigures.from_file(data), threshold=args.at_risk
        )
    except ScheduleMismatch as error:
        raise CliError(f"{args.schedule} and {args.problem}: {error}") from None
    output = to_html(report) if kind == "html" else to_markdown(report)
    if args.out is None:
        print(output)
        return EXIT_OK
    try:
        args.out.write_text(output, encoding="utf-8")
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    explained = report.lateness.explained
    late = sum(s.late for s in explained)
    print(
        f"wrote {args.out}: {late} late and {len(explained) - late} at-risk order(s) explained",
        file=sys.stderr,
    )
    return EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Problem.model_json_schema(), indent=1))
    return EXIT_OK


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
