"""Schemathesis over every operation of the API as every kind of caller (bounded for
``make test``; ``make fuzz`` runs many more examples): no 5xx, every answer as documented,
every error problem+json."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import httpx

from tests.hardening.fuzz import fuzz_api, load_schema
from tests.hardening.world import Actor, build_world

EXAMPLES = int(os.environ.get("PLENARY_FUZZ_EXAMPLES", "2"))


async def test_every_operation_as_every_caller_answers_as_documented(
    client: httpx.AsyncClient, token: Callable[..., str], auth: Callable[..., dict[str, str]]
) -> None:
    world = await build_world(client, auth)
    schema = await load_schema(client)
    tokens = {}

    def headers_for(actor: Actor) -> dict[str, str]:
        if actor.subject is None:
            return {}
        if actor.name not in tokens:
            tokens[actor.name] = token(actor.subject, *actor.roles)
        return {"Authorization": f"Bearer {tokens[actor.name]}"}

    loop = asyncio.get_running_loop()
    report = await asyncio.to_thread(
        fuzz_api, client, loop, schema, world, headers_for, examples=EXAMPLES
    )
    print(f"\nfuzz: {report.operations} operations, {report.requests} requests, {report.statuses}")
    assert report.operations >= 80
    assert not report.failures, report.summary()
