"""A sortition's published record, its seed, and the offline check ``plenary verify-draw`` runs.

Pure (standard library, ``tally`` and ``py_ecc`` for the beacon's signature), so an auditor
runs it without the service.

The commitment: the pool (tickets and features), seats, quotas and method by their digest
(``DrawInputs.digest()``, hex), the per-volunteer commitments binding each ticket to a member
(``assembly.sortition.entries``) by theirs, and the drand round whose beacon will seed the draw,
are logged at ``committed_at``, which must be before that round is due
(``genesis + (round - 1) × period`` of the chain shipped in ``drand_chains.json``). The beacon
must then be the named round's on the named chain: its BLS signature verifies under the chain's
public key by the chain's scheme (``assembly.sortition.drand``) and its ``randomness`` is
SHA-256 of the signature. The draw is made at ``drawn_at``, not before the round is due.
Nothing typed in by the organiser at draw time enters the seed.

A ``maximin`` draw also commits to its **portfolio** (``tally.sortition_portfolio``): the
lottery over panels, and so every volunteer's chance, fixed and published before the
randomness; the draw is that lottery, and the record carries it for anyone to re-check.

``seed = SHA-256("plenary sortition seed v2" || 0x0A || inputs digest || 0x0A || entries
digest || 0x0A || portfolio digest, or "none" without one || 0x0A || the beacon's randomness
(32 bytes))``, the digests as 64 hex digits in ASCII: 32 bytes that drive ``tally.lot.Lot``
in ``tally.sortition``.

The record (``RECORD_FORMAT``) holds the inputs, the commitment (with every ticket's
commitment), the beacon, the seed, the ``tally`` result and the panel's tickets with their
membership numbers and salts (the panel is a public result; the rest of the pool is known by
ticket only). ``verify_record`` checks all of it and re-runs the draw with
``tally.sortition.verify_draw``; ``entry_check`` is a volunteer's check of their own entry.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assembly.sortition.drand import DRAND_CHAINS
from assembly.sortition.entries import entries_digest, entry_commitment, entry_problems
from tally.sortition import DrawInputs, DrawResult, Method, Portfolio, verify_draw

__all__ = [
    "RECORD_FORMAT",
    "beacon_problems",
    "derive_seed",
    "entry_check",
    "run",
    "timing_problems",
    "verify_record",
]

RECORD_FORMAT = "plenary-sortition-record/2"
_SEED_DOMAIN = b"plenary sortition seed v2"


def derive_seed(
    inputs_digest: str, entries: str, randomness: bytes, portfolio: str | None = None
) -> bytes:
    """The draw's seed from the committed inputs, entries and portfolio digests (hex) and the
    beacon's randomness."""
    return hashlib.sha256(
        _SEED_DOMAIN
        + b"\n"
        + inputs_digest.encode("ascii")
        + b"\n"
        + entries.encode("ascii")
        + b"\n"
        + (portfolio or "none").encode("ascii")
        + b"\n"
        + randomness
    ).digest()


