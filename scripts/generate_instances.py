#!/usr/bin/env python3
"""Write the generated instances to instances/ and add them to catalog.json: the flexible job shops
(instances/fjsp/) and the example factory plants (instances/factory/, the project's JSON).

    .venv/bin/python scripts/generate_instances.py

The files are kept in the repository rather than regenerated on demand, so that they stay the same
even if numpy's random streams change (tests/test_plants.py fails when a plant file drifts from
its generator).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scheduler.formats import write_fjsplib
from scheduler.formats.generate import FACTORY_PLANTS, generate_fjsp, generate_plant
from scheduler.problem import Problem

REPO = Path(__file__).resolve().parents[1]
FAMILY = "fjsp-gen"
FACTORY = "factory"
# (jobs, machines, seed); operations, eligibility and durations follow Brandimarte's mk01-mk10.
SPECS = [(10, 6, 1), (15, 8, 2), (20, 10, 3)]
OPS_PER_JOB = (5, 10)
MACHINES_PER_OP = (1, 3)
DURATION = (1, 10)
LINE_WIDTH = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "instances", help="instances folder")
    args = parser.parse_args(argv)

    catalog_path = args.out / "catalog.json"
    old = json.loads(catalog_path.read_text(encoding="utf-8")) if catalog_path.exists() else {}
    catalog: dict[str, Any] = {
        k: v for k, v in old.items() if v.get("family") not in (FAMILY, FACTORY)
    }
    write_fjsp(args.out / "fjsp", catalog)
    write_factory(args.out / "factory", catalog)
    catalog_path.write_text(json.dumps(catalog, indent=2) + "\n", encoding="utf-8")
    return 0


def write_fjsp(folder: Path, catalog: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
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
        print(f"wrote {folder / name}.fjs: {n} jobs, {problem.index.n_operations} operations")


def write_factory(folder: Path, catalog: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (spec, seed) in FACTORY_PLANTS.items():
        problem = generate_plant(spec, seed)
        path = folder / f"{name}.json"
        path.write_text(plant_json(problem), encoding="utf-8")
        catalog[name] = {
            "file": f"factory/{name}.json",
            "family": FACTORY,
            "jobs": len(problem.orders),
            "machines": len(problem.machines),
            "optimum": None,
            "lower_bound": None,
            "upper_bound": None,
            "reference": (
                f"generate_plant(FACTORY_PLANTS[{name!r}], seed={seed}) "
                "in scheduler/formats/generate.py"
            ),
        }
        print(
            f"wrote {path}: {len(problem.orders)} orders, "
            f"{problem.index.n_operations} operations, {len(problem.machines)} machines"
        )


def plant_json(problem: Problem) -> str:
    """The problem's JSON with defaults left out, one short object or list per line."""
    return _dump(problem.model_dump(mode="json", exclude_defaults=True), 0) + "\n"


def _dump(value: Any, level: int) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + 2 * level <= LINE_WIDTH or not isinstance(value, dict | list) or not value:
        return flat
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, list):
        items = [inner + _dump(v, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    fields = [f"{inner}{json.dumps(k)}: {_dump(v, level + 1)}" for k, v in value.items()]
    return "{\n" + ",\n".join(fields) + "\n" + pad + "}"


if __name__ == "__main__":
    sys.exit(main())
