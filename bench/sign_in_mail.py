"""Bench: a conference morning's sign-in mail. 2,000 members ask for a link within a minute;
every mail must reach a local SMTP server (aiosmtpd, in this process) with no error.

Open loop: requests are sent at an even pace whether or not earlier ones were answered. For
each member the time runs from sending the request to the SMTP server receiving the mail
(through the page, the durable outbox in PostgreSQL and the background runner). Prints the
request rate achieved, answer latency, and delivery latency p50/p99/max; exits 1 on any
failed request or missing mail. The app runs in this process (httpx over ASGI), so the load
generator shares the two cores. Limits per client address are off (every request comes from
one address, as from a venue's network); everything else is the default.

    .venv/bin/python bench/sign_in_mail.py [--requests 2000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.cast_load import bench_database, prepare_database  # noqa: E402
from bench.import_roll import generate  # noqa: E402
from bench.load_client import percentile  # noqa: E402
from service.app import create_app  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.signin_mail import free_port  # noqa: E402

DATABASE = "plenary_bench_sign_in_mail"
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


class Inbox:
    """The SMTP server's handler: when each recipient's mail arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            self.arrived[rcpt] = time.perf_counter()
        return "250 OK"


def active_members(roll: bytes, count: int) -> list[tuple[str, str]]:
    rows = csv.DictReader(io.StringIO(roll.decode()))
    chosen = [(r["membership_number"], r["email"]) for r in rows if r["status"] == "active"]
    if len(chosen) < count:
        raise SystemExit(f"the generated roll has only {len(chosen)} active members")
    return chosen[:count]


async def main(args: argparse.Namespace) -> int:
    size = int(args.requests * 1.2) + 10
    members = active_members(generate(size), args.requests)
    admin, _ = bench_database()
    url = await prepare_database(admin, DATABASE, size)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(
        data_dir=ROOT / ".plenary" / "bench-sign-in-mail",
        database_url=url,
        extra={
            "PLENARY_SMTP_HOST": "" if "--no-send" in sys.argv else "127.0.0.1",
            "PLENARY_SMTP_PORT": str(port),
            "PLENARY_SMTP_SECURITY": "none",
            "PLENARY_SIGN_IN_REQUESTS_PER_ADDRESS": "0",
        },
    )
    # Request lines and the SMTP server's chatter at INFO would cost more than the work.
    app = create_app(settings.with_(sign_in_rate_per_address=0, log_level="WARNING"))
    for noisy in ("httpx", "mail.log", "aiosmtpd"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sent_at: dict[str, float] = {}
    answered: list[float] = []
    failures: list[str] = []
    try:
        async with app.lifespan():
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(
                transport=transport, base_url="https://vote.bench.example", timeout=60
            ) as client:
                page = await client.get("/sign-in")
                found = _CSRF.search(page.text)
                assert found
                csrf = found.group(1)

                async def ask(number: str, email: str) -> None:
                    started = time.perf_counter()
                    sent_at[email] = started
                    r = await client.post("/sign-in/email", data={"csrf": csrf, "who": number})
                    answered.append(time.perf_counter() - started)
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[-300:]!r}")

                gap = args.seconds / args.requests
                began = time.perf_counter()
                tasks = []
                for i, (number, email) in enumerate(members):
                    delay = began + i * gap - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(ask(number, email)))
                await asyncio.gather(*tasks)
                sending = time.perf_counter() - began
                deadline = time.perf_counter() + 120
                while time.perf_counter() < deadline:  # the SMTP server runs in a thread
                    if len(inbox.arrived) >= len(members):
                        break
                    await asyncio.sleep(0.1)
    finally:
        controller.stop()
    missing = [e for _, e in members if e not in inbox.arrived]
    delivery = sorted(inbox.arrived[e] - sent_at[e] for _, e in members if e in inbox.arrived)
    answers = sorted(answered)
    last = max(inbox.arrived.values(), default=began) - began
    print(
        f"sign-in mail: {len(members)} requests in {sending:.1f} s "
        f"({len(members) / sending:.1f}/s offered, open loop)"
    )
    print(
        f"  answers: p50 {percentile(answers, 0.50) * 1000:.0f} ms, "
        f"p99 {percentile(answers, 0.99) * 1000:.0f} ms, max {answers[-1] * 1000:.0f} ms"
    )
    if delivery:
        print(
            f"  delivered: {len(delivery)} mails, the last {last:.1f} s after the first request "
            f"({len(delivery) / last:.1f}/s)"
        )
        print(
            f"  request to delivery: p50 {percentile(delivery, 0.50) * 1000:.0f} ms, "
            f"p99 {percentile(delivery, 0.99) * 1000:.0f} ms, max {delivery[-1] * 1000:.0f} ms"
        )
    print(f"  errors: {len(failures)} failed requests, {len(missing)} mails missing")
    for failure in sorted(set(failures))[:3]:
        print(f"  e.g. {failure}")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-send", action="store_true")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
