"""Elections over HTTP: set up, nominate, support, accept, withdraw, open ballots, declare.

Each handler parses, authorises, calls one ``assembly`` function and commits before answering.
Returning officers run the election; members act where the post's scope includes them, which
the domain checks against the roll. Reads write nothing: nominations close at their time by
the due work runner (``service.due_work``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import JSONBody, PathParameter
from sqlalchemy import select

from assembly.elections import election_ballots, elections, nominations
from assembly.elections.election_models import Election
from assembly.elections.election_views import (
    election_out,
    election_results,
    nomination_out,
    nominations_of,
)
from schemas.elections import (
    ElectionCreate,
    ElectionOut,
    ElectionResults,
    NominationCreate,
    NominationOut,
    OpenBallotsIn,
    RulesCheck,
    StatementIn,
)
from service.auth import identity_of, requires_role
from service.deps import DbSession

__all__ = ["ElectionController", "NominationController"]

ElectionId = Annotated[uuid.UUID, PathParameter(description="the election's id")]
NominationId = Annotated[uuid.UUID, PathParameter(description="the nomination's id")]
_RO = requires_role("returning_officer")


class ElectionController(Controller):
    path = "/elections"
    tags = ["elections"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", guards=[_RO], status_code=201, summary="Set up an election (nominations open)")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[ElectionCreate], db_session: DbSession
    ) -> ElectionOut:
        """Posts with their scopes and seats, the nominations window, nomination rules and
        representation rules (``at least half of the seats to women``…), all as data."""
        election = await elections.create_election(
            db_session, data, created_by=identity_of(request).subject
        )
        await db_session.commit()
        return await election_out(db_session, election)

    @get("/", summary="Every election")
    async def index(self, db_session: DbSession) -> list[ElectionOut]:
        """Newest first."""
        ids = (
            await db_session.scalars(select(Election.id).order_by(Election.created_at.desc()))
        ).all()
        shown = [await elections.load_election(db_session, i) for i in ids]
        return [await election_out(db_session, e) for e in shown]

    @get("/{election_id:uuid}", summary="One election, its posts and candidates")
    async def show(self, election_id: ElectionId, db_session: DbSession) -> ElectionOut:
        """Once ballots open, each post lists its candidates in ballot-paper order."""
        election = await elections.load_election(db_session, election_id)
        return await election_out(db_session, election)

    @post(
        "/{election_id:uuid}/close-nominations",
        guards=[_RO],
        status_code=200,
        summary="Close nominations (when no closing time was set)",
    )
    async def close_nominations(
        self, election_id: ElectionId, db_session: DbSession
    ) -> ElectionOut:
        """Nominations the candidate has not accepted lapse."""
        election = await elections.close_nominations(db_session, election_id)
        await db_session.commit()
        return await election_out(db_session, election)

    @post(
        "/{election_id:uuid}/open-ballots",
        guards=[_RO],
        status_code=200,
        summary="Open the ballots",
    )
    async def open_ballots(
        self,
        request: Request[Any, Any, Any],
        election_id: ElectionId,
        db_session: DbSession,
        data: JSONBody[OpenBallotsIn | None] = None,
    ) -> ElectionOut:
        """Each contested post becomes a ranked contest with its candidates in an order
        shuffled from a logged seed; uncontested posts are declared elected without a ballot.
        Refused (409, naming each) while a representation rule cannot act on the candidates
        standing, unless ``accept_unmet_rules``."""
        election = await election_ballots.open_ballots(
            db_session,
            election_id,
            created_by=identity_of(request).subject,
            accept_unmet_rules=data is not None and data.accept_unmet_rules,
        )
        await db_session.commit()
        return await election_out(db_session, election)

    @post(
        "/{election_id:uuid}/declare",
        guards=[_RO],
        status_code=200,
        summary="Declare the results",
    )
    async def declare(
        self, request: Request[Any, Any, Any], election_id: ElectionId, db_session: DbSession
    ) -> ElectionResults:
        """Once every contest's result is published: who was elected to each post (each
        takes an office for the post's scope, which members there may petition to recall)."""
        election = await election_ballots.declare_election(
            db_session, election_id, created_by=identity_of(request).subject
        )
        await db_session.commit()
        return await election_results(db_session, election)

    @get("/{election_id:uuid}/rules", guards=[_RO], summary="Every rule in force, post by post")
    async def rules(self, election_id: ElectionId, db_session: DbSession) -> RulesCheck:
        """Before the ballots open: each post's rules, the constraints they become on the
        candidates standing, what each candidate is counted as, and any rule that cannot act."""
        election = await elections.load_election(db_session, election_id)
        return await election_ballots.rules_check(db_session, election)

    @get("/{election_id:uuid}/results", summary="Results with transcripts")
    async def results(self, election_id: ElectionId, db_session: DbSession) -> ElectionResults:
        """Uncontested posts with those elected unopposed; contested posts with the count's
        stage-by-stage transcript once published."""
        election = await elections.load_election(db_session, election_id)
        return await election_results(db_session, election)

    @get("/{election_id:uuid}/nominations", summary="Every nomination and its support")
    async def nominations(
        self, election_id: ElectionId, db_session: DbSession
    ) -> list[NominationOut]:
        """Supporting members and branches counted against the rules (supporters not named)."""
        election = await elections.load_election(db_session, election_id)
        return await nominations_of(db_session, election.id)

    @post("/{election_id:uuid}/nominations", status_code=201, summary="Nominate a candidate")
    async def nominate(
        self,
        request: Request[Any, Any, Any],
        election_id: ElectionId,
        data: JSONBody[NominationCreate],
        db_session: DbSession,
    ) -> NominationOut:
        """A member in the post's scope nominates an active member of it (themselves too);
        the proposer counts as the first supporting member unless they nominate themselves."""
        nomination = await nominations.nominate(
            db_session, election_id, data, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)


