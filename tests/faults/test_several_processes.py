"""Several service processes on one database, requests spread across them as a load balancer
would (issue 9, "Faults").

Three ``plenary serve`` processes on three ports share one database and one data directory
(the keys). Every request goes to the next process in turn, so a contest is defined on one,
opened on another and voted in on all three; motions are submitted on one and seconded on
another. The same guarantees as with one process hold (``tests.faults.workload``), and:

- contests due to close are closed by the contest clocks once each (one ``contest.closed``
  entry, by ``system``), on time, and no ballot lands after the close, whichever process it
  reaches (each keeps the ballot paper of open contests in memory: that must not let one in);
- every signed checkpoint's root is the root of the entries it covers, so no process ever
  signed a second, different root for a size; all processes serve the same checkpoint once
  the log is quiet, signed by the one shared key.

Rate limits are not here yet; when they come they must be counted in the database (or another
shared store), not per process, or three processes allow three times the limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from audit.store_proofs import tree_root
from service.database import session_for
from service.keys import ensure_private_key, load_private_key
from service.log_signing import ensure_log_key
from service.settings import Settings
from tests.assembly.conftest import log_entries
from tests.faults.fleet import Auth, fleet, wait_until_ready
from tests.faults.workload import Workload, check_database, choice_of, set_up
from tests.voting.test_durability import _box

pytestmark = pytest.mark.slow

PROCESSES = 3
MEMBERS = 400
CONCURRENCY = 9
SCHEDULED = 3
CLOSE_AFTER = 4.0  # seconds from now to the first scheduled close
WORKLOAD_SECONDS = 7.0


async def _cast_until_closed(
    fleet_url: Callable[[], str], auth: Auth, contest_id: str, members: list[str]
) -> tuple[set[str], int]:
    """Members cast in turn, each through the next process, until the contest refuses as not
    open; returns who was acknowledged and how many were refused after the close."""
    acknowledged: set[str] = set()
    refused = 0
    async with httpx.AsyncClient(timeout=10) as client:
        for member in members:
            r = await client.post(
                f"{fleet_url()}/api/v1/contests/{contest_id}/ballots",
                json={"choice": choice_of(member)},
                headers=auth(member),
            )
            if r.status_code == 201:
                assert not refused, "a ballot was taken after the contest had refused one"
                acknowledged.add(member)
            else:
                assert r.status_code == 409, r.text
                assert "closed" in r.json()["detail"] or "not open" in r.json()["detail"]
                refused += 1
                if refused >= PROCESSES * 2:  # every process has said no, twice
                    return acknowledged, refused
            await asyncio.sleep(0.02)
    return acknowledged, refused


async def test_three_processes_on_one_database_keep_every_guarantee(
    settings: Settings, auth: Auth, database_url: str, tmp_path: Path
) -> None:
    ro = auth("RO1", "returning_officer")
    with fleet(settings, PROCESSES, tmp_path / "service.log") as group:
        await wait_until_ready(group)
        async with httpx.AsyncClient(timeout=10) as client:
            client.base_url = httpx.URL(group.next_url())
            setting = await set_up(client, auth, MEMBERS)

            # Contests that the clocks must close, each defined on one process and opened on
            # the next.
            first_close = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=CLOSE_AFTER)
            scheduled: list[str] = []
            for n in range(SCHEDULED):
                closes = first_close + dt.timedelta(seconds=n / 2)
                r = await client.post(
                    f"{group.next_url()}/api/v1/contests",
                    json={"title": f"Due {n}", "kind": "motion", "closes_at": closes.isoformat()},
                    headers=ro,
                )
                assert r.status_code == 201, r.text
                scheduled.append(r.json()["id"])
                r = await client.post(
                    f"{group.next_url()}/api/v1/contests/{scheduled[-1]}/open", headers=ro
                )
                assert r.status_code == 200, r.text

            workload = Workload(setting, auth, group.next_url, seed=3)
            stop = asyncio.Event()
            running = asyncio.create_task(workload.run(CONCURRENCY, stop))
            voters = [f"K{n:04d}" for n in range(1, MEMBERS)]
            casting = [
                asyncio.create_task(
                    _cast_until_closed(group.next_url, auth, contest, voters[n:] + voters[:n])
                )
                for n, contest in enumerate(scheduled)
            ]
            async with asyncio.timeout(WORKLOAD_SECONDS + 20):
                cast_results = await asyncio.gather(*casting)
                await asyncio.sleep(max(0.0, WORKLOAD_SECONDS - CLOSE_AFTER - SCHEDULED / 2))
                stop.set()
                died = await running
            assert not died
            assert group.alive()

            # Once the log is quiet every process serves the same checkpoint.
            await asyncio.sleep(1.5)
            notes = {
                (await client.get(f"{url}/api/v1/audit/checkpoint")).text for url in group.urls
            }
            assert len(notes) == 1
            keys = {(await client.get(f"{url}/api/v1/audit/key")).text for url in group.urls}
            assert len(keys) == 1

    await check_database(database_url, setting, workload.ledger)
    assert workload.ledger.acknowledged() > 0

    entries = await log_entries(database_url)
    closed = Counter(e["subjects"]["contest"] for e in entries if e["type"] == "contest.closed")
    by = {e["subjects"]["contest"]: e["actor"] for e in entries if e["type"] == "contest.closed"}
    for contest, (acknowledged, refused) in zip(scheduled, cast_results, strict=True):
        assert closed[contest] == 1
        assert by[contest] == "system"
        assert refused >= PROCESSES * 2
        box = await _box(database_url, contest)
        assert box["voters"] == acknowledged  # none lost, none after the close
        assert box["ballots"] == len(box["receipts"]) == len(acknowledged)

    async with session_for(database_url) as session:
        rows = (await session.execute(text("SELECT size, root FROM audit_checkpoint"))).all()
        early = await session.scalar(
            text("SELECT min(closed_at - closes_at) FROM contest WHERE id = ANY(:ids)"),
            {"ids": [uuid.UUID(c) for c in scheduled]},
        )
        assert len(rows) > 1
        for size, root in rows:
            assert bytes(root) == await tree_root(session, size), f"checkpoint {size}"
    # Never before its time. How late a close may come is a matter of load, not of correctness
    # (every cast after it was refused, checked above), so no test times it.
    assert early is not None
    assert early >= dt.timedelta(0), f"a scheduled close came {-early} early"


def _keys_when_told(data_dir: str, go: Any) -> tuple[str, str]:
    """The log's verifier key and the token key's id, as a process starting now finds them."""
    go.wait()
    settings = Settings(data_dir=Path(data_dir))
    token_key = load_private_key(ensure_private_key(settings)[0])
    return ensure_log_key(settings).verifier_key, token_key.kid


def test_processes_starting_together_on_a_fresh_data_directory_agree_on_their_keys(
    tmp_path: Path,
) -> None:
    """Six processes generate the log's key and the token key at the same moment, twenty times
    over: each time every one starts (none reads a half-written key file) and all use the same
    keys."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(6) as pool:
        for attempt in range(20):
            data_dir = tmp_path / f"plenary-{attempt}"
            go = manager.Event()
            pending = [pool.apply_async(_keys_when_told, (str(data_dir), go)) for _ in range(6)]
            go.set()
            keys = {p.get(timeout=60) for p in pending}
            assert len(keys) == 1
            files = sorted(p.name for p in (data_dir / "keys").iterdir())
            assert files == ["jwt-ed25519.pem", "log-signing.key"]
