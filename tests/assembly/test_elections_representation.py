"""Representation rules that never vanish (issue 18): self-described values counted by the
returning officer's categories table, case-folded; a rule that cannot act stops the ballots
opening; every rule in force shown before opening, in the manifest, in the log and on results."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from assembly.elections.offices import load_office, vacate_office
from service.database import session_for
from tally.blt import parse_blt
from tally.cli import main as tally_cli
from tally.rules import rule_named
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import Hall
from tests.voting.conftest import import_roll

# The women standing describe themselves as "Woman" and "female"; the men as "man" and "Male".
ROLL = (
    "membership_number,name,email,branch,region,status,gender\n"
    + "".join(f"S{n},Scot {n},s{n}@x.org,glasgow,SCO,active,man\n" for n in range(1, 11))
    + "".join(f"E{n},Edin {n},e{n}@x.org,edinburgh,SCO,active,man\n" for n in range(1, 7))
    + "A1,Ailsa One,a1@x.org,glasgow,SCO,active,Woman\n"
    + "A2,Ailsa Two,a2@x.org,edinburgh,SCO,active,female\n"
    + "M1,Morag One,m1@x.org,glasgow,SCO,active,Male\n"
)


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


async def _election(hall: Hall, categories: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Executive",
        "posts": [{"title": "Two seats", "seats": 2}],
        "nomination_rules": {"supporting_members": 1, "supporting_branches": 0},
        "constraints": [{"attribute": "gender", "value": "woman", "at_least": 1}],
    }
    if categories is not None:
        body["categories"] = categories
    election: dict[str, Any] = await hall.call("POST", "/elections", hall.ro, body, 201)
    for candidate, proposer in (("S1", "S5"), ("S2", "S6"), ("A1", "S7"), ("A2", "S8")):
        nomination = await hall.nominate(election, 1, candidate, proposer)
        await hall.accept(nomination)
    return election


# Quota 7 of 18. Unconstrained, Scot 1 is elected at once and Scot 2 after both women are
# excluded; under the rule Scot 2 is doomed and Ailsa One takes the second seat. No ties.
BALLOTS = [["Scot 1"]] * 7 + [["Scot 2", "Scot 1"]] * 6 + [["Ailsa One"]] * 3
BALLOTS += [["Ailsa Two", "Ailsa One"]] * 2
VOTERS = [f"S{n}" for n in range(1, 11)] + [f"E{n}" for n in range(1, 7)] + ["A1", "A2"]


async def test_women_describing_themselves_as_Woman_and_female_are_counted_by_the_table(
    hall: Hall, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    election = await _election(hall, {"gender": {"woman": ["female", "f"], "man": ["male"]}})
    # Each candidate sees what the rule counts them as.
    shown = await hall.call("GET", f"/elections/{election['id']}/nominations", "A2")
    assert {n["candidate"]: n["counted_as"] for n in shown} == {
        "S1": {"gender": "man"},
        "S2": {"gender": "man"},
        "A1": {"gender": "woman"},
        "A2": {"gender": "woman"},
    }
    # The returning officer sees every rule in force before opening.
    await hall.call("GET", f"/elections/{election['id']}/rules", "S1", None, 403)
    rules = await hall.call("GET", f"/elections/{election['id']}/rules", hall.ro)
    (post,) = rules["posts"]
    assert post["rules"] == ["at least 1 to gender=woman"]
    assert post["constraints"] == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    assert post["problems"] == []

    await hall.call("POST", f"/elections/{election['id']}/close-nominations", hall.ro)
    opened = await hall.call("POST", f"/elections/{election['id']}/open-ballots", hall.ro)
    contest = await hall.call("GET", f"/contests/{opened['posts'][0]['contest']}", "S1")
    assert contest["constraints"] == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    assert sorted(c["attributes"].get("gender") for c in contest["candidates"]) == [
        "man",
        "man",
        "woman",
        "woman",
    ]
    for voter, ranking in zip(VOTERS, BALLOTS, strict=True):
        await hall.cast(contest, voter, ranking)
    for verb in ("close", "count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)
    bundle = await hall.call("GET", f"/contests/{contest['id']}/bundle", "S1")
    assert bundle["manifest"]["constraints"] == contest["constraints"]
    unconstrained = rule_named("scottish").count(parse_blt(bundle["blt"])).elected_names
    assert sorted(unconstrained) == ["Scot 1", "Scot 2"]
    # The constrained count is recomputed from the bundle alone with the counting CLI.
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "ward.blt").write_text(bundle["blt"])
    (tmp_path / "result.json").write_text(json.dumps(bundle["result"]["transcript"]))
    capsys.readouterr()
    args = [str(tmp_path / "ward.blt"), "--manifest", str(tmp_path / "bundle.json")]
    assert tally_cli(["count", *args, "--json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["elected"]) == ["Ailsa One", "Scot 1"]
    assert tally_cli(["recount", str(tmp_path / "result.json"), *args]) == 0
    assert capsys.readouterr().out.endswith("matches the published result at every stage\n")
    assert tally_cli(["recount", str(tmp_path / "result.json"), args[0]]) == 1  # no rules

    declared = await hall.call("POST", f"/elections/{election['id']}/declare", hall.ro)
    elected = declared["posts"][0]["elected"]
    # Results show who was elected with what the constraint counted them as.
    assert sorted((c["name"], c["counted_as"]["gender"]) for c in elected) == [
        ("Ailsa One", "woman"),
        ("Scot 1", "man"),
    ]
    entries = await log_entries(database_url)
    (balloting,) = [e for e in entries if e["type"] == "election.post_balloting"]
    assert balloting["facts"]["constraints_in_force"] == "gender=woman: at least 1"
    assert not [e for e in entries if e["type"] == "election.rule_not_met"]
    assert "Ailsa" not in json.dumps(entries)


async def test_a_rule_no_candidate_falls_under_stops_the_ballots_until_accepted_and_logged(
    hall: Hall, database_url: str
) -> None:
    # No table: "Woman" still folds to the rule's "woman", but "female" does not.
    election = await _election(hall, None)
    shown = await hall.call("GET", f"/elections/{election['id']}/nominations", "A2")
    assert {n["candidate"]: n["counted_as"]["gender"] for n in shown} == {
        "S1": "man",
        "S2": "man",
        "A1": "woman",
        "A2": "female",
    }
    # Ailsa One withdraws: now nobody standing is counted as a woman.
    nominations = {n["candidate"]: n for n in shown}
    await hall.call("POST", f"/nominations/{nominations['A1']['id']}/withdraw", "A1")
    await hall.call("POST", f"/elections/{election['id']}/close-nominations", hall.ro)
    rules = await hall.call("GET", f"/elections/{election['id']}/rules", hall.ro)
    problem = (
        "post 1: no candidate standing is counted as gender=woman, so the rule at least 1 to "
        "gender=woman has nothing to act on"
    )
    assert rules["posts"][0]["problems"] == [problem]
    before = len(await log_entries(database_url))
    refused = await hall.call(
        "POST", f"/elections/{election['id']}/open-ballots", hall.ro, None, 409
    )
    assert problem in refused["detail"]
    assert "categories" in refused["detail"]
    assert len(await log_entries(database_url)) == before  # nothing changed
    still = await hall.call("GET", f"/elections/{election['id']}", hall.ro)
    assert still["state"] == "nominations_closed"

    opened = await hall.call(
        "POST",
        f"/elections/{election['id']}/open-ballots",
        hall.ro,
        {"accept_unmet_rules": True},
    )
    assert opened["posts"][0]["state"] == "balloting"
    entries = await log_entries(database_url)
    (unmet,) = [e for e in entries if e["type"] == "election.rule_not_met"]
    assert unmet["facts"]["problem"] == problem


async def _declared(hall: Hall) -> dict[str, Any]:
    election = await _election(hall, {"gender": {"woman": ["female", "f"], "man": ["male"]}})
    await hall.call("POST", f"/elections/{election['id']}/close-nominations", hall.ro)
    opened = await hall.call("POST", f"/elections/{election['id']}/open-ballots", hall.ro)
    contest = await hall.call("GET", f"/contests/{opened['posts'][0]['contest']}", "S1")
    for voter, ranking in zip(VOTERS, BALLOTS, strict=True):
        await hall.cast(contest, voter, ranking)
    for verb in ("close", "count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)
    await hall.call("POST", f"/elections/{election['id']}/declare", hall.ro)
    offices = await hall.call("GET", "/offices", "S1")
    return {o["holder"]: o for o in offices}


async def _vacate(database_url: str, office_id: str) -> uuid.UUID:
    async with session_for(database_url) as session:
        office = await load_office(session, uuid.UUID(office_id), lock=True)
        by_election = await vacate_office(session, office, petition_id=uuid.uuid4())
        assert by_election is not None
        await session.commit()
        return by_election.id


async def test_recalling_the_woman_seated_by_the_rule_refills_the_seat_under_it(
    hall: Hall, database_url: str
) -> None:
    # The attack: the by-election was a one-seat IRV with no rule, so recalling the woman the
    # rule seated left the executive below its quota.
    offices = await _declared(hall)
    assert sorted(offices) == ["A1", "S1"]
    by_election = await _vacate(database_url, offices["A1"]["id"])
    shown = await hall.call("GET", f"/elections/{by_election}", "S1")
    assert [(r["attribute"], r["value"], r["at_least"]) for r in shown["constraints"]] == [
        ("gender", "woman", 1)
    ]
    assert shown["constraints"][0]["categories"]["woman"] == ["f", "female", "woman"]
    # With a man and a woman standing, the by-election's count holds the rule.
    man = await hall.nominate(shown, 1, "S3", "S4")
    await hall.support(man, "S6")
    await hall.accept(man)
    woman = await hall.nominate(shown, 1, "A2", "S5")
    await hall.support(woman, "S7")
    await hall.accept(woman)
    rules = await hall.call("GET", f"/elections/{by_election}/rules", hall.ro)
    assert rules["posts"][0]["constraints"] == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    entries = await log_entries(database_url)
    (kept,) = [e for e in entries if e["type"] == "office.vacancy_rules"]
    assert kept["facts"]["rules"] == "at least 1 to gender=woman"


async def test_recalling_a_man_when_a_woman_still_sits_needs_no_rule_for_the_seat(
    hall: Hall, database_url: str
) -> None:
    offices = await _declared(hall)
    by_election = await _vacate(database_url, offices["S1"]["id"])
    shown = await hall.call("GET", f"/elections/{by_election}", "S1")
    assert shown["constraints"] == []
    entries = await log_entries(database_url)
    (kept,) = [e for e in entries if e["type"] == "office.vacancy_rules"]
    assert kept["facts"]["rules"] == "none needed: the other holders meet the rules"
