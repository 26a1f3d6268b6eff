"""Contracts for assemblies, motions, amendments, their votes and the assembly's record."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from schemas.contests import MajorityIn
from schemas.floor import DelegatesIn, VoteBy
from schemas.states import AmendmentState, AssemblyState, MotionState, MotionVoteState, SpeakerState
from schemas.text import Input

__all__ = [
    "AgendaIn",
    "AmendmentCreate",
    "AmendmentOut",
    "AssemblyCreate",
    "AssemblyOut",
    "AssemblyRecord",
    "CallNextIn",
    "ChairIn",
    "CompositeCreate",
    "DiffLineOut",
    "ForwardIn",
    "HandCountIn",
    "LineOut",
    "MotionCreate",
    "MotionOut",
    "OverlapOut",
    "ProvenanceOut",
    "ReinstateIn",
    "RulingIn",
    "SecondingOut",
    "SpeakIn",
    "SpeakerOut",
    "SpeakersOut",
    "StandingOrdersIn",
    "StateIn",
    "TimetableIn",
    "VoteOut",
    "VoteStartIn",
    "VoteStepIn",
    "VoteStepOut",
]

AssemblyKind = Literal["conference", "regional_assembly", "branch_meeting"]
Category = Literal["policy", "constitutional", "organisational"]
VoteMethod = Literal["secret", "recorded", "show_of_hands"]
"""How a vote is taken: a secret ballot, a recorded (roll-call) one, or hands counted in the
hall by tellers."""
Action = Literal["delete", "replace", "insert_after"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Paragraph = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Paragraphs = Annotated[list[Paragraph], msgspec.Meta(min_length=1, max_length=200)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1000)]
Line = Annotated[int, msgspec.Meta(ge=0, le=10000)]


def _two_thirds() -> MajorityIn:
    return MajorityIn(base="cast", threshold="2/3", comparison="at_least")


class StandingOrdersIn(Input):
    """The rules an assembly runs by. Majorities are ``tally`` rules: ``threshold`` of
    ``base``; constitutional motions (and amendments to them) need two thirds by default."""

    seconders_required: Count = 2
    seconders_from_distinct_branches: bool = False
    amendment_seconders_required: Count = 1
    majority: MajorityIn = msgspec.field(default_factory=MajorityIn)
    constitutional_majority: MajorityIn = msgspec.field(default_factory=_two_thirds)
    votes: Literal["secret", "recorded"] = "secret"
    # The floor (delegates, card votes, proxies, attendance): schemas/floor.py.
    delegates: DelegatesIn | None = None
    vote_by: VoteBy = "all"
    # How the chair may take a vote instead of ``votes``, one vote at a time (issue 16), and
    # the speakers list: whether the chair alternates for and against, and each speech's limit.
    vote_methods: list[VoteMethod] = []
    speakers_alternate: bool = True
    speech_seconds: Annotated[int, msgspec.Meta(ge=10, le=3600)] = 180


class TimetableIn(Input):
    """When the assembly moves on by itself; a time left out is the chair's to decide."""

    opens_at: dt.datetime | None = None
    motions_deadline: dt.datetime | None = None
    amendments_deadline: dt.datetime | None = None
    session_starts_at: dt.datetime | None = None
    session_ends_at: dt.datetime | None = None


class AssemblyCreate(Input):
    """An administrator sets up an assembly (it starts as a draft)."""

    title: Title
    kind: AssemblyKind
    scope: str = "national"
    timetable: TimetableIn = msgspec.field(default_factory=TimetableIn)
    standing_orders: StandingOrdersIn = msgspec.field(default_factory=StandingOrdersIn)


class AssemblyOut(msgspec.Struct):
    """An assembly, its timetable, its standing orders (as stored) and its chairs."""

    id: str
    title: str
    kind: str
    scope: str
    state: AssemblyState
    timetable: TimetableIn
    standing_orders: dict[str, Any]
    chairs: list[str]


