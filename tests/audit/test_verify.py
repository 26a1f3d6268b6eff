"""The offline verifier accepts an honest log and names the first entry that was changed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.errors import AuditError
from audit.memory import MemoryLog
from audit.merkle import EMPTY_ROOT, leaf_hashes
from audit.note import generate_signer_key, parse_signer_key
from audit.proofs import prove_consistency
from audit.stored import tree_hash
from audit.verify import (
    check_checkpoint_update,
    locate_first_mismatch,
    prefix_roots,
    verify_log,
)

ORIGIN = "plenary.example/log"
SIGNER = parse_signer_key(generate_signer_key(ORIGIN)[0])
VERIFIER = SIGNER.verifier()
ENTRIES = [f'{{"n":{i},"type":"contest.opened"}}'.encode() for i in range(1000)]


def _log(size: int = len(ENTRIES)) -> MemoryLog:
    log = MemoryLog()
    log.append(ENTRIES[:size])
    return log


LOG = _log()


def _checkpoint(size: int, log: MemoryLog = LOG) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(size, log)), SIGNER)


def _tampered(index: int) -> list[bytes]:
    entries = list(ENTRIES)
    entries[index] = entries[index].replace(b"opened", b"closed")
    return entries


def test_honest_log_verifies_with_saved_checkpoint_and_proof():
    verdict = verify_log(
        leaf_hashes(ENTRIES),
        _checkpoint(1000),
        VERIFIER,
        previous_note=_checkpoint(700),
        consistency_proof=prove_consistency(700, 1000, LOG),
    )
    assert verdict.ok, verdict.problems
    assert verdict.checkpoint is not None
    assert verdict.checkpoint.size == 1000
    assert verdict.checked_sizes == (700, 1000)


def test_entries_beyond_the_checkpoint_are_not_judged():
    assert verify_log(leaf_hashes(ENTRIES), _checkpoint(600), VERIFIER).ok


def test_changed_entry_is_named_exactly_from_the_logs_stored_hashes():
    verdict = verify_log(
        leaf_hashes(_tampered(613)), _checkpoint(1000), VERIFIER, claimed_hashes=LOG
    )
    assert not verdict.ok
    assert verdict.first_bad_index == 613
    assert "entry 613" in verdict.problems[-1]


def test_without_stored_hashes_checkpoints_narrow_the_first_bad_entry():
    logged = [_checkpoint(size) for size in (100, 500, 640, 900)]
    verdict = verify_log(
        leaf_hashes(_tampered(613)), _checkpoint(1000), VERIFIER, logged_checkpoints=logged
    )
    assert verdict.first_bad_index is None
    assert verdict.suspect_range == (500, 640)


def test_with_one_checkpoint_only_the_whole_log_is_suspect():
    verdict = verify_log(leaf_hashes(_tampered(613)), _checkpoint(1000), VERIFIER)
    assert verdict.suspect_range == (0, 1000)


def test_rewrite_before_the_saved_checkpoint_is_reported_as_such():
    verdict = verify_log(
        leaf_hashes(_tampered(3)),
        _checkpoint(1000),
        VERIFIER,
        previous_note=_checkpoint(10),
        claimed_hashes=LOG,
    )
    assert verdict.first_bad_index == 3
    assert any("rewritten since you last checked" in p for p in verdict.problems)


def test_stored_hashes_rewritten_with_the_entry_still_fail_and_narrow():
    """If the operator rewrites an entry and all its stored hashes, they no longer hash up
    to the signed root: the walk stops where they diverge, and the entry stays suspect."""
    forged = MemoryLog()
    forged.append(_tampered(613))
    verdict = verify_log(
        leaf_hashes(_tampered(613)), _checkpoint(1000), VERIFIER, claimed_hashes=forged
    )
    assert not verdict.ok
    assert verdict.suspect_range is not None
    start, end = verdict.suspect_range
    assert start <= 613 < end


def test_missing_entries_are_named():
    verdict = verify_log(leaf_hashes(ENTRIES[:990]), _checkpoint(1000), VERIFIER)
    assert verdict.first_bad_index == 990


def test_checkpoint_signed_by_another_key_is_refused():
    impostor = parse_signer_key(generate_signer_key(ORIGIN)[0])
    note = sign_checkpoint(Checkpoint(ORIGIN, 1000, tree_hash(1000, LOG)), impostor)
    verdict = verify_log(leaf_hashes(ENTRIES), note, VERIFIER)
    assert verdict.checkpoint is None
    assert "no verifiable signatures" in verdict.problems[0]


def test_checkpoint_of_another_origin_is_refused():
    verdict = verify_log(leaf_hashes(ENTRIES), _checkpoint(1000), VERIFIER, origin="elsewhere/log")
    assert verdict.checkpoint is None


def test_rollback_to_an_older_checkpoint_is_reported():
    verdict = verify_log(
        leaf_hashes(ENTRIES), _checkpoint(500), VERIFIER, previous_note=_checkpoint(800)
    )
    assert any("rolled back" in p for p in verdict.problems)


def test_a_wrong_consistency_proof_is_reported():
    proof = prove_consistency(699, 1000, LOG)
    verdict = verify_log(
        leaf_hashes(ENTRIES),
        _checkpoint(1000),
        VERIFIER,
        previous_note=_checkpoint(700),
        consistency_proof=proof,
    )
    assert any("consistency with the saved checkpoint" in p for p in verdict.problems)


def test_fork_between_checkpoints_is_reported():
    """A saved checkpoint from a different history at size 300 cannot be a prefix of this log."""
    other = MemoryLog()
    other.append(_tampered(200)[:300])
    forked = sign_checkpoint(Checkpoint(ORIGIN, 300, tree_hash(300, other)), SIGNER)
    verdict = verify_log(
        leaf_hashes(ENTRIES),
        _checkpoint(1000),
        VERIFIER,
        previous_note=forked,
        logged_checkpoints=[_checkpoint(300)],
        claimed_hashes=LOG,
    )
    assert any("two different roots for size 300" in p for p in verdict.problems)


def test_prefix_roots_are_the_tree_hashes():
    hashes = leaf_hashes(ENTRIES)
    roots = prefix_roots(hashes, [0, 1, 2, 3, 255, 256, 257, 999, 1000, 1001])
    for size, root in roots.items():
        assert root == tree_hash(size, LOG)
    assert 1001 not in roots


@pytest.mark.parametrize("index", [0, 1, 511, 512, 998, 999])
def test_locate_walks_to_the_changed_leaf(index):
    found = locate_first_mismatch(leaf_hashes(_tampered(index)), 1000, tree_hash(1000, LOG), LOG)
    assert found == (index, index + 1)


def test_checkpoint_inconsistent_with_a_later_matching_one_is_a_fork():
    other = MemoryLog()
    other.append(_tampered(10)[:400])
    stray = sign_checkpoint(Checkpoint(ORIGIN, 400, tree_hash(400, other)), SIGNER)
    verdict = verify_log(
        leaf_hashes(ENTRIES), _checkpoint(1000), VERIFIER, logged_checkpoints=[stray]
    )
    assert any("signed two histories" in p for p in verdict.problems)


def test_checkpoint_update_is_checked_without_the_entries():
    proof = prove_consistency(700, 1000, LOG)
    updated = check_checkpoint_update(_checkpoint(700), _checkpoint(1000), proof, VERIFIER)
    assert updated.size == 1000
    with pytest.raises(AuditError):
        check_checkpoint_update(_checkpoint(699), _checkpoint(1000), proof, VERIFIER)
    with pytest.raises(AuditError, match="rolled back"):
        check_checkpoint_update(_checkpoint(1000), _checkpoint(700), proof, VERIFIER)
    empty = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), SIGNER)
    assert check_checkpoint_update(empty, _checkpoint(5), [], VERIFIER).size == 5


def test_locate_reports_nothing_when_every_leaf_fits():
    assert locate_first_mismatch(leaf_hashes(ENTRIES), 1000, tree_hash(1000, LOG), LOG) == (
        1000,
        1000,
    )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_changed_byte_in_any_entry_is_named(data):
    size = data.draw(st.integers(min_value=1, max_value=len(ENTRIES)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    entries = list(ENTRIES[:size])
    position = data.draw(st.integers(min_value=0, max_value=len(entries[index]) - 1))
    changed = bytearray(entries[index])
    changed[position] ^= 1 << data.draw(st.integers(min_value=0, max_value=7))
    entries[index] = bytes(changed)
    verdict = verify_log(leaf_hashes(entries), _checkpoint(size), VERIFIER, claimed_hashes=LOG)
    assert verdict.first_bad_index == index
