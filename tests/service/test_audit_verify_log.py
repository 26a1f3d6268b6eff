"""Done means: against a running server, what a new user fetches with curl checks out with
``plenary verify-log``, and one altered entry in the database is named by it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy import text

from audit.canonical import canonical_json
from audit.store import append_entries, log_size
from service.cli import main as plenary
from service.database import session_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(app: Litestar) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a thread, for at most the test's duration."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=15)


async def _append(url: str, count: int) -> None:
    async with session_for(url) as s:
        start = await log_size(s)
        entries = [
            canonical_json({"n": n, "type": "test.appended"}) for n in range(start, start + count)
        ]
        await append_entries(s, entries)
        await s.commit()


def _verify_log(*argv: str | Path) -> int:
    return plenary(["verify-log", *(str(a) for a in argv)])


async def test_what_a_user_fetches_with_curl_verifies_and_an_altered_entry_is_named(
    server: str, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = f"{server}/api/v1/audit"
    files = tmp_path / "fetched"
    files.mkdir()
    async with httpx.AsyncClient(timeout=30) as curl:

        async def fetch(name: str, path: str) -> Path:
            response = await curl.get(f"{audit}/{path}")
            assert response.status_code == 200, response.text
            (files / name).write_bytes(response.content)
            return files / name

        await _append(database_url, 299)
        key = await fetch("log.vkey", "key")
        first = await fetch("checkpoint-1", "checkpoint")
        assert first.read_text().splitlines()[1] == "300"
        await _append(database_url, 100)
        second = await fetch("checkpoint-2", "checkpoint")
        assert second.read_text().splitlines()[1] == "400"
        inclusion = await fetch("inclusion.json", "proof/inclusion?index=123&size=400")
        consistency = await fetch("consistency.json", "proof/consistency?from=300&to=400")

    capsys.readouterr()
    proofs: list[str | Path] = ["--proof", inclusion, "--proof", consistency]
    code = _verify_log("--key", key, "--checkpoint", second, "--since", first, *proofs)
    said = capsys.readouterr().out
    assert code == 0, said
    assert "entry 123 (test.appended" in said
    assert "extends your saved checkpoint of 300" in said

    # The whole log, fetched from the server, kept as a mirror, checked from the saved point.
    mirror, saved = tmp_path / "mirror", tmp_path / "saved-checkpoint"
    args: list[str | Path] = ["--url", server, "--key", key, "--since", first]
    args += ["--download", mirror, "--save", saved]
    code = await asyncio.to_thread(_verify_log, *args)
    said = capsys.readouterr().out
    assert code == 0, said
    assert "all 400 entries hash to the signed root" in said
    assert saved.read_text() == second.read_text()
    assert (mirror / "checkpoint").read_text() == second.read_text()
    assert (mirror / "tile/entries/001.p/144").is_file()
    assert (mirror / "tile/1/000.p/1").is_file()

    async with session_for(database_url) as s:
        await s.execute(
            text("UPDATE audit_entry SET data = :d WHERE idx = 200"),
            {"d": b'{"n":200,"type":"test.rewritten"}'},
        )
        await s.commit()
    code = await asyncio.to_thread(_verify_log, "--url", server, "--key", key, "--since", saved)
    said = capsys.readouterr().out
    assert code == 1, said
    assert "entry 200 does not match the checkpoint (size 400)" in said
    assert "entry 200 reads: test.rewritten" in said
    assert "NOT VERIFIED" in said

    # The copy taken before the change still verifies offline.
    assert _verify_log("--dir", mirror, "--key", key) == 0
