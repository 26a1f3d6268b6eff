"""Recall petitions through HTTP against real PostgreSQL (issue 7, "Recall petitions")."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from assembly.petitions.petitions import touch_petition
from service.database import session_for
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.due_work import settle
from tests.voting.conftest import import_roll
from voting.box import check_receipt_proof, receipt_hash, receipts_root, token_bytes
from voting.lifecycle import close_contest


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


async def close_on_time(database_url: str, contest: dict[str, Any]) -> None:
    """Close a timed recall ballot as the clock does, at its closing time."""
    async with session_for(database_url) as session:
        await close_contest(
            session,
            uuid.UUID(contest["id"]),
            actor="system",
            at=dt.datetime.fromisoformat(contest["closes_at"]),
        )
        await session.commit()


async def _office(hall: Hall, threshold: str) -> dict[str, Any]:
    office: dict[str, Any] = await hall.call(
        "POST",
        "/offices",
        hall.auth("ADMIN1", "admin"),
        {
            "title": "Glasgow branch secretary",
            "kind": "branch_officer",
            "scope": "branch:glasgow",
            "holder": "S1",
            "recall_rules": {
                "threshold": {"kind": "fraction_of_electorate", "value": threshold},
                "nomination_rules": {"supporting_members": 1},
            },
        },
        201,
    )
    return office


async def test_petition_reaching_its_threshold_opens_a_recall_that_passes(
    hall: Hall, database_url: str
) -> None:
    office = await _office(hall, "3/10")  # 10 active members in Glasgow: 3 signatures
    assert (office["holder"], office["state"]) == ("S1", "held")
    path = f"/offices/{office['id']}/petitions"
    await hall.call("POST", path, "W1", {"reason": "not ours to recall"}, 403)
    petition = await hall.call("POST", path, "S2", {"reason": "Missed every meeting."}, 201)
    assert (petition["threshold"], petition["electorate_size"]) == (3, 10)
    await hall.call("POST", path, "S3", {"reason": "again"}, 409)  # one running at a time
    signing = f"/petitions/{petition['id']}/signatures"

    receipts = {}
    receipts["S2"] = await hall.call("POST", signing, "S2", None, 201)
    await hall.call("POST", signing, "S2", None, 409)  # once
    await hall.call("POST", signing, "W1", None, 403)  # not in the constituency
    await hall.call("POST", signing, "S3", None, 201)
    shown = await hall.call("DELETE", f"{signing}/me", "S3")
    assert (shown["signatures"], shown["signed"]) == (1, False)
    await hall.call("DELETE", f"{signing}/me", "S3", None, 404)
    receipts["S4"] = await hall.call("POST", signing, "S4", None, 201)
    public = await hall.call("GET", f"/petitions/{petition['id']}", "S9")
    assert (public["signatures"], public["threshold"], public["state"]) == (2, 3, "open")
    assert "signers" not in json.dumps(public)
    # Nobody is shown who signed: not members, not returning officers, not auditors.
    for who in ("S9", hall.ro, hall.auth("AUDIT1", "auditor"), hall.auth("ADMIN1", "admin")):
        await hall.call("GET", f"/petitions/{petition['id']}/signers", who, None, 404)
    await hall.call("GET", f"/petitions/{petition['id']}/receipts", "S9", None, 409)  # open

    receipts["S5"] = await hall.call("POST", signing, "S5", None, 201)
    reached = await hall.call("GET", f"/petitions/{petition['id']}", "S5")
    assert (reached["state"], reached["signatures"], reached["signed"]) == ("succeeded", 3, True)
    await hall.call("POST", signing, "S6", None, 409)
    await hall.call("DELETE", f"{signing}/me", "S5", None, 409)
    # Anyone checks the count against the published receipt hashes and their root.
    published = await hall.call("GET", f"/petitions/{petition['id']}/receipts", "W1")
    assert published["signatures"] == len(published["receipt_hashes"]) == 3
    assert published["receipts_root"] == reached["receipts_root"]
    assert (
        receipts_root([bytes.fromhex(h) for h in published["receipt_hashes"]]).hex()
        == (reached["receipts_root"])
    )
    assert sorted(r["receipt_hash"] for r in receipts.values()) == published["receipt_hashes"]
    assert "S2" not in json.dumps(published)

    # Each signer can prove their signature was counted, against the published root.
    for receipt in receipts.values():
        token = token_bytes(receipt["receipt"])
        assert receipt_hash(uuid.UUID(petition["id"]), token).hex() == receipt["receipt_hash"]
        proof = await hall.call("GET", receipt["check"].removeprefix("/api/v1"), "S9")
        check_receipt_proof(
            bytes.fromhex(proof["receipt_hash"]),
            proof["index"],
            proof["size"],
            [bytes.fromhex(p) for p in proof["proof"]],
            bytes.fromhex(reached["receipts_root"]),
        )

    contest = await hall.call("GET", f"/contests/{reached['recall_contest']}", "S7")
    assert (contest["kind"], contest["scope"], contest["state"]) == (
        "recall",
        "branch:glasgow",
        "open",
    )
    assert contest["electorate_size"] == 10
    for member, choice in {"S2": "yes", "S3": "yes", "S4": "yes", "S7": "no"}.items():
        await hall.call(
            "POST", f"/contests/{contest['id']}/ballots", member, {"choice": choice}, 201
        )
    await hall.call("POST", f"/contests/{contest['id']}/close", hall.ro, None, 409)  # timed
    await close_on_time(database_url, contest)
    for verb in ("count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)
    await settle(database_url)  # the published result is applied by the due work, not a read

    decided = await hall.call("GET", f"/petitions/{petition['id']}", "S9")
    assert decided["state"] == "recalled"
    vacant = await hall.call("GET", f"/offices/{office['id']}", "S9")
    assert (vacant["state"], vacant.get("holder")) == ("vacant", None)
    by_election = await hall.call("GET", f"/elections/{decided['by_election']}", "S9")
    assert by_election["state"] == "nominations_open"
    assert [(p["scope"], p["seats"], p["office"]) for p in by_election["posts"]] == [
        ("branch:glasgow", 1, office["id"])
    ]

    entries = await log_entries(database_url)
    types = [e["type"] for e in entries]
    for kind in (
        "petition.started",
        "petition.threshold_reached",
        "petition.recall_opened",
        "office.vacated",
        "petition.recalled",
    ):
        assert kind in types
    assert types.index("petition.threshold_reached") < types.index("petition.recall_opened")
    text = json.dumps(entries)
    for number in ("S2", "S4", "S5"):
        assert f'"{number}"' not in text


async def test_petition_one_signature_short_fails_when_its_window_ends(
    hall: Hall, database_url: str
) -> None:
    office = await _office(hall, "3/10")
    petition = await hall.call(
        "POST", f"/offices/{office['id']}/petitions", "S2", {"reason": "Ignored the branch."}, 201
    )
    signing = f"/petitions/{petition['id']}/signatures"
    for member in ("S2", "S3"):
        await hall.call("POST", signing, member, None, 201)

    closes_at = dt.datetime.fromisoformat(petition["closes_at"])
    async with session_for(database_url) as session:
        before = await touch_petition(
            session, uuid.UUID(petition["id"]), at=closes_at - dt.timedelta(seconds=1)
        )
        assert before.state == "open"
        after = await touch_petition(session, uuid.UUID(petition["id"]), at=closes_at)
        assert after.state == "failed"
        await session.commit()

    failed = await hall.call("GET", f"/petitions/{petition['id']}", "S9")
    assert (failed["state"], failed["signatures"], failed["threshold"]) == ("failed", 2, 3)
    assert failed.get("recall_contest") is None
    await hall.call("POST", signing, "S4", None, 409)
    await hall.call("DELETE", f"{signing}/me", "S2", None, 409)
    held = await hall.call("GET", f"/offices/{office['id']}", "S9")
    assert (held["state"], held["holder"]) == ("held", "S1")
    contests = await hall.call("GET", "/contests", hall.ro)
    assert contests == []

    entries = await log_entries(database_url)
    (failure,) = [e for e in entries if e["type"] == "petition.failed"]
    assert failure["facts"]["signatures"] == 2
    assert failure["facts"]["threshold"] == 3
    assert failure["actor"] == "system"
