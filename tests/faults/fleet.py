"""Real service processes for fault tests: several ``plenary serve`` on 127.0.0.1, tokens for
them, and waiting until they are ready.

Starting and killing one process reuses ``tests/voting/test_durability.py`` (the first SIGKILL
test); this module adds a fleet of them on one database (as behind a load balancer), a token
maker that needs no test database of its own, and the readiness wait a restart needs.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from service.auth import issue_token
from service.keys import ensure_private_key, load_private_key
from service.migrate import upgrade
from service.settings import Settings
from tests.voting.test_durability import _free_port, _service, _until_ready

__all__ = ["Auth", "Fleet", "fleet", "prepared", "tokens", "wait_until_ready"]

Auth = Callable[..., dict[str, str]]

# Every request in these tests comes from 127.0.0.1, as if a whole conference shared one
# address; the per-address casting limit is for real clients and is not what is tested here.
_SERVICE_ENVIRONMENT = {"PLENARY_CAST_RATE_PER_ADDRESS": "0"}


@contextmanager
def _environment(extra: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``extra`` set, for processes started meanwhile (they copy it)."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def tokens(settings: Settings) -> Auth:
    """``auth("M1", "admin")``: an Authorization header signed with ``settings``' key (the
    same key files the service processes read from ``settings.data_dir``)."""
    key = load_private_key(ensure_private_key(settings)[0])
    kept: dict[tuple[str, ...], dict[str, str]] = {}

    def make(subject: str, *roles: str) -> dict[str, str]:
        wanted = (subject, *roles)
        if wanted not in kept:
            signed = issue_token(
                key, settings, subject=subject, roles=roles or ("member",), ttl_seconds=3600
            )
            kept[wanted] = {"Authorization": f"Bearer {signed}"}
        return kept[wanted]

    return make


async def prepared(settings: Settings) -> Settings:
    """``settings`` with its database brought to the newest migration."""
    assert settings.database_url is not None
    await upgrade(settings.database_url)
    return settings


@dataclass
class Fleet:
    """Service processes on one database; ``urls[i]`` is process ``i``'s base URL."""

    settings: Settings
    processes: list[subprocess.Popen[bytes]]
    urls: list[str]
    log: Path
    _turn: Iterator[int]

    def next_url(self) -> str:
        """The next process's URL, round robin (as a load balancer spreads requests)."""
        return self.urls[next(self._turn)]

    def alive(self) -> bool:
        """Whether every process is still running."""
        return all(p.poll() is None for p in self.processes)


@contextmanager
def fleet(
    settings: Settings, count: int, log: Path, environment: dict[str, str] | None = None
) -> Iterator[Fleet]:
    """``count`` service processes on ``settings``' database, each on a port of its own, with
    ``environment`` over this module's defaults; every one is killed on the way out. Call
    :func:`wait_until_ready` before using them."""
    with ExitStack() as stack:
        ports = [_free_port() for _ in range(count)]
        with _environment({**_SERVICE_ENVIRONMENT, **(environment or {})}):
            processes = [stack.enter_context(_service(settings, port, log)) for port in ports]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        yield Fleet(settings, processes, urls, log, itertools.cycle(range(count)))


async def wait_until_ready(group: Fleet, *, seconds: float = 30) -> None:
    """Wait until every process answers ``/health`` and then ``/ready`` with 200."""
    for process, url in zip(group.processes, group.urls, strict=True):
        await _until_ready(url, process, group.log)
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=5) as client:
        for url in group.urls:
            while (await client.get(f"{url}/ready")).status_code != 200:
                assert time.monotonic() < deadline, f"{url} not ready in {seconds} s"
                await asyncio.sleep(0.1)
