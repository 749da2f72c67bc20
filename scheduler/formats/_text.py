"""Shared machinery of the text readers: FormatError, numbered data lines, number parsing.

Every reader turns any malformation into a FormatError naming the physical (1-based) line, so a
user who feeds a broken file gets `ta01.txt:7: ...` and never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.problem import (
    MAX_MACHINES,
    FieldViolation,
    InvalidProblem,
    Problem,
    parse_problem,
)

_INT = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
# Longer tokens cannot be valid ticks anyway, and Python refuses to convert very long digit strings.
_MAX_DIGITS = 19
_MAX_VIOLATIONS_SHOWN = 10
_JOB_FIELD = re.compile(r"^orders\[(\d+)\]")


class FormatError(ValueError):
    """A problem file could not be read: which file, which line (1-based, or None) and why."""

    def __init__(
        self,
        source: str,
        line: int | None,
        message: str,
        violations: Sequence[FieldViolation] = (),
    ):
        self.source = source
        self.line = line
        self.message = message
        self.violations = tuple(violations)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce would call __init__ with the formatted string alone.
        return (type(self), (self.source, self.line, self.message, self.violations))


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank, non-comment line: its 1-based number in the file and its tokens."""

    number: int
    tokens: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def data_lines(text: str) -> list[Line]:
    """The lines that carry data; blank lines and `#` comment lines are skipped."""
    result = []
    # str.split("\n") rather than splitlines(): the latter also breaks on form feeds and other
    # separators, which would make our line numbers disagree with the user's editor.
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            result.append(Line(number, stripped.split()))
    return result


def is_int(token: str) -> bool:
    return _INT.fullmatch(token) is not None


def small_int(token: str) -> int | None:
    """The token's value when it is an integer of sane length, else None."""
    if not is_int(token) or len(token.lstrip("-")) > _MAX_DIGITS:
        return None
    return int(token)


def is_number(token: str) -> bool:
    return _NUMBER.fullmatch(token) is not None


def name_from_source(source: str) -> str:
    """The problem name a source implies: the file's stem, or "" for pseudo-sources like <stdin>."""
    if not source or source.startswith("<"):
        return ""
    return Path(source).stem[:256]


class Cursor:
    """Walks the data lines of one file, raising FormatError with the right line number."""

    def __init__(self, text: str, source: str, format_name: str):
        self.source = source
        self.format_name = format_name
        self.lines = data_lines(text)
        self.pos = 0

    def error(self, line: int | Line | None, message: str) -> FormatError:
        number = line.number if isinstance(line, Line) else line
        return FormatError(self.source, number, message)

    def first(self) -> Line:
        if not self.lines:
            raise self.error(None, f"empty file: no {self.format_name} data")
        return self.next()

    def peek(self) -> Line | None:
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def next(self) -> Line:
        line = self.lines[self.pos]
        self.pos += 1
        return line

    def at_end(self) -> bool:
        return self.pos >= len(self.lines)

    def finish(self, what: str) -> None:
        """Reject anything after the last expected line."""
        extra = self.peek()
        if extra is not None:
            raise self.error(extra, f"unexpected data after {what}: {_clip(extra.text)!r}")

    def int_at(self, line: Line, index: int, what: str) -> int:
        token = line.tokens[index]
        if not is_int(token):
            raise self.error(line, f"{what}: {_clip(token)!r} is not an integer")
        if len(token.lstrip("-")) > _MAX_DIGITS:
            raise self.error(line, f"{what}: {_clip(token)!r} is too large")
        return int(token)

    def size_line(self, line: Line, min_tokens: int, max_tokens: int | None) -> tuple[int, int]:
        """Parse `n m ...` (jobs, machines), both at least 1 and within the model's caps."""
        count = len(line.tokens)
        if count < min_tokens or (max_tokens is not None and count > max_tokens):
            expected = (
                f"{min_tokens}"
                if max_tokens == min_tokens
                else f"{min_tokens} to {max_tokens}"
                if max_tokens is not None
                else f"at least {min_tokens}"
            )
            raise self.error(
                line,
                f"expected the size line 'jobs machines' ({expected} numbers), "
                f"found {count}: {_clip(line.text)!r}",
            )
        n = self.int_at(line, 0, "number of jobs")
        m = self.int_at(line, 1, "number of machines")
        if n < 1:
            raise self.error(line, f"number of jobs must be at least 1, found {n}")
        if m < 1:
            raise self.error(line, f"number of machines must be at least 1, found {m}")
        if m > MAX_MACHINES:
            raise self.error(line, f"{m} machines exceed the cap of {MAX_MACHINES}")
        return n, m

    def machine(self, line: Line, index: int, what: str, m: int, base: int) -> int:
        """A machine number in the file's base, returned 0-based."""
        value = self.int_at(line, index, f"{what}, machine")
        if not base <= value < m + base:
            raise self.error(line, f"{what}: machine {value} out of range {base}..{m - 1 + base}")
        return value - base

    def duration(self, line: Line, index: int, what: str) -> int:
        value = self.int_at(line, index, f"{what}, duration")
        if value < 0:
            raise self.error(line, f"{what}: negative duration {value}")
        return value


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


