"""Spreadsheets in and out: template, import with errors at sheet/row/column, export round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scheduler.cli import EXIT_INPUT, EXIT_OK, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.problem import Problem, parse_problem_json
from scheduler.report.csv_book import read_csv_folder, write_csv_folder
from scheduler.report.xlsx import (
    SHEETS,
    WorkbookError,
    example_problem,
    iso_duration,
    read_workbook,
    write_template,
)

ASSEMBLY = Path(__file__).resolve().parent.parent / "instances" / "factory" / "assembly.json"


def _write(problem: Problem, tmp_path: Path, fmt: str) -> Path:
    """The problem as a workbook (fmt "xlsx") or a folder of CSV files (fmt "csv")."""
    if fmt == "xlsx":
        path = tmp_path / "book.xlsx"
        write_template(path, problem)
    else:
        path = tmp_path / "book"
        write_csv_folder(path, problem)
    return path


def _set(book: Path, sheet: str, row: int, column: str, value: object) -> None:
    """Set one cell, found by its row number and header, in a workbook or a CSV folder."""
    if book.is_dir():
        path = book / f"{sheet}.csv"
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        position = rows[0].index(column)
        rows[row - 1][position] = str(value)
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(rows)
        return
    workbook = load_workbook(book)
    ws = workbook[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    workbook.save(book)


def _import_error(book: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Import through the CLI, which must refuse it; its error message."""
    assert main(["import-xlsx", str(book), "--out", str(book.parent / "p.json")]) == EXIT_INPUT
    return capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_imports_to_the_example_plant(tmp_path, fmt, capsys):
    """template-xlsx (or --csv) writes the example plant; import-xlsx reads it back equal."""
    book = tmp_path / ("t.xlsx" if fmt == "xlsx" else "t")
    flags = ["--csv"] if fmt == "csv" else []
    assert main(["template-xlsx", "--out", str(book), *flags]) == EXIT_OK
    out = tmp_path / "problem.json"
    assert main(["import-xlsx", str(book), "--out", str(out), *flags]) == EXIT_OK
    assert parse_problem_json(out.read_text()) == example_problem()
    assert "2 orders, 6 operations, 5 machines" in capsys.readouterr().out


def test_the_template_covers_every_field_of_the_problem():
    """Every field of every model of the problem file has a column (or a sheet) in the template."""
    from scheduler import problem as model

    columns = {c.target for sheet in SHEETS for c in sheet.columns}
    nested = {"shifts", "exceptions", "setups", "suppliers", "operations", "machines"}
    nested |= {"predecessors", "resources", "consumes", "produces", "objective", "terms"}
    nested |= {"levels", "calendars", "families", "items", "purchase_orders", "orders"}
    missing = [
        f"{cls.__name__}.{name}"
        for cls in vars(model).values()
        if isinstance(cls, type) and issubclass(cls, model._Frozen) and cls is not model._Frozen
        for name in cls.model_fields
        if name not in columns | nested
    ]
    assert missing == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "expected"),
    [
        ("orders", 1, "due", "colour", "orders row 1, column C: unknown column 'colour'"),
        ("modes", 3, "machine", "press-9", "modes row 3, column machine: unknown machine id"),
        ("modes", 2, "duration", "ninety", "modes row 2, column duration: expected a whole number"),
        ("orders", 2, "id", "", "orders row 2, column id: a value is required"),
        ("operations", 3, "family", "pink", "operations row 3, column family: unknown family"),
        ("operations", 4, "order", "SO-9", "operations row 4, column order: unknown order 'SO-9'"),
        ("setups", 2, "machine", "saw-9", "setups row 2, column machine: unknown machine 'saw-9'"),
        ("exceptions", 2, "end", 10, "exceptions row 2: give start and end both as ticks"),
        ("shifts", 2, "start", "6:00", "shifts row 2, column start: String should match pattern"),
        ("suppliers", 2, "lead_time", -5, "suppliers row 2, column lead_time: Input should be"),
        ("predecessors", 2, "predecessor", "zz", "predecessors row 2, column predecessor: unknown"),
        (
            "resource_needs",
            2,
            "resources",
            "painter-a, ghost",
            "column resources: entry 2: unknown",
        ),
        ("objective", 2, "kind", "speed", "objective row 2, column kind: Input should be"),
        ("settings", 2, "tick", "5", "settings row 2, column tick: must be an ISO-8601 duration"),
    ],
)
def test_an_error_names_the_sheet_row_and_column(
    tmp_path, capsys, fmt, sheet, row, column, value, expected
):
    """A wrong column, an unknown id, a bad or missing value: the error names sheet, row, column."""
    book = _write(example_problem(), tmp_path, fmt)
    _set(book, sheet, row, column, value)
    assert expected in _import_error(book, capsys)


