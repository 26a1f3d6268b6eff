"""Backup and restore: ``pg_dump`` of a live database, ``pg_restore`` into a fresh one, and a
service on the copy that verifies and serves the same (issue 9, "Faults").

One service runs a motion and an STV election to publication, keeps a third contest open with
some votes in it, and takes petition signatures. The database is dumped (custom format, as
docs/OPERATIONS.md schedules it) while the service runs, and restored into a new database. A
service on the restored database with the same key files (keys are not in the database: they
are backed up separately) must serve a log that ``plenary verify-log`` checks against the key
pinned before the backup and that extends the checkpoint saved then; the same contests with the
same result digests and identical bundles that ``plenary verify`` accepts; and the open contest
must go on: who voted is refused a second vote, the others may vote.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.cli import main as plenary
from service.database import create_database, drop_database, with_database
from service.settings import Settings
from tests.faults.fleet import Auth, fleet, wait_until_ready
from tests.faults.postgres import database_name, dump_database, restore_database
from tests.faults.workload import choice_of, roll

pytestmark = pytest.mark.slow

MEMBERS = 60
CANDIDATES = ("Ash", "Birch", "Cedar", "Damson")


async def _ok(client: httpx.AsyncClient, method: str, path: str, headers: Any, body: Any = None):
    r = await client.request(method, f"/api/v1{path}", json=body, headers=headers)
    assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
    return r


async def _published(client: httpx.AsyncClient, auth: Auth) -> dict[str, str]:
    """A motion and an election voted on and published; a third contest left open."""
    ro = auth("RO1", "returning_officer")
    r = await client.post(
        "/api/v1/members/import",
        content=roll(MEMBERS).encode(),
        headers={**auth("ADMIN1", "admin"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    motion = (
        await _ok(client, "POST", "/contests", ro, {"title": "Rail", "kind": "motion"})
    ).json()
    election = (
        await _ok(
            client,
            "POST",
            "/contests",
            ro,
            {
                "title": "Executive",
                "kind": "election",
                "seats": 2,
                "candidates": [{"name": name} for name in CANDIDATES],
            },
        )
    ).json()
    still_open = (
        await _ok(client, "POST", "/contests", ro, {"title": "Open", "kind": "motion"})
    ).json()
    for contest in (motion, election, still_open):
        await _ok(client, "POST", f"/contests/{contest['id']}/open", ro)
    ids = [c["id"] for c in election["candidates"]]
    for n in range(1, MEMBERS):
        member = f"K{n:04d}"
        await _ok(
            client,
            "POST",
            f"/contests/{motion['id']}/ballots",
            auth(member),
            {"choice": choice_of(member)},
        )
        ranking = ids[n % 4 :] + ids[: n % 4]
        await _ok(
            client,
            "POST",
            f"/contests/{election['id']}/ballots",
            auth(member),
            {"ranking": ranking[: 1 + n % 3]},
        )
        if n % 2:
            await _ok(
                client,
                "POST",
                f"/contests/{still_open['id']}/ballots",
                auth(member),
                {"choice": "for"},
            )
    for contest in (motion, election):
        for verb in ("close", "count", "publish"):
            await _ok(client, "POST", f"/contests/{contest['id']}/{verb}", ro)
    return {"motion": motion["id"], "election": election["id"], "open": still_open["id"]}


async def _served(
    client: httpx.AsyncClient, auth: Auth, contests: dict[str, str]
) -> dict[str, Any]:
    """What a member sees of each published contest: result, digests, bundle."""
    viewer = auth("K0001")
    seen: dict[str, Any] = {}
    for name in ("motion", "election"):
        cid = contests[name]
        shown = (await _ok(client, "GET", f"/contests/{cid}", viewer)).json()
        shown.pop("voted", None)
        seen[name] = {
            "contest": shown,
            "result": (await _ok(client, "GET", f"/contests/{cid}/result", viewer)).json(),
            "bundle": (await _ok(client, "GET", f"/contests/{cid}/bundle", viewer)).content,
        }
    return seen


def _plenary(*argv: str | Path) -> int:
    return plenary([str(a) for a in argv])


async def test_restored_database_verifies_its_log_and_serves_the_same_results(
    settings: Settings, auth: Auth, database_url: str, pg_admin_url: str, tmp_path: Path
) -> None:
    key, saved, dump = tmp_path / "log.vkey", tmp_path / "checkpoint", tmp_path / "plenary.dump"
    with fleet(settings, 1, tmp_path / "service.log") as original:
        await wait_until_ready(original)
        async with httpx.AsyncClient(base_url=original.urls[0], timeout=30) as client:
            contests = await _published(client, auth)
            key.write_text((await client.get("/api/v1/audit/key")).text)
            saved.write_text((await client.get("/api/v1/audit/checkpoint")).text)
            before = await _served(client, auth, contests)
            # The backup is taken while the service runs, as a nightly job would.
            await asyncio.to_thread(dump_database, database_url, dump)

    restored_name = database_name(database_url) + "_restored"
    await create_database(pg_admin_url, restored_name)
    try:
        restored_url = with_database(pg_admin_url, restored_name)
        await asyncio.to_thread(restore_database, dump, restored_url)
        restored = settings.with_(database_url=restored_url)
        with fleet(restored, 1, tmp_path / "restored.log") as service:
            await wait_until_ready(service)
            url = service.urls[0]
            code = await asyncio.to_thread(
                _plenary, "verify-log", "--url", url, "--key", key, "--since", saved
            )
            assert code == 0, "the restored log does not verify against the pinned key"
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                after = await _served(client, auth, contests)
                for name in ("motion", "election"):
                    assert after[name]["contest"] == before[name]["contest"]
                    assert after[name]["result"] == before[name]["result"]
                    assert after[name]["bundle"] == before[name]["bundle"]
                    bundle = tmp_path / f"{name}.bundle.json"
                    bundle.write_bytes(after[name]["bundle"])
                    assert await asyncio.to_thread(_plenary, "verify", bundle, "--key", key) == 0
                    assert after[name]["contest"]["result_digest"].startswith("sha256:")
                # Voting goes on in the contest that was open at the backup.
                path = f"/api/v1/contests/{contests['open']}/ballots"
                for n in (1, 2):
                    r = await client.post(
                        path, json={"choice": "against"}, headers=auth(f"K{n:04d}")
                    )
                    assert r.status_code == (409 if n % 2 else 201), r.text
    finally:
        await drop_database(pg_admin_url, restored_name)
