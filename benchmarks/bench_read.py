"""Reading JSON problem files strictly: what the duplicate-key pass costs next to validation.

    python benchmarks/bench_read.py [--repeat 5]

For each example plant of `instances/factory/` and a generated 1,000 x 50 job shop written as
JSON (50,000 operations), the median of --repeat runs of: the duplicate-key pass
(`check_json_keys`), pydantic's strict validation (`Problem.model_validate_json`), and the whole
JSON file reader (`parse_text`: syntax pass, key pass and validation, as `scheduler solve FILE`
reads a file). Results go to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from scheduler.formats import parse_text
from scheduler.formats.catalog import instances_dir
from scheduler.formats.generate import generate_jssp
from scheduler.problem import Problem, check_json_keys


def _median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_read(repeat: int) -> list[dict[str, Any]]:
    texts = {p.stem: p.read_text() for p in sorted((instances_dir() / "factory").glob("*.json"))}
    texts["jssp-1000x50"] = generate_jssp(1000, 50, seed=1).model_dump_json()
    rows = []
    for name, text in texts.items():
        keys = _median_time(lambda t=text: check_json_keys(t), repeat)
        validate = _median_time(lambda t=text: Problem.model_validate_json(t), repeat)
        whole = _median_time(lambda t=text: parse_text(t, "json"), repeat)
        rows.append(
            {
                "file": name,
                "megabytes": round(len(text.encode()) / 1e6, 2),
                "duplicate_keys_s": round(keys, 4),
                "validation_s": round(validate, 4),
                "read_json_s": round(whole, 4),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench_read(args.repeat), indent=1))


if __name__ == "__main__":
    main()
