"""Outside ``--demo`` the service makes up neither keys nor a database (issue 19).

Several pods each generating a log key would make the log "rotate" back and forth, a token key
nobody configured would be trusted silently, and one forgotten ``DATABASE_URL`` would give an
empty election database. ``plenary serve`` refuses each with one line saying what to do;
``plenary keys create`` makes the keys once, and processes sharing the data directory agree.
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from service.cli import main as plenary
from service.settings import Settings
from tests.assembly.conftest import log_entries
from tests.faults.fleet import fleet, tokens, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``plenary serve`` with only ``env`` of the PLENARY_ settings (none inherited)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PLENARY_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--no-migrate", "--port", "1"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_to_generate_keys_and_says_how_to_make_them(
    tmp_path: Path, database_url: str
) -> None:
    data = tmp_path / "data"
    done = _serve({"DATABASE_URL": database_url, "PLENARY_DATA_DIR": str(data)})
    assert done.returncode == 2, done.stderr
    said = done.stderr.strip()
    assert said.startswith("plenary serve: no token-signing key at"), said
    assert "`plenary keys create`" in said
    assert "\n" not in said  # one line, no traceback
    assert not (data / "keys").exists() or not any((data / "keys").iterdir())


def test_serve_refuses_a_missing_log_key_even_with_the_sign_on_keys(
    tmp_path: Path, database_url: str
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    public = tmp_path / "sso.pem"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    public.write_bytes(
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    done = _serve(
        {
            "DATABASE_URL": database_url,
            "PLENARY_DATA_DIR": str(tmp_path / "data"),
            "PLENARY_JWT_PUBLIC_KEYS": str(public),
        }
    )
    assert done.returncode == 2, done.stderr
    assert "no log signing key at" in done.stderr
    assert "PLENARY_LOG_SIGNING_KEY" in done.stderr


def test_serve_without_database_url_starts_no_embedded_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"PLENARY_DATA_DIR": str(data)}
    assert plenary_keys_create(env) == 0
    done = _serve(env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("plenary serve: DATABASE_URL is not set"), done.stderr
    assert "--demo" in done.stderr
    assert not (data / "pgdata").exists()


def plenary_keys_create(env: dict[str, str]) -> int:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PLENARY_")}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "keys", "create"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    ).returncode


def test_keys_create_writes_private_files_once_and_keeps_them(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PLENARY_DATA_DIR", str(tmp_path / "data"))
    assert plenary(["keys", "create"]) == 0
    first = capsys.readouterr().out
    assert first.count("(created)") == 3
    keys = tmp_path / "data" / "keys"
    files = sorted(p.name for p in keys.iterdir())
    assert files == ["jwt-ed25519.pem", "log-signing.key", "rate-limit.secret"]
    before = {name: (keys / name).read_bytes() for name in files}
    for name in files:
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert plenary(["keys", "create"]) == 0
    again = capsys.readouterr().out
    assert again.count("(kept, already there)") == 3
    assert {name: (keys / name).read_bytes() for name in files} == before
    # The verifier key printed is the same both times: the one auditors pin.
    assert first.splitlines()[-1] == again.splitlines()[-1]


async def test_processes_sharing_a_data_dir_agree_on_every_key(
    settings: Settings, tmp_path: Path, monkeypatch
) -> None:
    strict = settings.with_(generate_keys=False)
    monkeypatch.setenv("PLENARY_DATA_DIR", str(strict.data_dir))
    assert plenary(["keys", "create"]) == 0
    from service.migrate import upgrade

    assert strict.database_url is not None
    await upgrade(strict.database_url)
    auth = tokens(strict)  # signs with the key just created: it makes none
    with fleet(strict, 2, tmp_path / "service.log") as group:
        await wait_until_ready(group)
        async with httpx.AsyncClient(timeout=10) as client:
            for url in group.urls:
                me = await client.get(f"{url}/api/v1/me", headers=auth("M1", "admin"))
                assert me.status_code == 200, me.text
            signed = [
                (await client.get(f"{url}/api/v1/audit/checkpoint")).text for url in group.urls
            ]
    key_ids = {
        base64.b64decode(line.split(" ")[2])[:4]
        for note in signed
        for line in note.splitlines()
        if line.startswith("— ")
    }
    assert len(key_ids) == 1  # one signing key, whichever process signed
    kinds = [entry["type"] for entry in await log_entries(strict.database_url)]
    assert kinds.count("log.key_generated") == 1
    assert "log.key_rotated" not in kinds
