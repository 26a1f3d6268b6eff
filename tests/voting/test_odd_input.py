"""Odd input found to cause 500s gets a 4xx problem+json instead, and changes nothing."""

from __future__ import annotations

import base64
import json

import pytest

PROBLEM = "application/problem+json"


def _b64(doc: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": 5},
        {"alg": "EdDSA", "kid": ["a"]},
        {"alg": "EdDSA", "kid": "x", "crit": ["exp"]},
    ],
)
async def test_a_jwt_header_of_the_wrong_shape_is_a_401(client, header) -> None:
    token = f"{_b64(header)}.{_b64({'sub': 'S1'})}.AAAA"
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    assert "header is refused" in r.json()["detail"]


@pytest.mark.parametrize(
    "body", ["[" * 1000 + "]" * 1000, '{"title": ' + "[" * 1000 + "]" * 1000 + "}"]
)
async def test_json_nested_a_thousand_deep_is_a_400(client, ro, roll, body) -> None:
    r = await client.post(
        "/api/v1/contests", content=body, headers={**ro, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    assert "nested too deeply" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"title": "a\x00b", "kind": "motion"}, "title holds a control character"),
        (
            {
                "title": "Leader",
                "kind": "election",
                "candidates": [{"name": "A\nB"}, {"name": "C"}],
            },
            "name holds a control character",
        ),
        (
            {"title": "Q", "kind": "referendum", "options": ["for", "f\u043er"]},
            "look the same on a ballot",
        ),
        ({"title": "Leader", "kind": "election", "seats": 2**31}, "seats"),
    ],
)
async def test_text_and_numbers_that_cannot_be_stored_are_a_400_naming_the_field(
    client, ro, roll, body, named
) -> None:
    r = await client.post("/api/v1/contests", json=body, headers=ro)
    assert r.status_code == 400, r.text
    assert named in r.json()["detail"]
    listed = await client.get("/api/v1/contests", headers=ro)
    assert listed.json() == [] or all(c["title"] != body["title"] for c in listed.json())


@pytest.mark.parametrize("query", ["index=2147483648&size=1", "index=0&size=9223372036854775808"])
async def test_an_index_beyond_int32_is_a_4xx(client, query) -> None:
    r = await client.get(f"/api/v1/audit/proof/inclusion?{query}")
    assert r.status_code in {400, 404, 422}, r.text
    assert r.headers["content-type"] == PROBLEM
    assert "index" in r.json()["detail"] or "size" in r.json()["detail"], r.json()
