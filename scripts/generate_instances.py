#!/usr/bin/env python3
"""Write the generated flexible job shop instances to instances/fjsp/ and add them to catalog.json.

    .venv/bin/python scripts/generate_instances.py

The files are kept in the repository rather than regenerated on demand, so that they stay the same
even if numpy's random streams change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scheduler.formats import write_fjsplib
from scheduler.formats.generate import generate_fjsp

REPO = Path(__file__).resolve().parents[1]
FAMILY = "fjsp-gen"
# (jobs, machines, seed); operations, eligibility and durations follow Brandimarte's mk01-mk10.
SPECS = [(10, 6, 1), (15, 8, 2), (20, 10, 3)]
OPS_PER_JOB = (5, 10)
MACHINES_PER_OP = (1, 3)
DURATION = (1, 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "instances", help="instances folder")
    args = parser.parse_args(argv)

    folder = args.out / "fjsp"
    folder.mkdir(parents=True, exist_ok=True)
    catalog_path = args.out / "catalog.json"
    old = json.loads(catalog_path.read_text(encoding="utf-8")) if catalog_path.exists() else {}
    catalog: dict[str, Any] = {k: v for k, v in old.items() if v.get("family") != FAMILY}

    for n, m, seed in SPECS:
        problem = generate_fjsp(
            n,
            m,
            ops_per_job=OPS_PER_JOB,
            machines_per_op=MACHINES_PER_OP,
            duration=DURATION,
            seed=seed,
        )
        name = problem.name
        (folder / f"{name}.fjs").write_text(write_fjsplib(problem), encoding="utf-8")
        catalog[name] = {
            "file": f"fjsp/{name}.fjs",
            "family": FAMILY,
            "jobs": n,
            "machines": m,
            "optimum": None,
            "lower_bound": None,
            "upper_bound": None,
            "reference": (
                f"generate_fjsp({n}, {m}, ops_per_job={OPS_PER_JOB}, "
                f"machines_per_op={MACHINES_PER_OP}, duration={DURATION}, seed={seed}) "
                "in scheduler/formats/generate.py"
            ),
        }
        print(f"wrote {folder / name}.fjs: {n} jobs, {len(problem.index.op_job)} operations")
    catalog_path.write_text(json.dumps(catalog, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
