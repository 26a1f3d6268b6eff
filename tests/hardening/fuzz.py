"""Schemathesis against the service's own OpenAPI, as every kind of caller, in-process.

For each operation in ``/schema/openapi.json`` and each :data:`~tests.hardening.world.ACTORS`
caller, Hypothesis draws requests from the schema (valid ones, and deliberately invalid ones),
with path parameters sometimes taken from a real :class:`~tests.hardening.world.World` so the
requests reach the domain rather than stopping at 404. Each answer must be no 5xx, match the
status codes, content types and schemas the document declares, reject invalid input with a
4xx, and, when it is an error, be RFC 9457 problem+json whose ``status`` is the HTTP status.

The app runs in the test's event loop with its real database; Hypothesis runs in a worker
thread and hands each request to that loop. ``PLENARY_FUZZ_EXAMPLES`` sets the examples per
operation, caller and mode (``make test`` uses 2; ``make fuzz`` more).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hardening.world import ACTORS, Actor, World

__all__ = ["Failure", "FuzzReport", "fuzz_api", "load_schema"]

BASE_URL = "http://plenary.test"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# A stream that stays open while its contest is open: fuzz it on closed contests only.
_STREAMS = ("/turnout/stream",)


@dataclass(frozen=True)
class Failure:
    """One kind of wrong answer: where, as whom, what was wrong, and how to reproduce it."""

    operation: str
    actor: str
    problem: str
    reproduce: str


@dataclass
class FuzzReport:
    """What ran and what failed (one entry per operation, caller and kind of failure)."""

    requests: int = 0
    operations: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], Failure] = field(default_factory=dict)

    def add(self, failure: Failure) -> None:
        key = (failure.operation, failure.actor, failure.problem.splitlines()[0][:120])
        self.failures.setdefault(key, failure)

    def summary(self) -> str:
        lines = [f"{len(self.failures)} distinct failures in {self.requests} requests:"]
        for failure in self.failures.values():
            lines.append(f"- {failure.operation} as {failure.actor}: {failure.problem}")
            lines.append(f"  {failure.reproduce}")
        return "\n".join(lines)


async def load_schema(client: httpx.AsyncClient) -> Any:
    """The service's OpenAPI document as schemathesis sees it."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    # Callers bring their own tokens (ACTORS), so schemathesis makes up no Authorization header;
    # and an unknown query parameter is ignored, as HTTP APIs do, not refused.
    config = SchemathesisConfig.from_dict(
        {"generation": {"with-security-parameters": False, "allow-extra-parameters": False}}
    )
    return schemathesis.openapi.from_dict(response.json(), config=config)


def _problem_json(response: httpx.Response) -> str | None:
    """What is wrong with an error answer that is not RFC 9457 problem+json, or None."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/problem+json"):
        return f"{response.status_code} answered as {content_type or 'no content type'}"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} problem+json that is not JSON"
    if not isinstance(body, dict):
        return f"{response.status_code} problem+json that is not an object"
    if body.get("status") != response.status_code:
        return f"{response.status_code} problem+json saying status {body.get('status')!r}"
    if not isinstance(body.get("title"), str) or not isinstance(body.get("detail"), str):
        return f"{response.status_code} problem+json without a title and a detail"
    return None


def _path_choices(operation: Any, world: World) -> list[dict[str, str]]:
    """Combinations of real ids for the operation's path parameters (empty: none apply)."""
    names = [p.name for p in operation.path_parameters]
    if not names or not all(name in world.ids for name in names):
        return []
    pools = []
    for name in names:
        values = world.ids[name]
        if name == "contest_id" and operation.path.endswith(_STREAMS):
            values = values[1:]  # the published contest only: its stream ends at once
        pools.append(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*pools)]


def _strategy(operation: Any, world: World) -> Any:
    choices = _path_choices(operation, world)
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=c) for c in choices
        ]
        if not operation.path.endswith(_STREAMS):
            strategies.append(operation.as_strategy(generation_mode=mode))
    return st.one_of(strategies)


def _request_args(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    sent = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    if not headers:  # a caller with no token sends none, whatever the case made up
        sent["headers"] = {
            k: v for k, v in (sent.get("headers") or {}).items() if k.lower() != "authorization"
        }
    args: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": {k: str(v) for k, v in (sent.get("headers") or {}).items()},
        "params": sent.get("params"),
    }
    if "json" in sent:
        args["json"] = sent["json"]
    elif "data" in sent and sent["data"] is not None:
        data = sent["data"]
        args["content"] = data.encode() if isinstance(data, str) else data
    elif "files" in sent:
        args["files"] = sent["files"]
    return args


def _runner(
    strategy: Any, actor: Actor, examples: int, send: Callable[[Any, Actor], None]
) -> Callable[[], None]:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        send(case, actor)

    return run


def fuzz_api(
    client: httpx.AsyncClient,
    loop: asyncio.AbstractEventLoop,
    schema: Any,
    world: World,
    headers_for: Callable[[Actor], dict[str, str]],
    *,
    examples: int,
    actors: tuple[Actor, ...] = ACTORS,
) -> FuzzReport:
    """Run every operation as every actor (call from a worker thread; requests run on
    ``loop``). Cost: about ``examples × 2 modes × operations × actors`` requests."""
    report = FuzzReport()

    def send(case: Any, actor: Actor) -> None:
        args = _request_args(case, headers_for(actor))
        response = asyncio.run_coroutine_threadsafe(client.request(**args), loop).result(60)
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        label = f"{case.method.upper()} {case.operation.path}"
        reproduce = (
            f"{args['method']} {response.request.url} body={response.request.content[:200]!r}"
        )
        wrong = _problem_json(response)
        if wrong:
            report.add(Failure(label, actor.name, wrong, reproduce))
        try:
            case.validate_response(response, checks=CHECKS, headers=args["headers"])
        except BaseException as exc:  # schemathesis raises a group of its check failures
            if not isinstance(exc, BaseExceptionGroup | AssertionError):
                raise
            problem = f"{type(exc).__name__}: {exc}".strip()
            report.add(Failure(label, actor.name, problem[:1500], reproduce))

    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        strategy = _strategy(operation, world)
        for actor in actors:
            _runner(strategy, actor, examples, send)()
    return report
