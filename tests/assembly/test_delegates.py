"""A delegate conference through HTTP against real PostgreSQL: branches register delegates
within their entitlement, credentials approve them, a delegate names a proxy, delegates check
in, the chair freezes those present, and a card vote of those present is counted with weights
and verified offline. Every change is in the log with ids and counts, never who."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from assembly.meetings.assemblies import load_assembly
from assembly.meetings.floor import floor_electorate, shares
from assembly.meetings.floor_rules import DelegateRules
from roll.members import member_id_of
from service.cli import main as plenary
from service.database import session_for
from tests.assembly.conftest import Chamber, log_entries

# glasgow has 10 active members, edinburgh 3, cardiff 5 (tests/assembly/conftest.py).
FLOOR = {
    "delegates": {"members_per_delegate": 4, "card_vote": "membership", "proxies_per_holder": 1},
    "vote_by": "present",
}


def test_entitlements_follow_the_standing_orders_as_data() -> None:
    one_per_50 = DelegateRules(members_per_delegate=50)
    assert [one_per_50.entitled(n) for n in (0, 10, 49, 50, 120)] == [1, 1, 1, 1, 2]
    part = DelegateRules(members_per_delegate=50, part_counts=True, at_most=2)
    assert [part.entitled(n) for n in (1, 51, 500)] == [1, 2, 2]


def test_a_branch_membership_is_shared_among_its_delegates_in_whole_votes() -> None:
    assert shares(10, 2) == [5, 5]
    assert shares(103, 3) == [35, 34, 34]
    assert sum(shares(100_001, 7)) == 100_001


async def _delegate(chamber: Chamber, conf: dict[str, Any], who: Any, member: str, expect=201):
    return await chamber.call(
        "POST", f"/assemblies/{conf['id']}/delegates", who, {"member": member}, expect
    )


async def test_a_delegate_conference_runs_a_card_vote_of_those_present_with_a_proxy(
    chamber: Chamber, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = await chamber.assembly(
        title="Delegate Conference", kind="conference", standing_orders=FLOOR
    )
    path = f"/assemblies/{conf['id']}"
    assert conf["standing_orders"]["delegates"]["card_vote"] == "membership"
    await chamber.call(
        "POST", "/branches/glasgow/secretaries", chamber.admin, {"subject": "S10"}, 201
    )
    await _delegate(chamber, conf, "S10", "S1", 404)  # members do not see a draft
    early = await _delegate(chamber, conf, chamber.admin, "S1", 409)
    assert "draft" in early["detail"]
    await chamber.move(conf, "motions_open")
    for branch, secretary in (("glasgow", "S10"), ("edinburgh", "E3")):
        await chamber.call(
            "POST", f"/branches/{branch}/secretaries", chamber.admin, {"subject": secretary}, 201
        )

    # Branches register within their entitlement: glasgow 10 // 4 = 2, edinburgh at least 1.
    s1 = await _delegate(chamber, conf, "S10", "S1")
    s2 = await _delegate(chamber, conf, "S10", "S2")
    refused = await _delegate(chamber, conf, "S10", "S3", 409)
    assert "glasgow may send 2 delegates" in refused["detail"]
    await _delegate(chamber, conf, "S10", "E1", 403)  # not the secretary of edinburgh
    await _delegate(chamber, conf, "S4", "S4", 403)  # members do not register themselves
    e1 = await _delegate(chamber, conf, "E3", "E1")
    w1 = await _delegate(chamber, conf, chamber.admin, "W1")
    entitled = await chamber.call("GET", f"{path}/entitlements", "S1")
    assert {e["branch"]: (e["members"], e["entitled"]) for e in entitled} == {
        "cardiff": (5, 1),
        "edinburgh": (3, 1),
        "glasgow": (10, 2),
    }

    # Credentials: the chair approves or rejects; only then do delegates take part.
    for d in (s1, s2, e1):
        shown = await chamber.call(
            "POST", f"{path}/delegates/{d['id']}/credentials", chamber.chair, {"approve": True}
        )
        assert shown["state"] == "credentialed"
    await chamber.call(
        "POST", f"{path}/delegates/{s1['id']}/credentials", "S1", {"approve": True}, 403
    )
    await chamber.call(
        "POST", f"{path}/delegates/{w1['id']}/credentials", chamber.chair, {"approve": False}
    )
    w2 = await _delegate(chamber, conf, chamber.admin, "W2")  # the rejected place is free again
    await chamber.call(
        "POST", f"{path}/delegates/{w2['id']}/credentials", chamber.admin, {"approve": True}
    )

    # Proxies: at most one each; S2 names E1, and W2 cannot also name E1.
    named = await chamber.call("POST", f"{path}/proxy", "S2", {"proxy": "E1"})
    assert named["proxy"] == "E1"
    too_many = await chamber.call("POST", f"{path}/proxy", "W2", {"proxy": "E1"}, expect=409)
    assert "already holds 1 proxy" in too_many["detail"]
    await chamber.call("POST", f"{path}/proxy", "S3", {"proxy": "E1"}, expect=409)  # no delegate

    # A motion, seconded and admitted.
    motion = await chamber.motion(conf, "S5", title="Rent caps", paragraphs=["Cap rents."])
    await chamber.second(motion, "S6", "W3")
    await chamber.move(conf, "amendments_open")
    await chamber.chair_does(motion, "admit")
    await chamber.move(conf, "in_session")

    # Attendance: S1 and E1 check in with the hall's code; S2 is away (E1 holds the proxy);
    # W2 does not come. Those present are frozen before the vote.
    code = (await chamber.call("POST", f"{path}/hall-code", chamber.chair, None, 201))["code"]
    await chamber.call("POST", f"{path}/check-in", "S1", {"code": code})
    await chamber.call("POST", f"{path}/check-in", "E1", {"code": "WRONG"}, 422)
    await chamber.call("POST", f"{path}/check-in", "S3", {"code": code}, 403)  # not a delegate
    await chamber.call("POST", f"{path}/check-in/steward", "E2", {"member": "E1"}, 403)
    await chamber.call("POST", f"{path}/stewards", chamber.admin, {"subject": "E2"}, 201)
    shown = await chamber.call("POST", f"{path}/check-in/steward", "E2", {"member": "E1"})
    assert shown == {"present": 2, "frozen": False, "checked_in": True}
    await chamber.chair_does(motion, "vote/start", expect=409)  # the set present is not frozen
    frozen = await chamber.call("POST", f"{path}/attendance/freeze", chamber.chair)
    assert (frozen["present"], frozen["frozen"]) == (2, True)
    await chamber.call("POST", f"{path}/check-in", "W2", {"code": code}, 409)

    # The card vote: glasgow's 10 shared 5 and 5, edinburgh's 3. By heads it would tie.
    vote = await chamber.chair_does(motion, "vote/start")
    contest = vote["open_contest"]
    await chamber.vote(contest, {"S1": "for"})
    await chamber.call("POST", f"/contests/{contest}/ballots", "E1", {"choice": "against"}, 201)
    await chamber.call(
        "POST",
        f"/contests/{contest}/ballots",
        "E1",
        {"choice": "abstain", "on_behalf_of": "S2"},
        201,
    )
    await chamber.call("POST", f"/contests/{contest}/ballots", "S2", {"choice": "for"}, 409)
    await chamber.call("POST", f"/contests/{contest}/ballots", "W2", {"choice": "for"}, 403)
    await chamber.chair_does(motion, "vote/next")
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert shown["state"] == "carried"  # 5 for, 3 against; one head each
    result = await chamber.call("GET", f"/contests/{contest}/result", "S1")
    assert (result["weight_cast"], result["electorate_weight"]) == (13, 13)
    assert (result["figures"]["for"], result["figures"]["against"]) == (5, 3)

    record = await chamber.client.get(f"/api/v1{path}/record.md", headers=chamber.auth("S1"))
    assert "a card vote of 13 votes carried" in record.text
    printed = await chamber.client.get(
        f"/api/v1{path}/conference-record?lang=cy", headers=chamber.auth("S1")
    )
    assert printed.status_code == 200, printed.text
    assert "pleidlais cerdyn o 13 pleidlais" in printed.text
    assert "Y cofnod" in printed.text
    pdf = await chamber.client.get(
        f"/api/v1{path}/conference-record.pdf", headers=chamber.auth("S1")
    )
    assert pdf.content.startswith(b"%PDF-")

    bundle = await chamber.call("GET", f"/contests/{contest}/bundle", "S1")
    key = (await chamber.client.get("/api/v1/audit/key", headers=chamber.auth("S1"))).text
    assert bundle["roll"]["electorate"] == 3
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    assert plenary(["verify", str(tmp_path / "bundle.json"), "--key", key.strip()]) == 0
    assert "VERIFIED" in capsys.readouterr().out

    # The log has each change, with ids and counts only.
    entries = await log_entries(database_url)
    kinds = [e["type"] for e in entries if e["type"].startswith(("delegate.", "attendance."))]
    assert kinds.count("delegate.registered") == 5
    assert kinds.count("delegate.credentialed") == 4
    assert kinds.count("delegate.rejected") == 1
    assert kinds.count("delegate.proxy_named") == 1
    assert "attendance.frozen" in kinds
    opened = next(e for e in entries if e["type"] == "contest.opened")
    assert opened["facts"]["electorate_weight"] == 13
    assert opened["facts"]["proxies"] == 1
    floor_entries = json.dumps([e for e in entries if e["type"].startswith("delegate.")])
    for number in ("S1", "S2", "E1", "W1", "W2", "S10", "E3"):
        assert f'"{number}"' not in floor_entries


async def test_a_block_vote_puts_the_branch_on_one_card_and_a_proxy_holds_for_the_open_vote(
    chamber: Chamber, database_url: str
) -> None:
    orders = {
        "delegates": {"members_per_delegate": 4, "card_vote": "block", "proxies_per_holder": 1}
    }
    conf = await chamber.assembly(title="Block", kind="conference", standing_orders=orders)
    path = f"/assemblies/{conf['id']}"
    await chamber.move(conf, "motions_open")
    for member in ("S1", "S2", "E1"):
        made = await _delegate(chamber, conf, chamber.admin, member)
        await chamber.call(
            "POST", f"{path}/delegates/{made['id']}/credentials", chamber.chair, {"approve": True}
        )
    await chamber.call("POST", f"{path}/proxy", "E1", {"proxy": "S1"})
    async with session_for(database_url) as session:
        assembly = await load_assembly(session, uuid.UUID(conf["id"]))
        electors = await floor_electorate(session, assembly)
        s1, e1 = await member_id_of(session, "S1"), await member_id_of(session, "E1")
    assert electors is not None
    # Glasgow's 10 on S1's card (the earliest registered), Edinburgh's 3 on E1's, proxy S1.
    assert sorted((e.member_id, e.weight, e.proxy_member_id) for e in electors) == sorted(
        [(s1, 10, None), (e1, 3, s1)]
    )

    motion = await chamber.motion(conf, "S5", title="Rail", paragraphs=["Nationalise rail."])
    await chamber.second(motion, "S6", "W3")
    await chamber.move(conf, "amendments_open")
    await chamber.chair_does(motion, "admit")
    await chamber.move(conf, "in_session")
    contest = (await chamber.chair_does(motion, "vote/start"))["open_contest"]
    # Revoked after the vote opened: the open vote keeps the proxy it froze.
    await chamber.call("POST", f"{path}/proxy/revoke", "E1")
    ballot = {"choice": "for", "on_behalf_of": "E1"}
    await chamber.call("POST", f"/contests/{contest}/ballots", "S1", ballot, 201)
    await chamber.call("POST", f"/contests/{contest}/ballots", "S2", {"choice": "for"}, 403)
    async with session_for(database_url) as session:
        later = await floor_electorate(session, await load_assembly(session, assembly.id))
    assert later is not None
    assert [e.proxy_member_id for e in later] == [None, None]
