"""Sortition through HTTP against real PostgreSQL, re-run by ``plenary verify-draw``
(issue 7, "Sortition"; issue 18: drand only, the round due after the commitment, tickets bound
to members).

The draws are seeded by a real quicknet beacon of 2023 (``../shared/refdata``), so the
commitment is made through the domain function with the clock set a minute before that round
was due; everything else goes through the API with the real clock.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from assembly.sortition.drand import DRAND_CHAINS
from assembly.sortition.sortition_draw import commit_sortition, finish_commitment
from assembly.sortition.sortition_record import derive_seed
from schemas.moments import now
from schemas.sortition import CommitIn, SourceIn
from service.cli import main
from service.database import session_for
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.assembly.test_sortition_drand import _quicknet
from tests.due_work import settle
from tests.voting.conftest import import_roll

ROLE = "Glasgow branch committee"


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


async def _commit(database_url: str, sortition_id: str, round_: int) -> None:
    """Commit to quicknet ``round_`` a minute before it was due (the injected clock), the
    portfolio solved in the same transaction (the due work's step, with the same clock)."""
    due = dt.datetime.fromtimestamp(DRAND_CHAINS["quicknet"].due(round_), dt.UTC)
    before = due - dt.timedelta(minutes=1)
    async with session_for(database_url) as session:
        await commit_sortition(
            session, uuid.UUID(sortition_id), CommitIn(source=SourceIn(round=round_)), at=before
        )
        await finish_commitment(session, uuid.UUID(sortition_id), clock=lambda: before)
        await session.commit()


def _beacon(vector: dict[str, Any]) -> dict[str, Any]:
    return {"beacon": {k: vector[k] for k in ("round", "randomness", "signature")}}


async def _draw(
    hall: Hall, database_url: str, body: dict[str, Any], volunteers: list[str]
) -> dict[str, Any]:
    vector = _quicknet()
    made = await hall.call("POST", "/sortitions", hall.ro, body, 201)
    for member in volunteers:
        await hall.call("POST", f"/sortitions/{made['id']}/volunteers", member, None, 201)
    await _commit(database_url, made["id"], vector["round"])
    drawn: dict[str, Any] = await hall.call(
        "POST", f"/sortitions/{made['id']}/draw", hall.ro, _beacon(vector)
    )
    return drawn


async def test_a_round_still_to_come_is_committed_and_the_draw_waits_for_it(
    hall: Hall, database_url: str
) -> None:
    body = {"title": "Committee", "role": ROLE, "scope": "branch:glasgow", "seats": 1}
    made = await hall.call("POST", "/sortitions", hall.ro, body, 201)
    receipt = await hall.call("POST", f"/sortitions/{made['id']}/volunteers", "S1", None, 201)
    assert len(receipt["salt"]) == 32
    assert len(receipt["entry"]) == 64
    commit = f"/sortitions/{made['id']}/commit"
    source = {"kind": "public_value", "description": "dice"}
    await hall.call("POST", commit, hall.ro, {"source": source}, 400)
    future = DRAND_CHAINS["quicknet"].round_at(now().timestamp()) + 1000
    answer = await hall.client.post(
        f"/api/v1{commit}", json={"source": {"round": future}}, headers=hall.ro
    )
    assert answer.status_code == 202, answer.text  # a maximin portfolio: solved in the background
    assert answer.json()["state"] == "committing"
    status = answer.headers["location"]
    assert status == f"/api/v1/sortitions/{made['id']}"
    await settle(database_url)
    committed = (await hall.client.get(status, headers=hall.ro)).json()
    assert (committed["state"], committed["source"]["round"]) == ("committed", future)
    assert committed["lowest_chance"] == "1"
    record = await hall.call("GET", f"/sortitions/{made['id']}/record", "S2")
    assert record["randomness"] is None
    entries = record["commitment"]["entries"]
    assert entries == [{"ticket": receipt["ticket"], "commitment": receipt["entry"]}]
    beacon = {"beacon": {"round": future, "randomness": "00", "signature": "00"}}
    problem = await hall.call("POST", f"/sortitions/{made['id']}/draw", hall.ro, beacon, 409)
    assert "the draw can be made from then" in problem["detail"]
    await hall.call("POST", f"/sortitions/{made['id']}/draw", hall.ro, {"public_value": "4"}, 400)


async def test_draw_with_quotas_and_rotation_is_rerun_by_verify_draw(
    hall: Hall, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vector = _quicknet()
    first = await _draw(
        hall,
        database_url,
        {
            "title": "Committee 2026",
            "role": ROLE,
            "scope": "branch:glasgow",
            "seats": 2,
            "method": "uniform",
        },
        ["S1", "S2", "S3", "S4"],
    )
    assert (first["method"], first.get("portfolio_digest")) == ("uniform", None)
    assert len(first["panel"]) == 2

    body = {
        "title": "Committee 2027",
        "role": ROLE,
        "scope": "branch:glasgow",
        "seats": 3,
        "term": 2,
        "exclude_terms": 1,
        "features": ["gender"],
        "quotas": [
            {"feature": "gender", "value": "woman", "min": 1, "max": 2},
            {"feature": "gender", "value": "man", "min": 1, "max": 2},
        ],
    }
    await hall.call("POST", "/sortitions", "S1", body, 403)
    made = await hall.call("POST", "/sortitions", hall.ro, body, 201)
    pool = f"/sortitions/{made['id']}/volunteers"
    for n in range(1, 11):
        entry = await hall.call("POST", pool, f"S{n}", None, 201)
        assert entry["features"] == {"gender": "woman" if n % 2 else "man"}
    await hall.call("POST", pool, "S1", None, 409)
    await hall.call("POST", pool, "W1", None, 403)  # not in the branch
    left = await hall.call("DELETE", f"{pool}/me", "S10")
    assert (left["pool"], left["volunteered"]) == (9, False)

    commit = f"/sortitions/{made['id']}/commit"
    await hall.call("POST", commit, hall.ro, {"source": {"kind": "drand", "round": 657413}}, 409)
    await _commit(database_url, made["id"], vector["round"])
    committed = await hall.call("GET", f"/sortitions/{made['id']}", hall.ro)
    assert (committed["state"], committed["excluded"]) == ("committed", 2)
    await hall.call("POST", commit, hall.ro, {"source": {"round": 10**9}}, 409)
    await hall.call("POST", pool, "S10", None, 409)  # the pool has closed

    draw = f"/sortitions/{made['id']}/draw"
    beacon = {"round": vector["round"], "randomness": "00", "signature": "00"}
    await hall.call("POST", draw, hall.ro, {"beacon": beacon}, 422)
    drawn = await hall.call("POST", draw, hall.ro, _beacon(vector))
    panel = drawn["panel"]
    assert len(panel) == 3
    assert not set(panel) & set(first["panel"])  # served last term: left out
    women = sum(1 for number in panel if int(number[1:]) % 2)
    assert 1 <= women <= 2
    randomness = bytes.fromhex(vector["randomness"])
    seed = derive_seed(
        committed["inputs_digest"],
        committed["entries_digest"],
        randomness,
        committed["portfolio_digest"],
    )
    assert drawn["seed_hex"] == seed.hex()
    await hall.call("POST", draw, hall.ro, _beacon(vector), 409)

    record = await hall.call("GET", f"/sortitions/{made['id']}/record", "S7")
    assert [p["membership_number"] for p in record["panel"]] == panel
    assert len(record["inputs"]["pool"]) == 7
    assert "S" not in "".join(m["id"] for m in record["inputs"]["pool"])  # tickets, not numbers
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    assert main(["verify-draw", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK: 3 seats drawn from 7" in out
    assert "maximin: a lottery over 10000 panels" in out
    assert drawn["lowest_chance"] == record["commitment"]["portfolio"]["lowest_chance"]

    # One pool entry changed: the commitment no longer matches and the check fails.
    entry = next(m for m in record["inputs"]["pool"] if m["id"] not in record["result"]["panel"])
    entry["features"]["gender"] = "man" if entry["features"]["gender"] == "woman" else "woman"
    path.write_text(json.dumps(record))
    assert main(["verify-draw", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "the commitment logged before the draw was" in out

    entries = await log_entries(database_url)
    mine = [e for e in entries if e["subjects"].get("sortition") == made["id"]]
    types = [e["type"] for e in mine]
    assert types.index("sortition.committed") < types.index("sortition.randomness_received")
    assert types.index("sortition.randomness_received") < types.index("sortition.drawn")
    committed_entry = mine[types.index("sortition.committed")]
    assert committed_entry["digests"]["inputs"] == "sha256:" + committed["inputs_digest"]
    assert committed_entry["facts"]["excluded"] == 2
    text = json.dumps(entries)
    for number in panel:
        assert f'"{number}"' not in text


@pytest.mark.parametrize(
    ("quotas", "message"),
    [
        (
            [{"feature": "gender", "value": "woman", "min": 3, "max": 2}],
            "minimum 3 above maximum 2",
        ),
        ([{"feature": "gender", "value": "woman", "min": 5}], "only 4 seats"),
        (
            [
                {"feature": "gender", "value": "woman", "min": 3},
                {"feature": "gender", "value": "man", "min": 2},
            ],
            "the minimums for gender add up to 5 but there are only 4 seats",
        ),
    ],
)
async def test_impossible_quotas_are_refused_when_the_sortition_is_set_up(
    hall: Hall, quotas: list[dict[str, Any]], message: str
) -> None:
    body = {
        "title": "Committee",
        "role": ROLE,
        "scope": "branch:glasgow",
        "seats": 4,
        "features": ["gender"],
        "quotas": quotas,
    }
    problem = await hall.call("POST", "/sortitions", hall.ro, body, 422)
    assert message in problem["detail"]
    assert "no pool could meet these quotas" in problem["detail"]
    assert await hall.call("GET", "/sortitions", hall.ro) == []
