"""Inclusion and consistency proofs: ``prove_*`` from stored hashes, ``check_*`` by anyone.

Proof generation follows RFC 6962 §2.1.1 (``PATH``) and §2.1.2 (``PROOF``) as Go's
``sumdb/tlog`` computes them from stored hashes; verification follows the iterative algorithms
of RFC 9162 §2.1.3.2 and §2.1.4.2 and rejects, with a reason, every input that is not exactly
a proof of the claim: index not below size, sizes out of order, a proof one hash too long or
too short, any hash that is not 32 bytes, or roots that do not match.

A root does not bind its tree size: a proof checked against the right root with a wrong size
can still pass when the wrong size gives the same path shape (for example entry 0 of 34 entries
against a claimed size of 33). Take size and root together from one signed checkpoint.

Like :mod:`audit.stored`, each ``prove_*`` has two halves (``*_indexes`` and
``*_from_hashes``) so an asynchronous store can await its read in between.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from audit.errors import MalformedError, ProofError
from audit.merkle import Hash, as_hash, split_point
from audit.stored import (
    HashReader,
    fold_subtree,
    read_checked,
    subtree_indexes,
)

__all__ = [
    "check_consistency",
    "check_inclusion",
    "consistency_proof_from_hashes",
    "consistency_proof_indexes",
    "inclusion_proof_from_hashes",
    "inclusion_proof_indexes",
    "prove_consistency",
    "prove_inclusion",
    "root_from_inclusion_proof",
]

_sha256 = hashlib.sha256


def _check_index(size: int, index: int) -> None:
    if size < 1 or index < 0 or index >= size:
        raise MalformedError(f"entry {index} is not in a tree of size {size}")


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0 or new_size < old_size:
        raise MalformedError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size == 0:
        raise MalformedError("a consistency proof from the empty tree is meaningless")


# --- inclusion -------------------------------------------------------------------------------


def _leaf_proof_indexes(lo: int, hi: int, n: int, need: list[int]) -> None:
    if hi - lo == 1:
        return
    k = split_point(hi - lo)
    if n < lo + k:
        _leaf_proof_indexes(lo, lo + k, n, need)
        need.extend(subtree_indexes(lo + k, hi))
    else:
        need.extend(subtree_indexes(lo, lo + k))
        _leaf_proof_indexes(lo + k, hi, n, need)


def _leaf_proof(
    lo: int, hi: int, n: int, hashes: Sequence[Hash], at: int
) -> tuple[list[Hash], int]:
    if hi - lo == 1:
        return [], at
    k = split_point(hi - lo)
    if n < lo + k:
        proof, at = _leaf_proof(lo, lo + k, n, hashes, at)
        count = (hi - lo - k).bit_count()
        sibling = fold_subtree(hashes[at : at + count])
        at += count
    else:
        sibling = hashes[at]
        at += 1
        proof, at = _leaf_proof(lo + k, hi, n, hashes, at)
    proof.append(sibling)
    return proof, at


def inclusion_proof_indexes(size: int, index: int) -> list[int]:
    """The stored indexes :func:`inclusion_proof_from_hashes` needs, sorted ascending."""
    _check_index(size, index)
    need: list[int] = []
    _leaf_proof_indexes(0, size, index, need)
    return need


def inclusion_proof_from_hashes(size: int, index: int, hashes: Sequence[Hash]) -> list[Hash]:
    """Build the inclusion proof from the hashes at :func:`inclusion_proof_indexes`."""
    _check_index(size, index)
    proof, used = _leaf_proof(0, size, index, hashes, 0)
    if used != len(hashes):
        raise MalformedError(f"expected {used} stored hashes, got {len(hashes)}")
    return proof


def prove_inclusion(size: int, index: int, reader: HashReader) -> list[Hash]:
    """Return the audit path proving entry ``index`` is in the tree of ``size`` entries.

    RFC 6962 §2.1.1 ``PATH(m, D[n])``, sibling of the leaf first. The proof has
    ``ceil(log2(size))`` hashes at most; building it makes one ``read_hashes`` call for at most
    ``2·log2(size)`` hashes.
    """
    return inclusion_proof_from_hashes(
        size, index, read_checked(reader, inclusion_proof_indexes(size, index))
    )


def root_from_inclusion_proof(
    proof: Sequence[bytes], size: int, index: int, leaf_hash: bytes
) -> Hash:
    """Return the root an inclusion proof implies, or raise if the proof cannot be one.

    RFC 9162 §2.1.3.2 steps 1-5 without the final comparison. Cost: ``len(proof)`` hashes.
    """
    _check_index(size, index)
    node: bytes = as_hash(leaf_hash, "leaf hash")
    fn, sn = index, size - 1
    sha = _sha256
    for position, raw in enumerate(proof):
        sibling = as_hash(raw, f"inclusion proof hash {position}")
        if sn == 0:
            raise ProofError(f"inclusion proof is too long: {len(proof)} hashes")
        if fn & 1 or fn == sn:
            node = sha(b"\x01" + sibling + node).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = sha(b"\x01" + node + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof is too short: {len(proof)} hashes")
    return Hash(node)


def check_inclusion(
    proof: Sequence[bytes], size: int, root: bytes, index: int, leaf_hash: bytes
) -> None:
    """Check that ``proof`` proves entry ``index`` with ``leaf_hash`` is in the tree ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`MalformedError` for impossible inputs and
    :class:`ProofError` when the proof does not hold; returns nothing when it does.
    Cost: ``len(proof)`` hashes.
    """
    expected = as_hash(root, "root hash")
    if not hmac.compare_digest(root_from_inclusion_proof(proof, size, index, leaf_hash), expected):
        raise ProofError(f"inclusion proof for entry {index} does not lead to the root")


# --- consistency -----------------------------------------------------------------------------


def _tree_proof_indexes(lo: int, hi: int, n: int, need: list[int]) -> None:
    if n == hi:
        if lo != 0:
            need.extend(subtree_indexes(lo, hi))
        return
    k = split_point(hi - lo)
    if n <= lo + k:
        _tree_proof_indexes(lo, lo + k, n, need)
        need.extend(subtree_indexes(lo + k, hi))
    else:
        need.extend(subtree_indexes(lo, lo + k))
        _tree_proof_indexes(lo + k, hi, n, need)


def _tree_proof(
    lo: int, hi: int, n: int, hashes: Sequence[Hash], at: int
) -> tuple[list[Hash], int]:
    if n == hi:
        if lo == 0:
            # The verifier knows the old root, so it is not sent.
            return [], at
        count = (hi - lo).bit_count()
        return [fold_subtree(hashes[at : at + count])], at + count
    k = split_point(hi - lo)
    if n <= lo + k:
        proof, at = _tree_proof(lo, lo + k, n, hashes, at)
        count = (hi - lo - k).bit_count()
        sibling = fold_subtree(hashes[at : at + count])
        at += count
    else:
        sibling = hashes[at]
        at += 1
        proof, at = _tree_proof(lo + k, hi, n, hashes, at)
    proof.append(sibling)
    return proof, at


def consistency_proof_indexes(old_size: int, new_size: int) -> list[int]:
    """The stored indexes :func:`consistency_proof_from_hashes` needs, sorted ascending."""
    _check_sizes(old_size, new_size)
    need: list[int] = []
    _tree_proof_indexes(0, new_size, old_size, need)
    return need


def consistency_proof_from_hashes(
    old_size: int, new_size: int, hashes: Sequence[Hash]
) -> list[Hash]:
    """Build the consistency proof from the hashes at :func:`consistency_proof_indexes`."""
    _check_sizes(old_size, new_size)
    proof, used = _tree_proof(0, new_size, old_size, hashes, 0)
    if used != len(hashes):
        raise MalformedError(f"expected {used} stored hashes, got {len(hashes)}")
    return proof


def prove_consistency(old_size: int, new_size: int, reader: HashReader) -> list[Hash]:
    """Return the proof that the tree of ``old_size`` entries is a prefix of ``new_size``'s.

    RFC 6962 §2.1.2 ``PROOF(m, D[n])``; empty when the sizes are equal. At most
    ``ceil(log2(new_size)) + 1`` hashes; one ``read_hashes`` call for at most
    ``2·log2(new_size)`` hashes.
    """
    return consistency_proof_from_hashes(
        old_size, new_size, read_checked(reader, consistency_proof_indexes(old_size, new_size))
    )


def check_consistency(
    proof: Sequence[bytes], old_size: int, old_root: bytes, new_size: int, new_root: bytes
) -> None:
    """Check that the tree ``old_root`` of ``old_size`` is a prefix of ``new_root``'s tree.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; a proof from size 0
    is refused as meaningless. Every root and proof hash must be 32 bytes, including in the
    equal-size case (where RFC 9162 never hashes them). Raises :class:`MalformedError` or
    :class:`ProofError`; returns nothing when the proof holds. Cost: ``2·len(proof)`` hashes.
    """
    _check_sizes(old_size, new_size)
    first = as_hash(old_root, "old root hash")
    second = as_hash(new_root, "new root hash")
    path = [as_hash(h, f"consistency proof hash {i}") for i, h in enumerate(proof)]
    if old_size == new_size:
        if path:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if not hmac.compare_digest(first, second):
            raise ProofError(f"two different roots for the same size {old_size}")
        return
    if not path:
        raise ProofError("consistency proof is empty")
    if old_size & (old_size - 1) == 0:
        path.insert(0, first)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    sha = _sha256
    fr: bytes = path[0]
    sr: bytes = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof is too long: {len(proof)} hashes")
        if fn & 1 or fn == sn:
            fr = sha(b"\x01" + c + fr).digest()
            sr = sha(b"\x01" + c + sr).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = sha(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof is too short: {len(proof)} hashes")
    if not hmac.compare_digest(fr, first):
        raise ProofError(f"consistency proof does not lead to the old root at size {old_size}")
    if not hmac.compare_digest(sr, second):
        raise ProofError(f"consistency proof does not lead to the new root at size {new_size}")
