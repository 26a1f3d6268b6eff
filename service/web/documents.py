"""Printed documents: a template rendered to a standalone HTML document, and that HTML typeset
as PDF with WeasyPrint (a real typesetting engine: pages, running page numbers, fonts).

Documents are not pages: they carry their own styles inline, so they print and save as one
file, and are served with a policy that allows those styles and nothing else (no scripts, no
fetches). The HTML and the PDF come from the same template in the reader's language. Cost:
typesetting is CPU-bound, about a tenth of a second per page; callers run it off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response

from roll.places import Places
from service.web.i18n import translator
from service.web.render import environment

__all__ = ["DOCUMENT_HEADERS", "document_html", "document_pdf", "html_document", "pdf_document"]

DOCUMENT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def document_html(template: str, lang: str, places: Places, **context: Any) -> str:
    """``template`` rendered as a standalone document in ``lang`` (``en`` or ``cy``), scopes
    named by ``places`` (``roll.places.place_names``) as the pages name them."""
    return (
        environment()
        .get_template(template)
        .render(_=translator(lang), lang=lang, places=places, **context)
    )


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs a second

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


async def document_pdf(html: str) -> bytes:
    """``html`` typeset as PDF, in a worker thread so the event loop keeps serving."""
    return await asyncio.to_thread(_pdf, html)


def html_document(html: str) -> Response[str]:
    """A printable document's HTML as an answer, under the documents' policy."""
    return Response(html, media_type="text/html; charset=utf-8", headers=DOCUMENT_HEADERS)


async def pdf_document(html: str, filename: str) -> Response[bytes]:
    """``html`` typeset as a PDF answer named ``filename``, under the documents' policy."""
    headers = {**DOCUMENT_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'}
    return Response(await document_pdf(html), media_type="application/pdf", headers=headers)
