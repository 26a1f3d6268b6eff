"""The audit core runs without the service: an auditor installs nothing but cryptography."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = [
    "audit.canonical",
    "audit.checkpoint",
    "audit.encoding",
    "audit.errors",
    "audit.events",
    "audit.memory",
    "audit.merkle",
    "audit.note",
    "audit.proofs",
    "audit.stored",
    "audit.tile",
    "audit.tiled",
    "audit.tlog_proof",
    "audit.verify",
]
FORBIDDEN = ["sqlalchemy", "litestar", "asyncpg", "msgspec", "service", "voting", "assembly"]


def test_audit_core_imports_only_the_standard_library_and_cryptography():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        + "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
