"""The alerts in docs/OPERATIONS.md ask for metrics, labels and label values that the real
``/metrics`` output has, so none of them is silently unable to fire."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from litestar import get
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from tests.conftest import ROOT, running
from tests.voting.conftest import Contests, import_roll

OPERATIONS = ROOT / "docs" / "OPERATIONS.md"
ROLL = "membership_number,name,email,branch,region,status\nS1,Scot 1,s1@x.org,glasgow,SCO,active\n"


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str

    def accepts(self, labels: dict[str, str]) -> bool:
        if self.label not in labels:
            return False
        have = labels[self.label]
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        matched = re.fullmatch(self.value, have) is not None
        return matched if self.op == "=~" else not matched


_METRIC = re.compile(r"\b(plenary_[a-z0-9_]+)")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')


def alert_section() -> str:
    text = OPERATIONS.read_text()
    start = text.index("Alert on (page someone during a vote)")
    return text[start : text.index("\nLogs are JSON lines", start)]


def selectors(promql: str) -> Iterator[tuple[str, list[Matcher]]]:
    """Each ``metric{label="value", …}`` in a PromQL expression (braces inside quoted values,
    as in a path template, are part of the value)."""
    for found in _METRIC.finditer(promql):
        name, at, matchers = found.group(1), found.end(), []
        if promql[at : at + 1] == "{":
            at += 1
            while promql[at] != "}":
                matcher = _MATCHER.match(promql, at)
                assert matcher, f"cannot read the label matchers of {promql!r} at {at}"
                matchers.append(Matcher(*matcher.groups()))
                at = matcher.end()
        yield name, matchers


def alert_queries() -> list[str]:
    """The Prometheus queries (code spans naming a ``plenary_`` metric) among the alerts."""
    spans = re.findall(r"`([^`]+)`", alert_section())
    return [span for span in spans if _METRIC.search(span)]


@get("/test-only/fails", exclude_from_auth=True, sync_to_thread=False)
def fails() -> None:
    raise RuntimeError("a bug, for the 500 alert")


@get("/test-only/database-away", exclude_from_auth=True, sync_to_thread=False)
def database_away() -> None:
    raise ConnectionError("the database, for the 503 alert")


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.with_(cast_rate_per_member=2), extra_handlers=[fails, database_away])
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def some_traffic(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    """What an election night answers: casts, a repeat, a rate limit, refusals and failures."""
    await import_roll(client, auth, ROLL)
    contests = Contests(client, auth("RO1", "returning_officer"), auth)
    motion = await contests.create(title="Watched motion", kind="motion")
    await contests.step(motion, "open")
    ballots = f"/api/v1/contests/{motion['id']}/ballots"
    statuses = [
        (await client.post(ballots, json={"choice": "for"}, headers=auth("S1"))).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 409, 429]
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.get("/no-such-page")).status_code == 404
    assert (await client.get("/api/v1/test-only/fails")).status_code == 500
    assert (await client.get("/api/v1/test-only/database-away")).status_code == 503


def distinct(series: list[dict[str, str]]) -> list[dict[str, str]]:
    """The label sets of ``series``, each once, without a histogram's ``le``."""
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for labels in series:
        kept = {k: v for k, v in labels.items() if k != "le"}
        seen.setdefault(tuple(sorted(kept.items())), kept)
    return list(seen.values())


def test_the_alerts_name_their_queries() -> None:
    queries = alert_queries()
    assert any("plenary_request_duration_seconds_bucket" in q for q in queries), queries
    assert any('status="500"' in q for q in queries), queries
    assert any('status="503"' in q for q in queries), queries
    assert any("plenary_audit_log_signing_refused_total" in q for q in queries), queries


def test_the_selector_reader_reads_path_templates() -> None:
    ((name, matchers),) = selectors('rate(m_x{a="b"}[1m]) + plenary_x{path="/c/{id}", s=~"4.."}')
    assert name == "plenary_x"
    assert matchers == [Matcher("path", "=", "/c/{id}"), Matcher("s", "=~", "4..")]


async def test_every_metric_and_label_in_the_alerts_is_in_the_real_metrics(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    await some_traffic(client, auth)
    exposed = (await client.get("/metrics")).text
    series: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(exposed):
        for sample in family.samples:
            series.setdefault(sample.name, []).append(sample.labels)
    checked = 0
    for query in alert_queries():
        for name, matchers in selectors(query):
            assert name in series, f"{name} (in {query!r}) is not in /metrics"
            for matcher in matchers:
                assert any(matcher.label in labels for labels in series[name]), (
                    f"{name} has no label {matcher.label!r} (in {query!r})"
                )
            assert any(all(m.accepts(labels) for m in matchers) for labels in series[name]), (
                f"no {name} series matches {query!r}; there are {distinct(series[name])}"
            )
            checked += 1
    assert checked >= 5
