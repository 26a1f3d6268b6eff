"""Rate limits on casting and signing in, per member and per address, with ``RateLimit-*``
headers and 429 problem+json; counters in PostgreSQL, so every service process shares them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from service.app import create_app
from service.ratelimit import LIMITED_ROUTES
from service.settings import Settings, SettingsError
from tests.hardening.conftest import Serve, assert_problem
from tests.voting.conftest import ROLL

_AUTHZ = Callable[..., dict[str, str]]


async def _open_motions(
    client: httpx.AsyncClient, auth: _AUTHZ, count: int = 1
) -> list[dict[str, Any]]:
    """The test roll imported and ``count`` open motion votes (national scope)."""
    ro = auth("RO1", "returning_officer")
    imported = await client.post(
        "/api/v1/members/import",
        content=ROLL.encode(),
        headers={**auth("ADMIN1", "admin"), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    contests = []
    for n in range(count):
        made = await client.post(
            "/api/v1/contests", json={"title": f"Motion {n}", "kind": "motion"}, headers=ro
        )
        assert made.status_code == 201, made.text
        opened = await client.post(f"/api/v1/contests/{made.json()['id']}/open", headers=ro)
        assert opened.status_code == 200, opened.text
        contests.append(opened.json())
    return contests


def _cast(
    client: httpx.AsyncClient, contest: dict[str, Any], headers: dict[str, str], **extra: str
) -> Any:
    return client.post(
        f"/api/v1/contests/{contest['id']}/ballots",
        json={"choice": "for"},
        headers={**headers, **extra},
    )


async def test_a_member_casting_too_fast_gets_429_with_retry_after(
    serve: Serve, auth: _AUTHZ
) -> None:
    async with serve(cast_rate_per_member=2, cast_rate_per_address=100) as client:
        first, second, third = await _open_motions(client, auth, 3)
        ok = await _cast(client, first, auth("S1"))
        again = await _cast(client, first, auth("S1"))  # refused as a second vote: still counts
        limited = await _cast(client, second, auth("S1"))
        other_member = await _cast(client, third, auth("S2"))
    assert ok.status_code == 201, ok.text
    assert ok.headers["RateLimit-Limit"] == "2"
    assert ok.headers["RateLimit-Remaining"] == "1"
    assert 1 <= int(ok.headers["RateLimit-Reset"]) <= 60
    assert again.status_code == 409
    assert again.headers["RateLimit-Remaining"] == "0"
    problem = assert_problem(limited, 429)
    assert "try again in" in problem["detail"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert other_member.status_code == 201, other_member.text
    # The vote refused with 429 was not recorded: the member may still cast it later.
    assert "Retry-After" not in ok.headers


async def test_many_members_casting_from_one_address_are_limited_per_address(
    serve: Serve, auth: _AUTHZ
) -> None:
    async with serve(cast_rate_per_member=100, cast_rate_per_address=3) as client:
        (contest,) = await _open_motions(client, auth)
        answers = [await _cast(client, contest, auth(f"S{n}")) for n in range(1, 5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert_problem(answers[3], 429)


async def test_addresses_behind_a_trusted_proxy_are_counted_apart(
    serve: Serve, auth: _AUTHZ
) -> None:
    async with serve(cast_rate_per_address=1, trusted_proxies=("127.0.0.1",)) as client:
        (contest,) = await _open_motions(client, auth)
        first = await _cast(client, contest, auth("S1"), **{"X-Forwarded-For": "198.51.100.1"})
        second = await _cast(client, contest, auth("S2"), **{"X-Forwarded-For": "198.51.100.2"})
        third = await _cast(client, contest, auth("S3"), **{"X-Forwarded-For": "198.51.100.2"})
    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 429]


async def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
    serve: Serve, auth: _AUTHZ
) -> None:
    async with serve(
        peer="203.0.113.7", cast_rate_per_address=1, trusted_proxies=("10.0.0.1",)
    ) as client:
        (contest,) = await _open_motions(client, auth)
        first = await _cast(client, contest, auth("S1"), **{"X-Forwarded-For": "198.51.100.1"})
        second = await _cast(client, contest, auth("S2"), **{"X-Forwarded-For": "198.51.100.2"})
    assert [first.status_code, second.status_code] == [201, 429]


async def test_the_limit_holds_across_service_processes_sharing_one_database(
    settings: Settings, auth: _AUTHZ
) -> None:
    """Two apps (as two processes behind a load balancer): the counter is in PostgreSQL."""
    from tests.conftest import running

    limited = settings.with_(cast_rate_per_member=2, cast_rate_per_address=100)
    one: Litestar = create_app(limited)
    two: Litestar = create_app(limited)
    async with running(one), running(two):
        a = httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url="http://a")  # type: ignore[arg-type]
        b = httpx.AsyncClient(transport=httpx.ASGITransport(app=two), base_url="http://b")  # type: ignore[arg-type]
        async with a, b:
            first, second, third = await _open_motions(a, auth, 3)
            answers = [
                await _cast(a, first, auth("S1")),
                await _cast(b, second, auth("S1")),
                await _cast(a, third, auth("S1")),
                await _cast(b, third, auth("S1")),
            ]
    assert [r.status_code for r in answers] == [201, 201, 429, 429]


async def test_failed_bearer_tokens_are_limited_per_address_and_good_ones_are_not(
    serve: Serve, auth: _AUTHZ
) -> None:
    bad = {"Authorization": "Bearer not.a.token"}
    async with serve(sign_in_rate_per_address=2, sign_in_rate_per_member=100) as client:
        good = [await client.get("/api/v1/me", headers=auth("S1")) for _ in range(4)]
        answers = [await client.get("/api/v1/me", headers=bad) for _ in range(3)]
        still_good = await client.get("/api/v1/me", headers=auth("S1"))
    assert all(r.status_code == 200 for r in good)
    assert "RateLimit-Limit" not in good[0].headers
    assert [r.status_code for r in answers] == [401, 401, 429]
    assert answers[0].headers["RateLimit-Remaining"] == "1"
    assert_problem(answers[2], 429)
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert still_good.status_code == 200


async def test_forged_tokens_for_one_member_are_limited_per_member(
    serve: Serve, auth: _AUTHZ, token: Callable[..., str]
) -> None:
    """A token for S1 with a broken signature counts against S1's bad-token allowance."""
    header, payload, _ = token("S1").split(".")
    forged = {"Authorization": f"Bearer {header}.{payload}.AAAA"}
    async with serve(sign_in_rate_per_address=100, sign_in_rate_per_member=2) as client:
        answers = [await client.get("/api/v1/me", headers=forged) for _ in range(3)]
    assert [r.status_code for r in answers] == [401, 401, 429]


