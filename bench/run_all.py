"""Run every benchmark in one go and end with one table: each figure beside its target.

Each script in ``bench/`` prints its figures as sentences, and every figure that has a target
says so on its line ("… target < 2 s: met"). This runner starts the scripts one after another
(each in its own process, so their memory figures are their own), shows their output as it
comes, and keeps the lines that name a target. At the end it prints those lines again, grouped
by script, with the machine's load average before and after each script: the figures are only
comparable with the load they were measured under, and this 2-core machine is often shared.

    .venv/bin/python bench/run_all.py [--only NAME ...] [--skip NAME ...]

Exits 1 when a script failed (its exit status is shown in the table); a target that was missed
is reported, not treated as a failure: the closing note explains each one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__.py", "load_client.py", "run_all.py"}


@dataclass
class Run:
    """One script's run: its exit status, its target lines and the load around it."""

    script: str
    status: int = 0
    seconds: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    figures: list[str] = field(default_factory=list)


def scripts(only: list[str], skip: list[str]) -> list[Path]:
    """The benchmark scripts to run, in name order."""
    found = sorted(p for p in BENCH.glob("*.py") if p.name not in NOT_BENCHMARKS)
    if only:
        found = [p for p in found if p.stem in only]
    return [p for p in found if p.stem not in skip]


def names_a_target(line: str) -> bool:
    """Whether a line of a script's output is a figure beside its target."""
    lowered = line.lower()
    return "target" in lowered and any(
        word in line for word in ("met", "MISSED", "OK", "x (target", "ratio")
    )


def run(script: Path) -> Run:
    """Run one script, echoing its output, and keep its target lines."""
    result = Run(script.stem, load_before=os.getloadavg()[0])
    started = time.monotonic()
    print(f"== {script.name}", flush=True)
    with subprocess.Popen(
        [sys.executable, str(script)],
        cwd=BENCH.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            if names_a_target(line):
                result.figures.append(line.strip())
    result.status = child.returncode
    result.seconds = time.monotonic() - started
    result.load_after = os.getloadavg()[0]
    return result


def table(runs: list[Run]) -> str:
    """Every figure beside its target, by script, with the load it was measured under."""
    out = ["", "== every figure beside its target", f"cores: {os.cpu_count()}"]
    for r in runs:
        status = "ok" if r.status == 0 else f"FAILED (exit {r.status})"
        out.append(
            f"-- {r.script}: {status}, {r.seconds:.0f} s, "
            f"load {r.load_before:.1f} before, {r.load_after:.1f} after"
        )
        out.extend(f"   {line}" for line in r.figures or ["(no figure with a target)"])
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="run just these scripts (names)")
    parser.add_argument("--skip", nargs="*", default=[], help="leave these scripts out")
    args = parser.parse_args()
    runs = [run(script) for script in scripts(args.only, args.skip)]
    print(table(runs), flush=True)
    return 1 if any(r.status for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
