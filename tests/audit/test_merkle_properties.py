"""Every proof the log generates verifies, and any changed byte, size or index breaks it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import AuditError, MalformedError, StoreError
from audit.memory import MemoryLog
from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    leaf_hash,
    leaf_hashes,
    node_hash,
    root_from_leaf_hashes,
)
from audit.proofs import (
    check_consistency,
    check_inclusion,
    prove_consistency,
    prove_inclusion,
)
from audit.stored import (
    hashes_to_store,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    tree_hash,
)

from .strategies import consistency_sizes, entry_positions, tree_sizes

MAX_SIZE = 300


def _entries(size: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(size)]


_LOGS: dict[int, MemoryLog] = {}


def _log(size: int) -> MemoryLog:
    """A log of ``size`` entries, built once per size (the tests only read it)."""
    if size not in _LOGS:
        log = MemoryLog()
        log.append(_entries(size))
        _LOGS[size] = log
    log = _LOGS[size]
    log.reads.clear()
    return log


def _mth(entries: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH written as the recursive definition, independent of the code."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(entries[:k]) + _mth(entries[k:])).digest()


def _flip(data: bytes, position: int, bit: int) -> bytes:
    changed = bytearray(data)
    changed[position % len(changed)] ^= 1 << bit
    return bytes(changed)


sizes = tree_sizes(MAX_SIZE)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=70))
def test_roots_agree_with_the_recursive_definition(size):
    entries = _entries(size)
    assert root_from_leaf_hashes(leaf_hashes(entries)) == _mth(entries)
    assert tree_hash(size, _log(size)) == _mth(entries)


@settings(deadline=None)
@given(sizes, st.lists(st.integers(min_value=1, max_value=40), max_size=10))
def test_compact_range_root_is_the_tree_root_however_the_leaves_arrive(size, chunks):
    hashes = leaf_hashes(_entries(size))
    tree = CompactRange()
    at = 0
    for chunk in chunks:
        tree.extend(hashes[at : at + chunk])
        at = min(at + chunk, size)
    tree.extend(hashes[at:])
    assert tree.size == size
    assert tree.root() == root_from_leaf_hashes(hashes)
    assert len(tree.hashes) == size.bit_count()


@settings(deadline=None)
@given(entry_positions(MAX_SIZE))
def test_every_inclusion_proof_verifies(position):
    size, index = position
    log = _log(size)
    root = tree_hash(size, log)
    log.reads.clear()
    proof = prove_inclusion(size, index, log)
    assert len(log.reads) <= 1
    assert sum(len(r) for r in log.reads) <= 2 * size.bit_length()
    check_inclusion(proof, size, root, index, leaf_hash(_entries(size)[index]))


@settings(deadline=None)
@given(consistency_sizes(MAX_SIZE))
def test_every_consistency_proof_verifies(sizes_pair):
    old, new = sizes_pair
    log = _log(new)
    proof = prove_consistency(old, new, log)
    assert len(log.reads) <= 1
    assert sum(len(r) for r in log.reads) <= 2 * new.bit_length()
    check_consistency(proof, old, tree_hash(old, log), new, tree_hash(new, log))


@settings(deadline=None)
@given(st.data())
def test_any_changed_byte_breaks_an_inclusion_proof(data):
    size = data.draw(st.integers(min_value=2, max_value=MAX_SIZE))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    log = _log(size)
    root = tree_hash(size, log)
    entry = _entries(size)[index]
    proof = prove_inclusion(size, index, log)
    position = data.draw(st.integers(min_value=0, max_value=10_000))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    what = data.draw(st.sampled_from(["entry", "proof", "root", "index", "size"]))
    args: list[Any] = [proof, size, root, index, leaf_hash(entry)]
    if what == "entry":
        args[4] = leaf_hash(_flip(entry, position, bit))
    elif what == "proof":
        changed: list[bytes] = list(proof)
        at = position % len(changed)
        changed[at] = _flip(changed[at], position // 7, bit)
        args[0] = changed
    elif what == "root":
        args[2] = _flip(root, position, bit)
    elif what == "index":
        other = data.draw(st.integers(min_value=0, max_value=size).filter(lambda i: i != index))
        args[3] = other
    else:
        # A root does not bind its size (see test_a_root_does_not_bind_its_size): only sizes
        # that change the path to the entry must fail here. Those are sizes not above the
        # index, and sizes of at least twice the tree, which put the entry in a perfect left
        # subtree deeper than the proof. Sizes are bound by the checkpoint signature instead.
        other = data.draw(
            st.one_of(
                st.integers(min_value=0, max_value=index),
                st.integers(min_value=2 * size, max_value=4 * size),
            )
        )
        args[1] = other
    with pytest.raises(AuditError):
        check_inclusion(*args)


@settings(deadline=None)
@given(st.data())
def test_any_changed_byte_or_size_breaks_a_consistency_proof(data):
    new = data.draw(st.integers(min_value=2, max_value=MAX_SIZE))
    old = data.draw(st.integers(min_value=1, max_value=new - 1))
    log = _log(new)
    proof = prove_consistency(old, new, log)
    args: list[Any] = [proof, old, tree_hash(old, log), new, tree_hash(new, log)]
    position = data.draw(st.integers(min_value=0, max_value=10_000))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    what = data.draw(st.sampled_from(["proof", "old root", "new root", "old size", "new size"]))
    if what == "proof":
        changed: list[bytes] = list(proof)
        at = position % len(changed)
        changed[at] = _flip(changed[at], position // 7, bit)
        args[0] = changed
    elif what == "old root":
        args[2] = _flip(args[2], position, bit)
    elif what == "new root":
        args[4] = _flip(args[4], position, bit)
    elif what == "old size":
        # Sizes that no proof can join; other size changes are bound by signatures instead.
        args[1] = data.draw(st.sampled_from([0, new + 1, 2 * new]))
    else:
        args[3] = data.draw(st.integers(min_value=0, max_value=old - 1))
    with pytest.raises(AuditError):
        check_consistency(*args)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=10**9))
def test_split_stored_hash_index_inverts_stored_hash_index(level, n):
    assert split_stored_hash_index(stored_hash_index(level, n)) == (level, n)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=5000))
def test_every_stored_index_splits_back_to_itself(index):
    assert stored_hash_index(*split_stored_hash_index(index)) == index


@settings(deadline=None)
@given(sizes)
def test_stored_hash_count_is_under_two_per_entry(size):
    log = _log(size)
    assert len(log.hashes) == stored_hash_count(size) == 2 * size - size.bit_count()


@settings(deadline=None)
@given(sizes, st.lists(st.integers(min_value=1, max_value=50), max_size=8))
def test_appending_in_batches_stores_the_same_hashes_as_one_batch(size, batches):
    log = MemoryLog()
    entries = _entries(size)
    at = 0
    for batch in batches:
        log.append(entries[at : at + batch])
        at = min(at + batch, size)
    log.append(entries[at:])
    assert log.hashes == _log(size).hashes


def test_append_reads_only_the_right_edge_once():
    log = MemoryLog()
    log.append(_entries(13))  # 13 = 0b1101: three complete subtrees on the right edge
    log.reads.clear()
    rows = hashes_to_store(leaf_hashes([b"x"]), 13, log)
    assert [len(r) for r in log.reads] == [3]
    # Entry 13 completes one subtree (13 has one trailing one bit): 1 + 1 rows.
    assert [i for i, _ in rows] == [stored_hash_index(0, 13), stored_hash_index(1, 6)]
    assert rows[1][1] == node_hash(log.hashes[stored_hash_index(0, 12)], leaf_hash(b"x"))


def test_tree_hash_reads_one_call_of_at_most_log_n_plus_one_hashes():
    log = _log(255)
    tree_hash(255, log)
    assert [len(r) for r in log.reads] == [8]
    log.reads.clear()
    assert tree_hash(0, log) == EMPTY_ROOT
    assert log.reads == []


def test_a_reader_that_returns_too_few_hashes_is_refused():
    class Short:
        def read_hashes(self, indexes):
            return [EMPTY_ROOT] * (len(indexes) - 1)

    with pytest.raises(StoreError, match="returned"):
        tree_hash(3, Short())


def test_impossible_requests_are_malformed():
    log = _log(8)
    for call in (
        lambda: prove_inclusion(8, 8, log),
        lambda: prove_inclusion(0, 0, log),
        lambda: prove_inclusion(8, -1, log),
        lambda: prove_consistency(0, 8, log),
        lambda: prove_consistency(5, 4, log),
        lambda: check_inclusion([], 1, EMPTY_ROOT, 1, EMPTY_ROOT),
        lambda: check_inclusion([b"short"], 2, EMPTY_ROOT, 0, EMPTY_ROOT),
        lambda: check_consistency([], 0, EMPTY_ROOT, 0, EMPTY_ROOT),
        lambda: stored_hash_index(-1, 0),
        lambda: split_stored_hash_index(-1),
    ):
        with pytest.raises(MalformedError):
            call()


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=2, max_value=64))
def test_a_proof_one_hash_too_long_or_short_fails(size):
    log = _log(size)
    root = tree_hash(size, log)
    proof = prove_inclusion(size, size - 1, log)
    leaf = leaf_hash(_entries(size)[-1])
    with pytest.raises(AuditError):
        check_inclusion([*proof, EMPTY_ROOT], size, root, size - 1, leaf)
    with pytest.raises(AuditError):
        check_inclusion(proof[:-1], size, root, size - 1, leaf)


def test_a_root_does_not_bind_its_size():
    """RFC 9162 proofs take the size on trust: entry 0's proof in the tree of 34 entries also
    checks against that root for a claimed size of 33, because the last proof hash is opaque.
    This is why sizes and roots are only ever taken together from one signed checkpoint."""
    log = _log(34)
    root = tree_hash(34, log)
    proof = prove_inclusion(34, 0, log)
    leaf = leaf_hash(_entries(34)[0])
    check_inclusion(proof, 33, root, 0, leaf)
    check_consistency(prove_consistency(1, 3, _log(3)), 1, leaf, 4, tree_hash(3, _log(3)))
