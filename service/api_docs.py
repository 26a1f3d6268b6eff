"""The API's documentation page at ``/schema``: every operation of the OpenAPI document,
rendered on the server, with nothing loaded from another origin and no script at all.

Litestar's own viewers (Scalar, Swagger UI) fetch an unpinned script from a CDN onto the same
origin as the signed-in pages; without internet they show a blank page, and the pages' CSP
(``script-src 'self'``) forbids them. This page needs only the site's stylesheet, so it works
offline and under the same CSP as every other page. The machine-readable document stays at
``/schema/openapi.json`` for tools. Cost: one template render per request (the document is
built once by Litestar).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from service.web.i18n import translator
from service.web.render import environment, language_of

__all__ = ["ApiDocsPlugin", "operations_of", "problem_statuses"]

_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    """A short name for a request or response body's schema (its component, or its type)."""
    if not schema:
        return ""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        inner = _schema_name(schema.get("items"))
        return f"[{inner}]" if inner else "array"
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(filter(None, (_schema_name(s) for s in schema[key])))
    return str(schema.get("type", ""))


def _body(content: dict[str, Any] | None) -> str:
    for media in (content or {}).values():
        return _schema_name(media.get("schema"))
    return ""


def _anchor(method: str, path: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in f"{method}{path}").strip("-")


def problem_statuses(operations: list[dict[str, Any]]) -> dict[str, str]:
    """Each refusal's status and what it means, once for the page (operations repeat them)."""
    meanings: dict[str, str] = {}
    for operation in operations:
        for answer in operation["responses"]:
            if answer["status"] >= "400":
                meanings.setdefault(answer["status"], answer["description"])
    return dict(sorted(meanings.items()))


def operations_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation in ``document``, in path order, as the page shows it."""
    found = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.get("responses", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": _anchor(method, path),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p.get("name", ""),
                            "where": p.get("in", ""),
                            "required": bool(p.get("required")),
                            "type": _schema_name(p.get("schema")),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "request": _body((operation.get("requestBody") or {}).get("content")),
                    "responses": [
                        {
                            "status": status,
                            "description": answer.get("description", ""),
                            "body": _body(answer.get("content")),
                        }
                        for status, answer in sorted(responses.items())
                    ],
                }
            )
    return found


class ApiDocsPlugin(OpenAPIRenderPlugin):
    """Serves the documentation page at the schema root (``/schema``) and ``/schema/docs``."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/docs"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        lang = language_of(request)
        info = openapi_schema.get("info", {})
        operations = operations_of(openapi_schema)
        html = (
            environment()
            .get_template("api_docs.html")
            .render(
                _=translator(lang),
                lang=lang,
                title=info.get("title", ""),
                version=info.get("version", ""),
                description=info.get("description", ""),
                operations=operations,
                problems=problem_statuses(operations),
                document=self.get_openapi_json_route(request),
            )
        )
        return html.encode("utf-8")
