"""In Chromium: a member asks for a sign-in link, reads the mail an SMTP server (aiosmtpd)
received, signs in with its code typed on the page, signs out, and the old cookie is refused.
Skips, saying why, without Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.signin_mail import MailServer, code_in, mail_server, settings_sending_to
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    check_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: MailServer) -> Settings:
    settings: Settings = settings_sending_to(smtp, tmp_path / "plenary", database_url)
    return settings


async def test_a_member_signs_in_by_email_code_and_out_again_in_chromium(
    site: str, smtp: MailServer
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            context = await chromium.new_context(
                bypass_csp=True, viewport={"width": 420, "height": 900}
            )
            page: Any = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(f"{site}/sign-in")
            await check_page(page, "sign-in-email")
            await page.get_by_label("Email address or membership number").fill("M00001")
            await page.get_by_role("button", name="Email me a sign-in link").click()
            await page.get_by_role("heading", name="Check your email").wait_for()
            await check_page(page, "sign-in-code")
            code = code_in((await smtp.wait_for(1))[0])
            await page.get_by_label("Sign-in code").fill(f"{code[:5]}-{code[5:]}")
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await page.get_by_text("Signed in as M00001").wait_for()
            cookie = next(
                c["value"] for c in await context.cookies() if c["name"] == "plenary_session"
            )
            await page.get_by_role("button", name="Sign out", exact=True).click()
            await page.wait_for_url(f"{site}/sign-in")
        finally:
            await chromium.close()
    async with httpx.AsyncClient(base_url=site, cookies={"plenary_session": cookie}) as old:
        assert (await old.get("/home")).status_code == 303
