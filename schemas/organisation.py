"""Contracts for identity and the member roll."""

from __future__ import annotations

import msgspec

__all__ = ["Me", "RoleOn", "RollImportProblem", "RollImportResult"]


class RoleOn(msgspec.Struct):
    """A role held on one object, such as chair of one assembly."""

    role: str
    object_kind: str
    object_id: str


class Me(msgspec.Struct):
    """Who the token says the caller is, and where they belong if they are on the roll."""

    subject: str
    roles: list[str]
    grants: list[RoleOn]
    on_roll: bool
    name: str | None = None
    status: str | None = None
    branch: str | None = None
    branch_name: str | None = None
    region: str | None = None
    region_name: str | None = None


class RollImportResult(msgspec.Struct):
    """What a roll import did, and the snapshot later contests can name."""

    snapshot_id: int
    digest: str
    member_count: int
    active_count: int
    created: int
    updated: int
    regions_created: list[str]
    branches_created: list[str]


class RollImportProblem(msgspec.Struct):
    """One offending line of a rejected roll (line 1 is the header, 0 the whole file)."""

    line: int
    message: str
