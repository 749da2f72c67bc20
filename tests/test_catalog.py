"""The instance catalogue: every file parses, bounds are consistent and match their source."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from scheduler.formats import read_problem
from scheduler.formats.catalog import instances_dir, load_catalog, load_instance
from scheduler.params import SolveParams
from scheduler.result import SolveStatus
from scheduler.solve import solve

SHARED = instances_dir().parents[1] / "shared" / "benchmarks"
"""The shared benchmark data beside the checkout, the source of the bounds (scripts/import_bounds.py)."""


def _import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_bounds", instances_dir().parent / "scripts" / "import_bounds.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _source(name: str) -> dict[str, dict[str, str]]:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"the shared benchmark data ({name}) is not beside this checkout")
    with open(path, encoding="utf-8") as file:
        return {row["instance"]: row for row in csv.DictReader(file)}


def test_every_catalogued_file_parses_to_its_size() -> None:
    """Each entry's file reads to a problem of the catalogued jobs, machines and operations."""
    for name, entry in load_catalog().items():
        problem = read_problem(entry.path)
        assert problem.name == name
        assert (len(problem.orders), len(problem.machines)) == (entry.jobs, entry.machines), name
        if entry.file.startswith("jssp/"):
            assert all(len(order.operations) == entry.machines for order in problem.orders)
        if entry.operations is not None:
            assert problem.index.n_operations == entry.operations, name


def test_bounds_are_consistent() -> None:
    """lb <= ub, and an optimum is given exactly when lb == ub, equal to both."""
    for name, entry in load_catalog().items():
        if entry.lower_bound is None or entry.upper_bound is None:
            assert entry.optimum is None, name
            continue
        assert 0 < entry.lower_bound <= entry.upper_bound, name
        closed = entry.lower_bound == entry.upper_bound
        assert (entry.optimum is not None) == closed, name
        assert entry.optimum in (None, entry.upper_bound), name


def test_every_benchmark_names_the_source_of_its_bounds() -> None:
    """Entries with bounds say where they come from; the FJSP sets ship with their licence."""
    catalog = load_catalog()
    for name, entry in catalog.items():
        assert bool(entry.bounds) == (entry.upper_bound is not None), name
    families = {e.family for e in catalog.values() if e.file.startswith("fjsp/") and e.bounds}
    assert {"brandimarte", "hurink-edata", "hurink-rdata", "hurink-vdata"} <= families
    assert len(families) == 9
    assert (instances_dir() / "fjsp" / "LICENSE-fjsp-instances").is_file()


def test_job_shop_bounds_equal_the_source() -> None:
    """Every catalogued job shop has the bounds jssp-bounds.csv gives it (e.g. abz8 closed at 667)."""
    source = _source("jssp-bounds.csv")
    jssp = {n: e for n, e in load_catalog().items() if e.file.startswith("jssp/")}
    assert set(jssp) <= set(source)
    for name, entry in jssp.items():
        row = source[name]
        expected = (int(row["lower_bound"]), int(row["upper_bound"]), row["size"])
        assert (entry.lower_bound, entry.upper_bound, f"{entry.jobs}x{entry.machines}") == expected
    assert (jssp["abz8"].optimum, jssp["ta33"].optimum) == (667, 1791)


def test_flexible_bounds_equal_the_source_but_for_documented_corrections() -> None:
    """Every FJSP entry matches fjsp-bounds.csv, except the corrections the import names."""
    source = _source("fjsp-bounds.csv")
    corrections = _import_script().CORRECTIONS
    fjsp = {n: e for n, e in load_catalog().items() if e.family != "fjsp-gen" and n in source}
    assert len(fjsp) == len(source) == 336
    for name, entry in fjsp.items():
        row = source[name]
        expected = (int(row["lower_bound"]), int(row["upper_bound"]))
        if name in corrections:
            assert (entry.lower_bound, entry.upper_bound) != expected, f"{name}: drop the fix"
            assert entry.note, name
        else:
            assert (entry.lower_bound, entry.upper_bound) == expected, name
        assert (entry.jobs, entry.machines, entry.operations) == (
            int(row["jobs"]),
            int(row["machines"]),
            int(row["operations"]),
        )


def test_corrected_entries_differ_from_the_source_as_documented() -> None:
    """sfjs04's source bounds are impossible (ub 331 < lb 355); CP-SAT proves 355 optimal."""
    result = solve(load_instance("sfjs04"), SolveParams(time_limit=10, workers=1))
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, 355)
    assert load_catalog()["sfjs04"].optimum == 355


def test_import_is_idempotent(tmp_path: Path) -> None:
    """Re-running the import on the shipped catalogue changes nothing (the data is what it says)."""
    _source("jssp-bounds.csv")
    out = tmp_path / "instances"
    out.mkdir()
    (out / "catalog.json").write_bytes((instances_dir() / "catalog.json").read_bytes())
    _import_script().main([str(SHARED), "--out", str(out)])
    assert (out / "catalog.json").read_bytes() == (instances_dir() / "catalog.json").read_bytes()
    mk01 = Path("fjsp", "brandimarte", "mk01.fjs")
    assert (out / mk01).read_bytes() == (instances_dir() / mk01).read_bytes()


def test_a_catalogued_name_is_solvable_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scheduler solve mk01` solves the catalogued file; an unknown bare name is a readable error."""
    from scheduler.cli import EXIT_INPUT, EXIT_OK, main

    monkeypatch.chdir(tmp_path)  # no file called mk01 here
    assert main(["solve", "mk01", "--time-limit", "5", "--workers", "1", "--quiet"]) == EXIT_OK
    assert "makespan    40" in capsys.readouterr().out
    assert main(["solve", "mk99", "--time-limit", "1", "--quiet"]) == EXIT_INPUT
    assert "mk99: no such file (nor an instance name of the catalogue)" in capsys.readouterr().err
