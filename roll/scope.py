"""Scope: who a decision belongs to — ``national``, ``region:<code>`` or ``branch:<code>``.

A decision that belongs to Scottish members is voted on by Scottish members only
(``region:SCO``); a branch decision by that branch. The electorate of a scope is the active
members in it. Scopes nest: national ⊇ region ⊇ branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from schemas.problems import DomainError

__all__ = ["Scope", "ScopeError"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

Level = Literal["national", "region", "branch"]


class ScopeError(DomainError):
    """A scope that cannot be read; the message shows the forms that can."""

    title = "Unknown scope"


@dataclass(frozen=True, slots=True)
class Scope:
    """A parsed scope. ``code`` is empty for ``national``; region codes are upper case."""

    level: Level
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Read ``national``, ``region:SCO`` or ``branch:glasgow``."""
        raw = text.strip()
        if raw == "national":
            return cls("national")
        level, sep, code = raw.partition(":")
        if sep and level in ("region", "branch") and _CODE.match(code):
            return cls(level, code.upper() if level == "region" else code)  # type: ignore[arg-type]
        raise ScopeError(
            f"scope {text!r} is not one of 'national', 'region:<code>' or 'branch:<code>'"
        )

    def __str__(self) -> str:
        return "national" if self.level == "national" else f"{self.level}:{self.code}"

    def contains(self, region_code: str, branch_code: str) -> bool:
        """Whether a member of ``branch_code`` in ``region_code`` belongs to this scope."""
        if self.level == "national":
            return True
        if self.level == "region":
            return self.code == region_code
        return self.code == branch_code

    def within(self, outer: Scope) -> bool:
        """Whether this scope lies inside ``outer`` as far as the scope alone can tell.

        A branch scope inside a region scope needs the branch's region, which the scope text
        does not carry; callers that know it use ``contains`` instead.
        """
        if outer.level == "national":
            return True
        if outer.level == self.level:
            return outer.code == self.code
        return False
