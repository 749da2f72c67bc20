"""FJSPLIB flexible job shop files (the Brandimarte / Hurink layout).

    n m [average machines per operation]
    k  c m d m d ...  c m d ...      <- one line per job: k operations, each with c (machine, duration)

Machines are 1-based.
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.formats._text import (
    Cursor,
    Line,
    Routing,
    build_problem,
    is_number,
    name_from_source,
    small_int,
)
from scheduler.problem import Problem

FORMAT = "fjsplib"


def read_fjsplib(text: str, source: str = "<string>", name: str | None = None) -> Problem:
    cursor = Cursor(text, source, FORMAT)
    size = cursor.first()
    n, m = cursor.size_line(size, 2, 3)
    if len(size.tokens) == 3 and not is_number(size.tokens[2]):
        raise cursor.error(
            size, f"average machines per operation: {size.tokens[2]!r} is not a number"
        )
    jobs: list[Routing] = []
    job_lines: list[int] = []
    for j in range(n):
        if cursor.at_end():
            raise cursor.error(size, f"declares {n} jobs but the file ends after {j} job line(s)")
        line = cursor.next()
        jobs.append(_job(cursor, line, j, m))
        job_lines.append(line.number)
    cursor.finish(f"the {n} jobs declared on line {size.number}")
    return build_problem(
        name_from_source(source) if name is None else name, m, jobs, job_lines, source
    )


def _job(cursor: Cursor, line: Line, j: int, m: int) -> Routing:
    tokens = line.tokens
    k = cursor.int_at(line, 0, f"job {j}, number of operations")
    if k < 1:
        raise cursor.error(line, f"job {j}: number of operations must be at least 1, found {k}")
    routing: Routing = []
    pos = 1
    for op in range(k):
        what = f"job {j}, operation {op}"
        if pos >= len(tokens):
            raise cursor.error(
                line, f"job {j}: declares {k} operations but the line ends after {op}"
            )
        c = cursor.int_at(line, pos, f"{what}, number of machines")
        if c < 1:
            raise cursor.error(line, f"{what}: number of machines must be at least 1, found {c}")
        if pos + 1 + 2 * c > len(tokens):
            raise cursor.error(
                line,
                f"{what}: declares {c} machine-duration pairs but the line has only "
                f"{len(tokens) - pos - 1} more number(s)",
            )
        modes: list[tuple[int, int]] = []
        for e in range(c):
            at = pos + 1 + 2 * e
            machine = cursor.machine(line, at, what, m, base=1)
            if any(machine == seen for seen, _ in modes):
                raise cursor.error(line, f"{what}: machine {machine + 1} is listed twice")
            modes.append((machine, cursor.duration(line, at + 1, what)))
        routing.append(modes)
        pos += 1 + 2 * c
    if pos != len(tokens):
        raise cursor.error(
            line,
            f"job {j}: {len(tokens) - pos} unexpected number(s) after its {k} operations",
        )
    return routing


def fits_grammar(tokens: Sequence[str], m: int) -> bool:
    """Whether a job line parses as FJSPLIB with machines 1..m (used to detect the format)."""
    parsed = [small_int(t) for t in tokens]
    values = [v for v in parsed if v is not None]
    if not values or len(values) != len(parsed):
        return False
    k, pos = values[0], 1
    if k < 1:
        return False
    for _ in range(k):
        if pos >= len(values):
            return False
        c = values[pos]
        end = pos + 1 + 2 * c
        if c < 1 or end > len(values):
            return False
        machines = values[pos + 1 : end : 2]
        durations = values[pos + 2 : end : 2]
        if not all(1 <= x <= m for x in machines) or min(durations) < 0:
            return False
        pos = end
    return pos == len(values)


def write_fjsplib(problem: Problem) -> str:
    """The problem as an FJSPLIB file; any problem fits (flexible or not).

    Only the routing survives: ids become m0.., j0.., o0.., and releases, due dates, weights and
    the objective are dropped.
    """
    index = problem.index
    n_modes = len(index.mode_machine)
    average = f"{n_modes / index.n_operations:.2f}".rstrip("0").rstrip(".")
    lines = [f"{index.n_jobs} {index.n_machines} {average}"]
    for order in problem.orders:
        tokens = [str(len(order.operations))]
        for op in order.operations:
            tokens.append(str(len(op.machines)))
            for mode in op.machines:
                tokens.append(str(index.machine_of_id[mode.machine_id] + 1))
                tokens.append(str(mode.time(order.quantity)))
        lines.append(" ".join(tokens))
    return "\n".join(lines) + "\n"
