"""An executive election through HTTP against real PostgreSQL (issue 7, "Elections")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from assembly.elections.election_ballots import ballot_order, ballot_order_seed
from tally.blt import parse_blt
from tally.rules import rule_named
from tests.assembly.conftest import log_entries
from tests.voting.conftest import import_roll

ROLL = (
    "membership_number,name,email,branch,region,status,gender\n"
    + "".join(
        f"S{n},Scot {n},s{n}@x.org,glasgow,SCO,active,{'woman' if n % 2 else 'man'}\n"
        for n in range(1, 11)
    )
    + "".join(f"E{n},Edin {n},e{n}@x.org,edinburgh,SCO,active,woman\n" for n in range(1, 5))
    + "".join(
        f"W{n},Welsh {n},w{n}@x.org,cardiff,WAL,active,{'woman' if n % 2 else 'man'}\n"
        for n in range(1, 7)
    )
    + "L1,Lapsed One,l1@x.org,glasgow,SCO,lapsed,man\n"
)


class Hall:
    """Verbs over the HTTP API, each asserting the status it expects."""

    def __init__(self, client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
        self.client, self.auth = client, auth
        self.ro = auth("RO1", "returning_officer")

    async def call(
        self, method: str, path: str, who: dict[str, str] | str, body: Any = None, expect: int = 200
    ) -> Any:
        headers = self.auth(who) if isinstance(who, str) else who
        r = await self.client.request(method, f"/api/v1{path}", json=body, headers=headers)
        assert r.status_code == expect, r.text
        if expect >= 400:
            assert r.headers["content-type"].startswith("application/problem+json")
        return r.json() if r.content else None

    async def nominate(
        self, election: dict[str, Any], post: int, candidate: str, by: str, expect: int = 201
    ) -> Any:
        body = {"post": post, "candidate": candidate}
        return await self.call("POST", f"/elections/{election['id']}/nominations", by, body, expect)

    async def support(self, nomination: dict[str, Any], *members: str, expect: int = 201) -> Any:
        shown = None
        for member in members:
            shown = await self.call(
                "POST", f"/nominations/{nomination['id']}/supporters", member, None, expect
            )
        return shown

    async def accept(self, nomination: dict[str, Any], expect: int = 200) -> Any:
        body = {"statement": f"I am {nomination['candidate_name']} and I will serve."}
        return await self.call(
            "POST", f"/nominations/{nomination['id']}/accept", nomination["candidate"], body, expect
        )

    async def cast(self, contest: dict[str, Any], member: str, ranking: list[str]) -> None:
        ids = {c["name"]: c["id"] for c in contest["candidates"]}
        body = {"ranking": [ids[name] for name in ranking]}
        await self.call("POST", f"/contests/{contest['id']}/ballots", member, body, 201)


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


# 20 national voters. Unconstrained, Scot 2 reaches the quota (7) and his surplus elects
# Scot 4; with at least half of the two seats to women, Scot 1 is the only woman standing.
BALLOTS = (
    [["Scot 2", "Scot 4"]] * 8
    + [["Scot 4", "Scot 2"]] * 6
    + [["Scot 1"]] * 4
    + [["Scot 6", "Scot 1"]] * 2
)
VOTERS = [f"S{n}" for n in range(1, 11)] + [f"E{n}" for n in range(1, 5)]
VOTERS += [f"W{n}" for n in range(1, 7)]


async def test_election_with_nominations_withdrawal_and_a_gender_rule_that_changes_the_result(
    hall: Hall, database_url: str
) -> None:
    election = await hall.call(
        "POST",
        "/elections",
        hall.ro,
        {
            "title": "Central Executive 2027",
            "posts": [
                {"title": "National seats", "seats": 2},
                {"title": "Scotland seat", "scope": "region:SCO"},
                {"title": "Wales seat", "scope": "region:WAL"},
            ],
            "nomination_rules": {"supporting_members": 3, "supporting_branches": 2},
            "constraints": [
                {"attribute": "gender", "value": "woman", "at_least_share": "1/2", "posts": [1]}
            ],
        },
        201,
    )
    assert election["state"] == "nominations_open"
    assert [p["method"] for p in election["posts"]] == ["scottish_stv", "irv", "irv"]
    await hall.call("POST", "/elections", "S1", {"title": "x", "posts": [{"title": "y"}]}, 403)

    # Four national nominations, each with three supporters from two branches.
    national = {}
    for candidate, proposer, backers in (
        ("S2", "S3", ["S5", "E1"]),
        ("S4", "S5", ["S7", "E2"]),
        ("S1", "E3", ["W1", "W3"]),
    ):
        nomination = await hall.nominate(election, 1, candidate, proposer)
        await hall.support(nomination, *backers)
        national[candidate] = await hall.accept(nomination)
        assert national[candidate]["state"] == "accepted"

    await hall.nominate(election, 1, "S2", "S9", expect=409)  # once per post

    # One nomination a supporter short is refused, with the numbers; one more and it stands.
    short = await hall.nominate(election, 1, "S6", "S8")
    shown = await hall.support(short, "E4")
    assert (shown["supporting_members"], shown["supporting_branches"]) == (2, 2)
    refused = await hall.accept(short, expect=422)
    assert refused["detail"] == (
        "the nomination has 2 supporting members from 2 branches in national; the rules need "
        "3 members from at least 2 branches (1 more member, 0 more branches)"
    )
    await hall.support(short, "S6", expect=403)  # not the candidate
    await hall.support(short, "E4", expect=409)  # once each
    await hall.call("POST", f"/nominations/{short['id']}/accept", "S8", {"statement": "x"}, 403)
    await hall.support(short, "S9")
    national["S6"] = await hall.accept(short)

    # A fifth candidate withdraws before the ballots open and is not on the paper.
    late = await hall.nominate(election, 1, "W2", "W4")
    await hall.support(late, "W6", "S10")
    await hall.accept(late)
    withdrawn = await hall.call("POST", f"/nominations/{late['id']}/withdraw", "W2")
    assert withdrawn["state"] == "withdrawn"
    await hall.call("POST", f"/nominations/{late['id']}/withdraw", "W4", None, 403)

    # Scotland: one candidate (uncontested); Wales: a nomination never accepted (vacant);
    # a member outside the post's scope cannot nominate for it.
    scot = await hall.nominate(election, 2, "E2", "E1")
    await hall.support(scot, "S3", "S5")
    await hall.accept(scot)
    await hall.nominate(election, 2, "S9", "W1", expect=403)  # W1 is in Wales
    await hall.nominate(election, 2, "W3", "E1", expect=422)  # W3 cannot stand in Scotland
    welsh = await hall.nominate(election, 3, "W5", "W6")

    await hall.call("POST", f"/elections/{election['id']}/open-ballots", hall.ro, None, 409)
    closed = await hall.call("POST", f"/elections/{election['id']}/close-nominations", hall.ro)
    assert closed["state"] == "nominations_closed"
    await hall.nominate(election, 1, "S8", "S10", expect=409)  # too late
    opened = await hall.call("POST", f"/elections/{election['id']}/open-ballots", hall.ro)
    await hall.call("POST", f"/nominations/{late['id']}/withdraw", "S2", None, 403)
    lapsed = await hall.call("GET", f"/nominations/{welsh['id']}", "W6")
    assert lapsed["state"] == "lapsed"

    national_post, scotland, wales = opened["posts"]
    assert (scotland["state"], wales["state"]) == ("uncontested", "vacant")
    assert [c["membership_number"] for c in scotland["elected"]] == ["E2"]
    assert national_post["state"] == "balloting"
    assert national_post["constraints"] == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    # The ballot order is the seeded shuffle anyone can recompute, the same for everyone.
    ids = [n["id"] for n in national.values()]
    seed = ballot_order_seed(election["id"], national_post["id"], ids)
    assert national_post["ballot_order_seed"] == seed
    order = [c["nomination"] for c in national_post["candidates"]]
    assert order == ballot_order(seed, ids)
    contest = await hall.call("GET", f"/contests/{national_post['contest']}", "W3")
    by_nomination = {n["id"]: n["candidate_name"] for n in national.values()}
    assert [c["name"] for c in contest["candidates"]] == [by_nomination[i] for i in order]
    assert sorted(c["name"] for c in contest["candidates"]) == [
        "Scot 1",
        "Scot 2",
        "Scot 4",
        "Scot 6",
    ]

    for voter, ranking in zip(VOTERS, BALLOTS, strict=True):
        await hall.cast(contest, voter, ranking)
    await hall.call("POST", f"/elections/{election['id']}/declare", hall.ro, None, 409)
    for verb in ("close", "count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)

    declared = await hall.call("POST", f"/elections/{election['id']}/declare", hall.ro)
    posts = {p["post"]: p for p in declared["posts"]}
    assert sorted(c["membership_number"] for c in posts[1]["elected"]) == ["S1", "S2"]
    assert posts[1]["transcript"]["stages"]
    assert posts[2]["uncontested"] is True
    assert [c["membership_number"] for c in posts[2]["elected"]] == ["E2"]
    assert "elected" not in posts[3]

    # The same ballots counted without the rule elect two men.
    blt = (await hall.client.get(f"/api/v1/contests/{contest['id']}/blt", headers=hall.ro)).text
    unconstrained = rule_named("scottish").count(parse_blt(blt)).elected_names
    assert sorted(unconstrained) == ["Scot 2", "Scot 4"]
    constrained = [c["name"] for c in posts[1]["elected"]]
    assert sorted(constrained) == ["Scot 1", "Scot 2"]

    entries = await log_entries(database_url)
    types = [e["type"] for e in entries]
    seeded = types.index("election.ballot_order_seeded")
    created = next(
        i
        for i, e in enumerate(entries)
        if e["type"] == "contest.created" and e["subjects"]["contest"] == contest["id"]
    )
    assert seeded < created
    assert entries[seeded]["digests"]["seed"] == seed
    assert "election.post_uncontested" in types
    assert "election.post_vacant" in types
    assert types.count("office.created") == 3
    text = json.dumps(entries)
    assert "Scot 1" not in text
    assert '"S1"' not in text
