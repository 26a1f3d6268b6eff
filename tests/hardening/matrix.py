"""Driving the authorisation matrix: one request per route and caller, sorted into answers.

An answer is one of ``ok`` (authorisation let the caller through: a 2xx or 3xx, or a refusal
by the rules of the domain such as 409 or 422), ``401``, ``403``, ``404`` or, on pages,
``sign-in`` (a redirect to the sign-in page). A 5xx is never an answer: it fails at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from litestar import Litestar

from service.web.session import SESSION_COOKIE
from tests.hardening.world import ROLL, Actor, World
from tests.sessions import session_cookie

__all__ = [
    "answer_of",
    "body_for",
    "fill_path",
    "headers_for",
    "routes_of",
    "session_for",
    "web_csrf",
]

_PARAM = re.compile(r"{([a-z_]+)}")
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')

# Values for path parameters that no world object supplies (page actions and such).
_FIXED = {
    "tile_path": "entries/000.p/1",
    "code": "cy",
    "step": "count",
    "action": "second",
    "file_path": "plenary.css",
    "path": "openapi.yaml",
    "grant_id": "999999",
    "delegate_id": "00000000-0000-4000-8000-000000000001",
}

# A valid body for each operation that takes one, so the request reaches authorisation
# (handlers that authorise inside would otherwise stop at 400 first).
_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/contests"): {"title": "Matrix motion", "kind": "motion"},
    ("POST", "/api/v1/sign-in-grants"): {
        "email": "ro9@party.example",
        "subject": "RO9",
        "role": "returning_officer",
    },
    ("POST", "/api/v1/contests/{contest_id}/ballots"): {"choice": "for"},
    ("POST", "/api/v1/assemblies"): {"title": "Matrix", "kind": "branch_meeting"},
    ("POST", "/api/v1/assemblies/{assembly_id}/chairs"): {"subject": "CHAIR9"},
    ("POST", "/api/v1/assemblies/{assembly_id}/state"): {"to": "in_session"},
    ("POST", "/api/v1/assemblies/{assembly_id}/motions"): {
        "title": "Matrix motion",
        "category": "policy",
        "paragraphs": ["One paragraph."],
    },
    # Sources that do not exist: the chair gets past authorisation to a 404 naming them.
    ("POST", "/api/v1/assemblies/{assembly_id}/composites"): {
        "title": "Composite",
        "sources": [
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-000000000002",
        ],
        "paragraphs": ["One paragraph."],
    },
    ("PUT", "/api/v1/assemblies/{assembly_id}/agenda"): {"motions": []},
    ("POST", "/api/v1/motions/{motion_id}/rule-out"): {"reason": "Out of order."},
    ("POST", "/api/v1/motions/{motion_id}/forward"): {
        "to_assembly": "00000000-0000-0000-0000-000000000000"
    },
    ("POST", "/api/v1/motions/{motion_id}/amendments"): {
        "action": "delete",
        "start": 1,
        "end": 1,
    },
    ("POST", "/api/v1/motions/{motion_id}/amendments/{amendment_id}/rule-out"): {
        "reason": "Out of order."
    },
    ("POST", "/api/v1/motions/{motion_id}/amendments/{amendment_id}/reinstate"): {
        "start": 1,
        "end": 1,
    },
    ("POST", "/api/v1/motions/{motion_id}/vote/next"): {"step": 0},
    ("POST", "/api/v1/motions/{motion_id}/speakers"): {"side": "for"},
    ("POST", "/api/v1/motions/{motion_id}/speakers/next"): {"after": None},
    ("POST", "/api/v1/motions/{motion_id}/vote/close"): {"step": 0},
    ("POST", "/api/v1/elections"): {"title": "Matrix election", "posts": [{"title": "Post"}]},
    ("POST", "/api/v1/elections/{election_id}/nominations"): {"post": 1, "candidate": "S10"},
    ("POST", "/api/v1/nominations/{nomination_id}/accept"): {"statement": "I will serve."},
    ("PUT", "/api/v1/nominations/{nomination_id}/statement"): {"statement": "I will serve."},
    ("POST", "/api/v1/offices"): {
        "title": "Matrix office",
        "kind": "branch_officer",
        "scope": "branch:glasgow",
        "holder": "S10",
    },
    ("POST", "/api/v1/offices/{office_id}/petitions"): {"reason": "Absent."},
    ("POST", "/api/v1/sortitions"): {"title": "Matrix draw", "role": "panel", "seats": 1},
    ("POST", "/api/v1/sortitions/{sortition_id}/commit"): {
        "source": {"kind": "drand", "round": 10**9}
    },
    ("POST", "/api/v1/sortitions/{sortition_id}/draw"): {
        "beacon": {"round": 10**9, "randomness": "00", "signature": "00"}
    },
    # The floor: delegates, proxies, attendance.
    ("POST", "/api/v1/assemblies/{assembly_id}/delegates"): {"member": "S2"},
    ("POST", "/api/v1/assemblies/{assembly_id}/delegates/{delegate_id}/credentials"): {
        "approve": True
    },
    ("POST", "/api/v1/assemblies/{assembly_id}/proxy"): {"proxy": "S2"},
    ("POST", "/api/v1/assemblies/{assembly_id}/check-in"): {"code": "ABCDEFGH"},
    ("POST", "/api/v1/assemblies/{assembly_id}/check-in/steward"): {"member": "S2"},
    ("POST", "/api/v1/assemblies/{assembly_id}/stewards"): {"subject": "S9"},
    ("POST", "/api/v1/branches/{code}/secretaries"): {"subject": "S9"},
}


def routes_of(app: Litestar) -> Iterator[tuple[str, str]]:
    """Every (method, path template) the app answers, less OPTIONS and HEAD."""
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method not in ("OPTIONS", "HEAD"):
                yield method, route.path_format


def fill_path(template: str, world: World) -> str:
    """The template with a real id (or a fixed value) for each parameter."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "contest_id" and "/stream" in template:
            return world.ids[name][-1]  # the published contest: its stream ends at once
        return world.first(name) if name in world.ids else _FIXED[name]

    return _PARAM.sub(value, template)


