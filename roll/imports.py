"""Importing a parsed roll into the database, inside the caller's transaction.

Missing regions and branches are created; members are inserted or updated in place by
membership number (members not in the file are left as they are). The whole roll is then
digested and recorded as a ``RollSnapshot``. Nothing is committed here: the caller commits once,
together with the audit-log entry, so an import either happens whole or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from roll.lock import lock_roll_for_import
from roll.models import Branch, Region, RollSnapshot
from roll.parse import (
    RollError,
    RollProblem,
    RollRow,
    canonical_roll_line,
    parse_roll,
    roll_digest,
)

__all__ = ["ImportedRoll", "current_snapshot", "import_roll", "import_roll_csv"]


@dataclass(frozen=True, slots=True)
class ImportedRoll:
    """What an import did: the snapshot it recorded and the counts a person wants to see."""

    snapshot_id: int
    digest: str
    member_count: int
    active_count: int
    created: int
    updated: int
    regions_created: tuple[str, ...]
    branches_created: tuple[str, ...]


async def _ensure_regions(
    session: AsyncSession, rows: list[RollRow]
) -> tuple[dict[str, int], list[str]]:
    wanted = sorted({r.region for r in rows})
    existing = dict((await session.execute(select(Region.code, Region.id))).all())
    created = [c for c in wanted if c not in existing]
    if created:
        await session.execute(
            insert(Region)
            .values([{"code": c, "name": c} for c in created])
            .on_conflict_do_nothing()
        )
        existing = dict((await session.execute(select(Region.code, Region.id))).all())
    return existing, created


async def _ensure_branches(
    session: AsyncSession, rows: list[RollRow], region_ids: dict[str, int]
) -> tuple[dict[str, int], list[str]]:
    first: dict[str, RollRow] = {}
    for row in rows:
        first.setdefault(row.branch, row)
    region_codes = {v: k for k, v in region_ids.items()}
    existing = {
        code: (bid, rid)
        for code, bid, rid in (
            await session.execute(select(Branch.code, Branch.id, Branch.region_id))
        )
    }
    problems = [
        RollProblem(
            row.line,
            f"branch {code} is in region {region_codes[existing[code][1]]} on the roll, "
            f"not {row.region}",
        )
        for code, row in first.items()
        if code in existing and region_codes[existing[code][1]] != row.region
    ]
    if problems:
        raise RollError(problems)
    created = sorted(c for c in first if c not in existing)
    if created:
        await session.execute(
            insert(Branch)
            .values(
                [{"code": c, "name": c, "region_id": region_ids[first[c].region]} for c in created]
            )
            .on_conflict_do_nothing()
        )
    ids = dict((await session.execute(select(Branch.code, Branch.id))).all())
    return ids, created


async def _raw(session: AsyncSession) -> Any:
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def import_roll(session: AsyncSession, rows: list[RollRow], *, source: str) -> ImportedRoll:
    """Write ``rows`` (from ``roll.parse.parse_roll``) and record a roll snapshot.

    Raises ``RollError`` (naming lines) when a branch in the file already belongs to another
    region. Cost: one COPY of the rows into a temporary table, one upsert, one ordered scan of
    the whole roll for the digest. Serialised against other imports by an advisory lock.
    """
    await lock_roll_for_import(session)
    region_ids, regions_created = await _ensure_regions(session, rows)
    branch_ids, branches_created = await _ensure_branches(session, rows, region_ids)

    snapshot = RollSnapshot(
        digest="", member_count=0, active_count=0, created_count=0, updated_count=0, source=source
    )
    session.add(snapshot)
    await session.flush()

    raw = await _raw(session)
    await raw.execute(
        "CREATE TEMP TABLE roll_incoming (membership_number text, name text, email text, "
        "branch_id bigint, status text, attributes jsonb) ON COMMIT DROP"
    )
    await raw.copy_records_to_table(
        "roll_incoming",
        records=[
            (
                r.membership_number,
                r.name,
                r.email,
                branch_ids[r.branch],
                r.status,
                json.dumps(dict(r.attributes), sort_keys=True),
            )
            for r in rows
        ],
    )
    result = await raw.fetch(
        """
        INSERT INTO member (membership_number, name, email, branch_id, status, attributes,
                            snapshot_id)
        SELECT membership_number, name, email, branch_id, status, attributes, $1
        FROM roll_incoming
        ON CONFLICT (membership_number) DO UPDATE
           SET name = EXCLUDED.name, email = EXCLUDED.email, branch_id = EXCLUDED.branch_id,
               status = EXCLUDED.status, attributes = EXCLUDED.attributes,
               snapshot_id = EXCLUDED.snapshot_id
        RETURNING (xmax = 0) AS inserted
        """,
        snapshot.id,
    )
    await raw.execute("DROP TABLE roll_incoming")
    created = sum(1 for r in result if r["inserted"])

    roll = await raw.fetch(
        """
        SELECT m.membership_number, m.name, m.email, b.code AS branch, g.code AS region,
               m.status, m.attributes::text AS attributes
        FROM member m JOIN branch b ON b.id = m.branch_id JOIN region g ON g.id = b.region_id
        ORDER BY m.membership_number COLLATE "C"
        """
    )
    digest = roll_digest(
        canonical_roll_line(
            r["membership_number"],
            r["name"],
            r["email"],
            r["branch"],
            r["region"],
            r["status"],
            json.loads(r["attributes"]),
        )
        for r in roll
    )
    snapshot.digest = digest
    snapshot.member_count = len(roll)
    snapshot.active_count = sum(1 for r in roll if r["status"] == "active")
    snapshot.created_count = created
    snapshot.updated_count = len(rows) - created
    await session.flush()
    return ImportedRoll(
        snapshot_id=snapshot.id,
        digest=digest,
        member_count=snapshot.member_count,
        active_count=snapshot.active_count,
        created=created,
        updated=len(rows) - created,
        regions_created=tuple(regions_created),
        branches_created=tuple(branches_created),
    )


async def current_snapshot(session: AsyncSession) -> RollSnapshot | None:
    """The latest roll snapshot, or None before the first import."""
    found = await session.scalar(select(RollSnapshot).order_by(RollSnapshot.id.desc()).limit(1))
    return found


async def import_roll_csv(session: AsyncSession, data: bytes, *, source: str) -> ImportedRoll:
    """Parse ``data`` as a roll CSV and import it (see ``parse_roll`` and ``import_roll``)."""
    return await import_roll(session, parse_roll(data), source=source)
