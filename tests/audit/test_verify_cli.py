"""``python -m audit verify-log`` on a directory: exit 0 only when everything holds."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.encoding import b64encode
from audit.fetch import log_prefix_url, write_file
from audit.memory import MemoryLog
from audit.note import Signer, generate_signer_key, parse_signer_key
from audit.proofs import prove_consistency, prove_inclusion
from audit.stored import stored_hash_index, tree_hash
from audit.tile import entry_bundle_entries, entry_bundle_from_entries
from audit.tiled import tiled_log_files
from audit.verify_cli import EXIT_FAILED, EXIT_OK, EXIT_UNCHECKED, main
from audit.witness import cosignature_line, generate_cosigner_key, note_body

ORIGIN = "test.plenary.example/log"
ROOT = Path(__file__).resolve().parents[2]


def _entry(n: int) -> bytes:
    return canonical_json({"at": f"2026-11-21T21:00:{n % 60:02d}.000000Z", "n": n, "type": "x.y"})


@pytest.fixture(scope="module")
def signer() -> Signer:
    return parse_signer_key(generate_signer_key(ORIGIN)[0])


@pytest.fixture(scope="module")
def log() -> MemoryLog:
    log = MemoryLog()
    log.append([_entry(n) for n in range(600)])
    return log


def _note(log: MemoryLog, size: int, signer: Signer) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(size, log)), signer)


def _export(directory: Path, log: MemoryLog, size: int, signer: Signer) -> Path:
    for path, data in tiled_log_files(size, log.entries, log):
        write_file(directory, path, data)
    write_file(directory, "checkpoint", _note(log, size, signer).encode())
    return directory


def _run(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


def test_an_intact_directory_verifies_and_the_checkpoint_is_saved_for_next_time(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path / "log", log, 500, signer)
    key = signer.verifier().key_string()
    saved = tmp_path / "saved-checkpoint"
    code, out = _run("--dir", directory, "--key", key, "--save", saved)
    assert code == EXIT_OK, out
    assert "all 500 entries hash to the signed root" in out
    assert out.rstrip().endswith("VERIFIED")
    assert saved.read_text() == (directory / "checkpoint").read_text()

    # Later, the log has grown; the saved checkpoint must be a prefix of the new one.
    grown = _export(tmp_path / "grown", log, 600, signer)
    key_file = tmp_path / "log.vkey"
    key_file.write_text(key + "\n")
    code, out = _run("--dir", grown, "--key", key_file, "--since", saved)
    assert code == EXIT_OK, out
    assert "nothing removed or rewritten" in out


def test_a_changed_entry_is_named_with_what_it_now_says(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path, log, 600, signer)
    bundle_path = directory / "tile/entries/001"
    bundle = entry_bundle_entries(bundle_path.read_bytes())
    bundle[44] = bundle[44].replace(b'"n":300', b'"n":301')
    bundle_path.write_bytes(entry_bundle_from_entries(bundle))
    code, out = _run("--dir", directory, "--key", signer.verifier().key_string())
    assert code == EXIT_FAILED
    assert "entry 300 does not match the checkpoint (size 600)" in out
    assert "entry 300 reads: x.y at 2026-11-21T21:00:00.000000Z" in out
    assert "NOT VERIFIED" in out


def test_a_rewritten_history_is_caught_against_the_saved_checkpoint(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    other = MemoryLog()
    other.append([_entry(n) for n in range(100)] + [b'{"forged":1}'] + log.entries[101:])
    saved = tmp_path / "saved"
    saved.write_text(_note(log, 200, signer))
    directory = _export(tmp_path / "forked", other, 600, signer)  # re-signed by the same key
    code, out = _run("--dir", directory, "--key", signer.verifier().key_string(), "--since", saved)
    assert code == EXIT_FAILED
    assert "the log was rewritten since you last checked" in out


def test_a_checkpoint_by_another_key_or_a_bad_key_is_refused(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path, log, 10, signer)
    impostor = parse_signer_key(generate_signer_key(ORIGIN)[0]).verifier().key_string()
    code, out = _run("--dir", directory, "--key", impostor)
    assert code == EXIT_FAILED
    assert "does not verify" in out
    assert _run("--dir", directory, "--key", "not-a-key+1234abcd+AAAA")[0] == EXIT_UNCHECKED
    assert _run("--dir", tmp_path / "nowhere", "--key", impostor)[0] == EXIT_UNCHECKED
    assert _run("--key", impostor)[0] == EXIT_UNCHECKED


def _inclusion(log: MemoryLog, index: int, size: int, note: str | None) -> str:
    return json.dumps(
        {
            "index": index,
            "size": size,
            "entry": b64encode(log.entries[index]),
            "leaf_hash": b64encode(log.hashes[stored_hash_index(0, index)]),
            "hashes": [b64encode(h) for h in prove_inclusion(size, index, log)],
            "checkpoint": note,
        }
    )


def _consistency(log: MemoryLog, old: int, new: int, note: str | None) -> str:
    hashes = [b64encode(h) for h in prove_consistency(old, new, log)]
    return json.dumps({"from": old, "to": new, "hashes": hashes, "checkpoint": note})


def test_proofs_fetched_with_curl_are_checked_against_signed_checkpoints(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    old_note, new_note = _note(log, 40, signer), _note(log, 600, signer)
    files = {
        "old": old_note,
        "checkpoint": new_note,
        "inclusion.json": _inclusion(log, 321, 600, None),
        "inclusion-old.json": _inclusion(log, 3, 40, old_note),
        "consistency.json": _consistency(log, 40, 600, new_note),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    key = signer.verifier().key_string()
    args: list[str | Path] = ["--key", key, "--checkpoint", tmp_path / "checkpoint"]
    args += ["--since", tmp_path / "old"]
    proofs: list[str | Path] = ["--proof", tmp_path / "inclusion.json"]
    proofs += ["--proof", tmp_path / "inclusion-old.json"]
    code, out = _run(*args, *proofs, "--proof", tmp_path / "consistency.json")
    assert code == EXIT_OK, out
    assert "entry 321 (x.y at 2026-11-21T21:00:21.000000Z) is in the signed log of 600" in out
    assert "extends your saved checkpoint of 40" in out

    forged = json.loads(files["inclusion.json"])
    forged["entry"] = b64encode(b'{"n":321,"type":"x.z"}')
    del forged["leaf_hash"]
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, out = _run(*args, "--proof", tmp_path / "forged.json")
    assert code == EXIT_FAILED
    assert "does not lead to the root" in out

    stale = _inclusion(log, 3, 500, None)  # no checkpoint of size 500 at hand
    (tmp_path / "stale.json").write_text(stale)
    code, out = _run(*args, "--proof", tmp_path / "stale.json")
    assert code == EXIT_FAILED
    assert "fetch the proof with &size=600" in out


def test_the_verifier_runs_with_nothing_but_audit_and_cryptography(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path, log, 300, signer)
    key = signer.verifier().key_string()
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'sqlalchemy', 'litestar', 'asyncpg', 'msgspec',"
        " 'service', 'voting', 'assembly', 'httpx'}:\n"
        "            raise ImportError(name + ' is not available to an auditor')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import runpy\n"
        "sys.argv = ['audit'] + sys.argv[1:]\n"
        "runpy.run_module('audit', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker, "verify-log", "--dir", str(directory), "--key", key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "VERIFIED" in result.stdout


def test_a_server_address_means_its_published_log() -> None:
    assert log_prefix_url("https://vote.example.org") == "https://vote.example.org/api/v1/audit"
    assert log_prefix_url("http://h:8000/api/v1/audit/") == "http://h:8000/api/v1/audit"
    assert log_prefix_url("https://h/mirror/log") == "https://h/mirror/log"


def test_a_deleted_entry_is_named_by_its_index(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path / "log", log, 500, signer)
    bundle = directory / "tile/entries/001.p/244"
    entries = entry_bundle_entries(bundle.read_bytes())
    del entries[300 - 256]
    bundle.write_bytes(entry_bundle_from_entries(entries))
    code, out = _run("--dir", directory, "--key", signer.verifier().key_string())
    assert code == EXIT_FAILED, out
    assert "entry 300 is missing from the log" in out
    assert "tile/entries/001.p/244 holds 243 entries, expected 244" in out


def test_witness_cosignatures_on_the_checkpoint_are_required_when_named(
    tmp_path: Path, log: MemoryLog, signer: Signer
) -> None:
    directory = _export(tmp_path / "log", log, 300, signer)
    note = (directory / "checkpoint").read_text()
    ours, absent = generate_cosigner_key("w1.example/w"), generate_cosigner_key("w2.example/w")
    (directory / "checkpoint").write_text(
        note + cosignature_line(ours, note_body(note), 1700000000)
    )
    key = signer.verifier().key_string()
    w1, w2 = ours.verifier().key_string(), absent.verifier().key_string()
    code, out = _run("--dir", directory, "--key", key, "--witness", w1)
    assert code == EXIT_OK, out
    assert "cosigned by 1 witnesses you named: w1.example/w" in out
    code, out = _run("--dir", directory, "--key", key, "--witness", w1, "--witness", w2)
    assert code == EXIT_FAILED, out
    assert "only 1 of the 2 witness cosignatures" in out
    assert "none from w2.example/w" in out
    code, out = _run(
        "--dir", directory, "--key", key, "--witness", w1, "--witness", w2, "--witnesses", "1"
    )
    assert code == EXIT_OK, out
    # A cosignature line under the witness's name that does not verify is a failure.
    forged = note + cosignature_line(absent, note_body(note), 1700000000).replace(
        "w2.example/w", "w1.example/w"
    )
    (directory / "checkpoint").write_text(forged)
    code, out = _run("--dir", directory, "--key", key, "--witness", w1)
    assert code == EXIT_FAILED, out
