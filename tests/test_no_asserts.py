"""Production code states its checks: no ``assert`` (issue 13). ``python -O`` drops asserts,
so a check written as one vanishes in an optimised run, and a failed one is an
``AssertionError`` no one can act on; a real check raises an error that says what is wrong."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tally", "audit", "roll", "assembly", "voting", "schemas", "service")


def test_no_production_module_asserts() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Assert)
            ]
    assert found == []
