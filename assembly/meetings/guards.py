"""Who may see an assembly and who may act as its chair: the one place both rules live.

The API routes and the pages call these, and so do the domain functions that only a chair may
take (admitting or ruling out an amendment), so "only the chair admits" holds however a request
arrives. A chair is whoever holds a ``chair`` grant on this one assembly (a ``chair`` role in
the token alone is not enough). See docs/ARCHITECTURE.md, "Where each rule lives".
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import AssemblyNotFound, load_assembly
from assembly.models import Assembly
from roll.grants import has_grant
from roll.scope import Scope
from roll.viewer import Viewer
from schemas.problems import DomainError

__all__ = ["NotChair", "is_chair", "require_chair", "visible_assembly"]


class NotChair(DomainError):
    """The caller does not chair this assembly."""

    status = 403
    title = "Forbidden"


async def is_chair(session: AsyncSession, subject: str, assembly_id: uuid.UUID) -> bool:
    """Whether ``subject`` holds a chair grant on this assembly. Cost: one indexed lookup."""
    return await has_grant(session, subject, "chair", "assembly", str(assembly_id))


async def require_chair(session: AsyncSession, subject: str, assembly_id: uuid.UUID) -> str:
    """``subject`` if they chair this assembly, else ``NotChair`` (403)."""
    if not await is_chair(session, subject, assembly_id):
        raise NotChair(
            "this needs the chair of this assembly (a chair grant on it from an administrator)"
        )
    return subject


async def visible_assembly(
    session: AsyncSession, viewer: Viewer, assembly_id: uuid.UUID, *, at: dt.datetime | None = None
) -> Assembly:
    """The assembly, its due steps taken, if ``viewer`` may see it: officers and its chairs
    always, members in its scope once it is out of draft; else 404 as if it did not exist."""
    assembly = await load_assembly(session, assembly_id)
    if viewer.officer or viewer.holds("chair", "assembly", str(assembly_id)):
        return assembly
    if (
        viewer.region is not None
        and viewer.branch is not None
        and assembly.state != "draft"
        and Scope.parse(assembly.scope).contains(viewer.region, viewer.branch)
    ):
        return assembly
    raise AssemblyNotFound(f"there is no assembly {assembly_id} that you can see")
