"""An assembly's states and timetable: which step is due, and whether a window is open.

States run draft → motions_open → amendments_open → in_session → closed. Each step is taken by
a chair or, when its time in the timetable has come, by the system the next time anyone touches
the assembly (``due_steps``): opening for motions at ``opens_at``, amendments at the motions
deadline, the session at ``session_starts_at``, closing at ``session_ends_at``. Submissions are
accepted only in their state and before their deadline; a refusal names the deadline
(``motions_window``, ``amendments_window``). Pure; see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from schemas.moments import utc_text
from schemas.problems import DomainError
from schemas.states import ASSEMBLY_STATES, AssemblyState

__all__ = [
    "ASSEMBLY_STATES",
    "AssemblyStateError",
    "Timetable",
    "WindowClosed",
    "amendments_window",
    "due_steps",
    "motions_window",
    "next_state",
    "when",
]


class AssemblyStateError(DomainError):
    """A step out of order; the message says the state and what can happen next."""

    status = 409
    title = "Not possible in the assembly's current state"


class WindowClosed(DomainError):
    """A submission outside its window; the message names the deadline."""

    status = 409
    title = "Outside the submission window"


def when(moment: dt.datetime | None) -> str:
    """A time as members read it in messages and records: ``2026-11-20T18:00:00Z``."""
    if moment is None:
        return "not set"
    return utc_text(moment, whole_seconds=True)


@dataclass(frozen=True, slots=True)
class Timetable:
    """The times that drive an assembly; any may be left to the chair (``None``)."""

    opens_at: dt.datetime | None = None
    motions_deadline: dt.datetime | None = None
    amendments_deadline: dt.datetime | None = None
    session_starts_at: dt.datetime | None = None
    session_ends_at: dt.datetime | None = None

    def check(self) -> Timetable:
        """The timetable if its times carry a zone and come in order, else ``DomainError``."""
        named = [
            ("opens_at", self.opens_at),
            ("motions_deadline", self.motions_deadline),
            ("amendments_deadline", self.amendments_deadline),
            ("session_starts_at", self.session_starts_at),
            ("session_ends_at", self.session_ends_at),
        ]
        given = [(name, t) for name, t in named if t is not None]
        for name, moment in given:
            if moment.tzinfo is None:
                raise DomainError(f"{name} needs a time zone, e.g. 2026-12-01T18:00:00Z")
        for (first, a), (second, b) in itertools.pairwise(given):
            if b < a:
                raise DomainError(f"{second} ({when(b)}) comes before {first} ({when(a)})")
        return self

    def entering(self, state: AssemblyState) -> dt.datetime | None:
        """When the timetable moves an assembly into ``state`` (``None``: the chair does)."""
        return {
            "motions_open": self.opens_at,
            "amendments_open": self.motions_deadline,
            "in_session": self.session_starts_at,
            "closed": self.session_ends_at,
        }.get(state)


def next_state(state: AssemblyState) -> AssemblyState | None:
    """The state after ``state``, or ``None`` once closed."""
    position = ASSEMBLY_STATES.index(state)
    return ASSEMBLY_STATES[position + 1] if position + 1 < len(ASSEMBLY_STATES) else None


def due_steps(
    state: AssemblyState, timetable: Timetable, now: dt.datetime
) -> list[tuple[AssemblyState, dt.datetime]]:
    """The steps whose time has come, in order, each with the time it was due. Stops at the
    first step the timetable leaves to the chair. Cost: at most four comparisons."""
    steps: list[tuple[AssemblyState, dt.datetime]] = []
    current = next_state(state)
    while current is not None:
        due = timetable.entering(current)
        if due is None or due > now:
            break
        steps.append((current, due))
        current = next_state(current)
    return steps


def motions_window(state: AssemblyState, timetable: Timetable, now: dt.datetime, what: str) -> None:
    """Raise ``WindowClosed`` unless ``what`` (submitting or seconding a motion, withdrawing a
    seconding) is allowed now: in ``motions_open`` and before the motions deadline."""
    deadline = timetable.motions_deadline
    if deadline is not None and now >= deadline:
        raise WindowClosed(f"{what} closed at the motions deadline, {when(deadline)}")
    if state == "draft":
        opens = (
            f"at {when(timetable.opens_at)}" if timetable.opens_at else "when the chair opens it"
        )
        raise WindowClosed(
            f"{what} is not open yet: the assembly opens for motions {opens}; "
            f"the motions deadline is {when(deadline)}"
        )
    if state != "motions_open":
        raise WindowClosed(
            f"{what} is closed: the assembly is {state} (motions deadline {when(deadline)})"
        )


def amendments_window(
    state: AssemblyState, timetable: Timetable, now: dt.datetime, what: str
) -> None:
    """Raise ``WindowClosed`` unless ``what`` (an amendment, its seconding) is allowed now: in
    ``amendments_open`` and before the amendments deadline."""
    deadline = timetable.amendments_deadline
    if deadline is not None and now >= deadline:
        raise WindowClosed(f"{what} closed at the amendments deadline, {when(deadline)}")
    if state in ("draft", "motions_open"):
        raise WindowClosed(
            f"{what} is not open yet: amendments open after the motions deadline "
            f"({when(timetable.motions_deadline)}); the amendments deadline is {when(deadline)}"
        )
    if state != "amendments_open":
        raise WindowClosed(
            f"{what} is closed: the assembly is {state} (amendments deadline {when(deadline)})"
        )
