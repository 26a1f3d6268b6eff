"""A database that takes no writes: what the service meets when ``DATABASE_URL`` reaches a
standby (a failover that has not promoted it yet, or a read-only replica named by mistake).
PostgreSQL answers every write there with SQLSTATE 25006 (read_only_sql_transaction); the
service answers 503 with ``Retry-After`` as for a database it cannot reach, keeps nothing,
and takes the same vote once writes are back. Made real here by the server's own setting
``default_transaction_read_only``, which a hot standby enforces the same way."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.voting.conftest import Contests


async def _read_only(admin_url: str, database_url: str, on: bool) -> None:
    """Make ``database_url``'s database take no writes (or take them again), and end every
    connection to it so the service's next ones see the change."""
    name = urlsplit(database_url).path.lstrip("/")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as admin:
        setting = "on" if on else "off"
        await admin.execute(
            text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {setting}')
        )
        await admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    await engine.dispose()


async def test_a_vote_reaching_a_database_that_takes_no_writes_is_503_and_kept_nowhere(
    contests: Contests, pg_admin_url: str, database_url: str
) -> None:
    contest = await contests.create(title="Standing orders", kind="motion")
    await contests.step(contest, "open")
    await contests.cast(contest, "S1", {"choice": "for"})
    await _read_only(pg_admin_url, database_url, on=True)
    refused = await contests.cast(contest, "S2", {"choice": "against"}, expect=503)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["detail"].startswith("the database cannot be reached")
    assert refused.headers["retry-after"] == "5"

    await _read_only(pg_admin_url, database_url, on=False)
    kept = await contests.cast(contest, "S2", {"choice": "against"})  # nothing was kept before
    assert kept.json()["receipt_hash"]
    turnout = await contests.client.get(
        f"/api/v1/contests/{contest['id']}/turnout", headers=contests.ro
    )
    assert turnout.json()["voted"] == 2
