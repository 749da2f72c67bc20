"""Guess the format of a problem file from its content."""

from __future__ import annotations

from collections.abc import Sequence

from scheduler.formats._text import Line, data_lines, small_int
from scheduler.formats.fjsplib import fits_grammar
from scheduler.formats.taillard import is_header, section_keyword


def detect_format(text: str) -> str:
    """The format of a problem text: json, taillard, fjsplib, or orlib (also when nothing fits).

    A well-formed file is recognised exactly: the three text formats differ in their size line
    (ORLib has exactly `n m`, FJSPLIB usually adds an average, Taillard may add seeds and bounds)
    and in their line counts (Taillard has 2n rows, the others n). For a malformed file the guess
    is the format most of its lines fit, so that the reader's error message is the helpful one.
    """
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return "json"
    lines = data_lines(text)
    if not lines:
        return "orlib"
    if is_header(lines[0]) or any(section_keyword(line) for line in lines):
        return "taillard"
    size, body = lines[0], lines[1:]
    n = small_int(size.tokens[0])
    m = small_int(size.tokens[1]) if len(size.tokens) > 1 else None
    if n is None or m is None or n < 1 or m < 1:
        return "orlib"
    if len(body) == 2 * n and all(len(line.tokens) == m for line in body):
        return "taillard"
    if len(size.tokens) > 3:
        return "taillard"
    if len(body) == n:
        # ORLib first: lines can fit both grammars by chance, and a bare `n m` is ORLib's own.
        if len(size.tokens) == 2 and all(_fits_orlib(line, m) for line in body):
            return "orlib"
        if all(fits_grammar(line.tokens, m) for line in body):
            return "fjsplib"
    return _likeliest(size, body, m)


def _fits_orlib(line: Line, m: int) -> bool:
    if len(line.tokens) != 2 * m:
        return False
    values = [small_int(t) for t in line.tokens]
    machines, durations = values[0::2], values[1::2]
    return all(x is not None and 0 <= x < m for x in machines) and all(
        d is not None and d >= 0 for d in durations
    )


def _likeliest(size: Line, body: Sequence[Line], m: int) -> str:
    scores = {
        "orlib": sum(len(line.tokens) == 2 * m for line in body),
        "fjsplib": sum(fits_grammar(line.tokens, m) for line in body),
        "taillard": sum(len(line.tokens) == m for line in body),
    }
    if len(size.tokens) == 3:
        scores["fjsplib"] += 1
    best = max(scores.values())
    return next(name for name in ("orlib", "fjsplib", "taillard") if scores[name] == best)
