"""Issue 17: the database operator alone never learns how a member voted.

The attacks are the red team's: read the raw heap pages of the ballot and electorate tables
(live and dead row versions alike) and join ballots to voters on the transaction id that wrote
them; scan the WAL for the plain encoding of a ballot. They run on a real PostgreSQL, against
the files it wrote, while the contest is open and after a close that runs no VACUUM (as the
chair's next-vote path does not).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from audit.canonical import canonical_json
from service.database import asyncpg_dsn, session_for
from tests.voting.conftest import Contests
from voting.ballots import longest_content
from voting.lifecycle import close_contest
from voting.sealing import (
    SEALED,
    SealError,
    ballot_keys,
    seal,
    unseal,
    use_ballot_keys,
    write_private_file,
)

_PAGE = 8192
VOTERS = [f"S{n}" for n in range(1, 11)] + [f"W{n}" for n in range(1, 6)]
CANDIDATES = [f"Candidate {n}" for n in range(12)]


def _tuples(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """Every stored row version (live or dead) in a heap file: its ``xmin`` and its bytes."""
    for start in range(0, len(raw), _PAGE):
        page = raw[start : start + _PAGE]
        lower = int.from_bytes(page[12:14], "little")
        for pointer in range(24, lower, 4):
            word = int.from_bytes(page[pointer : pointer + 4], "little")
            offset, flags, length = word & 0x7FFF, (word >> 15) & 3, word >> 17
            if flags == 1 and length:
                row = page[offset : offset + length]
                yield int.from_bytes(row[0:4], "little"), row


def _electors(raw: bytes) -> list[tuple[int, int, bool]]:
    """(xmin, member id, voted) of every row version of ``contest_elector``."""
    found = []
    for xmin, row in _tuples(raw):
        data = row[row[22] :]  # t_hoff: (contest_id uuid, member_id bigint, voted bool)
        found.append((xmin, int.from_bytes(data[16:24], "little"), bool(data[24])))
    return found


async def _heap(conn: asyncpg.Connection, table: str) -> bytes:
    await conn.execute("CHECKPOINT")
    path = await conn.fetchval("SELECT pg_relation_filepath($1::regclass)", table)
    return bytes(await conn.fetchval("SELECT pg_read_binary_file($1)", path))


async def _wal_since(conn: asyncpg.Connection, since: str) -> bytes:
    """Every WAL segment from the one holding ``since`` to the current one, raw."""
    first = await conn.fetchval("SELECT pg_walfile_name(CAST($1::text AS pg_lsn))", since)
    last = await conn.fetchval("SELECT pg_walfile_name(pg_current_wal_lsn())")
    names = sorted(
        r["name"]
        for r in await conn.fetch("SELECT name FROM pg_ls_waldir()")
        if len(r["name"]) == 24
    )
    chunks = [
        bytes(await conn.fetchval("SELECT pg_read_binary_file($1)", f"pg_wal/{name}"))
        for name in names
        if first <= name <= last
    ]
    return b"".join(chunks)


def _linked(ballots_raw: bytes, electors_raw: bytes, plain: dict[bytes, str]) -> dict[str, bytes]:
    """The attack: each ballot row version whose plain content shows, joined on ``xmin`` to the
    one voter whose electorate row that transaction wrote. Returns member id → ballot."""
    voters_by_xmin: dict[int, set[int]] = {}
    for xmin, member, voted in _electors(electors_raw):
        if voted:
            voters_by_xmin.setdefault(xmin, set()).add(member)
    recovered: dict[str, bytes] = {}
    for xmin, row in _tuples(ballots_raw):
        shown = [content for content in plain if content in row]
        voters = voters_by_xmin.get(xmin, set())
        if shown and len(voters) == 1:
            recovered[str(next(iter(voters)))] = shown[0]
    return recovered


async def _election(contests: Contests) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A secret election with 12 candidates, open, and each voter's ranking cast. Returns the
    contest and each member's canonical ballot (rankings are rare enough not to be found in
    any other test's WAL by chance)."""
    election = await contests.create(
        title="Officers",
        kind="election",
        seats=2,
        candidates=[{"name": name} for name in CANDIDATES],
    )
    await contests.step(election, "open")
    ids = [c["id"] for c in election["candidates"]]
    rng = random.Random(17)
    ballots = {}
    for member in VOTERS:
        order = rng.sample(range(len(ids)), k=rng.randint(6, len(ids)))
        cast = await contests.cast(election, member, {"ranking": [ids[i] for i in order]})
        ballots[member] = canonical_json({"ranking": order})
        election["check"] = cast.json()["check"]
    return election, ballots


