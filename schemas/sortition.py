"""Contracts for sortition: setting a draw up, volunteering, committing and drawing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from schemas.states import SortitionState
from schemas.text import Input

__all__ = [
    "BeaconIn",
    "CommitIn",
    "DrawIn",
    "QuotaIn",
    "SortitionCreate",
    "SortitionOut",
    "SourceIn",
    "VolunteerOut",
]

Label = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Value = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]+$", max_length=512)]


class QuotaIn(Input):
    """Between ``min`` and ``max`` seats for members whose ``feature`` is ``value``."""

    feature: Label
    value: Value
    min: Annotated[int, msgspec.Meta(ge=0)] = 0
    max: Annotated[int, msgspec.Meta(ge=0)] | None = None


class SortitionCreate(Input):
    """An organiser sets up a draw by lot in ``scope`` for ``seats`` seats of ``role``.

    ``features`` are the self-described roll attributes volunteers are drawn by (a volunteer
    who has not described one is ``not_stated``; ``region`` and ``branch`` come from the roll);
    ``quotas`` bound the seats per feature value. Members who served in the same role (and
    scope) in the ``exclude_terms`` terms before ``term`` are left out of the pool. ``method``:
    ``maximin`` (the default: the lowest chance of any volunteer as high as the quotas allow,
    every chance published), ``uniform`` (every quota-respecting panel equally likely) or
    ``sequential``.
    """

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    role: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    seats: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    scope: str = "national"
    term: Annotated[int, msgspec.Meta(ge=1)] = 1
    exclude_terms: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    features: list[Label] = []
    quotas: list[QuotaIn] = []
    method: Literal["maximin", "uniform", "sequential"] = "maximin"
    pool_closes_at: dt.datetime | None = None


class SourceIn(Input):
    """The source of randomness, named before it exists: a drand ``round`` still to come on
    ``chain`` (quicknet by default). Nothing typed in at draw time can seed a draw."""

    kind: Literal["drand"] = "drand"
    chain: Literal["quicknet", "default"] = "quicknet"
    round: Annotated[int, msgspec.Meta(ge=1)] | None = None


class CommitIn(Input):
    """Close the pool and commit to it, the quotas, the method and the source."""

    source: SourceIn


class BeaconIn(Input):
    """A drand beacon as published: its round, randomness and signature (hex), and for a
    chained scheme the previous round's signature."""

    round: Annotated[int, msgspec.Meta(ge=1)]
    randomness: Hex
    signature: Hex
    previous_signature: Hex | None = None


class DrawIn(Input):
    """The randomness: the named round's ``beacon``."""

    beacon: BeaconIn


class VolunteerOut(msgspec.Struct):
    """Your receipt for the pool: the ticket the published inputs know you by, your features,
    and the ``salt`` with which ``entry`` commits your ticket to your membership number (keep
    both: ``plenary verify-draw RECORD --ticket … --salt … --member …`` checks your entry)."""

    sortition: str
    ticket: str
    features: dict[str, str]
    salt: str
    entry: str


class SortitionOut(msgspec.Struct, omit_defaults=True):
    """A draw as anyone may see it; the panel (membership numbers) once drawn."""

    id: str
    title: str
    scope: str
    role: str
    term: int
    exclude_terms: int
    seats: int
    method: str
    features: list[str]
    quotas: list[dict[str, Any]]
    state: SortitionState
    pool: int
    pool_closes_at: dt.datetime | None = None
    source: dict[str, Any] | None = None
    inputs_digest: str | None = None
    entries_digest: str | None = None
    portfolio_digest: str | None = None
    lowest_chance: str | None = None
    highest_chance: str | None = None
    excluded: int | None = None
    committed_at: dt.datetime | None = None
    commit_problem: str | None = None
    seed_hex: str | None = None
    panel: list[str] | None = None
    drawn_at: dt.datetime | None = None
    volunteered: bool | None = None
