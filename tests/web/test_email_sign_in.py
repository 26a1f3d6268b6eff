"""Signing in by email against a real SMTP server (aiosmtpd): the mail, its link and code,
single use, expiry, no enumeration, Welsh, officers by grant, floods and rate limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from service.app import create_app
from service.database import session_for
from service.settings import Settings
from service.signin.store import record_grant
from tests.conftest import running
from tests.sessions import MovableClock
from tests.signin_mail import MailServer, code_in, mail_server, settings_sending_to
from tests.web.conftest import csrf_of


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: MailServer) -> Settings:
    settings: Settings = settings_sending_to(
        smtp, tmp_path / "plenary", database_url, PLENARY_MAIL_FROM="Plenary <vote@party.example>"
    )
    return settings


def _browser(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="https://plenary.test")


@pytest.fixture
async def web(app: Litestar, roll: None) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app), _browser(app) as client:
        yield client


async def ask(client: httpx.AsyncClient, who: str) -> httpx.Response:
    page = await client.get("/sign-in")
    return await client.post("/sign-in/email", data={"csrf": csrf_of(page.text), "who": who})


async def use(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get(f"/sign-in/code?code={code}")
    assert "plenary_session" not in page.headers.get("set-cookie", "")
    return await client.post("/sign-in/code", data={"csrf": csrf_of(page.text), "code": code})


def _visible(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


async def test_a_member_signs_in_with_the_link_from_the_mail(
    web: httpx.AsyncClient, smtp: MailServer
) -> None:
    asked = await ask(web, "m00001@members.example")
    assert asked.status_code == 200
    assert "a sign-in link is on its way" in asked.text
    (mail,) = await smtp.wait_for(1)
    assert mail["To"] == "m00001@members.example"
    assert mail["From"] == "Plenary <vote@party.example>"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "https://plenary.test/sign-in/code?code=" in body
    code = code_in(mail)
    assert f"{code[:5]}-{code[5:]}" in body
    signed = await use(web, code)
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/home"
    assert "Signed in as M00001" in (await web.get("/home")).text


async def test_the_code_works_once_typed_on_another_device(
    web: httpx.AsyncClient, smtp: MailServer, app: Litestar
) -> None:
    await ask(web, "M00002")
    code = code_in((await smtp.wait_for(1))[0])
    async with _browser(app) as phone:
        page = await phone.get("/sign-in/code")
        typed = f"{code[:5].lower()} {code[5:]}"
        signed = await phone.post("/sign-in/code", data={"csrf": csrf_of(page.text), "code": typed})
        assert signed.status_code == 303
    again = await use(web, code)
    assert again.status_code == 401
    assert "That code did not work" in again.text
    assert (await web.get("/home")).status_code == 303


async def test_the_page_is_the_same_whether_or_not_the_address_is_on_the_roll(
    web: httpx.AsyncClient, smtp: MailServer
) -> None:
    known = await ask(web, "m00003@members.example")
    unknown = await ask(web, "nobody@nowhere.example")
    number = await ask(web, "X99999")
    assert known.status_code == unknown.status_code == number.status_code == 200
    assert _visible(known.text) == _visible(unknown.text) == _visible(number.text)
    await smtp.wait_for(1)
    assert len(smtp.received) == 1


async def test_a_code_older_than_its_time_is_refused(
    web: httpx.AsyncClient, smtp: MailServer, app: Litestar
) -> None:
    clock = MovableClock()
    app.state.clock = clock
    await ask(web, "M00004")
    code = code_in((await smtp.wait_for(1))[0])
    clock.advance(minutes=15)
    assert (await use(web, code)).status_code == 401


async def test_a_bad_code_is_refused_and_changes_nothing(web: httpx.AsyncClient) -> None:
    for junk in ("", "nonsense", "ABCDE-FGHJK"):
        answer = await use(web, junk)
        assert answer.status_code == 401
        assert "plenary_session" not in answer.headers.get("set-cookie", "")


async def test_the_mail_is_in_welsh_when_the_page_is(
    web: httpx.AsyncClient, smtp: MailServer
) -> None:
    await web.get("/language/cy")
    asked = await ask(web, "M00005")
    assert "Edrychwch ar eich e-bost" in asked.text
    (mail,) = await smtp.wait_for(1)
    assert mail["Subject"] == "Eich dolen mewngofnodi i Plenary"
    assert "Neu teipiwch y cod hwn" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_an_officer_not_on_the_roll_signs_in_through_a_grant_naming_their_email(
    web: httpx.AsyncClient, smtp: MailServer, database_url: str
) -> None:
    async with session_for(database_url) as db:
        await record_grant(
            db, email="ro@party.example", subject="RO1", role="returning_officer", granted_by="A"
        )
        await db.commit()
    await ask(web, "RO@party.example")
    (mail,) = await smtp.wait_for(1)
    assert mail["To"] == "ro@party.example"
    signed = await use(web, code_in(mail))
    assert signed.headers["location"] == "/officer"


async def test_a_flood_of_requests_mails_a_few_and_every_held_code_still_works(
    web: httpx.AsyncClient, smtp: MailServer, app: Litestar
) -> None:
    answers = [(await ask(web, "M00006")).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3  # the per-target limit, five a minute
    mails = await smtp.wait_for(3)
    codes = [code_in(m) for m in mails]
    assert len(smtp.received) == 3
    async with _browser(app) as other:
        assert (await use(other, codes[0])).status_code == 303
    assert (await use(web, codes[2])).status_code == 303


async def test_requests_are_limited_per_client_address_with_retry_after(
    settings: Settings, roll: None
) -> None:
    app = create_app(
        settings.with_(extra={**settings.extra, "PLENARY_SIGN_IN_REQUESTS_PER_ADDRESS": "2"})
    )
    async with running(app), _browser(app) as client:
        answers = [await ask(client, f"x{n}@nowhere.example") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1


async def test_requests_are_limited_per_target_apart_from_the_address(
    settings: Settings, roll: None
) -> None:
    extra = {**settings.extra, "PLENARY_SIGN_IN_REQUESTS_PER_TARGET": "2"}
    app = create_app(settings.with_(extra=extra))
    async with running(app), _browser(app) as client:
        answers = [await ask(client, "M00007") for _ in range(3)]
        other = await ask(client, "M00008")
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert other.status_code == 200


async def test_revoking_an_officers_grant_ends_their_sessions(
    web: httpx.AsyncClient, smtp: MailServer, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/sign-in-grants",
        json={"email": "Auditor@party.example", "subject": "AUDIT9", "role": "auditor"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    listed = await web.get("/api/v1/sign-in-grants", headers=admin)
    assert [g["email"] for g in listed.json()] == ["auditor@party.example"]
    await ask(web, "auditor@party.example")
    signed = await use(web, code_in((await smtp.wait_for(1))[0]))
    assert signed.headers["location"] == "/audit"
    assert (await web.get("/audit")).status_code == 200
    revoked = await web.delete(f"/api/v1/sign-in-grants/{made.json()['id']}", headers=admin)
    assert revoked.status_code == 204
    assert (await web.get("/audit")).status_code == 303
    again = await web.delete(f"/api/v1/sign-in-grants/{made.json()['id']}", headers=admin)
    assert again.status_code == 404


async def test_a_grant_needs_an_email_and_an_officers_role(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    for body in (
        {"email": "not-an-address", "subject": "RO9", "role": "returning_officer"},
        {"email": "ro@party.example", "subject": "RO9", "role": "emperor"},
    ):
        answer = await web.post("/api/v1/sign-in-grants", json=body, headers=admin)
        assert answer.status_code == 422
    assert (await web.get("/api/v1/sign-in-grants", headers=admin)).json() == []
