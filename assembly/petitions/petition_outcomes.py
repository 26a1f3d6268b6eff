"""How a recall petition ends: the threshold reached (a recall contest opens), the window
ended short (it fails), and the recall contest's published result applied.

Both endings commit to the standing signatures' receipts by a Merkle root, as a contest's box
is (``voting.box``), so each signer can check that their signature was counted while nobody
else learns who signed. Every step is logged with ids, digests and counts only. See
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.offices import load_office, vacate_office
from assembly.petitions.recall_models import PetitionSignature, RecallPetition
from assembly.petitions.recall_rules import RecallRules, majority_in
from audit.store import append_event
from roll.members import place_of
from schemas.contests import ContestCreate
from schemas.moments import utc_text
from schemas.problems import DomainError
from voting.box import receipts_root
from voting.lifecycle import create_contest, load_contest, open_contest

__all__ = ["apply_recall_result", "fail_petition", "log_petition", "open_recall"]


async def log_petition(
    session: AsyncSession,
    petition: RecallPetition,
    type: str,
    actor: str,
    *,
    subjects: dict[str, str] | None = None,
    digests: dict[str, str] | None = None,
    facts: dict[str, str | int | bool | None] | None = None,
) -> None:
    """Append ``type`` about the petition and its office, keeping the index on the petition.
    Cost: one log append."""
    index = await append_event(
        session,
        type,
        actor=actor,
        subjects={
            "petition": str(petition.id),
            "office": str(petition.office_id),
            **(subjects or {}),
        },
        digests=digests,
        facts=facts,
    )
    petition.log_indexes = [*petition.log_indexes, index]


async def _commit_receipts(session: AsyncSession, petition: RecallPetition) -> str:
    hashes = sorted(
        bytes(h)
        for h in (
            await session.scalars(
                select(PetitionSignature.receipt_hash).where(
                    PetitionSignature.petition_id == petition.id
                )
            )
        ).all()
    )
    if len(hashes) != petition.signatures:
        raise DomainError(
            f"the petition's count ({petition.signatures}) does not match its signatures "
            f"({len(hashes)}); it was left as it was",
            status=500,
            title="Petition integrity check failed",
        )
    petition.receipts_root = receipts_root(hashes).hex()
    petition.signatures_logged = petition.signatures  # the closing entry carries the count
    petition.pending_since = None
    return petition.receipts_root


def _recall_title(who: str, office: str) -> str:
    """The question on the recall ballot, naming the person and the office (office holders
    are public); the office's title is cut, never the person's name."""
    head = f"Recall {who} from the office of "
    return head + office[: max(1, 300 - len(head))]


async def open_recall(session: AsyncSession, petition: RecallPetition, moment: dt.datetime) -> None:
    """The threshold is reached: commit to the receipts, close the petition and open the
    recall contest of the constituency. Caller commits. Cost: one contest opened."""
    root = await _commit_receipts(session, petition)
    petition.state = "succeeded"
    petition.closed_at = moment
    await log_petition(
        session,
        petition,
        "petition.threshold_reached",
        "system",
        digests={"receipts_root": "sha256:" + root},
        facts={"signatures": petition.signatures, "threshold": petition.threshold},
    )
    office = await load_office(session, petition.office_id)
    rules = RecallRules.from_dict(petition.rules)
    holder = await place_of(session, petition.holder_member_id)
    who = f"{holder.name} ({holder.membership_number})" if holder else "the holder"
    body = ContestCreate(
        title=_recall_title(who, office.title),
        kind="recall",
        scope=petition.scope,
        secret=True,
        majority=majority_in(rules.majority.to_dict()),
        closes_at=moment + dt.timedelta(days=rules.ballot_days),
    )
    contest = await create_contest(session, body, created_by="system")
    await open_contest(session, contest.id, actor="system")
    petition.contest_id = contest.id
    await log_petition(
        session, petition, "petition.recall_opened", "system", subjects={"contest": str(contest.id)}
    )


async def fail_petition(session: AsyncSession, petition: RecallPetition) -> None:
    """The window ended short: commit to the receipts and close the petition as failed."""
    root = await _commit_receipts(session, petition)
    petition.state = "failed"
    petition.closed_at = petition.closes_at
    await log_petition(
        session,
        petition,
        "petition.failed",
        "system",
        digests={"receipts_root": "sha256:" + root},
        facts={
            "signatures": petition.signatures,
            "threshold": petition.threshold,
            "due": utc_text(petition.closes_at),
        },
    )


async def apply_recall_result(
    session: AsyncSession, petition: RecallPetition, moment: dt.datetime
) -> None:
    """Apply the recall contest's result once published: a recall carried vacates the office
    (and may open a by-election); otherwise the holder is retained. Caller commits."""
    if petition.contest_id is None:
        raise DomainError(f"petition {petition.id} has no recall contest to apply", status=409)
    contest = await load_contest(session, petition.contest_id)
    if contest.state != "published" or contest.result is None:
        return
    outcome = str(contest.result.get("outcome"))
    subjects = {"contest": str(contest.id)}
    if outcome != "carried":
        petition.state = "retained"
        await log_petition(
            session,
            petition,
            "petition.retained",
            "system",
            subjects=subjects,
            facts={"outcome": outcome},
        )
        return
    office = await load_office(session, petition.office_id, lock=True)
    by_election = await vacate_office(session, office, petition_id=petition.id, at=moment)
    petition.state = "recalled"
    petition.by_election_id = by_election.id if by_election else None
    if by_election is not None:
        subjects["election"] = str(by_election.id)
    await log_petition(
        session,
        petition,
        "petition.recalled",
        "system",
        subjects=subjects,
        facts={"outcome": outcome, "by_election": by_election is not None},
    )
