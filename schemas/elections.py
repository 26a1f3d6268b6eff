"""Contracts for elections: posts, nominations, representation rules, ballots and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from schemas.petitions import NominationRulesIn, RecallRulesIn
from schemas.states import ElectionState, NominationState, PostState
from schemas.text import Input

__all__ = [
    "CandidateOut",
    "ElectionCreate",
    "ElectionOut",
    "ElectionResults",
    "NominationCreate",
    "NominationOut",
    "OpenBallotsIn",
    "PostIn",
    "PostOut",
    "PostResult",
    "PostRulesCheck",
    "RepresentationIn",
    "RulesCheck",
    "StatementIn",
]

Method = Literal["scottish_stv", "meek_stv", "irv"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Share = Annotated[str, msgspec.Meta(pattern=r"^\d+(/\d+)?$", examples=["1/2"])]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class PostIn(Input):
    """A post: ``seats`` seats chosen by members in ``scope`` (``national``, ``region:SCO``,
    ``branch:glasgow``). The method defaults to IRV for one seat, Scottish STV for more. Each
    person elected holds an office of ``office_kind`` for that scope (which can be recalled)."""

    title: Title
    scope: str = "national"
    seats: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    method: Method | None = None
    office_kind: Literal["executive", "branch_officer", "councillor"] = "executive"


class RepresentationIn(Input):
    """A representation rule, enforced inside the count of each post it applies to.

    Seats for candidates whose ``attribute`` is ``value``: ``at_least``/``at_most`` a number
    of seats, or ``at_least_share``/``at_most_share`` of the post's seats (``"1/2"``: at least
    half, rounded up; at most, rounded down). Leave ``value`` out to apply the rule to every
    value separately ("at most 3 from one region": ``attribute`` ``region``, ``at_most`` 3).
    Attributes are the self-described ones on the roll, plus ``region`` and ``branch``.
    ``posts`` lists post numbers (1, 2, …); left out, the rule applies to every post.
    """

    attribute: Label
    value: Label | None = None
    at_least: Annotated[int, msgspec.Meta(ge=0)] | None = None
    at_most: Annotated[int, msgspec.Meta(ge=0)] | None = None
    at_least_share: Share | None = None
    at_most_share: Share | None = None
    posts: list[Annotated[int, msgspec.Meta(ge=1)]] | None = None


class ElectionCreate(Input):
    """A returning officer sets up an election; nominations open at ``nominations_open_at``
    (now when left out) and close at ``nominations_close_at`` or when the returning officer
    closes them (only when no closing time was set). Ballots close at ``ballots_close_at``
    (or when the returning officer closes each contest)."""

    title: Title
    posts: Annotated[list[PostIn], msgspec.Meta(min_length=1, max_length=100)]
    nominations_open_at: dt.datetime | None = None
    nominations_close_at: dt.datetime | None = None
    ballots_close_at: dt.datetime | None = None
    nomination_rules: NominationRulesIn = msgspec.field(default_factory=NominationRulesIn)
    constraints: list[RepresentationIn] = []
    categories: dict[Label, dict[Label, list[Label]]] = {}
    """How self-described attributes are counted by the rules: per attribute, each category
    with the values members wrote that count as it (``{"gender": {"woman": ["female", "f"]}}``;
    the category's own name always counts). Matching ignores case and Unicode forms."""
    secret: bool = True
    recall_rules: RecallRulesIn = msgspec.field(default_factory=RecallRulesIn)


class CandidateOut(msgspec.Struct, omit_defaults=True):
    """A standing candidate as shown to everyone (candidates are public)."""

    nomination: str
    membership_number: str
    name: str
    statement: str | None = None
    counted_as: dict[str, str | None] = {}
    """What the post's representation rules count them as, per attribute (None: no category)."""


class PostOut(msgspec.Struct, omit_defaults=True):
    """A post; once ballots open, ``candidates`` are in ballot-paper order."""

    id: str
    number: int
    title: str
    scope: str
    seats: int
    method: str
    state: PostState
    candidates: list[CandidateOut] = []
    constraints: list[dict[str, Any]] = []
    ballot_order_seed: str | None = None
    contest: str | None = None
    elected: list[CandidateOut] | None = None
    office: str | None = None


class ElectionOut(msgspec.Struct, omit_defaults=True):
    """An election and its posts."""

    id: str
    title: str
    state: ElectionState
    nominations_open_at: dt.datetime
    nomination_rules: dict[str, int]
    constraints: list[dict[str, Any]]
    secret: bool
    rules_digest: str
    posts: list[PostOut]
    nominations_close_at: dt.datetime | None = None
    ballots_close_at: dt.datetime | None = None


class NominationCreate(Input):
    """A member nominates ``candidate`` (a membership number) for the post numbered ``post``;
    the proposer counts as the first supporting member unless they nominate themselves."""

    post: Annotated[int, msgspec.Meta(ge=1)]
    candidate: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class StatementIn(Input):
    """The candidate's published statement."""

    statement: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class NominationOut(msgspec.Struct, omit_defaults=True):
    """A nomination with its support counted against the rules (supporters are not named)."""

    id: str
    election: str
    post: int
    candidate: str
    candidate_name: str
    state: NominationState
    supporting_members: int
    supporting_branches: int
    needed_members: int
    needed_branches: int
    statement: str | None = None
    lapsed_reason: str | None = None
    counted_as: dict[str, str | None] = {}
    """What the post's representation rules count the candidate as ("counted as: woman")."""


class PostResult(msgspec.Struct, omit_defaults=True):
    """One post's outcome: elected without a ballot when uncontested, else the count with its
    stage-by-stage transcript (once the contest's result is published)."""

    post: int
    title: str
    scope: str
    seats: int
    state: PostState
    uncontested: bool
    elected: list[CandidateOut] | None = None
    contest: str | None = None
    result_digest: str | None = None
    transcript: dict[str, Any] | None = None


class ElectionResults(msgspec.Struct):
    """Every post's outcome."""

    election: str
    state: ElectionState
    posts: list[PostResult]


class OpenBallotsIn(Input):
    """Opening the ballots. A post whose rules cannot act as written (a rule no candidate falls
    under, a minimum above the candidates counted as it) stops them opening unless
    ``accept_unmet_rules``, and then each such rule is logged as not met."""

    accept_unmet_rules: bool = False


class PostRulesCheck(msgspec.Struct):
    """One post's rules as they would apply to the candidates standing now."""

    post: int
    title: str
    seats: int
    rules: list[str]
    constraints: list[dict[str, Any]]
    candidates: list[CandidateOut]
    problems: list[str]


class RulesCheck(msgspec.Struct):
    """Every rule in force, post by post, for the returning officer before the ballots open."""

    election: str
    state: ElectionState
    posts: list[PostRulesCheck]
