"""The OpenAPI document declares, for each operation, as problem+json the refusals it can really
give (issue 19: not the same ten everywhere)."""

from __future__ import annotations

from typing import Any

import httpx

_METHODS = ("get", "post", "put", "patch", "delete")


async def _operations(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = (await client.get("/schema/openapi.json")).json()
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in _METHODS
        if method in item
    ]


async def test_every_operation_lists_its_errors_as_problem_json(
    client: httpx.AsyncClient,
) -> None:
    for method, path, operation in await _operations(client):
        errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
        assert errors, (method, path)
        for status, answer in errors.items():
            schemas = [media["schema"] for media in answer["content"].values()]
            assert {"$ref": "#/components/schemas/Problem"} in schemas, (method, path, status)


async def test_each_operation_declares_the_errors_its_shape_allows(
    client: httpx.AsyncClient,
) -> None:
    by_path = {(m, p): set(o["responses"]) for m, p, o in await _operations(client)}
    cast = by_path["post", "/api/v1/contests/{contest_id}/ballots"]
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "429"} <= cast
    me = by_path["get", "/api/v1/me"]
    assert {"401", "403"} <= me
    assert not {"400", "404", "409", "413", "415", "422", "429"} & me
    health = by_path["get", "/health"]
    assert not {"401", "403", "404", "422"} & health
    entries = by_path["get", "/api/v1/audit/entries"]  # public: no token needed
    assert "400" in entries
    assert not {"401", "403", "413"} & entries
