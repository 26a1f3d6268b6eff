"""The service killed with SIGKILL at random moments during a mixed workload, several times
(issue 9, "Faults").

Members cast votes, sign a recall petition, submit motions and second them, concurrently,
against ``plenary serve``; at a random moment (seeded, so a failure can be replayed) the
process is killed without warning, the database is checked with no service running, and the
service is started again. After each kill: every acknowledged action is in the database and
nothing half done is visible (``tests.faults.workload.check_database``); members who never
heard back try again and learn whether their action was kept. The signed checkpoint saved
before each kill is extended by the next one (``plenary verify-log --since``), and at the end
the whole log verifies against the key pinned at the start.
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import httpx
import pytest

from service.cli import main as plenary
from service.settings import Settings
from tests.faults.fleet import Auth, fleet, wait_until_ready
from tests.faults.workload import Setting, Workload, check_database, set_up

pytestmark = pytest.mark.slow

KILLS = 4
MEMBERS = 400
CONCURRENCY = 10
SEED = 20261121
HANG = 120  # seconds: only a hang takes this long; nothing here asserts on speed


def _verify_log(*argv: str | Path) -> int:
    return plenary(["verify-log", *(str(a) for a in argv)])


async def _save_checkpoint(url: str, into: Path) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        r = await client.get("/api/v1/audit/checkpoint")
        assert r.status_code == 200, r.text
        await asyncio.to_thread(into.write_text, r.text)


async def test_service_killed_at_random_moments_keeps_every_acknowledged_action(
    settings: Settings, auth: Auth, database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    log = tmp_path / "service.log"
    setting: Setting | None = None
    workload: Workload | None = None
    key = tmp_path / "log.vkey"
    checkpoints: list[Path] = []
    killed_at: list[float] = []

    for cycle in range(KILLS + 1):
        with fleet(settings, 1, log) as service:
            await wait_until_ready(service)
            url = service.urls[0]
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                if setting is None:
                    setting = await set_up(client, auth, MEMBERS)
                    key.write_text((await client.get("/api/v1/audit/key")).text)
                    workload = Workload(setting, auth, service.next_url, seed=SEED)
                assert workload is not None
                workload.url = service.next_url  # this run's process
                await workload.settle_unknown(client, database_url)
            if checkpoints:  # the log after the restart extends the one before the kill
                code = await asyncio.to_thread(
                    _verify_log, "--url", url, "--key", key, "--since", checkpoints[-1]
                )
                assert code == 0, f"the log after kill {cycle} does not extend the one before"
            if cycle == KILLS:  # and the last one extends the first, pinned at the start
                code = await asyncio.to_thread(
                    _verify_log, "--url", url, "--key", key, "--since", checkpoints[0]
                )
                assert code == 0
            checkpoint = tmp_path / f"checkpoint-{cycle}"
            await _save_checkpoint(url, checkpoint)
            checkpoints.append(checkpoint)
            if cycle == KILLS:
                break

            stop = asyncio.Event()
            running = asyncio.create_task(workload.run(CONCURRENCY, stop))
            delay = rng.uniform(0.3, 1.5)
            await asyncio.sleep(delay)
            before = workload.ledger.acknowledged()
            service.processes[0].send_signal(signal.SIGKILL)
            service.processes[0].wait(timeout=10)
            killed_at.append(delay)
            async with asyncio.timeout(HANG):
                died = await running
            assert died or not before, "the workload did not notice the kill"
        # No service runs now: what the database holds is what a restart will find.
        await check_database(database_url, setting, workload.ledger)

    assert setting is not None
    assert workload is not None
    ledger = workload.ledger
    assert len(killed_at) == KILLS
    assert min(len(ledger.votes), len(ledger.signatures), len(ledger.motions)) > 0
    await check_database(database_url, setting, ledger)
