"""The signer's record beside its key: written whole and privately, and read back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.last_signed import (
    RecordError,
    last_signed_path,
    read_last_signed,
    write_last_signed,
)
from audit.merkle import EMPTY_ROOT
from audit.note import generate_signer_key, parse_signer_key
from audit.store_checkpoints import SigningRefused, signers_record


def test_the_record_is_replaced_whole_private_and_read_back(tmp_path: Path) -> None:
    signer = parse_signer_key(generate_signer_key("a.example/log")[0])
    path = last_signed_path(tmp_path / "log-signing.key")
    assert path.name == "log-signing.key.last-signed"
    assert read_last_signed(path) is None
    for size in (0, 7):
        note = sign_checkpoint(Checkpoint("a.example/log", size, EMPTY_ROOT), signer)
        write_last_signed(path, note)
        record = read_last_signed(path)
        assert record is not None
        assert record.note == note
        assert record.checkpoint.size == size
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temp file left


def test_a_record_that_cannot_be_read_refuses_signing_rather_than_starting_afresh(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log-signing.key.last-signed"
    path.write_text("not a checkpoint")
    with pytest.raises(RecordError, match="is not a signed checkpoint"):
        read_last_signed(path)
    signer = parse_signer_key(generate_signer_key("a.example/log")[0])
    with pytest.raises(SigningRefused):
        signers_record(signer.__class__(signer.name, signer.key_id, signer.seed, record=path))
