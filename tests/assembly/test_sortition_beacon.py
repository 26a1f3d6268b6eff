"""A drand beacon is the chain's only if its BLS signature verifies under the chain's public key
(issue 18, "Sortition that cannot be rigged"): real beacons from ``../shared/refdata`` pass,
made-up signatures do not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from py_ecc.bls.point_compression import compress_G1
from py_ecc.optimized_bls12_381.optimized_curve import G1, multiply

from assembly.sortition.drand import DRAND_CHAINS, load_chains

REFDATA = Path(__file__).resolve().parents[2].parent / "shared" / "refdata" / "tlog"


def _vector(scheme: str) -> dict[str, Any]:
    path = REFDATA / "drand_beacons.json"
    if not path.is_file():
        pytest.skip(f"reference data absent: {path}")
    vectors = json.loads(path.read_text())["vectors"]
    found: dict[str, Any] = next(v for v in vectors if scheme in v["scheme"])
    return found


def made_up_signature(k: int) -> bytes:
    """A well-formed G1 point (in the subgroup) that nobody signed: ``k`` times the generator."""
    return int(compress_G1(multiply(G1, k))).to_bytes(48, "big")


def test_the_shipped_quicknet_chain_is_the_default_and_unchained_on_g1() -> None:
    quicknet = DRAND_CHAINS["quicknet"]
    assert quicknet.scheme == "bls-unchained-g1-rfc9380"
    assert (quicknet.genesis, quicknet.period) == (1692803367, 3)
    assert quicknet.chain_hash.startswith("52db9ba7")
    assert len(bytes.fromhex(quicknet.public_key)) == 96
    assert quicknet.due(1) == quicknet.genesis
    assert quicknet.round_at(quicknet.due(657413)) == 657413
    assert quicknet.round_at(quicknet.due(657413) - 1) == 657412


def test_a_real_quicknet_beacon_verifies_and_the_next_round_does_not() -> None:
    beacon = _vector("quicknet")
    quicknet = DRAND_CHAINS["quicknet"]
    signature = bytes.fromhex(beacon["signature"])
    assert hashlib.sha256(signature).hexdigest() == beacon["randomness"]
    assert quicknet.signature_problem(beacon["round"], signature) is None
    wrong = quicknet.signature_problem(beacon["round"] + 1, signature)
    assert wrong is not None
    assert "does not verify under drand quicknet's public key" in wrong


def test_a_real_chained_default_beacon_verifies_with_its_previous_signature() -> None:
    beacon = _vector("pedersen-bls-chained")
    chain = DRAND_CHAINS["default"]
    signature = bytes.fromhex(beacon["signature"])
    previous = bytes.fromhex(beacon["previous_signature"])
    assert chain.signature_problem(beacon["round"], signature, previous) is None
    assert chain.signature_problem(beacon["round"], signature) is not None  # none given
    assert chain.signature_problem(beacon["round"], signature, previous[::-1]) is not None


def test_made_up_signatures_are_refused_even_with_consistent_randomness() -> None:
    quicknet = DRAND_CHAINS["quicknet"]
    for k in (2, 48):
        problem = quicknet.signature_problem(657413, made_up_signature(k))
        assert problem is not None
        assert "it is not that round's beacon" in problem


def test_malformed_signatures_are_named() -> None:
    quicknet = DRAND_CHAINS["quicknet"]
    assert "48 bytes" in (quicknet.signature_problem(1, b"\x00" * 32) or "")
    assert "not a valid point" in (quicknet.signature_problem(1, b"\x00" * 48) or "")
    infinity = bytes([0xC0]) + b"\x00" * 47
    assert "infinity" in (quicknet.signature_problem(1, infinity) or "")


def test_a_chain_with_an_unknown_scheme_is_refused_when_loaded() -> None:
    text = json.dumps(
        {
            "odd": {
                "chain_hash": "00",
                "public_key": "00",
                "genesis_time": 1,
                "period": 3,
                "scheme": "bls-unchained-on-g1",
            }
        }
    )
    with pytest.raises(ValueError, match="unknown scheme"):
        load_chains(text)
