"""OR-Library job shop files: `n m`, then one line of m `machine duration` pairs per job.

Machines are 0-based. Lines starting with `#` are comments (the JSPLIB convention).
"""

from __future__ import annotations

from scheduler.formats._text import (
    Cursor,
    Routing,
    build_problem,
    comment_safe,
    name_from_source,
    number_width,
    one_mode_routings,
)
from scheduler.problem import Problem

FORMAT = "orlib"


def read_orlib(text: str, source: str = "<string>", name: str | None = None) -> Problem:
    cursor = Cursor(text, source, FORMAT)
    size = cursor.first()
    n, m = cursor.size_line(size, 2, 2)
    jobs: list[Routing] = []
    job_lines: list[int] = []
    for j in range(n):
        if cursor.at_end():
            raise cursor.error(size, f"declares {n} jobs but the file ends after {j} job line(s)")
        line = cursor.next()
        if len(line.tokens) != 2 * m:
            raise cursor.error(
                line,
                f"job {j}: expected {2 * m} numbers ({m} machine-duration pairs), "
                f"found {len(line.tokens)}",
            )
        routing: Routing = []
        for k in range(m):
            what = f"job {j}, operation {k}"
            machine = cursor.machine(line, 2 * k, what, m, base=0)
            routing.append([(machine, cursor.duration(line, 2 * k + 1, what))])
        jobs.append(routing)
        job_lines.append(line.number)
    cursor.finish(f"the {n} jobs declared on line {size.number}")
    return build_problem(
        name_from_source(source) if name is None else name, m, jobs, job_lines, source
    )


def write_orlib(problem: Problem) -> str:
    """The problem as an OR-Library job shop file.

    Only the routing survives: ids become m0.., j0.., o0.., and releases, due dates, weights and
    the objective are dropped. Raises ValueError for a flexible problem or one whose jobs do not
    each have one operation per machine.
    """
    rows = one_mode_routings(problem, FORMAT)
    width = number_width([v for row in rows for pair in row for v in pair])
    lines = [f"# {comment_safe(problem.name)}"] if comment_safe(problem.name) else []
    lines.append(f"{len(rows)} {len(problem.machines)}")
    lines.extend(
        " ".join(f"{machine:>{width}} {duration:>{width}}" for machine, duration in row)
        for row in rows
    )
    return "\n".join(lines) + "\n"
