"""Mean gaps per family and size from a `scheduler bench` JSON lines file.

    python benchmarks/bench_groups.py benchmarks/results/issue11-ta-60s-7dc8f57.jsonl

The harness's table averages per catalogue family (all of `ta`); issue 11 judges ta01-ta80 per
group of ten, which are Taillard's size classes (ta01-ta10 15x15, ta11-ta20 20x15, ...). This
prints the harness's own summary (`scheduler.bench.table.summary`: the instances where every
solver has a schedule, the ratio to the better peer) with each family split by size.
"""

from __future__ import annotations

import json
import sys

from scheduler.bench.table import summary


def main(path: str) -> None:
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    grouped = [{**row, "family": f"{row['family']} {row['size']}"} for row in rows]
    solvers = list(dict.fromkeys(row["solver"] for row in rows))
    print("\n".join(summary(grouped, solvers)))


if __name__ == "__main__":
    main(sys.argv[1])
