"""PostgreSQL stopped and started again in the middle of casting (issue 9, "Faults").

The service (``plenary serve``) runs against a PostgreSQL server of this test's own, which is
stopped with ``pg_ctl stop -m fast`` (every session ended, open transactions rolled back)
while members cast concurrently, and started again a few seconds later. While it is gone the
service answers 503 problem+json with ``Retry-After`` and ``/ready`` says 503; afterwards it
serves again by itself, without a restart. A contest due to close during the outage is closed
by the contest clock once the database is back, and the log's checkpoint catches up.
Afterwards no acknowledged vote is lost, no member has two votes, and ballots = receipts =
voters; members whose cast got a 503 cast again and learn whether it had been kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from service.database import create_database, session_for, with_database
from service.settings import Settings
from tests.faults.fleet import Auth, fleet, prepared, tokens, wait_until_ready
from tests.faults.postgres import OwnPostgres
from tests.voting.test_durability import _box, _choice, _roll

pytestmark = pytest.mark.slow

MEMBERS = 360
STOP_AFTER = 100  # acknowledged votes before PostgreSQL is stopped
OUTAGE_SECONDS = 3.0
HANG = 120  # seconds: only a hang takes this long; nothing here asserts on speed
CONCURRENCY = 12
_SIGNED = text(
    "SELECT (SELECT size FROM audit_head WHERE id = 1), (SELECT max(size) FROM audit_checkpoint)"
)


@pytest.fixture
def own_postgres() -> Any:
    server = OwnPostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


def _problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


async def _ready_status(client: httpx.AsyncClient) -> int:
    response = await client.get("/ready")
    if response.status_code != 200:
        _problem(response)
    return response.status_code


async def _until(client: httpx.AsyncClient, status: int, seconds: float) -> float:
    """Poll ``/ready`` until it answers ``status``; return how long that took."""
    started = time.monotonic()
    while await _ready_status(client) != status:
        assert time.monotonic() - started < seconds, f"/ready not {status} within {seconds} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def _signed_up_to_the_head(database_url: str, *, seconds: float) -> bool:
    """Wait until the latest stored checkpoint covers every committed log entry."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        async with session_for(database_url) as session:
            size, signed = (await session.execute(_SIGNED)).one()
        if signed is not None and signed == size:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_service_answers_503_while_postgres_is_down_and_recovers_by_itself(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    await create_database(own_postgres.admin_url, "plenary")
    database_url = with_database(own_postgres.admin_url, "plenary")
    settings = await prepared(Settings(data_dir=tmp_path / "plenary", database_url=database_url))
    auth: Auth = tokens(settings)
    ro = auth("RO1", "returning_officer")
    acknowledged: dict[str, str] = {}  # member → receipt hash
    refused: set[str] = set()  # answered 503: cast again once the database is back
    statuses_while_down: list[int] = []
    queue = [f"D{n:04d}" for n in range(MEMBERS)]
    enough = asyncio.Event()
    down = asyncio.Event()

    with fleet(settings, 1, tmp_path / "service.log") as service:
        await wait_until_ready(service)
        url = service.urls[0]
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
            r = await client.post(f"/api/v1/contests/{contest_id}/open", headers=ro)
            assert r.status_code == 200, r.text

            async def member_votes(client: httpx.AsyncClient) -> None:
                while queue:
                    member = queue.pop()
                    try:
                        r = await client.post(
                            f"/api/v1/contests/{contest_id}/ballots",
                            json={"choice": _choice(member)},
                            headers=auth(member),
                        )
                    except httpx.TransportError as exc:  # the service must not go away
                        raise AssertionError(f"no answer for {member}: {exc!r}") from exc
                    if down.is_set():
                        statuses_while_down.append(r.status_code)
                    if r.status_code == 201:
                        assert member not in acknowledged
                        acknowledged[member] = r.json()["receipt_hash"]
                        if len(acknowledged) >= STOP_AFTER:
                            enough.set()
                        continue
                    assert r.status_code == 503, r.text
                    assert _problem(r)["detail"].startswith("the database cannot be reached")
                    assert r.headers["retry-after"] == "5"
                    refused.add(member)
                    await asyncio.sleep(0.05)

            limits = httpx.Limits(max_connections=CONCURRENCY)
            async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as casting:
                workers = [asyncio.create_task(member_votes(casting)) for _ in range(CONCURRENCY)]
                async with asyncio.timeout(30):
                    await enough.wait()
                # A contest whose closing time falls while the database is away.
                closes = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
                r = await client.post(
                    "/api/v1/contests",
                    json={"title": "Due", "kind": "motion", "closes_at": closes.isoformat()},
                    headers=ro,
                )
                due_id = r.json()["id"]
                r = await client.post(f"/api/v1/contests/{due_id}/open", headers=ro)
                assert r.status_code == 200, r.text

                await asyncio.to_thread(own_postgres.stop, "fast")
                down.set()
                await _until(client, 503, HANG)
                await asyncio.sleep(OUTAGE_SECONDS)
                assert service.alive()
                await asyncio.to_thread(own_postgres.start)
                await _until(client, 200, HANG)
                down.clear()
                async with asyncio.timeout(60):
                    await asyncio.gather(*workers)

            assert 503 in statuses_while_down
            # Those refused cast again: 201 if nothing was kept, 409 if their vote had been.
            voters_before_retry = (await _box(database_url, contest_id))["voters"]
            for member in sorted(refused):
                r = await client.post(
                    f"/api/v1/contests/{contest_id}/ballots",
                    json={"choice": _choice(member)},
                    headers=auth(member),
                )
                expected = 409 if member in voters_before_retry else 201
                assert r.status_code == expected, r.text

            # The clock closed the contest that fell due during the outage, once.
            deadline = time.monotonic() + HANG
            while (await client.get(f"/api/v1/contests/{due_id}", headers=ro)).json()[
                "state"
            ] != "closed":
                assert time.monotonic() < deadline, "the clock did not close the due contest"
                await asyncio.sleep(0.2)

            for verb in ("close", "count"):
                r = await client.post(f"/api/v1/contests/{contest_id}/{verb}", headers=ro)
                assert r.status_code == 200, r.text
            result = (await client.get(f"/api/v1/contests/{contest_id}/result", headers=ro)).json()

            # The background checkpointer signs again by itself (nobody asks for one here).
            assert await _signed_up_to_the_head(database_url, seconds=HANG)

    box = await _box(database_url, contest_id)
    assert set(acknowledged) <= box["voters"]
    assert set(acknowledged.values()) <= box["receipts"]
    assert box["ballots"] == len(box["receipts"]) == len(box["voters"]) == MEMBERS
    expected_figures = {
        choice: sum(1 for n in range(MEMBERS) if _choice(f"D{n:04d}") == choice)
        for choice in ("for", "against", "abstain")
    }
    assert {c: result["figures"][c] for c in expected_figures} == expected_figures
