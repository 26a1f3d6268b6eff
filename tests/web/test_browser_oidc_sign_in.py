"""In Chromium: a member signs in with the organisation's provider (oidc-provider under node),
lands at home, signs out; a member not on the roll gets the refusal page, which passes the
accessibility checks. Skips, saying why, without Chromium or node."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from service.settings import Settings
from tests.conftest import without_rate_limits
from tests.oidc_provider import LocalProvider, local_provider, oidc_settings
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    check_page,
    serve,
    skip_without_browser,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    skip_without_browser()
    with local_provider(("A",)) as running_provider:
        yield running_provider


@pytest.fixture
def settings(tmp_path: Path, database_url: str, provider: LocalProvider) -> Settings:
    return without_rate_limits(
        Settings(
            data_dir=tmp_path / "plenary", database_url=database_url, extra=oidc_settings(provider)
        )
    )


@pytest.fixture
async def site(app: Litestar, roll: None, provider: LocalProvider) -> AsyncIterator[str]:
    async for url in serve(app):
        provider.redirect_uris = [f"{url}/sign-in/oidc/callback"]
        provider.start(("A",))  # the provider learns where this Plenary listens
        yield url


async def _sign_in_at_provider(page: Any, site: str, account: str) -> None:
    await page.goto(f"{site}/sign-in")
    await page.get_by_role("link", name="Sign in with Party Account").click()
    await page.get_by_label("Account").fill(account)
    await page.get_by_role("button", name="Sign in to the provider").click()


async def test_a_member_signs_in_with_the_organisations_provider_in_chromium(site: str) -> None:
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
            await check_page(page, "sign-in-oidc")
            await _sign_in_at_provider(page, site, "alice")
            await page.get_by_text("Signed in as M00001").wait_for()
            await page.get_by_role("button", name="Sign out", exact=True).click()
            await page.wait_for_url(f"{site}/sign-in")
            await context.clear_cookies()  # signed out of the provider too
            await _sign_in_at_provider(page, site, "stranger")
            await page.get_by_text("not on the roll of active members").wait_for()
            await check_page(page, "sign-in-oidc-refused")
        finally:
            await chromium.close()
