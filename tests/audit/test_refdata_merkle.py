"""The Merkle core reproduces every published RFC 6962 vector, positive and negative."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from audit.errors import AuditError, MalformedError
from audit.memory import MemoryLog
from audit.merkle import EMPTY_ROOT, leaf_hash, root_from_leaf_hashes
from audit.proofs import (
    check_consistency,
    check_inclusion,
    prove_consistency,
    prove_inclusion,
)
from audit.stored import stored_hash_index, tree_hash

from .conftest import TLOG_REFDATA

pytestmark = pytest.mark.conformance

MERKLE_TESTDATA = TLOG_REFDATA / "transparency-dev-merkle-testdata"


def _load(refdata: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((refdata / name).read_text(encoding="utf-8"))
    return data


def _reference_log(refdata: Path) -> tuple[MemoryLog, dict[str, Any]]:
    tree = _load(refdata, "rfc6962_reference_tree_8leaf.json")
    log = MemoryLog()
    log.append(bytes.fromhex(x) for x in tree["leaf_inputs_hex"])
    return log, tree


def test_reference_tree_roots_match_at_every_size(tlog_refdata):
    log, tree = _reference_log(tlog_refdata)
    leaves = [leaf_hash(bytes.fromhex(x)) for x in tree["leaf_inputs_hex"]]
    for size_text, root_hex in tree["root_hash_by_tree_size"].items():
        size = int(size_text)
        assert tree_hash(size, log).hex() == root_hex, size
        assert root_from_leaf_hashes(leaves[:size]).hex() == root_hex, size
    assert EMPTY_ROOT.hex() == tree["root_hash_by_tree_size"]["0"]


def test_reference_tree_stored_hashes_are_the_published_subtree_hashes(tlog_refdata):
    log, tree = _reference_log(tlog_refdata)
    for level_text, hashes in tree["node_hashes_by_level"].items():
        if level_text.startswith("_"):
            continue
        for n, expected in enumerate(hashes):
            assert log.hashes[stored_hash_index(int(level_text), n)].hex() == expected


def test_reference_proofs_are_generated_byte_for_byte_and_verify(tlog_refdata):
    log, tree = _reference_log(tlog_refdata)
    roots = {int(k): bytes.fromhex(v) for k, v in tree["root_hash_by_tree_size"].items()}
    proofs = _load(tlog_refdata, "rfc6962_reference_tree_proofs.json")
    for case in proofs["inclusion_proofs"]:
        size, index = case["tree_size"], case["leaf_index"]
        expected = [bytes.fromhex(h) for h in case["proof"]]
        assert prove_inclusion(size, index, log) == expected
        check_inclusion(expected, size, roots[size], index, log.hashes[stored_hash_index(0, index)])
    for case in proofs["consistency_proofs"]:
        old, new = case["size1"], case["size2"]
        expected = [bytes.fromhex(h) for h in case["proof"]]
        assert prove_consistency(old, new, log) == expected
        check_consistency(expected, old, roots[old], new, roots[new])


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _cases(kind: str) -> list[Path]:
    folder = MERKLE_TESTDATA / kind
    return sorted(folder.rglob("*.json")) if folder.is_dir() else []


@pytest.mark.parametrize(
    "path", _cases("inclusion"), ids=lambda p: str(p.relative_to(MERKLE_TESTDATA))
)
def test_transparency_dev_inclusion_vector(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    proof = [_b64(h) for h in case["proof"] or []]
    args = (proof, case["treeSize"], _b64(case["root"]), case["leafIdx"], _b64(case["leafHash"]))
    if case["wantErr"]:
        with pytest.raises(AuditError):
            check_inclusion(*args)
    else:
        check_inclusion(*args)


# Upstream accepts equal sizes with 12-byte placeholder roots ("ZG9uJ3QgY2FyZSAy" = "don't care 2")
# because its equal-size branch never looks at the roots' length. A Hash here is 32 bytes by
# definition, so this verifier refuses those roots as malformed; the same case with real
# 32-byte roots is accepted (see test_equal_sizes_with_real_roots_verify below).
PLACEHOLDER_ROOT_CASES = {"sizes-are-equal-one-and-proof-is-empty.json"}


@pytest.mark.parametrize(
    "path", _cases("consistency"), ids=lambda p: str(p.relative_to(MERKLE_TESTDATA))
)
def test_transparency_dev_consistency_vector(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    proof = [_b64(h) for h in case["proof"] or []]
    args = (proof, case["size1"], _b64(case["root1"]), case["size2"], _b64(case["root2"]))
    if path.name in PLACEHOLDER_ROOT_CASES:
        assert not case["wantErr"]
        with pytest.raises(MalformedError, match="32 bytes"):
            check_consistency(*args)
    elif case["wantErr"]:
        with pytest.raises(AuditError):
            check_consistency(*args)
    else:
        check_consistency(*args)


def test_equal_sizes_with_real_roots_verify():
    root = leaf_hash(b"only entry")
    check_consistency([], 1, root, 1, root)


def test_all_196_transparency_dev_vectors_are_present(tlog_refdata):
    assert len(_cases("inclusion")) + len(_cases("consistency")) == 196
