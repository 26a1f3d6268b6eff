"""Signed notes and checkpoints agree byte for byte with Go's sumdb/note and the C2SP specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.checkpoint import format_checkpoint, open_checkpoint, parse_checkpoint
from audit.errors import MalformedError, SignatureError
from audit.merkle import format_hash, leaf_hash
from audit.note import open_note, parse_signer_key, parse_verifier_key, sign_note

pytestmark = pytest.mark.conformance


def _load(refdata: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((refdata / name).read_text(encoding="utf-8"))
    return data


def test_go_signer_key_reproduces_the_signed_note_byte_for_byte(tlog_refdata):
    case = _load(tlog_refdata, "signed_note.json")["go_sumdb_note_peterneumann"]
    signer = parse_signer_key(case["signer_key"])
    assert signer.name == case["key_name"]
    assert f"{signer.key_id:08x}" == case["key_id_hex"]
    assert signer.key_string() == case["signer_key"]
    assert signer.verifier().key_string() == case["verifier_key"]
    assert sign_note(case["text"], [signer]) == case["signed_note"]


def test_go_note_opens_with_its_verifier_key(tlog_refdata):
    case = _load(tlog_refdata, "signed_note.json")["go_sumdb_note_peterneumann"]
    verifier = parse_verifier_key(case["verifier_key"])
    note = open_note(case["signed_note"], [verifier])
    assert note.text == case["text"]
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    assert open_note(case["signed_note"].encode(), [verifier]).text == case["text"]


def test_unknown_key_signature_is_kept_but_not_trusted(tlog_refdata):
    data = _load(tlog_refdata, "signed_note.json")
    peter = parse_verifier_key(data["go_sumdb_note_peterneumann"]["verifier_key"])
    enoch = parse_verifier_key(data["go_sumdb_note_enochroot_second_signature"]["verifier_key"])
    two = data["go_sumdb_note_enochroot_second_signature"]["signed_note_two_sigs"]
    note = open_note(two, [peter])
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == ["EnochRoot"]
    both = open_note(two, [peter, enoch])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified == ()
    with pytest.raises(SignatureError, match="no verifiable signatures"):
        open_note(two, [])


def test_go_bad_verifier_keys_are_refused(tlog_refdata):
    negative = _load(tlog_refdata, "signed_note.json")["go_sumdb_note_negative"]
    for key in negative["bad_verifier_keys"]:
        with pytest.raises(MalformedError):
            parse_verifier_key(key)


def test_go_malformed_notes_are_refused(tlog_refdata):
    data = _load(tlog_refdata, "signed_note.json")
    verifier = parse_verifier_key(data["go_sumdb_note_peterneumann"]["verifier_key"])
    for note in data["go_sumdb_note_negative"]["malformed_notes"]:
        with pytest.raises(MalformedError):
            open_note(note, [verifier])
    signed = data["go_sumdb_note_peterneumann"]["signed_note"]
    with pytest.raises(MalformedError, match="UTF-8"):
        open_note(b"\xff" + signed.encode(), [verifier])


def test_bad_signature_from_a_known_key_rejects_the_note(tlog_refdata):
    data = _load(tlog_refdata, "signed_note.json")
    verifier = parse_verifier_key(data["go_sumdb_note_peterneumann"]["verifier_key"])
    with pytest.raises(SignatureError, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
        open_note(data["go_sumdb_note_negative"]["invalid_signature_note"], [verifier])


def test_more_than_one_hundred_signatures_is_malformed(tlog_refdata):
    case = _load(tlog_refdata, "signed_note.json")["go_sumdb_note_peterneumann"]
    verifier = parse_verifier_key(case["verifier_key"])
    line = case["signed_note"].split("\n\n")[1]
    assert open_note(case["text"] + "\n" + line * 100, [verifier]).text == case["text"]
    with pytest.raises(MalformedError):
        open_note(case["text"] + "\n" + line * 101, [verifier])


def test_c2sp_signed_note_example_verifies(tlog_refdata):
    case = _load(tlog_refdata, "signed_note.json")["c2sp_signed_note_example"]
    note = open_note(case["signed_note"], [parse_verifier_key(case["verifier_key"])])
    assert note.text == case["text"]


def test_go_tree_note_parses_as_a_checkpoint_of_hello_world(tlog_refdata):
    case = _load(tlog_refdata, "checkpoint_cosignature_tiles.json")["go_sumdb_tree_note"]
    checkpoint = parse_checkpoint(case["text"], origin="go.sum database tree")
    assert checkpoint.size == case["tree_size"]
    assert checkpoint.root_hash == leaf_hash(b"hello world")
    assert format_hash(checkpoint.root_hash) == case["root_hash_b64"]
    assert format_checkpoint(checkpoint) == case["text"]
    for bad in case["bad_texts"]:
        with pytest.raises(MalformedError):
            parse_checkpoint(bad, origin="go.sum database tree")


def test_c2sp_checkpoint_example_parses_and_round_trips(tlog_refdata):
    case = _load(tlog_refdata, "checkpoint_cosignature_tiles.json")["c2sp_checkpoint_example"]
    body = case["checkpoint"].split("\n\n")[0] + "\n"
    checkpoint = parse_checkpoint(body)
    assert checkpoint.origin == case["origin"]
    assert checkpoint.size == case["tree_size"]
    assert format_hash(checkpoint.root_hash) == case["root_hash_b64"]
    assert format_checkpoint(checkpoint) == body


def test_c2sp_cosigned_checkpoint_opens_for_a_reader_who_knows_no_witness(tlog_refdata):
    # The spec publishes no keys, so only the shape can be checked: with no known key the
    # note is refused for lack of a verifiable signature, not for being malformed.
    case = _load(tlog_refdata, "checkpoint_cosignature_tiles.json")["c2sp_cosignature_example"]
    with pytest.raises(SignatureError, match="no verifiable signatures"):
        open_checkpoint(case["cosigned_checkpoint"], [])
