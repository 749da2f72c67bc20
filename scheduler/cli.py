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


class UsageError(CliError):
    """Arguments that argparse cannot check alone (e.g. one of two alternatives is required)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except UsageError as error:
        parser.error(str(error))  # exits 2, as argparse's own usage errors do
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
    schema.add_argument(
        "--scenarios", action="store_true", help="the scenarios file of `whatif` instead"
    )
    schema.add_argument("--events", action="store_true", help="the events file of `reschedule`")
    schema.set_defaults(run=_run_schema)
    _add_chart_commands(commands)
    _add_spreadsheet_commands(commands)
    _add_whatif_command(commands)
    _add_reschedule_command(commands)
    _add_promise_command(commands)
    _add_bench_command(commands)
    return parser


def _read_problem(path: Path, fmt: str | None) -> Problem:
    from scheduler.formats import FormatError, read_problem

    if not path.is_file():
        path = _catalogued_path(path)
    try:
        return read_problem(path, fmt)
    except (FormatError, InvalidProblem) as error:
        raise CliError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: cannot read: {error}") from None


def _catalogued_path(path: Path) -> Path:
    """A bare name that is no file but a catalogued instance (`scheduler solve mk01`) is its file."""
    from scheduler.formats.catalog import load_catalog

    entry = load_catalog().get(str(path)) if path.parent == Path(".") else None
    if entry is None:
        raise CliError(f"{path}: no such file (nor an instance name of the catalogue)")
    return entry.path


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

    token, ca = _credentials(args.server_token_file, args.server_ca)
    try:
        return solve_remote(
            args.server, problem, params, on_progress, token=token, root_certificates=ca
        )
    except SchedulerError as error:
        raise CliError(f"{args.server}: {error}") from None


def _credentials(token_file: Path | None, ca_file: Path | None) -> tuple[str | None, bytes | None]:
    """The bearer token and the CA certificate (PEM) a client call presents, from their files."""
    try:
        token = token_file.read_text().strip() if token_file else None
        ca = ca_file.read_bytes() if ca_file else None
    except OSError as error:
        raise CliError(f"cannot read: {error}") from None
    return token, ca


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
    if result.note:
        lines.append(f"note        {result.note}")
    elif result.status is SolveStatus.HEURISTIC:
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
    report.add_argument(
        "schedule", type=Path, nargs="?", help="schedule file (what solve --out writes)"
    )
    report.add_argument("--problem", type=Path, help="its problem file (a stored job has its own)")
    _add_job_arguments(report, "report on")
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
    if args.server is not None:
        from scheduler.formats.solution import result_to_json

        plan = _job_plan(args)
        problem, schedule = plan.problem, plan.schedule
        data = {} if plan.result is None else result_to_json(problem, plan.result)
        source = f"job {args.job}"
    else:
        problem = _problem_of_file(args)
        source = str(args.schedule)
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
            f"{source}: holds no schedule to report on"
            + (f" (status {status})" if isinstance(status, str) else "")
        )
    try:
        report = KpiReport.build(
            problem, schedule, SolveFigures.from_file(data), threshold=args.at_risk
        )
    except ScheduleMismatch as error:
        raise CliError(f"{source} and {args.problem or 'its problem'}: {error}") from None
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
    from pydantic import BaseModel

    from scheduler.planning.changes import ScenarioFile
    from scheduler.planning.events import Events

    if args.scenarios and args.events:
        raise UsageError("--scenarios and --events: give at most one")
    model: type[BaseModel] = ScenarioFile if args.scenarios else Events if args.events else Problem
    print(json.dumps(model.model_json_schema(), indent=1))
    return EXIT_OK


# -- Gantt charts and scenario comparison (scheduler/report/gantt.py, compare.py)


def _add_chart_commands(commands: Any) -> None:
    gantt = commands.add_parser("gantt", help="draw a schedule as a Gantt chart (HTML, PNG, SVG)")
    gantt.add_argument("schedule", type=Path, nargs="?", help="schedule file (solve --out)")
    gantt.add_argument(
        "--problem", type=Path, help="the schedule's problem file (a stored job has its own)"
    )
    gantt.add_argument("--format", choices=FORMATS, help="problem file format")
    gantt.add_argument(
        "--out", type=Path, default=Path("plan.html"), help=".html (default plan.html), .png, .svg"
    )
    gantt.add_argument("--by", choices=("machine", "order", "resource"), default="machine")
    gantt.add_argument("--title", help="chart title (default: the problem's name)")
    _add_job_arguments(gantt, "draw")
    gantt.set_defaults(run=_run_gantt)

    compare = commands.add_parser(
        "compare", help="compare schedules of one problem: KPIs side by side and small Gantts"
    )
    compare.add_argument(
        "schedules", type=Path, nargs="+", help="schedule files; the first is the base"
    )
    compare.add_argument("--problem", type=Path, required=True, help="their problem file")
    compare.add_argument("--format", choices=FORMATS, help="problem file format")
    compare.add_argument("--out", type=Path, default=Path("compare.html"), help="HTML page")
    compare.set_defaults(run=_run_compare)


def _read_schedule_file(path: Path) -> Any:
    from scheduler.formats.solution import ScheduleFileError, read_schedule

    try:
        return read_schedule(path.read_bytes(), str(path))
    except ScheduleFileError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"{path}: cannot read: {error}") from None


def _checked_schedule(problem: Problem, schedule: Any, source: str) -> Any:
    """Refuse a schedule of another problem: the chart would index past its orders."""
    from scheduler.report.gantt import schedule_mismatch

    reason = schedule_mismatch(problem, schedule)
    if reason is not None:
        raise CliError(f"{source}: not a schedule of this problem: {reason}")
    return schedule


def _job_plan(args: argparse.Namespace) -> Any:
    """The problem and schedule of the stored job `--server --job` names (`client.JobPlan`);
    the problem from `--problem` when given, else the one the job was created with."""
    from scheduler.client import SchedulerError, fetch_job_plan

    if args.job is None:
        raise UsageError("--server needs --job")
    if args.schedule is not None:
        raise UsageError("give a schedule file or --server and --job, not both")
    problem = _read_problem(args.problem, args.format) if args.problem is not None else None
    token, ca = _credentials(args.token_file, args.ca)
    try:
        return fetch_job_plan(args.server, args.job, problem, token=token, root_certificates=ca)
    except SchedulerError as error:
        raise CliError(f"{args.server}: {error}") from None
    except InvalidProblem as error:
        raise CliError(f"job {args.job}: its problem: {error}") from None


def _add_job_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--server", metavar="HOST:PORT", help=f"{what} a stored job of this server")
    parser.add_argument("--job", help="the job id (with --server)")
    parser.add_argument("--token-file", type=Path, help="bearer token file (with --server)")
    parser.add_argument("--ca", type=Path, help="CA certificate (PEM) for TLS (with --server)")


def _problem_of_file(args: argparse.Namespace) -> Problem:
    """`--problem`, required beside a schedule file."""
    if args.schedule is None:
        raise UsageError("give a schedule file, or --server HOST:PORT --job ID")
    if args.problem is None:
        raise UsageError("--problem: required with a schedule file")
    return _read_problem(args.problem, args.format)


def _run_gantt(args: argparse.Namespace) -> int:
    from scheduler.report.gantt import ImageExportError, gantt_figure, write_gantt

    if args.server is not None:
        plan = _job_plan(args)
        problem = plan.problem
        schedule = _checked_schedule(problem, plan.schedule, f"job {args.job}")
    else:
        problem = _problem_of_file(args)
        schedule = _checked_schedule(
            problem, _read_schedule_file(args.schedule), str(args.schedule)
        )
    figure = gantt_figure(problem, schedule, by=args.by, title=args.title)
    try:
        write_gantt(figure, args.out)
    except (ImageExportError, ValueError) as error:
        raise CliError(f"--out {args.out}: {error}") from None
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    print(f"wrote {args.out} ({len(schedule.operations)} operations)")
    return EXIT_OK


def _run_compare(args: argparse.Namespace) -> int:
    from scheduler.report.compare import compare_page

    problem = _read_problem(args.problem, args.format)
    scenarios = [
        (path.stem, _checked_schedule(problem, _read_schedule_file(path), str(path)))
        for path in args.schedules
    ]
    try:
        args.out.write_text(compare_page(problem, scenarios), encoding="utf-8")
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    print(f"wrote {args.out} ({len(scenarios)} scenarios)")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# Spreadsheets and MES export: template-xlsx, import-xlsx, export-xlsx, export-b2mml


def _add_spreadsheet_commands(commands: Any) -> None:
    template = commands.add_parser(
        "template-xlsx", help="write a workbook (or CSV folder) showing the problem's sheets"
    )
    template.add_argument("--out", type=Path, required=True, help="workbook (.xlsx) to write")
    template.add_argument(
        "--problem", type=Path, help="fill it with this problem (default: an example)"
    )
    template.add_argument("--csv", action="store_true", help="write a folder of CSV files instead")
    template.set_defaults(run=_run_template_xlsx)

    imports = commands.add_parser(
        "import-xlsx", help="read a problem from a workbook or a folder of CSV files"
    )
    imports.add_argument("book", type=Path, help="workbook (.xlsx), or a folder of <sheet>.csv")
    imports.add_argument("--out", type=Path, required=True, help="problem file (JSON) to write")
    imports.add_argument("--csv", action="store_true", help="BOOK is a folder of CSV files")
    imports.set_defaults(run=_run_import_xlsx)

    export = commands.add_parser(
        "export-xlsx", help="write a schedule as a workbook: plan, purchases, KPIs and the problem"
    )
    _add_schedule_arguments(export, "workbook (.xlsx) to write")
    export.add_argument("--csv", action="store_true", help="write a folder of CSV files instead")
    export.set_defaults(run=_run_export_xlsx)

    b2mml = commands.add_parser(
        "export-b2mml", help="write a schedule as an ISA-95 / B2MML ProductionSchedule"
    )
    _add_schedule_arguments(b2mml, "XML file to write")
    b2mml.add_argument(
        "--planning-start",
        help="ISO-8601 time of tick 0, for a problem without planning_start",
    )
    b2mml.set_defaults(run=_run_export_b2mml)


def _add_schedule_arguments(parser: argparse.ArgumentParser, out: str) -> None:
    parser.add_argument("schedule", type=Path, help="schedule file (scheduler solve --out)")
    parser.add_argument("--problem", type=Path, required=True, help="its problem file")
    parser.add_argument("--format", choices=FORMATS, help="problem file format")
    parser.add_argument("--out", type=Path, required=True, help=out)


def _run_template_xlsx(args: argparse.Namespace) -> int:
    from scheduler.report.csv_book import write_csv_folder
    from scheduler.report.xlsx import example_problem, write_template

    problem = example_problem() if args.problem is None else _read_problem(args.problem, None)
    try:
        if args.csv:
            write_csv_folder(args.out, problem)
        else:
            write_template(args.out, problem)
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK


def _run_import_xlsx(args: argparse.Namespace) -> int:
    from scheduler.report.csv_book import read_csv_folder
    from scheduler.report.xlsx import WorkbookError, read_workbook

    if args.csv and not args.book.is_dir():
        raise CliError(f"{args.book}: --csv needs a folder of <sheet>.csv files")
    if not args.book.exists():
        raise CliError(f"{args.book}: no such file or folder")
    try:
        problem = read_csv_folder(args.book) if args.csv else read_workbook(args.book)
    except WorkbookError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"{args.book}: cannot read: {error}") from None
    text = json.dumps(problem.model_dump(mode="json", exclude_defaults=True), indent=1)
    try:
        args.out.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    ix = problem.index
    print(f"{args.out}: {ix.n_jobs} orders, {ix.n_operations} operations, {ix.n_machines} machines")
    return EXIT_OK


def _read_verified_schedule(args: argparse.Namespace) -> tuple[Problem, Any, dict[str, Any]]:
    """The problem, its schedule (verified) and the schedule file's summary figures."""
    from scheduler.formats.solution import ScheduleFileError, read_schedule
    from scheduler.verify import verify

    problem = _read_problem(args.problem, args.format)
    try:
        text = args.schedule.read_bytes()
        schedule = read_schedule(text, str(args.schedule))
    except (ScheduleFileError, OSError) as error:
        unreadable = isinstance(error, OSError)
        message = f"{args.schedule}: cannot read: {error}" if unreadable else str(error)
        raise CliError(message) from None
    report = verify(problem, schedule)
    if not report.ok:
        reasons = "\n".join(f"  {v.message}" for v in report.violations[:20])
        raise CliError(f"{args.schedule}: not a valid schedule of {args.problem}:\n{reasons}")
    data = json.loads(text)
    keys = ("status", "objective", "best_bound", "gap")
    return problem, schedule, {k: data.get(k) for k in keys}


