"""Timetables and standing orders as data (issue 6, "Assemblies"), pure."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from assembly.meetings.standing_orders import StandingOrders, StandingOrdersError, seconding_count
from assembly.meetings.timetable import (
    Timetable,
    WindowClosed,
    amendments_window,
    due_steps,
    motions_window,
)
from schemas.assemblies import StandingOrdersIn
from schemas.contests import MajorityIn
from schemas.problems import DomainError

T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
TIMES = Timetable(
    opens_at=T0,
    motions_deadline=T0 + HOUR,
    amendments_deadline=T0 + 2 * HOUR,
    session_starts_at=T0 + 3 * HOUR,
    session_ends_at=T0 + 4 * HOUR,
)


def test_due_steps_are_taken_in_order_up_to_now() -> None:
    assert due_steps("draft", TIMES, T0 - HOUR) == []
    assert due_steps("draft", TIMES, T0 + 90 * dt.timedelta(minutes=1)) == [
        ("motions_open", T0),
        ("amendments_open", T0 + HOUR),
    ]
    assert [s for s, _ in due_steps("motions_open", TIMES, T0 + 10 * HOUR)] == [
        "amendments_open",
        "in_session",
        "closed",
    ]
    assert due_steps("closed", TIMES, T0 + 10 * HOUR) == []


def test_a_step_left_to_the_chair_stops_the_timetable() -> None:
    chaired = Timetable(motions_deadline=T0, session_starts_at=T0 + HOUR)
    assert due_steps("draft", chaired, T0 + 5 * HOUR) == []
    assert due_steps("motions_open", chaired, T0 + 5 * HOUR) == [
        ("amendments_open", T0),
        ("in_session", T0 + HOUR),
    ]


def test_windows_refuse_with_the_deadline_in_the_message() -> None:
    motions_window("motions_open", TIMES, T0 + HOUR / 2, "submitting a motion")
    with pytest.raises(WindowClosed, match="2026-09-01T10:00:00Z"):
        motions_window("motions_open", TIMES, T0 + HOUR, "submitting a motion")
    with pytest.raises(WindowClosed, match="not open yet"):
        motions_window("draft", TIMES, T0 - HOUR, "submitting a motion")
    with pytest.raises(WindowClosed, match="amendments deadline is 2026-09-01T11:00:00Z"):
        amendments_window("motions_open", TIMES, T0 + HOUR / 2, "submitting an amendment")
    amendments_window("amendments_open", TIMES, T0 + HOUR, "submitting an amendment")
    with pytest.raises(WindowClosed, match="closed at the amendments deadline"):
        amendments_window("amendments_open", TIMES, T0 + 2 * HOUR, "submitting an amendment")


def test_a_timetable_out_of_order_or_without_zone_is_refused() -> None:
    with pytest.raises(DomainError, match=r"amendments_deadline .* comes before motions_deadline"):
        Timetable(motions_deadline=T0 + HOUR, amendments_deadline=T0).check()
    with pytest.raises(DomainError, match="time zone"):
        Timetable(opens_at=dt.datetime(2026, 9, 1)).check()


def test_constitutional_motions_need_two_thirds_by_default() -> None:
    orders = StandingOrders.from_request(StandingOrdersIn())
    assert orders.rule_for("policy").threshold == Fraction(1, 2)
    assert orders.rule_for("constitutional").threshold == Fraction(2, 3)
    assert orders.rule_for("constitutional").comparison == "at_least"
    assert StandingOrders.from_dict(orders.to_dict()) == orders
    with pytest.raises(StandingOrdersError, match="majority"):
        StandingOrders.from_request(StandingOrdersIn(majority=MajorityIn(threshold="3/2")))


def test_seconders_from_one_branch_count_once_when_orders_say_so() -> None:
    assert seconding_count([7, 7, 9], distinct_branches=True) == 2
    assert seconding_count([7, 7, 9], distinct_branches=False) == 3
