"""A lean load generator for loopback benchmarks: keep-alive HTTP/1.1 POSTs, and CPU meters.

Why not httpx here: on this 2-core machine the load generator shares the CPU with the service
and PostgreSQL, and httpx spends about 1 ms of CPU per request (4 ms when requests queue for
its pool), as much as the service itself. This client writes the request bytes and reads one
``Content-Length`` response per connection, ~0.1 ms a request, so the figures measure the
service. It speaks only what uvicorn answers on loopback; it is not a general HTTP client.
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Casts", "Loopback", "Meter", "flat_out", "paced", "percentile"]


class Loopback:
    """A pool of keep-alive connections to ``127.0.0.1:port`` for POSTs with a bearer token."""

    def __init__(self, port: int, connections: int) -> None:
        self.port = port
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = (
            asyncio.Queue()
        )
        for _ in range(connections):
            self._idle.put_nowait(None)  # opened on first use

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        """Send one POST and return (status, body). A broken connection is dropped and the
        error raised; the next request on that slot opens a new one."""
        connection = await self._idle.get()
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = connection
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            content = await reader.readexactly(length)
        except BaseException:
            if connection is not None:
                connection[1].close()
            self._idle.put_nowait(None)
            raise
        self._idle.put_nowait(connection)
        return status, content

    async def close(self) -> None:
        """Close every idle connection."""
        while not self._idle.empty():
            connection = self._idle.get_nowait()
            if connection is not None:
                connection[1].close()


@dataclass(slots=True)
class Casts:
    """What happened to a batch of requests: latencies of those answered ``expect``, and counts
    of everything else (by status or error class)."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def acknowledged(self) -> int:
        return len(self.latencies)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def error_text(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"

    def note(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (no interpolation); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def _send(
    client: Loopback, path: str, token: str, body: bytes, out: Casts, since: float, expect: int
) -> None:
    try:
        status, _ = await client.post(path, body, token)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        out.note(type(exc).__name__)
        return
    if status == expect:
        out.latencies.append(time.perf_counter() - since)
    else:
        out.note(str(status))


async def flat_out(
    client: Loopback, path: str, requests: Sequence[tuple[str, bytes]], in_flight: int, expect: int
) -> Casts:
    """Send ``requests`` (token, body) as fast as they are answered, ``in_flight`` at a time."""
    out = Casts()
    queue = iter(requests)

    async def one_after_another() -> None:
        for token, body in queue:
            await _send(client, path, token, body, out, time.perf_counter(), expect)

    started = time.perf_counter()
    await asyncio.gather(*(one_after_another() for _ in range(in_flight)))
    out.seconds = time.perf_counter() - started
    return out


async def paced(
    client: Loopback, path: str, requests: Sequence[tuple[str, bytes]], rate: float, expect: int
) -> Casts:
    """Send one request every ``1/rate`` seconds (open loop). Latency counts from the scheduled
    send time, so a stalled service shows as latency rather than as a slower schedule."""
    out = Casts()
    started = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for i, (token, body) in enumerate(requests):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_send(client, path, token, body, out, due, expect)))
    await asyncio.gather(*tasks)
    out.seconds = time.perf_counter() - started
    return out


def _cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) of ``root_pid`` and its descendants, with the children each has
    reaped (a database backend that ended, say), from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = sum(int(f) for f in fields[11:15]) / ticks
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


@dataclass(slots=True)
class Meter:
    """CPU used by the service, PostgreSQL (when its server's pid is known) and this process."""

    service_pid: int
    postgres_pid: int | None

    def read(self) -> tuple[float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return (
            _cpu_seconds(self.service_pid),
            _cpu_seconds(self.postgres_pid) if self.postgres_pid else 0.0,
            own.ru_utime + own.ru_stime,
        )

    def per_request(self, before: tuple[float, float, float], requests: int) -> str:
        """CPU per request since ``before``, and the rate two cores could sustain at that cost."""
        after = self.read()
        used = [(a - b) * 1e3 / max(requests, 1) for a, b in zip(after, before, strict=True)]
        pg = f"PostgreSQL {used[1]:.2f} ms, " if self.postgres_pid else ""
        total = sum(used)
        return (
            f"CPU per vote: service {used[0]:.2f} ms, {pg}load generator {used[2]:.2f} ms "
            f"(together {total:.2f} ms: 2 idle cores could do at most {2e3 / total:,.0f}/s)"
        )
