"""Every state a thing of the organisation's can be in, as a ``Literal`` type: one home for each.

The tables store these as short strings (each with a CHECK constraint listing them, built from
the tuple beside its type), the API shows them as they are, and the domain code compares and
assigns them as string literals. Typing the columns and fields with these types lets mypy
(``strict``, so with ``strict_equality``) refuse a misspelt state, in an assignment
(``contest.state = "opne"``) or a comparison (``contest.state == "opne"``), before any test
runs. The order of each tuple is the order a thing passes through, where it has one.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "AMENDMENT_STATES",
    "ASSEMBLY_STATES",
    "CONTEST_STATES",
    "DELEGATE_STATES",
    "ELECTION_STATES",
    "MEMBER_STATUSES",
    "MOTION_STATES",
    "MOTION_VOTE_STATES",
    "NOMINATION_STATES",
    "OFFICE_STATES",
    "PETITION_STATES",
    "POST_STATES",
    "SORTITION_STATES",
    "SPEAKER_STATES",
    "AmendmentState",
    "AssemblyState",
    "ContestState",
    "DelegateState",
    "ElectionState",
    "MemberStatus",
    "MotionState",
    "MotionVoteState",
    "NominationState",
    "OfficeState",
    "PetitionState",
    "PostState",
    "SortitionState",
    "SpeakerState",
]

# The roll.
MemberStatus = Literal["active", "lapsed", "suspended"]

# Contests (voting).
ContestState = Literal["draft", "open", "closed", "counted", "published"]

# Meetings and their business.
AssemblyState = Literal["draft", "motions_open", "amendments_open", "in_session", "closed"]
MotionState = Literal[
    "submitted",
    "admitted",
    "ruled_out",
    "composited",
    "carried",
    "lost",
    "withdrawn",
    "remitted",
    "forwarded",
]
# A motion's vote in the hall: taking votes, then decided (None before its vote begins).
MotionVoteState = Literal["voting", "decided"]
AmendmentState = Literal[
    "submitted", "admitted", "ruled_out", "withdrawn", "voting", "carried", "lost", "fallen"
]
SpeakerState = Literal["waiting", "speaking", "spoken", "withdrawn"]
DelegateState = Literal["registered", "credentialed", "rejected", "withdrawn"]

# Elections.
ElectionState = Literal["nominations_open", "nominations_closed", "ballots_open", "declared"]
PostState = Literal["nominations", "balloting", "uncontested", "vacant", "declared"]
NominationState = Literal["proposed", "accepted", "withdrawn", "lapsed"]

# Offices and recall petitions.
OfficeState = Literal["held", "vacant"]
PetitionState = Literal["open", "succeeded", "failed", "recalled", "retained"]

# Selection by lot.
SortitionState = Literal["pool_open", "committing", "committed", "drawn"]

MEMBER_STATUSES: tuple[MemberStatus, ...] = get_args(MemberStatus)
CONTEST_STATES: tuple[ContestState, ...] = get_args(ContestState)
ASSEMBLY_STATES: tuple[AssemblyState, ...] = get_args(AssemblyState)
MOTION_STATES: tuple[MotionState, ...] = get_args(MotionState)
MOTION_VOTE_STATES: tuple[MotionVoteState, ...] = get_args(MotionVoteState)
AMENDMENT_STATES: tuple[AmendmentState, ...] = get_args(AmendmentState)
SPEAKER_STATES: tuple[SpeakerState, ...] = get_args(SpeakerState)
DELEGATE_STATES: tuple[DelegateState, ...] = get_args(DelegateState)
ELECTION_STATES: tuple[ElectionState, ...] = get_args(ElectionState)
POST_STATES: tuple[PostState, ...] = get_args(PostState)
NOMINATION_STATES: tuple[NominationState, ...] = get_args(NominationState)
OFFICE_STATES: tuple[OfficeState, ...] = get_args(OfficeState)
PETITION_STATES: tuple[PetitionState, ...] = get_args(PetitionState)
SORTITION_STATES: tuple[SortitionState, ...] = get_args(SortitionState)
