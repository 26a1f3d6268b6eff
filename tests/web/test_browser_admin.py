"""Issue 15's administrator pages in Chromium, on a desktop and a 390 px phone, with and
without JavaScript: a roll uploaded, previewed and imported through the form, a member found,
the roles page; each passes axe-core, fits the phone's width, stays under 100 KB, and is saved
as a screenshot in ``test-artifacts/web``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.demo import demo_roll_csv
from tests.web.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    SIZES,
    TIMEOUT_MS,
    check_page,
)
from tests.web.conftest import ROLL_SIZE

pytestmark = pytest.mark.slow


async def _looks_right(page: Any, answer: Any, name: str, width: int, javascript: bool) -> None:
    if answer is not None:
        body = await answer.body()
        assert len(body) < 100_000, f"{name} is {len(body)} bytes"
    wide = await page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{name} is {wide} px wide at {width} px"
    if javascript:
        await check_page(page, name)
    else:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_an_admin_imports_a_roll_in_the_browser(site: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    roll_file = tmp_path / "roll.csv"
    runs = [("desktop", True), ("phone", True), ("phone-no-js", False)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for n, (label, javascript) in enumerate(runs):
                roll_file.write_bytes(demo_roll_csv(ROLL_SIZE + n + 1))
                viewport: Any = SIZES["desktop" if label == "desktop" else "phone"]
                width = viewport["width"]
                context = await browser.new_context(
                    java_script_enabled=javascript, bypass_csp=True, viewport=viewport
                )
                page = await context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                await page.goto(f"{site}/sign-in")
                await page.check("#who-ADMIN1")
                await page.get_by_role("button", name="Sign in", exact=True).click()
                await page.wait_for_load_state()
                await page.get_by_role("link", name="Administration").first.click()
                await page.wait_for_load_state()
                await _looks_right(page, None, f"issue15-admin-{label}", width, javascript)
                answer = await page.goto(f"{site}/admin/roll")
                await _looks_right(page, answer, f"issue15-admin-roll-{label}", width, javascript)
                await page.set_input_files("#roll", str(roll_file))
                await page.get_by_role("button", name="Check the file").click()
                await page.wait_for_load_state()
                assert "New members: 1" in await page.content()
                await _looks_right(
                    page, None, f"issue15-admin-roll-preview-{label}", width, javascript
                )
                await page.get_by_role("button", name="Import this roll").click()
                await page.wait_for_load_state()
                assert "The roll was imported." in await page.content()
                answer = await page.goto(f"{site}/admin/members?q=M00001")
                await _looks_right(
                    page, answer, f"issue15-admin-members-{label}", width, javascript
                )
                answer = await page.goto(f"{site}/admin/grants")
                await _looks_right(page, answer, f"issue15-admin-grants-{label}", width, javascript)
                await context.close()
        finally:
            await browser.close()
