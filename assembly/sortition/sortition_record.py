"""A sortition's published record, its seed, and the offline check ``plenary verify-draw`` runs.

Pure (standard library and ``tally`` only), so an auditor runs it without the service.

The seed: the pool, seats, quotas and method are committed by their digest (``DrawInputs.
digest()``, hex) together with the named source of randomness, and logged, before the
randomness exists. The randomness is then

- ``drand``: the beacon of the round named in advance on the named chain; its ``randomness``
  must be SHA-256 of its ``signature`` (the rule of every drand scheme), and the round must be
  the one named. Rounds are due at ``genesis + (round - 1) × period`` (``DRAND_CHAINS``), and a
  commitment must name a round due after it. The BLS signature itself is not checked here (no
  pairing library); check it with any drand client against the chain's public key;
- ``public_value``: a value agreed in public (a dice roll witnessed at a meeting), entered by
  the organiser and logged before the draw; its bytes are its UTF-8 encoding.

``seed = SHA-256("plenary sortition seed v1" || 0x0A || inputs digest (64 hex digits, ASCII)
|| 0x0A || randomness bytes)``: 32 bytes that drive ``tally.lot.Lot`` in ``tally.sortition``.

The record (``RECORD_FORMAT``) holds the inputs, the commitment, the randomness, the seed, the
``tally`` result and the panel's tickets with their membership numbers (the panel is a public
result; the rest of the pool is known by ticket only). ``verify_record`` re-derives the digest
and the seed, re-runs the draw with ``tally.sortition.verify_draw`` and checks the quotas.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tally.sortition import DrawInputs, DrawResult, verify_draw

__all__ = [
    "DRAND_CHAINS",
    "RECORD_FORMAT",
    "DrandChain",
    "beacon_problems",
    "derive_seed",
    "randomness_bytes",
    "run",
    "verify_record",
]

RECORD_FORMAT = "plenary-sortition-record/1"
_SEED_DOMAIN = b"plenary sortition seed v1"


@dataclass(frozen=True, slots=True)
class DrandChain:
    """A drand chain: its hash, when round 1 was due (Unix seconds) and the seconds between."""

    chain_hash: str
    genesis: int
    period: int

    def due(self, round_: int) -> int:
        """When ``round_`` is published (Unix seconds)."""
        return self.genesis + (round_ - 1) * self.period

    def round_at(self, unix: float) -> int:
        """The latest round published at ``unix`` (0 before genesis)."""
        if unix < self.genesis:
            return 0
        return int((unix - self.genesis) // self.period) + 1


DRAND_CHAINS: dict[str, DrandChain] = {
    "quicknet": DrandChain(
        "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971", 1692803367, 3
    ),
    "default": DrandChain(
        "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce", 1595431050, 30
    ),
}


def derive_seed(inputs_digest: str, randomness: bytes) -> bytes:
    """The draw's seed from the committed inputs digest (hex) and the randomness bytes."""
    return hashlib.sha256(
        _SEED_DOMAIN + b"\n" + inputs_digest.encode("ascii") + b"\n" + randomness
    ).digest()


def randomness_bytes(randomness: Mapping[str, Any]) -> bytes:
    """The bytes a source contributes: a beacon's randomness, or the public value's UTF-8."""
    if randomness.get("kind") == "drand":
        return bytes.fromhex(str(randomness["randomness"]))
    if randomness.get("kind") == "public_value":
        return str(randomness["value"]).encode("utf-8")
    raise ValueError(f"unknown kind of randomness {randomness.get('kind')!r}")


def beacon_problems(source: Mapping[str, Any], randomness: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``randomness`` as the value of the committed ``source``; empty if
    nothing. Cost: one SHA-256."""
    kind = source.get("kind")
    if randomness.get("kind") != kind:
        return [f"the commitment named {kind} randomness, not {randomness.get('kind')}"]
    if kind != "drand":
        value = randomness.get("value")
        return [] if isinstance(value, str) and value else ["the public value is empty"]
    problems = []
    if randomness.get("chain") != source.get("chain"):
        problems.append(
            f"the beacon is from chain {randomness.get('chain')}, "
            f"the commitment named {source.get('chain')}"
        )
    if randomness.get("round") != source.get("round"):
        problems.append(
            f"the beacon is round {randomness.get('round')}, "
            f"the commitment named round {source.get('round')}"
        )
    try:
        signature = bytes.fromhex(str(randomness.get("signature")))
        value = bytes.fromhex(str(randomness.get("randomness")))
    except ValueError:
        return [*problems, "the beacon's signature and randomness must be hex"]
    if hashlib.sha256(signature).digest() != value:
        problems.append("the beacon's randomness is not SHA-256 of its signature")
    return problems


def verify_record(record: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a published sortition record; empty when it checks out.

    Checks that the inputs have the committed digest, that the randomness is the committed
    source's (``beacon_problems``), that the seed follows from both, and re-runs the draw
    (``tally.sortition.verify_draw``: panel, order, every draw, quotas), then that the listed
    panel is the drawn one. Cost: one draw.
    """
    if record.get("format") != RECORD_FORMAT:
        return [f"not a sortition record in format {RECORD_FORMAT}"]
    try:
        inputs = DrawInputs.from_dict(record["inputs"])
        result = DrawResult.from_dict(record["result"])
        commitment = record["commitment"]
        randomness = record["randomness"]
    except (KeyError, TypeError, ValueError) as error:
        return [f"the record is not well formed: {error}"]
    problems = []
    digest = inputs.digest()
    if commitment.get("inputs_digest") != digest:
        problems.append(
            f"the pool, seats, quotas and method have digest {digest}, but the commitment "
            f"logged before the draw was {commitment.get('inputs_digest')}"
        )
    problems += beacon_problems(commitment.get("source", {}), randomness)
    try:
        seed = derive_seed(str(commitment.get("inputs_digest")), randomness_bytes(randomness))
    except (KeyError, ValueError) as error:
        return [*problems, f"the randomness cannot be read: {error}"]
    if record.get("seed_hex") != seed.hex() or result.seed != seed:
        problems.append(
            f"the seed should be {seed.hex()} (from the commitment and the randomness), "
            f"the record says {record.get('seed_hex')}"
        )
    problems += verify_draw(inputs, result)
    listed = [p.get("ticket") for p in record.get("panel", [])]
    if listed != list(result.panel):
        problems.append("the panel listed is not the panel drawn")
    return problems


def run(path: Path, out: Any = None) -> int:
    """``plenary verify-draw FILE``: print the verdict; 0 when the draw checks out, 1 when it
    does not, 2 when the file cannot be read."""
    stream = out or sys.stdout
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 2
    if not isinstance(record, dict):
        print(f"{path} is not a sortition record", file=sys.stderr)
        return 2
    problems = verify_record(record)
    if problems:
        print(f"FAILED: {path}", file=stream)
        for problem in problems:
            print(f"  - {problem}", file=stream)
        return 1
    panel = ", ".join(str(p.get("membership_number")) for p in record["panel"])
    print(
        f"OK: {record['result']['seats']} seats drawn from {len(record['inputs']['pool'])} "
        f"in the pool with seed {record['seed_hex']}; every quota holds; panel: {panel}",
        file=stream,
    )
    return 0
