"""Committing a sortition and drawing its panel: the commitment before the randomness.

``commit_sortition`` closes the pool; members who served in the same role (and scope) in the
last ``exclude_terms`` terms are left out (``tally.sortition.exclude_recent_servers``); the
inputs (tickets and features, seats, quotas, method), every volunteer's salted commitment
binding their ticket to their membership number (``assembly.sortition.entries``) and the drand
round whose beacon will seed the draw are fixed, and their digests logged, before that round is
due. For a method with a portfolio (``maximin``) the portfolio's solve takes up to a minute, so
the request only closes the pool and fixes the inputs (state ``committing``); the due work
runner (``service.due_work``) solves it and logs the commitment (``finish_commitment``), and the
caller follows the sortition's own URL until it is ``committed``.

``draw_sortition`` refuses until the round is due, checks the beacon (round, chain, randomness
= SHA-256 of the signature, and the BLS signature under the chain's public key,
``assembly.sortition.drand``) and logs it, derives the seed from it and the commitment
(``assembly.sortition.sortition_record``) and draws the panel with ``tally.sortition``. The log
holds digests and counts, never who. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition.drand import DRAND_CHAINS
from assembly.sortition.entries import entries_digest, entry_commitment, new_salt
from assembly.sortition.sortition import (
    SortitionStateError,
    load_sortition,
    log_sortition,
    quotas_of,
)
from assembly.sortition.sortition_models import Sortition, SortitionVolunteer
from assembly.sortition.sortition_record import beacon_problems, derive_seed
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.members import numbers_of
from schemas.moments import now, utc_text
from schemas.problems import DomainError
from schemas.sortition import CommitIn, DrawIn
from tally.sortition import (
    DrawInputs,
    DrawTooLarge,
    InfeasibleQuotas,
    Method,
    Portfolio,
    check_quotas,
    draw_panel,
    exclude_recent_servers,
)
from tally.sortition import Member as PoolMember
from tally.sortition_maximin import SolverMissing, solve_maximin

__all__ = ["SOLVED_METHODS", "commit_sortition", "draw_sortition", "finish_commitment"]

SOLVED_METHODS: Final = frozenset({Method.MAXIMIN})
"""Methods whose portfolio is solved by the due work runner after the pool closes."""

ACTOR: Final = "system"
"""The actor of a commitment the due work runner completes (as ``service.due_work.ACTOR``)."""


async def _recent_servers(session: AsyncSession, sortition: Sortition) -> set[str]:
    """Membership numbers on the panels of this role and scope in the last terms."""
    if sortition.exclude_terms == 0:
        return set()
    panels = (
        await session.scalars(
            select(Sortition.panel).where(
                Sortition.role == sortition.role,
                Sortition.scope == sortition.scope,
                Sortition.state == "drawn",
                Sortition.term >= sortition.term - sortition.exclude_terms,
                Sortition.term < sortition.term,
            )
        )
    ).all()
    return {number for panel in panels for number in panel or []}


def _round_to_come(source: dict[str, Any], moment: dt.datetime) -> None:
    """``SortitionStateError`` unless the named drand round is due after ``moment``."""
    chain = DRAND_CHAINS[source["chain"]]
    due = chain.due(int(source["round"]))
    if due <= moment.timestamp():
        following = chain.round_at(moment.timestamp()) + 1
        raise SortitionStateError(
            f"drand {chain.name} round {source['round']} was published at "
            f"{utc_text(dt.datetime.fromtimestamp(due, dt.UTC))}, before this commitment; "
            f"name a round still to come (the next is {following})"
        )


def _check_source(body: CommitIn, moment: dt.datetime) -> dict[str, Any]:
    source = body.source
    if source.round is None:
        raise DomainError("name the drand round whose randomness will seed the draw")
    chain = DRAND_CHAINS[source.chain]
    named = {
        "kind": "drand",
        "chain": source.chain,
        "chain_hash": chain.chain_hash,
        "round": source.round,
        "due": utc_text(dt.datetime.fromtimestamp(chain.due(source.round), dt.UTC)),
    }
    _round_to_come(named, moment)
    return named


async def commit_sortition(
    session: AsyncSession,
    sortition_id: uuid.UUID,
    body: CommitIn,
    *,
    at: dt.datetime | None = None,
) -> Sortition:
    """Close the pool and fix the draw's inputs, entries and source of randomness. For
    ``uniform`` and ``sequential`` the commitment is logged at once (state ``committed``);
    for a method with a portfolio (``SOLVED_METHODS``) the state is ``committing`` and the
    due work runner solves it and logs the commitment (``finish_commitment``), so the request
    does not wait for the solver. Caller commits.

    Errors: 409 not open, a pool still in its window or a drand round already published;
    422 quotas the pool cannot meet (naming them). Cost: one read of the pool, one feasibility
    search (``tally.sortition.check_quotas``), at most one log append.
    """
    moment = at or now()
    sortition = await load_sortition(session, sortition_id, lock=True)
    if sortition.state != "pool_open":
        raise SortitionStateError(f"the sortition is {sortition.state}; it was committed already")
    if sortition.pool_closes_at is not None and sortition.pool_closes_at > moment:
        raise SortitionStateError(f"the pool is open until {utc_text(sortition.pool_closes_at)}")
    source = _check_source(body, moment)
    volunteers = (
        await session.scalars(
            select(SortitionVolunteer).where(SortitionVolunteer.sortition_id == sortition.id)
        )
    ).all()
    numbers = await numbers_of(session, (v.member_id for v in volunteers))
    for entry in volunteers:
        if entry.salt is None:  # joined before salts were given: bound now, without a receipt
            entry.salt = new_salt()
    rows = [(v.ticket, v.features, numbers[v.member_id]) for v in volunteers]
    salts = {v.ticket: v.salt or "" for v in volunteers}
    served = await _recent_servers(session, sortition)
    recent = [ticket for ticket, _, number in rows if number in served]
    eligible = exclude_recent_servers(
        (PoolMember(ticket, dict(features)) for ticket, features, _ in rows), recent
    )
    try:
        inputs = DrawInputs(
            pool=eligible.pool,
            seats=sortition.seats,
            quotas=quotas_of(sortition),
            method=Method(sortition.method),
        )
        check_quotas(inputs)
    except (InfeasibleQuotas, ValueError) as exc:
        raise DomainError(
            f"the draw cannot be made: {exc}", title="The quotas cannot be met"
        ) from None
    sortition.inputs = inputs.to_dict()
    sortition.inputs_digest = inputs.digest()
    numbered = {ticket: number for ticket, _, number in rows}
    sortition.entries = [
        {"ticket": m.id, "commitment": entry_commitment(salts[m.id], numbered[m.id], m.id)}
        for m in sorted(inputs.pool, key=lambda m: m.id)
    ]
    sortition.entries_digest = entries_digest(sortition.entries)
    sortition.excluded = len(eligible.excluded)
    sortition.source = source
    sortition.commit_problem = None
    if inputs.method in SOLVED_METHODS:
        # The portfolio's solve takes up to a minute: the due work runner makes it
        # (``finish_commitment``), and the commitment is logged then.
        sortition.state = "committing"
        return sortition
    await _log_commitment(session, sortition, moment)
    return sortition


async def finish_commitment(
    session: AsyncSession,
    sortition_id: uuid.UUID,
    *,
    clock: Callable[[], dt.datetime] = now,
) -> Sortition:
    """The due work step of a sortition whose pool was closed for a method with a portfolio
    (``maximin``): solve the portfolio (in a worker thread, so the process keeps serving) and
    log the commitment, if the named drand round is still to come by ``clock()`` once the solve
    is done. If it is not, the commitment is not made: the pool reopens for a commitment to a
    later round, with ``commit_problem`` saying why, logged as ``sortition.commit_failed``.

    Takes the row lock and re-checks the state, so of several runners only one solves, and a
    sortition already committed (or drawn) is left as it is. Caller commits. Errors: 503 no
    solver (left ``committing``; the runner tries again later). Cost: one solve
    (``tally.sortition_maximin``: about a minute at 1,000 volunteers), one log append.
    """
    sortition = await load_sortition(session, sortition_id, lock=True)
    if sortition.state != "committing" or sortition.inputs is None:
        return sortition
    inputs = DrawInputs.from_dict(sortition.inputs)
    try:
        portfolio = await asyncio.to_thread(solve_maximin, inputs)
    except SolverMissing as exc:
        raise DomainError(str(exc), status=503, title="No solver for a fair draw") from None
    moment = clock()
    try:
        _round_to_come(sortition.source or {}, moment)
    except SortitionStateError as exc:
        sortition.state = "pool_open"
        sortition.commit_problem = str(exc)
        for cleared in ("inputs", "inputs_digest", "entries", "entries_digest", "source"):
            setattr(sortition, cleared, None)
        await log_sortition(
            session,
            sortition,
            "sortition.commit_failed",
            ACTOR,
            facts={"reason": "round_passed_during_solve"},
        )
        return sortition
    sortition.portfolio = portfolio.to_dict()
    await _log_commitment(session, sortition, moment, actor=ACTOR)
    return sortition


async def _log_commitment(
    session: AsyncSession,
    sortition: Sortition,
    moment: dt.datetime,
    *,
    actor: str = "returning_officer",
) -> None:
    """Mark the sortition committed at ``moment`` and log its digests: the commitment."""
    source = sortition.source or {}
    sortition.committed_at = moment
    sortition.state = "committed"
    facts: dict[str, str | int | bool | None] = {
        "pool": len((sortition.inputs or {}).get("pool", [])),
        "excluded": sortition.excluded,
        "seats": sortition.seats,
        "method": sortition.method,
        "source": source["kind"],
    }
    digests = {
        "inputs": "sha256:" + str(sortition.inputs_digest),
        "entries": "sha256:" + str(sortition.entries_digest),
        "quotas": digest_of(canonical_json(sortition.quotas)),
    }
    if sortition.portfolio is not None:
        digests["portfolio"] = "sha256:" + Portfolio.from_dict(sortition.portfolio).digest()
        facts["lowest_chance"] = sortition.portfolio["lowest_chance"]
        facts["highest_chance"] = sortition.portfolio["highest_chance"]
    facts.update({"chain": source["chain"], "round": source["round"], "due": source["due"]})
    await log_sortition(
        session, sortition, "sortition.committed", actor, digests=digests, facts=facts
    )


def _randomness(sortition: Sortition, body: DrawIn, moment: dt.datetime) -> dict[str, Any]:
    source = sortition.source or {}
    if source.get("kind") != "drand" or source.get("chain") not in DRAND_CHAINS:
        raise SortitionStateError(
            "this sortition was not committed to a drand round, so it cannot be drawn"
        )
    chain = DRAND_CHAINS[source["chain"]]
    due = chain.due(int(source["round"]))
    if moment.timestamp() < due:
        raise SortitionStateError(
            f"drand {chain.name} round {source['round']} is due at "
            f"{utc_text(dt.datetime.fromtimestamp(due, dt.UTC))}; the draw can be made from then"
        )
    randomness: dict[str, Any] = {
        "kind": "drand",
        "chain": chain.name,
        "round": body.beacon.round,
        "randomness": body.beacon.randomness.lower(),
        "signature": body.beacon.signature.lower(),
    }
    if body.beacon.previous_signature is not None:
        randomness["previous_signature"] = body.beacon.previous_signature.lower()
    return randomness


async def draw_sortition(
    session: AsyncSession,
    sortition_id: uuid.UUID,
    body: DrawIn,
    *,
    at: dt.datetime | None = None,
) -> Sortition:
    """Check the randomness against the committed source, log it, derive the seed and draw the
    panel with ``tally.sortition``. Caller commits.

    Errors: 409 not committed, or the named round not yet due; 422 a beacon that is not the
    named round's (a wrong round, a randomness that is not SHA-256 of the signature, a
    signature that does not verify under the chain's key) or a draw past its budget.
    Cost: one signature check (about a second), one ``tally.sortition.draw_panel`` (see its
    module for figures), two log appends.
    """
    moment = at or now()
    sortition = await load_sortition(session, sortition_id, lock=True)
    if sortition.state != "committed" or sortition.inputs is None:
        raise SortitionStateError(
            f"the sortition is {sortition.state}; it is drawn once, after it is committed"
        )
    randomness = _randomness(sortition, body, moment)
    problems = beacon_problems(sortition.source or {}, randomness)
    if problems:
        raise DomainError(
            "that is not the committed source's randomness: " + "; ".join(problems),
            title="Wrong randomness",
        )
    value = bytes.fromhex(randomness["randomness"])
    facts: dict[str, str | int | bool | None] = {
        "kind": randomness["kind"],
        "round": randomness["round"],
    }
    await log_sortition(
        session,
        sortition,
        "sortition.randomness_received",
        "returning_officer",
        digests={"randomness": digest_of(value)},
        facts=facts,
    )
    if sortition.inputs_digest is None or sortition.entries_digest is None:
        raise SortitionStateError("the sortition has no committed inputs to draw from")
    portfolio = None if sortition.portfolio is None else Portfolio.from_dict(sortition.portfolio)
    seed = derive_seed(
        sortition.inputs_digest,
        sortition.entries_digest,
        value,
        None if portfolio is None else portfolio.digest(),
    )
    inputs = DrawInputs.from_dict(sortition.inputs)
    try:
        result = draw_panel(inputs, seed, portfolio)
    except (DrawTooLarge, ValueError) as exc:
        raise DomainError(f"the draw cannot be made: {exc}", title="The draw failed") from None
    volunteers = (
        await session.execute(
            select(SortitionVolunteer.ticket, SortitionVolunteer.member_id).where(
                SortitionVolunteer.sortition_id == sortition.id
            )
        )
    ).all()
    numbers = await numbers_of(session, (member_id for _, member_id in volunteers))
    tickets = {ticket: numbers[member_id] for ticket, member_id in volunteers}
    sortition.randomness = randomness
    sortition.seed_hex = seed.hex()
    sortition.result = result.to_dict()
    sortition.panel = [tickets[t] for t in result.panel]
    sortition.drawn_at = moment
    sortition.state = "drawn"
    await log_sortition(
        session,
        sortition,
        "sortition.drawn",
        "returning_officer",
        digests={
            "inputs": "sha256:" + sortition.inputs_digest,
            "result": digest_of(canonical_json(sortition.result)),
        },
        facts={"seed": sortition.seed_hex, "seats": sortition.seats, "method": sortition.method},
    )
    return sortition
