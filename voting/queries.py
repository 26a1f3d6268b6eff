"""Reading contests as a given caller may see them: lists, turnout, results, receipt proofs.

Members see contests (other than drafts) whose scope contains them, and whether they voted,
never how. Officers and auditors see every contest, and whoever runs one (its ``created_by``:
the chair who opened a motion vote, on the roll or not) sees it, its turnout and its result.
Results are visible to returning officers once counted and to everyone once published.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.viewer import Viewer
from schemas.contests import ContestOut, OptionOut, ReceiptProof, ResultOut, Turnout
from voting.box import prove_receipt_hex
from voting.lifecycle import ContestNotFound, ContestStateError, load_contest, options_of
from voting.models import Contest, ContestElector, ContestOption, ContestReceipt
from voting.roll_call import roll_call_of

__all__ = [
    "contest_out",
    "list_contests",
    "prove_receipt",
    "result_out",
    "turnout",
    "turnout_counts",
    "visible_contest",
]


def _may_see(viewer: Viewer, contest: Contest) -> bool:
    """``Viewer.may_see``, or the viewer runs this contest."""
    return viewer.may_see(contest) or contest.created_by == viewer.subject


def _options(options: list[ContestOption]) -> list[OptionOut]:
    return [OptionOut(id=str(o.id), name=o.name, attributes=o.attributes) for o in options]


def contest_out(
    contest: Contest, options: list[ContestOption], voted: bool | None = None
) -> ContestOut:
    """The public shape of a contest."""
    shown = _options(options)
    return ContestOut(
        id=str(contest.id),
        title=contest.title,
        kind=contest.kind,  # type: ignore[arg-type]
        scope=contest.scope,
        secret=contest.secret,
        state=contest.state,
        seats=contest.seats,
        manifest_digest=contest.manifest_digest,
        method=contest.method,
        majority=contest.majority,
        constraints=contest.constraints,
        candidates=shown if contest.kind == "election" else None,
        options=None if contest.kind == "election" else shown,
        opens_at=contest.opens_at,
        closes_at=contest.closes_at,
        electorate_size=contest.electorate_size,
        roll_snapshot_id=contest.roll_snapshot_id,
        roll_digest=contest.roll_digest,
        voters=contest.voters,
        receipts_root=contest.receipts_root,
        ballots_digest=contest.ballots_digest,
        result_digest=contest.result_digest if contest.state == "published" else None,
        voted=voted,
    )


async def _voted(
    session: AsyncSession, contest_ids: list[uuid.UUID], member_id: int
) -> dict[uuid.UUID, bool]:
    rows = await session.execute(
        select(ContestElector.contest_id, ContestElector.voted).where(
            ContestElector.contest_id.in_(contest_ids), ContestElector.member_id == member_id
        )
    )
    return {cid: bool(v) for cid, v in rows}


async def visible_contest(
    session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer
) -> ContestOut:
    """One contest as ``viewer`` may see it (404 when they may not, as if it did not exist)."""
    contest = await load_contest(session, contest_id)
    if not _may_see(viewer, contest):
        raise ContestNotFound(f"there is no contest {contest_id} that you can see")
    voted = None
    if viewer.member_id is not None:
        voted = (await _voted(session, [contest.id], viewer.member_id)).get(contest.id, False)
    return contest_out(contest, await options_of(session, contest.id), voted)


async def list_contests(
    session: AsyncSession, viewer: Viewer, *, state: str | None = None
) -> list[ContestOut]:
    """Every contest ``viewer`` may see, newest first, optionally in one state."""
    query = select(Contest).order_by(Contest.created_at.desc(), Contest.id)
    if state is not None:
        query = query.where(Contest.state == state)
    contests = [c for c in (await session.scalars(query)).all() if _may_see(viewer, c)]
    if not contests:
        return []
    ids = [c.id for c in contests]
    options: dict[uuid.UUID, list[ContestOption]] = {c: [] for c in ids}
    for option in (
        await session.scalars(
            select(ContestOption)
            .where(ContestOption.contest_id.in_(ids))
            .order_by(ContestOption.position)
        )
    ).all():
        options[option.contest_id].append(option)
    voted = await _voted(session, ids, viewer.member_id) if viewer.member_id is not None else {}
    return [
        contest_out(c, options[c.id], voted.get(c.id, False) if viewer.member_id else None)
        for c in contests
    ]


async def turnout(session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer) -> Turnout:
    """Counts only: the electorate and how many have voted."""
    contest = await load_contest(session, contest_id)
    if not _may_see(viewer, contest):
        raise ContestNotFound(f"there is no contest {contest_id} that you can see")
    return await _turnout_of(session, contest)


async def turnout_counts(session: AsyncSession, contest_id: uuid.UUID) -> Turnout:
    """The same counts for a viewer already allowed to see them (a live feed's next tick)."""
    return await _turnout_of(session, await load_contest(session, contest_id))


async def _turnout_of(session: AsyncSession, contest: Contest) -> Turnout:
    voted = await session.scalar(
        select(func.count()).where(ContestElector.contest_id == contest.id, ContestElector.voted)
    )
    return Turnout(
        contest=str(contest.id),
        state=contest.state,
        electorate=contest.electorate_size,
        voted=int(voted or 0),
    )


async def result_out(session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer) -> ResultOut:
    """The result: to returning officers once counted, to everyone once published; a recorded
    contest's with who voted how."""
    contest = await load_contest(session, contest_id)
    if not _may_see(viewer, contest):
        raise ContestNotFound(f"there is no contest {contest_id} that you can see")
    if contest.state == "counted" and not viewer.returning_officer:
        raise ContestStateError("the result is not published yet")
    if contest.state not in ("counted", "published") or contest.result is None:
        raise ContestStateError(f"this contest is {contest.state}; it has no result yet")
    result = contest.result
    options = await options_of(session, contest.id)
    elected = None
    if "elected" in result:
        elected = [
            OptionOut(id=str(options[i].id), name=options[i].name) for i in result["elected"]
        ]
    if contest.result_digest is None:
        raise ContestStateError(f"contest {contest.id} has a result but no result digest")
    return ResultOut(
        contest=str(contest.id),
        kind=contest.kind,
        state=contest.state,
        result_digest=contest.result_digest,
        outcome=result.get("outcome"),
        elected=elected,
        figures=result.get("figures")
        or {"first_preferences": result.get("first_preferences"), "ballots": result.get("ballots")},
        transcript=result.get("transcript"),
        weighted=bool(result.get("weighted")),
        weight_cast=result.get("weight_cast"),
        electorate_weight=result.get("electorate") if result.get("weighted") else None,
        roll_call=await roll_call_of(session, contest),
    )


async def prove_receipt(
    session: AsyncSession, contest_id: uuid.UUID, receipt_hash_hex: str
) -> ReceiptProof:
    """Inclusion of a receipt hash in the closed box's receipts root (anyone may ask)."""
    contest = await load_contest(session, contest_id)
    if contest.state in ("draft", "open") or contest.receipts_root is None:
        raise ContestStateError("receipts can be checked once the contest has closed")
    found = prove_receipt_hex(
        await session.scalars(
            select(ContestReceipt.receipt_hash).where(ContestReceipt.contest_id == contest.id)
        ),
        receipt_hash_hex,
        where="in this contest's box",
    )
    return ReceiptProof(
        contest=str(contest.id),
        receipt_hash=receipt_hash_hex,
        index=found.index,
        size=found.size,
        receipts_root=contest.receipts_root,
        proof=found.proof,
    )
