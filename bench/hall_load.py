"""A conference hall: 2,000 voters decide an amendment within 60 seconds while 200 hall screens
and phones follow the live hall page (issue 16), against the service.

Starts ``plenary serve`` on a database of its own (DATABASE_URL's server, else the embedded
PostgreSQL under ``.plenary/bench-pgdata``), imports a generated roll, and sets a conference up
over the API as its admin and chair would: one motion with one admitted amendment, in session,
the vote on the amendment started. ``--screens`` members then hold the hall screen's stream
(``/assemblies/{id}/hall/stream``, each a different member, as screens and phones do) while
``--voters`` members cast, paced evenly over ``--seconds``. Prints, beside the issue's targets:

- cast latency p50/p99/max, counted from each cast's scheduled time (so a stalled service
  shows as latency) and whether every vote was acknowledged within the window;
- the screens' update delay: from the n-th acknowledgement to each screen showing a turnout
  of at least n, p50/p99/max over every (vote, screen) pair, and how many were never seen;
- the database's load while it ran: transactions/s (``pg_stat_database.xact_commit``) and
  statements/s, counted as the table and index scans of ``pg_stat_user_tables`` (a proxy
  that needs no extension: each read or write of a table is at least one scan).

The voters are members of the conference (a conference of the whole membership); delegates
with credentials cast through the same path with a weight, which costs the same.

    .venv/bin/python bench/hall_load.py [--voters 2000] [--screens 200] [--seconds 60]
    .venv/bin/python bench/hall_load.py --quick        # 200 voters, 20 screens, 10 s
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.cast_load import (  # noqa: E402
    ACTIVE_SHARE,
    _port_is_free,
    _service,
    _until_ready,
    bench_database,
    prepare_database,
    verdict,
)
from bench.load_client import Loopback, Meter, percentile  # noqa: E402
from service.auth import issue_token  # noqa: E402
from service.database import drop_database, session_for  # noqa: E402
from service.keys import ensure_private_key, load_private_key  # noqa: E402
from service.sessions import open_session  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.signin.settings import SignInSettings  # noqa: E402
from service.web.session import SESSION_COOKIE  # noqa: E402

DATABASE = "plenary_bench_hall"
TARGET_WINDOW_S = 60.0
TARGET_SCREEN_P99_S = 2.0
MOTION = ["Conference notes the cuts.", "Conference regrets them.", "Conference will resist."]


def tell(line: str) -> None:
    print(line, flush=True)


async def _database_counters(url: str) -> tuple[int, int]:
    """(transactions committed, table and index scans) of the bench database so far."""
    async with session_for(url) as session:
        commits = await session.scalar(
            text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        )
        scans = await session.scalar(
            text(
                "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) "
                "FROM pg_stat_user_tables"
            )
        )
    return int(commits or 0), int(scans or 0)


async def _signed_in_screens(url: str, settings: Settings, members: list[str]) -> list[str]:
    """A page session for each member (as if each had signed in on their screen or phone):
    the cookie values, opened with the session store's own function."""
    policy = SignInSettings.for_service(settings).policy
    now = dt.datetime.now(dt.UTC)
    async with session_for(url) as session:
        cookies = [
            await open_session(
                session, subject=m, roles=["member"], method="bench", now=now, policy=policy
            )
            for m in members
        ]
        await session.commit()
    return cookies