class NominationController(Controller):
    path = "/nominations"
    tags = ["elections"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/{nomination_id:uuid}", summary="One nomination")
    async def show(self, nomination_id: NominationId, db_session: DbSession) -> NominationOut:
        nomination = await nominations.load_nomination(db_session, nomination_id)
        return await nomination_out(db_session, nomination)

    @post("/{nomination_id:uuid}/supporters", status_code=201, summary="Support a nomination")
    async def support(
        self, request: Request[Any, Any, Any], nomination_id: NominationId, db_session: DbSession
    ) -> NominationOut:
        """Once per member, from the post's scope; not the candidate."""
        nomination = await nominations.support(
            db_session, nomination_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)

    @delete("/{nomination_id:uuid}/supporters/me", status_code=200, summary="Withdraw your support")
    async def unsupport(
        self, request: Request[Any, Any, Any], nomination_id: NominationId, db_session: DbSession
    ) -> NominationOut:
        """While nominations are open. An accepted nomination left short goes back to
        awaiting acceptance."""
        nomination = await nominations.withdraw_support(
            db_session, nomination_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)

    @post("/{nomination_id:uuid}/accept", status_code=200, summary="Accept (the candidate)")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        nomination_id: NominationId,
        data: JSONBody[StatementIn],
        db_session: DbSession,
    ) -> NominationOut:
        """The candidate accepts and publishes a statement; refused with the numbers while
        the nomination is short of supporting members or branches."""
        nomination = await nominations.accept_nomination(
            db_session, nomination_id, data.statement, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)

    @put("/{nomination_id:uuid}/statement", status_code=200, summary="Change the statement")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        nomination_id: NominationId,
        data: JSONBody[StatementIn],
        db_session: DbSession,
    ) -> NominationOut:
        """The candidate, until the ballots open."""
        nomination = await nominations.set_statement(
            db_session, nomination_id, data.statement, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)

    @post("/{nomination_id:uuid}/withdraw", status_code=200, summary="Withdraw (the candidate)")
    async def withdraw(
        self, request: Request[Any, Any, Any], nomination_id: NominationId, db_session: DbSession
    ) -> NominationOut:
        """Until the ballots open."""
        nomination = await nominations.withdraw_nomination(
            db_session, nomination_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await nomination_out(db_session, nomination)
