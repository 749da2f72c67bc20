"""Spreadsheets in and out: the problem as one sheet per entity, and the plan for planners.

A workbook (or a folder of CSV files, one per sheet: `scheduler.report.csv_book`) holds the problem
file's data in flat tables with a header row. Child rows name their parent by id (an operation row
names its `order`, a mode row its `order` and `operation`); the order of rows is the order of the
lists in the problem (the routing of an order is its operations' rows in sheet order). Values are
read as strictly as the JSON problem file reads them: a whole number is a number cell, not the text
"100"; timestamps are ISO-8601 text (or date cells); the tick is an ISO-8601 duration ("PT1M").

Every error names the sheet, the row and the column: problems found while reading cells directly,
and the problem's own validation errors (field paths such as
`orders[3].operations[1].machines[0].machine_id`) mapped back to the cell they came from.

`export_plan` writes the plan (one row per operation), the purchases and the KPIs next to the
problem's sheets, so that editing the problem's sheets of an exported plan and importing it gives
the edited problem back; the output sheets (`OUTPUT_SHEETS`) are ignored on import.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]
from pydantic import BaseModel

from scheduler.problem import InvalidProblem, ObjectiveKind, Problem, describe_json, parse_problem
from scheduler.schedule import Kpis, Schedule

Kind = Literal[
    "id", "text", "int", "float", "bool", "time", "timestamp", "duration", "ids", "clock"
]
"""How a column's cells are read (see `_EXPECTED` for what each accepts)."""


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, how its cells read, and the problem field it fills."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    field: str | None = None
    """The problem file's field this column fills (default: `name`)."""
    ref: bool = False
    """A reference to the parent row (`order`, `operation`, `machine`...), not a field."""

    @property
    def target(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Sheet:
    name: str
    doc: str
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def by_field(self) -> dict[str, str]:
        """Problem field -> column name, for the columns that fill a field."""
        return {c.target: c.name for c in self.columns if not c.ref}


def _id(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, "id", doc, required=True, **kw)


_ORDER = _id("order", "id of the order (orders sheet)", ref=True)
_OPERATION = _id("operation", "id of the operation within its order (operations sheet)", ref=True)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "settings",
        "the problem itself: at most one row",
        (
            Column("name", "text", "name of the problem"),
            Column(
                "planning_start",
                "timestamp",
                "wall-clock time of tick 0, ISO-8601 (2025-03-03T06:00:00+01:00); blank: ticks only",
            ),
            Column("tick", "duration", 'length of a tick, ISO-8601 duration ("PT1M" default)'),
        ),
    ),
    Sheet(
        "objective",
        "what to minimise: one row per term; levels in lexicographic order (blank: makespan)",
        (
            Column("level", "int", "1, 2, ...: priority level of the term (blank: 1)", ref=True),
            Column("kind", "text", "makespan, total_weighted_tardiness, ...", required=True),
            Column("weight", "int", "weight of the term in its level's sum (default 1)"),
            Column("tolerance", "float", "share its level may give up for the next (default 0)"),
        ),
    ),
    Sheet("calendars", "working-time calendars", (_id("id", "calendar id"),)),
    Sheet(
        "shifts",
        "weekly shifts of the calendars",
        (
            _id("calendar", "calendar id (calendars sheet)", ref=True),
            Column("days", "ids", "weekdays, comma separated: mon, tue, ...", required=True),
            Column("start", "clock", "HH:MM", required=True),
            Column("end", "clock", "HH:MM (at or before start: runs past midnight)", required=True),
        ),
    ),
    Sheet(
        "exceptions",
        "dated downtime (holidays, maintenance) or extra working time of the calendars",
        (
            _id("calendar", "calendar id (calendars sheet)", ref=True),
            Column("start", "time", "tick, or ISO-8601 timestamp", required=True),
            Column("end", "time", "exclusive end, like start", required=True),
            Column("working", "bool", "TRUE: extra working time; FALSE (default): downtime"),
            Column("reason", "text", "why"),
        ),
    ),
    Sheet(
        "families",
        "product families (changeovers)",
        (_id("id", "family id"), Column("name", "text", "display name")),
    ),
    Sheet(
        "machines",
        "machines (work centres)",
        (
            _id("id", "machine id"),
            Column("name", "text", "display name"),
            Column("capacity", "int", "operations at a time (default 1)"),
            Column("calendar", "id", "calendar id; blank: always available"),
        ),
        required=True,
    ),
    Sheet(
        "setups",
        "sequence-dependent changeovers per machine",
        (
            _id("machine", "machine id (machines sheet)", ref=True),
            Column("from_family", "id", "family before; blank: the machine's first operation"),
            Column("to_family", "id", "family after", required=True),
            Column("time", "int", "changeover ticks (default 0)"),
            Column("cost", "int", "changeover cost (default 0)"),
        ),
    ),
    Sheet(
        "resources",
        "secondary resources (crews, tools)",
        (
            _id("id", "resource id"),
            Column("name", "text", "display name"),
            Column("kind", "text", "operator (default), tool or other"),
            Column("capacity", "int", "units (default 1)"),
            Column("calendar", "id", "calendar id; blank: always available"),
        ),
    ),
    Sheet(
        "items",
        "materials: purchased components and intermediates",
        (
            _id("id", "item id"),
            Column("name", "text", "display name"),
            Column("stock", "int", "on hand at tick 0 (default 0)"),
        ),
    ),
    Sheet(
        "suppliers",
        "where each item can be bought",
        (
            _id("item", "item id (items sheet)", ref=True),
            _id("id", "supplier id, unique per item"),
            Column("lead_time", "int", "ticks from order to arrival", required=True),
            Column("unit_cost", "int", "cost per unit (default 0)"),
            Column("min_order_quantity", "int", "smallest purchase (default 1)"),
        ),
    ),
    Sheet(
        "purchase_orders",
        "purchases already placed",
        (
            Column("id", "text", "purchase order number"),
            _id("item", "item id (items sheet)", field="item_id"),
            Column("quantity", "int", "units", required=True),
            Column("arrival", "int", "arrival tick", required=True),
        ),
    ),
    Sheet(
        "orders",
        "production orders",
        (
            _id("id", "order id"),
            Column("release", "int", "earliest start, tick (default 0)"),
            Column("due", "int", "soft due date, tick"),
            Column("deadline", "int", "hard latest completion, tick"),
            Column("weight", "int", "priority weight (default 1)"),
            Column("quantity", "int", "units; scales per_unit times (default 1)"),
        ),
        required=True,
    ),
    Sheet(
        "operations",
        "the routing: the operations of each order, in order",
        (
            _ORDER,
            _id("id", "operation id, unique within its order"),
            Column(
                "predecessors",
                "text",
                "previous: after the operation above (blank without rows in the predecessors "
                "sheet); listed: exactly its rows in the predecessors sheet (possibly none)",
                ref=True,
            ),
            Column("resumable", "bool", "TRUE: may pause over non-working time"),
            Column("family", "id", "product family id, for changeovers"),
        ),
        required=True,
    ),
    Sheet(
        "predecessors",
        "routing links: the operation starts after the predecessor ends, within lags",
        (
            _ORDER,
            _OPERATION,
            _id("predecessor", "id of the operation before it", field="operation_id"),
            Column("min_lag", "int", "at least this many ticks after its end (default 0)"),
            Column("max_lag", "int", "at most this many ticks after its end (0: no-wait)"),
        ),
    ),
    Sheet(
        "modes",
        "eligible machines of each operation, with their processing times",
        (
            _ORDER,
            _OPERATION,
            _id("machine", "machine id (machines sheet)", field="machine_id"),
            Column("duration", "int", "processing ticks; or blank and setup + per_unit"),
            Column("setup", "int", "fixed ticks per run, without duration"),
            Column("per_unit", "int", "ticks per unit of the order's quantity, without duration"),
        ),
        required=True,
    ),
    Sheet(
        "resource_needs",
        "resources each operation holds while it runs, one row per need",
        (
            _ORDER,
            _OPERATION,
            Column("resources", "ids", "qualified resource ids, comma separated", required=True),
            Column("quantity", "int", "units held (default 1)"),
        ),
    ),
    Sheet(
        "materials",
        "items operations consume (at start) or produce (at end)",
        (
            _ORDER,
            _OPERATION,
            Column("flow", "text", "consumes or produces", required=True, ref=True),
            _id("item", "item id (items sheet)", field="item_id"),
            Column("quantity", "int", "units", required=True),
        ),
    ),
)
"""The problem's sheets, in the order a workbook shows them."""