def _run_export_xlsx(args: argparse.Namespace) -> int:
    from scheduler.report.csv_book import write_csv_folder
    from scheduler.report.xlsx import export_plan, plan_tables
    from scheduler.schedule import evaluate

    problem, schedule, summary = _read_verified_schedule(args)
    kpis = evaluate(problem, schedule)
    try:
        if args.csv:
            write_csv_folder(args.out, problem, plan_tables(problem, schedule, kpis, summary))
        else:
            export_plan(args.out, problem, schedule, kpis, summary)
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK


def _run_export_b2mml(args: argparse.Namespace) -> int:
    from datetime import datetime

    from scheduler.report.b2mml import production_schedule, to_xml

    start = None
    if args.planning_start is not None:
        try:
            start = datetime.fromisoformat(args.planning_start)
        except ValueError:
            raise CliError(
                f"--planning-start: not an ISO-8601 timestamp: {args.planning_start!r}"
            ) from None
    problem, schedule, _ = _read_verified_schedule(args)
    try:
        root = production_schedule(problem, schedule, start, datetime.now().astimezone())
    except ValueError as error:
        raise CliError(f"{args.problem}: {error}; use --planning-start") from None
    try:
        args.out.write_bytes(to_xml(root))
    except OSError as error:
        raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK


