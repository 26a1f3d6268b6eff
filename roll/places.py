"""The organisation's places by name: nations and regions, and their branches.

Pages show "Scotland" and "Glasgow branch", never ``SCO`` or ``glasgow``; this is where the
names are read. Cost: two small queries (an organisation has tens of regions and branches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.models import Branch, Region

__all__ = ["Places", "place_names"]


@dataclass(frozen=True, slots=True)
class Places:
    """Region and branch names by code, and each branch's region code."""

    regions: dict[str, str] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    branch_region: dict[str, str] = field(default_factory=dict)

    def region(self, code: str) -> str:
        """The region's name (its code if it is not known)."""
        return self.regions.get(code, code)

    def branch(self, code: str) -> str:
        """The branch's name (its code if it is not known)."""
        return self.branches.get(code, code)


async def place_names(session: AsyncSession) -> Places:
    """Every region and branch, by code, as :class:`Places`."""
    regions = (await session.execute(select(Region.code, Region.name))).all()
    in_region = select(Branch.code, Branch.name, Region.code).join(
        Region, Branch.region_id == Region.id
    )
    branches = (await session.execute(in_region)).all()
    return Places(
        regions={code: name for code, name in regions},
        branches={code: name for code, name, _ in branches},
        branch_region={code: region for code, _, region in branches},
    )
