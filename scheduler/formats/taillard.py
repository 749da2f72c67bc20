"""Taillard job shop files: sizes, an n x m matrix of times, then an n x m matrix of machines.

    Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound
        15   15   840612802   398197754   1231   1005
    Times
    94 66 10 ...
    Machines
    7 13 5 ...

The header text, the numbers after `n m`, and the `Times` / `Machines` lines are optional.
Machines are 1-based.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.formats._text import (
    Cursor,
    Line,
    Routing,
    build_problem,
    is_int,
    is_number,
    name_from_source,
    number_width,
    one_mode_routings,
)
from scheduler.problem import Problem

FORMAT = "taillard"
HEADER = "Nb of jobs, Nb of Machines"


def section_keyword(line: Line) -> str | None:
    """The section a title line opens, "times" or "machines"; None for any other line."""
    if len(line.tokens) != 1:
        return None
    word = line.tokens[0].lower().rstrip(":")
    return word if word in ("times", "machines") else None


def is_header(line: Line) -> bool:
    return section_keyword(line) is None and not is_int(line.tokens[0])


def read_taillard(text: str, source: str = "<string>", name: str | None = None) -> Problem:
    cursor = Cursor(text, source, FORMAT)
    size = cursor.first()
    if is_header(size):
        if cursor.at_end():
            raise cursor.error(size, "the header is not followed by the size line 'jobs machines'")
        size = cursor.next()
    n, m = cursor.size_line(size, 2, None)
    for k, token in enumerate(size.tokens[2:], start=3):
        if not is_number(token):
            raise cursor.error(size, f"value {k} of the size line, {token!r}, is not a number")

    titled = _section_title(cursor, "times")
    time_lines, times = _matrix(cursor, n, m, size, "processing times", cursor.duration)
    if not _section_title(cursor, "machines") and titled:
        after = cursor.peek()
        raise cursor.error(
            after.number if after else size.number,
            f"expected 'Machines' after the {n} rows of processing times",
        )

    def machine(line: Line, index: int, what: str) -> int:
        return cursor.machine(line, index, what, m, base=1)

    _, machines = _matrix(cursor, n, m, size, "machines", machine)
    cursor.finish(f"the {n} rows of machines")
    jobs: list[Routing] = [
        [[(machine_row[k], time_row[k])] for k in range(m)]
        for time_row, machine_row in zip(times, machines, strict=True)
    ]
    return build_problem(
        name_from_source(source) if name is None else name,
        m,
        jobs,
        [line.number for line in time_lines],
        source,
    )


def _section_title(cursor: Cursor, keyword: str) -> bool:
    line = cursor.peek()
    if line is not None and section_keyword(line) == keyword:
        cursor.next()
        return True
    return False


def _matrix(
    cursor: Cursor,
    n: int,
    m: int,
    size: Line,
    what: str,
    value: Callable[[Line, int, str], int],
) -> tuple[list[Line], list[list[int]]]:
    """n rows of m values each, in file order so that the first bad value is the one reported."""
    lines: list[Line] = []
    rows: list[list[int]] = []
    for j in range(n):
        line = cursor.peek()
        if line is None:
            raise cursor.error(
                size, f"declares {n} jobs but the file ends after {j} row(s) of {what}"
            )
        if section_keyword(line) is not None:
            raise cursor.error(
                line, f"expected {n} rows of {what}, found {j} before {line.tokens[0]!r}"
            )
        cursor.next()
        if len(line.tokens) != m:
            raise cursor.error(line, f"job {j}: expected {m} {what}, found {len(line.tokens)}")
        lines.append(line)
        rows.append([value(line, k, f"job {j}, operation {k}") for k in range(m)])
    return lines, rows


def write_taillard(problem: Problem) -> str:
    """The problem as a Taillard file (header, `Times` and `Machines` sections).

    Only the routing survives, as with write_orlib; raises ValueError for a flexible problem or one
    whose jobs do not each have one operation per machine.
    """
    rows = one_mode_routings(problem, FORMAT)
    times = [[duration for _, duration in row] for row in rows]
    machines = [[machine + 1 for machine, _ in row] for row in rows]
    lines = [HEADER, f"{len(rows)} {len(problem.machines)}", "Times"]
    lines.extend(_aligned(times))
    lines.append("Machines")
    lines.extend(_aligned(machines))
    return "\n".join(lines) + "\n"


def _aligned(matrix: list[list[int]]) -> list[str]:
    width = number_width([v for row in matrix for v in row])
    return [" ".join(f"{v:>{width}}" for v in row) for row in matrix]
