"""A small roll for contest tests: members in Scotland (Glasgow) and Wales (Cardiff)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ROLL = (
    "membership_number,name,email,branch,region,status,gender\n"
    + "".join(
        f"S{n},Scot {n},s{n}@x.org,glasgow,SCO,active,{'woman' if n % 2 else 'man'}\n"
        for n in range(1, 11)
    )
    + "".join(f"W{n},Welsh {n},w{n}@x.org,cardiff,WAL,active,woman\n" for n in range(1, 6))
    + ("L1,Lapsed One,l1@x.org,glasgow,SCO,lapsed,man\n")
)


async def import_roll(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], roll: str
) -> None:
    response = await client.post(
        "/api/v1/members/import",
        content=roll.encode(),
        headers={**auth("ADMIN1", "admin"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def roll(client: httpx.AsyncClient, auth) -> str:
    await import_roll(client, auth, ROLL)
    return ROLL


@pytest.fixture
def ro(auth) -> dict[str, str]:
    headers: dict[str, str] = auth("RO1", "returning_officer")
    return headers


class Contests:
    """Small verbs over the HTTP API, each asserting the status it expects."""

    def __init__(
        self, client: httpx.AsyncClient, ro: dict[str, str], auth: Callable[..., dict[str, str]]
    ) -> None:
        self.client, self.ro, self.auth = client, ro, auth

    async def create(self, **body: Any) -> dict[str, Any]:
        r = await self.client.post("/api/v1/contests", json=body, headers=self.ro)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def step(self, contest: dict[str, Any], verb: str, expect: int = 200) -> dict[str, Any]:
        r = await self.client.post(f"/api/v1/contests/{contest['id']}/{verb}", headers=self.ro)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    async def cast(
        self, contest: dict[str, Any], member: str, ballot: dict[str, Any], expect: int = 201
    ) -> httpx.Response:
        r = await self.client.post(
            f"/api/v1/contests/{contest['id']}/ballots", json=ballot, headers=self.auth(member)
        )
        assert r.status_code == expect, r.text
        return r

    async def run_to_published(self, contest: dict[str, Any], viewer: str = "S1") -> dict[str, Any]:
        for verb in ("close", "count", "publish"):
            contest = await self.step(contest, verb)
        r = await self.client.get(
            f"/api/v1/contests/{contest['id']}/result", headers=self.auth(viewer)
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def contests(client: httpx.AsyncClient, ro: dict[str, str], auth, roll: str) -> Contests:
    return Contests(client, ro, auth)
