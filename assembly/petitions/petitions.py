"""Recall petitions: started by a member of an office's constituency, signed once by members
of it (each with a receipt), withdrawn until the window closes, and decided by the threshold.

When a petition starts, its threshold is frozen from the office's recall rules and the
constituency's electorate (active members in the office's scope) at the current roll snapshot.
Reaching the threshold within the window closes the petition at once and opens a yes/no recall
contest of the same constituency under the rules' majority (``voting.lifecycle``); a window that
ends short closes it as failed. Either way the receipts are committed to by a Merkle root, as a
contest's box is (``voting.box``), so each signer can check that their signature was counted
while nobody else learns who signed. Once the recall contest's result is published, a recall
that was carried leaves the office vacant and, when the rules say so, opens a by-election
(``assembly.elections.offices``). Steps due by time are taken by the due work runner
(``service.due_work``) or before the next action on the petition (``touch_petition``); a read
writes nothing. Every step is logged with ids, digests and counts only; signatures are counted
in the log per interval, not one entry each, and nobody is shown who signed. See
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.offices import load_office
from assembly.petitions.petition_outcomes import (
    apply_recall_result,
    fail_petition,
    log_petition,
    open_recall,
)
from assembly.petitions.recall_models import PetitionSignature, RecallPetition
from assembly.petitions.recall_rules import RecallRules
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.eligibility import participant
from roll.lock import hold_roll
from roll.members import electorate_of, member_id_of
from roll.scope import Scope
from schemas.moments import now, utc_text
from schemas.petitions import PetitionCreate, PetitionReceipt
from schemas.problems import DomainError
from voting.box import new_receipt

__all__ = [
    "COUNT_INTERVAL",
    "PetitionNotFound",
    "PetitionStateError",
    "count_signatures",
    "electorate_of",
    "interval_end",
    "load_petition",
    "sign_petition",
    "start_petition",
    "touch_petition",
    "withdraw_signature",
]


class PetitionNotFound(DomainError):
    status = 404
    title = "No such petition"


class PetitionStateError(DomainError):
    """Not possible now: the message says the petition's state."""

    status = 409
    title = "Not possible in the petition's current state"


