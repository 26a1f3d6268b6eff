"""A mixed workload of members' actions over HTTP, a ledger of what was acknowledged, and the
checks that nothing acknowledged is missing and nothing half done is visible.

Members cast a vote in an open motion contest, sign a recall petition, submit motions to a
conference and second each other's motions, concurrently, against one or several service
processes. Every 2xx goes into the :class:`Ledger` as acknowledged; a request whose answer never
came (the service was killed) is recorded as unknown and tried again later, when the member
learns what happened (201: it was lost before its commit; 409: it had been kept).

:func:`check_database` reads the database directly (no service needed) and asserts, for the
issue's "nothing half done": ballots = receipts = voters; a petition's count = its signatures
(the log counts them per interval, with no entry per signature); each motion has one
``motion.submitted`` entry and as many ``motion.seconded`` entries as seconders; the log's
head = its entries.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text

from service.database import session_for
from tests.assembly.conftest import log_entries
from tests.faults.fleet import Auth
from tests.voting.test_durability import _box

__all__ = ["CHAIR", "Ledger", "Setting", "Workload", "check_database", "roll", "set_up"]

CHAIR = "K0000"
SIGNERS = 200  # members K0001..K0200 may sign; the threshold (99/100) is never reached


def roll(members: int) -> str:
    """A roll of ``members`` active members in two branches of one region."""
    rows = "".join(
        f"K{n:04d},Member {n},k{n}@x.org,{('leeds', 'york')[n % 2]},YHU,active\n"
        for n in range(members)
    )
    return "membership_number,name,email,branch,region,status\n" + rows


def choice_of(member: str) -> str:
    """The member's vote: the same every time they try."""
    return ("for", "against", "abstain")[int(member[1:]) % 3]


@dataclass(frozen=True)
class Setting:
    """What the workload acts on: an open contest, a conference taking motions, a petition."""

    contest: str
    assembly: str
    petition: str
    members: int


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], body: Any = None
) -> Any:
    r = await client.request(method, f"/api/v1{path}", json=body, headers=headers)
    assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


