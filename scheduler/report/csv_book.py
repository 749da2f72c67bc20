"""The problem's sheets as a folder of CSV files: `orders.csv`, `operations.csv`, `modes.csv`...

The same sheets, columns and rules as the workbook (`scheduler.report.xlsx.SHEETS`); each file is
UTF-8 (a byte-order mark is allowed), comma separated, with a header row. Every cell is text, so a
column's cells are read by its kind: `100` in a whole-number column is the number 100, `TRUE` or
`FALSE` a boolean, and anything else there is refused naming the file, row and column. Row numbers
count records with the header as row 1, as a spreadsheet program shows them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from scheduler.problem import Problem
from scheduler.report.xlsx import (
    OUTPUT_SHEETS,
    SHEETS,
    Book,
    CellError,
    Table,
    WorkbookError,
    book_to_problem,
    read_table,
    sheet_tables,
)


def read_csv_folder(folder: str | Path) -> Problem:
    """Read a problem from a folder holding one `<sheet>.csv` per sheet."""
    folder = Path(folder)
    errors: list[CellError] = []
    book: Book = {}
    for path in sorted(folder.glob("*.csv")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as file:
                rows = read_table(path.stem, list(csv.reader(file)), errors, text=True)
        except (UnicodeDecodeError, csv.Error) as error:
            errors.append(CellError(path.stem, None, None, f"cannot read {path.name}: {error}"))
            continue
        if rows is not None:
            book[path.stem] = rows
    for sheet in SHEETS:
        if sheet.required and sheet.name not in book:
            errors.append(CellError(sheet.name, None, None, f"{sheet.name}.csv is missing"))
    return book_to_problem(book, str(folder), errors)


def write_csv_folder(
    folder: str | Path, problem: Problem, outputs: dict[str, Table] | None = None
) -> list[Path]:
    """Write the problem's sheets, and `outputs` (the plan's sheets, not read back), as
    `<sheet>.csv` files in `folder` (created); the written paths.

    Every sheet is written, a header alone when it has no rows, so that no file left from an
    earlier problem in the folder is read back as part of this one.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables = [(name, columns, rows) for name, (columns, rows) in (outputs or {}).items()]
    for name, columns, rows in [*tables, *sheet_tables(problem)]:
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            writer.writerows([_text(row.get(c)) for c in columns] for row in rows)
        written.append(path)
    return written


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


__all__ = ["OUTPUT_SHEETS", "WorkbookError", "read_csv_folder", "write_csv_folder"]
