"""Benchmark sets by name: what `scheduler bench SET ...` runs.

A set is a comma- or space-separated list of items, each one of:
- a catalogue family (`ta`, `brandimarte`, `hurink-edata`, ...), or `jssp` / `fjsp` for every
  standard job shop / every flexible one;
- `set31`, the 31-instance set the field reports on (issue 11);
- a catalogued instance name (`ft06`, `mk01`), `ta41+` (ta41 and the rest of its family, in
  catalogue order) or `la16..la20` (a range within one family);
- a folder of OR-Library / Taillard / FJSPLIB files (every file in it, sorted by name), or one file.
Files outside the catalogue have no best-known bounds (their gap is left empty); a file that is
the catalogued file of an instance gets that instance's name and bounds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scheduler.formats import FormatError, read_problem
from scheduler.formats.catalog import CatalogEntry, load_catalog

SET31 = (
    *("ft06", "ft10", "ft20", "la16", "la17", "la18", "la19", "la20", "la21", "la24", "la25"),
    *("la27", "la29", "la38", "la40", "abz7", "abz8", "abz9", "orb01", "swv01", "swv06", "swv11"),
    *("yn1", "ta01", "ta11", "ta21", "ta31", "ta41", "ta51", "ta61", "ta71"),
)
"""The 31-instance set of issue 11: small and large, easy and open, from every classic family."""

NAMED_SETS = {"set31": SET31}
JSSP_FAMILIES = ("ft", "la", "abz", "orb", "swv", "yn", "ta")


class SetError(ValueError):
    """A set item that names nothing: an unknown name, an empty folder, a bad range."""


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    path: Path
    family: str
    jobs: int | None
    machines: int | None
    lower_bound: int | None
    """Best known lower bound on the optimal makespan (None outside the catalogue)."""
    upper_bound: int | None
    """Best known makespan (None outside the catalogue)."""

    @property
    def size(self) -> str:
        return f"{self.jobs}x{self.machines}" if self.jobs is not None else "?"


def resolve(items: list[str]) -> list[Instance]:
    """The instances the items name, in order, each once; SetError names the first bad item."""
    catalog = load_catalog()
    by_path = {_key(entry.path): entry for entry in catalog.values()}
    found: dict[str, Instance] = {}
    for raw in items:
        for item in raw.replace(",", " ").split():
            for instance in _resolve_item(item, catalog, by_path):
                found.setdefault(instance.name, instance)
    if not found:
        raise SetError("no instances: name a set, a family, instances or a folder")
    return list(found.values())


def _resolve_item(
    item: str, catalog: dict[str, CatalogEntry], by_path: dict[str, CatalogEntry]
) -> list[Instance]:
    if item in NAMED_SETS:
        return [_catalogued(catalog[name]) for name in NAMED_SETS[item]]
    if item in catalog:
        return [_catalogued(catalog[item])]
    families = {entry.family for entry in catalog.values()}
    if item in families or item in ("jssp", "fjsp"):
        return [_catalogued(e) for e in catalog.values() if _in_family(e, item)]
    if item.endswith("+") and item[:-1] in catalog:
        first = catalog[item[:-1]]
        members = [e for e in catalog.values() if e.family == first.family]
        return [_catalogued(e) for e in members[members.index(first) :]]
    if ".." in item:
        return _range(item, catalog)
    path = Path(item)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        files = [p for p in files if not p.name.startswith(("LICENSE", "README"))]
        if not files:
            raise SetError(f"{item}: the folder holds no instance files")
        return [_file(p, by_path) for p in files]
    if path.is_file():
        return [_file(path, by_path)]
    raise SetError(
        f"{item!r}: not a set ({', '.join(NAMED_SETS)}), catalogue family, instance name, "
        "range (ta41+, la16..la20), folder or file"
    )


def _in_family(entry: CatalogEntry, family: str) -> bool:
    if family == "jssp":
        return entry.family in JSSP_FAMILIES
    if family == "fjsp":
        return entry.file.startswith("fjsp/") and entry.family != "fjsp-gen"
    return entry.family == family


def _range(item: str, catalog: dict[str, CatalogEntry]) -> list[Instance]:
    low, _, high = item.partition("..")
    if low not in catalog or high not in catalog:
        missing = low if low not in catalog else high
        raise SetError(f"{item!r}: no instance {missing!r} in the catalogue")
    first, last = catalog[low], catalog[high]
    members = [e for e in catalog.values() if e.family == first.family]
    if last not in members or members.index(last) < members.index(first):
        raise SetError(f"{item!r}: {high} does not follow {low} in family {first.family}")
    return [_catalogued(e) for e in members[members.index(first) : members.index(last) + 1]]


def _catalogued(entry: CatalogEntry) -> Instance:
    e = entry
    return Instance(e.name, e.path, e.family, e.jobs, e.machines, e.lower_bound, e.upper_bound)


def _file(path: Path, by_path: dict[str, CatalogEntry]) -> Instance:
    entry = by_path.get(_key(path))
    if entry is not None:
        return _catalogued(entry)
    # Read now, so that a bad file stops the run before any solve rather than failing in a child.
    try:
        problem = read_problem(path)
    except (FormatError, OSError) as error:
        raise SetError(f"{path}: not an instance file: {error}") from None
    jobs, machines = len(problem.orders), len(problem.machines)
    return Instance(path.stem, path, path.resolve().parent.name, jobs, machines, None, None)


def _key(path: Path) -> str:
    return os.path.normcase(str(path.resolve()))


__all__ = ["SET31", "Instance", "SetError", "resolve"]
