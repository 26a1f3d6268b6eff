"""What importing a roll file would change, worked out before anything is written.

An administrator uploads a roll, reads this preview (who is new, whose details change, whose
status changes, who moves between branches), then confirms; the import itself is
``roll.imports.import_roll`` on the same rows. The preview names the file by its SHA-256 and the
roll it was compared with by its latest snapshot, so a confirmation can be checked to import
exactly the file that was previewed against the roll that was shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.imports import current_snapshot
from roll.models import Branch, Member, Region
from roll.parse import RollError, RollProblem, RollRow, parse_roll

__all__ = ["Change", "RollPreview", "file_digest", "preview_roll", "preview_roll_csv"]


@dataclass(frozen=True, slots=True)
class Change:
    """One member whose status or branch the import changes: from ``before`` to ``after``."""

    membership_number: str
    name: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class RollPreview:
    """What the import of one file would do to the roll as it stands."""

    file_digest: str
    snapshot_id: int | None
    rows: int
    new: tuple[RollRow, ...]
    updated: tuple[RollRow, ...]
    status_changes: tuple[Change, ...]
    moves: tuple[Change, ...]
    unchanged: int
    regions_created: tuple[str, ...]
    branches_created: tuple[str, ...]


def file_digest(data: bytes) -> str:
    """The SHA-256 (hex) of the uploaded bytes, naming the file between preview and confirm."""
    return hashlib.sha256(data).hexdigest()


async def preview_roll(session: AsyncSession, rows: list[RollRow], digest: str) -> RollPreview:
    """Compare ``rows`` (from ``parse_roll``) with the roll; read only, nothing is written.

    Raises ``RollError`` naming lines for what the import would refuse: a branch in the file
    that is in another region on the roll. A member is ``updated`` when their name, email or
    attributes change (a status change or a move is listed on its own, not also as updated).
    Cost: one scan of the members, branches and regions on the roll.
    """
    existing = {
        number: (name, email, status, dict(attributes or {}), branch)
        for number, name, email, status, attributes, branch in await session.execute(
            select(
                Member.membership_number,
                Member.name,
                Member.email,
                Member.status,
                Member.attributes,
                Branch.code,
            ).join(Branch, Member.branch_id == Branch.id)
        )
    }
    branch_regions = dict(
        (
            await session.execute(
                select(Branch.code, Region.code).join(Region, Branch.region_id == Region.id)
            )
        ).all()
    )
    regions = set((await session.scalars(select(Region.code))).all())
    problems = []
    first_in_branch: dict[str, RollRow] = {}
    for row in rows:
        first_in_branch.setdefault(row.branch, row)
    for code, row in first_in_branch.items():
        if code in branch_regions and branch_regions[code] != row.region:
            problems.append(
                RollProblem(
                    row.line,
                    f"branch {code} is in region {branch_regions[code]} on the roll, "
                    f"not {row.region}",
                )
            )
    if problems:
        raise RollError(problems)
    new, updated, status_changes, moves = [], [], [], []
    unchanged = 0
    for row in rows:
        found = existing.get(row.membership_number)
        if found is None:
            new.append(row)
            continue
        name, email, status, attributes, branch = found
        same = True
        if status != row.status:
            status_changes.append(Change(row.membership_number, row.name, status, row.status))
            same = False
        if branch != row.branch:
            moves.append(Change(row.membership_number, row.name, branch, row.branch))
            same = False
        if (name, email, attributes) != (row.name, row.email, dict(row.attributes)):
            updated.append(row)
            same = False
        unchanged += same
    snapshot = await current_snapshot(session)
    return RollPreview(
        file_digest=digest,
        snapshot_id=snapshot.id if snapshot else None,
        rows=len(rows),
        new=tuple(new),
        updated=tuple(updated),
        status_changes=tuple(status_changes),
        moves=tuple(moves),
        unchanged=unchanged,
        regions_created=tuple(sorted({r.region for r in rows} - regions)),
        branches_created=tuple(sorted(set(first_in_branch) - set(branch_regions))),
    )


async def preview_roll_csv(session: AsyncSession, data: bytes) -> RollPreview:
    """Parse ``data`` as a roll CSV (``RollError`` naming every bad line) and preview it."""
    return await preview_roll(session, parse_roll(data), file_digest(data))
