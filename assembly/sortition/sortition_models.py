"""Sortitions (panels drawn by lot) and the volunteers in their pools, as tables.

A sortition collects volunteers in a scope while its pool is open; each volunteer gets a
random ticket and salt, and the published inputs name tickets with their self-described
features, never membership numbers; the commitment lists each ticket's salted commitment to its
member (``assembly.sortition.entries``). Committing stores the inputs (``tally.sortition``
form), their digest, the entries and the named drand round; drawing stores the beacon, the
seed, the result and the panel's membership numbers (a public result). See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import DefaultBase, UUIDBase
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schemas.states import SORTITION_STATES, SortitionState

__all__ = ["SORTITION_STATES", "Sortition", "SortitionVolunteer"]


class Sortition(UUIDBase):
    """A draw by lot for ``seats`` seats of ``role`` (term ``term``) in ``scope``."""

    __tablename__ = "sortition"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pool_open', 'committing', 'committed', 'drawn')",
            name="sortition_state_known",
        ),
        CheckConstraint("seats >= 1", name="sortition_seats_positive"),
    )

    title: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(120), index=True)
    term: Mapped[int] = mapped_column(Integer)
    exclude_terms: Mapped[int] = mapped_column(Integer, default=0)
    seats: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    features: Mapped[list[str]] = mapped_column(JSONB)
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    state: Mapped[SortitionState] = mapped_column(String(16), default="pool_open")
    pool_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    inputs_digest: Mapped[str | None] = mapped_column(String(64))
    entries: Mapped[list[dict[str, str]] | None] = mapped_column(JSONB)
    entries_digest: Mapped[str | None] = mapped_column(String(64))
    portfolio: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    excluded: Mapped[int | None] = mapped_column(Integer)
    commit_problem: Mapped[str | None] = mapped_column(String(500))
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    randomness: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    seed_hex: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    panel: Mapped[list[str] | None] = mapped_column(JSONB)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    log_indexes: Mapped[list[int]] = mapped_column(JSONB, default=list)


class SortitionVolunteer(DefaultBase):
    """A member in a sortition's pool, under a random ticket, with the features they gave."""

    __tablename__ = "sortition_volunteer"
    __table_args__ = (UniqueConstraint("sortition_id", "ticket", name="sortition_ticket_once"),)

    sortition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sortition.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    ticket: Mapped[str] = mapped_column(String(32))
    salt: Mapped[str | None] = mapped_column(String(32))
    features: Mapped[dict[str, str]] = mapped_column(JSONB)
