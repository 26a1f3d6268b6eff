"""A draw seeded by a real drand beacon named in advance, and the attacks on it that must fail
(issue 18, "Sortition that cannot be rigged"): a made-up beacon, a draw before the round is
due, a round already published at commitment, and a panel member's number swapped.

The beacons in ``../shared/refdata/tlog/drand_beacons.json`` were published in 2023, so the
clock is injected (``at``): the commitment is made before the named round was due.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition.drand import DRAND_CHAINS
from assembly.sortition.entries import entry_commitment
from assembly.sortition.sortition import create_sortition, volunteer
from assembly.sortition.sortition_draw import commit_sortition, draw_sortition, finish_commitment
from assembly.sortition.sortition_record import derive_seed, entry_check, verify_record
from assembly.sortition.sortition_views import sortition_record
from roll.imports import import_roll_csv
from schemas.problems import DomainError
from schemas.sortition import BeaconIn, CommitIn, DrawIn, QuotaIn, SortitionCreate, SourceIn
from service.cli import main
from tally.sortition import DrawInputs, Portfolio, draw_panel
from tests.assembly.test_elections import ROLL
from tests.assembly.test_sortition_beacon import made_up_signature

BEACONS = Path(__file__).resolve().parents[2].parent / "shared" / "refdata" / "tlog"
QUICKNET = DRAND_CHAINS["quicknet"]


def _quicknet() -> dict[str, Any]:
    path = BEACONS / "drand_beacons.json"
    if not path.is_file():
        pytest.skip(f"reference data absent: {path}")
    vectors = json.loads(path.read_text())["vectors"]
    vector: dict[str, Any] = next(v for v in vectors if "quicknet" in v["scheme"])
    return vector


def _due(round_: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(QUICKNET.due(round_), dt.UTC)


async def _committed(session: AsyncSession, round_: int) -> tuple[uuid.UUID, dict[str, Any]]:
    """A Glasgow sortition (4 seats, 2 women) with S1–S10 in the pool, committed to quicknet
    ``round_`` a minute before it is due; the receipts by membership number."""
    due = _due(round_)
    await import_roll_csv(session, ROLL.encode(), source="test")
    made = await create_sortition(
        session,
        SortitionCreate(
            title="Committee",
            role="Glasgow committee",
            scope="branch:glasgow",
            seats=4,
            features=["gender"],
            quotas=[QuotaIn(feature="gender", value="woman", min=2, max=2)],
        ),
        created_by="RO1",
    )
    sortition_id = made.id
    receipts = {}
    for n in range(1, 11):
        receipts[f"S{n}"] = await volunteer(
            session, sortition_id, subject=f"S{n}", at=due - dt.timedelta(hours=1)
        )
    await session.commit()
    named = CommitIn(source=SourceIn(kind="drand", chain="quicknet", round=round_))
    with pytest.raises(DomainError, match="before this commitment"):
        await commit_sortition(session, sortition_id, named, at=due)
    await session.rollback()
    before = due - dt.timedelta(minutes=1)
    await commit_sortition(session, sortition_id, named, at=before)
    await finish_commitment(session, sortition_id, clock=lambda: before)
    await session.commit()
    return sortition_id, receipts


def _beacon(vector: dict[str, Any], **changes: Any) -> DrawIn:
    fields = {k: vector[k] for k in ("round", "randomness", "signature")}
    return DrawIn(beacon=BeaconIn(**{**fields, **changes}))


async def test_draw_seeded_by_the_named_drand_round_checks_out(db_session: AsyncSession) -> None:
    vector = _quicknet()
    sortition_id, receipts = await _committed(db_session, vector["round"])
    due = _due(vector["round"])

    # Before the round exists (88 s early, as in the issue) the draw is refused.
    with pytest.raises(DomainError, match="is due at"):
        await draw_sortition(
            db_session, sortition_id, _beacon(vector), at=due - dt.timedelta(seconds=88)
        )
    await db_session.rollback()
    with pytest.raises(DomainError, match="the commitment named round 657413"):
        await draw_sortition(db_session, sortition_id, _beacon(vector, round=vector["round"] + 1))
    await db_session.rollback()
    with pytest.raises(DomainError, match="not SHA-256 of its signature"):
        await draw_sortition(db_session, sortition_id, _beacon(vector, randomness="00" * 32))
    await db_session.rollback()

    drawn = await draw_sortition(db_session, sortition_id, _beacon(vector), at=due)
    await db_session.commit()
    record = await sortition_record(db_session, drawn)
    assert verify_record(record) == []
    women = [p for p in record["panel"] if int(p["membership_number"][1:]) % 2]
    assert len(women) == 2
    # Every volunteer, drawn or not, finds their own entry with their receipt.
    for number, receipt in receipts.items():
        assert receipt.entry == entry_commitment(receipt.salt, number, receipt.ticket)
        assert entry_check(record, receipt.ticket, receipt.salt, number) == []
    one = receipts["S1"]
    assert entry_check(record, one.ticket, one.salt, "S2") != []


async def test_a_made_up_beacon_is_refused_by_the_draw(db_session: AsyncSession) -> None:
    vector = _quicknet()
    sortition_id, _ = await _committed(db_session, vector["round"])
    forged = made_up_signature(48)

    with pytest.raises(DomainError, match="does not verify under drand quicknet's public key"):
        await draw_sortition(
            db_session,
            sortition_id,
            _beacon(vector, signature=forged.hex(), randomness=hashlib.sha256(forged).hexdigest()),
            at=_due(vector["round"]),
        )


async def _drawn_record(session: AsyncSession) -> dict[str, Any]:
    vector = _quicknet()
    sortition_id, _ = await _committed(session, vector["round"])
    drawn = await draw_sortition(session, sortition_id, _beacon(vector), at=_due(vector["round"]))
    await session.commit()
    return await sortition_record(session, drawn)


def _redraw(record: dict[str, Any], signature: bytes) -> dict[str, Any]:
    """The record as a rigging officer would publish it: a made-up beacon, and the seed, the
    draw and the panel all recomputed to agree with it."""

    forged = copy.deepcopy(record)
    randomness = hashlib.sha256(signature).digest()
    forged["randomness"]["signature"] = signature.hex()
    forged["randomness"]["randomness"] = randomness.hex()
    commitment = forged["commitment"]
    seed = derive_seed(
        commitment["inputs_digest"],
        commitment["entries_digest"],
        randomness,
        commitment["portfolio_digest"],
    )
    portfolio = Portfolio.from_dict(commitment["portfolio"])
    result = draw_panel(DrawInputs.from_dict(forged["inputs"]), seed, portfolio)
    numbers = {p["ticket"]: p for p in record["panel"]}
    forged["seed_hex"] = seed.hex()
    forged["result"] = result.to_dict()
    forged["panel"] = [
        numbers.get(t, {"ticket": t, "membership_number": "S1", "salt": "00" * 16})
        for t in result.panel
    ]
    return forged


async def test_verify_draw_refuses_a_made_up_beacon_with_everything_else_consistent(
    db_session: AsyncSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = await _drawn_record(db_session)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    assert main(["verify-draw", str(path)]) == 0
    out = capsys.readouterr().out
    assert "its signature verified" in out
    assert "every ticket bound to its member" in out

    forged = _redraw(record, made_up_signature(7))
    problems = verify_record(forged)
    assert any("does not verify under drand quicknet's public key" in p for p in problems)
    assert not any("seed should be" in p or "re-running" in p for p in problems)
    path.write_text(json.dumps(forged))
    assert main(["verify-draw", str(path)]) == 1
    assert "does not verify" in capsys.readouterr().out


async def test_verify_draw_checks_the_round_was_to_come_at_commitment_and_due_at_the_draw(
    db_session: AsyncSession,
) -> None:
    record = await _drawn_record(db_session)
    due = _due(record["commitment"]["source"]["round"])
    late = copy.deepcopy(record)
    late["commitment"]["committed_at"] = (due + dt.timedelta(seconds=1)).isoformat()
    assert any("the randomness could have been known" in p for p in verify_record(late))
    early = copy.deepcopy(record)
    early["drawn_at"] = (due - dt.timedelta(seconds=88)).isoformat()
    assert any("before drand quicknet round 657413 was due" in p for p in verify_record(early))
    # The due time is computed from the shipped chain, not read from the record.
    claimed = copy.deepcopy(record)
    claimed["commitment"]["source"]["due"] = "2030-01-01T00:00:00Z"
    claimed["commitment"]["committed_at"] = "2029-12-31T23:59:00Z"
    assert any("could have been known" in p for p in verify_record(claimed))


async def test_verify_draw_detects_a_panel_members_number_swapped(
    db_session: AsyncSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = await _drawn_record(db_session)
    seated = {p["membership_number"] for p in record["panel"]}
    outsider = next(f"S{n}" for n in range(1, 11) if f"S{n}" not in seated)
    swapped = copy.deepcopy(record)
    swapped["panel"][0]["membership_number"] = outsider
    problems = verify_record(swapped)
    assert any(f"was not committed to member {outsider}" in p for p in problems)
    # Re-committing the entry would change the committed digest, and with it the seed.
    resealed = copy.deepcopy(swapped)
    first = resealed["panel"][0]
    for entry in resealed["commitment"]["entries"]:
        if entry["ticket"] == first["ticket"]:
            entry["commitment"] = entry_commitment(first["salt"], outsider, first["ticket"])
    assert any("volunteers' commitments have digest" in p for p in verify_record(resealed))
    path = tmp_path / "record.json"
    path.write_text(json.dumps(swapped))
    assert main(["verify-draw", str(path)]) == 1
    assert "someone other than the volunteer" in capsys.readouterr().out
