"""A ten-second conference day from ``bench/soak.py`` against the real service: every request
is acknowledged and no vote is lost. ``make soak`` runs the whole day."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANG = 300  # seconds: only a hang takes this long


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_short_conference_day_loses_nothing(pg_admin_url: str) -> None:
    day = [
        "--seconds", "10", "--members", "400", "--motions", "2", "--motion-voters", "40",
        "--election-voters", "60", "--signers", "30", "--sample", "2", "--in-flight", "8",
        "--port", str(_free_port()),
    ]  # fmt: skip
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), *day],
        env={**os.environ, "DATABASE_URL": pg_admin_url},
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "errors: 0; target none: met" in run.stdout
    assert "votes lost or extra (voters against acknowledged, every contest): 0" in run.stdout
