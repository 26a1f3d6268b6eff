"""drand chains and their beacons: when a round is due, and whether a beacon is really the chain's.

A drand beacon for round ``r`` is a BLS signature by the chain's group key (BLS12-381) over a
message fixed by the chain's scheme; its randomness is SHA-256 of the signature. The schemes a
sortition may name (drand's "cryptography" specification, hash to curve by RFC 9380 §8.8):

- ``bls-unchained-g1-rfc9380`` (quicknet): message ``SHA-256(r as 8 bytes big-endian)``,
  hashed to G1 with DST ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``; the signature is a
  compressed G1 point (48 bytes), the public key a compressed G2 point (96 bytes); valid when
  ``e(signature, g2) = e(H(m), public key)``;
- ``pedersen-bls-chained`` (the League of Entropy's ``default`` chain): message
  ``SHA-256(previous signature || r as 8 bytes)``, hashed to G2 with DST
  ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_``; signature on G2, key on G1.

Nobody without the group key can make a signature that verifies, so a fabricated beacon is
refused; and a round's beacon does not exist before ``genesis + (r - 1) × period``, so a
commitment made before then was made before anyone could know the randomness.

The chains' information (public key, genesis, period, scheme, chain hash) ships with the
package in ``drand_chains.json``. Pairings come from ``py_ecc`` (pure Python): one check costs
two Miller loops and one final exponentiation, about a second here.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

# py_ecc raises the interpreter's recursion limit to 100,000 when it is imported, for every
# thread of the process. In the service that would let a request's JSON nest deep enough to
# overflow the C stack (a crash instead of a 400), so the limit is put back at once; the checks
# below recurse no deeper than the default allows (tests/assembly/test_sortition_beacon.py).
_RECURSION_LIMIT = sys.getrecursionlimit()
from py_ecc.bls.hash_to_curve import hash_to_G1, hash_to_G2  # noqa: E402
from py_ecc.bls.point_compression import decompress_G1, decompress_G2  # noqa: E402
from py_ecc.bls.typing import G1Compressed, G2Compressed  # noqa: E402
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12  # noqa: E402
from py_ecc.optimized_bls12_381.optimized_curve import (  # noqa: E402
    G1,
    G2,
    curve_order,
    is_inf,
    multiply,
    neg,
)
from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate, pairing  # noqa: E402

sys.setrecursionlimit(_RECURSION_LIMIT)

__all__ = [
    "DRAND_CHAINS",
    "SCHEMES",
    "DrandChain",
    "load_chains",
]

SCHEMES = ("bls-unchained-g1-rfc9380", "pedersen-bls-chained")

_DST_G1 = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
_DST_G2 = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
_SHA256 = cast(Any, hashlib.sha256)  # py_ecc types the hash as an object, takes the function


@dataclass(frozen=True, slots=True)
class DrandChain:
    """A drand chain: its hash, group public key (hex), scheme, when round 1 was due (Unix
    seconds) and the seconds between rounds."""

    name: str
    chain_hash: str
    public_key: str
    genesis: int
    period: int
    scheme: str

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"drand chain {self.name}: unknown scheme {self.scheme!r}")
        if self.period < 1:
            raise ValueError(f"drand chain {self.name}: the period must be at least 1 s")

    def due(self, round_: int) -> int:
        """When ``round_`` is published (Unix seconds)."""
        return self.genesis + (round_ - 1) * self.period

    def round_at(self, unix: float) -> int:
        """The latest round published at ``unix`` (0 before genesis)."""
        if unix < self.genesis:
            return 0
        return int((unix - self.genesis) // self.period) + 1

    @property
    def chained(self) -> bool:
        """Whether each beacon signs the previous one's signature too."""
        return self.scheme == "pedersen-bls-chained"

    def message(self, round_: int, previous_signature: bytes = b"") -> bytes:
        """The bytes the group signs for ``round_`` (see the module docstring)."""
        number = round_.to_bytes(8, "big")
        if self.chained:
            return hashlib.sha256(previous_signature + number).digest()
        return hashlib.sha256(number).digest()

    def signature_problem(
        self, round_: int, signature: bytes, previous_signature: bytes = b""
    ) -> str | None:
        """Why ``signature`` is not this chain's beacon for ``round_``; ``None`` when it is.

        Checks the encoding (a point on the curve, in the prime-order subgroup, not the
        identity) and the pairing equation. Cost: about a second (pure-Python pairings).
        """
        if self.chained and not previous_signature:
            return "this chain's beacons sign the previous signature too: it is missing"
        try:
            key = bytes.fromhex(self.public_key)
            if self.scheme == "bls-unchained-g1-rfc9380":
                point = _g1(signature)
                group = _g2(key)
                hashed = hash_to_G1(self.message(round_), _DST_G1, _SHA256)
                product = pairing(G2, point, False) * pairing(neg(group), hashed, False)
            else:
                point2 = _g2(signature)
                group1 = _g1(key)
                hashed2 = hash_to_G2(self.message(round_, previous_signature), _DST_G2, _SHA256)
                product = pairing(point2, G1, False) * pairing(hashed2, neg(group1), False)
        except ValueError as error:
            return f"the beacon's signature is not a valid point: {error}"
        if final_exponentiate(product) != FQ12.one():
            return (
                f"the beacon's signature does not verify under drand {self.name}'s public key "
                f"for round {round_}: it is not that round's beacon"
            )
        return None


def _g1(data: bytes) -> Any:
    if len(data) != 48:
        raise ValueError(f"a G1 point is 48 bytes, not {len(data)}")
    point = decompress_G1(G1Compressed(int.from_bytes(data, "big")))
    return _in_subgroup(point)


def _g2(data: bytes) -> Any:
    if len(data) != 96:
        raise ValueError(f"a G2 point is 96 bytes, not {len(data)}")
    point = decompress_G2(
        G2Compressed((int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big")))
    )
    return _in_subgroup(point)


def _in_subgroup(point: Any) -> Any:
    if is_inf(point):
        raise ValueError("the point at infinity")
    if not is_inf(multiply(point, curve_order)):
        raise ValueError("not in the prime-order subgroup")
    return point


def load_chains(text: str | None = None) -> dict[str, DrandChain]:
    """The chains in ``drand_chains.json`` (or in ``text``, the same shape)."""
    if text is None:
        text = (
            resources.files("assembly.sortition")
            .joinpath("drand_chains.json")
            .read_text(encoding="utf-8")
        )
    data = json.loads(text)
    return {
        name: DrandChain(
            name=name,
            chain_hash=str(info["chain_hash"]),
            public_key=str(info["public_key"]),
            genesis=int(info["genesis_time"]),
            period=int(info["period"]),
            scheme=str(info["scheme"]),
        )
        for name, info in data.items()
        if not name.startswith("_")
    }


DRAND_CHAINS: dict[str, DrandChain] = load_chains()
"""The chains a sortition may name; ``quicknet`` is the default."""
