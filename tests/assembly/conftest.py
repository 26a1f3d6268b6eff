"""A roll in three branches and two nations, and verbs that drive an assembly over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from audit.store import read_entries
from service.database import session_for
from tests.voting.conftest import import_roll

ROLL = (
    "membership_number,name,email,branch,region,status\n"
    + "".join(f"S{n},Scot {n},s{n}@x.org,glasgow,SCO,active\n" for n in range(1, 11))
    + "".join(f"E{n},Edin {n},e{n}@x.org,edinburgh,SCO,active\n" for n in range(1, 4))
    + "".join(f"W{n},Welsh {n},w{n}@x.org,cardiff,WAL,active\n" for n in range(1, 6))
    + "L1,Lapsed One,l1@x.org,glasgow,SCO,lapsed\n"
)
CHAIR = "CHAIR1"


class Chamber:
    """Small verbs over the assemblies API, each asserting the status it expects."""

    def __init__(self, client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
        self.client, self.auth = client, auth
        self.admin = auth("ADMIN1", "admin")
        self.chair = auth(CHAIR, "member")

    async def call(
        self,
        method: str,
        path: str,
        who: dict[str, str] | str,
        body: Any = None,
        expect: int = 200,
    ) -> Any:
        headers = self.auth(who) if isinstance(who, str) else who
        r = await self.client.request(method, f"/api/v1{path}", json=body, headers=headers)
        assert r.status_code == expect, r.text
        if expect >= 400:
            assert r.headers["content-type"].startswith("application/problem+json")
        return r.json()

    async def assembly(self, **body: Any) -> dict[str, Any]:
        """Set one up and make CHAIR1 its chair."""
        made = await self.call("POST", "/assemblies", self.admin, body, 201)
        chaired: dict[str, Any] = await self.call(
            "POST", f"/assemblies/{made['id']}/chairs", self.admin, {"subject": CHAIR}, 201
        )
        return chaired

    async def move(self, assembly: dict[str, Any], to: str, expect: int = 200) -> Any:
        return await self.call(
            "POST", f"/assemblies/{assembly['id']}/state", self.chair, {"to": to}, expect
        )

    async def motion(
        self, assembly: dict[str, Any], member: str, expect: int = 201, **body: Any
    ) -> Any:
        body.setdefault("category", "policy")
        return await self.call(
            "POST", f"/assemblies/{assembly['id']}/motions", member, body, expect
        )

    async def second(self, motion: dict[str, Any], *members: str, expect: int = 201) -> Any:
        shown = None
        for member in members:
            shown = await self.call(
                "POST", f"/motions/{motion['id']}/seconders", member, None, expect
            )
        return shown

    async def chair_does(
        self, motion: dict[str, Any], verb: str, body: Any = None, expect: int = 200
    ) -> Any:
        """The chair acts on the motion; ``vote/next`` and ``vote/close`` name the step of the
        votes as they stand now (read first), as the chair's page does."""
        if verb in ("vote/next", "vote/close") and body is None:
            body = {"step": await self.step(motion)}
        return await self.call("POST", f"/motions/{motion['id']}/{verb}", self.chair, body, expect)

    async def step(self, motion: dict[str, Any]) -> int:
        """The step the votes on ``motion`` stand at, as its chair reads it."""
        vote = await self.call("GET", f"/motions/{motion['id']}/vote", self.chair)
        return int(vote.get("step", 0))

    async def amend(
        self, motion: dict[str, Any], member: str, expect: int = 201, **body: Any
    ) -> Any:
        return await self.call("POST", f"/motions/{motion['id']}/amendments", member, body, expect)

    async def on_amendment(
        self, amendment: dict[str, Any], verb: str, who: dict[str, str] | str, expect: int = 200
    ) -> Any:
        path = f"/motions/{amendment['motion']}/amendments/{amendment['id']}/{verb}"
        return await self.call("POST", path, who, None, expect)

    async def vote(self, contest: str, choices: dict[str, str]) -> None:
        for member, choice in choices.items():
            await self.call("POST", f"/contests/{contest}/ballots", member, {"choice": choice}, 201)


async def log_entries(database_url: str) -> list[dict[str, Any]]:
    """Every entry in the log, decoded."""
    async with session_for(database_url) as s:
        return [json.loads(e) for _, e in await read_entries(s, 0, 10_000)]


@pytest.fixture
async def chamber(client: httpx.AsyncClient, auth) -> Chamber:
    await import_roll(client, auth, ROLL)
    return Chamber(client, auth)
