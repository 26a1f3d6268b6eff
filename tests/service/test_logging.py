"""Structured logs name requests, never their bodies, tokens or cookies."""

from __future__ import annotations

import logging

import pytest

from tests.voting.conftest import ROLL


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_request_logs_hold_no_bodies_tokens_or_ballots(
    client, token, captured: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    admin = token("ADMIN1", "admin")
    ro = token("RO1", "returning_officer")
    voter = token("S1")
    imported = await client.post(
        "/api/v1/members/import",
        content=ROLL.encode(),
        headers={
            "Authorization": f"Bearer {admin}",
            "Content-Type": "text/csv",
            "Cookie": "session=secret-cookie",
        },
    )
    assert imported.status_code == 201
    motion = (
        await client.post(
            "/api/v1/contests",
            json={"title": "Logged motion", "kind": "motion"},
            headers={"Authorization": f"Bearer {ro}"},
        )
    ).json()
    await client.post(
        f"/api/v1/contests/{motion['id']}/open", headers={"Authorization": f"Bearer {ro}"}
    )
    cast = await client.post(
        f"/api/v1/contests/{motion['id']}/ballots",
        json={"choice": "against"},
        headers={"Authorization": f"Bearer {voter}"},
    )
    assert cast.status_code == 201
    out, err = capfd.readouterr()
    logged = out + err + captured.text
    assert "/ballots" in logged  # requests are logged…
    for secret in (
        admin,
        ro,
        voter,
        "secret-cookie",
        "Scot 1",
        "s1@x.org",
        '"against"',
        cast.json()["receipt"],
    ):
        assert secret not in logged, secret  # …but never what they carried


async def test_request_lines_are_left_out_above_info(
    settings, capfd: pytest.CaptureFixture[str]
) -> None:
    """PLENARY_LOG_LEVEL=WARNING (as on an election night) writes no line per request."""
    import httpx

    from service.app import create_app
    from tests.conftest import running

    app = create_app(settings.with_(log_level="WARNING"))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/ready")).status_code == 200
    out, err = capfd.readouterr()
    # (httpx, the test's client, logs its own "HTTP Request: GET …" line; that is not ours.)
    assert '"event":"HTTP Request"' not in out + err
    assert '"path":"/ready"' not in out + err
