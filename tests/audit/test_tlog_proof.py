"""A tlog-proof file lets a member check, offline, that an entry is in the signed log."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.errors import AuditError, MalformedError
from audit.memory import MemoryLog
from audit.merkle import leaf_hash
from audit.note import generate_signer_key, parse_signer_key, parse_verifier_key
from audit.proofs import prove_inclusion
from audit.stored import tree_hash
from audit.tlog_proof import TlogProof, check_tlog_proof, format_tlog_proof, parse_tlog_proof

ORIGIN = "plenary.example/log"
SIGNER_KEY, VERIFIER_KEY = generate_signer_key(ORIGIN)
SIGNER = parse_signer_key(SIGNER_KEY)
VERIFIER = parse_verifier_key(VERIFIER_KEY)
ENTRIES = [f'{{"type":"motion.admitted","n":{i}}}'.encode() for i in range(21)]


def _proof_file(index: int, extra: bytes | None = None) -> str:
    log = MemoryLog()
    log.append(ENTRIES)
    checkpoint = Checkpoint(ORIGIN, log.size, tree_hash(log.size, log))
    proof = TlogProof(
        index,
        tuple(prove_inclusion(log.size, index, log)),
        sign_checkpoint(checkpoint, SIGNER),
        extra,
    )
    return format_tlog_proof(proof)


def test_receipt_round_trips_and_checks_the_entry():
    text = _proof_file(5, extra=b"contest c1")
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y29udGVzdCBjMQ==\nindex 5\n")
    proof = parse_tlog_proof(text)
    assert format_tlog_proof(proof) == text
    assert proof.extra == b"contest c1"
    checkpoint = check_tlog_proof(proof, [VERIFIER], ORIGIN, entry=ENTRIES[5])
    assert checkpoint.size == len(ENTRIES)
    check_tlog_proof(proof, [VERIFIER], ORIGIN, entry_leaf_hash=leaf_hash(ENTRIES[5]))


def test_receipt_for_another_entry_fails():
    proof = parse_tlog_proof(_proof_file(5))
    with pytest.raises(AuditError):
        check_tlog_proof(proof, [VERIFIER], ORIGIN, entry=ENTRIES[6])


def test_receipt_checked_with_another_key_fails():
    other = parse_verifier_key(generate_signer_key(ORIGIN)[1])
    with pytest.raises(AuditError, match="no verifiable"):
        check_tlog_proof(parse_tlog_proof(_proof_file(5)), [other], ORIGIN, entry=ENTRIES[5])


@settings(max_examples=80)
@given(st.data())
def test_any_changed_byte_of_a_receipt_fails(data):
    """Every byte counts, the index and the checkpoint's size line included."""
    text = _proof_file(data.draw(st.integers(min_value=0, max_value=len(ENTRIES) - 1)))
    raw = text.encode()
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    replacement = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[position])
    )
    changed = raw[:position] + bytes([replacement]) + raw[position + 1 :]
    index = parse_tlog_proof(text).index
    with pytest.raises((AuditError, UnicodeDecodeError)):
        _check_text(changed, index)


def _check_text(raw: bytes, index: int) -> None:
    proof = parse_tlog_proof(raw.decode("utf-8"))
    check_tlog_proof(proof, [VERIFIER], ORIGIN, entry=ENTRIES[index])


SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
"""


def test_c2sp_spec_example_parses():
    """The example in C2SP tlog-proof §"Format" (signatures elided there, so format only)."""
    proof = parse_tlog_proof(SPEC_EXAMPLE)
    assert proof.index == 73894
    assert len(proof.inclusion_proof) == 5
    assert proof.checkpoint_note.startswith("example.com/fancylog\n109482\n")
    assert proof.extra is not None


@pytest.mark.parametrize(
    "text",
    [
        "c2sp.org/tlog-proof@v2\nindex 1\n\nlog\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n\nlog\n",
        "c2sp.org/tlog-proof@v1\nindex\n\nlog\n",
        "c2sp.org/tlog-proof@v1\n\nlog\n",
        "c2sp.org/tlog-proof@v1\nindex 1\nnot-base64!\n\nlog\n",
        "c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\nlog\n",
        "c2sp.org/tlog-proof@v1\nindex 1\n",
    ],
)
def test_malformed_receipts_are_refused(text):
    with pytest.raises(MalformedError):
        parse_tlog_proof(text)
