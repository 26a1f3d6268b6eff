"""Card votes and proxies against real PostgreSQL: weights from the frozen electorate are counted
exactly (motions and STV), shown in the result, carried in the bundle and checked by
``plenary verify``; a proxy casts the ballot of the member who named them, and nobody else can.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from roll.members import member_id_of
from service.cli import main as plenary
from service.database import session_for
from service.web.session import SESSION_COOKIE
from tally.blt import parse_blt
from tests.sessions import session_cookie
from tests.voting.conftest import Contests
from voting.counting import count_contest
from voting.lifecycle import ContestStateError, Elector, open_contest


async def _open_with(database_url: str, contest: dict[str, Any], electors: list[Any]) -> None:
    """Open ``contest`` with the electorate ``[(number, weight, proxy number or None)]``."""
    async with session_for(database_url) as session:
        given = []
        for number, weight, proxy in electors:
            member = await member_id_of(session, number)
            assert member is not None
            proxy_id = None if proxy is None else await member_id_of(session, proxy)
            given.append(Elector(member, weight, proxy_id))
        await open_contest(session, uuid.UUID(contest["id"]), actor="chair", electors=given)
        await session.commit()


async def _bundle_and_key(
    client: httpx.AsyncClient, contest: dict[str, Any], auth
) -> tuple[dict[str, Any], str]:
    got = await client.get(f"/api/v1/contests/{contest['id']}/bundle", headers=auth("S1"))
    assert got.status_code == 200, got.text
    key = (await client.get("/api/v1/audit/key", headers=auth("S1"))).text.strip()
    return got.json(), key


def _verify(tmp_path: Path, bundle: dict[str, Any], key: str) -> int:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    return plenary(["verify", str(path), "--key", key])


async def test_a_card_vote_counts_weights_exactly_and_the_verifier_checks_them(
    app: Litestar,
    contests: Contests,
    client: httpx.AsyncClient,
    auth,
    database_url: str,
    tmp_path: Path,
    capsys,
) -> None:
    motion = await contests.create(title="Card vote", kind="motion", weighted=True)
    # S1 carries 50, S2 30; S3 carries 7 and named S4 as proxy. Unweighted, 2 for beat 1
    # against; weighted, 57 for beat 30 against, and S4's own vote is not in this electorate.
    await _open_with(database_url, motion, [("S1", 50, None), ("S2", 30, None), ("S3", 7, "S4")])
    await contests.cast(motion, "S1", {"choice": "against"})
    await contests.cast(motion, "S2", {"choice": "for"})
    await contests.cast(motion, "S5", {"choice": "for", "on_behalf_of": "S3"}, expect=403)
    await contests.cast(motion, "S4", {"choice": "for"}, expect=403)
    await contests.cast(motion, "S4", {"choice": "for", "on_behalf_of": "S3"})
    await contests.cast(motion, "S3", {"choice": "against"}, expect=409)
    await contests.cast(motion, "S4", {"choice": "for", "on_behalf_of": "S3"}, expect=409)
    result = await contests.run_to_published(motion)
    assert (result["weighted"], result["weight_cast"], result["electorate_weight"]) == (
        True,
        87,
        87,
    )
    assert (result["figures"]["for"], result["figures"]["against"]) == (37, 50)
    assert result["outcome"] == "lost"
    cookie = f"{SESSION_COOKIE}={await session_cookie(app, 'S1')}"
    for language, words in (("en", "87 cast of 87"), ("cy", "87 wedi'u bwrw o 87")):
        page = await client.get(
            f"/contests/{motion['id']}/results",
            headers={"Cookie": cookie, "Accept-Language": language},
        )
        assert page.status_code == 200, page.text
        assert words in page.text.replace("&#39;", "'")

    sheet = await client.get(
        f"/api/v1/contests/{motion['id']}/result-sheet?lang=cy", headers=auth("S1")
    )
    assert sheet.status_code == 200, sheet.text
    assert "Taflen canlyniad" in sheet.text
    assert "87 wedi'u bwrw o 87" in sheet.text.replace("&#39;", "'")
    pdf = await client.get(f"/api/v1/contests/{motion['id']}/result-sheet.pdf", headers=auth("S1"))
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF-")

    bundle, key = await _bundle_and_key(client, motion, auth)
    assert bundle["roll"] == {**bundle["roll"], "electorate": 3, "electorate_weight": 87}
    assert sorted(b.get("weight", 1) for b in bundle["ballots"]) == [7, 30, 50]
    assert _verify(tmp_path, bundle, key) == 0

    # A heavier card for one ballot changes the box: the verifier names it.
    heavier = json.loads(json.dumps(bundle))
    heavier["ballots"][0]["weight"] = heavier["ballots"][0].get("weight", 1) + 100
    assert _verify(tmp_path, heavier, key) == 1
    out = capsys.readouterr().out
    assert "FAILED  ballots digest" in out
    # A bundle that hides the electorate's weight cannot be squared with the log.
    hidden = json.loads(json.dumps(bundle))
    del hidden["roll"]["electorate_weight"]
    assert _verify(tmp_path, hidden, key) == 1
    assert "total weight" in capsys.readouterr().out


async def test_a_weighted_election_counts_each_ballot_as_its_weight_in_stv_and_blt(
    contests: Contests, client: httpx.AsyncClient, auth, database_url: str, tmp_path: Path
) -> None:
    election = await contests.create(
        title="Chair of conference",
        kind="election",
        seats=1,
        weighted=True,
        candidates=[{"name": "Ada"}, {"name": "Bea"}],
    )
    await _open_with(database_url, election, [("W1", 5, None), ("W2", 2, None), ("W3", 2, None)])
    ada, bea = (c["id"] for c in election["candidates"])
    await contests.cast(election, "W1", {"ranking": [ada]})
    await contests.cast(election, "W2", {"ranking": [bea, ada]})
    await contests.cast(election, "W3", {"ranking": [bea]})
    result = await contests.run_to_published(election, viewer="W1")
    # 5 votes to 4; by heads Bea would win 2 to 1.
    assert [e["name"] for e in result["elected"]] == ["Ada"]
    assert result["figures"]["first_preferences"] == [5, 4]
    assert result["weight_cast"] == 9
    bundle, key = await _bundle_and_key(client, election, auth)
    parsed = parse_blt(bundle["blt"], "bundle.blt")
    assert sorted(b.weight for b in parsed.ballots) == [2, 2, 5]
    assert _verify(tmp_path, bundle, key) == 0


async def test_only_a_card_vote_carries_weights(contests: Contests, database_url: str) -> None:
    plain = await contests.create(title="One member one vote", kind="motion")
    with pytest.raises(ContestStateError, match="only a weighted contest"):
        await _open_with(database_url, plain, [("S1", 5, None)])


def test_the_count_multiplies_weights_exactly_and_refuses_a_weight_of_one_written_out() -> None:
    manifest = {
        "contest": "c",
        "kind": "motion",
        "weighted": True,
        "majority": {"base": "cast", "threshold": "2/3", "comparison": "at_least", "quorum": None},
    }
    ballots = [b'{"choice":"for","weight":200}', b'{"choice":"against","weight":100}']
    result = count_contest(manifest, ballots, 300)
    assert result["outcome"] == "carried"  # exactly two thirds, at least 2/3
    assert result["figures"]["required"] == 200
    with pytest.raises(ValueError, match="above 1"):
        count_contest(manifest, [b'{"choice":"for","weight":1}'], 300)
