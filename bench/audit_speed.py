"""Time the pure transparency-log core on a 1,000,000-entry log held in memory.

Targets (issue 4): full verification of 1,000,000 entries from their bytes under 5 s; one
inclusion proof and one consistency proof from a 1,000,000-entry log under 5 ms each. Building
the stored hashes is timed too (no target: the database store has its own benchmark).

    .venv/bin/python bench/audit_speed.py [--entries N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.canonical import canonical_json  # noqa: E402
from audit.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from audit.memory import MemoryLog  # noqa: E402
from audit.merkle import leaf_hashes  # noqa: E402
from audit.note import generate_signer_key, parse_signer_key  # noqa: E402
from audit.proofs import (  # noqa: E402
    check_consistency,
    check_inclusion,
    prove_consistency,
    prove_inclusion,
)
from audit.stored import tree_hash  # noqa: E402
from audit.tiled import read_entries, tiled_log_files  # noqa: E402
from audit.verify import verify_log  # noqa: E402

VERIFY_TARGET_S = 5.0
PROOF_TARGET_MS = 5.0
ORIGIN = "bench.plenary.example/log"


def entries(count: int) -> list[bytes]:
    """Entries shaped like the service's: canonical JSON of about 200 bytes."""
    digest = "sha256:" + "ab" * 32
    return [
        canonical_json(
            {
                "v": 1,
                "type": "contest.opened",
                "at": "2026-11-21T21:00:00.000000Z",
                "actor": "returning_officer",
                "subjects": {"contest": f"c{n:08d}"},
                "digests": {"manifest": digest},
                "facts": {"n": n},
            }
        )
        for n in range(count)
    ]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    """Run the benchmark and print figures against the targets; exit 1 if one is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    size = parser.parse_args().entries

    made = time.perf_counter()
    data = entries(size)
    made = time.perf_counter() - made
    print(f"generated {size:,} canonical JSON entries of ~{len(data[-1])} bytes in {made:.2f} s")

    log = MemoryLog()
    started = time.perf_counter()
    batch = 10_000
    for at in range(0, size, batch):
        log.append(data[at : at + batch])
    built = time.perf_counter() - started
    print(
        f"build stored hashes: {built:.2f} s ({size / built:,.0f} entries/s, "
        f"{len(log.hashes):,} hashes, batches of {batch:,})"
    )

    signer = parse_signer_key(generate_signer_key(ORIGIN)[0])
    old_size = size * 7 // 10
    note = sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(size, log)), signer)
    saved = sign_checkpoint(Checkpoint(ORIGIN, old_size, tree_hash(old_size, log)), signer)

    started = time.perf_counter()
    hashes = leaf_hashes(data)
    hashed = time.perf_counter() - started
    verdict = verify_log(hashes, note, signer.verifier(), previous_note=saved)
    verified = time.perf_counter() - started
    assert verdict.ok, verdict.problems
    print(
        f"full verification of {size:,} entries from bytes: {verified:.2f} s "
        f"(leaf hashes {hashed:.2f} s, tree + signatures + saved checkpoint "
        f"{verified - hashed:.2f} s); target < {VERIFY_TARGET_S:.0f} s: "
        f"{'OK' if verified < VERIFY_TARGET_S else 'MISSED'} "
        f"({VERIFY_TARGET_S / verified:.1f}x margin)"
    )

    started = time.perf_counter()
    files = dict(tiled_log_files(size, data, log))
    exported = time.perf_counter() - started
    started = time.perf_counter()
    from_bundles = read_entries(size, files.__getitem__)
    verdict = verify_log(leaf_hashes(from_bundles), note, signer.verifier(), previous_note=saved)
    bundled = time.perf_counter() - started
    assert verdict.ok, verdict.problems
    print(
        f"export as C2SP tiles: {exported:.2f} s ({len(files):,} files); verification from "
        f"entry bundles (split + hash + tree): {bundled:.2f} s"
    )
    del files, from_bundles

    root = tree_hash(size, log)
    old_root = tree_hash(old_size, log)
    rounds = 200
    inclusion: list[float] = []
    consistency: list[float] = []
    for i in range(rounds):
        index = (i * 7919) % size
        leaf = log.hashes[2 * index - index.bit_count()]
        started = time.perf_counter()
        proof = prove_inclusion(size, index, log)
        check_inclusion(proof, size, root, index, leaf)
        inclusion.append(time.perf_counter() - started)
        started = time.perf_counter()
        tree_proof = prove_consistency(old_size, size, log)
        check_consistency(tree_proof, old_size, old_root, size, root)
        consistency.append(time.perf_counter() - started)
    worst = max(_median_ms(inclusion), _median_ms(consistency))
    print(
        f"inclusion proof at {size:,} (prove + check, median of {rounds}): "
        f"{_median_ms(inclusion):.3f} ms, max {max(inclusion) * 1000:.3f} ms"
    )
    print(
        f"consistency proof {old_size:,} -> {size:,} (prove + check, median of {rounds}): "
        f"{_median_ms(consistency):.3f} ms, max {max(consistency) * 1000:.3f} ms"
    )
    print(
        f"proof target < {PROOF_TARGET_MS:.0f} ms: "
        f"{'OK' if worst < PROOF_TARGET_MS else 'MISSED'} ({PROOF_TARGET_MS / worst:.0f}x margin)"
    )
    return 0 if verified < VERIFY_TARGET_S and worst < PROOF_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
