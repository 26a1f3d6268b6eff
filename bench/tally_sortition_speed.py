"""How long a stratified draw takes on a national pool of 10,000 volunteers.

The same three pools as ``tests/tally/test_sortition_scale.py`` (two or four features, quotas
within a seat of proportional on every value, uniform and sequential methods). Prints processor
seconds of the best of three draws of each, and the ratio to the budget a returning officer
would accept at the count (``BUDGET`` seconds). The test checks what the draw chose; this script
is where its speed is measured, because a timed test fails on a busy machine.

Run: ``.venv/bin/python bench/tally_sortition_speed.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tally.sortition import Method, draw_panel
from tests.tally.test_sortition_scale import national_pool

CASES = [(2, 30, Method.UNIFORM), (4, 30, Method.UNIFORM), (4, 30, Method.SEQUENTIAL)]
BUDGET = 15.0
REPEAT = 3


def main() -> None:
    print(f"{'features':>8} {'seats':>5} {'method':<10} {'best s':>8} {'of budget':>9}")
    for features, seats, method in CASES:
        inputs = national_pool(features, seats, method)
        best = float("inf")
        for _ in range(REPEAT):
            started = time.process_time()
            draw_panel(inputs, "national assembly 2027")
            best = min(best, time.process_time() - started)
        print(f"{features:>8} {seats:>5} {method.value:<10} {best:>8.2f} {best / BUDGET:>9.1%}")


if __name__ == "__main__":
    main()
