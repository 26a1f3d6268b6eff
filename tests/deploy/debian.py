"""Debian packages a deployment test runs for real (nginx, pgbouncer), installed on demand.

A fresh clone under ``.ci/run`` has Python and nothing else; it runs as root with apt, so the
test installs what it needs. Only where that truly cannot work (not root, no apt-get, the
install failed) does the test skip, with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["program"]

_updated = False


def _install(package: str) -> str | None:
    """``apt-get install`` one package; None when it worked, else why not."""
    global _updated
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "not root, so apt-get cannot install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = [["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]]
    if not _updated:
        steps.insert(0, ["apt-get", "update", "-qq"])
    for step in steps:
        done = subprocess.run(step, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            return f"`{' '.join(step)}` failed: {(done.stderr or done.stdout).strip()[-300:]}"
    _updated = True
    return None


def program(name: str, package: str, *, directory: str = "/usr/sbin") -> Path:
    """The path of Debian's ``name`` (from ``package``), installing the package if need be;
    skips the calling test with the reason only when it cannot be installed."""
    path = Path(directory) / name
    if not path.exists():
        why = _install(package)
        if why is not None or not path.exists():
            pytest.skip(f"{name} ({package}) is needed and could not be installed: {why}")
    return path
