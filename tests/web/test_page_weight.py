"""Pages stay light for a cheap phone on a slow connection: each main page, with the stylesheet
and scripts it loads, is under 100 KB (uncompressed, so the bound holds with or without gzip);
and the chart escapes what it draws."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from service.web.chart import stage_chart_svg
from service.web.i18n import translator
from tests.web.conftest import csrf_of, define_contest, finish_contest, sign_in

LIMIT = 100_000
_ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


async def _weight(web: httpx.AsyncClient, page: httpx.Response) -> int:
    assert page.status_code == 200, page.text
    assets = [(await web.get(a)).content for a in sorted(set(_ASSETS.findall(page.text)))]
    return len(page.content) + sum(len(a) for a in assets)


async def test_every_main_page_with_its_assets_is_under_100_kb(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    candidates = [{"name": f"Candidate {n:02d} with a long-ish name"} for n in range(1, 21)]
    election = await define_contest(
        web,
        api,
        {"title": "Executive committee", "kind": "election", "seats": 5, "candidates": candidates},
    )
    ids = [c["id"] for c in election["candidates"]]
    weights: dict[str, int] = {"sign-in": await _weight(web, await web.get("/sign-in"))}
    for n in range(1, 16):
        await sign_in(web, f"M{n:05d}")
        ballot = await web.get(f"/contests/{election['id']}")
        order = ids[n % 20 :] + ids[: n % 20]
        fields = {f"rank-{i}": str(p) for p, i in enumerate(order[:12], start=1)}
        if n == 1:
            weights["ranked ballot"] = await _weight(web, ballot)
            review = await web.post(
                f"/contests/{election['id']}/review", data={"csrf": csrf_of(ballot.text), **fields}
            )
            weights["review"] = await _weight(web, review)
        cast = await web.post(
            f"/contests/{election['id']}/cast", data={"csrf": csrf_of(ballot.text), **fields}
        )
        if n == 1:
            weights["receipt"] = await _weight(web, cast)
    weights["home"] = await _weight(web, await web.get("/home"))
    await finish_contest(web, api, election["id"])
    weights["results (20 candidates, STV)"] = await _weight(
        web, await web.get(f"/contests/{election['id']}/results")
    )
    weights["check"] = await _weight(web, await web.get(f"/contests/{election['id']}/check"))
    await sign_in(web, "RO1")
    weights["officer contest"] = await _weight(
        web, await web.get(f"/officer/contests/{election['id']}")
    )
    weights["audit"] = await _weight(web, await web.get("/audit"))
    print("page weights (bytes, page + its assets):", weights)
    heavy = {name: size for name, size in weights.items() if size >= LIMIT}
    assert heavy == {}, f"pages over {LIMIT} bytes: {heavy} (all: {weights})"


def test_the_chart_escapes_candidate_names() -> None:
    transcript = {
        "candidates": ["<script>alert(1)</script>", "B & C"],
        "quota": "2.00",
        "elected": ["B & C"],
        "stages": [{"number": 1, "votes": {"<script>alert(1)</script>": "1.00", "B & C": "2.00"}}],
    }
    svg = stage_chart_svg(transcript, translator("en"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "B &amp; C ✓" in svg
    assert svg.count("<polyline") == 2
