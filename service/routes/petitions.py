"""Offices and recall petitions over HTTP: record offices, start, sign and withdraw, counts,
published receipt hashes and receipt proofs. No route says who signed, to anyone.

Each handler parses, authorises, calls one ``assembly`` function and commits before answering
(a signature acknowledged with 201 is durable). Reads write nothing: the step that is due (a
window that ended, a published recall result) is taken on time by ``service.due_work``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, PathParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.offices import create_office, load_office
from assembly.petitions import petitions
from assembly.petitions.petition_views import (
    office_out,
    petition_out,
    prove_signature,
    published_receipts,
    reselection_views,
)
from assembly.petitions.recall_models import Office, RecallPetition
from roll.members import member_id_of
from schemas.petitions import (
    OfficeCreate,
    OfficeOut,
    PetitionCreate,
    PetitionOut,
    PetitionReceipt,
    PetitionReceiptProof,
    PetitionReceiptsOut,
    ReselectionOut,
)
from service.auth import identity_of, requires_role
from service.deps import DbSession

__all__ = ["OfficeController", "PetitionController"]

OfficeId = Annotated[uuid.UUID, PathParameter(description="the office's id")]
PetitionId = Annotated[uuid.UUID, PathParameter(description="the petition's id")]
_ADMIN = requires_role("admin")
_RO = requires_role("returning_officer", "admin")


async def _member_id(request: Request[Any, Any, Any], session: AsyncSession) -> int | None:
    return await member_id_of(session, identity_of(request).subject)


class OfficeController(Controller):
    path = "/offices"
    tags = ["recall petitions"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", guards=[_ADMIN], status_code=201, summary="Record an office and its holder")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[OfficeCreate], db_session: DbSession
    ) -> OfficeOut:
        """A branch officer or a councillor the branch selected, with the constituency (scope)
        that chose them and the recall rules. Elections record their winners' offices."""
        office = await create_office(db_session, data, created_by=identity_of(request).subject)
        await db_session.commit()
        return await office_out(db_session, office)

    @get("/", summary="Every office")
    async def index(self, db_session: DbSession) -> list[OfficeOut]:
        offices = (await db_session.scalars(select(Office).order_by(Office.created_at))).all()
        return [await office_out(db_session, o) for o in offices]

    @get("/reselections", guards=[_RO], summary="Which selections for the next term are due")
    async def reselections(self, db_session: DbSession) -> list[ReselectionOut]:
        """Every office with a term, soonest end first: its open selection, or when it opens."""
        return await reselection_views(db_session)

    @get("/{office_id:uuid}", summary="One office")
    async def show(self, office_id: OfficeId, db_session: DbSession) -> OfficeOut:
        """Its holder, term and, once open, the selection for the next term."""
        return await office_out(db_session, await load_office(db_session, office_id))

    @post("/{office_id:uuid}/petitions", status_code=201, summary="Start a recall petition")
    async def start(
        self,
        request: Request[Any, Any, Any],
        office_id: OfficeId,
        data: JSONBody[PetitionCreate],
        db_session: DbSession,
    ) -> PetitionOut:
        """A member of the office's constituency, with a reason. The threshold is frozen from
        the electorate at the current roll snapshot."""
        petition = await petitions.start_petition(
            db_session, office_id, data, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await petition_out(db_session, petition, await _member_id(request, db_session))


class PetitionController(Controller):
    path = "/petitions"
    tags = ["recall petitions"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/", summary="Every petition (counts only)")
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> list[PetitionOut]:
        ids = (
            await db_session.scalars(
                select(RecallPetition.id).order_by(RecallPetition.opened_at.desc())
            )
        ).all()
        shown = [await petitions.load_petition(db_session, i) for i in ids]
        member = await _member_id(request, db_session)
        return [await petition_out(db_session, p, member) for p in shown]

    @get("/{petition_id:uuid}", summary="One petition: its count and threshold")
    async def show(
        self, request: Request[Any, Any, Any], petition_id: PetitionId, db_session: DbSession
    ) -> PetitionOut:
        """Public: the count, the threshold, the window and the outcome; never who signed."""
        petition = await petitions.load_petition(db_session, petition_id)
        return await petition_out(db_session, petition, await _member_id(request, db_session))

    @post("/{petition_id:uuid}/signatures", status_code=201, summary="Sign the petition")
    async def sign(
        self, request: Request[Any, Any, Any], petition_id: PetitionId, db_session: DbSession
    ) -> PetitionReceipt:
        """Once, by a member of the constituency; answers with your receipt. Reaching the
        threshold opens the recall ballot at once."""
        receipt = await petitions.sign_petition(
            db_session, petition_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return receipt

    @delete("/{petition_id:uuid}/signatures/me", status_code=200, summary="Withdraw your signature")
    async def withdraw(
        self, request: Request[Any, Any, Any], petition_id: PetitionId, db_session: DbSession
    ) -> PetitionOut:
        """While the petition is open."""
        petition = await petitions.withdraw_signature(
            db_session, petition_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await petition_out(db_session, petition, await _member_id(request, db_session))

    @get("/{petition_id:uuid}/receipts", summary="Every receipt hash of a closed petition")
    async def receipts(self, petition_id: PetitionId, db_session: DbSession) -> PetitionReceiptsOut:
        """Anyone: check the count and the ``receipts_root``, and find your own receipt."""
        return await published_receipts(
            db_session, await petitions.load_petition(db_session, petition_id)
        )

    @get(
        "/{petition_id:uuid}/receipts/{receipt_hash:str}",
        summary="Prove a signature's receipt was counted",
    )
    async def receipt(
        self,
        petition_id: PetitionId,
        receipt_hash: Annotated[str, PathParameter(description="the receipt hash, hex")],
        db_session: DbSession,
    ) -> PetitionReceiptProof:
        """After the petition closes: the inclusion proof of a receipt hash in its
        ``receipts_root``."""
        petition = await petitions.load_petition(db_session, petition_id)
        return await prove_signature(db_session, petition, receipt_hash)
