"""Through PgBouncer in transaction mode, with ``PLENARY_DB_STATEMENT_CACHE_SIZE=0`` (issue 19).

The setting reaches every engine the service makes (the app's, the log signer's, the mail
outbox's, the due work runner's, migrations'), so ``plenary serve`` migrates, signs and takes
casts from several members at once through a real PgBouncer, and nothing acknowledged is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.database import create_database, engine_options, session_for, with_database
from service.migrate import upgrade
from service.settings import Settings
from tests.deploy.pgbouncer import pgbouncer_in_front
from tests.faults.fleet import fleet, tokens, wait_until_ready
from tests.faults.postgres import OwnPostgres
from tests.faults.workload import set_up


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


def test_the_setting_is_read_and_checked() -> None:
    assert Settings.from_env({}).db_statement_cache_size == 100
    off = Settings.from_env({"PLENARY_DB_STATEMENT_CACHE_SIZE": "0"})
    assert engine_options(off)["connect_args"]["statement_cache_size"] == 0
    with pytest.raises(ValueError, match="PLENARY_DB_STATEMENT_CACHE_SIZE"):
        Settings.from_env({"PLENARY_DB_STATEMENT_CACHE_SIZE": "-1"})


async def test_casts_through_pgbouncer_in_transaction_mode_are_all_kept(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    await create_database(own_postgres.admin_url, "plenary")
    with pgbouncer_in_front(own_postgres) as port:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/plenary"
        settings = Settings(
            data_dir=tmp_path / "plenary", database_url=url, db_statement_cache_size=0
        )
        await upgrade(url, engine_options=engine_options(settings))
        auth = tokens(settings)
        env = {"PLENARY_DB_STATEMENT_CACHE_SIZE": "0"}
        with fleet(settings, 2, tmp_path / "service.log", env) as group:
            await wait_until_ready(group)
            async with httpx.AsyncClient(timeout=20) as client:
                client.base_url = httpx.URL(group.urls[0])
                setting = await set_up(client, auth, members=41)

                async def cast(n: int) -> int:
                    r = await client.post(
                        f"{group.urls[n % 2]}/api/v1/contests/{setting.contest}/ballots",
                        json={"choice": "for"},
                        headers=auth(f"K{n:04d}"),
                    )
                    return r.status_code

                codes = await asyncio.gather(*(cast(n) for n in range(1, 41)))
                assert codes == [201] * 40
                checkpoint = await client.get(f"{group.urls[1]}/api/v1/audit/checkpoint")
                assert checkpoint.status_code == 200
            assert group.alive()
    direct = with_database(own_postgres.admin_url, "plenary")
    async with session_for(direct) as s:
        from sqlalchemy import text

        voted = await s.scalar(text("SELECT count(*) FROM contest_elector WHERE voted"))
    assert voted == 40
