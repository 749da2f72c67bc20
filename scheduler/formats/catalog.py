"""The catalogue of instance files shipped in the repository's `instances/` folder.

`instances/catalog.json` maps each instance name to its file and what is known about it: size,
optimum (None while open), best known bounds on the optimal makespan and where they come from, and
the reference. `scripts/import_bounds.py` refreshes the bounds; `instances/README.md` names the
sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scheduler.problem import Problem

CATALOG_FILE = "catalog.json"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    name: str
    file: str
    """Path relative to the instances folder, e.g. `jssp/ft06`."""
    family: str
    """ft, la, abz, orb, swv, yn, ta for the standard job shops; brandimarte, hurink-edata,
    hurink-rdata, hurink-vdata, dauzere, barnes, kacem, fattahi, behnke for the flexible ones;
    fjsp-gen and factory for generated ones."""
    jobs: int
    machines: int
    optimum: int | None
    """The proven optimal makespan, None while the instance is open (or never studied)."""
    lower_bound: int | None
    upper_bound: int | None
    reference: str
    bounds: str = ""
    """Where the bounds come from (source and snapshot); empty for the generated instances."""
    operations: int | None = None
    """The operation count, where the source lists it (the flexible job shops)."""
    note: str = ""
    """Why the entry deliberately differs from its source, if it does."""

    @property
    def path(self) -> Path:
        return instances_dir() / self.file

    def load(self) -> Problem:
        # Imported here: the package imports this module, and the readers do not need the catalogue.
        from scheduler.formats import read_problem

        return read_problem(self.path)


def instances_dir() -> Path:
    """The repository's `instances/` folder (it is not part of an installed wheel)."""
    return Path(__file__).resolve().parents[2] / "instances"


def load_catalog() -> dict[str, CatalogEntry]:
    """Every catalogued instance by name, in catalogue order."""
    return dict(_entries(instances_dir() / CATALOG_FILE))


def instance_path(name: str) -> Path:
    """The file of a catalogued instance; KeyError when the name is not in the catalogue."""
    return _entry(name).path


def load_instance(name: str) -> Problem:
    """The catalogued instance as a Problem (named after its file, e.g. "ft06")."""
    return _entry(name).load()


def _entry(name: str) -> CatalogEntry:
    entries = dict(_entries(instances_dir() / CATALOG_FILE))
    try:
        return entries[name]
    except KeyError:
        raise KeyError(
            f"no instance {name!r} in the catalogue {instances_dir() / CATALOG_FILE}"
        ) from None


@cache
def _entries(path: Path) -> tuple[tuple[str, CatalogEntry], ...]:
    # A tuple, not the dict callers get: the cached value must not be mutable by them.
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object keyed by instance name")
    return tuple((name, _parse_entry(path, name, value)) for name, value in raw.items())


def _parse_entry(path: Path, name: str, value: Any) -> CatalogEntry:
    try:
        entry = CatalogEntry(
            name=name,
            file=str(value["file"]),
            family=str(value["family"]),
            jobs=int(value["jobs"]),
            machines=int(value["machines"]),
            optimum=_optional_int(value.get("optimum")),
            lower_bound=_optional_int(value.get("lower_bound")),
            upper_bound=_optional_int(value.get("upper_bound")),
            reference=str(value.get("reference", "")),
            bounds=str(value.get("bounds", "")),
            operations=_optional_int(value.get("operations")),
            note=str(value.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: entry {name!r} is malformed: {error}") from None
    return entry


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


__all__ = ["CatalogEntry", "instance_path", "instances_dir", "load_catalog", "load_instance"]
