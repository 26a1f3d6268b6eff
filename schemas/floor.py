"""Contracts for the floor of an assembly: delegates, card votes, proxies and attendance.

The standing orders of a delegate assembly say, as data (``DelegatesIn``), how many delegates a
branch sends (one per ``members_per_delegate`` active members, within ``at_least`` and
``at_most``), whether a vote is a card vote and how its weight is reckoned, and how many proxies
one delegate may hold. ``vote_by`` says whether a vote's electorate is everyone entitled or only
those checked in when the chair froze attendance (so a quorum is of those present).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.states import DelegateState
from schemas.text import Input

__all__ = [
    "AttendanceOut",
    "CardVote",
    "CheckInIn",
    "CredentialIn",
    "DelegateIn",
    "DelegateOut",
    "DelegatesIn",
    "EntitlementOut",
    "HallCodeOut",
    "ProxyIn",
    "StewardCheckInIn",
    "VoteBy",
]

CardVote = Literal["none", "membership", "block"]
VoteBy = Literal["all", "present"]
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class DelegatesIn(Input):
    """A delegate assembly's rules. ``card_vote``: ``none`` (one delegate, one vote),
    ``membership`` (the branch's active membership shared among its credentialed delegates in
    whole votes, the earliest registered taking any remainder) or ``block`` (the branch's whole
    membership on the card of its earliest registered credentialed delegate). A branch with
    fewer members than ``members_per_delegate`` still sends ``at_least``; with
    ``part_counts`` a part of ``members_per_delegate`` counts as a whole one."""

    members_per_delegate: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 50
    at_least: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 1
    at_most: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    part_counts: bool = False
    card_vote: CardVote = "none"
    proxies_per_holder: Annotated[int, msgspec.Meta(ge=0, le=20)] = 0


class DelegateIn(Input):
    """A branch registers one of its members as a delegate."""

    member: Number


class CredentialIn(Input):
    """The credentials decision on a registered delegate."""

    approve: bool


class ProxyIn(Input):
    """A delegate names another credentialed delegate to cast their vote."""

    proxy: Number


class CheckInIn(Input):
    """A member checks in with the code shown in the hall."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class StewardCheckInIn(Input):
    """A steward checks a member in."""

    member: Number


class DelegateOut(msgspec.Struct, omit_defaults=True):
    """A delegate as the assembly shows them."""

    id: str
    member: str
    branch: str
    state: DelegateState
    proxy: str | None = None


class EntitlementOut(msgspec.Struct):
    """How many delegates a branch may send, and how many it has registered and credentialed."""

    branch: str
    members: int
    entitled: int
    registered: int
    credentialed: int


class HallCodeOut(msgspec.Struct):
    """The code to show in the hall; only its hash is kept."""

    code: str


class AttendanceOut(msgspec.Struct, omit_defaults=True):
    """Who is present: how many have checked in, and whether the chair has frozen the set."""

    present: int
    frozen: bool
    frozen_at: dt.datetime | None = None
    checked_in: bool | None = None
