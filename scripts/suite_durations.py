#!/usr/bin/env python3
"""Where the test suite's time goes: per-file totals from pytest's JUnit XML, one run or two.

    .venv/bin/pytest -p no:cacheprovider --junitxml=before.xml
    python scripts/suite_durations.py before.xml [after.xml] [--top 15]

A report may also be a folder of such files (one run per test file, say), read as one run.

A test's time is its set-up, call and tear-down (pytest's default `junit_duration_report`), so a
module- or session-scoped fixture counts in the first test that asks for it. With two files the
table compares them file by file, sorted by the first. Standard library only.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def per_file(report: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds and test count per test file (from each test case's `classname`)."""
    seconds: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    files = sorted(report.glob("*.xml")) if report.is_dir() else [report]
    cases = [case for file in files for case in ET.parse(file).iter("testcase")]
    for case in cases:
        # classname is the dotted module path plus any class: tests.service.test_rpcs[.Class]
        parts = case.get("classname", "").split(".")
        while parts and not parts[-1].startswith("test_"):
            parts.pop()
        name = "/".join(parts) + ".py" if parts else case.get("classname", "?")
        seconds[name] += float(case.get("time", 0))
        count[name] += 1
    return seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reports", nargs="+", type=Path, help="one or two JUnit XML files (or folders of them)"
    )
    parser.add_argument("--top", type=int, default=15, help="files to list (default 15)")
    args = parser.parse_args()
    runs = [per_file(r) for r in args.reports[:2]]
    first = runs[0][0]
    names = sorted(set().union(*(r[0] for r in runs)), key=lambda n: -first.get(n, 0.0))
    header = "| file | tests | " + " | ".join(r.name for r in args.reports[:2]) + " |"
    print(header)
    print("|" + "---|" * (2 + len(runs)))
    for name in names[: args.top]:
        cells = [f"{r[0].get(name, 0.0):.1f}" for r in runs]
        print(f"| {name} | {runs[-1][1].get(name, 0)} | " + " | ".join(cells) + " |")
    totals = [f"{sum(r[0].values()):.1f}" for r in runs]
    tests = sum(runs[-1][1].values())
    print(f"| **all {len(names)} files** | {tests} | " + " | ".join(totals) + " |")


if __name__ == "__main__":
    main()
