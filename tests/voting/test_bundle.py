"""Audit bundles through HTTP against real PostgreSQL: each kind verifies with plenary verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.bundle import BUNDLE_SCHEMA_PATH, bundle_json_schema, decode_bundle
from service.cli import main as plenary
from tally.blt import parse_blt
from tally.rules import rule_named
from tests.voting.conftest import Contests


async def _bundle(client: httpx.AsyncClient, contest: dict[str, Any], headers: Any) -> bytes:
    response = await client.get(f"/api/v1/contests/{contest['id']}/bundle", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.content


async def _log_key(client: httpx.AsyncClient, headers: Any) -> str:
    response = await client.get("/api/v1/audit/key", headers=headers)
    assert response.status_code == 200, response.text
    return response.text.strip()


def _verify(tmp_path: Path, data: bytes, *args: str) -> int:
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    return plenary(["verify", str(path), *args])


async def test_published_contests_of_every_kind_give_bundles_that_verify(
    contests: Contests, client: httpx.AsyncClient, auth, tmp_path: Path, capsys
) -> None:
    motion = await contests.create(title="Free school meals", kind="motion")
    roll_call = await contests.create(title="Delegates", kind="motion", secret=False)
    election = await contests.create(
        title="Executive",
        kind="election",
        seats=2,
        method="meek_stv",
        candidates=[
            {"name": "Ada", "attributes": {"gender": "woman"}},
            {"name": "Bea", "attributes": {"gender": "woman"}},
            {"name": "Cal", "attributes": {"gender": "man"}},
        ],
        constraints=[{"attribute": "gender", "value": "man", "at_least": 1}],
    )
    referendum = await contests.create(
        title="Party name", kind="referendum", options=["Red", "Green", "Purple"]
    )
    recall = await contests.create(title="Recall", kind="recall", scope="branch:glasgow")
    everything = [motion, roll_call, election, referendum, recall]
    for contest in everything:
        await contests.step(contest, "open")
    for member, choice in [("S1", "for"), ("S2", "against"), ("W1", "for")]:
        await contests.cast(motion, member, {"choice": choice})
        await contests.cast(roll_call, member, {"choice": choice})
    names = {c["name"]: c["id"] for c in election["candidates"]}
    rankings = [["Ada", "Bea"], ["Ada", "Cal"], ["Bea"], ["Cal", "Ada"], ["Ada"]]
    for n, ranking in enumerate(rankings, start=1):
        await contests.cast(election, f"S{n}", {"ranking": [names[r] for r in ranking]})
    options = {o["name"]: o["id"] for o in referendum["options"]}
    await contests.cast(referendum, "S1", {"option": options["Green"]})
    await contests.cast(referendum, "S2", {"ranking": [options["Red"], options["Green"]]})
    await contests.cast(referendum, "W1", {"ranking": [options["Purple"], options["Red"]]})
    await contests.cast(recall, "S1", {"choice": "yes"})
    for contest in everything:
        await contests.run_to_published(contest)

    auditor = auth("AUD1", "auditor")
    key = await _log_key(client, auditor)
    for contest in everything:
        data = await _bundle(client, contest, auth("S1"))
        bundle = decode_bundle(data)
        assert bundle.contest == contest["id"]
        assert bundle.manifest_digest == contest["manifest_digest"]
        assert [json.loads(e.entry)["type"] for e in bundle.log.entries] == [
            "contest.created",
            "contest.opened",
            "contest.closed",
            "contest.counted",
            "contest.published",
        ]
        assert (bundle.blt is not None) == (contest["kind"] in ("election", "referendum"))
        assert (bundle.roll_call is not None) == (contest is roll_call)
        assert _verify(tmp_path, data, "--key", key) == 0, capsys.readouterr().out
        assert "VERIFIED" in capsys.readouterr().out

    recorded = decode_bundle(await _bundle(client, roll_call, auth("S1")))
    assert recorded.roll_call is not None
    assert {(v.member, v.ballot.choice) for v in recorded.roll_call} == {
        ("S1", "for"),
        ("S2", "against"),
        ("W1", "for"),
    }
    secret = decode_bundle(await _bundle(client, motion, auth("S1")))
    assert secret.roll_call is None
    # No membership number appears as a value (base64 hashes may contain "S1" by chance).
    assert b'"S1"' not in await _bundle(client, motion, auth("S1"))
    assert sorted(b.choice or "" for b in secret.ballots) == ["against", "for", "for"]


async def test_verify_without_a_pinned_key_has_its_own_exit_status_and_says_so(
    contests: Contests, client: httpx.AsyncClient, auth, tmp_path: Path, capsys
) -> None:
    motion = await contests.create(title="M", kind="motion")
    await contests.step(motion, "open")
    await contests.cast(motion, "S1", {"choice": "for"})
    await contests.run_to_published(motion)
    data = await _bundle(client, motion, auth("S1"))
    assert _verify(tmp_path, data) == 3  # consistent, but no key of yours vouches for it
    out = capsys.readouterr().out
    assert "the key given in the bundle itself" in out
    assert "--key" in out
    assert "NOT VERIFIED: consistent, but signed by a key you did not pin" in out
    assert "VERIFIED: every check holds" not in out


async def test_bundle_waits_for_publication_and_is_hidden_outside_the_scope(
    contests: Contests, client: httpx.AsyncClient, auth, ro
) -> None:
    motion = await contests.create(title="Scottish policy", kind="motion", scope="region:SCO")
    url = f"/api/v1/contests/{motion['id']}/bundle"
    await contests.step(motion, "open")
    await contests.cast(motion, "S1", {"choice": "for"})
    for verb in ("close", "count"):
        await contests.step(motion, verb)
        refused = await client.get(url, headers=ro)
        assert refused.status_code == 409
        assert "published" in refused.json()["detail"]
    await contests.step(motion, "publish")
    assert (await client.get(url, headers=auth("W1"))).status_code == 404
    assert (await client.get(url, headers=auth("S2"))).status_code == 200
    assert (await client.get(url)).status_code == 401


async def test_blt_of_a_published_election_recounts_to_the_same_winners(
    contests: Contests, client: httpx.AsyncClient, auth
) -> None:
    election = await contests.create(
        title="Chair", kind="election", candidates=[{"name": "Ada"}, {"name": "Bea"}]
    )
    ids = {c["name"]: c["id"] for c in election["candidates"]}
    url = f"/api/v1/contests/{election['id']}/blt"
    await contests.step(election, "open")
    for n, first in enumerate(["Bea", "Bea", "Ada"], start=1):
        await contests.cast(election, f"S{n}", {"ranking": [ids[first]]})
    assert (await client.get(url, headers=auth("S1"))).status_code == 409
    result = await contests.run_to_published(election)
    response = await client.get(url, headers=auth("S1"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    recount = rule_named("irv").count(parse_blt(response.text))
    assert recount.elected_names == [c["name"] for c in result["elected"]] == ["Bea"]

    motion = await contests.create(title="M", kind="motion")
    await contests.step(motion, "open")
    await contests.run_to_published(motion)
    not_ranked = await client.get(f"/api/v1/contests/{motion['id']}/blt", headers=auth("S1"))
    assert not_ranked.status_code == 409


def test_checked_in_bundle_schema_is_the_generated_one() -> None:
    if not BUNDLE_SCHEMA_PATH.is_file():
        pytest.fail(f"{BUNDLE_SCHEMA_PATH} is missing: run python -m schemas.bundle")
    assert BUNDLE_SCHEMA_PATH.read_text(encoding="utf-8") == bundle_json_schema(), (
        "schemas/json/bundle.schema.json is stale: run python -m schemas.bundle"
    )
