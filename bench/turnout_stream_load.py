"""Live turnout for 2,000 viewers of one open contest while votes arrive, against the service.

Starts ``plenary serve`` on a database of its own (DATABASE_URL's server, else the embedded
PostgreSQL under ``.plenary/bench-pgdata``), imports a generated roll, opens a motion and runs
two phases of ``--seconds`` each with one vote every ``--every`` seconds: first with
``--few`` viewers, then with ``--viewers`` (each a different member, holding one server-sent
event stream). Prints, per phase, beside the targets of issue 20:

- the database's transactions per second (``pg_stat_database.xact_commit``), which must not
  grow with the viewers (target: the ratio of the two phases near 1, O(1) per contest);
- service CPU per second;
- the service's resident memory per open stream;
- the delay from a vote being acknowledged to every viewer seeing a count that includes it:
  p50, p99 and max over every (vote, viewer) pair (target p99 under 2 s).

    .venv/bin/python bench/turnout_stream_load.py [--viewers 2000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.cast_load import (  # noqa: E402
    _service,
    _until_ready,
    bench_database,
    prepare_database,
)
from bench.load_client import Meter, percentile  # noqa: E402
from bench.soak import _rss  # noqa: E402
from service.auth import issue_token  # noqa: E402
from service.database import drop_database, session_for  # noqa: E402
from service.keys import ensure_private_key, load_private_key  # noqa: E402
from service.settings import Settings  # noqa: E402

DATABASE = "plenary_bench_turnout"
TARGET_P99 = 2.0


def tell(line: str) -> None:
    print(line, flush=True)


async def _commits(url: str) -> int:
    async with session_for(url) as session:
        found = await session.scalar(
            text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        )
    return int(found or 0)


class Viewer:
    """One stream: when each count was first seen."""

    def __init__(self) -> None:
        self.first_seen: dict[int, float] = {}
        self.ready = asyncio.Event()

    async def watch(self, client: httpx.AsyncClient, path: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        async with client.stream("GET", path, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    voted = json.loads(line.partition(":")[2])["voted"]
                    self.first_seen.setdefault(voted, time.monotonic())
                    self.ready.set()


async def _phase(
    name: str,
    viewers: int,
    members: list[str],
    tokens: dict[str, str],
    contest: str,
    base: str,
    args: argparse.Namespace,
    meter: Meter,
    url: str,
    pid: int,
) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=viewers + 16, max_keepalive_connections=viewers + 16)
    watchers = [Viewer() for _ in range(viewers)]
    rss_before = _rss(pid)
    async with (
        httpx.AsyncClient(base_url=base, timeout=None, limits=limits) as streams,
        httpx.AsyncClient(base_url=base, timeout=60) as casts,
    ):
        path = f"/api/v1/contests/{contest}/turnout/stream"
        tasks = [
            asyncio.create_task(w.watch(streams, path, tokens[members[i]]))
            for i, w in enumerate(watchers)
        ]
        async with asyncio.timeout(120):
            await asyncio.gather(*(w.ready.wait() for w in watchers))
        per_stream = (_rss(pid) - rss_before) / viewers
        need = args.votes_needed
        voters = members[viewers:-need] if name == "many" else members[-need:]
        acknowledged: dict[int, float] = {}
        cpu_before, commits_before, started = meter.read(), await _commits(url), time.monotonic()
        turnout = (
            await casts.get(f"/api/v1/contests/{contest}/turnout", headers=_auth(tokens, "RO1"))
        ).json()["voted"]
        for k in range(int(args.seconds / args.every)):
            member = voters.pop()
            r = await casts.post(
                f"/api/v1/contests/{contest}/ballots",
                json={"choice": "for"},
                headers=_auth(tokens, member),
            )
            r.raise_for_status()
            turnout += 1
            acknowledged[turnout] = time.monotonic()
            await asyncio.sleep(max(0.0, started + (k + 1) * args.every - time.monotonic()))
        await asyncio.sleep(2.5)  # the last vote reaches every viewer
        elapsed = time.monotonic() - started
        cpu_after, commits_after = meter.read(), await _commits(url)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    delays = []
    missed = 0
    for w in watchers:
        for count, at in acknowledged.items():
            seen = min((t for c, t in w.first_seen.items() if c >= count), default=None)
            if seen is None:
                missed += 1
            else:
                delays.append(max(0.0, seen - at))
    tps = (commits_after - commits_before) / elapsed
    cpu = (cpu_after[0] - cpu_before[0]) / elapsed
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    tell(
        f"{name}: {viewers:,} viewers, {len(acknowledged)} votes in {elapsed:.0f} s: database "
        f"{tps:.1f} transactions/s; service CPU {cpu * 1e3:.0f} ms/s; "
        f"{per_stream / 1024:.0f} KiB per stream"
    )
    tell(
        f"  delay from a vote to every viewer seeing it: p50 {p50:.2f} s, p99 {p99:.2f} s, "
        f"max {max(delays, default=0):.2f} s; target p99 < {TARGET_P99:.0f} s: "
        f"{'met' if p99 < TARGET_P99 and not missed else 'MISSED'}; never seen: {missed}"
    )
    return tps, cpu


def _auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


async def main(args: argparse.Namespace) -> None:
    admin, postgres_pid = bench_database()
    url = await prepare_database(admin, DATABASE, args.viewers + 500)
    data_dir = ROOT / ".plenary" / "bench-turnout"
    settings = Settings(data_dir=data_dir, database_url=url)
    key = load_private_key(ensure_private_key(settings)[0])
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLENARY_DATA_DIR": str(data_dir),
        "PLENARY_LOG_LEVEL": "WARNING",
        "PLENARY_GENERATE_KEYS": "1",  # a bench on this machine, not a deployment
        "PLENARY_PORT": str(args.port),
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
    tokens = {
        m: issue_token(key, settings, subject=m, roles=["member"], ttl_seconds=7200)
        for m in members
    }
    tokens["RO1"] = issue_token(
        key, settings, subject="RO1", roles=["returning_officer"], ttl_seconds=7200
    )
    args.votes_needed = int(args.seconds / args.every) + 1
    try:
        with _service(env, args.port, 1, data_dir / "serve.log") as process:
            base = f"http://127.0.0.1:{args.port}"
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                await _until_ready(client, process)
                ro = _auth(tokens, "RO1")
                made = await client.post(
                    "/api/v1/contests", json={"title": "Watched", "kind": "motion"}, headers=ro
                )
                contest = made.json()["id"]
                (
                    await client.post(f"/api/v1/contests/{contest}/open", headers=ro)
                ).raise_for_status()
            meter = Meter(process.pid, postgres_pid)
            few = await _phase(
                "few", args.few, members, tokens, contest, base, args, meter, url, process.pid
            )
            many = await _phase(
                "many", args.viewers, members, tokens, contest, base, args, meter, url, process.pid
            )
            tell(
                f"database transactions/s with {args.viewers:,} viewers against {args.few}: "
                f"{many[0] / max(few[0], 1e-9):.2f}x (target about 1: O(1) per contest)"
            )
    finally:
        await drop_database(admin, DATABASE)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between votes")
    parser.add_argument("--port", type=int, default=8767)
    uvloop.run(main(parser.parse_args()))
