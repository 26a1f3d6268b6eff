"""Import a generated 100,000-member roll into a fresh database and print how long it took.

Target (issue "Service foundation"): under 30 seconds on the project's 2-core machine.
Uses DATABASE_URL's server when set, else the embedded PostgreSQL under .plenary/bench-pgdata.

    .venv/bin/python bench/import_roll.py [--members N]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roll.imports import import_roll  # noqa: E402
from roll.parse import parse_roll  # noqa: E402
from service.database import (  # noqa: E402
    create_database,
    drop_database,
    session_for,
    sqlalchemy_url,
    start_embedded,
    with_database,
)
from service.events import log_roll_import  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from tally.lot import Lot  # noqa: E402

TARGET_SECONDS = 30.0


def generate(members: int) -> bytes:
    """A roll of ``members`` across 12 regions and 400 branches, the same for the same size."""
    lot = Lot(f"bench roll {members}")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["membership_number", "name", "email", "branch", "region", "status", "gender"])
    statuses = ["active"] * 9 + ["lapsed"]
    for n in range(members):
        branch = n % 400
        w.writerow(
            [
                f"B{n:07d}",
                f"Member {n}",
                f"m{n}@bench.example",
                f"branch{branch:03d}",
                f"R{branch % 12:02d}",
                statuses[lot.below(10)],
                ("woman", "man", "non-binary")[lot.below(3)],
            ]
        )
    return out.getvalue().encode()


async def main(members: int) -> None:
    configured = os.environ.get("DATABASE_URL")
    admin = (
        sqlalchemy_url(configured)
        if configured
        else start_embedded(ROOT / ".plenary" / "bench-pgdata")
    )
    name = "plenary_bench_roll"
    await drop_database(admin, name)
    await create_database(admin, name)
    url = with_database(admin, name)
    await upgrade(url)
    data = generate(members)
    print(f"roll: {members:,} members, {len(data) / 1e6:.1f} MB of CSV")
    try:
        for attempt in ("first import (all new)", "re-import (all updated)"):
            started = time.perf_counter()
            rows = parse_roll(data)
            parsed = time.perf_counter()
            async with session_for(url) as session:
                imported = await import_roll(session, rows, source="bench")
                await log_roll_import(session, imported, actor_role="admin")
                await session.commit()
            done = time.perf_counter()
            total = done - started
            print(
                f"{attempt}: parse {parsed - started:.2f} s, database {done - parsed:.2f} s, "
                f"total {total:.2f} s ({members / total:,.0f} members/s); "
                f"target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'MISSED'} "
                f"({TARGET_SECONDS / total:.1f}x headroom)"
            )
    finally:
        await drop_database(admin, name)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().members))
