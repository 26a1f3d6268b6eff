"""Every ordinary refusal is one log line at INFO or WARNING naming its status and the problem's
type, never a traceback and never what the request carried."""

from __future__ import annotations

import logging

import httpx
import pytest

from service.app import create_app
from tests.conftest import running
from tests.voting.conftest import Contests, import_roll

SECRET_CHOICE = "abstain-but-quietly-from-glasgow"


@pytest.fixture
def limited_app(settings):
    """Rate limits on, tight enough for a test to reach them."""
    return create_app(settings.with_(cast_rate_per_member=3))


async def test_refusals_are_one_line_each_without_content_or_traceback(
    limited_app, auth, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(limited_app):
        transport = httpx.ASGITransport(app=limited_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await import_roll(client, auth, "membership_number,name,email,branch,region,status\n"
                              "S1,Scot 1,s1@x.org,glasgow,SCO,active\n")  # fmt: skip
            contests = Contests(client, auth("RO1", "returning_officer"), auth)
            motion = await contests.create(title="Quiet motion", kind="motion")
            await contests.step(motion, "open")
            ballots = f"/api/v1/contests/{motion['id']}/ballots"
            statuses = []
            for request in (
                client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"}),
                client.post("/api/v1/contests", json={"title": "x"}, headers=auth("S1")),
                client.get(
                    "/api/v1/contests/00000000-0000-0000-0000-000000000000", headers=auth("S1")
                ),
                client.post(ballots, json={"choice": SECRET_CHOICE}, headers=auth("S1")),
                client.post(ballots, json={"choice": "for"}, headers=auth("S1")),
                client.post(ballots, json={"choice": "against"}, headers=auth("S1")),
                client.post(ballots, json={"choice": "against"}, headers=auth("S1")),
                client.get(
                    "/contests/00000000-0000-0000-0000-000000000000",
                    headers={"Cookie": "plenary_session=junk"},
                ),
            ):
                statuses.append((await request).status_code)
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert {401, 403, 404, 409, 422, 429} <= set(statuses), statuses
    assert "Traceback" not in logged
    assert "Uncaught exception" not in logged
    assert SECRET_CHOICE not in logged
    assert '"against"' not in logged
    assert "'against'" not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for status in {401, 403, 404, 409, 422, 429}:
        lines = [line for line in logged.splitlines() if f"refused {status} " in line]
        assert lines, f"no line for the {status} refusal"
