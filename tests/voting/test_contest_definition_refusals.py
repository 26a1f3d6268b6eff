"""Bad contest and election definitions refused with a message a person can act on, and
nothing changed (issue 18, "Bad input still found"; "Representation rules that never vanish")."""

from __future__ import annotations

from typing import Any

import httpx

from tests.assembly.conftest import log_entries
from tests.voting.conftest import Contests


async def _refused(
    client: httpx.AsyncClient, ro: dict[str, str], path: str, body: dict[str, Any]
) -> str:
    r = await client.post(f"/api/v1{path}", json=body, headers=ro)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    detail: str = r.json()["detail"]
    return detail


async def test_an_unknown_scope_is_refused_for_contests_elections_and_offices(
    contests: Contests, client: httpx.AsyncClient, ro: dict[str, str], auth, database_url: str
) -> None:
    before = len(await log_entries(database_url))
    detail = await _refused(
        client, ro, "/contests", {"title": "Typo", "kind": "motion", "scope": "region:SCT"}
    )
    assert detail.startswith("scope 'region:SCT': there is no region 'SCT' on the member roll")
    assert "region:SCO" in detail
    detail = await _refused(
        client,
        ro,
        "/elections",
        {"title": "E", "posts": [{"title": "Branch seat", "scope": "branch:glasgw"}]},
    )
    assert "there is no branch 'glasgw'" in detail
    assert "branch:glasgow" in detail
    admin = auth("ADMIN1", "admin")
    detail = await _refused(
        client,
        admin,
        "/offices",
        {"title": "Sec", "kind": "branch_officer", "scope": "branch:nowhere", "holder": "S1"},
    )
    assert "there is no branch 'nowhere'" in detail
    assert len(await log_entries(database_url)) == before
    assert (await client.get("/api/v1/contests", headers=ro)).json() == []
    assert (await client.get("/api/v1/elections", headers=ro)).json() == []
    # A scope the roll has is still accepted, and national always is.
    await contests.create(title="Fine", kind="motion", scope="region:sco")


_CANDIDATES = [
    {"name": "Ada", "attributes": {"gender": "Woman"}},
    {"name": "Bea", "attributes": {"gender": "WOMAN"}},
    {"name": "Cal", "attributes": {"gender": "man"}},
]


async def test_a_wrong_at_least_at_most_pair_is_named_as_such(
    contests: Contests, client: httpx.AsyncClient, ro: dict[str, str]
) -> None:
    body = {"title": "E", "kind": "election", "seats": 2, "candidates": _CANDIDATES}
    detail = await _refused(
        client,
        ro,
        "/contests",
        {
            **body,
            "constraints": [{"attribute": "gender", "value": "woman", "at_least": 3, "at_most": 1}],
        },
    )
    assert detail == (
        "constraint on gender=woman: at_least (3) is more than at_most (1); give a minimum no "
        "larger than the maximum"
    )
    detail = await _refused(
        client,
        ro,
        "/elections",
        {
            "title": "E",
            "posts": [{"title": "Two", "seats": 2}],
            "constraints": [
                {"attribute": "gender", "value": "woman", "at_least_share": "1/2", "at_most": 0}
            ],
        },
    )
    assert detail == (
        "rule on gender=woman: at least 1 but at most 0 of post 1's 2 seats: the minimum is "
        "above the maximum"
    )


async def test_a_constraint_matches_attributes_ignoring_case_and_one_matching_nobody_is_refused(
    contests: Contests, client: httpx.AsyncClient, ro: dict[str, str], database_url: str
) -> None:
    body = {"title": "E", "kind": "election", "seats": 2, "candidates": _CANDIDATES}
    # The attack: "Woman" and "WOMAN" under "at least 1 woman" no longer fall outside the rule.
    made = await contests.create(
        **body, constraints=[{"attribute": "gender", "value": "woman", "at_most": 1}]
    )
    assert [c["attributes"]["gender"] for c in made["candidates"]] == ["woman", "woman", "man"]
    assert made["constraints"] == [
        {"attribute": "gender", "value": "woman", "at_least": None, "at_most": 1}
    ]
    (created,) = [e for e in await log_entries(database_url) if e["type"] == "contest.created"]
    assert created["facts"]["constraints"] == "at most 1 to gender=woman"  # in force, logged
    detail = await _refused(
        client,
        ro,
        "/contests",
        {**body, "constraints": [{"attribute": "gender", "value": "female", "at_most": 1}]},
    )
    assert detail == (
        "constraint on gender=female: no candidate is counted as gender=female, so it would "
        "have nothing to act on; check the candidates' attributes"
    )
