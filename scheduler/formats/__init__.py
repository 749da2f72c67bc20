"""Problem files: the standard benchmark formats and the project's own JSON.

`read_problem` and `parse_text` read any of them (guessing the format when not told); the writers
produce text the readers read back to an equal problem. Benchmark files become problems in a fixed
naming convention: machines `m0..`, orders `j0..`, operations `o0..` within each order, makespan
objective, and the file's stem as the name.

Every malformation is reported as a FormatError naming the file and line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from scheduler.formats._text import FormatError, model_error
from scheduler.formats.detect import detect_format
from scheduler.formats.fjsplib import read_fjsplib, write_fjsplib
from scheduler.formats.orlib import read_orlib, write_orlib
from scheduler.formats.taillard import read_taillard, write_taillard
from scheduler.problem import InvalidProblem, Problem, parse_problem_json

FORMATS = ("orlib", "taillard", "fjsplib", "json")
"""The format names `read_problem`, `parse_text` and `detect_format` use."""

_BY_SUFFIX = {".json": "json", ".fjs": "fjsplib"}
_JSON_POSITION = re.compile(r"line (\d+)")


def read_problem(path: str | os.PathLike[str], format: str | None = None) -> Problem:
    """Read a problem file; the format is guessed when None (`.json` and `.fjs` by their suffix).

    Raises FormatError for a malformed file, OSError when it cannot be read.
    """
    path = Path(path)
    source = str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(source, line, "not UTF-8 text") from None
    if format is None:
        format = _BY_SUFFIX.get(path.suffix.lower())
    return parse_text(text, format, source=source)


def parse_text(
    text: str, format: str | None = None, source: str = "<string>", name: str | None = None
) -> Problem:
    """Parse a problem from text; `source` names it in errors and, for benchmark formats, gives the
    problem its name (the stem) unless `name` is given."""
    if format is None:
        format = detect_format(text)
    if format == "json":
        return _read_json(text, source)
    reader = _READERS.get(format)
    if reader is None:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    return reader(text, source, name)


def _read_json(text: str, source: str) -> Problem:
    # The standard library parser reports where the syntax breaks; pydantic's does not as plainly.
    try:
        # Nothing is kept (objects become None, numbers stay strings): this pass only checks
        # syntax, building the document would double the read time, and int() refuses 4300+
        # digit values.
        json.loads(
            text,
            object_pairs_hook=_discard,
            parse_int=str,
            parse_float=str,
            parse_constant=str,
        )
    except json.JSONDecodeError as error:
        raise FormatError(
            source, error.lineno, f"invalid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:
        raise FormatError(source, None, "invalid JSON: nested too deeply") from None
    try:
        return parse_problem_json(text)
    except InvalidProblem as error:
        located = model_error(source, error)
        position = _JSON_POSITION.search(located.message)
        # Only a document-level violation (no field path) carries a position worth reporting.
        whole = bool(located.violations) and not located.violations[0].field
        line = int(position.group(1)) if position and whole else None
        raise FormatError(source, line, located.message, located.violations) from None


def _discard(pairs: list[tuple[str, object]]) -> None:
    return None


_READERS: dict[str, Callable[[str, str, str | None], Problem]] = {
    "orlib": read_orlib,
    "taillard": read_taillard,
    "fjsplib": read_fjsplib,
}

__all__ = [
    "FORMATS",
    "FormatError",
    "detect_format",
    "parse_text",
    "read_problem",
    "write_fjsplib",
    "write_orlib",
    "write_taillard",
]
