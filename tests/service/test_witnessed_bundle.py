"""The service sends its checkpoints to its witnesses; bundles carry the cosignatures, and
``plenary verify --witness`` checks them: three witness processes, one of them down."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from audit.note import generate_signer_key
from audit.witness import count_cosigners, parse_cosigner_verifier
from service.app import create_app
from service.cli import main as plenary
from service.settings import Settings
from tests.conftest import running
from tests.service.test_witness import WitnessProcess
from tests.voting.conftest import ROLL, Contests, import_roll

_BOUND_SECONDS = 60  # only against a hang: nothing below waits on the wall clock otherwise


async def test_a_bundle_carries_the_cosignatures_and_verify_checks_them(
    settings: Settings, tmp_path: Path, auth: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    signer_key, log_vkey = generate_signer_key(settings.log_origin)
    key_file = tmp_path / "log.key"
    key_file.write_text(signer_key + "\n")
    key_file.chmod(0o600)
    witnesses = []
    for n in range(3):
        (tmp_path / f"w{n}").mkdir()
        witnesses.append(WitnessProcess(tmp_path / f"w{n}", f"branch{n}.example/w", log_vkey))
    for w in witnesses:
        w.start()
    witnesses[2].stop()  # this one is down throughout
    config = ",".join(f"{w.vkey} {w.url}" for w in witnesses)
    keys = [parse_cosigner_verifier(w.vkey) for w in witnesses]
    app = create_app(settings.with_(log_signing_key=key_file, witnesses=config))
    try:
        async with running(app):
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                await import_roll(client, auth, ROLL)
                contests = Contests(client, auth("RO1", "returning_officer"), auth)
                motion = await contests.create(title="Free school meals", kind="motion")
                await contests.step(motion, "open")
                for member, choice in [("S1", "for"), ("S2", "for"), ("S3", "against")]:
                    await contests.cast(motion, member, {"choice": choice})
                await contests.run_to_published(motion)
                unwitnessed = await client.get(
                    f"/api/v1/contests/{motion['id']}/bundle", headers=auth("W1")
                )
                deadline = time.monotonic() + _BOUND_SECONDS
                while True:
                    note = (await client.get("/api/v1/audit/checkpoint")).text
                    if len(count_cosigners(note, keys)) == 2:
                        break
                    assert time.monotonic() < deadline, note
                    await asyncio.sleep(0.2)
                got = await client.get(
                    f"/api/v1/contests/{motion['id']}/bundle", headers=auth("W1")
                )
                assert got.status_code == 200, got.text
    finally:
        for w in witnesses:
            w.stop()

    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(got.content)
    assert count_cosigners(json.loads(got.content)["log"]["checkpoint"], keys) == [
        witnesses[0].name,
        witnesses[1].name,
    ]
    named = [a for w in witnesses for a in ("--witness", w.vkey)]
    assert plenary(["verify", str(bundle), "--key", log_vkey, *named, "--witnesses", "2"]) == 0
    said = capsys.readouterr().out
    assert "ok      witnesses: the checkpoint is cosigned by 2 witnesses you named" in said
    assert plenary(["verify", str(bundle), "--key", log_vkey, *named]) == 1  # all three asked
    said = capsys.readouterr().out
    assert "FAILED  witnesses: only 2 of the 3 witness cosignatures" in said
    assert "none from branch2.example/w" in said
    assert plenary(["verify", str(bundle), "--key", log_vkey, "--witness", witnesses[0].vkey]) == 0
    # A witness key file works like the key itself.
    wfile = tmp_path / "w0.vkey"
    wfile.write_text(witnesses[0].vkey + "\n")
    assert plenary(["verify", str(bundle), "--key", log_vkey, "--witness", str(wfile)]) == 0
    # Without a pinned key, cosigned or not, it is not VERIFIED.
    assert plenary(["verify", str(bundle), *named, "--witnesses", "2"]) == 3
    # A bundle made before the witnesses answered does not have their cosignatures.
    early = json.loads(unwitnessed.content)
    if not count_cosigners(early["log"]["checkpoint"], keys):
        first = tmp_path / "early.json"
        first.write_bytes(unwitnessed.content)
        assert (
            plenary(["verify", str(first), "--key", log_vkey, "--witness", witnesses[0].vkey]) == 1
        )
