"""End to end in Debian's Chromium: members vote with and without JavaScript and check their
receipts on the page, a returning officer runs a contest from definition to publication, and a
chair runs a motion with two amendments. axe-core checks every page (no serious or critical
WCAG 2.2 AA violation) and each main page is saved as a screenshot in ``test-artifacts/web``.
Each step is bounded (15 s); the tests skip, saying why, without Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    check_page,
)
from tests.web.conftest import RO

pytestmark = pytest.mark.slow

ELECTION = {
    "title": "Executive committee",
    "kind": "election",
    "seats": 2,
    "candidates": [{"name": "Aisha"}, {"name": "Bethan"}, {"name": "Callum"}],
}


@pytest.fixture
async def browser(site: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _page(browser: Any, *, javascript: bool = True) -> Any:
    context = await browser.new_context(
        java_script_enabled=javascript, bypass_csp=True, viewport={"width": 420, "height": 900}
    )
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


async def _sign_in(page: Any, site: str, who: str) -> None:
    await page.goto(f"{site}/sign-in")
    await page.check(f"#who-{who}")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_load_state()


@pytest.fixture
async def api(site: str, auth: Callable[..., dict[str, str]]) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(base_url=site, timeout=15) as client:

        async def call(
            path: str, body: Any = None, who: tuple[str, ...] = RO, method: str = "POST"
        ) -> Any:
            answer = await client.request(method, f"/api/v1{path}", json=body, headers=auth(*who))
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        yield call


async def _open(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    created = await api("/contests/", body)
    return dict(await api(f"/contests/{created['id']}/open"))


async def _publish(api: Any, contest_id: str) -> None:
    for step in ("close", "count", "publish"):
        await api(f"/contests/{contest_id}/{step}")


async def test_a_member_votes_with_javascript_and_checks_receipts_on_the_page(
    browser: Any, site: str, api: Any
) -> None:
    motion = await _open(api, {"title": "Free school meals", "kind": "motion"})
    election = await _open(api, ELECTION)
    page = await _sign_in_page(browser, site, "M00001")
    await check_page(page, "home")

    await page.get_by_role("link", name="Free school meals").click()
    await page.get_by_label("For").check()
    await check_page(page, "motion-ballot")
    await page.get_by_role("button", name="Review my vote").click()
    await check_page(page, "motion-review")
    await page.get_by_role("button", name="Cast my vote").click()
    await page.get_by_role("heading", name="Your vote is recorded").wait_for()
    await check_page(page, "receipt")
    motion_receipt = await page.input_value("#receipt")

    await page.goto(f"{site}/language/cy?next=/contests/{election['id']}")
    await page.get_by_text("Rhestrwch yr ymgeiswyr").wait_for()
    await check_page(page, "ranked-ballot-welsh")
    await page.goto(f"{site}/language/en?next=/contests/{election['id']}")
    assert await page.locator(".number-boxes").is_hidden(), "the script replaces the boxes"
    # Keyboard alone: rank Aisha, then Callum, then move Callum up with the arrow key.
    await page.get_by_role("button", name="Rank Aisha next").focus()
    await page.keyboard.press("Enter")
    await page.get_by_role("button", name="Rank Callum next").focus()
    await page.keyboard.press("Enter")
    await page.keyboard.press("ArrowUp")
    assert await page.locator("ol.ranked .name").all_inner_texts() == ["Callum", "Aisha"]
    # Tap, then drag Bethan from third to first.
    await page.get_by_role("button", name="Rank Bethan next").click()
    grip = page.locator('ol.ranked li:has-text("Bethan") .grip')
    target = page.locator('ol.ranked li:has-text("Callum")')
    start, end = await grip.bounding_box(), await target.bounding_box()
    await page.mouse.move(start["x"] + 5, start["y"] + 5)
    await page.mouse.down()
    await page.mouse.move(end["x"] + 5, end["y"] + 2, steps=8)
    await page.mouse.up()
    assert await page.locator("ol.ranked .name").all_inner_texts() == ["Bethan", "Callum", "Aisha"]
    await check_page(page, "ranked-ballot-javascript")
    await page.get_by_role("button", name="Review my vote").click()
    assert await page.locator(".review-ranking li").all_inner_texts() == [
        "Bethan",
        "Callum",
        "Aisha",
    ]
    await page.get_by_role("button", name="Cast my vote").click()
    election_receipt = await page.input_value("#receipt")

    await _publish(api, motion["id"])
    await _publish(api, election["id"])
    for contest_id, receipt in ((motion["id"], motion_receipt), (election["id"], election_receipt)):
        await page.goto(f"{site}/contests/{contest_id}/check")
        await page.fill("#receipt", receipt)
        await page.get_by_role("button", name="Check", exact=True).click()
        verified = page.locator('#check-result[data-verified="browser"]')
        await verified.wait_for()
        assert "Checked on this page" in await verified.inner_text()
    await check_page(page, "receipt-checked")
    await page.fill("#receipt", "A" * 43)
    await page.get_by_role("button", name="Check", exact=True).click()
    await page.get_by_text("That receipt is not in this contest's box.").wait_for()

    await page.goto(f"{site}/contests/{election['id']}/results")
    assert await page.locator("svg.chart polyline").count() == 3
    assert await page.locator("#stage-table tbody tr").count() >= 3
    await check_page(page, "results-stv")
    await page.goto(f"{site}/contests/{motion['id']}/results")
    await check_page(page, "results-motion")
    await page.goto(f"{site}/take-part")
    await check_page(page, "take-part")


async def _sign_in_page(browser: Any, site: str, who: str, *, javascript: bool = True) -> Any:
    page = await _page(browser, javascript=javascript)
    await _sign_in(page, site, who)
    return page


async def test_a_member_ranks_with_number_boxes_when_javascript_is_off(
    browser: Any, site: str, api: Any
) -> None:
    election = await _open(api, ELECTION)
    page = await _sign_in_page(browser, site, "M00002", javascript=False)
    await page.goto(f"{site}/contests/{election['id']}")
    await page.get_by_label("Aisha").fill("2")
    await page.get_by_label("Bethan").fill("2")
    await page.get_by_role("button", name="Review my vote").click()
    await page.get_by_text("You wrote 2 next to more than one name").first.wait_for()
    await page.screenshot(path=str(_artifact("ranked-ballot-error-no-javascript")), full_page=True)
    await page.get_by_label("Bethan").fill("1")
    await page.get_by_label("Callum").fill("3")
    await page.get_by_role("button", name="Review my vote").click()
    assert await page.locator(".review-ranking li").all_inner_texts() == [
        "Bethan",
        "Aisha",
        "Callum",
    ]
    await page.get_by_role("button", name="Cast my vote").click()
    receipt = await page.input_value("#receipt")
    await _publish(api, election["id"])
    await page.goto(f"{site}/contests/{election['id']}/check")
    await page.fill("#receipt", receipt)
    await page.get_by_role("button", name="Check", exact=True).click()
    await page.get_by_text("Your vote is in the counted box.").wait_for()
    assert await page.get_by_text("Checked by the server").count() == 1


def _artifact(name: str) -> Any:
    from tests.web.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def test_a_returning_officer_runs_a_contest_in_the_browser(
    browser: Any, site: str, api: Any
) -> None:
    page = await _sign_in_page(browser, site, "RO1")
    await check_page(page, "officer-desk")
    await page.get_by_role("link", name="Define a contest").click()
    await page.get_by_label("Title", exact=True).fill("Treasurer")
    await page.get_by_label("Election", exact=True).check()
    await page.get_by_label("Candidates (elections)").fill("Aisha\nBethan\nCallum")
    await check_page(page, "officer-define")
    await page.get_by_role("button", name="Save as a draft").click()
    await page.get_by_role("button", name="Open for voting").click()
    await page.get_by_text(re.compile(r"0 of \d+ have voted")).wait_for()
    await check_page(page, "officer-open")
    contest_id = page.url.rsplit("/", 1)[1]
    shown = await api(f"/contests/{contest_id}", method="GET")
    candidates = {c["name"]: c["id"] for c in shown["candidates"]}
    for n, first in enumerate(("Aisha", "Bethan", "Aisha", "Callum", "Aisha"), start=1):
        await api(
            f"/contests/{contest_id}/ballots",
            {"ranking": [candidates[first]]},
            who=(f"M{n:05d}", "member"),
        )
    # The figure changes without a reload: server-sent events.
    await page.get_by_text(re.compile(r"5 of \d+ have voted")).wait_for()
    await page.get_by_role("link", name="Close voting").click()
    await check_page(page, "officer-confirm-close")  # the turnout, what closing does
    await page.get_by_role("button", name="Confirm: Close voting").click()
    await page.get_by_role("link", name="Count the votes").click()
    await page.get_by_role("button", name="Confirm: Count the votes").click()
    await page.get_by_role("heading", name=re.compile("not yet published")).wait_for()
    await check_page(page, "officer-preview")
    await page.get_by_role("link", name="Certify and publish").click()
    await page.get_by_role("button", name="Confirm: Certify and publish").click()
    await page.get_by_role("link", name="The published result").click()
    assert "Aisha" in await page.locator("ol.elected").inner_text()
    await page.goto(f"{site}/audit")
    await check_page(page, "audit")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Audit bundle (JSON)").click()
    assert (await download.value).suggested_filename == f"bundle-{contest_id}.json"


async def test_a_chair_runs_a_motion_with_two_amendments_in_the_browser(
    browser: Any, site: str, api: Any
) -> None:
    admin = ("ADMIN1", "admin")
    made = await api(
        "/assemblies/",
        {
            "title": "Welsh regional assembly",
            "kind": "regional_assembly",
            "standing_orders": {"seconders_required": 1, "amendment_seconders_required": 1},
        },
        who=admin,
    )
    assembly_id = made["id"]
    await api(f"/assemblies/{assembly_id}/chairs", {"subject": "CHAIR1"}, who=admin)
    chair = ("CHAIR1", "chair")
    await api(f"/assemblies/{assembly_id}/state", {"to": "motions_open"}, who=chair)
    motion = await api(
        f"/assemblies/{assembly_id}/motions",
        {
            "title": "Housing",
            "category": "policy",
            "paragraphs": ["We note rents rose.", "We call for rent controls.", "We act now."],
        },
        who=("M00001", "member"),
    )
    await api(f"/motions/{motion['id']}/seconders", who=("M00002", "member"))
    await api(f"/assemblies/{assembly_id}/state", {"to": "amendments_open"}, who=chair)
    for body in (
        {"action": "replace", "start": 2, "paragraphs": ["We call for rent caps."]},
        {"action": "insert_after", "start": 3, "paragraphs": ["We build homes."]},
    ):
        amendment = await api(f"/motions/{motion['id']}/amendments", body, who=("M00003", "member"))
        await api(
            f"/motions/{motion['id']}/amendments/{amendment['id']}/seconders",
            who=("M00004", "member"),
        )

    page = await _sign_in_page(browser, site, "CHAIR1")
    await page.get_by_role("link", name="Welsh regional assembly").click()
    await check_page(page, "assembly-chair")
    await page.get_by_role("link", name="Motion 1: Housing").click()
    await page.get_by_role("button", name="Admit to the agenda").click()
    for _ in range(2):
        await page.get_by_role("button", name="Admit the amendment").first.click()
    await check_page(page, "motion-amendments")
    await page.goto(f"{site}/assemblies/{assembly_id}")
    await page.get_by_role("button", name=re.compile("Move on to")).click()
    await page.get_by_role("link", name="Motion 1: Housing").click()
    await page.get_by_role("button", name="Start the votes").click()
    for choice in ("for", "against", "for"):
        contest = await page.get_by_role("link", name="Vote now").first.get_attribute("href")
        assert contest is not None
        contest_id = contest.rsplit("/", 1)[1]
        for member in ("M00005", "M00006", "M00007"):
            await api(f"/contests/{contest_id}/ballots", {"choice": choice}, who=(member, "member"))
        await page.get_by_role("button", name="Decide this vote and open the next").click()
    await page.get_by_role("heading", name="Final text").wait_for()
    final = await page.locator("h2:has-text('Final text') + ol").inner_text()
    assert "We call for rent caps." in final
    assert "We build homes." not in final
    await check_page(page, "motion-decided")
