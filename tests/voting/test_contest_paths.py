"""The whole path of each kind of contest, through HTTP against real PostgreSQL."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from audit.store import read_entries
from service.database import session_for
from tests.voting.conftest import Contests
from voting.box import check_receipt_proof
from voting.models import ContestBallot


async def test_motion_is_carried_and_everyone_sees_the_published_result(
    contests: Contests, client: httpx.AsyncClient, auth, database_url: str
) -> None:
    motion = await contests.create(title="Free school meals", kind="motion", scope="national")
    assert motion["state"] == "draft"
    assert [o["name"] for o in motion["options"]] == ["for", "against", "abstain"]
    opened = await contests.step(motion, "open")
    assert opened["electorate_size"] == 15  # the lapsed member is not in it
    for member, choice in [("S1", "for"), ("S2", "for"), ("W1", "against"), ("W2", "abstain")]:
        await contests.cast(motion, member, {"choice": choice})
    mine = (await client.get(f"/api/v1/contests/{motion['id']}", headers=auth("S1"))).json()
    assert mine["voted"] is True
    result = await contests.run_to_published(motion)
    assert result["outcome"] == "carried"
    assert result["figures"]["for"] == 2
    assert result["figures"]["against"] == 1
    assert result["figures"]["abstain"] == 1

    async with session_for(database_url) as s:
        entries = [json.loads(e) for _, e in await read_entries(s, 0, 100)]
    kinds = [e["type"] for e in entries if e["subjects"].get("contest") == motion["id"]]
    assert kinds == [
        "contest.created",
        "contest.opened",
        "contest.closed",
        "contest.counted",
        "contest.published",
    ]


async def test_election_counts_ranked_ballots_by_scottish_stv(contests: Contests) -> None:
    election = await contests.create(
        title="Executive",
        kind="election",
        seats=2,
        candidates=[{"name": "Ada"}, {"name": "Bea"}, {"name": "Cal"}],
    )
    assert election["method"] == "scottish_stv"
    ids = {c["name"]: c["id"] for c in election["candidates"]}
    await contests.step(election, "open")
    rankings = [["Ada", "Bea"]] * 5 + [["Bea", "Ada"]] * 3 + [["Cal", "Bea"]] * 2
    members = [f"S{n}" for n in range(1, 11)]
    for member, ranking in zip(members, rankings, strict=True):
        await contests.cast(election, member, {"ranking": [ids[n] for n in ranking]})
    result = await contests.run_to_published(election)
    assert [c["name"] for c in result["elected"]] == ["Ada", "Bea"]
    assert result["transcript"]["stages"]


async def test_referendum_by_irv_and_recall_by_majority(contests: Contests) -> None:
    referendum = await contests.create(
        title="Party name", kind="referendum", options=["Red", "Green", "Purple"]
    )
    ids = {o["name"]: o["id"] for o in referendum["options"]}
    await contests.step(referendum, "open")
    await contests.cast(referendum, "S1", {"option": ids["Green"]})
    await contests.cast(referendum, "S2", {"ranking": [ids["Red"], ids["Green"]]})
    await contests.cast(referendum, "S3", {"ranking": [ids["Purple"], ids["Green"]]})
    await contests.cast(referendum, "S4", {"ranking": [ids["Green"]]})
    result = await contests.run_to_published(referendum)
    assert [o["name"] for o in result["elected"]] == ["Green"]

    recall = await contests.create(
        title="Recall the treasurer",
        kind="recall",
        scope="branch:glasgow",
        majority={"base": "cast", "threshold": "2/3", "comparison": "at_least"},
    )
    await contests.step(recall, "open")
    for member, choice in [("S1", "yes"), ("S2", "yes"), ("S3", "no")]:
        await contests.cast(recall, member, {"choice": choice})
    result = await contests.run_to_published(recall)
    assert result["outcome"] == "carried"


async def test_receipt_is_provably_in_the_closed_box(
    contests: Contests, client: httpx.AsyncClient, auth
) -> None:
    motion = await contests.create(title="M", kind="motion")
    await contests.step(motion, "open")
    receipts = [
        (await contests.cast(motion, m, {"choice": "for"})).json() for m in ("S1", "S2", "S3")
    ]
    early = await client.get(receipts[0]["check"], headers=auth("S1"))
    assert early.status_code == 409
    closed = await contests.step(motion, "close")
    for receipt in receipts:
        proof = (await client.get(receipt["check"], headers=auth("S1"))).json()
        assert proof["size"] == 3
        assert proof["receipts_root"] == closed["receipts_root"]
        check_receipt_proof(
            bytes.fromhex(receipt["receipt_hash"]),
            proof["index"],
            proof["size"],
            [bytes.fromhex(p) for p in proof["proof"]],
            bytes.fromhex(closed["receipts_root"]),
        )
    unknown = await client.get(
        f"/api/v1/contests/{motion['id']}/receipts/{'00' * 32}", headers=auth("S1")
    )
    assert unknown.status_code == 404


async def test_secret_ballots_name_nobody_and_recorded_ones_do(
    contests: Contests, database_url: str
) -> None:
    secret = await contests.create(title="Secret", kind="motion")
    recorded = await contests.create(title="Roll call", kind="motion", secret=False)
    for contest in (secret, recorded):
        await contests.step(contest, "open")
        await contests.cast(contest, "S1", {"choice": "for"})
    async with session_for(database_url) as s:
        rows = (await s.execute(select(ContestBallot.contest_id, ContestBallot.member_id))).all()
    by_contest = {str(c): m for c, m in rows}
    assert by_contest[secret["id"]] is None
    assert by_contest[recorded["id"]] is not None
