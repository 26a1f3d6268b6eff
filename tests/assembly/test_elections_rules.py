"""Representation rules become each post's count constraints; nominations close with their
window (issue 7, "Elections")."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.elections import close_nominations, create_election, touch_election
from assembly.elections.nominations import accept_nomination, load_nomination, nominate, support
from assembly.elections.representation import (
    RepresentationError,
    check_representation,
    constraints_for_post,
)
from roll.imports import import_roll_csv
from schemas.elections import ElectionCreate, NominationCreate, PostIn, RepresentationIn
from schemas.petitions import NominationRulesIn
from schemas.problems import DomainError
from tests.assembly.test_elections import ROLL

HOUR = dt.timedelta(hours=1)


def _candidates(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"gender": gender, "region": region} for gender, region in pairs]


def test_shares_of_seats_round_minimums_up_and_maximums_down() -> None:
    rules = check_representation(
        [
            RepresentationIn(attribute="gender", value="woman", at_least_share="1/2"),
            RepresentationIn(attribute="gender", value="man", at_most_share="1/2"),
        ],
        posts=1,
    )
    standing = _candidates(*[("woman", "SCO")] * 4, *[("man", "SCO")] * 4)
    assert constraints_for_post(rules, 1, 5, standing) == [
        {"attribute": "gender", "value": "man", "at_least": None, "at_most": 2},
        {"attribute": "gender", "value": "woman", "at_least": 3, "at_most": None},
    ]


def test_a_rule_without_a_value_limits_every_region_that_could_exceed_it() -> None:
    rules = check_representation([RepresentationIn(attribute="region", at_most=1)], posts=2)
    standing = _candidates(("man", "SCO"), ("woman", "SCO"), ("man", "WAL"), ("man", "LDN"))
    # Wales and London have one candidate each: "at most 1" cannot bind them.
    assert constraints_for_post(rules, 2, 2, standing) == [
        {"attribute": "region", "value": "SCO", "at_least": None, "at_most": 1}
    ]


def test_a_minimum_above_the_candidates_holding_the_value_is_lowered_to_them() -> None:
    rules = check_representation(
        [RepresentationIn(attribute="gender", value="woman", at_least=3, posts=[1])], posts=2
    )
    standing = _candidates(("woman", "SCO"), ("man", "SCO"), ("man", "WAL"), ("man", "WAL"))
    assert constraints_for_post(rules, 1, 3, standing) == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    assert constraints_for_post(rules, 2, 3, standing) == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (RepresentationIn(attribute="gender", value="woman"), "needs a minimum or a maximum"),
        (
            RepresentationIn(attribute="gender", value="w", at_least=1, at_least_share="1/2"),
            "not both",
        ),
        (RepresentationIn(attribute="gender", value="w", at_most_share="3/2"), "more than all"),
        (RepresentationIn(attribute="gender", value="w", at_least=1, posts=[3]), "has 2 posts"),
    ],
)
def test_rules_that_cannot_apply_are_refused_naming_them(
    rule: RepresentationIn, message: str
) -> None:
    with pytest.raises(RepresentationError, match=message):
        check_representation([rule], posts=2)


async def test_nominations_close_with_their_window_and_unaccepted_ones_lapse(
    db_session: AsyncSession,
) -> None:
    await import_roll_csv(db_session, ROLL.encode(), source="test")
    t0 = dt.datetime.now(dt.UTC) + 24 * HOUR
    election = await create_election(
        db_session,
        ElectionCreate(
            title="Scottish seat",
            posts=[PostIn(title="Scotland", scope="region:SCO")],
            nominations_open_at=t0,
            nominations_close_at=t0 + HOUR,
            nomination_rules=NominationRulesIn(supporting_members=2, supporting_branches=2),
        ),
        created_by="RO1",
        at=t0 - HOUR,
    )
    election_id = election.id
    await db_session.commit()
    body = NominationCreate(post=1, candidate="S2")
    with pytest.raises(DomainError, match="nominations open at"):
        await nominate(db_session, election_id, body, subject="S1", at=t0 - HOUR)
    await db_session.rollback()

    made = await nominate(db_session, election_id, body, subject="S1", at=t0)
    accepted_id = made.id
    await support(db_session, accepted_id, subject="E1", at=t0)
    await accept_nomination(db_session, accepted_id, "Hello", subject="S2", at=t0)
    waiting = await nominate(
        db_session, election_id, NominationCreate(post=1, candidate="S4"), subject="S3", at=t0
    )
    waiting_id = waiting.id
    await db_session.commit()

    with pytest.raises(DomainError, match="cannot be closed early"):
        await close_nominations(db_session, election_id, at=t0)
    await db_session.rollback()
    assert (await touch_election(db_session, election_id, at=t0 + HOUR / 2)).state == (
        "nominations_open"
    )
    closed = await touch_election(db_session, election_id, at=t0 + HOUR)
    assert closed.state == "nominations_closed"
    await db_session.commit()
    assert (await load_nomination(db_session, accepted_id)).state == "accepted"
    lapsed = await load_nomination(db_session, waiting_id)
    assert lapsed.state == "lapsed"
    assert lapsed.lapsed_reason == "the candidate had not accepted when nominations closed"
    with pytest.raises(DomainError, match="nominations are closed"):
        await support(db_session, waiting_id, subject="E2", at=t0 + HOUR)