Routing = list[list[tuple[int, int]]]
"""One job: per operation, its (0-based machine, duration) modes."""


def benchmark_data(name: str, n_machines: int, jobs: Sequence[Routing]) -> dict[str, Any]:
    """Plain problem data in the benchmark naming convention: m0.., j0.., o0.. within each job."""
    return {
        "name": name,
        "machines": [{"id": f"m{i}"} for i in range(n_machines)],
        "orders": [
            {
                "id": f"j{j}",
                "operations": [
                    {
                        "id": f"o{k}",
                        "machines": [{"machine_id": f"m{i}", "duration": d} for i, d in modes],
                    }
                    for k, modes in enumerate(routing)
                ],
            }
            for j, routing in enumerate(jobs)
        ],
    }


def build_problem(
    name: str, n_machines: int, jobs: Sequence[Routing], job_lines: Sequence[int], source: str
) -> Problem:
    """A Problem in the benchmark naming convention; model violations become a FormatError."""
    try:
        return parse_problem(benchmark_data(name, n_machines, jobs))
    except InvalidProblem as error:
        raise model_error(source, error, job_lines) from None


def model_error(source: str, error: InvalidProblem, job_lines: Sequence[int] = ()) -> FormatError:
    """Turn the model's rejection into a FormatError, located at the first offending job's line."""
    line = None
    for violation in error.violations:
        match = _JOB_FIELD.match(violation.field)
        if match and int(match.group(1)) < len(job_lines):
            line = job_lines[int(match.group(1))]
            break
    shown = [str(v) for v in error.violations[:_MAX_VIOLATIONS_SHOWN]]
    hidden = len(error.violations) - len(shown)
    if hidden > 0:
        shown.append(f"... and {hidden} more")
    message = f"invalid problem ({len(error.violations)} violation(s)): " + "; ".join(shown)
    return FormatError(source, line, message, error.violations)


def number_width(values: Sequence[int]) -> int:
    return max((len(str(v)) for v in values), default=1)


def one_mode_routings(problem: Problem, format_name: str) -> list[list[tuple[int, int]]]:
    """Per job, the (machine position, duration) of each operation; the n x m shape is required."""
    index = problem.index
    label = repr(problem.name) if problem.name else "the problem"
    if index.is_flexible():
        raise ValueError(
            f"{format_name} holds one machine per operation but {label} has operations with "
            f"several eligible machines; write it as fjsplib instead"
        )
    m = index.n_machines
    rows = []
    for order in problem.orders:
        if len(order.operations) != m:
            raise ValueError(
                f"{format_name} needs exactly one operation per machine in every job "
                f"({m}), but order {order.id!r} of {label} has {len(order.operations)}"
            )
        rows.append(
            [
                (
                    index.machine_of_id[op.machines[0].machine_id],
                    op.machines[0].time(order.quantity),
                )
                for op in order.operations
            ]
        )
    return rows


def comment_safe(text: str) -> str:
    """Text fit for a single `#` comment line."""
    return " ".join(text.split())
