"""Soak: a simulated conference day against the real service, for a bounded time.

A 50,000-member roll; a conference with 20 motions, each with an amendment, debated one after
another (the chair starts each vote, members vote, the chair moves on: amendment, then the
motion as amended); an election for 5 posts (5 ranked contests) open all day and closed by the
returning officer at the end; a recall petition signed through the day. Votes arrive bunched
before each close (arrival times drawn with density rising as t², so the last fifth of a
window takes about half its votes), open loop: each request is sent at its time whether or
not earlier ones have been answered, and its latency counts from then.

Prints, for this 2-core machine with the load generator on it too (issue 9, "Load"):

- throughput: acknowledged requests per second over the day, and the busiest 10 s;
- latency p50/p95/p99/max per kind of request (motion votes, election votes, signatures) and
  the chair's and returning officer's steps (each vote step freezes a 45,000-member electorate);
- errors: anything but 201 (target: none), and votes lost (a contest's voters against what
  was acknowledged; target: none);
- the service's resident memory every ``--sample`` seconds (target: flat, under 10 % growth
  from the first sample after warm-up to the last).

Exits 1 when any request failed or any vote was lost (``make soak`` runs the whole day;
``tests/service/test_soak_short.py`` runs a ten-second day in ``make test``).

Rate limits on casting per address are switched off for the run (every request comes from
127.0.0.1); nothing else is changed from the defaults.

    .venv/bin/python bench/soak.py [--seconds 180] [--members 50000] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.cast_load import _service, bench_database, prepare_database  # noqa: E402
from bench.load_client import Casts, Loopback, Meter, percentile  # noqa: E402
from service.auth import issue_token  # noqa: E402
from service.database import drop_database, session_for  # noqa: E402
from service.keys import ensure_private_key, load_private_key  # noqa: E402
from service.settings import Settings  # noqa: E402

DATABASE = "plenary_bench_soak"
POSTS = ("Chair", "Secretary", "Treasurer", "Campaigns officer", "Equalities officer")
CANDIDATES = 6
GROWTH_TARGET = 0.10


def tell(line: str) -> None:
    print(line, flush=True)


def bunched(rng: random.Random, start: float, end: float, count: int) -> list[float]:
    """``count`` arrival times in ``[start, end)`` with density rising as t² towards ``end``."""
    return sorted(start + (end - start) * rng.random() ** (1 / 3) for _ in range(count))


@dataclass
class Day:
    """What the day's load did, by kind of request, and the officers' steps."""

    kinds: dict[str, Casts] = field(default_factory=dict)
    steps: dict[str, list[float]] = field(default_factory=dict)
    acknowledged_at: list[float] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)  # contest → acknowledged votes

    def kind(self, name: str) -> Casts:
        return self.kinds.setdefault(name, Casts())

    def step(self, name: str, seconds: float) -> None:
        self.steps.setdefault(name, []).append(seconds)


class Load:
    """Sends requests at given times over a lean keep-alive pool (``bench/load_client``)."""

    def __init__(self, port: int, in_flight: int, tokens: dict[str, str], day: Day) -> None:
        self.pool = Loopback(port, in_flight)
        self.tokens, self.day = tokens, day

    async def _send(
        self, kind: str, path: str, member: str, body: bytes, due: float, contest: str | None
    ) -> None:
        out = self.day.kind(kind)
        try:
            status, answer = await self.pool.post(path, body, self.tokens[member])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            out.note(type(exc).__name__)
            return
        if status != 201:
            out.note(f"{status} {answer[:120].decode(errors='replace')}")
            return
        now = time.perf_counter()
        out.latencies.append(now - due)
        self.day.acknowledged_at.append(now)
        if contest is not None:
            self.day.expected[contest] = self.day.expected.get(contest, 0) + 1

    async def at(
        self,
        kind: str,
        path: str,
        requests: Sequence[tuple[float, str, bytes]],
        contest: str | None = None,
    ) -> None:
        """Send each (time, member, body) at its time; return when all are answered."""
        tasks = []
        for due, member, body in requests:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._send(kind, path, member, body, due, contest)))
        await asyncio.gather(*tasks)


class Officers:
    """The admin, chair and returning officer, over httpx (a few hundred requests a day)."""

    def __init__(self, client: httpx.AsyncClient, sign: Any) -> None:
        self.client, self.sign = client, sign

    async def call(self, who: str, method: str, path: str, body: Any = None) -> Any:
        r = await self.client.request(
            method, f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {who}"}
        )
        if r.status_code not in (200, 201):
            raise SystemExit(f"{method} {path}: {r.status_code} {r.text}")
        return r.json()


async def _electorate(url: str) -> list[str]:
    async with session_for(url) as session:
        rows = await session.scalars(
            text("SELECT membership_number FROM member WHERE status = 'active' ORDER BY 1")
        )
        return list(rows.all())


async def _agenda(o: Officers, t: Any, members: list[str], motions: int) -> tuple[str, list[str]]:
    """A conference with ``motions`` motions, each seconded twice and amended once, admitted,
    in session. Returns the assembly and its motions."""
    admin, chair = t("ADMIN1", "admin"), t(members[0])
    conference = await o.call(
        admin, "POST", "/assemblies", {"title": "Conference", "kind": "conference"}
    )
    cid = conference["id"]
    await o.call(admin, "POST", f"/assemblies/{cid}/chairs", {"subject": members[0]})
    await o.call(chair, "POST", f"/assemblies/{cid}/state", {"to": "motions_open"})
    ids = []
    for n in range(motions):
        proposer, first, second = members[5 * n + 1 : 5 * n + 4]
        body = {
            "title": f"Motion {n + 1}",
            "category": "policy",
            "paragraphs": ["Conference notes the problem.", "Conference resolves to act."],
        }
        motion = await o.call(t(proposer), "POST", f"/assemblies/{cid}/motions", body)
        for seconder in (first, second):
            await o.call(t(seconder), "POST", f"/motions/{motion['id']}/seconders")
        ids.append(motion["id"])
    await o.call(chair, "POST", f"/assemblies/{cid}/state", {"to": "amendments_open"})
    for n, mid in enumerate(ids):
        amender, backer = members[5 * n + 4], members[5 * n + 5]
        change = {
            "action": "replace",
            "start": 2,
            "paragraphs": ["Conference resolves to act now."],
        }
        amendment = await o.call(t(amender), "POST", f"/motions/{mid}/amendments", change)
        path = f"/motions/{mid}/amendments/{amendment['id']}"
        await o.call(t(backer), "POST", f"{path}/seconders")
        await o.call(chair, "POST", f"/motions/{mid}/admit")
        await o.call(chair, "POST", f"{path}/admit")
    await o.call(chair, "POST", f"/assemblies/{cid}/state", {"to": "in_session"})
    return cid, ids


async def _debate(
    o: Officers, load: Load, chair: str, motions: list[str], plan: Any, ends: float
) -> None:
    """Each motion in turn: the chair starts the vote, members vote (bunched), the chair
    moves on, until the motion is decided; every step gets an equal share of the day."""
    steps = 2 * len(motions)
    share = (ends - time.perf_counter()) / steps
    for mid in motions:
        started = time.perf_counter()
        vote = await o.call(chair, "POST", f"/motions/{mid}/vote/start")
        load.day.step("chair starts a motion's vote", time.perf_counter() - started)
        while vote["state"] != "decided":
            contest = vote["open_contest"]
            window_end = time.perf_counter() + share
            votes = plan(time.perf_counter(), window_end)
            await load.at("motion vote", f"/api/v1/contests/{contest}/ballots", votes, contest)
            started = time.perf_counter()
            vote = await o.call(
                chair, "POST", f"/motions/{mid}/vote/next", {"step": vote.get("step", 0)}
            )
            load.day.step("chair closes, counts, opens the next", time.perf_counter() - started)


def _report(day: Day, seconds: float, rss: list[tuple[float, int]], warm: float) -> None:
    total = sum(c.acknowledged for c in day.kinds.values())
    failed = sum(c.failed for c in day.kinds.values())
    stamps = sorted(day.acknowledged_at)
    busiest, j = 0, 0
    for i, at in enumerate(stamps):
        while stamps[j] < at - 10:
            j += 1
        busiest = max(busiest, i - j + 1)
    tell(
        f"throughput: {total:,} acknowledged in {seconds:.0f} s = {total / seconds:,.0f}/s; "
        f"busiest 10 s: {busiest / 10:,.0f}/s"
    )
    for name, casts in sorted(day.kinds.items()):
        p50, p95, p99 = (percentile(casts.latencies, s) * 1e3 for s in (0.5, 0.95, 0.99))
        top = max(casts.latencies, default=0) * 1e3
        tell(
            f"  {name}: {casts.acknowledged:,} acknowledged; latency p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {top:.0f} ms; errors: {casts.error_text()}"
        )
    for name, took in sorted(day.steps.items()):
        tell(
            f"  {name}: {len(took)} times, median {percentile(took, 0.5):.2f} s, "
            f"max {max(took):.2f} s"
        )
    tell(f"errors: {failed:,}; target none: {'met' if failed == 0 else 'MISSED'}")
    series = ", ".join(f"{t:.0f}s {r / 2**20:.0f}" for t, r in rss)
    tell(f"service memory (RSS MiB) over the day: {series}")
    settled = [r for t, r in rss if t >= warm] or [r for _, r in rss]
    growth = (settled[-1] - settled[0]) / settled[0]
    tell(
        f"memory growth after {warm:.0f} s of warm-up: {growth:+.1%}; target flat "
        f"(< {GROWTH_TARGET:.0%}): {'met' if growth < GROWTH_TARGET else 'MISSED'}"
    )


def _rss(root_pid: int) -> int:
    """Resident memory (bytes) of ``root_pid`` and its descendants (uvicorn's workers), from
    ``/proc``."""
    children: dict[int, list[int]] = {}
    resident: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        resident[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += resident.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


async def _sample_memory(pid: int, every: float, into: list[tuple[float, int]], t0: float) -> None:
    while True:
        into.append((time.perf_counter() - t0, _rss(pid)))
        await asyncio.sleep(every)


async def main(args: argparse.Namespace) -> None:
    admin_url, postgres_pid = bench_database()
    url = await prepare_database(admin_url, DATABASE, args.members)
    data_dir = ROOT / ".plenary" / "bench-soak"
    settings = Settings(data_dir=data_dir, database_url=url)
    key = load_private_key(ensure_private_key(settings)[0])
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLENARY_DATA_DIR": str(data_dir),
        "PLENARY_LOG_LEVEL": "WARNING",
        "PLENARY_GENERATE_KEYS": "1",  # a bench on this machine, not a deployment
        "PLENARY_PORT": str(args.port),
        "PLENARY_DB_POOL_SIZE": str(args.in_flight + 4),
        "PLENARY_CAST_RATE_PER_ADDRESS": "0",
    }
    ttl = int(args.seconds * 3 + 3600)
    signed: dict[tuple[str, ...], str] = {}

    def t(subject: str, *roles: str) -> str:
        if (subject, *roles) not in signed:
            signed[(subject, *roles)] = issue_token(
                key, settings, subject=subject, roles=roles or ("member",), ttl_seconds=ttl
            )
        return signed[(subject, *roles)]

    rng = random.Random(11)
    members = await _electorate(url)
    tell(f"electorate: {len(members):,} active members")
    try:
        with _service(env, args.port, args.workers, data_dir / "serve.log") as process:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{args.port}", timeout=300
            ) as c:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if (await c.get("/ready")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the service did not start; see {data_dir}/serve.log")
                    await asyncio.sleep(0.2)
                await _run(args, Officers(c, t), t, rng, members, process.pid, postgres_pid)
    finally:
        if not args.keep:
            await drop_database(admin_url, DATABASE)


async def _run(
    args: argparse.Namespace,
    o: Officers,
    t: Any,
    rng: random.Random,
    members: list[str],
    service_pid: int,
    postgres_pid: int | None,
) -> None:
    started = time.perf_counter()
    _, motions = await _agenda(o, t, members, args.motions)
    ro, admin = t("RO1", "returning_officer"), t("ADMIN1", "admin")
    posts = []
    for title in POSTS:
        body = {
            "title": title,
            "kind": "election",
            "seats": 1,
            "candidates": [{"name": f"{title} candidate {c + 1}"} for c in range(CANDIDATES)],
        }
        contest = await o.call(ro, "POST", "/contests", body)
        await o.call(ro, "POST", f"/contests/{contest['id']}/open")
        posts.append(contest)
    office = await o.call(
        admin,
        "POST",
        "/offices",
        {
            "title": "National chair",
            "kind": "executive",
            "scope": "national",
            "holder": members[0],
            "recall_rules": {"threshold": {"kind": "fraction_of_electorate", "value": "99/100"}},
        },
    )
    petition = await o.call(
        t(members[1]), "POST", f"/offices/{office['id']}/petitions", {"reason": "x"}
    )
    tell(f"set-up over the API (agenda, election, petition): {time.perf_counter() - started:.1f} s")

    # Who does what, drawn before the clock starts, and their tokens signed.
    electors = members[len(motions) * 5 + 1 :]
    choices = [b'{"choice":"for"}', b'{"choice":"against"}', b'{"choice":"abstain"}']
    election_votes = []
    for contest in posts:
        ids = [c["id"] for c in contest["candidates"]]
        voters = rng.sample(electors, min(args.election_voters, len(electors)))
        ballots = []
        for voter in voters:
            ranking = rng.sample(ids, rng.randint(1, CANDIDATES))
            ballots.append((voter, json.dumps({"ranking": ranking}).encode()))
        election_votes.append((contest["id"], ballots))
    signers = rng.sample(electors, min(args.signers, len(electors)))
    started = time.perf_counter()
    for member in electors:
        t(member)
    tokens = {m: t(m) for m in electors}
    tell(
        f"{len(tokens):,} tokens signed in {time.perf_counter() - started:.1f} s (before the clock)"
    )

    day = Day()
    load = Load(args.port, args.in_flight, tokens, day)
    t0 = time.perf_counter()
    ends = t0 + args.seconds
    rss: list[tuple[float, int]] = []
    sampler = asyncio.create_task(_sample_memory(service_pid, args.sample, rss, t0))
    meter = Meter(service_pid, postgres_pid)
    cpu_before = meter.read()

    def motion_plan(start: float, end: float) -> list[tuple[float, str, bytes]]:
        voters = rng.sample(electors, min(args.motion_voters, len(electors)))
        times = bunched(rng, start, end, len(voters))
        return [(at, v, rng.choice(choices)) for at, v in zip(times, voters, strict=True)]

    election_tasks = [
        load.at(
            "election vote",
            f"/api/v1/contests/{cid}/ballots",
            [
                (at, voter, body)
                for at, (voter, body) in zip(
                    bunched(rng, t0, ends, len(ballots)), ballots, strict=True
                )
            ],
            cid,
        )
        for cid, ballots in election_votes
    ]
    signing = load.at(
        "petition signature",
        f"/api/v1/petitions/{petition['id']}/signatures",
        sorted((t0 + args.seconds * rng.random(), s, b"") for s in signers),
    )
    tell(
        f"the day: {args.seconds:.0f} s; {2 * len(motions)} motion votes of "
        f"{args.motion_voters:,}; {len(posts)} posts of {args.election_voters:,} voters; "
        f"{len(signers):,} signatures"
    )
    await asyncio.gather(
        _debate(o, load, t(members[0]), motions, motion_plan, ends), *election_tasks, signing
    )
    for contest in posts:
        for verb in ("close", "count", "publish"):
            started = time.perf_counter()
            await o.call(ro, "POST", f"/contests/{contest['id']}/{verb}")
            day.step(f"returning officer: {verb} a post", time.perf_counter() - started)
    seconds = time.perf_counter() - t0
    sampler.cancel()
    rss.append((seconds, _rss(service_pid)))
    await load.pool.close()

    lost = 0
    for contest, acknowledged in sorted(day.expected.items()):
        shown = await o.call(ro, "GET", f"/contests/{contest}")
        lost += abs(int(shown.get("voters") or 0) - acknowledged)
    acknowledged_total = sum(c.acknowledged for c in day.kinds.values())
    _report(day, seconds, rss, warm=min(30.0, seconds / 4))
    tell(f"votes lost or extra (voters against acknowledged, every contest): {lost}")
    tell(f"  {meter.per_request(cpu_before, acknowledged_total)}")
    if lost or any(c.failed for c in day.kinds.values()):
        raise SystemExit("soak: requests failed or votes were lost (see above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the day")
    parser.add_argument("--members", type=int, default=50_000, help="members on the roll")
    parser.add_argument("--motions", type=int, default=20)
    parser.add_argument("--motion-voters", type=int, default=600, help="voters per motion vote")
    parser.add_argument("--election-voters", type=int, default=4_000, help="voters per post")
    parser.add_argument("--signers", type=int, default=1_500, help="petition signatures")
    parser.add_argument("--in-flight", type=int, default=48, help="connections to the service")
    parser.add_argument("--workers", type=int, default=1, help="service processes (uvicorn)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    uvloop.run(main(parser.parse_args()))