SHEET = {s.name: s for s in SHEETS}
OUTPUT_SHEETS = ("about", "plan", "purchases", "kpis", "order_kpis", "machine_kpis")
"""Sheets `export_plan` and `write_template` add for people; import ignores them."""

_EXPECTED = {
    "id": "text (an id)",
    "text": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "TRUE or FALSE",
    "time": "a tick (whole number) or an ISO-8601 timestamp",
    "timestamp": "an ISO-8601 timestamp",
    "duration": 'an ISO-8601 duration such as "PT1M"',
    "ids": "a comma-separated list of ids",
    "clock": "a clock time, HH:MM",
}


# --------------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True, slots=True)
class CellError:
    """One reason a workbook is refused, at its sheet, row (1 is the header) and column."""

    sheet: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class WorkbookError(ValueError):
    """A workbook or CSV folder was refused; `errors` names each sheet, row and column."""

    def __init__(self, source: str, errors: Sequence[CellError]):
        self.source = source
        self.errors = list(errors)
        lines = "\n".join(f"  {e}" for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{source}: {len(self.errors)} error(s):\n{lines}{more}")


# --------------------------------------------------------------------------------------------------
# Reading cells: the same for workbooks and CSV files


@dataclass
class Row:
    sheet: str
    number: int
    """Spreadsheet row number: the header is row 1."""
    values: dict[str, Any]
    """The row's non-blank cells by column name, read as their column's kind."""


Book = dict[str, list[Row]]
"""Rows per problem sheet (absent sheets have none)."""


def read_table(
    sheet_name: str, rows: Iterable[Sequence[Any]], errors: list[CellError], text: bool
) -> list[Row] | None:
    """Rows of one sheet from its header row and data rows (cell values as the file gives them;
    `text`: every cell is text, as in CSV). None when the sheet is not one of the problem's."""
    sheet = SHEET.get(sheet_name)
    if sheet is None:
        if sheet_name not in OUTPUT_SHEETS:
            known = ", ".join(s.name for s in SHEETS)
            errors.append(
                CellError(sheet_name, None, None, f"unknown sheet; the sheets are {known}")
            )
        return None
    it = iter(rows)
    header = next(it, None)
    header_cells = list(header or ())
    columns: list[Column | None] = []
    seen: set[str] = set()
    for position, cell in enumerate(header_cells):
        name = cell.strip() if isinstance(cell, str) else cell
        column = sheet.column(name) if isinstance(name, str) else None
        if name is None or name == "":
            columns.append(None)
            continue
        if column is None or name in seen:
            reason = (
                f"column {name!r} appears twice"
                if name in seen
                else f"unknown column {name!r}; the columns are "
                + ", ".join(c.name for c in sheet.columns)
            )
            errors.append(CellError(sheet_name, 1, _letter(position), reason))
        seen.add(str(name))
        columns.append(column)
    missing = [c.name for c in sheet.columns if c.required and c.name not in seen]
    if header is not None and missing:
        errors.append(CellError(sheet_name, 1, None, f"missing column(s): {', '.join(missing)}"))
    result = []
    for number, cells in enumerate(it, start=2):
        if not any(_filled(c) for c in cells):
            continue  # a blank row
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for position, cell in enumerate(cells):
            column = columns[position] if position < len(columns) else None
            if not _filled(cell):
                continue
            if column is None:
                if position >= len(columns) or not _filled(header_cells[position]):
                    reason = "a value in a column without a header"
                    errors.append(CellError(sheet_name, number, _letter(position), reason))
                continue
            try:
                values[column.name] = _cell(column.kind, cell.strip() if text else cell, text)
            except ValueError as error:
                errors.append(CellError(sheet_name, number, column.name, str(error)))
                bad.add(column.name)
        for c in sheet.columns:
            if c.required and c.name in seen and c.name not in values and c.name not in bad:
                errors.append(CellError(sheet_name, number, c.name, "a value is required"))
        result.append(Row(sheet_name, number, values))
    return result


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position (0: A, 26: AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_WHOLE = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _cell(kind: Kind, value: Any, text: bool) -> Any:
    """A cell value as its column's kind reads it; ValueError says what was expected and got."""
    if text:
        assert isinstance(value, str)
        if kind in ("int", "time") and _WHOLE.fullmatch(value):
            return int(value)
        if kind == "float" and _NUMBER.fullmatch(value):
            return float(value)
        if kind == "bool" and value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
    if kind == "clock" and isinstance(value, time):
        # Excel turns a typed 06:00 into a time cell; as text it is the same clock time.
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if kind in ("id", "text", "duration", "clock") and isinstance(value, str):
        return value
    if kind == "ids" and isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind in ("time", "timestamp") and (
        isinstance(value, datetime | str)
        or (kind == "time" and isinstance(value, int) and not isinstance(value, bool))
    ):
        return value
    raise ValueError(f"expected {_EXPECTED[kind]}, got {_describe(value, text)}")


def _describe(value: Any, text: bool) -> str:
    if isinstance(value, str):
        return f"the text {json.dumps(value)[:80]}" + ("" if text else " (a text cell)")
    if isinstance(value, datetime):
        return f"the date {value.isoformat()}"
    return describe_json(value)


# --------------------------------------------------------------------------------------------------
# Rows -> problem


@dataclass
class _Origins:
    """Where each part of the problem data came from: field path -> (sheet, row, column); the row
    is None for a whole sheet, the column None for a whole row."""

    rows: dict[str, tuple[str, int | None, str | None]] = field(default_factory=dict)

    def note(self, path: str, row: Row, column: str | None = None) -> None:
        self.rows[path] = (row.sheet, row.number, column)

    def locate(self, path: str, reason: str) -> CellError:
        """The cell a problem field path came from; the nearest row, when the path goes deeper
        than one row's cells (the reason then names the rest of the path)."""
        prefix, rest = path, ""
        while prefix:
            if prefix in self.rows:
                sheet, row, column = self.rows[prefix]
                first = re.match(r"\.?(\w+)", rest)
                if column is None and first:
                    column = SHEET[sheet].by_field.get(first.group(1))
                    rest = rest[first.end() :] if column else rest
                if column:
                    return CellError(sheet, row, column, _with_path(rest, reason))
                return CellError(sheet, row, None, _with_path(rest.lstrip("."), reason))
            cut = max(prefix.rfind("."), prefix.rfind("["))
            prefix, rest = prefix[: max(cut, 0)], prefix[max(cut, 0) :] + rest
        return CellError("workbook", None, None, _with_path(path, reason))


def _with_path(path: str, reason: str) -> str:
    entry = re.fullmatch(r"\[(\d+)\]", path)
    if entry:  # an entry of a comma-separated list cell
        return f"entry {int(entry.group(1)) + 1}: {reason}"
    return f"{path.lstrip('.')}: {reason}" if path.strip(".") else reason


def _fields(row: Row) -> dict[str, Any]:
    """The problem fields a row fills (reference columns left out)."""
    sheet = SHEET[row.sheet]
    out = {}
    for name, value in row.values.items():
        column = sheet.column(name)
        assert column is not None
        if not column.ref:
            out[column.target] = value
    return out


class _Builder:
    """Assembles the problem's plain data from the rows, noting where each part came from."""

    def __init__(self, book: Book):
        self.book = book
        self.errors: list[CellError] = []
        self.origins = _Origins()
        for sheet in SHEETS:
            self.origins.rows[sheet.name] = (sheet.name, None, None)

    def rows(self, sheet: str) -> list[Row]:
        return self.book.get(sheet, [])

    def entities(
        self, path: str, sheet: str, *lists: str
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """One entity per row of `sheet`, with empty child lists; and position by id."""
        out: list[dict[str, Any]] = []
        position: dict[str, int] = {}
        for row in self.rows(sheet):
            self.origins.note(f"{path}[{len(out)}]", row)
            if isinstance(row.values.get("id"), str):
                position.setdefault(row.values["id"], len(out))
            out.append(_fields(row) | {name: [] for name in lists})
        return out, position

    def parent(self, row: Row, column: str, position: dict[Any, int], what: str) -> int | None:
        key = row.values.get(column)
        if key is None:
            return None
        if key not in position:
            self.errors.append(CellError(row.sheet, row.number, column, f"unknown {what} {key!r}"))
            return None
        return position[key]

    def attach(
        self,
        sheet: str,
        parents: list[dict[str, Any]],
        path: str,
        position: dict[str, int],
        column: str,
        child: str,
    ) -> None:
        """Append each row of `sheet` to the `child` list of the parent its `column` names."""
        for row in self.rows(sheet):
            p = self.parent(row, column, position, column)
            if p is not None:
                children = parents[p][child]
                self.origins.note(f"{path}[{p}].{child}[{len(children)}]", row)
                children.append(_fields(row))

    def build(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        settings = self.rows("settings")
        for extra in settings[1:]:
            self.errors.append(CellError("settings", extra.number, None, "only one row allowed"))
        if settings:
            data.update(_fields(settings[0]))
            for name in _fields(settings[0]):
                self.origins.note(name, settings[0], name)
        self.objective(data)
        calendars, cal_pos = self.entities("calendars", "calendars", "shifts", "exceptions")
        for sheet in ("shifts", "exceptions"):
            self.attach(sheet, calendars, "calendars", cal_pos, "calendar", sheet)
        families, _ = self.entities("families", "families")
        machines, machine_pos = self.entities("machines", "machines", "setups")
        self.attach("setups", machines, "machines", machine_pos, "machine", "setups")
        resources, _ = self.entities("resources", "resources")
        items, item_pos = self.entities("items", "items", "suppliers")
        self.attach("suppliers", items, "items", item_pos, "item", "suppliers")
        purchases, _ = self.entities("purchase_orders", "purchase_orders")
        orders, order_pos = self.entities("orders", "orders", "operations")
        self.operations(orders, order_pos)
        for name, value in (
            ("calendars", calendars),
            ("families", families),
            ("machines", machines),
            ("resources", resources),
            ("items", items),
            ("purchase_orders", purchases),
            ("orders", orders),
        ):
            if value or name in ("machines", "orders"):
                data[name] = value
        return data

    def objective(self, data: dict[str, Any]) -> None:
        levels: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows("objective"):
            level = row.values.get("level", 1)
            if level < 1:
                self.errors.append(CellError("objective", row.number, "level", "must be 1 or more"))
                continue
            levels[level].append(row)
        out = []
        for i, number in enumerate(sorted(levels)):
            rows = levels[number]
            self.origins.note(f"objective.levels[{i}]", rows[0])
            tolerances = {r.values["tolerance"] for r in rows if "tolerance" in r.values}
            if len(tolerances) > 1:
                self.errors.append(
                    CellError("objective", rows[-1].number, "tolerance", "differs within a level")
                )
            terms = []
            for t, row in enumerate(rows):
                self.origins.note(f"objective.levels[{i}].terms[{t}]", row)
                terms.append({k: v for k, v in _fields(row).items() if k != "tolerance"})
            entry: dict[str, Any] = {"terms": terms}
            if tolerances:
                entry["tolerance"] = next(iter(tolerances))
            out.append(entry)
        if out:
            data["objective"] = {"levels": out}

    def operations(self, orders: list[dict[str, Any]], order_pos: dict[str, int]) -> None:
        position: dict[tuple[str, str], tuple[int, int]] = {}
        mode: dict[tuple[int, int], tuple[Row, str | None]] = {}
        for row in self.rows("operations"):
            j = self.parent(row, "order", order_pos, "order")
            if j is None:
                continue
            ops = orders[j]["operations"]
            k = len(ops)
            self.origins.note(f"orders[{j}].operations[{k}]", row)
            ops.append(
                _fields(row) | {"machines": [], "resources": [], "consumes": [], "produces": []}
            )
            if isinstance(row.values.get("id"), str):
                position.setdefault((row.values["order"], row.values["id"]), (j, k))
            setting = row.values.get("predecessors")
            if setting not in (None, "previous", "listed"):
                self.errors.append(
                    CellError(row.sheet, row.number, "predecessors", "must be previous or listed")
                )
                setting = None
            mode[j, k] = (row, setting)
        children = (
            ("predecessors", "predecessors"),
            ("modes", "machines"),
            ("resource_needs", "resources"),
        )
        for sheet, child in children:
            for row in self.rows(sheet):
                jk = self.operation(row, position)
                if jk is None:
                    continue
                j, k = jk
                op = orders[j]["operations"][k]
                if sheet == "predecessors":
                    op_row, setting = mode[j, k]
                    if setting == "previous":
                        self.errors.append(
                            CellError(
                                sheet,
                                row.number,
                                "operation",
                                f"operations row {op_row.number} says its predecessor is the "
                                "previous operation; write listed there to give its own",
                            )
                        )
                        continue
                    op.setdefault("predecessors", [])
                self.origins.note(f"orders[{j}].operations[{k}].{child}[{len(op[child])}]", row)
                op[child].append(_fields(row))
        for (j, k), (_, setting) in mode.items():
            if setting == "listed":
                orders[j]["operations"][k].setdefault("predecessors", [])
        for row in self.rows("materials"):
            jk = self.operation(row, position)
            flow = row.values.get("flow")
            if flow not in ("consumes", "produces"):
                if flow is not None:
                    self.errors.append(
                        CellError(row.sheet, row.number, "flow", "must be consumes or produces")
                    )
                continue
            if jk is not None:
                op = orders[jk[0]]["operations"][jk[1]]
                self.origins.note(
                    f"orders[{jk[0]}].operations[{jk[1]}].{flow}[{len(op[flow])}]", row
                )
                op[flow].append(_fields(row))

    def operation(self, row: Row, position: dict[tuple[str, str], tuple[int, int]]) -> Any:
        order, op = row.values.get("order"), row.values.get("operation")
        if order is None or op is None:
            return None
        if (order, op) not in position:
            self.errors.append(
                CellError(
                    row.sheet,
                    row.number,
                    "operation",
                    f"unknown operation {op!r} of order {order!r}",
                )
            )
            return None
        return position[order, op]


def book_to_problem(book: Book, source: str, errors: Sequence[CellError] = ()) -> Problem:
    """The problem the rows describe; WorkbookError naming sheet, row and column otherwise."""
    builder = _Builder(book)
    data = builder.build()
    found = [*errors, *builder.errors]
    if found:
        raise WorkbookError(source, found)
    try:
        return parse_problem(data)
    except InvalidProblem as error:
        located = [builder.origins.locate(v.field, v.reason) for v in error.violations]
        raise WorkbookError(source, located) from None


def read_workbook(path: str | Path) -> Problem:
    """Read a problem from a workbook (.xlsx) or a folder of CSV files (one per sheet)."""
    path = Path(path)
    if path.is_dir():
        from scheduler.report.csv_book import read_csv_folder

        return read_csv_folder(path)

    errors: list[CellError] = []
    book: Book = {}
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, BadZipFile, InvalidFileException) as error:
        reason = f"cannot read it as a workbook: {error}"
        raise WorkbookError(str(path), [CellError("workbook", None, None, reason)]) from None
    try:
        for worksheet in workbook.worksheets:
            rows = read_table(
                worksheet.title, worksheet.iter_rows(values_only=True), errors, text=False
            )
            if rows is not None:
                book[worksheet.title] = rows
    finally:
        workbook.close()
    _require_sheets(book, errors)
    return book_to_problem(book, str(path), errors)


def _require_sheets(book: Book, errors: list[CellError]) -> None:
    for sheet in SHEETS:
        if sheet.required and sheet.name not in book:
            errors.append(CellError(sheet.name, None, None, "the sheet is missing"))


# --------------------------------------------------------------------------------------------------
# Problem -> rows


def problem_tables(problem: Problem) -> dict[str, list[dict[str, Any]]]:
    """The problem as rows (column name -> value) per sheet; fields at their default are left
    blank, so that reading the rows back gives an equal problem."""
    tables: dict[str, list[dict[str, Any]]] = {s.name: [] for s in SHEETS}
    settings = _row("settings", problem)
    if settings:
        tables["settings"].append(settings)
    for number, level in enumerate(problem.objective.levels, start=1):
        for t, term in enumerate(level.terms):
            row = {"level": number} | _row("objective", term)
            if t == 0 and level.tolerance:
                row["tolerance"] = level.tolerance
            tables["objective"].append(row)
    for calendar in problem.calendars:
        tables["calendars"].append({"id": calendar.id})
        for shift in calendar.shifts:
            tables["shifts"].append({"calendar": calendar.id} | _row("shifts", shift))
        for exception in calendar.exceptions:
            tables["exceptions"].append({"calendar": calendar.id} | _row("exceptions", exception))
    tables["families"] = [_row("families", f) for f in problem.families]
    for machine in problem.machines:
        tables["machines"].append(_row("machines", machine))
        for rule in machine.setups:
            tables["setups"].append({"machine": machine.id} | _row("setups", rule))
    tables["resources"] = [_row("resources", r) for r in problem.resources]
    for item in problem.items:
        tables["items"].append(_row("items", item))
        for supplier in item.suppliers:
            tables["suppliers"].append({"item": item.id} | _row("suppliers", supplier))
    tables["purchase_orders"] = [_row("purchase_orders", p) for p in problem.purchase_orders]
    for order in problem.orders:
        tables["orders"].append(_row("orders", order))
        for op in order.operations:
            key = {"order": order.id, "operation": op.id}
            row = {"order": order.id} | _row("operations", op)
            if op.predecessors is not None:
                row["predecessors"] = "listed"
            tables["operations"].append(row)
            for pred in op.predecessors or ():
                tables["predecessors"].append(key | _row("predecessors", pred))
            tables["modes"].extend(key | _row("modes", m) for m in op.machines)
            tables["resource_needs"].extend(key | _row("resource_needs", n) for n in op.resources)
            for flow in ("consumes", "produces"):
                for material in getattr(op, flow):
                    tables["materials"].append(key | {"flow": flow} | _row("materials", material))
    return tables


def _row(sheet_name: str, model: BaseModel) -> dict[str, Any]:
    """The columns of `sheet_name` that `model` fills, where not at their default."""
    sheet = SHEET[sheet_name]
    fields = type(model).model_fields
    row: dict[str, Any] = {}
    for column in sheet.columns:
        name = column.target
        if column.ref or name not in fields:
            continue
        value = getattr(model, name)
        if value is None or value == fields[name].get_default(call_default_factory=True):
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, timedelta):
            value = iso_duration(value)
        elif isinstance(value, list):
            value = ", ".join(value)
        row[column.name] = value
    return row


def iso_duration(length: timedelta) -> str:
    """An ISO-8601 duration the problem file reads back to `length` ("PT1M", "P1DT2H")."""
    days, seconds, micro = length.days, length.seconds, length.microseconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs or micro:
        clock += f"{secs}.{micro:06d}".rstrip("0").rstrip(".") + "S"
    return text + ("T" + clock if clock else "") if text + clock != "P" else "PT0S"


# --------------------------------------------------------------------------------------------------
# Writing workbooks


Table = tuple[Sequence[str], list[dict[str, Any]]]
"""Column names and rows, for a sheet that is written but not read back."""


def sheet_tables(problem: Problem) -> Iterator[tuple[str, Sequence[str], list[dict[str, Any]]]]:
    """(sheet, columns, rows) of every problem sheet, in workbook order."""
    tables = problem_tables(problem)
    for sheet in SHEETS:
        yield sheet.name, [c.name for c in sheet.columns], tables[sheet.name]


def about_table() -> Table:
    """What each sheet and column means, for people reading a workbook."""
    rows = []
    for sheet in SHEETS:
        rows.append({"sheet": sheet.name, "column": "", "meaning": sheet.doc})
        for c in sheet.columns:
            needed = " (required)" if c.required else ""
            rows.append({"sheet": sheet.name, "column": c.name, "meaning": c.doc + needed})
    return ("sheet", "column", "meaning"), rows


def write_workbook(
    path: str | Path, problem: Problem, outputs: dict[str, Table] | None = None
) -> None:
    """Write the problem's sheets (and `outputs` first, for people) as a workbook."""

    workbook = Workbook()
    workbook.remove(workbook.active)
    text_kinds = ("id", "text", "timestamp", "duration", "ids", "clock")
    sheets: list[tuple[str, Sequence[str], list[dict[str, Any]], set[str]]] = [
        (name, columns, rows, set()) for name, (columns, rows) in (outputs or {}).items()
    ]
    for name, columns, rows in sheet_tables(problem):
        text = {c.name for c in SHEET[name].columns if c.kind in text_kinds}
        sheets.append((name, columns, rows, text))
    bold = Font(bold=True)
    for name, columns, rows, text in sheets:
        ws = workbook.create_sheet(name)
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([row.get(c) for c in columns])
        for position, column in enumerate(columns):
            letter = _letter(position)
            width = max([len(column), *(len(str(r.get(column, ""))) for r in rows[:200])])
            ws.column_dimensions[letter].width = min(60, width + 2)
            if column in text:
                # Typed into a text column, "1001" stays the id "1001", not a number.
                ws.column_dimensions[letter].number_format = "@"
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{_letter(max(len(columns) - 1, 0))}{len(rows) + 1}"
    workbook.save(path)


def write_template(path: str | Path, problem: Problem | None = None) -> None:
    """A workbook showing the layout, filled with `problem` (default: a small example plant)."""
    write_workbook(path, problem or example_problem(), {"about": about_table()})


def plan_tables(
    problem: Problem, schedule: Schedule, kpis: Kpis, summary: dict[str, Any]
) -> dict[str, Table]:
    """The plan (one row per operation), purchases and KPIs, for people."""
    dated = problem.planning_start is not None
    plan_columns = ["order", "operation", "machine", "start", "end"]
    plan_columns += ["start_time", "end_time"] if dated else []
    plan_columns += ["resources", "family", "order_due", "order_deadline"]
    plan = []
    for op in sorted(schedule.operations, key=lambda o: (o.start, o.machine, o.job, o.index)):
        order = problem.orders[op.job]
        operation = order.operations[op.index]
        row: dict[str, Any] = {
            "order": order.id,
            "operation": operation.id,
            "machine": problem.machines[op.machine].id,
            "start": op.start,
            "end": op.end,
            "resources": ", ".join(problem.resources[r].id for r in op.resources),
            "family": operation.family,
            "order_due": order.due,
            "order_deadline": order.deadline,
        }
        if dated:
            row["start_time"] = _naive(problem.time_at(op.start))
            row["end_time"] = _naive(problem.time_at(op.end))
        plan.append(row)
    purchase_columns = ["item", "supplier", "quantity", "order_time", "arrival", "cost"]
    purchase_columns += ["order_timestamp", "arrival_time"] if dated else []
    purchases = []
    for p in schedule.purchases:
        item = problem.items[p.item]
        supplier = item.suppliers[p.supplier]
        row = {
            "item": item.id,
            "supplier": supplier.id,
            "quantity": p.quantity,
            "order_time": p.order_time,
            "arrival": p.arrival,
            "cost": p.quantity * supplier.unit_cost,
        }
        if dated:
            row["order_timestamp"] = _naive(problem.time_at(p.order_time))
            row["arrival_time"] = _naive(problem.time_at(p.arrival))
        purchases.append(row)
    figures = {k: v for k, v in summary.items() if v is not None}
    figures |= kpis.model_dump(exclude={"orders", "machines"})
    order_rows = [o.model_dump() | {"waited_for": "; ".join(o.waited_for)} for o in kpis.orders]
    machine_rows = [m.model_dump() for m in kpis.machines]
    return {
        "plan": (plan_columns, plan),
        "purchases": (purchase_columns, purchases),
        "kpis": (("kpi", "value"), [{"kpi": k, "value": v} for k, v in figures.items()]),
        "order_kpis": (tuple(next(iter(order_rows), {}).keys()) or ("order_id",), order_rows),
        "machine_kpis": (
            tuple(next(iter(machine_rows), {}).keys()) or ("machine_id",),
            machine_rows,
        ),
    }


def _naive(moment: datetime | None) -> datetime | None:
    """Spreadsheets hold no UTC offset: the plant's clock time, as planners read it."""
    return None if moment is None else moment.replace(tzinfo=None)


def export_plan(
    path: str | Path,
    problem: Problem,
    schedule: Schedule,
    kpis: Kpis,
    summary: dict[str, Any] | None = None,
) -> None:
    """Write the plan, purchases and KPIs, then the problem's own sheets (read back by import)."""
    write_workbook(path, problem, plan_tables(problem, schedule, kpis, summary or {}))


# --------------------------------------------------------------------------------------------------
# The example plant of the template


def example_problem() -> Problem:
    """A small plant that uses every field of the problem file, for the template workbook."""
    week = ["mon", "tue", "wed", "thu", "fri"]
    return parse_problem(
        {
            "name": "example plant",
            "planning_start": "2025-03-03T06:00:00+01:00",
            "tick": "PT1M",
            "calendars": [
                {
                    "id": "two-shift",
                    "shifts": [
                        {"days": week, "start": "06:00", "end": "14:00"},
                        {"days": week, "start": "14:00", "end": "22:00"},
                    ],
                    "exceptions": [
                        {
                            "start": "2025-03-05T06:00:00+01:00",
                            "end": "2025-03-05T14:00:00+01:00",
                            "reason": "preventive maintenance",
                        },
                        {
                            "start": "2025-03-08T06:00:00+01:00",
                            "end": "2025-03-08T14:00:00+01:00",
                            "working": True,
                            "reason": "Saturday shift",
                        },
                    ],
                },
                {"id": "night", "shifts": [{"days": week, "start": "22:00", "end": "06:00"}]},
            ],
            "families": [{"id": "white", "name": "White powder"}, {"id": "black"}],
            "machines": [
                {"id": "saw-1", "name": "Saw 1", "calendar": "two-shift"},
                {
                    "id": "paint-1",
                    "name": "Paint booth 1",
                    "calendar": "two-shift",
                    "setups": [
                        {"to_family": "white", "time": 10, "cost": 10},
                        {"from_family": "white", "to_family": "black", "time": 15, "cost": 30},
                        {"from_family": "black", "to_family": "white", "time": 45, "cost": 120},
                    ],
                },
                {"id": "paint-2", "name": "Paint booth 2", "calendar": "two-shift"},
                {"id": "oven-1", "name": "Curing oven", "capacity": 4, "calendar": "night"},
                {"id": "assembly-1", "name": "Assembly station 1"},
            ],
            "resources": [
                {"id": "painter-a", "name": "Painter crew A", "calendar": "two-shift"},
                {"id": "painter-b", "name": "Painter crew B", "capacity": 2},
                {"id": "jig-1", "name": "Assembly jig", "kind": "tool"},
            ],
            "items": [
                {
                    "id": "powder",
                    "name": "Powder coating (kg)",
                    "stock": 40,
                    "suppliers": [
                        {"id": "express", "lead_time": 1440, "unit_cost": 12},
                        {
                            "id": "bulk",
                            "lead_time": 7200,
                            "unit_cost": 8,
                            "min_order_quantity": 200,
                        },
                    ],
                },
                {"id": "frame", "name": "Painted frame"},
            ],
            "purchase_orders": [
                {"id": "PO-7001", "item_id": "powder", "quantity": 100, "arrival": 2880}
            ],
            "orders": [
                {
                    "id": "SO-1001",
                    "quantity": 20,
                    "due": 2400,
                    "weight": 2,
                    "operations": [
                        {"id": "saw", "machines": [{"machine_id": "saw-1", "duration": 90}]},
                        {
                            "id": "paint",
                            "family": "white",
                            "machines": [
                                {"machine_id": "paint-1", "setup": 20, "per_unit": 3},
                                {"machine_id": "paint-2", "setup": 20, "per_unit": 4},
                            ],
                            "resources": [{"resources": ["painter-a", "painter-b"]}],
                            "consumes": [{"item_id": "powder", "quantity": 30}],
                            "produces": [{"item_id": "frame", "quantity": 20}],
                        },
                        {
                            "id": "cure",
                            "resumable": True,
                            "machines": [{"machine_id": "oven-1", "duration": 240}],
                        },
                    ],
                },
                {
                    "id": "SO-1002",
                    "release": 480,
                    "deadline": 10080,
                    "operations": [
                        {
                            "id": "saw",
                            "predecessors": [],
                            "machines": [{"machine_id": "saw-1", "duration": 60}],
                        },
                        {
                            "id": "paint",
                            "family": "black",
                            "predecessors": [{"operation_id": "saw", "max_lag": 120}],
                            "machines": [{"machine_id": "paint-1", "duration": 45}],
                            "consumes": [{"item_id": "powder", "quantity": 10}],
                        },
                        {
                            "id": "assemble",
                            "predecessors": [{"operation_id": "paint", "min_lag": 60}],
                            "machines": [{"machine_id": "assembly-1", "duration": 30}],
                            "resources": [{"resources": ["jig-1"]}],
                            "consumes": [{"item_id": "frame", "quantity": 5}],
                        },
                    ],
                },
            ],
            "objective": {
                "levels": [
                    {"terms": [{"kind": "total_weighted_tardiness"}], "tolerance": 0.1},
                    {
                        "terms": [
                            {"kind": ObjectiveKind.SETUP_COST.value},
                            {"kind": "purchase_cost", "weight": 2},
                        ]
                    },
                ]
            },
        }
    )


__all__ = [
    "OUTPUT_SHEETS",
    "SHEETS",
    "CellError",
    "Column",
    "Sheet",
    "WorkbookError",
    "book_to_problem",
    "example_problem",
    "export_plan",
    "iso_duration",
    "problem_tables",
    "read_table",
    "read_workbook",
    "write_template",
    "write_workbook",
]