class ChairIn(Input):
    """The token subject (membership number) who will chair the assembly."""

    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class StateIn(Input):
    """The state a chair moves the assembly to: always the next one."""

    to: AssemblyState


class MotionCreate(Input):
    """A member submits a motion as numbered paragraphs. ``scope`` may be narrower than the
    assembly's (``region:SCO`` at conference); ``on_behalf_of_branch`` proposes it for the
    member's branch."""

    title: Title
    category: Category
    paragraphs: Paragraphs
    scope: str | None = None
    on_behalf_of_branch: bool = False


class RulingIn(Input):
    """The chair's reason for ruling a motion or amendment out of order (published)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class CompositeCreate(Input):
    """The chair composites several motions (same category and scope) into one."""

    title: Title
    paragraphs: Paragraphs
    sources: Annotated[list[str], msgspec.Meta(min_length=2, max_length=50)]


class ForwardIn(Input):
    """The conference a carried regional motion goes to."""

    to_assembly: str


class AmendmentCreate(Input):
    """Delete or replace lines ``start..end`` (``end`` defaults to ``start``), or insert
    ``paragraphs`` after line ``start`` (0: before the first line)."""

    action: Action
    start: Line
    end: Line | None = None
    paragraphs: Annotated[list[Paragraph], msgspec.Meta(max_length=200)] = []


class ReinstateIn(Input):
    """The chair rules that a fallen amendment still applies, to these lines of the text as
    amended so far."""

    start: Line
    end: Line | None = None


class HandCountIn(Input, kw_only=True):
    """The tellers' figures for a vote taken by show of hands, and who the tellers were."""

    for_: Annotated[int, msgspec.Meta(ge=0)] = msgspec.field(name="for")
    against: Annotated[int, msgspec.Meta(ge=0)]
    abstain: Annotated[int, msgspec.Meta(ge=0)] = 0
    tellers: Annotated[list[Title], msgspec.Meta(min_length=1, max_length=20)]


class VoteStartIn(Input):
    """How the first vote is taken, if not as standing orders say by default."""

    method: VoteMethod | None = None


class VoteStepIn(Input):
    """The step of the votes the chair saw (``VoteOut.step``). A request whose step the votes
    have moved past (a repeated press, a stale page) changes nothing and answers with where
    the votes stand. ``method`` is how the vote this request opens is taken (standing orders'
    default if left out); ``hand_count`` gives the tellers' figures when the vote being decided
    was taken by show of hands."""

    step: Annotated[int, msgspec.Meta(ge=0)]
    method: VoteMethod | None = None
    hand_count: HandCountIn | None = None


class SpeakIn(Input):
    """A member asks to speak for or against the motion."""

    side: Literal["for", "against"]


class CallNextIn(Input):
    """The chair calls the next speaker. ``after`` is the request id of the speaker the chair
    saw speaking (``None`` if nobody was): when someone else is speaking now (a repeated
    press), nothing changes."""

    after: str | None = None


class SpeakerOut(msgspec.Struct, omit_defaults=True):
    """One request to speak: who (membership number), for or against, and its state."""

    id: str
    member: str
    side: str
    state: SpeakerState
    called_at: dt.datetime | None = None


class SpeakersOut(msgspec.Struct, omit_defaults=True):
    """The speakers list of one motion: who is speaking with the seconds left of their time
    (negative once over), who waits in the order the chair will call them, and the rules."""

    motion: str
    speech_seconds: int
    alternate: bool
    waiting: list[SpeakerOut]
    spoken: int
    speaking: SpeakerOut | None = None
    seconds_left: int | None = None


class AgendaIn(Input):
    """The order of business: admitted motions, first to last."""

    motions: list[str]


class LineOut(msgspec.Struct):
    """A numbered line of a motion."""

    number: int
    text: str


class DiffLineOut(msgspec.Struct, omit_defaults=True):
    """A line of an amendment shown against the motion: ``unchanged``, ``deleted`` (struck
    through) or ``inserted`` (new text, no number)."""

    text: str
    change: Literal["unchanged", "deleted", "inserted"]
    number: int | None = None


