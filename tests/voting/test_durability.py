"""An acknowledged vote survives the service being killed (SIGKILL) in the middle of casting.

The real service (``plenary serve``) runs in a subprocess on 127.0.0.1 against this test's own
database. Members cast concurrently over HTTP; once enough votes are acknowledged the service
is killed without warning, then started again. Every 201 must be in the box, nothing may be
half done (ballots = receipts = voters), and a member whose request died with the service
finds out by casting again: 201 if the vote was lost before its commit, 409 if it was kept.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from service.database import session_for
from service.deployment_keys import create_keys
from service.settings import Settings
from voting.models import ContestBallot, ContestReceipt

Auth = Callable[..., dict[str, str]]

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 360
KILL_AFTER = 120  # acknowledged votes before the service is killed
CONCURRENCY = 16
CHOICES = ("for", "against", "abstain")


def _roll() -> str:
    rows = "".join(f"D{n:04d},Member {n},d{n}@x.org,leeds,YHU,active\n" for n in range(MEMBERS))
    return "membership_number,name,email,branch,region,status\n" + rows


def _choice(member: str) -> str:
    return CHOICES[int(member[1:]) % 3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@contextmanager
def _service(settings: Settings, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``plenary serve`` on ``port`` against the test's database, with the deployment's keys
    made first (``plenary keys create``: the service makes none up); killed on the way out."""
    assert settings.database_url is not None
    create_keys(settings)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PLENARY_DATA_DIR": str(settings.data_dir),
        "PLENARY_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--no-migrate", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _tail(log: Path) -> str:
    """The end of the service's output, to show when it failed to start."""
    return log.read_text(errors="replace")[-2000:]


async def _until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while True:
            assert process.poll() is None, _tail(log)
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "service did not start in 90 s"
            await asyncio.sleep(0.1)


async def _box(database_url: str, contest_id: str) -> dict[str, Any]:
    """What the database holds for the contest: voters (by number), ballots, receipt hashes."""
    cid = uuid.UUID(contest_id)
    async with session_for(database_url) as s:
        voters = set(
            (
                await s.scalars(
                    text(
                        "SELECT m.membership_number FROM contest_elector e "
                        "JOIN member m ON m.id = e.member_id WHERE e.contest_id = :c AND e.voted"
                    ),
                    {"c": cid},
                )
            ).all()
        )
        ballots = await s.scalar(
            select(func.count()).select_from(ContestBallot).where(ContestBallot.contest_id == cid)
        )
        receipts = set(
            bytes(r).hex()
            for r in (
                await s.scalars(
                    select(ContestReceipt.receipt_hash).where(ContestReceipt.contest_id == cid)
                )
            ).all()
        )
    return {"voters": voters, "ballots": int(ballots or 0), "receipts": receipts}


async def test_service_killed_mid_casting_loses_no_acknowledged_vote(
    settings: Settings, auth: Auth, database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    ro = auth("RO1", "returning_officer")
    acknowledged: dict[str, str] = {}  # member → receipt hash
    unknown: set[str] = set()  # the service died before answering
    enough = asyncio.Event()
    queue = [f"D{n:04d}" for n in range(MEMBERS)]

    with _service(settings, port, log) as process:
        await _until_ready(url, process, log)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            r = await client.post(
                "/api/v1/members/import",
                content=_roll().encode(),
                headers={**auth("ADMIN1", "admin"), "Content-Type": "text/csv"},
            )
            assert r.status_code == 201, r.text
            r = await client.post(
                "/api/v1/contests", json={"title": "Kept", "kind": "motion"}, headers=ro
            )
            contest_id = r.json()["id"]
            assert (
                await client.post(f"/api/v1/contests/{contest_id}/open", headers=ro)
            ).status_code == 200

        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:

            async def member_votes() -> None:
                while queue and process.poll() is None:
                    member = queue.pop()
                    try:
                        r = await client.post(
                            f"/api/v1/contests/{contest_id}/ballots",
                            json={"choice": _choice(member)},
                            headers=auth(member),
                        )
                    except httpx.TransportError:
                        unknown.add(member)
                        return
                    assert r.status_code == 201, r.text
                    acknowledged[member] = r.json()["receipt_hash"]
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

            casting = [asyncio.create_task(member_votes()) for _ in range(CONCURRENCY)]
            async with asyncio.timeout(20):
                await enough.wait()
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            async with asyncio.timeout(15):
                await asyncio.gather(*casting)

    # While no service runs: every acknowledged vote is in the box, nothing is half done.
    box = await _box(database_url, contest_id)
    assert set(acknowledged) <= box["voters"] <= set(acknowledged) | unknown
    assert box["ballots"] == len(box["receipts"]) == len(box["voters"])
    assert set(acknowledged.values()) <= box["receipts"]
    kept_unanswered = box["voters"] - set(acknowledged)

    with _service(settings, port, log) as process:
        await _until_ready(url, process, log)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            # Members whose answer never came try again and learn what happened to their vote.
            for member in sorted(unknown):
                r = await client.post(
                    f"/api/v1/contests/{contest_id}/ballots",
                    json={"choice": _choice(member)},
                    headers=auth(member),
                )
                assert r.status_code == (409 if member in kept_unanswered else 201), r.text
            for member in queue:  # the rest vote now
                r = await client.post(
                    f"/api/v1/contests/{contest_id}/ballots",
                    json={"choice": _choice(member)},
                    headers=auth(member),
                )
                assert r.status_code == 201, r.text
            for verb in ("close", "count"):
                r = await client.post(f"/api/v1/contests/{contest_id}/{verb}", headers=ro)
                assert r.status_code == 200, r.text
            closed = r.json()
            result = (await client.get(f"/api/v1/contests/{contest_id}/result", headers=ro)).json()

    assert closed["voters"] == MEMBERS
    expected = {c: sum(1 for n in range(MEMBERS) if n % 3 == i) for i, c in enumerate(CHOICES)}
    assert {c: result["figures"][c] for c in CHOICES} == expected
    box = await _box(database_url, contest_id)
    assert box["ballots"] == len(box["receipts"]) == len(box["voters"]) == MEMBERS
    assert len(acknowledged) >= KILL_AFTER
