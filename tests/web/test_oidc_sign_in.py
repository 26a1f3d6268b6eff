"""Signing in with the organisation's OpenID Connect provider, against a real, certified one
(``oidc-provider`` under node): the code flow with PKCE, the roll and grants deciding who is
signed in, key rotation without a restart, and a clear page for every bad input."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import update

from roll.models import Member
from service.app import create_app
from service.database import session_for
from service.settings import Settings
from service.signin.store import record_grant
from service.web.pages_sign_in_oidc import OIDC_COOKIE
from tests.conftest import running, without_rate_limits
from tests.oidc_provider import LocalProvider, local_provider, log_in_at_provider, oidc_settings
from tests.sessions import MovableClock


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    """One provider for the module, signing with key A."""
    with local_provider(("A",)) as running_provider:
        yield running_provider


@pytest.fixture
def changing_provider(provider: LocalProvider) -> Iterator[LocalProvider]:
    """The provider, for a test that stops it or rotates its keys: back on key A after."""
    yield provider
    provider.claims_in_userinfo = False
    provider.start(("A",))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, provider: LocalProvider) -> Settings:
    return without_rate_limits(
        Settings(
            data_dir=tmp_path / "plenary", database_url=database_url, extra=oidc_settings(provider)
        )
    )


@pytest.fixture
async def web(app: Litestar, roll: None) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            yield c


@pytest.fixture
async def at_provider() -> AsyncIterator[httpx.AsyncClient]:
    """The same browser, as it talks to the provider (its own cookies there)."""
    async with httpx.AsyncClient() as client:
        yield client


async def to_callback(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, account: str, next_path: str = ""
) -> str:
    """Start at Plenary's button, log in at the provider; the callback path it sends back.
    Each time a fresh login there (as after signing out of the provider)."""
    at_provider.cookies.clear()
    started = await web.get("/sign-in/oidc" + (f"?next={next_path}" if next_path else ""))
    assert started.status_code == 303, started.text
    back = await log_in_at_provider(at_provider, started.headers["location"], account)
    parts = urlsplit(back)
    return urlunsplit(("", "", parts.path, parts.query, ""))


async def sign_in_as(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, account: str
) -> httpx.Response:
    return await web.get(await to_callback(web, at_provider, account))


async def test_the_sign_in_page_offers_the_organisations_provider(web: httpx.AsyncClient) -> None:
    page = await web.get("/sign-in")
    assert 'href="/sign-in/oidc"' in page.text
    assert "Sign in with Party Account" in page.text


async def test_the_provider_is_asked_for_a_code_with_pkce_state_and_nonce(
    web: httpx.AsyncClient, provider: LocalProvider
) -> None:
    started = await web.get("/sign-in/oidc")
    asked = urlsplit(started.headers["location"])
    query = parse_qs(asked.query)
    assert f"{asked.scheme}://{asked.netloc}" == provider.issuer
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://plenary.test/sign-in/oidc/callback"]
    assert all(query[name][0] for name in ("state", "nonce", "code_challenge"))
    cookie = started.headers["set-cookie"]
    assert all(part in cookie for part in (OIDC_COOKIE, "HttpOnly", "Path=/sign-in/oidc"))
    assert "plenary_session" not in cookie


async def test_a_member_signs_in_at_the_provider_and_is_found_on_the_roll(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    signed = await sign_in_as(web, at_provider, "alice")
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/home"
    assert "plenary_session=" in signed.headers["set-cookie"]
    assert "Signed in as M00001" in (await web.get("/home")).text


async def test_each_sign_in_gets_a_new_session_id(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    await sign_in_as(web, at_provider, "alice")
    first = web.cookies["plenary_session"]
    await sign_in_as(web, at_provider, "alice")
    assert web.cookies["plenary_session"] != first


async def test_the_member_lands_where_they_were_going(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    signed = await web.get(await to_callback(web, at_provider, "alice", next_path="/results"))
    assert signed.headers["location"] == "/results"


async def test_an_officer_is_signed_in_by_the_grant_naming_their_verified_email(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, database_url: str
) -> None:
    async with session_for(database_url) as db:
        await record_grant(
            db, email="ro@party.example", subject="RO7", role="returning_officer", granted_by="A1"
        )
        await db.commit()
    signed = await sign_in_as(web, at_provider, "officer")
    assert signed.headers["location"] == "/officer"
    refused = await sign_in_as(web, at_provider, "unverified-officer")
    assert refused.status_code == 403
    assert "does not give a membership number" in refused.text


async def test_a_provider_releasing_claims_only_at_userinfo_signs_members_and_officers_in(
    web: httpx.AsyncClient,
    at_provider: httpx.AsyncClient,
    changing_provider: LocalProvider,
    database_url: str,
) -> None:
    """A conforming provider (Core §5.4) puts the scopes' claims at UserInfo, not in the ID
    token of the code flow: the membership number and the verified address are read there."""
    changing_provider.claims_in_userinfo = True
    changing_provider.start(("A",))
    async with session_for(database_url) as db:
        await record_grant(
            db, email="ro@party.example", subject="RO7", role="returning_officer", granted_by="A1"
        )
        await db.commit()
    signed = await sign_in_as(web, at_provider, "alice")
    assert signed.status_code == 303, signed.text
    assert "Signed in as M00001" in (await web.get("/home")).text
    officer = await sign_in_as(web, at_provider, "officer")
    assert officer.headers["location"] == "/officer"
    unverified = await sign_in_as(web, at_provider, "unverified-officer")
    assert unverified.status_code == 403
    assert "does not give a membership number" in unverified.text


async def test_a_member_not_on_the_roll_or_not_active_is_refused_with_a_clear_page(
    web: httpx.AsyncClient,
    at_provider: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    database_url: str,
) -> None:
    async with session_for(database_url) as db:  # the roll's next import says M00022 lapsed
        await db.execute(
            update(Member).where(Member.membership_number == "M00022").values(status="lapsed")
        )
        await db.commit()
    with caplog.at_level(logging.INFO, logger="plenary.sign_in"):
        for account in ("stranger", "lapsed"):
            refused = await sign_in_as(web, at_provider, account)
            assert refused.status_code == 403
            assert "not on the roll of active members" in refused.text
            assert "plenary_session=" not in refused.headers.get("set-cookie", "")
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == [
        "OpenID Connect sign-in refused: not_on_roll"
    ] * 2


async def test_an_account_without_the_membership_claim_is_refused(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    refused = await sign_in_as(web, at_provider, "nonumber")
    assert refused.status_code == 403
    assert "does not give a membership number" in refused.text


async def test_a_wrong_state_is_refused_and_signs_no_one_in(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    back = await to_callback(web, at_provider, "alice")
    forged = back.replace("state=", "state=x")
    refused = await web.get(forged)
    assert refused.status_code == 400
    assert "did not start from this site in this browser" in refused.text
    assert (await web.get("/home")).status_code in (302, 303)


async def test_a_callback_in_a_browser_that_did_not_start_it_is_refused(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, app: Litestar
) -> None:
    back = await to_callback(web, at_provider, "alice")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as victim:
        refused = await victim.get(back)
    assert refused.status_code == 400


async def test_a_replayed_code_is_refused(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    back = await to_callback(web, at_provider, "alice")
    pending = web.cookies[OIDC_COOKIE]
    assert (await web.get(back)).status_code == 303
    again = await web.get(back)  # the cookie is used up: refused by its state
    assert again.status_code == 400
    web.cookies.set(OIDC_COOKIE, pending, domain="plenary.test", path="/sign-in/oidc")
    replayed = await web.get(back)  # even with the cookie kept: the provider refuses the code
    assert replayed.status_code == 401
    assert "it may have been used already" in replayed.text


async def test_a_wrong_nonce_is_refused(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    back = await to_callback(web, at_provider, "alice")
    state, _, verifier, target = web.cookies[OIDC_COOKIE].split(".")
    web.cookies.set(
        OIDC_COOKIE,
        ".".join((state, "another-nonce", verifier, target)),
        domain="plenary.test",
        path="/sign-in/oidc",
    )
    refused = await web.get(back)
    assert refused.status_code == 401
    assert "belongs to another sign-in" in refused.text


async def test_an_expired_id_token_is_refused(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, app: Litestar
) -> None:
    back = await to_callback(web, at_provider, "alice")
    clock = MovableClock(start=dt.datetime.now(dt.UTC))
    clock.advance(hours=3)  # the provider's ID tokens last an hour
    app.state.clock = clock
    refused = await web.get(back)
    assert refused.status_code == 401
    assert "has expired" in refused.text


async def test_the_refusal_page_is_in_welsh_for_a_welsh_reader(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient
) -> None:
    web.cookies.set("plenary_lang", "cy", domain="plenary.test")
    refused = await sign_in_as(web, at_provider, "stranger")
    assert refused.status_code == 403
    assert 'lang="cy"' in refused.text
    assert "Nid yw eich rhif aelodaeth ar gofrestr yr aelodau gweithredol" in refused.text


async def test_the_provider_down_gives_a_clear_page_not_an_error(
    web: httpx.AsyncClient, at_provider: httpx.AsyncClient, changing_provider: LocalProvider
) -> None:
    back = await to_callback(web, at_provider, "alice")
    changing_provider.stop()
    refused = await web.get(back)
    assert refused.status_code == 503
    assert "cannot be reached just now" in refused.text
    assert 'action="/sign-in/email"' in refused.text  # the email link is still offered


async def test_a_provider_down_before_discovery_gives_the_same_page(
    tmp_path: Path, database_url: str, roll: None, changing_provider: LocalProvider
) -> None:
    changing_provider.stop()
    settings = Settings(
        data_dir=tmp_path / "p2", database_url=database_url, extra=oidc_settings(changing_provider)
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            refused = await c.get("/sign-in/oidc")
    assert refused.status_code == 503
    assert "cannot be reached just now" in refused.text


async def test_a_key_rotation_at_the_provider_locks_no_one_out_and_needs_no_restart(
    web: httpx.AsyncClient,
    at_provider: httpx.AsyncClient,
    changing_provider: LocalProvider,
    app: Litestar,
) -> None:
    assert (await sign_in_as(web, at_provider, "alice")).status_code == 303  # signed with A
    cache = await app.state.oidc.keys()
    assert cache.kids == {"A"}
    changing_provider.rotate(("B", "A"))  # B signs now; A is still published
    signed = await sign_in_as(web, at_provider, "alice")
    assert signed.status_code == 303, signed.text
    assert cache.kids == {"A", "B"}
    changing_provider.rotate(("B",))  # A retired
    assert (await sign_in_as(web, at_provider, "alice")).status_code == 303


async def test_no_provider_set_means_no_button_and_no_route(
    tmp_path: Path, database_url: str, roll: None
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "p3", database_url=database_url))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            assert "/sign-in/oidc" not in (await c.get("/sign-in")).text
            assert (await c.get("/sign-in/oidc")).status_code == 404