class Screen:
    """One hall screen's stream: when each turnout was first shown."""

    def __init__(self) -> None:
        self.first_seen: dict[int, float] = {}
        self.ready = asyncio.Event()

    async def watch(self, client: httpx.AsyncClient, path: str, cookie: str) -> None:
        headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", "Accept": "text/event-stream"}
        async with client.stream("GET", path, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    voted = json.loads(line.partition(":")[2])["version"][2]
                    self.first_seen.setdefault(int(voted), time.monotonic())
                    self.ready.set()


class Api:
    """The few API verbs that set a conference up, each failing the bench on a refusal."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    async def __call__(self, who: str, path: str, body: Any = None, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        answer = await self.client.post(f"/api/v1{path}", json=body, headers=headers)
        if answer.status_code != expect:
            raise SystemExit(f"POST {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()


async def _conference(api: Api, chair: str, mover: str, amender: str) -> tuple[str, str]:
    """A conference in session with the vote on one amendment open: (assembly, contest)."""
    orders = {"seconders_required": 0, "amendment_seconders_required": 0}
    made = await api(
        "ADMIN1",
        "/assemblies",
        {"title": "Conference (benchmark)", "kind": "conference", "standing_orders": orders},
        201,
    )
    assembly = made["id"]
    await api("ADMIN1", f"/assemblies/{assembly}/chairs", {"subject": chair}, 201)
    await api(chair, f"/assemblies/{assembly}/state", {"to": "motions_open"})
    motion = await api(
        mover,
        f"/assemblies/{assembly}/motions",
        {"category": "policy", "title": "Cuts", "paragraphs": MOTION},
        201,
    )
    await api(chair, f"/assemblies/{assembly}/state", {"to": "amendments_open"})
    await api(chair, f"/motions/{motion['id']}/admit")
    amendment = await api(
        amender,
        f"/motions/{motion['id']}/amendments",
        {"action": "replace", "start": 1, "paragraphs": ["Conference deplores the cuts."]},
        201,
    )
    await api(chair, f"/motions/{motion['id']}/amendments/{amendment['id']}/admit")
    await api(chair, f"/assemblies/{assembly}/state", {"to": "in_session"})
    started = await api(chair, f"/motions/{motion['id']}/vote/start")
    return assembly, str(started["open_contest"])


async def _cast_all(
    loopback: Loopback, path: str, tokens: list[str], seconds: float
) -> tuple[list[float], list[float], dict[str, int]]:
    """Cast one ballot per token, evenly over ``seconds``: (latencies, acknowledgement
    times on the monotonic clock, errors by status)."""
    latencies: list[float] = []
    acknowledged: list[float] = []
    errors: dict[str, int] = {}
    body = json.dumps({"choice": "for"}).encode()
    rate = len(tokens) / seconds
    started = time.perf_counter()

    async def one(token: str, due: float) -> None:
        try:
            status, _ = await loopback.post(path, body, token)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        if status == 201:
            latencies.append(time.perf_counter() - due)
            acknowledged.append(time.monotonic())
        else:
            errors[str(status)] = errors.get(str(status), 0) + 1

    tasks = []
    for i, token in enumerate(tokens):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(token, due)))
    await asyncio.gather(*tasks)
    return latencies, sorted(acknowledged), errors


def _screen_delays(screens: list[Screen], acknowledged: list[float]) -> tuple[list[float], int]:
    """Delay from the n-th acknowledgement to each screen first showing a turnout >= n."""
    delays: list[float] = []
    missed = 0
    for screen in screens:
        seen = sorted(screen.first_seen.items())
        # earliest time a turnout >= n was shown, for every n, from the highest count down
        earliest: dict[int, float] = {}
        best = math.inf
        for count, at in reversed(seen):
            best = min(best, at)
            earliest[count] = best
        counts = [count for count, _ in seen]
        for n, at in enumerate(acknowledged, start=1):
            shown = next((earliest[c] for c in counts if c >= n), None)
            if shown is None:
                missed += 1
            else:
                delays.append(max(0.0, shown - at))
    return delays, missed


async def main(args: argparse.Namespace) -> None:
    if not _port_is_free(args.port):
        raise SystemExit(f"port {args.port} is in use (another benchmark running?); try --port")
    admin, postgres_pid = bench_database()
    needed = args.voters + args.screens + 4
    url = await prepare_database(admin, DATABASE, math.ceil(needed / ACTIVE_SHARE * 1.02))
    data_dir = ROOT / ".plenary" / "bench-hall"
    settings = Settings(data_dir=data_dir, database_url=url)
    key = load_private_key(ensure_private_key(settings)[0])
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLENARY_DATA_DIR": str(data_dir),
        "PLENARY_LOG_LEVEL": "WARNING",
        "PLENARY_GENERATE_KEYS": "1",  # a bench on this machine, not a deployment
        "PLENARY_CAST_RATE_PER_ADDRESS": "0",
        "PLENARY_SIGN_IN_RATE_PER_ADDRESS": "0",
    }
    async with session_for(url) as session:
        members = list(
            (
                await session.scalars(
                    text(
                        "SELECT membership_number FROM member WHERE status = 'active' "
                        "ORDER BY membership_number"
                    )
                )
            ).all()
        )
    if len(members) < needed:
        raise SystemExit(f"the roll has {len(members):,} active members, {needed:,} needed")
    chair, mover, amender = members[:3]
    watchers = members[3 : 3 + args.screens]
    voters = members[3 + args.screens : 3 + args.screens + args.voters]

    def token(subject: str, role: str = "member") -> str:
        return issue_token(key, settings, subject=subject, roles=[role], ttl_seconds=7200)

    tokens = {m: token(m) for m in members[: 3 + args.screens + args.voters]}
    tokens["ADMIN1"] = token("ADMIN1", "admin")
    try:
        with _service(env, args.port, 1, data_dir / "serve.log") as process:
            base = f"http://127.0.0.1:{args.port}"
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                await _until_ready(client, process)
                assembly, contest = await _conference(Api(client, tokens), chair, mover, amender)
            tell(f"conference in session, the vote on the amendment open ({contest})")
            cookies = await _signed_in_screens(url, settings, watchers)
            limits = httpx.Limits(
                max_connections=args.screens + 8, max_keepalive_connections=args.screens + 8
            )
            screens = [Screen() for _ in watchers]
            meter = Meter(process.pid, postgres_pid)
            async with httpx.AsyncClient(base_url=base, timeout=None, limits=limits) as streams:
                path = f"/assemblies/{assembly}/hall/stream"
                watching = [
                    asyncio.create_task(s.watch(streams, path, cookie))
                    for s, cookie in zip(screens, cookies, strict=True)
                ]
                async with asyncio.timeout(120):
                    await asyncio.gather(*(s.ready.wait() for s in screens))
                tell(f"{len(screens)} hall screens following /assemblies/…/hall/stream")
                loopback = Loopback(args.port, args.in_flight)
                cpu_before, db_before = meter.read(), await _database_counters(url)
                started = time.monotonic()
                latencies, acknowledged, errors = await _cast_all(
                    loopback,
                    f"/api/v1/contests/{contest}/ballots",
                    [tokens[v] for v in voters],
                    args.seconds,
                )
                window = time.monotonic() - started
                await asyncio.sleep(3.0)  # the last vote reaches every screen
                cpu_after, db_after = meter.read(), await _database_counters(url)
                elapsed = time.monotonic() - started
                for task in watching:
                    task.cancel()
                await asyncio.gather(*watching, return_exceptions=True)
                await loopback.close()
    finally:
        await drop_database(admin, DATABASE)

    everyone = len(latencies) == len(voters) and not errors
    in_time = everyone and window <= max(args.seconds, TARGET_WINDOW_S) + 1.0
    tell(
        f"{len(latencies):,} of {len(voters):,} votes acknowledged in {window:.1f} s "
        f"({len(voters) / args.seconds:.0f}/s offered); errors: "
        f"{', '.join(f'{k}: {v}' for k, v in sorted(errors.items())) or 'none'}; "
        f"all within the window: {verdict(in_time)}"
    )
    tell(
        f"cast latency: p50 {percentile(latencies, 0.5) * 1e3:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1e3:.0f} ms, "
        f"max {max(latencies, default=0) * 1e3:.0f} ms"
    )
    delays, missed = _screen_delays(screens, acknowledged)
    p99 = percentile(delays, 0.99)
    screens_met = p99 < TARGET_SCREEN_P99_S and not missed
    tell(
        f"screen update delay over {len(screens)} screens: p50 {percentile(delays, 0.5):.2f} s, "
        f"p99 {p99:.2f} s, max {max(delays, default=0):.2f} s; never shown: {missed}; "
        f"target p99 < {TARGET_SCREEN_P99_S:.0f} s: {verdict(screens_met)}"
    )
    tell(
        f"database while it ran: {(db_after[0] - db_before[0]) / elapsed:.0f} transactions/s, "
        f"{(db_after[1] - db_before[1]) / elapsed:.0f} table and index scans/s "
        f"({(db_after[1] - db_before[1]) / max(len(latencies), 1):.1f} per vote, "
        "screens included)"
    )
    service_cpu = (cpu_after[0] - cpu_before[0]) / elapsed
    postgres_cpu = (cpu_after[1] - cpu_before[1]) / elapsed
    tell(
        f"CPU: service {service_cpu * 1e3:.0f} ms/s, PostgreSQL {postgres_cpu * 1e3:.0f} ms/s, "
        f"this load generator {(cpu_after[2] - cpu_before[2]) / elapsed * 1e3:.0f} ms/s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--in-flight", type=int, default=32, help="cast connections")
    parser.add_argument("--port", type=int, default=8768)
    parser.add_argument("--quick", action="store_true", help="200 voters, 20 screens, 10 s")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.voters, arguments.screens, arguments.seconds = 200, 20, 10.0
    uvloop.run(main(arguments))
