"""The public log over HTTP: checkpoints that verify, proofs that verify, tiles that match."""

from __future__ import annotations

import asyncio
import base64
import json
import stat

import httpx
from litestar import Litestar
from sqlalchemy import text

from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, open_checkpoint
from audit.events import decode_event, digest_of
from audit.memory import MemoryLog
from audit.merkle import leaf_hash
from audit.note import parse_verifier_key
from audit.proofs import check_consistency, check_inclusion
from audit.store import append_entries, log_size, read_entries
from audit.store_checkpoints import checkpoint_at
from audit.stored import stored_hash_index, tree_hash
from audit.tile import read_tile_data
from audit.tiled import tile_covering
from service.database import session_for
from service.log_signing import LOG_KEY_FILE
from service.settings import Settings

AUDIT = "/api/v1/audit"


async def _append(url: str, count: int) -> None:
    async with session_for(url) as s:
        size = await _size(url)
        await append_entries(
            s,
            [canonical_json({"n": n, "type": "test.appended"}) for n in range(size, size + count)],
        )
        await s.commit()


async def _size(url: str) -> int:

    async with session_for(url) as s:
        return await log_size(s)


async def _stored_log(url: str) -> MemoryLog:
    log = MemoryLog()
    async with session_for(url) as s:
        size = await _size(url)
        log.append([data for _, data in await read_entries(s, 0, size)])
    return log