async def _hand_off(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """The sign-on's POST back to /sign-in/token with the state the sign-in page issued."""
    page = await client.get("/sign-in")
    state = page.cookies.get("plenary_sign_in_state") or client.cookies["plenary_sign_in_state"]
    return await client.post("/sign-in/token", data={"token": token, "state": state})


async def test_web_sign_in_is_limited_per_address(serve: Serve) -> None:
    async with serve(sign_in_rate_per_address=2, base_url="https://plenary.test") as client:
        answers = [await _hand_off(client, "nonsense") for _ in range(3)]
    assert [r.status_code for r in answers] == [401, 401, 429]
    assert answers[0].headers["RateLimit-Limit"] == "2"
    assert answers[2].headers["content-type"].startswith("text/html")
    assert int(answers[2].headers["Retry-After"]) >= 1


async def test_web_sign_in_is_limited_per_member(serve: Serve, token: Callable[..., str]) -> None:
    async with serve(
        sign_in_rate_per_address=100, sign_in_rate_per_member=2, base_url="https://plenary.test"
    ) as client:
        answers = [await _hand_off(client, token("S1")) for _ in range(3)]
        other = await _hand_off(client, token("S2"))
    assert [r.status_code for r in answers] == [303, 303, 429]
    assert other.status_code == 303


async def test_junk_tokens_claiming_a_member_do_not_lock_them_out_of_signing_in(
    serve: Serve, token: Callable[..., str]
) -> None:
    """Eleven forged tokens naming S1, on the API and on the hand-off, carry no credential:
    S1's own token still signs them in on the page."""
    header, payload, _ = token("S1").split(".")
    forged = f"{header}.{payload}.AAAA"
    async with serve(
        sign_in_rate_per_address=1000, sign_in_rate_per_member=10, base_url="https://plenary.test"
    ) as client:
        for _ in range(11):
            await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
            await _hand_off(client, forged)
        signed = await _hand_off(client, token("S1"))
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/home"


async def test_limits_set_to_zero_are_off(serve: Serve, auth: _AUTHZ) -> None:
    async with serve(cast_rate_per_member=0, cast_rate_per_address=0) as client:
        (contest,) = await _open_motions(client, auth)
        answer = await _cast(client, contest, auth("S1"))
    assert answer.status_code == 201
    assert "RateLimit-Limit" not in answer.headers


async def test_every_limited_route_exists_in_the_app(app: Litestar) -> None:
    """A renamed route would silently lose its limit; this names the entry to fix."""
    existing = {
        (method, route.path_format)
        for route in app.routes
        for method in getattr(route, "methods", ())
    }
    missing = [entry for entry in LIMITED_ROUTES if entry not in existing]
    assert not missing, (
        f"service/ratelimit.py LIMITED_ROUTES names routes that no longer exist: {missing}"
    )


def test_the_service_has_limits_on_unless_its_environment_says_otherwise() -> None:
    defaults = Settings.from_env({})
    assert (defaults.cast_rate_per_member, defaults.cast_rate_per_address) == (30, 1200)
    assert (defaults.sign_in_rate_per_member, defaults.sign_in_rate_per_address) == (10, 300)
    assert defaults.max_body_bytes == 1024 * 1024
    off = Settings.from_env({"PLENARY_CAST_RATE_PER_ADDRESS": "0"})
    assert off.cast_rate_per_address == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PLENARY_CAST_RATE_PER_MEMBER", "-1"),
        ("PLENARY_RATE_WINDOW", "0"),
        ("PLENARY_MAX_BODY_BYTES", "0"),
        ("PLENARY_TRUSTED_PROXIES", "10.0.0.1,not-an-address"),
        ("PLENARY_SIGN_IN_RATE_PER_ADDRESS", "many"),
    ],
)
def test_a_limit_setting_the_service_cannot_use_is_refused_naming_it(
    variable: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


async def test_casting_from_the_pages_counts_against_the_same_member(
    serve: Serve, auth: _AUTHZ, token: Callable[..., str]
) -> None:
    """The page's cast (session cookie) and the API's cast share the member's allowance."""
    async with serve(
        cast_rate_per_member=1, cast_rate_per_address=100, base_url="https://plenary.test"
    ) as client:
        first, second = await _open_motions(client, auth, 2)
        by_api = await _cast(client, first, auth("S1"))
        assert (await _hand_off(client, token("S1"))).status_code == 303
        by_page = await client.post(f"/contests/{second['id']}/cast", data={"choice": "for"})
    assert by_api.status_code == 201, by_api.text
    assert by_page.status_code == 429
    assert by_page.headers["RateLimit-Remaining"] == "0"
    assert int(by_page.headers["Retry-After"]) >= 1


async def test_counters_are_named_under_the_deployment_secret_and_ended_windows_dropped(
    serve: Serve, auth: _AUTHZ, settings: Settings, database_url: str
) -> None:
    """The database operator's attack: hash each membership number as the counters' names are
    hashed and read who voted in which minute. Under a key they do not hold, no name matches;
    and a window that has ended is gone."""
    import hashlib

    from sqlalchemy import text

    from service.database import session_for
    from service.keys import rate_limit_secret
    from service.ratelimit import bucket

    async with session_for(database_url) as session:
        await session.execute(
            text("INSERT INTO rate_limit_window (bucket, window_start, hits) VALUES ('old', 60, 1)")
        )
        await session.commit()
    async with serve(cast_rate_per_member=5, cast_rate_per_address=100) as client:
        (motion,) = await _open_motions(client, auth)
        assert (await _cast(client, motion, auth("S1"))).status_code == 201
    async with session_for(database_url) as session:
        names = set((await session.scalars(text("SELECT bucket FROM rate_limit_window"))).all())
    assert "old" not in names
    guesses = {
        hashlib.sha256(f"{kind}:member:{member}".encode()).hexdigest()
        for kind in ("cast", "sign_in", "sign-in")
        for member in ("S1", "S2", "W1")
    }
    assert names
    assert not names & guesses
    secret = rate_limit_secret(settings)
    assert (settings.keys_dir / "rate-limit.secret").stat().st_mode & 0o077 == 0
    assert bucket(secret, "cast:member:S1") in names