def body_for(method: str, template: str) -> dict[str, Any]:
    """Keyword arguments for the request body of ``method template``."""
    if (method, template) == ("POST", "/api/v1/members/import"):
        return {"content": ROLL.encode(), "headers": {"Content-Type": "text/csv"}}
    body = _BODIES.get((method, template))
    return {"json": body} if body is not None else {}


async def web_csrf(client: httpx.AsyncClient, cookies: dict[str, str]) -> dict[str, str]:
    """Cookies and the forgery token a page form would carry for this caller."""
    page = await client.get("/sign-in", cookies=cookies)
    jar = {**cookies, **{k: v for k, v in page.cookies.items()}}
    found = _CSRF.search(page.text)
    return {**jar, "csrf": found.group(1) if found else ""}


def answer_of(response: httpx.Response) -> str:
    """The answer's kind; a server error is never one."""
    status = response.status_code
    assert status < 500, f"{response.request.method} {response.request.url}: {response.text}"
    if status in (401, 403, 404):
        return str(status)
    if 300 <= status < 400 and response.headers.get("location", "").startswith("/sign-in"):
        return "sign-in"
    return "ok"


def headers_for(actor: Actor, token: Callable[..., str]) -> dict[str, str]:
    """The bearer token header for ``actor`` (none for the anonymous caller)."""
    if actor.subject is None:
        return {}
    return {"Authorization": f"Bearer {token(actor.subject, *actor.roles)}"}


async def session_for(app: Litestar, actor: Actor) -> dict[str, str]:
    """The page session cookie for ``actor`` (none for the anonymous caller)."""
    if actor.subject is None:
        return {}
    return {SESSION_COOKIE: await session_cookie(app, actor.subject, actor.roles)}
