"""Import rules of docs/architecture.md, read from the source: who may not import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scheduler"

FORBIDDEN = {
    "verify": ("scheduler.worktime", "scheduler.cpsat", "scheduler.heuristics", "ortools"),
}
"""Per package: the modules none of its files may import (the verifier must stay independent)."""


def imported_modules(source: str, package: str) -> set[str]:
    """Every module a file imports, relative imports resolved against `package`."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names)
    return modules


def _breaks(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_forbidden(package):
    """No file of the package imports a module the architecture keeps it away from."""
    broken = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for module in imported_modules(path.read_text(), f"scheduler.{package}")
        if _breaks(module, FORBIDDEN[package])
    ]
    assert broken == []


@pytest.mark.parametrize(
    "line",
    [
        "from scheduler.worktime import WorkingTime",
        "import scheduler.worktime",
        "from scheduler import worktime",
        "from .. import worktime",
        "from ..cpsat.bounds import horizon",
    ],
)
def test_the_rule_catches_each_spelling_of_a_forbidden_import(line):
    """Each way of writing an import of worktime or cpsat from the verifier is caught."""
    modules = imported_modules(line, "scheduler.verify")
    assert any(_breaks(m, FORBIDDEN["verify"]) for m in modules)
