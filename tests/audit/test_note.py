"""Keys, signed notes and checkpoints: what a log signs, an auditor with the key can check."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.checkpoint import (
    Checkpoint,
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from audit.errors import AuditError, MalformedError, SignatureError
from audit.merkle import EMPTY_ROOT, leaf_hash
from audit.note import (
    generate_signer_key,
    key_id,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

SIGNER_KEY, VERIFIER_KEY = generate_signer_key("plenary.example/log")
SIGNER = parse_signer_key(SIGNER_KEY)
VERIFIER = parse_verifier_key(VERIFIER_KEY)
OTHER_SIGNER = parse_signer_key(generate_signer_key("witness.example/w1")[0])


def test_generated_keys_round_trip_and_match():
    assert SIGNER.key_string() == SIGNER_KEY
    assert SIGNER.verifier() == VERIFIER
    assert VERIFIER.key_string() == VERIFIER_KEY
    assert VERIFIER.key_id == key_id("plenary.example/log", VERIFIER.public_key)
    assert VERIFIER_KEY.startswith(f"plenary.example/log+{VERIFIER.key_id:08x}+")


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there"])
def test_key_names_with_spaces_or_plus_are_refused(name):
    with pytest.raises(MalformedError):
        generate_signer_key(name)


def test_key_id_that_does_not_match_the_key_is_refused():
    name, _, rest = VERIFIER_KEY.partition("+")
    wrong = f"{name}+{(VERIFIER.key_id ^ 1):08x}+{rest.partition('+')[2]}"
    with pytest.raises(MalformedError, match="does not match"):
        parse_verifier_key(wrong)
    with pytest.raises(MalformedError):
        parse_signer_key(VERIFIER_KEY)


def test_note_signed_by_two_keys_opens_for_either():
    note = sign_note("decision 1\n", [SIGNER, OTHER_SIGNER])
    assert note.count("\n— ") == 2
    assert open_note(note, [VERIFIER]).unverified[0].name == "witness.example/w1"
    both = open_note(note, [VERIFIER, OTHER_SIGNER.verifier()])
    assert [s.name for s in both.signatures] == ["plenary.example/log", "witness.example/w1"]


def test_cosigning_keeps_the_logs_signature():
    note = sign_note("decision 1\n", [SIGNER])
    opened = open_note(note, [VERIFIER])
    cosigned = sign_note(opened.text, [OTHER_SIGNER], keep=opened.signatures)
    assert cosigned.startswith(note)
    assert len(open_note(cosigned, [VERIFIER, OTHER_SIGNER.verifier()]).signatures) == 2


def test_duplicate_signers_and_bad_texts_are_refused():
    with pytest.raises(MalformedError, match="duplicate"):
        sign_note("x\n", [SIGNER, SIGNER])
    with pytest.raises(MalformedError, match="newline"):
        sign_note("no newline", [SIGNER])
    with pytest.raises(MalformedError, match="control"):
        sign_note("bell \a\n", [SIGNER])


@settings(max_examples=60)
@given(st.data())
def test_any_changed_byte_of_a_signed_note_is_refused(data):
    note = sign_note("plenary.example/log\n7\n" + "A" * 43 + "=\n", [SIGNER]).encode()
    position = data.draw(st.integers(min_value=0, max_value=len(note) - 1))
    replacement = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda b: b != note[position])
    )
    changed = note[:position] + bytes([replacement]) + note[position + 1 :]
    with pytest.raises(AuditError):
        open_note(changed, [VERIFIER])


def test_signature_from_a_known_name_with_another_key_id_is_ignored():
    impostor = parse_signer_key(generate_signer_key("plenary.example/log")[0])
    note = sign_note("x\n", [impostor])
    with pytest.raises(SignatureError, match="no verifiable"):
        open_note(note, [VERIFIER])


def test_checkpoint_signs_and_opens_with_extensions():
    checkpoint = Checkpoint("plenary.example/log", 42, leaf_hash(b"x"), ("ext one", "ext two"))
    note = sign_checkpoint(checkpoint, SIGNER)
    opened, signed = open_checkpoint(note, [VERIFIER], origin="plenary.example/log")
    assert opened == checkpoint
    assert signed.text == format_checkpoint(checkpoint)


def test_checkpoint_of_another_log_is_refused_even_when_signed():
    note = sign_checkpoint(Checkpoint("other.example/log", 1, EMPTY_ROOT), SIGNER)
    with pytest.raises(MalformedError, match="expected"):
        open_checkpoint(note, [VERIFIER], origin="plenary.example/log")


@pytest.mark.parametrize(
    "body",
    [
        "log\n07\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n٣\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "log\n1\n",
        "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
        "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=\n",
        "log\n1\n" + base64.b64encode(bytes(31)).decode() + "\n",
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(MalformedError):
        parse_checkpoint(body)


def test_size_zero_is_written_as_a_single_zero():
    checkpoint = parse_checkpoint("log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    assert checkpoint.size == 0
    assert checkpoint.root_hash == EMPTY_ROOT


def test_signature_in_non_canonical_base64_is_refused():
    """Changing the unused low bits of the last base64 character leaves the bytes the same,
    so a lax decoder would accept the changed note; the strict one refuses it."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    note = sign_note("x\n", [SIGNER])
    last = note.rindex("=")
    char = note[last - 1]
    sibling = alphabet[alphabet.index(char) ^ 1]
    changed = note[: last - 1] + sibling + note[last:]
    assert base64.b64decode(changed.split()[-1]) == base64.b64decode(note.split()[-1])
    with pytest.raises(MalformedError, match="canonical"):
        open_note(changed, [VERIFIER])
