"""The packages form layers, as docs/ARCHITECTURE.md draws them: each imports only the ones
below it, and only ``roll`` touches the roll's tables.

Read from the source (every ``import`` and ``from … import`` at any depth, function-local ones
included), so an import hidden inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Each package and the project packages it may import (docs/ARCHITECTURE.md, "Packages").
MAY_IMPORT: dict[str, frozenset[str]] = {
    "tally": frozenset(),
    "audit": frozenset(),
    "schemas": frozenset(),
    "roll": frozenset({"schemas"}),
    "voting": frozenset({"tally", "audit", "schemas", "roll"}),
    "assembly": frozenset({"tally", "audit", "schemas", "roll", "voting"}),
    "service": frozenset({"tally", "audit", "schemas", "roll", "voting", "assembly"}),
}
PROJECT = frozenset(MAY_IMPORT)

# The roll's tables are written and read through roll's functions only: these packages may not
# import its table models (nor name its tables in SQL text, checked below).
ROLL_TABLES_MODULE = "roll.models"
WITHOUT_ROLL_TABLES = ("voting", "assembly")
ROLL_TABLE_SQL = ("FROM member", "JOIN member", "JOIN branch", "JOIN region", "FROM roll_snapshot")


def _files(package: str) -> list[Path]:
    return sorted(
        p for p in (ROOT / package).rglob("*.py") if "migrations/versions" not in p.as_posix()
    )


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _violations() -> list[str]:
    wrong = []
    for package, allowed in MAY_IMPORT.items():
        for path in _files(package):
            for name in sorted(_imports(path)):
                top = name.split(".")[0]
                if top in PROJECT and top != package and top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    return wrong


def test_every_package_imports_only_the_layers_below_it() -> None:
    assert _violations() == []


def test_every_package_is_in_the_layering() -> None:
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert on_disk == set(MAY_IMPORT), on_disk ^ set(MAY_IMPORT)


def test_voting_and_assembly_reach_the_roll_only_through_its_functions() -> None:
    wrong = []
    for package in WITHOUT_ROLL_TABLES:
        for path in _files(package):
            imported = _imports(path)
            if any(
                n == ROLL_TABLES_MODULE or n.startswith(ROLL_TABLES_MODULE + ".") for n in imported
            ):
                wrong.append(f"{path.relative_to(ROOT)} imports {ROLL_TABLES_MODULE}")
            text = path.read_text(encoding="utf-8")
            wrong.extend(
                f"{path.relative_to(ROOT)} writes SQL on the roll: {sql!r}"
                for sql in ROLL_TABLE_SQL
                if sql in text
            )
    assert wrong == []


def test_the_check_itself_would_notice_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from service.app import create_app\n", encoding="utf-8")
    assert "service.app" in _imports(sample)
