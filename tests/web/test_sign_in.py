"""Signing in to the pages: the sign-on's token link, the demo picker, the session cookie and
forgery protection on every form."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from service.app import create_app
from service.settings import Settings
from service.web.csrf import _token_for, csrf_token
from tests.conftest import running
from tests.web.conftest import csrf_of, sign_in


async def test_demo_sign_in_keeps_the_token_in_an_httponly_samesite_cookie(
    web: httpx.AsyncClient,
) -> None:
    answer = await sign_in(web, "M00001")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("plenary_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    assert answer.headers["location"] == "/home"
    home = await web.get("/home")
    assert home.status_code == 200
    assert "Signed in as M00001" in home.text


async def test_officers_land_on_their_own_desk(web: httpx.AsyncClient) -> None:
    assert (await sign_in(web, "RO1")).headers["location"] == "/officer"
    await web.post("/sign-out", data={"csrf": csrf_of((await web.get("/officer")).text)})
    assert (await sign_in(web, "AUDIT1")).headers["location"] == "/audit"


async def test_a_page_asks_for_sign_in_then_returns_to_it(web: httpx.AsyncClient) -> None:
    answer = await web.get("/home")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/home"
    page = await web.get("/sign-in?next=/home")
    signed = await web.post(
        "/sign-in/demo", data={"csrf": csrf_of(page.text), "subject": "M00002", "next": "/home"}
    )
    assert signed.headers["location"] == "/home"


async def test_next_never_leads_to_another_site(web: httpx.AsyncClient) -> None:
    page = await web.get("/sign-in")
    signed = await web.post(
        "/sign-in/demo",
        data={"csrf": csrf_of(page.text), "subject": "M00002", "next": "//evil.example/x"},
    )
    assert signed.headers["location"] == "/home"


async def _hand_off(web: httpx.AsyncClient, token: str, **extra: str) -> httpx.Response:
    """The sign-on's POST back with the state this browser's sign-in page issued."""
    await web.get("/sign-in")
    state = web.cookies["plenary_sign_in_state"]
    return await web.post("/sign-in/token", data={"token": token, "state": state, **extra})


async def test_the_sign_on_hand_off_starts_a_session(
    web: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    answer = await _hand_off(web, token("M00003"))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/home"
    assert "plenary_session=" in answer.headers["set-cookie"]
    assert "Signed in as M00003" in (await web.get("/home")).text


async def test_an_expired_sign_on_token_is_refused_with_the_reason(
    web: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    answer = await _hand_off(web, token("M00003", ttl=-120))
    assert answer.status_code == 401
    assert "the token has expired" in answer.text
    assert "plenary_session" not in answer.headers.get("set-cookie", "")


async def test_a_hand_off_without_this_browsers_state_is_refused(
    web: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    """Login CSRF: another site posting its own token into this browser is refused, whether
    it sends no state, a state of its own, or one from another browser."""
    await web.get("/sign-in")
    for state in ("", "made-up"):
        answer = await web.post("/sign-in/token", data={"token": token("M00003"), "state": state})
        assert answer.status_code == 401
        assert "did not start from this site" in answer.text
        assert "plenary_session" not in answer.headers.get("set-cookie", "")
    assert (await web.get("/home")).status_code == 303


async def test_the_state_is_used_once(web: httpx.AsyncClient, token: Callable[..., str]) -> None:
    await web.get("/sign-in")
    state = web.cookies["plenary_sign_in_state"]
    first = await web.post("/sign-in/token", data={"token": token("M00003"), "state": state})
    assert first.status_code == 303
    assert "plenary_sign_in_state" not in web.cookies
    web.cookies.set("plenary_session", "", domain="plenary.test")
    again = await web.post("/sign-in/token", data={"token": token("M00004"), "state": state})
    assert again.status_code == 401


async def test_no_get_starts_a_session(web: httpx.AsyncClient, token: Callable[..., str]) -> None:
    answer = await web.get("/sign-in/token", params={"token": token("M00003")})
    assert answer.status_code in (404, 405)
    assert "plenary_session" not in answer.headers.get("set-cookie", "")


async def test_a_form_without_its_csrf_token_is_refused(web: httpx.AsyncClient) -> None:
    await sign_in(web, "M00001")
    forged = await web.post("/sign-out", data={"csrf": "made-up"})
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    missing = await web.post("/sign-out")
    assert missing.status_code == 403


async def test_sign_out_forgets_the_session(web: httpx.AsyncClient) -> None:
    await sign_in(web, "M00001")
    page = await web.get("/home")
    out = await web.post("/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert 'plenary_session=""' in out.headers["set-cookie"]
    assert (await web.get("/home")).status_code == 303


async def test_demo_sign_in_is_off_unless_switched_on(settings: Settings, roll: None) -> None:
    app: Litestar = create_app(settings.with_(extra={"PLENARY_DEMO_SIGN_IN": "0"}))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as client:
            page = await client.get("/sign-in")
            assert "Demo: choose who you are" not in page.text
            anonymous = client.cookies["plenary_anon"]
            refused = await client.post(
                "/sign-in/demo", data={"csrf": _token_for(anonymous), "subject": "M00001"}
            )
            assert refused.status_code == 404


async def test_cookies_are_not_secure_only_on_plain_http_to_a_loopback_address(
    app: Litestar, roll: None
) -> None:
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        for base, secure in (("http://127.0.0.1:8000", False), ("http://plenary.test", True)):
            async with httpx.AsyncClient(transport=transport, base_url=base) as client:
                page = await client.get("/sign-in")
                assert ("Secure" in page.headers["set-cookie"]) is secure, base


def test_csrf_tokens_differ_between_sessions() -> None:
    class Fake:
        def __init__(self, session: str) -> None:
            self.cookies = {"plenary_session": session}
            self.scope: dict[str, object] = {}

    assert csrf_token(Fake("a")) != csrf_token(Fake("b"))  # type: ignore[arg-type]
    assert csrf_token(Fake("a")) == csrf_token(Fake("a"))  # type: ignore[arg-type]


def test_browser_tests_say_why_they_skip_without_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.web import browser

    monkeypatch.setattr(browser, "CHROMIUM", browser.ROOT / "no-such-chromium")
    reason = browser.browser_missing()
    assert reason is not None
    assert "make browser" in reason
