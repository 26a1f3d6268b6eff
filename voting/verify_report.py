"""What the bundle verifier found: one finding per check, in words an auditor understands.

Shared by ``voting.verify_log`` and ``voting.verify_box``, which add findings to a
:class:`Report`, and ``voting.verify``, which turns them into a :class:`BundleVerdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from audit.canonical import canonical_json
from schemas.bundle import BallotContent

__all__ = ["BundleVerdict", "Finding", "Report", "ballot_bytes", "short"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome: what was checked, whether it held, and what was found."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class BundleVerdict:
    """Everything the verifier found about one bundle."""

    findings: tuple[Finding, ...]
    pinned: bool
    """Whether the log's key was pinned by the auditor rather than taken from the bundle."""

    @property
    def ok(self) -> bool:
        """True when every check held."""
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> tuple[Finding, ...]:
        """The checks that failed."""
        return tuple(f for f in self.findings if not f.ok)


@dataclass
class Report:
    """The findings so far, in the order the checks ran."""

    findings: list[Finding] = field(default_factory=list)

    def ok(self, check: str, detail: str) -> None:
        """Record that ``check`` held."""
        self.findings.append(Finding(check, True, detail))

    def fail(self, check: str, detail: str) -> None:
        """Record one way ``check`` failed (a check may fail in several ways)."""
        self.findings.append(Finding(check, False, detail))

    def failed(self, check: str) -> bool:
        """Whether ``check`` has failed so far."""
        return any(f.check == check and not f.ok for f in self.findings)


def ballot_bytes(ballot: BallotContent) -> bytes:
    """A ballot's canonical bytes: what is ordered, digested and counted (``voting.ballots``)."""
    return canonical_json(msgspec.to_builtins(ballot))


def short(value: object) -> str:
    """A digest or value cut to fit in a sentence."""
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "…"