def test_a_number_stored_as_text_is_refused(tmp_path, capsys):
    """Strict like the JSON file: the text "100" in a whole-number column is not the number 100."""
    book = _write(example_problem(), tmp_path, "xlsx")
    _set(book, "orders", 2, "release", "100")
    error = _import_error(book, capsys)
    assert 'orders row 2, column release: expected a whole number, got the text "100"' in error


def test_previous_predecessor_with_listed_rows_is_refused(tmp_path, capsys):
    """An operation following the row above cannot also have rows in the predecessors sheet."""
    book = _write(example_problem(), tmp_path, "xlsx")
    _set(book, "operations", 6, "predecessors", "previous")  # SO-1002 paint, which lists saw
    assert "predecessors row 2, column operation: operations row 6 says" in _import_error(
        book, capsys
    )


def test_an_unknown_sheet_and_a_missing_sheet_are_named(tmp_path):
    """A misspelt sheet is refused with the sheet names; a required sheet missing is named."""
    book = _write(example_problem(), tmp_path, "xlsx")
    workbook = load_workbook(book)
    workbook["modes"].title = "mode"
    workbook.save(book)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(book)
    assert [str(e).split(":")[0] for e in caught.value.errors] == ["mode", "modes"]


def test_explicit_empty_predecessors_survive_the_round_trip(tmp_path):
    """`predecessors: []` (listed, none) and absent (the previous operation) stay apart."""
    problem = example_problem()
    assert problem.orders[1].operations[0].predecessors == []
    assert problem.orders[0].operations[1].predecessors is None
    assert read_workbook(_write(problem, tmp_path, "xlsx")) == problem


def test_iso_duration_reads_back():
    """The tick written to the settings sheet parses back to the same length."""
    from datetime import timedelta

    from scheduler.problem import _tick_length

    for length in (timedelta(minutes=1), timedelta(hours=1, seconds=30), timedelta(days=1)):
        assert _tick_length(iso_duration(length)) == length
    assert _tick_length(iso_duration(timedelta(seconds=0.5))) == timedelta(seconds=0.5)


def _solve(problem_path: Path, tmp_path: Path) -> Path:
    schedule = tmp_path / "schedule.json"
    args = ["solve", str(problem_path), "--time-limit", "2", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(schedule)]) == EXIT_OK
    return schedule


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("instance", ["assembly", "ft06"])
def test_import_solve_export_edit_import_round_trips(tmp_path, capsys, instance, fmt):
    """Import -> solve -> export -> edit a due date -> import gives the problem with that edit."""
    original = (
        read_problem(ASSEMBLY) if instance == "assembly" else read_problem(instance_path("ft06"))
    )
    book = _write(original, tmp_path, fmt)
    problem_json = tmp_path / "problem.json"
    flags = ["--csv"] if fmt == "csv" else []
    assert main(["import-xlsx", str(book), "--out", str(problem_json), *flags]) == EXIT_OK
    assert read_problem(problem_json) == original
    schedule = _solve(problem_json, tmp_path)
    plan = tmp_path / ("plan.xlsx" if fmt == "xlsx" else "plan")
    export = ["export-xlsx", str(schedule), "--problem", str(problem_json), "--out", str(plan)]
    assert main([*export, *flags]) == EXIT_OK
    _set(plan, "orders", 3, "due", 4321)
    again = tmp_path / "again.json"
    assert main(["import-xlsx", str(plan), "--out", str(again), *flags]) == EXIT_OK
    orders = list(original.orders)
    orders[1] = orders[1].model_copy(update={"due": 4321})
    assert read_problem(again) == original.model_copy(update={"orders": orders})