def _hex(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not hex text")
    return bytes.fromhex(value)


def beacon_problems(source: Mapping[str, Any], randomness: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``randomness`` as the beacon of the committed ``source``; empty if
    nothing. Checks the chain, the round, randomness = SHA-256(signature) and the BLS signature
    under the chain's shipped public key. Cost: one signature check (about a second)."""
    if source.get("kind") != "drand" or randomness.get("kind") != "drand":
        return [
            "the draw was not seeded by a drand beacon named in advance "
            f"(the commitment names {source.get('kind')!r}, the randomness is "
            f"{randomness.get('kind')!r}); a value typed in by the organiser cannot be checked"
        ]
    chain = DRAND_CHAINS.get(str(source.get("chain")))
    if chain is None:
        return [f"the commitment names drand chain {source.get('chain')!r}, which is not known"]
    problems = []
    if source.get("chain_hash") != chain.chain_hash:
        problems.append(
            f"the commitment gives chain hash {source.get('chain_hash')} for drand "
            f"{chain.name}, whose hash is {chain.chain_hash}"
        )
    if randomness.get("chain") != chain.name:
        problems.append(
            f"the beacon is from chain {randomness.get('chain')}, the commitment named {chain.name}"
        )
    round_ = randomness.get("round")
    if round_ != source.get("round") or not isinstance(round_, int):
        problems.append(
            f"the beacon is round {round_}, the commitment named round {source.get('round')}"
        )
        return problems
    try:
        signature = _hex(randomness.get("signature"))
        value = _hex(randomness.get("randomness"))
        previous = _hex(randomness.get("previous_signature") or "")
    except ValueError:
        return [*problems, "the beacon's signature and randomness must be hex"]
    if hashlib.sha256(signature).digest() != value:
        problems.append("the beacon's randomness is not SHA-256 of its signature")
    wrong = chain.signature_problem(round_, signature, previous)
    if wrong:
        problems.append(wrong)
    return problems


def _moment(text: Any) -> dt.datetime:
    if not isinstance(text, str):
        raise ValueError(f"not a moment: {text!r}")
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text} has no time zone")
    return moment


def timing_problems(
    source: Mapping[str, Any], committed_at: Any, drawn_at: Any | None = None
) -> list[str]:
    """Whether the named round was still to come when the pool was committed, and (given
    ``drawn_at``) due when the draw was made; empty when both hold. Due times are computed from
    the shipped chain's genesis and period, not read from the record."""
    chain = DRAND_CHAINS.get(str(source.get("chain")))
    round_ = source.get("round")
    if chain is None or not isinstance(round_, int):
        return ["the commitment names no drand round on a known chain"]
    due = dt.datetime.fromtimestamp(chain.due(round_), dt.UTC)
    try:
        committed = _moment(committed_at)
        drawn = None if drawn_at is None else _moment(drawn_at)
    except ValueError as error:
        return [f"the record's times cannot be read: {error}"]
    problems = []
    if committed >= due:
        problems.append(
            f"the pool was committed at {committed_at}, after drand {chain.name} round "
            f"{round_} was published ({due.isoformat().replace('+00:00', 'Z')}): the "
            "randomness could have been known"
        )
    if drawn is not None and drawn < due:
        problems.append(
            f"the draw is dated {drawn_at}, before drand {chain.name} round {round_} was due "
            f"({due.isoformat().replace('+00:00', 'Z')})"
        )
    return problems


def verify_record(record: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a published sortition record; empty when it checks out.

    Checks that the inputs have the committed digest; that every ticket has one commitment and
    the panel's open to the numbers listed (``entry_problems``), under the committed entries
    digest; the timing (``timing_problems``); the beacon (``beacon_problems``); that the seed
    follows from the commitment and the beacon; then re-runs the draw
    (``tally.sortition.verify_draw``: panel, order, every draw, quotas; for ``maximin`` the
    portfolio's soundness, its committed digest and its lottery) and checks that the listed
    panel is the drawn one. Cost: one signature check and one draw.
    """
    if record.get("format") != RECORD_FORMAT:
        return [f"not a sortition record in format {RECORD_FORMAT}"]
    try:
        inputs = DrawInputs.from_dict(record["inputs"])
        commitment = record["commitment"]
        randomness = record["randomness"]
        if not isinstance(randomness, Mapping):
            return ["the record has no beacon: the sortition has not been drawn"]
        result = DrawResult.from_dict(record["result"])
        entries = list(commitment["entries"])
        panel = list(record["panel"])
        published = commitment.get("portfolio")
        portfolio = None if published is None else Portfolio.from_dict(published)
    except (KeyError, TypeError, ValueError) as error:
        return [f"the record is not well formed: {error}"]
    problems = []
    if inputs.method is Method.MAXIMIN and portfolio is None:
        return ["a maximin draw's record must carry the portfolio it committed to"]
    portfolio_digest = None if portfolio is None else portfolio.digest()
    if commitment.get("portfolio_digest") != portfolio_digest:
        problems.append(
            f"the portfolio has digest {portfolio_digest}, but the commitment logged before "
            f"the draw was {commitment.get('portfolio_digest')}"
        )
    digest = inputs.digest()
    if commitment.get("inputs_digest") != digest:
        problems.append(
            f"the pool, seats, quotas and method have digest {digest}, but the commitment "
            f"logged before the draw was {commitment.get('inputs_digest')}"
        )
    bound = entries_digest(entries)
    if commitment.get("entries_digest") != bound:
        problems.append(
            f"the volunteers' commitments have digest {bound}, but the commitment logged "
            f"before the draw was {commitment.get('entries_digest')}"
        )
    problems += entry_problems(entries, (m.id for m in inputs.pool), panel)
    source = commitment.get("source") or {}
    problems += timing_problems(source, commitment.get("committed_at"), record.get("drawn_at"))
    problems += beacon_problems(source, randomness)
    try:
        seed = derive_seed(
            str(commitment.get("inputs_digest")),
            str(commitment.get("entries_digest")),
            _hex(randomness.get("randomness")),
            commitment.get("portfolio_digest"),
        )
    except ValueError as error:
        return [*problems, f"the randomness cannot be read: {error}"]
    if record.get("seed_hex") != seed.hex() or result.seed != seed:
        problems.append(
            f"the seed should be {seed.hex()} (from the commitment and the beacon), "
            f"the record says {record.get('seed_hex')}"
        )
    problems += verify_draw(inputs, result, portfolio)
    listed = [p.get("ticket") for p in panel]
    if listed != list(result.panel):
        problems.append("the panel listed is not the panel drawn")
    return problems


def entry_check(record: Mapping[str, Any], ticket: str, salt: str, number: str) -> list[str]:
    """A volunteer's check that the pool committed their ticket to their membership number
    (with the salt from their receipt); empty when it holds. Works on a committed record
    before the draw too."""
    try:
        entries = {str(e["ticket"]): str(e["commitment"]) for e in record["commitment"]["entries"]}
        pool = {str(m["id"]) for m in record["inputs"]["pool"]}
    except (KeyError, TypeError) as error:
        return [f"the record is not well formed: {error}"]
    if ticket not in pool:
        return [f"ticket {ticket} is not in the committed pool"]
    if entries.get(ticket) != entry_commitment(salt.lower(), number, ticket):
        return [f"ticket {ticket} is not committed to member {number} with that salt"]
    return []


def run(
    path: Path,
    out: Any = None,
    *,
    ticket: str | None = None,
    salt: str | None = None,
    member: str | None = None,
) -> int:
    """``plenary verify-draw FILE [--ticket T --salt S --member NUMBER]``: print the verdict;
    0 when the draw (and the volunteer's entry, when given) checks out, 1 when it does not, 2
    when the file cannot be read or the entry's details are incomplete."""
    stream = out or sys.stdout
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 2
    if not isinstance(record, dict):
        print(f"{path} is not a sortition record", file=sys.stderr)
        return 2
    own = (ticket, salt, member)
    if any(own) and not all(own):
        print("to check your entry give --ticket, --salt and --member together", file=sys.stderr)
        return 2
    problems = []
    if ticket and salt and member:
        problems += entry_check(record, ticket, salt, member)
        if not problems:
            print(f"OK: ticket {ticket} is committed to member {member}", file=stream)
    drawn = isinstance(record.get("randomness"), Mapping)
    if drawn or not any(own):
        problems += verify_record(record)
    if problems:
        print(f"FAILED: {path}", file=stream)
        for problem in problems:
            print(f"  - {problem}", file=stream)
        return 1
    if not drawn:
        print("the sortition has not been drawn yet", file=stream)
        return 0
    panel = ", ".join(str(p.get("membership_number")) for p in record["panel"])
    source = record["commitment"]["source"]
    published = record["commitment"].get("portfolio")
    if published is not None:
        portfolio = Portfolio.from_dict(published)
        chances = portfolio.cell_chances()
        print(
            f"{record['inputs']['method']}: a lottery over {portfolio.panels} panels "
            f"({len(portfolio.profiles)} kinds); every volunteer's chance of a seat is between "
            f"{min(chances)} ({float(min(chances)):.4f}) and {max(chances)} "
            f"({float(max(chances)):.4f}); profile {record['result'].get('profile')} was drawn",
            file=stream,
        )
    print(
        f"OK: {record['result']['seats']} seats drawn from {len(record['inputs']['pool'])} "
        f"in the pool with seed {record['seed_hex']}; drand {source['chain']} round "
        f"{source['round']} named before it was due, its signature verified; every ticket "
        f"bound to its member; every quota holds; panel: {panel}",
        file=stream,
    )
    return 0
