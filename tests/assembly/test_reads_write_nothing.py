"""A read never writes: timetabled steps are taken by the due work runner, not by a GET (issue
13, "Habits").

An assembly whose timetable has moved on, a petition whose window ended short and an election
whose nominations window has ended are read through every API route and page that shows them.
Their rows are held ``FOR NO KEY UPDATE`` meanwhile, so the app's own runner (which skips
locked rows) cannot take the steps either, while a read that tried to take one (taking the row
``FOR UPDATE``) would wait on the lock and be caught by the timeout. Nothing is logged and no
state changes until the runner's round, which then takes all three steps, each logged once as
``system``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

import httpx
from litestar import Litestar
from sqlalchemy import text, update

from assembly.elections.election_models import Election
from assembly.models import Assembly
from assembly.petitions.recall_models import RecallPetition
from service.database import session_for
from service.web.session import SESSION_COOKIE
from tests.assembly.conftest import CHAIR, Chamber, log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.due_work import settle
from tests.sessions import session_cookie
from tests.voting.conftest import import_roll

HANG = 60.0  # seconds: a read waiting on the held rows takes this long; nothing else does
HOUR = dt.timedelta(hours=1)


async def test_reads_take_no_timetabled_step_and_the_runner_takes_each_once(
    app: Litestar,
    client: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    database_url: str,
) -> None:
    await import_roll(client, auth, ROLL)
    hall, chamber = Hall(client, auth), Chamber(client, auth)
    later = dt.datetime.now(dt.UTC) + 24 * HOUR
    assembly = await chamber.assembly(
        title="Spring conference",
        kind="conference",
        timetable={"opens_at": later.isoformat(), "motions_deadline": (later + HOUR).isoformat()},
    )
    office = await hall.call(
        "POST",
        "/offices",
        auth("ADMIN1", "admin"),
        {"title": "Councillor", "kind": "councillor", "scope": "branch:glasgow", "holder": "S1"},
        201,
    )
    petition = await hall.call(
        "POST", f"/offices/{office['id']}/petitions", "S2", {"reason": "Broke the pledge."}, 201
    )
    election = await hall.call(
        "POST",
        "/elections",
        hall.ro,
        {"title": "Scottish seat", "posts": [{"title": "Scotland", "scope": "region:SCO"}]},
        201,
    )
    ids = {
        "assembly": uuid.UUID(assembly["id"]),
        "petition": uuid.UUID(petition["id"]),
        "election": uuid.UUID(election["id"]),
    }
    # All three fall due a moment from now by the database's clock, once their rows are held:
    # made due at once, the app's runner could take a step before the rows are held.
    async with session_for(database_url) as session:
        due = await session.scalar(text("SELECT clock_timestamp() + interval '3 seconds'"))
        await session.execute(
            update(Assembly).where(Assembly.id == ids["assembly"]).values(opens_at=due)
        )
        await session.execute(
            update(RecallPetition).where(RecallPetition.id == ids["petition"]).values(closes_at=due)
        )
        await session.execute(
            update(Election).where(Election.id == ids["election"]).values(nominations_close_at=due)
        )
        await session.commit()
    logged = len(await log_entries(database_url))

    api = [
        # Still a draft (its step not yet taken), so only its chair and officers see it.
        (CHAIR, f"/api/v1/assemblies/{assembly['id']}"),
        ("S3", "/api/v1/assemblies"),
        (CHAIR, f"/api/v1/assemblies/{assembly['id']}/motions"),
        (CHAIR, f"/api/v1/assemblies/{assembly['id']}/agenda"),
        ("S3", "/api/v1/petitions"),
        ("S3", f"/api/v1/petitions/{petition['id']}"),
        ("S3", "/api/v1/elections"),
        ("S3", f"/api/v1/elections/{election['id']}"),
        ("S3", f"/api/v1/elections/{election['id']}/results"),
        ("S3", f"/api/v1/elections/{election['id']}/nominations"),
    ]
    pages = ["/take-part", f"/petitions/{petition['id']}", f"/elections/{election['id']}"]
    async with session_for(database_url) as holder:
        await holder.execute(
            text("SELECT 1 FROM assembly WHERE id = :a FOR NO KEY UPDATE"),
            {"a": ids["assembly"]},
        )
        await holder.execute(
            text("SELECT 1 FROM recall_petition WHERE id = :p FOR NO KEY UPDATE"),
            {"p": ids["petition"]},
        )
        await holder.execute(
            text("SELECT 1 FROM election WHERE id = :e FOR NO KEY UPDATE"), {"e": ids["election"]}
        )
        await holder.execute(  # held, and then due: only a read could try to take them now
            text("SELECT pg_sleep(greatest(extract(epoch FROM :t - clock_timestamp()), 0) + 0.1)"),
            {"t": due},
        )
        async with asyncio.timeout(HANG):
            for who, path in api:
                r = await client.get(path, headers=auth(who))
                assert r.status_code == 200, (path, r.text)
            member = {SESSION_COOKIE: await session_cookie(app, "S3")}
            for path in pages:
                r = await client.get(path, cookies=member)
                assert r.status_code == 200, (path, r.status_code)
            chair = {SESSION_COOKIE: await session_cookie(app, CHAIR)}
            r = await client.get("/chair", cookies=chair)
            assert r.status_code == 200
            r = await client.get(f"/assemblies/{assembly['id']}/hall", cookies=chair)
            assert r.status_code == 200  # the hall screen reads, and takes no step
        assert len(await log_entries(database_url)) == logged
        async with session_for(database_url) as session:
            states = {
                "assembly": await session.scalar(
                    text("SELECT state FROM assembly WHERE id = :i"), {"i": ids["assembly"]}
                ),
                "petition": await session.scalar(
                    text("SELECT state FROM recall_petition WHERE id = :i"), {"i": ids["petition"]}
                ),
                "election": await session.scalar(
                    text("SELECT state FROM election WHERE id = :i"), {"i": ids["election"]}
                ),
            }
        assert states == {
            "assembly": "draft",
            "petition": "open",
            "election": "nominations_open",
        }
        await holder.rollback()

    await settle(database_url)
    steps = [(e["type"], e["actor"]) for e in (await log_entries(database_url))[logged:]]
    assert {actor for _, actor in steps} == {"system"}
    for step in ("assembly.state_changed", "petition.failed", "election.nominations_closed"):
        assert [t for t, _ in steps].count(step) == 1, steps