class SecondingOut(msgspec.Struct):
    """Seconders so far, how many count (one per branch when standing orders say so), and
    how many are needed."""

    seconders: int
    counted: int
    required: int
    enough: bool


class AmendmentOut(msgspec.Struct, omit_defaults=True):
    """An amendment with its diff against the numbered lines and the motion as it would read
    if carried. ``current_start``/``current_end`` are its lines in the text as amended so far
    once voting on the motion has begun."""

    id: str
    motion: str
    number: int
    action: str
    start: int
    end: int
    paragraphs: list[str]
    state: AmendmentState
    describe: str
    text_digest: str
    seconding: SecondingOut
    diff: list[DiffLineOut]
    motion_if_carried: list[LineOut]
    ruling_reason: str | None = None
    current_start: int | None = None
    current_end: int | None = None
    contest: str | None = None
    shown_against: Literal["submitted", "as_amended"] = "submitted"


class OverlapOut(msgspec.Struct):
    """Admitted amendments that overlap: if ``if_carried`` is carried, ``falls`` fall."""

    if_carried: int
    falls: list[int]


class ProvenanceOut(msgspec.Struct, omit_defaults=True):
    """A motion this one is linked to: where it came from (``forwarded_from``, ``composite_of``)
    or went (``forwarded_to``, ``composited_into``), named by assembly and number, with the vote
    that carried it when there was one."""

    relation: Literal["forwarded_from", "forwarded_to", "composite_of", "composited_into"]
    motion: str
    number: int
    title: str
    assembly: str
    assembly_title: str
    state: MotionState
    contest: str | None = None


class VoteStepOut(msgspec.Struct, omit_defaults=True):
    """One vote in the sequence on a motion: an amendment or the motion itself, taken by
    ``method`` (``secret``, ``recorded`` or ``show_of_hands``). A show of hands has no contest;
    once counted (``state`` ``counted_by_hand``) ``hand_count`` holds the tellers' figures,
    the majority figures and the tellers."""

    subject: Literal["amendment", "motion"]
    id: str
    contest: str | None = None
    state: str | None = None
    outcome: str | None = None
    method: str | None = None
    hand_count: dict[str, Any] | None = None


class VoteOut(msgspec.Struct, omit_defaults=True):
    """Where voting on a motion stands: every step so far and the contest open now."""

    motion: str
    state: MotionVoteState | Literal["not started"]
    steps: list[VoteStepOut]
    open_contest: str | None = None
    text_digest: str | None = None
    lines: list[LineOut] = []
    step: int = 0


class MotionOut(msgspec.Struct, omit_defaults=True):
    """A motion with its numbered lines, seconding, amendments, links and decision."""

    id: str
    assembly: str
    number: int
    title: str
    category: str
    scope: str
    state: MotionState
    lines: list[LineOut]
    text_digest: str
    seconding: SecondingOut
    amendments: list[AmendmentOut] = []
    proposer: str | None = None
    proposer_branch: str | None = None
    proposer_assembly: str | None = None
    ruling_reason: str | None = None
    composited_into: str | None = None
    composite_of: list[str] = []
    forwarded_from: str | None = None
    forwarded_to: str | None = None
    agenda_position: int | None = None
    vote_state: MotionVoteState | None = None
    contest: str | None = None
    current_lines: list[LineOut] = []
    final_lines: list[LineOut] = []
    final_digest: str | None = None
    provenance: list[ProvenanceOut] = []
    overlaps: list[OverlapOut] = []
    waiting_for_ruling: list[int] = []
    short_of_seconders: bool = False


class AssemblyRecord(msgspec.Struct):
    """The record of an assembly: every motion and amendment, each decision with its vote
    result, final texts and digests, and the log entries that recorded them."""

    assembly: AssemblyOut
    motions: list[dict[str, Any]]
    log: list[dict[str, Any]]
