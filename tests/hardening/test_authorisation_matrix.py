"""The authorisation matrix: every route × every caller, in scope and out of scope, each
expected answer written down once, below.

Columns follow :data:`tests.hardening.world.ACTORS`: anonymous (no token), a member in the
object's scope (S1, Glasgow) and out of it (W1, Cardiff), the chair of the object's assembly
(CHAIR1) and of another (CHAIR2), then the organisation-wide returning officer, auditor and
admin (scope does not apply to them). ``ok`` means authorisation let the caller through (the
rules may still refuse with 409/422); ``sign-in`` is a page redirecting to the sign-in page.
Every ``/api/v1`` route and every system route must have a row: a new one without a row fails
with the line to add. Page routes (``/``) are checked when they have a row; while the pages are
still being built, a page route without one is listed, not failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx
from litestar import Litestar, get

from service.app import create_app
from service.settings import Settings
from tests.hardening.matrix import (
    answer_of,
    body_for,
    fill_path,
    headers_for,
    routes_of,
    session_for,
    web_csrf,
)
from tests.hardening.world import ACTORS, build_world

MATRIX: dict[tuple[str, str], str] = {
    #                                          anon in out chair chair2 RO audit admin
    # System routes.
    ("GET", "/health"): "ok ok ok ok ok ok ok ok",
    ("GET", "/metrics"): "ok ok ok ok ok ok ok ok",
    ("GET", "/ready"): "ok ok ok ok ok ok ok ok",
    ("GET", "/schema"): "ok ok ok ok ok ok ok ok",
    ("GET", "/schema/openapi.json"): "ok ok ok ok ok ok ok ok",
    ("GET", "/schema/docs"): "ok ok ok ok ok ok ok ok",
    ("GET", "/schema/{path}"): "404 404 404 404 404 404 404 404",
    # The JSON API.
    ("GET", "/api/v1/assemblies"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/assemblies"): "401 403 403 403 403 403 403 ok",
    ("GET", "/api/v1/assemblies/{assembly_id}"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/agenda"): "401 ok 404 ok 404 ok ok ok",
    ("PUT", "/api/v1/assemblies/{assembly_id}/agenda"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/assemblies/{assembly_id}/chairs"): "401 403 403 403 403 403 403 ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/composites"): "401 403 403 404 403 403 403 403",
    ("GET", "/api/v1/assemblies/{assembly_id}/motions"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/motions"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/record"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/record.md"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/state"): "401 403 403 ok 403 403 403 403",
    ("GET", "/api/v1/audit/checkpoint"): "ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/audit/entries"): "ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/audit/key"): "ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/audit/proof/consistency"): "ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/audit/proof/inclusion"): "ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/audit/tile/{tile_path}"): "404 404 404 404 404 404 404 404",
    ("GET", "/api/v1/contests"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/contests"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/contests/{contest_id}"): "401 ok 404 404 404 ok ok ok",
    # Casting hides what reading hides (404 where the GET is 404), issue 17.
    ("POST", "/api/v1/contests/{contest_id}/ballots"): "401 ok 404 404 404 403 403 403",
    ("GET", "/api/v1/contests/{contest_id}/blt"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/contests/{contest_id}/bundle"): "401 ok 404 404 404 ok ok ok",
    ("POST", "/api/v1/contests/{contest_id}/close"): "401 403 403 403 403 ok 403 403",
    ("POST", "/api/v1/contests/{contest_id}/count"): "401 403 403 403 403 ok 403 403",
    ("POST", "/api/v1/contests/{contest_id}/open"): "401 403 403 403 403 ok 403 403",
    ("POST", "/api/v1/contests/{contest_id}/publish"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/contests/{contest_id}/receipts/{receipt_hash}"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/contests/{contest_id}/result"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/contests/{contest_id}/turnout"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/contests/{contest_id}/turnout/stream"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/elections"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/elections"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/elections/{election_id}"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/elections/{election_id}/close-nominations"): "401 403 403 403 403 ok 403 403",
    ("POST", "/api/v1/elections/{election_id}/declare"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/elections/{election_id}/nominations"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/elections/{election_id}/nominations"): "401 ok 403 403 403 403 403 403",
    ("POST", "/api/v1/elections/{election_id}/open-ballots"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/elections/{election_id}/results"): "401 ok ok ok ok ok ok ok",
    ("GET", "/api/v1/elections/{election_id}/rules"): "401 403 403 403 403 ok 403 403",
    ("GET", "/api/v1/me"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/members/import"): "401 403 403 403 403 403 403 ok",
    ("GET", "/api/v1/sign-in-grants"): "401 403 403 403 403 403 403 ok",
    ("POST", "/api/v1/sign-in-grants"): "401 403 403 403 403 403 403 ok",
    ("DELETE", "/api/v1/sign-in-grants/{grant_id}"): "401 403 403 403 403 403 403 404",
    ("GET", "/api/v1/motions/{motion_id}"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/motions/{motion_id}/admit"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/amendments"): "401 ok 404 403 404 403 403 403",
    ("GET", "/api/v1/motions/{motion_id}/amendments/{amendment_id}"): "401 ok 404 ok 404 ok ok ok",
    (
        "POST",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/admit",
    ): "401 403 403 ok 403 403 403 403",
    (
        "POST",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/reinstate",
    ): "401 403 403 ok 403 403 403 403",
    (
        "POST",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/rule-out",
    ): "401 403 403 ok 403 403 403 403",
    (
        "POST",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/seconders",
    ): "401 ok 404 403 404 403 403 403",
    (
        "POST",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/withdraw",
    ): "401 403 404 403 404 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/forward"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/remit"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/rule-out"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/seconders"): "401 ok 404 ok 404 ok ok ok",
    ("DELETE", "/api/v1/motions/{motion_id}/seconders/me"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/motions/{motion_id}/vote"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/motions/{motion_id}/speakers"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/motions/{motion_id}/speakers"): "401 ok 404 403 404 403 403 403",
    ("DELETE", "/api/v1/motions/{motion_id}/speakers/me"): "401 404 404 403 404 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/speakers/next"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/vote/close"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/vote/next"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/vote/start"): "401 403 403 ok 403 403 403 403",
    ("POST", "/api/v1/motions/{motion_id}/withdraw"): "401 403 404 403 404 403 403 403",
    ("GET", "/api/v1/nominations/{nomination_id}"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/nominations/{nomination_id}/accept"): "401 403 403 403 403 403 403 403",
    ("PUT", "/api/v1/nominations/{nomination_id}/statement"): "401 403 403 403 403 403 403 403",
    ("POST", "/api/v1/nominations/{nomination_id}/supporters"): "401 ok 403 403 403 403 403 403",
    (
        "DELETE",
        "/api/v1/nominations/{nomination_id}/supporters/me",
    ): "401 ok 404 404 404 404 404 404",
    ("POST", "/api/v1/nominations/{nomination_id}/withdraw"): "401 403 403 403 403 403 403 403",
    ("GET", "/api/v1/offices"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/offices"): "401 403 403 403 403 403 403 ok",
    ("GET", "/api/v1/offices/reselections"): "401 403 403 403 403 ok 403 ok",
    ("GET", "/api/v1/offices/{office_id}"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/offices/{office_id}/petitions"): "401 ok 403 403 403 403 403 403",
    ("GET", "/api/v1/petitions"): "401 ok ok ok ok ok ok ok",
    ("GET", "/api/v1/petitions/{petition_id}"): "401 ok ok ok ok ok ok ok",
    ("GET", "/api/v1/petitions/{petition_id}/receipts/{receipt_hash}"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/petitions/{petition_id}/signatures"): "401 ok 403 403 403 403 403 403",
    ("DELETE", "/api/v1/petitions/{petition_id}/signatures/me"): "401 ok 404 404 404 404 404 404",
    ("GET", "/api/v1/petitions/{petition_id}/receipts"): "401 ok ok ok ok ok ok ok",
    ("GET", "/api/v1/sortitions"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/sortitions"): "401 403 403 403 403 ok 403 ok",
    ("GET", "/api/v1/sortitions/{sortition_id}"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/sortitions/{sortition_id}/commit"): "401 403 403 403 403 ok 403 ok",
    ("POST", "/api/v1/sortitions/{sortition_id}/draw"): "401 403 403 403 403 ok 403 ok",
    ("GET", "/api/v1/sortitions/{sortition_id}/record"): "401 ok ok ok ok ok ok ok",
    ("POST", "/api/v1/sortitions/{sortition_id}/volunteers"): "401 ok 403 403 403 403 403 403",
    ("DELETE", "/api/v1/sortitions/{sortition_id}/volunteers/me"): "401 ok 404 404 404 404 404 404",
    # The floor: delegates, proxies, attendance, and the assembly's documents. The matrix's
    # assembly is no delegate assembly, so delegate steps past authorisation answer 409.
    ("GET", "/api/v1/assemblies/{assembly_id}/attendance"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/delegates"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/entitlements"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/motions-book"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/motions-book.pdf"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/timetable.ics"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/conference-record"): "401 ok 404 ok 404 ok ok ok",
    ("GET", "/api/v1/assemblies/{assembly_id}/conference-record.pdf"): (
        "401 ok 404 ok 404 ok ok ok"
    ),
    ("POST", "/api/v1/assemblies/{assembly_id}/check-in"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/delegates"): "401 403 404 403 404 403 403 ok",
    (
        "POST",
        "/api/v1/assemblies/{assembly_id}/delegates/{delegate_id}/credentials",
    ): "401 403 404 ok 404 403 403 ok",
    (
        "POST",
        "/api/v1/assemblies/{assembly_id}/delegates/{delegate_id}/withdraw",
    ): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/proxy"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/proxy/revoke"): "401 ok 404 ok 404 ok ok ok",
    ("POST", "/api/v1/assemblies/{assembly_id}/hall-code"): "401 403 404 ok 404 403 403 403",
    ("POST", "/api/v1/assemblies/{assembly_id}/check-in/steward"): (
        "401 403 404 ok 404 403 403 403"
    ),
    ("POST", "/api/v1/assemblies/{assembly_id}/attendance/freeze"): (
        "401 403 404 ok 404 403 403 403"
    ),
    ("POST", "/api/v1/assemblies/{assembly_id}/attendance/reopen"): (
        "401 403 404 ok 404 403 403 403"
    ),
    ("POST", "/api/v1/assemblies/{assembly_id}/stewards"): "401 403 403 403 403 403 403 ok",
    ("POST", "/api/v1/branches/{code}/secretaries"): "401 403 403 403 403 403 403 ok",
    ("GET", "/api/v1/contests/{contest_id}/result-sheet"): "401 ok 404 404 404 ok ok ok",
    ("GET", "/api/v1/contests/{contest_id}/result-sheet.pdf"): "401 ok 404 404 404 ok ok ok",
    # Pages (GET only: page forms are not in the matrix yet).
    ("GET", "/"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/assemblies/{assembly_id}"): "sign-in ok 404 ok 404 ok ok ok",
    ("GET", "/audit"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/chair"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/contests/{contest_id}"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/contests/{contest_id}/ballots.blt"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/contests/{contest_id}/bundle.json"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/contests/{contest_id}/check"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/contests/{contest_id}/proof/{receipt_hash}"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/contests/{contest_id}/results"): "sign-in ok 404 404 404 ok ok ok",
    ("GET", "/elections/{election_id}"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/home"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/language/{code}"): "ok ok ok ok ok ok ok ok",
    ("GET", "/motions/{motion_id}"): "sign-in ok 404 ok 404 ok ok ok",
    ("GET", "/admin"): "sign-in 403 403 403 403 403 403 ok",
    ("GET", "/admin/grants"): "sign-in 403 403 403 403 403 403 ok",
    ("GET", "/admin/members"): "sign-in 403 403 403 403 403 403 ok",
    ("GET", "/admin/roll"): "sign-in 403 403 403 403 403 403 ok",
    ("POST", "/admin/chairs"): "401 403 403 403 403 403 403 ok",
    ("POST", "/admin/grants"): "401 403 403 403 403 403 403 ok",
    ("POST", "/admin/grants/{grant_id}/revoke"): "401 403 403 403 403 403 403 404",
    ("POST", "/admin/roll/import"): "401 403 403 403 403 403 403 ok",
    ("POST", "/admin/roll/preview"): "401 403 403 403 403 403 403 ok",
    ("GET", "/officer"): "sign-in 403 403 403 403 ok 403 403",
    ("GET", "/officer/contests/new"): "sign-in 403 403 403 403 ok 403 403",
    ("GET", "/officer/contests/{contest_id}"): "sign-in 403 403 403 403 ok 403 403",
    ("GET", "/officer/contests/{contest_id}/turnout/stream"): "sign-in 403 403 403 403 ok 403 403",
    ("GET", "/petitions/{petition_id}"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/sign-in"): "ok ok ok ok ok ok ok ok",
    ("GET", "/sortitions/{sortition_id}"): "sign-in ok ok ok ok ok ok ok",
    ("GET", "/static/{file_path}"): "ok ok ok ok ok ok ok ok",
    ("GET", "/take-part"): "sign-in ok ok ok ok ok ok ok",
}

_SYSTEM = ("/health", "/ready", "/metrics", "/schema")

# Steps that end a stage (close a box, close nominations, move an assembly on, withdraw...) run
# after every other row, so that earlier rows meet each object while it still takes part.
_LAST = (
    "/withdraw",
    "/seconders/me",
    "/signatures/me",
    "/volunteers/me",
    "/rule-out",
    "/remit",
    "/forward",
    "/vote/start",
    "/vote/next",
    "/vote/close",
    "/close-nominations",
    "/open-ballots",
    "/declare",
    "/commit",
    "/draw",
    "/state",
    "/close",
    "/count",
    "/publish",
)

# Within a row the member in scope acts last, so that a first success (a vote, a signature)
# does not turn the others' answers into "already done".
_ORDER = sorted(range(len(ACTORS)), key=lambda i: ACTORS[i].name == "member_in_scope")


def _missing_rows(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [r for r in routes if r not in MATRIX and _must_have_row(r[1])]


def _missing_message(missing: list[tuple[str, str]]) -> str:
    return (
        "routes with no row in MATRIX (tests/hardening/test_authorisation_matrix.py); add:\n"
        + "\n".join(f'    ("{m}", "{t}"): "<{len(ACTORS)} answers>",' for m, t in missing)
    )


def _run_order(route: tuple[str, str]) -> tuple[int, int]:
    method, template = route
    if method == "GET":
        return (0, 0)
    for i, suffix in enumerate(_LAST):
        if template.endswith(suffix):
            return (2, i)
    return (1, 0)


def _must_have_row(template: str) -> bool:
    return template.startswith("/api/v1/") or template.startswith(_SYSTEM)


async def test_every_route_answers_every_caller_as_the_matrix_says(
    app: Litestar,
    client: httpx.AsyncClient,
    token: Callable[..., str],
    auth: Callable[..., dict[str, str]],
) -> None:
    world = await build_world(client, auth)
    routes = sorted(routes_of(app), key=_run_order)
    missing = _missing_rows(routes)
    observed: dict[tuple[str, str], str] = {}
    statuses: dict[tuple[str, str], list[int]] = {}
    for method, template in routes:
        if (
            (method, template) not in MATRIX
            and not _must_have_row(template)
            and not os.environ.get("PLENARY_MATRIX_PRINT")
        ):
            continue
        url = fill_path(template, world)
        answers: list[str] = [""] * len(ACTORS)
        raw: list[int] = [0] * len(ACTORS)
        for column in _ORDER:
            actor = ACTORS[column]
            if template.startswith("/api/v1/") or template.startswith(_SYSTEM):
                kwargs = body_for(method, template)
                headers = {**headers_for(actor, token), **kwargs.pop("headers", {})}
                response = await client.request(method, url, headers=headers, **kwargs)
            else:
                cookies = await session_for(app, actor)
                if method == "POST":
                    jar = await web_csrf(client, cookies)
                    form = {"csrf": jar.pop("csrf")}
                    client.cookies.clear()
                    client.cookies.update(jar)
                    response = await client.post(url, data=form)
                else:
                    client.cookies.clear()
                    client.cookies.update(cookies)
                    response = await client.request(method, url)
                client.cookies.clear()
            answers[column] = answer_of(response)
            raw[column] = response.status_code
        observed[(method, template)] = " ".join(answers)
        statuses[(method, template)] = raw
    if os.environ.get("PLENARY_MATRIX_PRINT"):
        for (method, template), row in observed.items():
            print(f'    ("{method}", "{template}"): "{row}",  # {statuses[(method, template)]}')
    assert not missing, _missing_message(missing)
    wrong = {
        route: f"expected {MATRIX[route]!r}, got {row!r}"
        for route, row in observed.items()
        if MATRIX.get(route) != row
    }
    assert not wrong, "\n".join(f"{m} {t}: {why}" for (m, t), why in wrong.items())


def test_a_new_api_route_without_a_row_fails_naming_where_to_add_it(settings: Settings) -> None:
    @get("/probe", sync_to_thread=False)
    def probe() -> str:
        return "new"

    app = create_app(settings, extra_handlers=[probe])
    missing = _missing_rows(list(routes_of(app)))
    assert missing == [("GET", "/api/v1/probe")]
    message = _missing_message(missing)
    assert "tests/hardening/test_authorisation_matrix.py" in message
    assert '("GET", "/api/v1/probe")' in message
