"""Spreadsheets: import time of a 2,000-operation workbook, and what writing one costs.

    python benchmarks/bench_xlsx.py [--repeat 3]

`instances/factory/plant-2000.json` (1,985 operations) is exported as `scheduler export-xlsx`
writes it (the plan of its greedy witness schedule, purchases, KPIs and the problem's sheets) and
as a folder of CSV files; then the median of --repeat runs of: writing the workbook, importing it
(`read_workbook`: read every problem sheet, check each cell, validate the problem), importing the
CSV folder, and reading the JSON problem file for comparison. Each import must give back the
problem (the run fails otherwise). Results go to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bench_read import _median_time  # run as a script, benchmarks/ is on the path

from scheduler.formats import read_problem
from scheduler.formats.catalog import instances_dir
from scheduler.formats.generate import witness_schedule
from scheduler.report.csv_book import read_csv_folder, write_csv_folder
from scheduler.report.xlsx import export_plan, read_workbook
from scheduler.schedule import evaluate


def bench_xlsx(repeat: int) -> dict[str, Any]:
    path = instances_dir() / "factory" / "plant-2000.json"
    problem = read_problem(path)
    schedule = witness_schedule(problem)
    kpis = evaluate(problem, schedule)
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "plan.xlsx"
        csvs = Path(folder) / "csv"
        write = _median_time(lambda: export_plan(book, problem, schedule, kpis), repeat)
        write_csv_folder(csvs, problem)
        for read in (read_workbook(book), read_csv_folder(csvs)):
            if read != problem:
                raise SystemExit("an import did not give back the problem")
        return {
            "file": path.name,
            "operations": problem.index.n_operations,
            "workbook_megabytes": round(book.stat().st_size / 1e6, 2),
            "write_workbook_s": round(write, 3),
            "import_workbook_s": round(_median_time(lambda: read_workbook(book), repeat), 3),
            "import_csv_s": round(_median_time(lambda: read_csv_folder(csvs), repeat), 3),
            "read_json_s": round(_median_time(lambda: read_problem(path), repeat), 3),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    print(json.dumps(bench_xlsx(parser.parse_args().repeat), indent=1))


if __name__ == "__main__":
    main()
