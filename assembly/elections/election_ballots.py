"""Opening an election's ballots and declaring its results.

When nominations have closed the returning officer opens the ballots. For each post:

- no accepted candidate: the post is left vacant (logged);
- no more candidates than seats: they are declared elected without a ballot (logged);
- otherwise the post becomes a ranked contest of its accepted candidates, in an order shuffled
  from a seed that is logged before it is used: ``sha256`` of the canonical JSON
  ``{"election": id, "post": id, "nominations": [accepted nomination ids, sorted]}``, whose 32
  bytes seed ``tally.lot.Lot``; its Fisher–Yates ``shuffle`` of the sorted ids is the ballot
  order, shown the same to everyone (not alphabetical, to avoid donkey votes). Anyone can
  recompute the order from the published nominations. The election's representation rules
  become the contest's constraints (``assembly.elections.representation``), enforced in the count.

Declaring reads each published contest's result (with its stage-by-stage transcript), records
who was elected and gives each an office for the post's scope (or, in a by-election, the vacant
office). See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import Election, ElectionPost, Nomination
from assembly.elections.elections import (
    ElectionStateError,
    log_election,
    posts_of,
    touch_election,
)
from assembly.elections.offices import fill_office, open_office
from assembly.elections.representation import PostRules, constraints_for_post, rule_text
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.candidates import CandidateFacts, candidate_facts
from schemas.contests import CandidateIn, ConstraintIn, ContestCreate
from schemas.elections import CandidateOut, PostRulesCheck, RulesCheck
from schemas.moments import now
from tally.lot import Lot
from voting.lifecycle import create_contest, load_contest, open_contest

__all__ = [
    "UnmetRules",
    "ballot_order",
    "ballot_order_seed",
    "declare_election",
    "filled_under",
    "open_ballots",
    "post_rules",
    "rules_check",
]


class UnmetRules(ElectionStateError):
    """Representation rules that cannot act as written on the candidates standing."""

    title = "A representation rule cannot act on the candidates standing"


def ballot_order_seed(election_id: str, post_id: str, nominations: list[str]) -> str:
    """``sha256:<hex>`` of the canonical JSON of the post and its accepted nominations."""
    document = {"election": election_id, "post": post_id, "nominations": sorted(nominations)}
    return digest_of(canonical_json(document))


def ballot_order(seed: str, nominations: list[str]) -> list[str]:
    """The nominations in ballot-paper order: ``Lot(seed bytes).shuffle(sorted ids)``.
    Cost: one SHA-256 per candidate."""
    return Lot(bytes.fromhex(seed.removeprefix("sha256:"))).shuffle(sorted(nominations))


async def _standing(session: AsyncSession, post: ElectionPost) -> list[Nomination]:
    rows = await session.scalars(
        select(Nomination)
        .where(Nomination.post_id == post.id, Nomination.state == "accepted")
        .order_by(Nomination.id)
    )
    return list(rows.all())


async def post_rules(
    session: AsyncSession, election: Election, post: ElectionPost, standing: list[Nomination]
) -> tuple[PostRules, list[CandidateFacts]]:
    """The post's rules applied to ``standing`` (in the order given) and who they are.
    Cost: one read of the candidates."""
    facts = await candidate_facts(session, member_ids=[n.candidate_member_id for n in standing])
    people = [facts[n.candidate_member_id] for n in standing]
    applied = constraints_for_post(
        election.constraints, post.number, post.seats, [p.labelled() for p in people]
    )
    return applied, people


async def rules_check(session: AsyncSession, election: Election) -> RulesCheck:
    """Every rule in force, post by post, applied to the candidates standing now (accepted
    nominations; proposed ones too while nominations are open), with the problems that would
    stop the ballots opening. For the returning officer before opening. Cost: a few reads
    per post."""
    states = ("accepted",) if election.state != "nominations_open" else ("accepted", "proposed")
    out = []
    for post in await posts_of(session, election.id):
        standing = list(
            (
                await session.scalars(
                    select(Nomination)
                    .where(Nomination.post_id == post.id, Nomination.state.in_(states))
                    .order_by(Nomination.id)
                )
            ).all()
        )
        applied, people = await post_rules(session, election, post, standing)
        contested = len(standing) > post.seats
        out.append(
            PostRulesCheck(
                post=post.number,
                title=post.title,
                seats=post.seats,
                rules=[rule_text(r) for r in election.constraints if _applies(r, post.number)],
                constraints=applied.constraints,
                candidates=[
                    CandidateOut(
                        nomination=str(n.id),
                        membership_number=p.membership_number,
                        name=p.name,
                        counted_as=c,
                    )
                    for n, p, c in zip(standing, people, applied.counted, strict=True)
                ],
                problems=applied.problems if contested else [],
            )
        )
    return RulesCheck(election=str(election.id), state=election.state, posts=out)


def _applies(rule: dict[str, Any], post: int) -> bool:
    return rule["posts"] is None or post in rule["posts"]


async def _ballot(
    session: AsyncSession,
    election: Election,
    post: ElectionPost,
    standing: list[Nomination],
    created_by: str,
) -> None:
    ids = [str(n.id) for n in standing]
    seed = ballot_order_seed(str(election.id), str(post.id), ids)
    post.ballot_order_seed = seed
    await log_election(
        session,
        election,
        "election.ballot_order_seeded",
        actor="returning_officer",
        subjects={"post": str(post.id)},
        digests={"seed": seed},
        facts={"candidates": len(ids)},
    )
    order = ballot_order(seed, ids)
    post.ballot_order = order
    by_id = {str(n.id): n for n in standing}
    applied, people = await post_rules(session, election, post, [by_id[i] for i in order])
    for problem in applied.problems:
        await log_election(
            session,
            election,
            "election.rule_not_met",
            actor="returning_officer",
            subjects={"post": str(post.id)},
            facts={"problem": problem},
        )
    constraints = applied.constraints
    post.constraints = constraints
    names = [p.name for p in people]
    candidates = [
        CandidateIn(
            name=p.name if names.count(p.name) == 1 else f"{p.name} ({p.membership_number})",
            attributes={a: v for a, v in counted.items() if v is not None},
        )
        for p, counted in zip(people, applied.counted, strict=True)
    ]
    body = ContestCreate(
        title=f"{election.title}: {post.title}"[:300],
        kind="election",
        scope=post.scope,
        secret=election.secret,
        candidates=candidates,
        seats=post.seats,
        method=post.method,  # type: ignore[arg-type]
        constraints=[
            ConstraintIn(
                attribute=c["attribute"],
                value=c["value"],
                at_least=c["at_least"],
                at_most=c["at_most"],
            )
            for c in constraints
        ],
        closes_at=election.ballots_close_at,
    )
    contest = await create_contest(session, body, created_by=created_by)
    await open_contest(session, contest.id, actor="returning_officer")
    post.contest_id = contest.id
    post.state = "balloting"
    await log_election(
        session,
        election,
        "election.post_balloting",
        actor="returning_officer",
        subjects={"post": str(post.id), "contest": str(contest.id)},
        facts={
            "candidates": len(ids),
            "seats": post.seats,
            "constraints": len(constraints),
            "constraints_in_force": "; ".join(
                f"{c['attribute']}={c['value']}: at least {c['at_least'] or 0}"
                + ("" if c["at_most"] is None else f", at most {c['at_most']}")
                for c in constraints
            )
            or None,
        },
    )


async def open_ballots(
    session: AsyncSession,
    election_id: uuid.UUID,
    *,
    created_by: str,
    at: dt.datetime | None = None,
    accept_unmet_rules: bool = False,
) -> Election:
    """The returning officer opens the ballots once nominations have closed: each post is
    balloted, declared uncontested or left vacant (see the module docstring). A contested
    post whose representation rules cannot act as written stops them opening (409, naming
    each rule, nothing changed) unless ``accept_unmet_rules``; each such rule is then logged
    (``election.rule_not_met``). Caller commits.
    Cost: per contested post, one contest created and opened (its electorate frozen)."""
    moment = at or now()
    election = await touch_election(session, election_id, at=moment, lock=True)
    if election.state != "nominations_closed":
        raise ElectionStateError(
            f"the election is {election.state}; ballots open once nominations have closed"
        )
    if not accept_unmet_rules:
        problems = [
            p for post in (await rules_check(session, election)).posts for p in post.problems
        ]
        if problems:
            raise UnmetRules(
                "the ballots were not opened: " + "; ".join(problems) + ". Add the missing "
                "values to the election's categories, or open with accept_unmet_rules to "
                "count without them (each is then logged)"
            )
    counts = {"balloting": 0, "uncontested": 0, "vacant": 0}
    for post in await posts_of(session, election.id):
        standing = await _standing(session, post)
        if not standing:
            post.state = "vacant"
            await log_election(
                session,
                election,
                "election.post_vacant",
                actor="returning_officer",
                subjects={"post": str(post.id)},
                facts={"candidates": 0, "seats": post.seats},
            )
        elif len(standing) <= post.seats:
            post.state = "uncontested"
            post.elected = [str(n.id) for n in standing]
            await log_election(
                session,
                election,
                "election.post_uncontested",
                actor="returning_officer",
                subjects={"post": str(post.id)},
                facts={"candidates": len(standing), "seats": post.seats, "elected": len(standing)},
            )
        else:
            await _ballot(session, election, post, standing, created_by)
        counts[post.state] += 1
    election.state = "ballots_open"
    await log_election(
        session, election, "election.ballots_opened", actor="returning_officer", facts=counts
    )
    return election


def filled_under(election: Election, post: ElectionPost) -> dict[str, Any] | None:
    """What an office filled by ``post`` remembers of its representation rules: the post's
    seats and the election's rules that apply to it (as for a post of its own), with the
    group of offices sharing the post's seats."""
    rules = [{**r, "posts": None} for r in election.constraints if _applies(r, post.number)]
    if not rules:
        return None
    return {"group": f"{election.id}:{post.id}", "seats": post.seats, "rules": rules}