async def set_up(client: httpx.AsyncClient, auth: Auth, members: int) -> Setting:
    """Import the roll, open a motion contest, open a conference for motions, start a petition."""
    admin, ro = auth("ADMIN1", "admin"), auth("RO1", "returning_officer")
    r = await client.post(
        "/api/v1/members/import",
        content=roll(members).encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    contest = await _call(client, "POST", "/contests", ro, {"title": "Kept", "kind": "motion"})
    await _call(client, "POST", f"/contests/{contest['id']}/open", ro)
    assembly = await _call(
        client, "POST", "/assemblies", admin, {"title": "Conference", "kind": "conference"}
    )
    await _call(client, "POST", f"/assemblies/{assembly['id']}/chairs", admin, {"subject": CHAIR})
    await _call(
        client, "POST", f"/assemblies/{assembly['id']}/state", auth(CHAIR), {"to": "motions_open"}
    )
    office = await _call(
        client,
        "POST",
        "/offices",
        admin,
        {
            "title": "Chair of the executive",
            "kind": "executive",
            "scope": "national",
            "holder": CHAIR,
            "recall_rules": {"threshold": {"kind": "fraction_of_electorate", "value": "99/100"}},
        },
    )
    petition = await _call(
        client, "POST", f"/offices/{office['id']}/petitions", auth("K0001"), {"reason": "Absent."}
    )
    return Setting(contest["id"], assembly["id"], petition["id"], members)


@dataclass
class Ledger:
    """What members were told (acknowledged) and what they never heard back about (unknown)."""

    votes: dict[str, str] = field(default_factory=dict)  # member → receipt hash
    signatures: dict[str, str] = field(default_factory=dict)  # member → receipt hash
    motions: dict[str, str] = field(default_factory=dict)  # motion id → proposer
    seconders: set[tuple[str, str]] = field(default_factory=set)  # (motion id, member)
    unknown_votes: set[str] = field(default_factory=set)
    unknown_signatures: set[str] = field(default_factory=set)
    unknown_motions: int = 0
    unknown_seconders: set[tuple[str, str]] = field(default_factory=set)
    # Unknown, and not yet tried again.
    pending: list[tuple[str, str | tuple[str, str]]] = field(default_factory=list)

    def acknowledged(self) -> int:
        """How many actions were acknowledged so far."""
        return len(self.votes) + len(self.signatures) + len(self.motions) + len(self.seconders)


class Workload:
    """Members acting concurrently; ``url()`` picks the service process for each request."""

    def __init__(self, setting: Setting, auth: Auth, url: Callable[[], str], seed: int) -> None:
        self.setting, self.auth, self.url = setting, auth, url
        self.ledger = Ledger()
        self._rng = random.Random(seed)
        members = [f"K{n:04d}" for n in range(1, setting.members)]
        self._voters = self._rng.sample(members, len(members))
        self._signers = self._rng.sample(members[:SIGNERS], SIGNERS)
        self._seconding: set[tuple[str, str]] = set()

    def _next_second(self) -> tuple[str, str] | None:
        if not self.ledger.motions:
            return None
        motion = self._rng.choice(sorted(self.ledger.motions))
        member = f"K{self._rng.randrange(1, self.setting.members):04d}"
        if member == self.ledger.motions[motion] or (motion, member) in self._seconding:
            return None
        self._seconding.add((motion, member))
        return motion, member

    async def _one(self, client: httpx.AsyncClient) -> bool:
        """Take one action; True while there is more to do (always: see the end)."""
        s, ledger = self.setting, self.ledger
        pick = self._rng.random()
        if pick < 0.5 and self._voters:
            member = self._voters.pop()
            try:
                r = await client.post(
                    f"{self.url()}/api/v1/contests/{s.contest}/ballots",
                    json={"choice": choice_of(member)},
                    headers=self.auth(member),
                )
            except httpx.TransportError:
                ledger.unknown_votes.add(member)
                ledger.pending.append(("vote", member))
                raise
            assert r.status_code == 201, r.text
            ledger.votes[member] = r.json()["receipt_hash"]
        elif pick < 0.75 and self._signers:
            member = self._signers.pop()
            try:
                r = await client.post(
                    f"{self.url()}/api/v1/petitions/{s.petition}/signatures",
                    headers=self.auth(member),
                )
            except httpx.TransportError:
                ledger.unknown_signatures.add(member)
                ledger.pending.append(("signature", member))
                raise
            assert r.status_code == 201, r.text
            ledger.signatures[member] = r.json()["receipt_hash"]
        elif pick < 0.85:
            member = f"K{self._rng.randrange(1, s.members):04d}"
            body = {"title": f"Motion by {member}", "category": "policy", "paragraphs": ["We act."]}
            try:
                r = await client.post(
                    f"{self.url()}/api/v1/assemblies/{s.assembly}/motions",
                    json=body,
                    headers=self.auth(member),
                )
            except httpx.TransportError:
                ledger.unknown_motions += 1
                raise
            assert r.status_code == 201, r.text
            ledger.motions[r.json()["id"]] = member
        elif (pair := self._next_second()) is not None:
            motion, member = pair
            try:
                r = await client.post(
                    f"{self.url()}/api/v1/motions/{motion}/seconders", headers=self.auth(member)
                )
            except httpx.TransportError:
                ledger.unknown_seconders.add(pair)
                ledger.pending.append(("seconding", pair))
                raise
            assert r.status_code == 201, r.text
            ledger.seconders.add(pair)
        # Motions and secondings never run out, so there is always work in flight when the
        # service is killed, however fast the machine got through the votes and signatures.
        return True

    async def run(self, concurrency: int, stop: asyncio.Event) -> bool:
        """Act with ``concurrency`` members at once until ``stop`` is set, there is nothing
        left to do, or the service stops answering; True when it stopped answering."""
        died = False

        async def member() -> None:
            nonlocal died
            while not stop.is_set() and not died:
                try:
                    if not await self._one(client):
                        return
                except httpx.TransportError:
                    died = True

        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(timeout=20, limits=limits) as client:
            await asyncio.gather(*(member() for _ in range(concurrency)))
        return died

    async def settle_unknown(self, client: httpx.AsyncClient, database_url: str) -> None:
        """Those who never heard back try again: 409 when their action had been kept, 201
        when it was lost with the service (then it is acknowledged now)."""
        s, ledger = self.setting, self.ledger
        kept = await _kept(database_url, s)
        for what, who in ledger.pending:
            if what == "vote":
                assert isinstance(who, str)
                r = await client.post(
                    f"{self.url()}/api/v1/contests/{s.contest}/ballots",
                    json={"choice": choice_of(who)},
                    headers=self.auth(who),
                )
                assert r.status_code == (409 if who in kept.voters else 201), r.text
                if r.status_code == 201:
                    ledger.votes[who] = r.json()["receipt_hash"]
            elif what == "signature":
                assert isinstance(who, str)
                r = await client.post(
                    f"{self.url()}/api/v1/petitions/{s.petition}/signatures",
                    headers=self.auth(who),
                )
                assert r.status_code == (409 if who in kept.signers else 201), r.text
                if r.status_code == 201:
                    ledger.signatures[who] = r.json()["receipt_hash"]
            else:
                assert isinstance(who, tuple)
                motion, member = who
                r = await client.post(
                    f"{self.url()}/api/v1/motions/{motion}/seconders", headers=self.auth(member)
                )
                assert r.status_code == (409 if who in kept.seconders else 201), r.text
                if r.status_code == 201:
                    ledger.seconders.add(who)
        # A motion whose answer never came is not submitted again (it would be a second
        # motion); the check allows for it having been kept.
        ledger.pending.clear()


@dataclass
class _Kept:
    """What the database holds, by membership number."""

    voters: set[str]
    signers: set[str]
    motions: dict[str, str]
    seconders: set[tuple[str, str]]


async def _kept(database_url: str, s: Setting) -> _Kept:
    async with session_for(database_url) as session:
        signers = {
            number
            for (number,) in await session.execute(
                text(
                    "SELECT m.membership_number FROM petition_signature p "
                    "JOIN member m ON m.id = p.member_id WHERE p.petition_id = :p"
                ),
                {"p": uuid.UUID(s.petition)},
            )
        }
        motions = {
            str(motion): number
            for motion, number in await session.execute(
                text(
                    "SELECT o.id, m.membership_number FROM motion o "
                    "JOIN member m ON m.id = o.proposer_member_id WHERE o.assembly_id = :a"
                ),
                {"a": uuid.UUID(s.assembly)},
            )
        }
        seconders = {
            (str(motion), number)
            for motion, number in await session.execute(
                text(
                    "SELECT s.motion_id, m.membership_number FROM motion_seconder s "
                    "JOIN member m ON m.id = s.member_id"
                )
            )
        }
    box = await _box(database_url, s.contest)
    return _Kept(box["voters"], signers, motions, seconders)


async def check_database(database_url: str, s: Setting, ledger: Ledger) -> None:
    """Every acknowledged action is in the database and nothing half done is visible.

    Cost: a few queries and one read of the whole log (fine for the few thousand entries a
    fault test writes).
    """
    kept = await _kept(database_url, s)
    # Acknowledged ⊆ kept ⊆ acknowledged ∪ unknown.
    assert set(ledger.votes) <= kept.voters <= set(ledger.votes) | ledger.unknown_votes
    assert (
        set(ledger.signatures) <= kept.signers <= set(ledger.signatures) | ledger.unknown_signatures
    )
    assert ledger.motions.items() <= kept.motions.items()
    assert len(kept.motions) <= len(ledger.motions) + ledger.unknown_motions
    ours = {pair for pair in kept.seconders if pair[0] in kept.motions}
    assert ledger.seconders <= ours <= ledger.seconders | ledger.unknown_seconders

    box = await _box(database_url, s.contest)
    assert box["ballots"] == len(box["receipts"]) == len(box["voters"])
    assert set(ledger.votes.values()) <= box["receipts"]

    entries = await log_entries(database_url)
    types = Counter(
        (e["type"], e["subjects"].get("petition") or e["subjects"].get("motion")) for e in entries
    )
    async with session_for(database_url) as session:
        counted = await session.scalar(
            text("SELECT signatures FROM recall_petition WHERE id = :p"),
            {"p": uuid.UUID(s.petition)},
        )
        head = await session.scalar(text("SELECT size FROM audit_head WHERE id = 1"))
        hashes = await session.scalar(text("SELECT count(*) FROM audit_hash"))
    # Signatures are counted in the log per interval, never one entry each.
    assert counted == len(kept.signers)
    assert types[("petition.signed", s.petition)] == 0
    for motion in kept.motions:
        assert types[("motion.submitted", motion)] == 1
        seconded = sum(1 for m, _ in kept.seconders if m == motion)
        assert types[("motion.seconded", motion)] == seconded
    assert head == len(entries)
    assert hashes == sum(len(entries) >> level for level in range(len(entries).bit_length()))
