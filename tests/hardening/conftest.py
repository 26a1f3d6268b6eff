"""Apps with small limits, and clients that call them from a chosen address.

``serve(**settings)`` builds an app on this test's database with some settings changed and
yields a client for it; ``client_from`` picks the peer address the app sees (httpx's ASGI
transport says 127.0.0.1 unless told otherwise).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.settings import Settings
from tests.conftest import running

Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve(settings: Settings) -> Serve:
    """``async with serve(cast_rate_per_member=2) as client:`` an app with those settings."""

    @asynccontextmanager
    async def make(
        *,
        peer: str = "127.0.0.1",
        base_url: str = "http://plenary.test",
        **changes: Any,
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.with_(**changes))
        async with running(app):
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                yield client

    return make


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body
