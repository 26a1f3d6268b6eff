"""Errors in a browser are pages: in the reader's language, a sentence a member understands,
a way back, never raw JSON or an id. API clients keep problem+json."""

from __future__ import annotations

import httpx

from tests.web.conftest import sign_in

_BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_an_unknown_url_in_a_browser_is_a_page_in_its_language(
    web: httpx.AsyncClient,
) -> None:
    english = await web.get("/no-such-page", headers=_BROWSER)
    assert english.status_code == 404
    assert english.headers["content-type"].startswith("text/html")
    assert "There is no such page" in english.text
    assert 'href="/"' in english.text
    welsh = await web.get("/no-such-page", headers={**_BROWSER, "accept-language": "cy"})
    assert welsh.status_code == 404
    assert 'lang="cy"' in welsh.text
    assert "There is no such page" not in welsh.text


async def test_an_unknown_api_url_stays_problem_json(web: httpx.AsyncClient) -> None:
    answer = await web.get("/api/v1/nothing-here", headers=_BROWSER)
    assert answer.headers["content-type"].startswith("application/problem+json")
    plain = await web.get("/no-such-page")
    assert plain.headers["content-type"].startswith("application/problem+json")


async def test_a_page_for_something_missing_names_no_id_and_offers_the_way_back(
    web: httpx.AsyncClient,
) -> None:
    await sign_in(web, "M00001")
    missing = "00000000-0000-4000-8000-000000000000"
    answer = await web.get(
        f"/contests/{missing}",
        headers={**_BROWSER, "referer": "https://plenary.test/home"},
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    main = answer.text.split('<main id="main"', 1)[1]
    assert missing not in main
    assert 'href="/home"' in answer.text
    assert "Go back to the page you came from" in answer.text


async def test_a_wrong_method_in_a_browser_is_a_page(web: httpx.AsyncClient) -> None:
    answer = await web.put("/home", headers=_BROWSER)
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
