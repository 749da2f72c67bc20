#!/usr/bin/env python3
"""Bring the shared benchmark data into instances/: newest job-shop bounds and the FJSP sets.

    python scripts/import_bounds.py ../shared/benchmarks

`SOURCE/jssp-bounds.csv` (ScheduleOpt's `jobshop/solutions/bks.json`, CC BY-SA 4.0) replaces the
bounds of every catalogued job shop it lists; `SOURCE/fjsp/<family>/*.fjs` (SchedulingLab's
fjsp-instances, MIT) are copied to `instances/fjsp/<family>/` with `LICENSE-fjsp-instances` beside
them, and catalogued with the bounds of `SOURCE/fjsp-bounds.csv`. Hurink's 198 files are split into
the families hurink-edata, hurink-rdata and hurink-vdata by their e-/r-/v- prefix, as the field
reports them. Standard library only; entries of other families (jssp files, generated, factory)
keep their files. Running it twice gives the same catalogue.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
JSSP_SOURCE = "ScheduleOpt jobshop/solutions/bks.json, snapshot 2026-08 (CC BY-SA 4.0)"
FJSP_SOURCES = {
    "ScheduleOpt": "ScheduleOpt flexible job-shop table, snapshot 2026-08 (CC BY-SA 4.0)",
    "fjsp-instances": "SchedulingLab fjsp-instances (MIT)",
}
LICENSE = "LICENSE-fjsp-instances"
HURINK = {"e": "hurink-edata", "r": "hurink-rdata", "v": "hurink-vdata"}
REFERENCES = {
    "brandimarte": "P. Brandimarte. 'Routing and scheduling in a flexible job shop by tabu search.', Annals of Operations Research 41, 157-183, 1993.",
    "hurink": "J. Hurink, B. Jurisch, M. Thole. 'Tabu search for the job-shop scheduling problem with multi-purpose machines.', OR Spektrum 15, 205-215, 1994.",
    "dauzere": "S. Dauzère-Pérès, J. Paulli. 'An integrated approach for modeling and solving the general multiprocessor job-shop scheduling problem using tabu search.', Annals of Operations Research 70, 281-306, 1997.",
    "barnes": "J.W. Barnes, J.B. Chambers. 'Flexible job shop scheduling by tabu search.', Graduate Program in Operations Research and Industrial Engineering, University of Texas at Austin, Technical Report ORP96-09, 1996.",
    "kacem": "I. Kacem, S. Hammadi, P. Borne. 'Approach by localization and multiobjective evolutionary optimization for flexible job-shop scheduling problems.', IEEE Transactions on Systems, Man, and Cybernetics C 32(1), 1-13, 2002.",
    "fattahi": "P. Fattahi, M. Saidi Mehrabad, F. Jolai. 'Mathematical modeling and heuristic approaches to flexible job shop scheduling problems.', Journal of Intelligent Manufacturing 18, 331-342, 2007.",
    "behnke": "D. Behnke, M.J. Geiger. 'Test instances for the flexible job shop scheduling problem with work centers.', Research report RR-12-01-01, Helmut-Schmidt-Universität Hamburg, 2012.",
}
CORRECTIONS: dict[str, dict[str, Any]] = {
    # The source's upper bound (331) is below its own lower bound (355), which no makespan can be;
    # 355 is Fattahi et al.'s optimum, and CP-SAT proves it in well under a second
    # (tests/test_catalog.py::test_corrected_entries_differ_from_the_source_as_documented).
    "sfjs04": {"lower_bound": 355, "upper_bound": 355, "note": "source ub 331 < lb 355: fixed"},
}
"""Catalogue entries that deliberately differ from the source CSV, and why."""


def family_of(source_family: str, name: str) -> str:
    return HURINK[name.split("-", 1)[0]] if source_family == "hurink" else source_family


def update_jssp(catalog: dict[str, Any], rows: list[dict[str, str]]) -> int:
    changed = 0
    for row in rows:
        entry = catalog.get(row["instance"])
        if entry is None or not entry["file"].startswith("jssp/"):
            continue
        lower, upper = int(row["lower_bound"]), int(row["upper_bound"])
        if f"{entry['jobs']}x{entry['machines']}" != row["size"]:
            raise SystemExit(
                f"{row['instance']}: size {row['size']} in the CSV, catalogued otherwise"
            )
        new = {
            "optimum": upper if lower == upper else None,
            "lower_bound": lower,
            "upper_bound": upper,
        }
        changed += any(entry[k] != v for k, v in new.items())
        entry.update(new)
        entry["bounds"] = f"{JSSP_SOURCE}; upper bound by {row['ub_by']} ({row['ub_date']})"
    return changed


def add_fjsp(catalog: dict[str, Any], source: Path, out: Path, rows: list[dict[str, str]]) -> int:
    families = {family_of(row["family"], row["instance"]) for row in rows}
    for name in [n for n, e in catalog.items() if e["family"] in families]:
        del catalog[name]  # re-imported below, in the CSV's order
    (out / "fjsp").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / LICENSE, out / "fjsp" / LICENSE)
    for row in rows:
        name = row["instance"]
        if name in catalog:
            raise SystemExit(f"{name}: already catalogued as {catalog[name]['file']}")
        family = family_of(row["family"], name)
        target = out / "fjsp" / family / f"{name}.fjs"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source / row["file"], target)
        entry = {
            "file": f"fjsp/{family}/{name}.fjs",
            "family": family,
            "jobs": int(row["jobs"]),
            "machines": int(row["machines"]),
            "operations": int(row["operations"]),
            "optimum": None,
            "lower_bound": int(row["lower_bound"]),
            "upper_bound": int(row["upper_bound"]),
            "reference": REFERENCES[row["family"]],
            "bounds": FJSP_SOURCES[row["bounds_from"]],
        }
        entry.update(CORRECTIONS.get(name, {}))
        if entry["lower_bound"] > entry["upper_bound"]:
            raise SystemExit(f"{name}: lower bound above upper bound; add it to CORRECTIONS")
        if entry["lower_bound"] == entry["upper_bound"]:
            entry["optimum"] = entry["upper_bound"]
        catalog[name] = entry
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the shared benchmarks folder")
    parser.add_argument("--out", type=Path, default=REPO / "instances", help="instances folder")
    args = parser.parse_args(argv)

    catalog_path = args.out / "catalog.json"
    catalog: dict[str, Any] = json.loads(catalog_path.read_text(encoding="utf-8"))
    with open(args.source / "jssp-bounds.csv", encoding="utf-8") as file:
        changed = update_jssp(catalog, list(csv.DictReader(file)))
    with open(args.source / "fjsp-bounds.csv", encoding="utf-8") as file:
        added = add_fjsp(catalog, args.source, args.out, list(csv.DictReader(file)))
    catalog_path.write_text(
        json.dumps(catalog, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{changed} job-shop bounds updated, {added} FJSP instances; {len(catalog)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
