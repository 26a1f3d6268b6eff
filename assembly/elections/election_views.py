"""Elections as callers see them: posts with candidates in ballot order, nominations with their
support counted against the rules (supporters are never named), and results with transcripts.

Candidates are public (name, membership number, statement); who supported a nomination is
not shown. A post's transcript is shown once its contest's result is published. See
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import Election, ElectionPost, Nomination
from assembly.elections.elections import posts_of
from assembly.elections.nominations import support_counts
from assembly.elections.representation import counted_as
from roll.candidates import candidate_facts
from schemas.elections import (
    CandidateOut,
    ElectionOut,
    ElectionResults,
    NominationOut,
    PostOut,
    PostResult,
)
from voting.lifecycle import load_contest

__all__ = ["election_out", "election_results", "nomination_out", "nominations_of"]


async def _candidates(
    session: AsyncSession, nomination_ids: list[str], election: Election, post: int
) -> dict[str, CandidateOut]:
    """Candidates by nomination id, each with what the post's rules count them as."""
    if not nomination_ids:
        return {}
    rows = (
        await session.scalars(
            select(Nomination).where(Nomination.id.in_([uuid.UUID(i) for i in nomination_ids]))
        )
    ).all()
    facts = await candidate_facts(session, member_ids=[n.candidate_member_id for n in rows])
    return {
        str(n.id): CandidateOut(
            nomination=str(n.id),
            membership_number=facts[n.candidate_member_id].membership_number,
            name=facts[n.candidate_member_id].name,
            statement=n.statement,
            counted_as=counted_as(
                election.constraints, post, facts[n.candidate_member_id].labelled()
            ),
        )
        for n in rows
    }


async def _post_out(session: AsyncSession, election: Election, post: ElectionPost) -> PostOut:
    if post.ballot_order is not None:
        listed = list(post.ballot_order)
    else:
        listed = [
            str(i)
            for i in (
                await session.scalars(
                    select(Nomination.id)
                    .where(Nomination.post_id == post.id, Nomination.state == "accepted")
                    .order_by(Nomination.id)
                )
            ).all()
        ]
    shown = await _candidates(session, listed + list(post.elected or []), election, post.number)
    return PostOut(
        id=str(post.id),
        number=post.number,
        title=post.title,
        scope=post.scope,
        seats=post.seats,
        method=post.method,
        state=post.state,
        candidates=[shown[i] for i in listed],
        constraints=post.constraints,
        ballot_order_seed=post.ballot_order_seed,
        contest=str(post.contest_id) if post.contest_id else None,
        elected=[shown[i] for i in post.elected] if post.elected is not None else None,
        office=str(post.office_id) if post.office_id else None,
    )


async def election_out(session: AsyncSession, election: Election) -> ElectionOut:
    """The public shape of an election and its posts. Cost: a few reads per post."""
    return ElectionOut(
        id=str(election.id),
        title=election.title,
        state=election.state,
        nominations_open_at=election.nominations_open_at,
        nominations_close_at=election.nominations_close_at,
        ballots_close_at=election.ballots_close_at,
        nomination_rules=election.nomination_rules,
        constraints=election.constraints,
        secret=election.secret,
        rules_digest=election.rules_digest,
        posts=[await _post_out(session, election, p) for p in await posts_of(session, election.id)],
    )


async def nomination_out(session: AsyncSession, nomination: Nomination) -> NominationOut:
    """A nomination with its support counted (supporters are not named)."""
    election = await session.get_one(Election, nomination.election_id)
    post = await session.get_one(ElectionPost, nomination.post_id)
    facts = (await candidate_facts(session, member_ids=[nomination.candidate_member_id]))[
        nomination.candidate_member_id
    ]
    members, branches = await support_counts(session, nomination.id)
    return NominationOut(
        id=str(nomination.id),
        election=str(election.id),
        post=post.number,
        candidate=facts.membership_number,
        candidate_name=facts.name,
        state=nomination.state,
        supporting_members=members,
        supporting_branches=branches,
        needed_members=int(election.nomination_rules["supporting_members"]),
        needed_branches=int(election.nomination_rules["supporting_branches"]),
        statement=nomination.statement,
        lapsed_reason=nomination.lapsed_reason,
        counted_as=counted_as(election.constraints, post.number, facts.labelled()),
    )


async def nominations_of(session: AsyncSession, election_id: uuid.UUID) -> list[NominationOut]:
    """Every nomination in the election, by post and then as made."""
    rows = await session.scalars(
        select(Nomination)
        .join(ElectionPost, ElectionPost.id == Nomination.post_id)
        .where(Nomination.election_id == election_id)
        .order_by(ElectionPost.number, Nomination.created_at, Nomination.id)
    )
    return [await nomination_out(session, n) for n in rows.all()]


async def election_results(session: AsyncSession, election: Election) -> ElectionResults:
    """Each post's outcome: uncontested ones with who was elected without a ballot, contested
    ones with the count's transcript once published (and who was elected once declared)."""
    out = []
    for post in await posts_of(session, election.id):
        uncontested = post.contest_id is None and post.elected is not None
        result = PostResult(
            post=post.number,
            title=post.title,
            scope=post.scope,
            seats=post.seats,
            state=post.state,
            uncontested=uncontested,
        )
        elected = list(post.elected or [])
        if post.contest_id is not None:
            contest = await load_contest(session, post.contest_id)
            result.contest = str(contest.id)
            if contest.state == "published" and contest.result is not None:
                result.result_digest = contest.result_digest
                result.transcript = contest.result.get("transcript")
                order = post.ballot_order or []
                elected = [order[i] for i in contest.result["elected"]]
            else:
                elected = []
        if elected or uncontested:
            shown = await _candidates(session, elected, election, post.number)
            result.elected = [shown[i] for i in elected]
        out.append(result)
    return ElectionResults(
        election=str(election.id),
        state=election.state,
        posts=out,
    )