# -- What-if scenarios (scheduler/planning/whatif.py)


def _add_whatif_command(commands: Any) -> None:
    whatif = commands.add_parser(
        "whatif", help="solve a problem and its scenarios in one budget and compare them"
    )
    whatif.add_argument("base", type=Path, help="the base problem (JSON)")
    whatif.add_argument("scenarios", type=Path, help="the scenarios file (`schema --scenarios`)")
    whatif.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds for everything (default 60)"
    )
    whatif.add_argument("--cores", type=int, help="cores to use (default: all available)")
    whatif.add_argument("--out", type=Path, help="write the comparison report (JSON) here")
    whatif.add_argument(
        "--executor",
        default="local",
        help="where the solves run: local (spawned processes, default), ray ($RAY_ADDRESS or a "
        "runtime started here), ray://host:port, auto (a running Ray cluster, else local)",
    )
    whatif.set_defaults(run=_run_whatif)


def _run_whatif(args: argparse.Namespace) -> int:
    from typing import cast

    from scheduler.executor import open_executor
    from scheduler.planning.changes import parse_scenarios_json
    from scheduler.planning.whatif import compare

    if not args.time_limit > 0:
        raise UsageError("--time-limit: must be a positive number of seconds")
    if args.cores is not None and args.cores < 1:
        raise UsageError("--cores: must be at least 1")
    base = _read_problem(args.base, "json")
    try:
        scenarios = parse_scenarios_json(args.scenarios.read_bytes())
    except OSError as error:
        raise CliError(f"{args.scenarios}: cannot read: {error}") from None
    except InvalidProblem as error:
        raise CliError(f"{args.scenarios}: {error}") from None

    def progress(name: str, event: Any) -> None:
        print(
            f"whatif: {name}: {event.elapsed:6.1f}s objective {event.objective} "
            f"bound {event.bound} gap {event.gap:.1%}",
            file=sys.stderr,
        )

    try:
        executor = open_executor(args.executor, cores=args.cores)
    except ValueError as error:
        raise UsageError(f"--executor: {error}") from None
    stop = StopToken()
    try:
        report = cast(
            dict[str, Any],
            _solve_interruptibly(
                lambda: compare(
                    base,
                    scenarios,
                    args.time_limit,
                    cores=args.cores,
                    stop=stop,
                    on_progress=progress,
                    executor=executor,
                ),
                stop,
            ),
        )
    except InvalidProblem as error:
        raise CliError(f"{args.scenarios}: {error}") from None
    except ConnectionError as error:
        raise CliError(f"--executor {args.executor}: cannot connect: {error}") from None
    finally:
        executor.close()
    for entry in (report["base"], *report["scenarios"]):
        objective = entry.get("deltas", {}).get("objective", {})
        if not objective:
            change = "(base)"
        elif objective.get("proven"):
            change = f"Δ {objective['delta']:+} proven"
        elif objective.get("low") is not None:
            change = f"Δ {objective['delta']:+} in [{objective['low']:+}, {objective['high']:+}]"
        else:
            change = f"Δ {objective.get('delta')}"
        gap = "-" if entry["gap"] is None else f"{entry['gap']:.1%}"
        print(
            f"{entry['name']:<24} {entry['status']:<10} objective {entry['objective']} "
            f"bound {entry['best_bound']} gap {gap}  {change}"
        )
    print(f"wall time {report['wall_time']} s of {report['budget']} s")
    if args.out is not None:
        try:
            args.out.write_text(json.dumps(report, indent=1) + "\n")
        except OSError as error:
            raise CliError(f"{args.out}: cannot write: {error}") from None
    # A scenario without a schedule (a rush order that cannot fit) is an answer; no base is not.
    return EXIT_OK if report["base"]["verified"] else EXIT_NO_SCHEDULE


