"""Who an ID token signs in: a member found on the roll by the membership-number claim, or an
officer found by a sign-in grant naming the token's verified email address. With the member
claim set to ``email`` (a provider such as Google Workspace that holds no membership numbers),
the member is found by their verified address instead.

The same lookups as emailed sign-in (:func:`service.signin.email_flow.find_addressee`, active
members only, the member's own grants added): the provider proves who someone is, the roll and
the grants say what they may do here. Roles in the token are never trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.signin.email_flow import Addressee, find_addressee
from service.signin.oidc_client import OidcRefused
from service.signin.store import grants_for_email

__all__ = ["addressee_for_claims", "claims_wanted"]


def claims_wanted(member_claim: str) -> tuple[str, ...]:
    """The claims that name someone when ``member_claim`` is the membership-number claim:
    the provider's UserInfo is asked for them when the ID token lacks them."""
    return ("email", "email_verified") if member_claim == "email" else (member_claim,)


async def addressee_for_claims(
    db: AsyncSession, claims: Mapping[str, Any], member_claim: str
) -> Addressee:
    """The person the verified ``claims`` name; ``OidcRefused`` (``no_member_claim`` or
    ``not_on_roll``) when there is none. Cost: two or three indexed queries."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        email = ""  # an address the provider has not verified names no one here
    if member_claim == "email":  # a provider that knows members only by their address
        found = await find_addressee(db, email) if email else None
        if found is None:
            raise OidcRefused("not_on_roll" if email else "no_member_claim")
        return found
    number = claims.get(member_claim)
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if isinstance(number, str) and number.strip():
        # a number, never an address: find_addressee would look an address up by email
        found = None if "@" in number else await find_addressee(db, number.strip())
        if found is None:
            raise OidcRefused("not_on_roll")
        return found
    if email:
        grants = await grants_for_email(db, email)
        if grants:
            subject = grants[0].subject
            roles = tuple(dict.fromkeys(g.role for g in grants if g.subject == subject))
            return Addressee(subject, roles, email.lower())
    raise OidcRefused("no_member_claim")
