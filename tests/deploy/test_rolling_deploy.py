"""A rolling deploy: old processes stay ready while a newer release migrates (issue 19).

Migrations are expand-only within a release (docs/OPERATIONS.md, "Rolling deploys"), so the
previous release's code works on the new schema. ``/ready`` knows "a newer release migrated
past me" from ``schema_lineage`` without the newer migration files, and the previous
release's own code (taken from git history) runs against this release's schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from service.database import session_for
from service.migrate import head_revision, upgrade
from service.settings import Settings
from tests.faults.fleet import tokens
from tests.faults.workload import set_up
from tests.voting.test_durability import _free_port, _until_ready

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "service" / "migrations" / "versions"


async def _pretend_a_newer_release_migrated(database_url: str, *, through_ours: bool) -> None:
    """What a newer release's ``plenary migrate`` leaves: a revision this code does not know,
    with the lineage it went through (ours included, unless ``through_ours`` is False)."""
    async with session_for(database_url) as s:
        await s.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
        await s.execute(text("INSERT INTO schema_lineage VALUES ('f00dfeed0001')"))
        if not through_ours:
            await s.execute(
                text("DELETE FROM schema_lineage WHERE revision = :h"), {"h": head_revision()}
            )
        await s.commit()


async def test_the_lineage_names_every_migration_the_database_went_through(
    database_url: str,
) -> None:
    from service.migrate import code_lineage

    async with session_for(database_url) as s:
        recorded = set((await s.scalars(text("SELECT revision FROM schema_lineage"))).all())
    assert recorded == code_lineage()
    assert await upgrade(database_url) == head_revision()  # again: nothing new, no error


async def test_ready_stays_200_when_a_newer_release_has_migrated_past_this_code(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _pretend_a_newer_release_migrated(database_url, through_ours=True)
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["migration"] == "f00dfeed0001"


async def test_ready_says_503_for_a_revision_that_never_passed_this_codes_head(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _pretend_a_newer_release_migrated(database_url, through_ours=False)
    response = await client.get("/ready")
    assert response.status_code == 503
    assert "not one this code knows" in response.json()["detail"]


def _previous_release() -> str:
    """The commit just before the newest migration was added, along main's first-parent line
    (a migration may arrive in a merge): the release whose code a rolling deploy of this one
    still runs beside."""
    newest = sorted(p.name for p in VERSIONS.glob("*.py") if p.name[0].isdigit())[-1]
    added_in = ["git", "log", "-1", "-m", "--first-parent", "--format=%H", "--diff-filter=A"]
    found = subprocess.run(
        [*added_in, "--", f"{VERSIONS}/{newest}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    added = found.stdout.strip()
    if found.returncode != 0 or not added:
        pytest.skip(f"no git history holding {newest} here (a shallow copy?): {found.stderr}")
    return f"{added}^"


@contextmanager
def _release_checkout(commit: str) -> Iterator[Path]:
    """The packages of ``commit`` in a directory of their own (``git archive``)."""
    base = Path(tempfile.mkdtemp(prefix="plenary-previous-"))
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(old: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """The previous release's ``plenary serve``, its own code first on the path."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--no-migrate", "--port", str(port)],
            env=env,
            cwd=old,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_the_previous_release_serves_votes_on_this_releases_schema(
    settings: Settings, tmp_path: Path
) -> None:
    assert settings.database_url is not None
    assert await upgrade(settings.database_url) == head_revision()
    auth = tokens(settings)
    from service.deployment_keys import create_keys

    create_keys(settings)
    port = _free_port()
    log = tmp_path / "previous.log"
    with _release_checkout(_previous_release()) as old:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PLENARY_")},
            "DATABASE_URL": settings.database_url,
            "PLENARY_DATA_DIR": str(settings.data_dir),
            "PLENARY_LOG_LEVEL": "WARNING",
            "PLENARY_CAST_RATE_PER_ADDRESS": "0",
            "PYTHONPATH": str(old),
        }
        process = _start(old, env, port, log)
        try:
            url = f"http://127.0.0.1:{port}"
            await _until_ready(url, process, log)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                setting = await set_up(client, auth, members=6)
                for n in range(1, 5):
                    r = await client.post(
                        f"/api/v1/contests/{setting.contest}/ballots",
                        json={"choice": "for"},
                        headers=auth(f"K{n:04d}"),
                    )
                    assert r.status_code == 201, r.text
                turnout = await client.get(
                    f"/api/v1/contests/{setting.contest}/turnout",
                    headers=auth("RO1", "returning_officer"),
                )
                assert turnout.status_code == 200, turnout.text
        finally:
            process.kill()
            process.wait(timeout=10)
