"""The log's signing key across restarts and changes, and signing from several processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from audit.events import decode_event, digest_of
from audit.merkle import EMPTY_ROOT
from audit.note import generate_signer_key, parse_signer_key, parse_verifier_key
from audit.store import append_entries, audit_checkpoint, log_size, read_entries
from audit.store_checkpoints import latest_checkpoint
from service.app import create_app
from service.checkpointer import Checkpointer
from service.database import session_for
from service.log_signing import LogKeyError, ensure_log_key, signed_by
from service.settings import Settings
from tests.conftest import running


async def _events(url: str) -> list[str]:
    async with session_for(url) as s:
        return [json.loads(d)["type"] for _, d in await read_entries(s, 0, await log_size(s))]


async def test_a_restart_with_the_same_key_adds_nothing_to_the_log(
    settings: Settings, database_url: str
) -> None:
    async with running(create_app(settings)):
        pass
    async with running(create_app(settings)):
        pass
    assert await _events(database_url) == ["log.key_generated"]


async def test_a_new_key_is_logged_as_a_rotation_and_signs_from_then_on(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    async with running(create_app(settings)):
        pass
    signer_key, verifier_key = generate_signer_key(settings.log_origin)
    key_file = tmp_path / "new-log.key"
    key_file.write_text(signer_key + "\n")
    key_file.chmod(0o600)
    async with running(create_app(settings.with_(log_signing_key=key_file))):
        pass
    assert await _events(database_url) == ["log.key_generated", "log.key_rotated"]
    async with session_for(database_url) as s:
        [(_, rotated)] = await read_entries(s, 1, 2)
        latest = await latest_checkpoint(s)
    assert decode_event(rotated).digests["verifier_key"] == digest_of(verifier_key.encode())
    assert latest is not None
    checkpoint, _ = open_checkpoint(
        latest.note, [parse_verifier_key(verifier_key)], settings.log_origin
    )
    assert checkpoint.size == 2  # the rotation is covered by the new key's first checkpoint


def test_a_key_named_for_another_log_is_refused_with_the_reason(settings: Settings) -> None:
    ensure_log_key(settings)
    with pytest.raises(LogKeyError, match=r"PLENARY_LOG_ORIGIN is 'elsewhere\.example/log'"):
        ensure_log_key(settings.with_(log_origin="elsewhere.example/log"))
    with pytest.raises(LogKeyError, match="does not exist"):
        ensure_log_key(settings.with_(log_signing_key=settings.data_dir / "missing.key"))
    broken = settings.data_dir / "broken.key"
    broken.write_text("PRIVATE+KEY+nope\n")
    with pytest.raises(LogKeyError, match="is not a C2SP Ed25519 signer key"):
        ensure_log_key(settings.with_(log_signing_key=broken))


def test_signed_by_tells_this_key_from_another() -> None:
    mine = parse_signer_key(generate_signer_key("a.example/log")[0])
    other = parse_signer_key(generate_signer_key("a.example/log")[0])
    note = sign_checkpoint(Checkpoint("a.example/log", 0, EMPTY_ROOT), mine)
    assert signed_by(note, mine)
    assert not signed_by(note, other)


async def test_several_processes_signing_one_log_sign_each_size_once(
    settings: Settings, database_url: str
) -> None:
    # Only the process that wrote the key file saw it generated.
    keys = [ensure_log_key(settings) for _ in range(3)]
    assert [k.generated for k in keys] == [True, False, False]
    engines = [create_async_engine(database_url, pool_size=2) for _ in range(3)]
    signers = [
        Checkpointer(engine, key, settings.log_origin)
        for engine, key in zip(engines, keys, strict=True)
    ]

    async def keep_ticking(checkpointer: Checkpointer) -> None:
        for _ in range(15):
            await checkpointer.tick()
            await asyncio.sleep(0.01)

    async def keep_appending() -> None:
        for n in range(10):
            async with session_for(database_url) as s:
                await append_entries(s, [canonical_json({"n": n, "type": "test.appended"})])
                await s.commit()
            await asyncio.sleep(0.015)

    try:
        await asyncio.gather(keep_appending(), *(keep_ticking(c) for c in signers))
        await signers[0].tick()
    finally:
        for engine in engines:
            await engine.dispose()

    async with session_for(database_url) as s:
        sizes = list((await s.scalars(select(audit_checkpoint.c.size))).all())
        latest = await latest_checkpoint(s)
        count = await s.scalar(select(func.count()).select_from(audit_checkpoint))
    assert len(sizes) == len(set(sizes)) == count
    assert latest is not None
    assert latest.size == 11  # the key's entry and ten more
    events = await _events(database_url)
    assert sorted(events) == ["log.key_generated"] + ["test.appended"] * 10
