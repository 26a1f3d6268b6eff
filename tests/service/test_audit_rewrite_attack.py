"""The database operator rewrites a published result; the signer refuses to sign the forgery.

The attack of issue 17: as the database operator, flip two ballots of a published secret
motion (carried becomes lost), recompute the box's digests with the project's own functions,
rewrite the log entry that records them, rebuild the Merkle tree from the stored entries and
delete the checkpoints above the change. The signer keeps its own record of what it last
signed beside its key, outside the database, so it refuses the rewritten tree (a metric and a
WARNING line), keeps serving the last good checkpoint, no new bundle can be signed, and the
bundle downloaded before still verifies.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import delete, text, update

from audit.canonical import canonical_json
from audit.checkpoint import parse_checkpoint
from audit.last_signed import last_signed_path, read_last_signed
from audit.merkle import leaf_hashes
from audit.store import (
    audit_checkpoint,
    audit_entry,
    audit_hash,
    log_size,
    read_entries,
    read_hashes,
)
from audit.store_checkpoints import SigningRefused, sign_checkpoint_if_grown
from audit.stored import append_indexes, hashes_to_store_from, stored_hash_count
from service.cli import main as plenary
from service.database import session_for
from service.log_signing import LOG_KEY_FILE, ensure_log_key
from service.settings import Settings
from tests.voting.conftest import ROLL, Contests, import_roll
from voting.box import box_commitment

_REFUSED = "plenary_audit_log_signing_refused_total"


def _refusals() -> float:
    return REGISTRY.get_sample_value(_REFUSED) or 0.0


async def _rewrite_log_from(url: str, index: int, new_entry: bytes) -> None:
    """Replace entry ``index``, rebuild every stored hash from there, drop checkpoints above.

    What an operator with the database can do: the tree is recomputed with the log's own
    functions, so the stored hashes agree with the entries again.
    """
    async with session_for(url) as s:
        size = await log_size(s)
        entries = [data for _, data in await read_entries(s, index, size)]
        entries[0] = new_entry
        edge = await read_hashes(s, append_indexes(index))
        rows = hashes_to_store_from(leaf_hashes(entries), index, edge)
        await s.execute(delete(audit_hash).where(audit_hash.c.idx >= stored_hash_count(index)))
        await s.execute(audit_hash.insert(), [{"idx": i, "hash": h} for i, h in rows])
        leaves = leaf_hashes(entries)
        for offset, (data, leaf) in enumerate(zip(entries, leaves, strict=True)):
            await s.execute(
                update(audit_entry)
                .where(audit_entry.c.idx == index + offset)
                .values(data=data, leaf_hash=leaf)
            )
        await s.execute(delete(audit_checkpoint).where(audit_checkpoint.c.size > index))
        await s.commit()


async def _flip_two_ballots(url: str, contest_id: str) -> str:
    """Turn two "for" ballots into "against"; return the box's new ballots digest."""
    async with session_for(url) as s:
        rows = (
            await s.execute(
                text("SELECT id, content FROM contest_ballot WHERE contest_id = :c"),
                {"c": contest_id},
            )
        ).all()
        flipped = 0
        for row in rows:
            ballot = json.loads(bytes(row.content))
            if ballot.get("choice") == "for" and flipped < 2:
                ballot["choice"] = "against"
                await s.execute(
                    text("UPDATE contest_ballot SET content = :b WHERE id = :i"),
                    {"b": canonical_json(ballot), "i": row.id},
                )
                flipped += 1
        assert flipped == 2
        receipts = (
            await s.execute(
                text("SELECT receipt_hash FROM contest_receipt WHERE contest_id = :c"),
                {"c": contest_id},
            )
        ).scalars()
        contents = (
            await s.execute(
                text("SELECT content FROM contest_ballot WHERE contest_id = :c"), {"c": contest_id}
            )
        ).scalars()
        box = box_commitment([bytes(r) for r in receipts], [bytes(c) for c in contents])
        await s.execute(
            text("UPDATE contest SET ballots_digest = :d WHERE id = :c"),
            {"d": box.ballots_digest, "c": contest_id},
        )
        await s.commit()
    return box.ballots_digest


async def _closed_entry(url: str, contest_id: str) -> tuple[int, dict[str, Any]]:
    async with session_for(url) as s:
        for index, data in await read_entries(s, 0, await log_size(s)):
            event = json.loads(data)
            if event["type"] == "contest.closed" and event["subjects"]["contest"] == contest_id:
                return index, event
    raise AssertionError("no contest.closed entry")


async def test_a_rewritten_log_is_refused_and_the_published_bundle_still_stands(
    settings: Settings,
    database_url: str,
    client: httpx.AsyncClient,
    auth: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await import_roll(client, auth, ROLL)
    contests = Contests(client, auth("RO1", "returning_officer"), auth)
    motion = await contests.create(title="Free school meals", kind="motion")
    await contests.step(motion, "open")
    for member, choice in [("S1", "for"), ("S2", "for"), ("S3", "against")]:
        await contests.cast(motion, member, {"choice": choice})
    await contests.run_to_published(motion)
    got = await client.get(f"/api/v1/contests/{motion['id']}/bundle", headers=auth("W1"))
    assert got.status_code == 200, got.text
    before = tmp_path / "before.json"
    before.write_bytes(got.content)
    key = (await client.get("/api/v1/audit/key", headers=auth("W1"))).text.strip()
    record_path = last_signed_path(settings.keys_dir / LOG_KEY_FILE)
    record = read_last_signed(record_path)
    assert record is not None
    signed = json.loads(got.content)["log"]["checkpoint"]
    assert parse_checkpoint(signed[: signed.index("\n\n") + 1]).size <= record.checkpoint.size

    # The attack, as the database operator.
    new_digest = await _flip_two_ballots(database_url, motion["id"])
    index, closed = await _closed_entry(database_url, motion["id"])
    closed["digests"]["ballots"] = "sha256:" + new_digest
    await _rewrite_log_from(database_url, index, canonical_json(closed))

    refusals = _refusals()
    with caplog.at_level(logging.WARNING, logger="plenary.audit"):
        served = await client.get("/api/v1/audit/checkpoint")
    assert served.status_code == 200, served.text
    assert served.text == record.note  # the last good checkpoint, from the signer's record
    assert _refusals() > refusals
    warned = [r for r in caplog.records if "audit log signing refused" in r.getMessage()]
    assert warned
    assert warned[0].levelno == logging.WARNING
    assert "the database was rewritten" in warned[0].getMessage()
    assert read_last_signed(record_path) == record  # nothing new was signed

    again = await client.get(f"/api/v1/contests/{motion['id']}/bundle", headers=auth("W1"))
    assert again.status_code == 503, again.text
    assert plenary(["verify", str(before), "--key", key]) == 0

    # The same forgery offered to a signer without its record is signed: the record is what
    # stops it (the database's own checkpoints were deleted above the change).
    signer = ensure_log_key(settings).signer
    async with session_for(database_url) as s:
        with pytest.raises(SigningRefused):
            await sign_checkpoint_if_grown(s, signer, settings.log_origin)
    async with session_for(database_url) as s:
        forged = await sign_checkpoint_if_grown(
            s, dataclasses.replace(signer, record=None), settings.log_origin
        )
    assert forged is not None
    assert forged.size == record.checkpoint.size
    assert forged.root != record.checkpoint.root_hash