async def load_petition(
    session: AsyncSession, petition_id: uuid.UUID, *, lock: bool = False
) -> RecallPetition:
    """The petition, optionally locked; ``PetitionNotFound`` if there is none."""
    query = select(RecallPetition).where(RecallPetition.id == petition_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    petition = await session.scalar(query)
    if petition is None:
        raise PetitionNotFound(f"there is no petition {petition_id}")
    return petition


async def start_petition(
    session: AsyncSession,
    office_id: uuid.UUID,
    body: PetitionCreate,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> RecallPetition:
    """A member of the office's constituency starts a petition to recall its holder; the
    threshold is frozen from the electorate at the current roll snapshot. Caller commits.

    Errors: 409 a vacant office or one with a petition already running; 403 a member outside
    the constituency. Cost: one count over the constituency and a log append.
    """
    moment = at or now()
    office = await load_office(session, office_id, lock=True)
    if office.state != "held" or office.holder_member_id is None:
        raise PetitionStateError(f"office {office.id} is vacant: there is nobody to recall")
    running = await session.scalar(
        select(RecallPetition.id).where(
            RecallPetition.office_id == office.id,
            RecallPetition.state.in_(("open", "succeeded")),
        )
    )
    if running is not None:
        raise PetitionStateError(f"petition {running} against this office is still running")
    scope = Scope.parse(office.scope)
    member = await participant(session, subject, scope, "a recall petition for this office")
    rules = RecallRules.from_dict(office.recall_rules)
    snapshot = await hold_roll(session)
    if snapshot is None:
        raise PetitionStateError("there is no member roll yet: import one before a petition")
    electorate = await electorate_of(session, scope)
    petition = RecallPetition(
        id=uuid.uuid4(),
        office_id=office.id,
        holder_member_id=office.holder_member_id,
        scope=office.scope,
        reason=body.reason,
        reason_digest=digest_of(body.reason.encode()),
        rules=office.recall_rules,
        state="open",
        electorate_size=electorate,
        threshold=rules.threshold_for(electorate),
        roll_snapshot_id=snapshot.id,
        roll_digest=snapshot.digest,
        opened_at=moment,
        closes_at=moment + dt.timedelta(days=rules.window_days),
        signatures=0,
        started_by_member_id=member.member_id,
        log_indexes=[],
    )
    session.add(petition)
    await session.flush()
    await log_petition(
        session,
        petition,
        "petition.started",
        "member",
        digests={
            "reason": petition.reason_digest,
            "rules": digest_of(canonical_json(petition.rules)),
            "roll": "sha256:" + snapshot.digest,
        },
        facts={
            "scope": petition.scope,
            "electorate": electorate,
            "threshold": petition.threshold,
            "closes_at": utc_text(petition.closes_at),
        },
    )
    return petition


COUNT_INTERVAL: Final = dt.timedelta(hours=1)
"""How often the log counts a petition's signatures: one ``petition.signatures_counted`` entry
per interval in which the count changed, never one per signature."""


def interval_end(moment: dt.datetime) -> dt.datetime:
    """The start of the counting interval ``moment`` falls in (the end of the one before),
    intervals counted from the Unix epoch."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return epoch + ((moment - epoch) // COUNT_INTERVAL) * COUNT_INTERVAL


def _count_due(petition: RecallPetition, moment: dt.datetime) -> bool:
    return (
        petition.state == "open"
        and petition.signatures != petition.signatures_logged
        and petition.pending_since is not None
        and interval_end(moment) > petition.pending_since
    )


def _changing(petition: RecallPetition, moment: dt.datetime) -> None:
    """Before a signature is added or withdrawn: the first change since the last count marks
    the interval it fell in (the interval only, never the moment)."""
    if petition.signatures == petition.signatures_logged:
        petition.pending_since = interval_end(moment)


def _due(petition: RecallPetition, moment: dt.datetime) -> bool:
    return (
        (petition.state == "open" and petition.closes_at <= moment)
        or (petition.state == "succeeded" and petition.contest_id is not None)
        or _count_due(petition, moment)
    )


async def count_signatures(
    session: AsyncSession, petition: RecallPetition, moment: dt.datetime
) -> None:
    """Log the standing count once the interval of the first change since the last count has
    ended (``petition.signatures_counted`` by ``system``: the count, the threshold, and the
    intervals it covers, ``since`` to ``until``). Signing and withdrawing write nothing to the
    log, so it shows how the count moved per interval and never when one member signed.
    Caller commits."""
    since = petition.pending_since
    petition.signatures_logged = petition.signatures
    petition.pending_since = None
    await log_petition(
        session,
        petition,
        "petition.signatures_counted",
        "system",
        facts={
            "signatures": petition.signatures,
            "threshold": petition.threshold,
            "since": None if since is None else utc_text(since),
            "until": utc_text(interval_end(moment)),
        },
    )


async def touch_petition(
    session: AsyncSession,
    petition_id: uuid.UUID,
    *,
    at: dt.datetime | None = None,
    lock: bool = False,
) -> RecallPetition:
    """The petition, after the step that is due at ``at``: a window that ended short fails it;
    a published recall result is applied (see the module docstring); a count that changed in an
    interval that has ended is logged (:func:`count_signatures`). Each is logged by
    ``system``. Caller commits. Cost: one read; when due, a locking read and the step."""
    moment = at or now()
    petition = await load_petition(session, petition_id, lock=lock)
    if not _due(petition, moment):
        return petition
    if not lock:
        petition = await load_petition(session, petition_id, lock=True)
    if petition.state == "open" and petition.closes_at <= moment:
        await fail_petition(session, petition)
    elif petition.state == "succeeded":
        await apply_recall_result(session, petition, moment)
    elif _count_due(petition, moment):
        await count_signatures(session, petition, moment)
    return petition


async def sign_petition(
    session: AsyncSession,
    petition_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> PetitionReceipt:
    """A member of the constituency signs, once; they get a receipt. Nothing is logged for one
    signature (the log counts them per interval: :func:`count_signatures`). Reaching the
    threshold opens the recall contest in the same transaction. Caller commits.

    Errors: 409 not open or already signed; 403 outside the constituency. Cost: one insert
    (and, at the threshold, a contest opened).
    """
    moment = at or now()
    petition = await touch_petition(session, petition_id, at=moment, lock=True)
    if petition.state != "open":
        raise PetitionStateError(f"this petition is {petition.state}; it cannot be signed")
    member = await participant(session, subject, Scope.parse(petition.scope), "signing it")
    token, receipt_hash = new_receipt(petition.id)
    added = await session.execute(
        insert(PetitionSignature)
        .values(petition_id=petition.id, member_id=member.member_id, receipt_hash=receipt_hash)
        .on_conflict_do_nothing(index_elements=["petition_id", "member_id"])
        .returning(PetitionSignature.member_id)
    )
    if added.first() is None:
        raise PetitionStateError("you have already signed this petition")
    _changing(petition, moment)
    petition.signatures += 1
    if petition.signatures >= petition.threshold:
        await open_recall(session, petition, moment)
    return PetitionReceipt(
        petition=str(petition.id),
        receipt=token,
        receipt_hash=receipt_hash.hex(),
        check=f"/api/v1/petitions/{petition.id}/receipts/{receipt_hash.hex()}",
    )


async def withdraw_signature(
    session: AsyncSession,
    petition_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> RecallPetition:
    """A signer withdraws their signature while the petition is open (its receipt then no
    longer counts). Caller commits. Errors: 409 closed; 404 no signature of theirs."""
    moment = at or now()
    petition = await touch_petition(session, petition_id, at=moment, lock=True)
    if petition.state != "open":
        raise PetitionStateError(f"this petition is {petition.state}; signatures are final")
    member_id = await member_id_of(session, subject)
    removed = await session.execute(
        delete(PetitionSignature)
        .where(
            PetitionSignature.petition_id == petition.id,
            PetitionSignature.member_id == member_id,
        )
        .returning(PetitionSignature.member_id)
    )
    if removed.first() is None:
        raise DomainError(
            "you have not signed this petition", status=404, title="No signature to withdraw"
        )
    _changing(petition, moment)
    petition.signatures -= 1
    return petition
