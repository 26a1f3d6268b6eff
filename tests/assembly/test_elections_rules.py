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
    counted_as,
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
        seats=[5],
    )
    standing = _candidates(*[("woman", "SCO")] * 4, *[("man", "SCO")] * 4)
    assert constraints_for_post(rules, 1, 5, standing).constraints == [
        {"attribute": "gender", "value": "man", "at_least": None, "at_most": 2},
        {"attribute": "gender", "value": "woman", "at_least": 3, "at_most": None},
    ]


def test_a_rule_without_a_value_limits_every_region_that_could_exceed_it() -> None:
    rules = check_representation([RepresentationIn(attribute="region", at_most=1)], seats=[2, 2])
    standing = _candidates(("man", "SCO"), ("woman", "SCO"), ("man", "WAL"), ("man", "LDN"))
    # Wales and London have one candidate each: "at most 1" cannot bind them.
    assert constraints_for_post(rules, 2, 2, standing).constraints == [
        {"attribute": "region", "value": "sco", "at_least": None, "at_most": 1}
    ]


def test_a_minimum_above_the_candidates_holding_the_value_is_a_problem_not_a_silent_cut() -> None:
    rules = check_representation(
        [RepresentationIn(attribute="gender", value="woman", at_least=3, posts=[1])], seats=[3, 3]
    )
    standing = _candidates(("woman", "SCO"), ("man", "SCO"), ("man", "WAL"), ("man", "WAL"))
    applied = constraints_for_post(rules, 1, 3, standing)
    # Lowered to what can be met only if the returning officer accepts the problem it names.
    assert applied.constraints == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    assert applied.problems == [
        "post 1: the rule at least 3 to gender=woman needs 3 of the 3 seats, but only 1 "
        "candidate standing is counted as gender=woman"
    ]
    assert constraints_for_post(rules, 2, 3, standing).constraints == []
    assert constraints_for_post(rules, 2, 3, standing).problems == []


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
        (
            RepresentationIn(attribute="gender", value="w", at_least=2, at_most=1),
            "at least 2 but at most 1 of post 1's 2 seats: the minimum is above the maximum",
        ),
        (
            RepresentationIn(attribute="gender", value="w", at_least_share="2/3", at_most=1),
            "at least 2 but at most 1 of post 1's 2 seats",
        ),
        (
            RepresentationIn(attribute="gender", value="w", at_least=3, at_most=4),
            "at least 3 seats, but post 1 has 2 seats",
        ),
    ],
)
def test_rules_that_cannot_apply_are_refused_naming_them(
    rule: RepresentationIn, message: str
) -> None:
    with pytest.raises(RepresentationError, match=message):
        check_representation([rule], seats=[2, 2])


def test_self_described_values_are_counted_by_the_categories_table_case_folded() -> None:
    # The attack: women standing as "Woman" and "female" under "at least 1 woman" made the
    # rule vanish (exact, case-sensitive match). The table and folding count both.
    rules = check_representation(
        [RepresentationIn(attribute="gender", value="Woman", at_least=1)],
        [2],
        {"gender": {"woman": ["female", "F"], "man": ["male", "M"]}},
    )
    assert rules[0]["value"] == "woman"
    standing = [{"gender": "Woman"}, {"gender": "female"}, {"gender": "MALE"}, {"gender": "man"}]
    applied = constraints_for_post(rules, 1, 2, standing)
    assert [c["gender"] for c in applied.counted] == ["woman", "woman", "man", "man"]
    assert applied.constraints == [
        {"attribute": "gender", "value": "woman", "at_least": 1, "at_most": None}
    ]
    assert applied.problems == []
    # A value the table does not hold is counted as nothing, visibly.
    assert counted_as(rules, 1, {"gender": "non-binary"}) == {"gender": None}
    # Without a table, case and Unicode forms still do not matter.
    plain = check_representation(
        [RepresentationIn(attribute="gender", value="woman", at_least=1)], seats=[2]
    )
    assert counted_as(plain, 1, {"gender": "ＷＯＭＡＮ"}) == {"gender": "woman"}


def test_a_rule_no_candidate_falls_under_is_a_problem_naming_it() -> None:
    rules = check_representation(
        [RepresentationIn(attribute="gender", value="woman", at_least=1)], seats=[2]
    )
    applied = constraints_for_post(rules, 1, 2, [{"gender": "female"}, {"gender": "man"}] * 2)
    assert applied.constraints == []
    assert applied.problems == [
        "post 1: no candidate standing is counted as gender=woman, so the rule at least 1 to "
        "gender=woman has nothing to act on"
    ]


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ({"gender": {"woman": ["Female"], "female": []}}, "counted as both"),
        ({"gender": {"woman": ["x"], "man": ["X"]}}, "counted as both"),
        ({"age": {"young": ["18-25"]}}, "no rule looks at age"),
    ],
)
def test_a_categories_table_that_is_ambiguous_or_unused_is_refused(
    categories: dict[str, dict[str, list[str]]], message: str
) -> None:
    with pytest.raises(RepresentationError, match=message):
        check_representation(
            [RepresentationIn(attribute="gender", value="woman", at_least=1)], [2], categories
        )


def test_a_rule_value_outside_the_categories_is_refused() -> None:
    with pytest.raises(RepresentationError, match=r"'women' is not one of the categories"):
        check_representation(
            [RepresentationIn(attribute="gender", value="women", at_least=1)],
            [2],
            {"gender": {"woman": ["female"]}},
        )


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
