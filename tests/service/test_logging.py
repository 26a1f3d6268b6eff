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
