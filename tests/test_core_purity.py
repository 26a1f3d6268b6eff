"""tally/ and audit/ (its core) are what auditors run: they must not pull in the service side."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE_SIDE = (
    "litestar",
    "sqlalchemy",
    "asyncpg",
    "advanced_alchemy",
    "msgspec",
    "service",
    "voting",
    "assembly",
)


def _modules(package: str) -> list[str]:
    path = ROOT / package
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{package}."):
        if info.name.startswith("audit.store"):
            continue  # the PostgreSQL store is allowed SQLAlchemy
        names.append(info.name)
    return names


def _imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_tally_imports_nothing_from_the_service_side() -> None:
    modules = _modules("tally")
    assert "tally.lot" in modules
    loaded = _imported_after(modules)
    assert not loaded & set(SERVICE_SIDE), loaded & set(SERVICE_SIDE)


def test_audit_core_imports_nothing_from_the_service_side() -> None:
    modules = _modules("audit")
    assert "audit.merkle" in modules
    loaded = _imported_after(modules)
    assert not loaded & set(SERVICE_SIDE), loaded & set(SERVICE_SIDE)


def test_the_check_itself_would_notice_a_service_import() -> None:
    assert "sqlalchemy" in _imported_after(["audit.store"])
