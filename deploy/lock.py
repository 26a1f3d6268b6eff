"""Write ``requirements.lock``: every package the service runs on, its exact version and the
SHA-256 of the file pip installs, for the Docker image's ``pip install --require-hashes``.

Run by ``make lock`` after a dependency changes in ``pyproject.toml``: it installs the project
(without its test and dev extras) into a scratch virtual environment, freezes it, downloads
each frozen file and hashes it. The hashes are for CPython 3.11 on Linux x86-64, the image's
platform (``python:3.11-slim``).

    python deploy/lock.py [--output requirements.lock]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} …: {done.stderr.strip()[-600:]}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "requirements.lock")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plenary-lock-") as scratch:
        env_dir, files = Path(scratch) / "venv", Path(scratch) / "files"
        venv.create(env_dir, with_pip=True)
        pip = str(env_dir / "bin" / "pip")
        _run(pip, "install", "--quiet", str(ROOT))
        frozen = [
            line
            for line in _run(pip, "freeze", "--exclude", "plenary").splitlines()
            if line and not line.startswith("#")
        ]
        pins = Path(scratch) / "pins.txt"
        pins.write_text("\n".join(frozen) + "\n")
        _run(pip, "download", "--quiet", "--no-deps", "-d", str(files), "-r", str(pins))
        by_name = {_name(p.name): p for p in files.iterdir()}
        lines = [
            "# Every package the service runs on, pinned with the hash of the file pip installs",
            "# (CPython 3.11, Linux x86-64: the Docker image). Regenerate: make lock",
        ]
        for pin in sorted(frozen, key=str.lower):
            name = _normalise(pin.split("==")[0])
            digest = hashlib.sha256(by_name[name].read_bytes()).hexdigest()
            lines.append(f"{pin} \\\n    --hash=sha256:{digest}")
    args.output.write_text("\n".join(lines) + "\n")
    print(f"{args.output.name}: {len(frozen)} packages")
    return 0


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _name(filename: str) -> str:
    """The project name of a wheel or sdist file name."""
    stem = filename.removesuffix(".whl").removesuffix(".tar.gz").removesuffix(".zip")
    if filename.endswith(".whl"):
        return _normalise(stem.split("-")[0])
    return _normalise(stem.rsplit("-", 1)[0])


if __name__ == "__main__":
    raise SystemExit(main())
