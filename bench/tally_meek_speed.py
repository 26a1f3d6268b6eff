"""How long Meek STV takes on a large election (issue 3: 1,000,000 ballots in under 10 s).

The election: Plackett–Luce preferences over 20 candidates with fixed weights, ballot lengths
uniform in 1–20, 5 seats, a fixed seed. The ballots are T1's: ``bench.tally_speed.generate``
writes (once, cached under ``bench/out/``) the BLT file that its own benchmark counts, and it is
read here; when that module is absent, :func:`generate` here (same model) builds them in memory.
Prints the seconds to build or read the ballots and to count them, the peak resident memory of
the process (ballots included), and the result.

Run: ``.venv/bin/python -m bench.tally_meek_speed [BALLOTS]`` (default 1,000,000).
"""

from __future__ import annotations

import random
import resource
import sys
import time
from collections.abc import Callable

from tally.ballots import Ballot, Election, group_ballots, single
from tally.blt import read_blt
from tally.meek import RULE

__all__ = ["generate", "main"]

CANDIDATES = 20
SEATS = 5
SEED = 20070503


def generate(ballots: int, candidates: int = CANDIDATES, seed: int = SEED) -> Election:
    """A Plackett–Luce election: each ballot draws candidates without replacement, each with
    chance proportional to its fixed weight, to a length uniform in 1..candidates.

    Cost: O(ballots × candidates²) random draws (the benchmark set-up, not timed as counting).
    """
    rng = random.Random(seed)
    strengths = [rng.random() ** 2 + 0.05 for _ in range(candidates)]

    def one() -> Ballot:
        length = rng.randint(1, candidates)
        pool = list(range(candidates))
        weights = list(strengths)
        ranking = []
        for _ in range(length):
            (i,) = rng.choices(range(len(pool)), weights=weights)
            ranking.append(single(pool.pop(i)))
            weights.pop(i)
        return Ballot(tuple(ranking), 1)

    papers = group_ballots(one() for _ in range(ballots))
    names = tuple(f"Candidate {i + 1}" for i in range(candidates))
    return Election(names, SEATS, papers, title="Plackett-Luce benchmark")


def _generator() -> Callable[[int], Election]:
    try:
        from bench.tally_speed import generate as write_blt_file
    except ImportError:
        return generate
    return lambda ballots: read_blt(write_blt_file(ballots))


def main(argv: list[str]) -> None:
    """Build the election, count it under Meek and print the figures."""
    ballots = int(argv[0]) if argv else 1_000_000
    start = time.perf_counter()
    election = _generator()(ballots)
    built = time.perf_counter() - start
    start = time.perf_counter()
    cpu = time.process_time()
    transcript = RULE.count(election)
    counted = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"ballots: {ballots:,} ({len(election.ballots):,} distinct rankings)")
    print(f"building or reading the ballots: {built:.1f} s")
    print(f"Meek count: {counted:.2f} s wall, {cpu:.2f} s CPU (target: under 10 s at 1,000,000)")
    print(f"peak memory of the process, ballots included: {peak / 2**20:.0f} MiB")
    print(f"stages: {len(transcript.stages)}; elected: {', '.join(transcript.elected_names)}")
    for note in transcript.notes:
        print(f"  {note}")


if __name__ == "__main__":
    main(sys.argv[1:])