# --------------------------------------------------------------------------------------------------
# scheduler reschedule: a released plan plus shop-floor events (scheduler/planning/reschedule.py)


def _plan_command(commands: Any, name: str, summary: str) -> Any:
    """A subcommand about a plan: the problem file, then `--plan` (its schedule file)."""
    parser = commands.add_parser(name, help=summary)
    parser.add_argument("problem", type=Path, help="the problem the plan is for")
    parser.add_argument("--plan", type=Path, required=True, help="the plan (a schedule file)")
    return parser


def _add_reschedule_command(commands: Any) -> None:
    parser = _plan_command(
        commands,
        "reschedule",
        "replan a released schedule after shop-floor events, changing little",
    )
    parser.add_argument("--events", type=Path, required=True, help="the events file (JSON)")
    parser.add_argument("--now", type=int, help="current tick (default: the last event's time)")
    parser.add_argument("--freeze", type=int, default=0, help="ticks after now kept as released")
    parser.add_argument("--stability", type=int, default=1, help="stability weight (0: fresh)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--workers", type=int, help="CP-SAT workers (default: one per core, ≤ 8)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, help="write the new schedule file (JSON, with diff)")
    parser.set_defaults(run=_run_reschedule, gap=0.0, log=False)


def _run_reschedule(args: argparse.Namespace) -> int:
    from scheduler.formats.solution import dumps, result_to_json
    from scheduler.planning.reschedule import RescheduleError, diff, parse_events, prepare
    from scheduler.solve import solve

    params = _params(args)
    stop = StopToken()
    deadline = Deadline(params.time_limit, stop)
    if args.freeze < 0 or args.stability < 0 or (args.now is not None and args.now < 0):
        raise CliError("--now, --freeze and --stability must not be negative")
    problem = _read_problem(args.problem, "json")
    released = _read_schedule_file(args.plan)
    try:
        events = parse_events(json.loads(args.events.read_bytes()))
        prepared = prepare(
            problem, released, events, now=args.now, freeze=args.freeze, weight=args.stability
        )
    except OSError as error:
        raise CliError(f"{args.events}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise CliError(f"{args.events}: not JSON: {error}") from None
    except RescheduleError as error:
        raise CliError(f"{args.events}: {error}") from None
    current = prepared.problem
    result = _solve_interruptibly(
        lambda: solve(current, params, deadline=deadline, pins=prepared.pins), stop
    )
    _print_summary(result)
    if result.schedule is None:
        return EXIT_NO_SCHEDULE
    changes = diff(problem, released, current, result.schedule)
    counts = ", ".join(f"{n} {name}" for name, n in changes.counts().items())
    print(f"against the released plan: {counts}")
    for title, orders in (
        ("late now", changes.became_late),
        ("on time now", changes.became_on_time),
    ):
        if orders:
            print(f"  {title}: {', '.join(orders)}")
    if args.out is not None:
        document = result_to_json(current, result)
        document["diff"] = changes.to_json()
        try:
            args.out.write_text(dumps(document))
        except OSError as error:
            raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# scheduler promise: capable-to-promise for a new order (scheduler/planning/promise.py)


def _add_promise_command(commands: Any) -> None:
    parser = _plan_command(
        commands, "promise", "the earliest completion a plan can offer a new order, within a second"
    )
    parser.add_argument("--order", type=Path, required=True, help="the new order (JSON)")
    parser.add_argument("--now", type=int, default=0, help="current tick (default 0)")
    parser.add_argument("--time-limit", type=float, default=1.0, help="seconds (default 1)")
    parser.add_argument("--out", type=Path, help="write the plan with the order (JSON)")
    parser.set_defaults(run=_run_promise)


def _run_promise(args: argparse.Namespace) -> int:
    from scheduler.formats.solution import dumps, purchases_to_json, schedule_to_json
    from scheduler.planning.promise import PROMISED, promise
    from scheduler.planning.reschedule import RescheduleError
    from scheduler.problem import Order

    if args.now < 0 or args.time_limit <= 0:
        raise CliError("--now must not be negative and --time-limit must be positive")
    deadline = Deadline(args.time_limit)
    problem = _read_problem(args.problem, "json")
    plan = _read_schedule_file(args.plan)
    try:
        order = Order.model_validate_json(args.order.read_bytes())
        answer = promise(problem, plan, order, now=args.now, deadline=deadline)
    except OSError as error:
        raise CliError(f"{args.order}: cannot read: {error}") from None
    except ValidationError as error:
        reasons = "; ".join(str(v) for v in violations_of(error))
        raise CliError(f"{args.order}: {reasons}") from None
    except RescheduleError as error:
        raise CliError(f"{args.plan}: {error}") from None
    if answer.status != PROMISED:
        print(f"{answer.order_id}: cannot promise: {answer.reason}")
        return EXIT_NO_SCHEDULE
    assert answer.schedule is not None and answer.completion is not None
    when = answer.problem.time_at(answer.completion)
    at = f" ({when.isoformat()})" if when is not None else ""
    print(
        f"{answer.order_id}: promised for tick {answer.completion}{at}; "
        f"{answer.moved} operations of the plan move"
    )
    if args.out is not None:
        document = {
            "order_id": answer.order_id,
            "status": answer.status,
            "completion": answer.completion,
            "operations": schedule_to_json(answer.problem, answer.schedule),
            "purchases": purchases_to_json(answer.problem, answer.schedule),
        }
        try:
            args.out.write_text(dumps(document))
        except OSError as error:
            raise CliError(f"{args.out}: cannot write: {error}") from None
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# scheduler bench: named instance sets, one subprocess per solve, peers alongside (scheduler/bench/)


def _add_bench_command(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="benchmark a set of instances against the best known bounds and the peers"
    )
    what = "set31, a catalogue family (ta, brandimarte, ...), jssp, fjsp, instance names, "
    what += "ta41+ or la16..la20, or a folder or file of instances"
    bench.add_argument("sets", nargs="*", metavar="SET", help=what)
    bench.add_argument("--set", action="append", default=[], dest="more_sets", help="also SET")
    bench.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve (10)")
    bench.add_argument("--workers", type=int, default=2, help="CP-SAT workers per solve (2)")
    bench.add_argument("--seed", type=int, default=0, help="random seed of every solve (0)")
    bench.add_argument("--peers", default="", help="comma-separated: textbook, pyjobshop")
    bench.add_argument("--out", type=Path, help="write one JSON line per solve here")
    bench.add_argument(
        "--resume",
        type=Path,
        help="skip the solves this JSON lines file holds (without a SET: only print its table)",
    )
    bench.add_argument("--table", type=Path, help="also write the Markdown table here")
    bench.set_defaults(run=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    from scheduler.bench.runner import BenchError, Settings, read_rows, run
    from scheduler.bench.sets import SetError, resolve
    from scheduler.bench.table import markdown

    if not args.time_limit > 0 or args.workers < 1 or args.seed < 0:
        raise UsageError("--time-limit must be > 0, --workers >= 1 and --seed >= 0")
    if not args.sets and not args.more_sets and args.resume is not None:
        # No set: the table of an earlier run's rows, by this version's table code.
        try:
            return _bench_table(markdown(read_rows(args.resume)), args.table)
        except BenchError as error:
            raise UsageError(str(error)) from None
    try:
        instances = resolve([*args.sets, *args.more_sets])
    except SetError as error:
        raise UsageError(str(error)) from None
    peers = [p for p in args.peers.replace(" ", "").split(",") if p]
    settings = Settings(args.time_limit, args.workers, args.seed)
    stop = StopToken()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.stop())
    try:
        done = read_rows(args.resume) if args.resume and args.resume.exists() else []
        out_path = args.out or args.resume
        # A resumed file grows; a new --out starts empty.
        mode = "a" if out_path is not None and out_path == args.resume else "w"
        with _open_or_none(out_path, mode) as out:
            rows = run(
                instances,
                ["ours", *peers],
                settings,
                done=done,
                out=out,
                stop=stop,
                on_tick=_bench_progress(),
            )
    except BenchError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise CliError(f"{out_path}: cannot write: {error}") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if stop.stopped:
        print("\nstopped: the table holds the solves that finished", file=sys.stderr)
    _bench_table(markdown(rows), args.table)
    return 130 if stop.stopped else EXIT_OK


def _bench_table(table: str, path: Path | None) -> int:
    """Print a benchmark's Markdown table and write it to `path` too, if given."""
    print(table, end="")
    if path is not None:
        try:
            path.write_text(table, encoding="utf-8")
        except OSError as error:
            raise CliError(f"{path}: cannot write: {error}") from None
    return EXIT_OK


def _open_or_none(path: Path | None, mode: str) -> Any:
    import contextlib

    return contextlib.nullcontext(None) if path is None else open(path, mode, encoding="utf-8")


def _bench_progress() -> Any:
    """A progress bar on a terminal; one line per started solve otherwise (logs stay readable)."""
    terminal = sys.stderr.isatty()
    shown = [-1]

    def tick(done: int, total: int, label: str, elapsed: float) -> None:
        if terminal:
            filled = 30 * done // max(1, total)
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done == total else ""
            print(f"\r[{bar}] {done}/{total} {label:<28} {elapsed:5.1f}s", end=end, file=sys.stderr)
        elif done != shown[0] and done < total:
            print(f"bench: {done + 1}/{total} {label}", file=sys.stderr, flush=True)
        shown[0] = done

    return tick


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
