"""Shared fixtures for the transparency-log tests: where the public test vectors live."""

from __future__ import annotations

from pathlib import Path

import pytest

TLOG_REFDATA = Path(__file__).resolve().parents[2].parent / "shared" / "refdata" / "tlog"


@pytest.fixture
def tlog_refdata() -> Path:
    """The ``tlog`` folder of ../shared/refdata, or skip the test when it is absent."""
    if not TLOG_REFDATA.is_dir():
        pytest.skip(f"reference vectors not found at {TLOG_REFDATA}")
    return TLOG_REFDATA
