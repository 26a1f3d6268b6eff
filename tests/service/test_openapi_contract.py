"""The OpenAPI document's operation ids are the ones chosen for clients (issue 19): every
operation has one from ``service.operation_ids``, camelCase, unique, and none is left over."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from service.operation_ids import OPERATION_IDS, operation_id

_METHODS = {"get", "put", "post", "delete", "patch"}


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (method.upper(), path): operation["operationId"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in _METHODS
    }


async def test_every_operation_has_its_chosen_camel_case_id_once(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    ids = _operations(document)
    assert ids[("POST", "/api/v1/contests/{contest_id}/ballots")] == "castBallot"
    assert ids[("GET", "/api/v1/contests")] == "listContests"
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids.values()), ids
    assert len(set(ids.values())) == len(ids)  # unique
    assert sorted(ids.values()) == sorted(OPERATION_IDS.values())  # none missing or stale


def test_a_handler_without_a_chosen_id_is_named_not_given_a_made_up_one() -> None:
    class Handler:
        @staticmethod
        def fn() -> None:
            """A handler no one has given an id."""

    with pytest.raises(LookupError, match="test_openapi_contract"):
        operation_id(Handler(), "GET", [])
