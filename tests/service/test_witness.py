"""``plenary witness``: three real witness processes, a forking signer, and a witness that is down.

Each witness is its own process with its own key and state directory. The honest log's
checkpoints, each with a consistency proof, are cosigned; a signer that forks the log (same
key, a different entry below the witnessed size) gets no cosignature from any witness, whether
it offers a bigger tree or another tree of the same size; a witness restarted keeps its state;
the service's client collects cosignatures from the witnesses that are up and skips the one
that is down.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.memory import MemoryLog
from audit.merkle import Hash
from audit.note import Signer, generate_signer_key, parse_signer_key
from audit.proofs import prove_consistency
from audit.stored import tree_hash
from audit.witness import (
    count_cosigners,
    format_add_checkpoint,
    note_body,
    parse_cosigner_verifier,
    verify_cosignature,
)
from service.witnessing import cosign_everywhere, parse_witnesses

ORIGIN = "test.plenary.example/log"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WitnessProcess:
    """One ``plenary witness`` process on its own port, key file and state directory."""

    def __init__(self, directory: Path, name: str, log_key: str) -> None:
        self.directory, self.name, self.log_key = directory, name, log_key
        self.port = _free_port()
        self.process: subprocess.Popen[str] | None = None
        self.vkey = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "service.cli", "witness",
                "--key", str(self.directory / "witness.key"),
                "--name", self.name,
                "--log", self.log_key,
                "--state", str(self.directory / "state"),
                "--listen", f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.vkey = self.process.stdout.readline().strip()
        assert self.process.stdout.readline().startswith("witnessing ")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def signer() -> Signer:
    return parse_signer_key(generate_signer_key(ORIGIN)[0])


@pytest.fixture
def witnesses(tmp_path: Path, signer: Signer) -> Iterator[list[WitnessProcess]]:
    started = []
    try:
        for n in range(3):
            w = WitnessProcess(
                tmp_path / f"w{n}", f"witness{n}.example/w", signer.verifier().key_string()
            )
            (tmp_path / f"w{n}").mkdir()
            w.start()
            started.append(w)
        yield started
    finally:
        for w in started:
            w.stop()


def _log(n: int, tag: str = "honest", fork_at: int | None = None) -> MemoryLog:
    log = MemoryLog()
    log.append(
        [
            canonical_json(
                {
                    "n": i,
                    "type": "x.y",
                    "v": tag if fork_at is not None and i >= fork_at else "honest",
                }
            )
            for i in range(n)
        ]
    )
    return log


def _note(log: MemoryLog, size: int, signer: Signer) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(size, log)), signer)


def _post(url: str, old: int, proof: list[Hash], note: str) -> httpx.Response:
    return httpx.post(
        f"{url}/add-checkpoint", content=format_add_checkpoint(old, proof, note), timeout=30
    )


def test_three_witnesses_cosign_an_honest_log_and_none_cosigns_a_fork(
    witnesses: list[WitnessProcess], signer: Signer
) -> None:
    honest = _log(40)
    first = _note(honest, 20, signer)
    for w in witnesses:
        got = _post(w.url, 0, [], first)
        assert got.status_code == 200, got.text
        key = parse_cosigner_verifier(w.vkey)
        assert verify_cosignature(note_body(first) + "\n" + got.text, key) is not None

    grown = _note(honest, 40, signer)
    proof = prove_consistency(20, 40, honest)
    for w in witnesses:
        assert _post(w.url, 20, proof, grown).status_code == 200

    # The forking signer: the same key, entry 30 onwards rewritten, a bigger tree.
    forked = _log(60, tag="forged", fork_at=30)
    fork_note = _note(forked, 60, signer)
    fork_proof = prove_consistency(40, 60, forked)
    for w in witnesses:
        refused = _post(w.url, 40, fork_proof, fork_note)
        assert refused.status_code == 422, refused.text
        assert "consistency proof does not verify" in refused.text
    # ... or another tree of the very size the witnesses cosigned.
    same_size = _note(forked, 40, signer)
    for w in witnesses:
        refused = _post(w.url, 40, [], same_size)
        assert refused.status_code == 409, refused.text
        assert "a fork" in refused.text
    # ... or a stale old size: the witness answers with the size it holds.
    stale = _post(witnesses[0].url, 20, prove_consistency(20, 60, forked), fork_note)
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("text/x.tlog.size")
    assert stale.text == "40\n"

    # A key the witness does not follow, and a body that is not a request.
    stranger = parse_signer_key(generate_signer_key(ORIGIN)[0])
    assert _post(witnesses[0].url, 40, [], _note(honest, 40, stranger)).status_code == 403
    assert (
        httpx.post(f"{witnesses[0].url}/add-checkpoint", content=b"hello", timeout=30).status_code
        == 400
    )

    # Restarted, a witness remembers what it cosigned (its state is on disk).
    witnesses[1].stop()
    witnesses[1].start()
    again = _post(witnesses[1].url, 0, [], first)
    assert again.status_code == 409
    assert again.text == "40\n"


async def test_the_service_client_collects_cosignatures_and_skips_a_witness_that_is_down(
    witnesses: list[WitnessProcess], signer: Signer
) -> None:
    log = _log(30)
    config = ",".join(f"{w.vkey} {w.url}" for w in witnesses)
    configured = parse_witnesses(config)
    assert [c.key.name for c in configured] == [w.name for w in witnesses]
    witnesses[2].stop()  # down

    async def prove(old: int, new: int) -> list[Hash]:
        return prove_consistency(old, new, log)

    async with httpx.AsyncClient(timeout=30) as client:
        note = _note(log, 10, signer)
        lines = await cosign_everywhere(client, configured, note, 10, prove)
        assert len(lines) == 2
        # Later: the client learns each witness's size from its 409 and sends the proof.
        note = _note(log, 30, signer)
        lines = await cosign_everywhere(client, configured, note, 30, prove)
    cosigned = note + "".join(lines)
    keys = [c.key for c in configured]
    assert count_cosigners(cosigned, keys) == [witnesses[0].name, witnesses[1].name]


def test_a_misconfigured_witness_list_is_refused_naming_the_entry() -> None:
    with pytest.raises(ValueError, match="not 'VKEY URL'"):
        parse_witnesses("justakey")
    assert parse_witnesses("") == []