async def declare_election(
    session: AsyncSession, election_id: uuid.UUID, *, created_by: str, at: dt.datetime | None = None
) -> Election:
    """Declare every post once each contest's result is published: record who was elected and
    give each an office (or fill the by-election's vacant office). Caller commits.
    Cost: one read per contest, one insert and log append per seat filled."""
    moment = at or now()
    election = await touch_election(session, election_id, at=moment, lock=True)
    if election.state != "ballots_open":
        raise ElectionStateError(
            f"the election is {election.state}; it is declared once its ballots are counted"
        )
    posts = await posts_of(session, election.id)
    for post in posts:
        if post.state == "balloting":
            if post.contest_id is None:
                raise ElectionStateError(f"post {post.id} is balloting without a contest")
            contest = await load_contest(session, post.contest_id)
            if contest.state != "published" or contest.result is None:
                raise ElectionStateError(
                    f"post {post.number}'s contest is {contest.state}; publish its result first"
                )
            order = post.ballot_order or []
            post.elected = [order[i] for i in contest.result["elected"]]
    for post in posts:
        if post.state not in ("balloting", "uncontested"):
            continue
        elected = post.elected or []
        nominations = {
            str(n.id): n
            for n in (
                await session.scalars(
                    select(Nomination).where(Nomination.id.in_([uuid.UUID(e) for e in elected]))
                )
            ).all()
        }
        for seat, nomination_id in enumerate(elected, start=1):
            member_id = nominations[nomination_id].candidate_member_id
            if post.office_id is not None:
                await fill_office(session, post.office_id, member_id, election_id=election.id)
                continue
            title = post.title if post.seats == 1 else f"{post.title}, seat {seat}"
            await open_office(
                session,
                title=title,
                kind=post.office_kind,
                scope=post.scope,
                holder_member_id=member_id,
                recall_rules=election.recall_rules,
                created_by=created_by,
                actor="returning_officer",
                subjects={"election": str(election.id), "post": str(post.id)},
                filled_under=filled_under(election, post),
            )
        uncontested = post.state == "uncontested"
        post.state = "declared"
        await log_election(
            session,
            election,
            "election.post_declared",
            actor="returning_officer",
            subjects={"post": str(post.id)},
            facts={"elected": len(elected), "seats": post.seats, "uncontested": uncontested},
        )
    election.state = "declared"
    await log_election(session, election, "election.declared", actor="returning_officer")
    return election
