"""``plenary import-members FILE``: the command-line path to the same all-or-nothing import."""

from __future__ import annotations

import sys
from pathlib import Path

from roll.imports import import_roll_csv
from roll.parse import RollError
from service.database import session_for
from service.events import log_roll_import
from service.settings import Settings
from service.signin.roll_changes import end_sessions_of_suspended

__all__ = ["import_roll_file"]


async def import_roll_file(settings: Settings, path: Path, data: bytes) -> int:
    """Import ``data`` read from ``path``; print what happened, or every bad line.

    Returns the exit status.
    """
    database_url = settings.database
    if len(data) > settings.max_csv_bytes:
        print(
            f"{path}: {len(data)} bytes is over the limit of {settings.max_csv_bytes} "
            "(PLENARY_MAX_CSV_BYTES); nothing was imported",
            file=sys.stderr,
        )
        return 1
    async with session_for(database_url) as session:
        try:
            imported = await import_roll_csv(session, data, source=path.name[:200])
        except RollError as exc:
            print(
                f"{path}: nothing was imported; fix every line below and run again:",
                file=sys.stderr,
            )
            for problem in exc.problems:
                print(f"{path}:{problem.line}: {problem.message}", file=sys.stderr)
            return 1
        await log_roll_import(session, imported, actor_role="admin")
        await end_sessions_of_suspended(session)
        await session.commit()
    print(
        f"imported {path.name}: {imported.created} new, {imported.updated} updated; the roll now "
        f"has {imported.member_count} members ({imported.active_count} active); "
        f"snapshot {imported.snapshot_id}, sha256 {imported.digest}"
    )
    return 0