def test_the_plan_sheet_has_every_operation_with_dates_filters_and_a_frozen_header(tmp_path):
    """export-xlsx: one plan row per operation, timestamps, autofilter, frozen header, KPIs."""
    schedule = _solve(ASSEMBLY, tmp_path)
    plan = tmp_path / "plan.xlsx"
    args = ["export-xlsx", str(schedule), "--problem", str(ASSEMBLY), "--out", str(plan)]
    assert main(args) == EXIT_OK
    workbook = load_workbook(plan)
    ws = workbook["plan"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["order", "operation", "machine", "start", "end", "start_time", "end_time"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    operations = json.loads(schedule.read_text())["operations"]
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        (o["order_id"], o["operation_id"]) for o in operations
    )
    first = next(o for o in operations if (o["order_id"], o["operation_id"]) == rows[0][:2])
    assert rows[0][5].isoformat() == first["start_time"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}{len(rows) + 1}"
    kpis = {r[0]: r[1] for r in workbook["kpis"].iter_rows(min_row=2, values_only=True)}
    assert kpis["makespan"] == max(o["end"] for o in operations)
    assert workbook.sheetnames[:3] == ["plan", "purchases", "kpis"]


def test_export_refuses_a_schedule_that_does_not_verify(tmp_path, capsys):
    """A schedule file that breaks the problem's rules is not exported to planners."""
    schedule = _solve(instance_path("ft06"), tmp_path)
    data = json.loads(schedule.read_text())
    data["operations"][0]["end"] += 1
    schedule.write_text(json.dumps(data))
    args = ["export-xlsx", str(schedule), "--problem", str(instance_path("ft06"))]
    assert main([*args, "--out", str(tmp_path / "p.xlsx")]) == EXIT_INPUT
    assert "not a valid schedule" in capsys.readouterr().err


def test_csv_folder_and_workbook_read_the_same_problem(tmp_path):
    """The CSV files of a plant read back to the same problem as its workbook."""
    problem = read_problem(ASSEMBLY)
    assert read_csv_folder(_write(problem, tmp_path, "csv")) == problem
    assert read_workbook(_write(problem, tmp_path, "xlsx")) == problem


def test_a_clock_time_cell_reads_as_the_shift_time(tmp_path):
    """Excel makes a typed 06:00 a time cell; in a shift it is the clock time "06:00"."""
    from datetime import time

    book = _write(example_problem(), tmp_path, "xlsx")
    _set(book, "shifts", 2, "start", time(5, 30))
    shift = read_workbook(book).calendars[0].shifts[0]
    assert shift.start == "05:30"


def test_a_value_in_a_column_without_a_header_is_refused(tmp_path, capsys):
    """Data right of the last header is not silently dropped: its cell is named."""
    book = _write(example_problem(), tmp_path, "xlsx")
    workbook = load_workbook(book)
    workbook["orders"].cell(row=3, column=9, value=5)
    workbook.save(book)
    assert "orders row 3, column I: a value in a column without a header" in _import_error(
        book, capsys
    )


def test_id_columns_are_formatted_as_text(tmp_path):
    """An order id typed as 1001 into the template stays the text "1001" (Text column format)."""
    workbook = load_workbook(_write(example_problem(), tmp_path, "xlsx"))
    orders = workbook["orders"]
    assert orders.column_dimensions["A"].number_format == "@"  # id
    assert orders.column_dimensions["B"].number_format == "General"  # release, a number
