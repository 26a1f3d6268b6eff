"""An assembly's documents over HTTP: the motions book as HTML and PDF (English or Welsh, from
``?lang=`` or the reader's language) and the timetable as an iCalendar feed.

Thin: find the assembly the caller may see, call the domain function, print the document.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import PathParameter, QueryParameter

from assembly.meetings.assemblies import timetable_of
from assembly.meetings.calendar import timetable_ics
from assembly.meetings.motions_book import motions_book
from assembly.meetings.record import assembly_record
from roll.places import place_names
from roll.viewer import viewer_for
from schemas.moments import now
from service.auth import identity_of
from service.deps import DbSession
from service.routes.assemblies import visible_assembly
from service.web.documents import document_html, html_document, pdf_document
from service.web.i18n import LANGUAGES, translator
from service.web.pages_results import result_context
from service.web.render import language_of
from voting import queries

__all__ = ["DocumentController", "ResultSheetController"]

ContestId = Annotated[uuid.UUID, PathParameter(description="the contest's id")]
AssemblyId = Annotated[uuid.UUID, PathParameter(description="the assembly's id")]
Lang = Annotated[
    str | None, QueryParameter(name="lang", description="en or cy; else the reader's language")
]


def _language(request: Request[Any, Any, Any], lang: str | None) -> str:
    return lang if lang in LANGUAGES else language_of(request)


class DocumentController(Controller):
    path = "/assemblies/{assembly_id:uuid}"
    tags = ["documents"]  # noqa: RUF012 - Litestar reads it as a class attribute

    async def _book(
        self, request: Request[Any, Any, Any], assembly_id: uuid.UUID, db: Any, lang: str | None
    ) -> str:
        assembly = await visible_assembly(request, db, assembly_id)
        book = await motions_book(db, assembly)
        return document_html(
            "motions_book.html", _language(request, lang), await place_names(db), book=book
        )

    @get("/motions-book", summary="The motions book (HTML)", media_type="text/html")
    async def motions_book_html(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[str]:
        """The agenda with every admitted motion and amendment in order, numbered lines and
        provenance."""
        html = await self._book(request, assembly_id, db_session, lang)
        return html_document(html)

    @get("/motions-book.pdf", summary="The motions book (PDF)", media_type="application/pdf")
    async def motions_book_pdf(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[bytes]:
        """The same book typeset with WeasyPrint."""
        return await pdf_document(
            await self._book(request, assembly_id, db_session, lang),
            f"motions-book-{assembly_id}.pdf",
        )

    async def _record(
        self, request: Request[Any, Any, Any], assembly_id: uuid.UUID, db: Any, lang: str | None
    ) -> str:
        assembly = await visible_assembly(request, db, assembly_id)
        record = msgspec.to_builtins(await assembly_record(db, assembly))
        places = await place_names(db)
        return document_html(
            "conference_record.html", _language(request, lang), places, record=record
        )

    @get("/conference-record", summary="The record (HTML)", media_type="text/html")
    async def record_html(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[str]:
        """Every motion and amendment with its decision, figures (card votes named) and final
        text."""
        html = await self._record(request, assembly_id, db_session, lang)
        return html_document(html)

    @get("/conference-record.pdf", summary="The record (PDF)", media_type="application/pdf")
    async def record_pdf(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[bytes]:
        return await pdf_document(
            await self._record(request, assembly_id, db_session, lang), f"record-{assembly_id}.pdf"
        )

    @get("/timetable.ics", summary="The timetable (iCalendar)", media_type="text/calendar")
    async def timetable(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> Response[str]:
        """Deadlines and the session, for members' calendars (RFC 5545)."""
        assembly = await visible_assembly(request, db_session, assembly_id)
        text = timetable_ics(
            str(assembly.id),
            assembly.title,
            timetable_of(assembly),
            stamped=now(),
            host=request.url.hostname or "plenary",
        )
        return Response(text, media_type="text/calendar; charset=utf-8")


class ResultSheetController(Controller):
    path = "/contests/{contest_id:uuid}"
    tags = ["documents"]  # noqa: RUF012 - Litestar reads it as a class attribute

    async def _sheet(
        self, request: Request[Any, Any, Any], contest_id: uuid.UUID, db: Any, lang: str | None
    ) -> str:
        identity = identity_of(request)
        viewer = await viewer_for(db, identity.subject, identity.roles)
        contest = await queries.visible_contest(db, contest_id, viewer)
        result = await queries.result_out(db, contest_id, viewer)
        language = _language(request, lang)
        context = result_context(result, contest, translator(language))
        return document_html("result_sheet.html", language, await place_names(db), **context)

    @get("/result-sheet", summary="The result sheet (HTML)", media_type="text/html")
    async def result_sheet_html(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[str]:
        """One vote's result as a printable sheet: figures (in votes carried, for a card
        vote), the elected and every stage of a count, and the result's fingerprint."""
        html = await self._sheet(request, contest_id, db_session, lang)
        return html_document(html)

    @get("/result-sheet.pdf", summary="The result sheet (PDF)", media_type="application/pdf")
    async def result_sheet_pdf(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        db_session: DbSession,
        lang: Lang = None,
    ) -> Response[bytes]:
        return await pdf_document(
            await self._sheet(request, contest_id, db_session, lang), f"result-{contest_id}.pdf"
        )
