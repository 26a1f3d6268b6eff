"""Request lines carry a request id and the duration; every answer is counted by status."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from tests.conftest import running
from tests.voting.conftest import Contests, import_roll

ROLL = "membership_number,name,email,branch,region,status\nS1,Scot 1,s1@x.org,glasgow,SCO,active\n"


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose cast limit (3 a minute per member) a test can reach."""
    app = create_app(settings.with_(cast_rate_per_member=3))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


def json_lines(text: str) -> list[dict[str, object]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def responses_by_status(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "plenary_responses"
        for sample in family.samples
        if sample.name == "plenary_responses_total"
    }


async def test_request_line_carries_the_callers_request_id_and_the_duration(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    answer = await client.get(
        "/api/v1/contests?token=secret-in-the-query", headers={"X-Request-ID": "trace-42.a_B"}
    )
    assert answer.status_code == 401
    assert answer.headers["X-Request-ID"] == "trace-42.a_B"
    out, err = capfd.readouterr()
    lines = [line for line in json_lines(out + err) if line.get("event") == "request"]
    assert len(lines) == 1, lines
    (line,) = lines
    assert line["request_id"] == "trace-42.a_B"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/contests"  # never the query string
    assert line["status"] == 401
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert "secret-in-the-query" not in out + err


@pytest.mark.parametrize(
    "sent", ["x" * 65, "has space", "new\nline", 'quote"d', "", "emoji-\N{BALLOT BOX WITH CHECK}"]
)
async def test_a_request_id_that_is_not_a_plain_token_is_replaced(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str], sent: str
) -> None:
    capfd.readouterr()
    answer = await client.get("/health", headers=[(b"X-Request-ID", sent.encode())])
    made = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made), made
    assert made != sent
    out, err = capfd.readouterr()
    if sent:
        assert sent not in out + err


async def test_each_request_gets_an_id_of_its_own(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/health")).headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


async def test_a_refusal_is_one_line_carrying_the_request_id(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    answer = await client.get(
        "/api/v1/me", headers={"Authorization": "Bearer not.a.token", "X-Request-ID": "refused-1"}
    )
    assert answer.status_code == 401
    out, err = capfd.readouterr()
    refusals = [
        line for line in json_lines(out + err) if str(line.get("event", "")).startswith("refused")
    ]
    assert len(refusals) == 1, refusals
    assert refusals[0]["event"] == "refused 401 NotAuthorizedException on GET /api/v1/me"
    assert refusals[0]["request_id"] == "refused-1"
    assert "not.a.token" not in out + err


async def test_401_404_and_429_are_counted_by_status(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await import_roll(client, auth, ROLL)
    contests = Contests(client, auth("RO1", "returning_officer"), auth)
    motion = await contests.create(title="Counted motion", kind="motion")
    await contests.step(motion, "open")
    ballots = f"/api/v1/contests/{motion['id']}/ballots"
    before = await responses_by_status(client)
    statuses = []
    for request in (
        client.get("/api/v1/me"),  # no token: refused by the middleware
        client.get("/no-such-page"),  # no route at all
        client.get("/api/v1/contests/00000000-0000-0000-0000-000000000000", headers=auth("S1")),
        *(client.post(ballots, json={"choice": "for"}, headers=auth("S1")) for _ in range(4)),
    ):
        statuses.append((await request).status_code)
    assert statuses == [401, 404, 404, 201, 409, 409, 429]
    after = await responses_by_status(client)
    grew = {status: after[status] - before.get(status, 0) for status in after}
    assert grew["401"] == 1
    assert grew["404"] == 2
    assert grew["429"] == 1
    assert grew["409"] == 2
    assert grew["201"] == 1