async def _checkpoint(client: httpx.AsyncClient) -> tuple[Checkpoint, str]:
    key = parse_verifier_key((await client.get(f"{AUDIT}/key")).text.strip())
    response = await client.get(f"{AUDIT}/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint, _ = open_checkpoint(response.text, [key], key.name)
    return checkpoint, response.text


async def test_the_log_starts_with_its_key_and_the_checkpoint_verifies_with_it(
    client: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    key_text = (await client.get(f"{AUDIT}/key")).text
    checkpoint, _ = await _checkpoint(client)
    assert checkpoint.origin == settings.log_origin
    assert checkpoint.size == 1
    async with session_for(database_url) as s:
        [(_, first)] = await read_entries(s, 0, 1)
    event = decode_event(first)
    assert event.type == "log.key_generated"
    assert event.digests["verifier_key"] == digest_of(key_text.strip().encode())
    key_file = settings.keys_dir / LOG_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith(f"PRIVATE+KEY+{settings.log_origin}+")


async def test_the_checkpoint_covers_entries_committed_just_before_it_is_asked_for(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 40)
    checkpoint, _ = await _checkpoint(client)
    log = await _stored_log(database_url)
    assert checkpoint.size == 41
    assert checkpoint.root_hash == tree_hash(41, log)


async def test_the_background_signer_signs_new_entries_by_itself(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 3)
    for _ in range(600):  # a bound against hangs (60 s), not a measure of speed
        async with session_for(database_url) as s:
            signed = await checkpoint_at(s, 4)
        if signed is not None:
            break
        await asyncio.sleep(0.1)
    assert signed is not None


async def test_inclusion_and_consistency_proofs_verify_against_signed_checkpoints(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 9)
    old, old_note = await _checkpoint(client)
    await _append(database_url, 290)
    new, new_note = await _checkpoint(client)
    assert (old.size, new.size) == (10, 300)

    for index in (0, 9, 150, 299):
        response = await client.get(f"{AUDIT}/proof/inclusion", params={"index": index})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["size"] == 300
        assert body["checkpoint"] == new_note
        entry = base64.b64decode(body["entry"])
        assert base64.b64decode(body["leaf_hash"]) == leaf_hash(entry)
        proof = [base64.b64decode(h) for h in body["hashes"]]
        check_inclusion(proof, new.size, new.root_hash, index, leaf_hash(entry))

    at_old = (await client.get(f"{AUDIT}/proof/inclusion?index=3&size=10")).json()
    assert at_old["checkpoint"] == old_note
    check_inclusion(
        [base64.b64decode(h) for h in at_old["hashes"]],
        10,
        old.root_hash,
        3,
        base64.b64decode(at_old["leaf_hash"]),
    )

    response = await client.get(f"{AUDIT}/proof/consistency", params={"from": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["checkpoint"]) == (10, 300, new_note)
    proof = [base64.b64decode(h) for h in body["hashes"]]
    check_consistency(proof, 10, old.root_hash, 300, new.root_hash)


async def test_tiles_and_entry_bundles_match_the_stored_log(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 299)
    log = await _stored_log(database_url)
    for level, index in [(0, 0), (0, 1), (1, 0)]:
        tile = tile_covering(300, level, index)
        response = await client.get(f"{AUDIT}/{tile.c2sp_path()}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/octet-stream"
        assert "immutable" in response.headers["cache-control"]
        assert response.content == read_tile_data(tile, log)
    bundle = await client.get(f"{AUDIT}/tile/entries/001.p/44")
    assert bundle.status_code == 200
    assert bundle.content.endswith(log.entries[-1])
    missing = await client.get(f"{AUDIT}/tile/entries/001")
    assert missing.status_code == 404
    assert "the log has 300 entries" in missing.json()["detail"]


async def test_entries_come_in_bounded_pages_with_their_exact_bytes(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 4)
    body = (await client.get(f"{AUDIT}/entries", params={"start": 1})).json()
    assert (body["start"], body["end"], body["size"]) == (1, 5, 5)
    log = await _stored_log(database_url)
    assert [e["index"] for e in body["entries"]] == [1, 2, 3, 4]
    assert [base64.b64decode(e["data"]) for e in body["entries"]] == log.entries[1:]
    assert json.loads(base64.b64decode(body["entries"][0]["data"]))["type"] == "test.appended"


_BAD = [
    ("proof/inclusion?index=5&size=3", "index must be from 0 to 2"),
    ("proof/inclusion?index=0&size=999", "size 999 is beyond the end of the log, which has 5"),
    ("proof/inclusion?index=-1&size=2", "index must be from 0 to 1"),
    ("proof/inclusion?index=x", "index"),
    ("proof/consistency?from=0&to=3", "from must be at least 1"),
    ("proof/consistency?from=3&to=2", "to (2) must not be below from (3)"),
    ("proof/consistency?from=1&to=99", "to 99 is beyond the end of the log"),
    ("entries?start=0&end=5000", "end 5000 is beyond the end of the log (5 entries)"),
    ("entries?start=2&end=1", "must be above start"),
    ("tile/0/01", "bad index element"),
    ("tile/0/000.p/256", "partial width out of range"),
]


async def test_bad_parameters_are_refused_with_a_problem_a_person_can_act_on(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 4)
    for query, detail in _BAD:
        response = await client.get(f"{AUDIT}/{query}")
        assert response.status_code == 400, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert detail in response.json()["detail"], query


async def test_the_audit_endpoints_are_public_and_documented(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in (
        "checkpoint",
        "key",
        "entries",
        "proof/inclusion",
        "proof/consistency",
        "tile/{tile_path}",
    ):
        operation = schema["paths"][f"{AUDIT}/{path}"]["get"]
        assert operation["security"] == [{}], path
        assert operation["tags"] == ["audit"]
    inclusion = schema["paths"][f"{AUDIT}/proof/inclusion"]["get"]
    assert "400" in inclusion["responses"]


async def test_a_tampered_log_is_not_signed_and_the_last_good_checkpoint_is_served(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await _append(database_url, 4)
    good, good_note = await _checkpoint(client)
    async with session_for(database_url) as s:
        # Tampered in the same transaction, so no signer ever sees the honest hashes.
        await append_entries(
            s, [canonical_json({"n": n, "type": "test.appended"}) for n in (5, 6, 7)]
        )
        await s.execute(
            text("UPDATE audit_hash SET hash = :h WHERE idx = :i"),
            {"h": b"\x07" * 32, "i": stored_hash_index(0, 6)},
        )
        await s.commit()
    checkpoint, note = await _checkpoint(client)
    assert (checkpoint.size, note) == (good.size, good_note) == (5, good_note)
