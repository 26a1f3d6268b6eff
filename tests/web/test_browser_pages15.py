"""Issue 15's member-facing pages in Chromium, on a desktop and a 390 px phone, with and
without JavaScript: the error page, the API documentation, an election's ballot and the
audit page pass axe-core, stay under 100 KB, fit the phone's width, and are saved as
screenshots in ``test-artifacts/web``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.web.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    SIZES,
    TIMEOUT_MS,
    check_page,
)
from tests.web.conftest import RO

pytestmark = pytest.mark.slow


async def _check_both(browser: Any, site: str, path: str, name: str, who: str | None) -> None:
    """Load ``path`` as ``who`` at each size (axe needs JavaScript to run), then on the phone
    without JavaScript too; each fits its width, stays under 100 KB, and is saved."""
    runs = [("desktop", True), ("phone", True), ("phone-no-js", False)]
    for label, javascript in runs:
        viewport = SIZES["desktop" if label == "desktop" else "phone"]
        context = await browser.new_context(
            java_script_enabled=javascript, bypass_csp=True, viewport=viewport
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        if who:
            await page.goto(f"{site}/sign-in")
            await page.check(f"#who-{who}")
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await page.wait_for_load_state()
        answer = await page.goto(f"{site}{path}")
        assert answer is not None
        body = await answer.body()
        assert len(body) < 100_000, f"{name} is {len(body)} bytes"
        wide = await page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= viewport["width"], f"{name} is {wide} px wide at {viewport['width']} px"
        if javascript:
            await check_page(page, f"issue15-{name}-{label}")
        else:
            await page.screenshot(
                path=str(ARTIFACTS / f"issue15-{name}-{label}.png"), full_page=True
            )
        await context.close()


async def test_member_pages_pass_axe_fit_a_phone_and_stay_small(
    site: str, auth: Callable[..., dict[str, str]]
) -> None:
    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(base_url=site, timeout=15) as client:
        created = await client.post(
            "/api/v1/contests/",
            json={
                "title": "Executive committee",
                "kind": "election",
                "seats": 2,
                "candidates": [{"name": "Aisha"}, {"name": "Bethan"}, {"name": "Callum"}],
            },
            headers=auth(*RO),
        )
        contest = created.json()["id"]
        opened = await client.post(f"/api/v1/contests/{contest}/open", headers=auth(*RO))
        assert opened.status_code == 200, opened.text
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            await _check_both(browser, site, "/no-such-page", "not-found", None)
            await _check_both(browser, site, "/schema", "api-docs", None)
            await _check_both(browser, site, f"/contests/{contest}", "election-ballot", "M00001")
            await _check_both(browser, site, "/audit", "audit", "M00001")
            await _check_both(browser, site, "/officer", "officer-desk", "RO1")
        finally:
            await browser.close()