async def test_raw_pages_and_wal_link_no_voter_to_a_vote_before_or_after_close(
    contests: Contests, database_url: str
) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        start = await conn.fetchval("SELECT pg_current_wal_lsn()::text")
        election, ballots = await _election(contests)
        contest_id = uuid.UUID(election["id"])
        plain = {content: member for member, content in ballots.items()}

        # While open: the ballot rows still share a transaction with their voter's row (the
        # join finds every one), but what they hold is sealed, and all one length.
        ballots_raw = await _heap(conn, "contest_ballot")
        electors_raw = await _heap(conn, "contest_elector")
        for content in plain:
            assert content not in ballots_raw
        stored = await conn.fetch(
            "SELECT content FROM contest_ballot WHERE contest_id = $1", contest_id
        )
        assert len(stored) == len(VOTERS)
        assert all(bytes(r["content"]).startswith(SEALED) for r in stored)
        assert len({len(r["content"]) for r in stored}) == 1
        assert _linked(ballots_raw, electors_raw, plain) == {}
        open_wal = await _wal_since(conn, start)
        for content in plain:
            assert content not in open_wal
        assert ballot_keys().path(contest_id).exists()

        # Close as the chair's next-vote path does: in a transaction, with no VACUUM after.
        closing = await conn.fetchval("SELECT pg_current_wal_lsn()::text")
        async with session_for(database_url) as session:
            await close_contest(session, contest_id, actor="chair")
            await session.commit()
        assert not ballot_keys().path(contest_id).exists()

        ballots_raw = await _heap(conn, "contest_ballot")
        electors_raw = await _heap(conn, "contest_elector")
        # The clear box is there (so the attack is looking in the right place) …
        for content in plain:
            assert content in ballots_raw
        # … but nothing ties any of it to a voter.
        assert _linked(ballots_raw, electors_raw, plain) == {}
        clear_xmins = {x for x, row in _tuples(ballots_raw) if any(c in row for c in plain)}
        assert len(clear_xmins) == 1  # written by the close alone
        # In the WAL the clear ballots appear only from the close on.
        closed_wal = await _wal_since(conn, closing)
        assert all(content in closed_wal for content in plain)
    finally:
        await conn.close()

    # The box counts, and a voter's receipt is still in it.
    for verb in ("count", "publish"):
        await contests.step(election, verb)
    check = await contests.client.get(election["check"], headers=contests.auth("S1"))
    assert check.status_code == 200, check.text


async def test_sealed_ballots_are_one_length_and_bound_to_their_contest() -> None:
    key, contest, other = bytes(32), uuid.uuid4(), uuid.uuid4()
    size = longest_content("motion", 3)
    sealed = {
        c: seal(key, contest, canonical_json({"choice": c}), size)
        for c in ("for", "against", "abstain")
    }
    assert len({len(s) for s in sealed.values()}) == 1
    assert unseal(key, contest, sealed["against"]) == canonical_json({"choice": "against"})
    with pytest.raises(SealError, match="another contest"):
        unseal(key, other, sealed["for"])
    with pytest.raises(SealError, match="missing"):
        unseal(None, contest, sealed["for"])
    altered = sealed["for"][:-1] + bytes([sealed["for"][-1] ^ 1])
    with pytest.raises(SealError, match="altered"):
        unseal(key, contest, altered)
    # Two seals of one ballot differ (fresh nonce): equal votes do not show as equal rows.
    again = seal(key, contest, canonical_json({"choice": "for"}), size)
    assert again != sealed["for"]
    rankings = [canonical_json({"ranking": list(range(n))}) for n in (1, 5, 12)]
    size = longest_content("election", 12)
    assert len({len(seal(key, contest, r, size)) for r in rankings}) == 1


async def test_a_close_without_the_key_leaves_the_box_open(
    contests: Contests, database_url: str
) -> None:
    motion = await contests.create(title="M", kind="motion")
    await contests.step(motion, "open")
    await contests.cast(motion, "S1", {"choice": "for"})
    contest_id = uuid.UUID(motion["id"])
    kept = ballot_keys().path(contest_id).read_bytes()
    ballot_keys().forget(contest_id)
    refused = await contests.step(motion, "close", expect=500)
    assert "missing" in refused["detail"]
    # Put back (a restored keys directory), the box closes and counts.
    write_private_file(ballot_keys().path(contest_id), kept)
    result = await contests.run_to_published(motion)
    assert result["figures"]["for"] == 1


async def test_the_key_survives_a_restart_and_is_shared_by_processes(
    contests: Contests, ballot_key_dir: Any, database_url: str
) -> None:
    """A second process (a new ``BallotKeys`` over the same directory, as after a restart)
    reads the key the first made; the box closes and counts with ballots from both."""
    motion = await contests.create(title="M", kind="motion")
    await contests.step(motion, "open")
    await contests.cast(motion, "S1", {"choice": "for"})
    first = ballot_keys()
    use_ballot_keys(first.directory)  # restarted: nothing kept in memory
    await contests.cast(motion, "S2", {"choice": "against"})
    result = await contests.run_to_published(motion)
    assert result["figures"]["for"] == 1
    assert result["figures"]["against"] == 1
    assert not first.path(uuid.UUID(motion["id"])).exists()


async def test_a_close_also_deletes_keys_left_behind_by_an_earlier_close(
    contests: Contests,
) -> None:
    """A process that stopped between a close's commit and deleting the key leaves a key file
    for a closed box; the next close anywhere deletes it, and leaves open contests' keys."""
    first, second, still_open = [await contests.create(title=t, kind="motion") for t in "ABC"]
    for motion in (first, second, still_open):
        await contests.step(motion, "open")
        await contests.cast(motion, "S1", {"choice": "for"})
    keys = ballot_keys()
    left = keys.path(uuid.UUID(first["id"]))
    kept = left.read_bytes()
    await contests.step(first, "close")
    write_private_file(left, kept)  # as if the closing process had stopped before deleting it
    await contests.step(second, "close")
    assert not left.exists()
    assert not keys.path(uuid.UUID(second["id"])).exists()
    assert keys.path(uuid.UUID(still_open["id"])).exists()
