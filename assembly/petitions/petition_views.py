"""Offices and petitions as callers see them: counts, thresholds and, once closed, every
receipt hash for everyone; receipt proofs for each signer; who signed for nobody (not
returning officers, not auditors: there is no view of it).

See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.reselection import reselections
from assembly.petitions.recall_models import Office, PetitionSignature, RecallPetition
from roll.members import place_of
from schemas.petitions import (
    OfficeOut,
    PetitionOut,
    PetitionReceiptProof,
    PetitionReceiptsOut,
    ReselectionOut,
)
from schemas.problems import DomainError
from voting.box import prove_receipt_hex

__all__ = [
    "office_out",
    "petition_out",
    "prove_signature",
    "published_receipts",
    "reselection_views",
]


async def office_out(session: AsyncSession, office: Office) -> OfficeOut:
    """An office with its holder's membership number and name (office holders are public)."""
    holder = None
    if office.holder_member_id is not None:
        holder = await place_of(session, office.holder_member_id)
    return OfficeOut(
        id=str(office.id),
        title=office.title,
        kind=office.kind,  # type: ignore[arg-type]
        scope=office.scope,
        state=office.state,
        recall_rules=office.recall_rules,
        holder=holder.membership_number if holder else None,
        holder_name=holder.name if holder else None,
        term_ends_at=office.term_ends_at,
        reselection_opens_at=None
        if office.term_ends_at is None
        else office.term_ends_at - dt.timedelta(days=office.reselection_days or 0),
        reselection=str(office.reselection_election_id) if office.reselection_election_id else None,
    )


async def petition_out(
    session: AsyncSession, petition: RecallPetition, member_id: int | None = None
) -> PetitionOut:
    """The public shape of a petition; ``signed`` for the member ``member_id``."""
    signed = None
    if member_id is not None:
        signed = (
            await session.scalar(
                select(PetitionSignature.member_id).where(
                    PetitionSignature.petition_id == petition.id,
                    PetitionSignature.member_id == member_id,
                )
            )
        ) is not None
    return PetitionOut(
        id=str(petition.id),
        office=str(petition.office_id),
        scope=petition.scope,
        reason=petition.reason,
        reason_digest=petition.reason_digest,
        state=petition.state,
        signatures=petition.signatures,
        threshold=petition.threshold,
        electorate_size=petition.electorate_size,
        roll_snapshot_id=petition.roll_snapshot_id,
        roll_digest=petition.roll_digest,
        opened_at=petition.opened_at,
        closes_at=petition.closes_at,
        rules=petition.rules,
        closed_at=petition.closed_at,
        receipts_root=petition.receipts_root,
        recall_contest=str(petition.contest_id) if petition.contest_id else None,
        by_election=str(petition.by_election_id) if petition.by_election_id else None,
        signed=signed,
    )


async def published_receipts(
    session: AsyncSession, petition: RecallPetition
) -> PetitionReceiptsOut:
    """Every standing signature's receipt hash, sorted, once the petition has closed: anyone
    checks that there are as many as the published count, that they give the published
    ``receipts_root``, and (a signer) that their own is there; nobody learns who signed.
    Cost: one read of the petition's receipt hashes."""
    if petition.receipts_root is None:
        raise DomainError(
            "receipts are published once the petition has closed", status=409, title="Not yet"
        )
    hashes = sorted(
        bytes(h).hex()
        for h in (
            await session.scalars(
                select(PetitionSignature.receipt_hash).where(
                    PetitionSignature.petition_id == petition.id
                )
            )
        ).all()
    )
    return PetitionReceiptsOut(
        petition=str(petition.id),
        signatures=petition.signatures,
        threshold=petition.threshold,
        receipts_root=petition.receipts_root,
        receipt_hashes=hashes,
    )


async def prove_signature(
    session: AsyncSession, petition: RecallPetition, receipt_hash_hex: str
) -> PetitionReceiptProof:
    """Inclusion of a receipt hash in the closed petition's receipts root (anyone may ask).
    Cost: O(signatures) to build the tree, O(log n) proof."""
    if petition.receipts_root is None:
        raise DomainError(
            "receipts can be checked once the petition has closed", status=409, title="Not yet"
        )
    found = prove_receipt_hex(
        await session.scalars(
            select(PetitionSignature.receipt_hash).where(
                PetitionSignature.petition_id == petition.id
            )
        ),
        receipt_hash_hex,
        where="among this petition's signatures",
    )
    return PetitionReceiptProof(
        petition=str(petition.id),
        receipt_hash=receipt_hash_hex,
        index=found.index,
        size=found.size,
        receipts_root=petition.receipts_root,
        proof=found.proof,
    )


async def reselection_views(
    session: AsyncSession, *, at: dt.datetime | None = None
) -> list[ReselectionOut]:
    """Every office with a term and its selection for the next term, for the returning
    officer's list. Cost: one read of the offices, one per holder."""
    out = []
    for r in await reselections(session, at=at):
        holder = None
        if r.office.holder_member_id is not None:
            holder = await place_of(session, r.office.holder_member_id)
        if r.office.term_ends_at is None or r.opens_at is None:
            continue
        out.append(
            ReselectionOut(
                office=str(r.office.id),
                title=r.office.title,
                scope=r.office.scope,
                term_ends_at=r.office.term_ends_at,
                opens_at=r.opens_at,
                state=r.state,  # type: ignore[arg-type]
                holder=holder.membership_number if holder else None,
                election=str(r.election) if r.election else None,
            )
        )
    return out
