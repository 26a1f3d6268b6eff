"""The service answers health, readiness, metrics and its OpenAPI document."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from service.database import session_for


async def test_health_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_database_is_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["migration"]


async def test_ready_says_503_when_schema_is_behind(
    client: httpx.AsyncClient, database_url: str
) -> None:
    from alembic.script import ScriptDirectory

    from service.migrate import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config())
    head = head_revision()
    assert head is not None
    older = script.get_revision(head).down_revision
    async with session_for(database_url) as session:
        await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
        await session.commit()
    response = await client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "plenary migrate" in response.json()["detail"]


async def test_openapi_is_3_1_and_has_a_page_that_needs_nothing_from_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/me" in document["paths"]
    assert "BearerToken" in document["components"]["securitySchemes"]
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    assert "<script" not in page.text  # nothing to fetch from a CDN: it works offline
    assert 'href="#get-api-v1-me"' in page.text
    assert len(page.content) < 100_000, len(page.content)


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "plenary_requests_total" in response.text


async def test_unknown_path_is_problem_json(client: httpx.AsyncClient, auth) -> None:
    response = await client.get("/api/v1/nothing-here", headers=auth("M00001"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
