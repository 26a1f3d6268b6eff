"""``python -m audit verify-log …``: the offline verifier, with nothing but ``audit`` installed."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from audit import verify_cli

__all__ = ["main"]

_USAGE = "usage: python -m audit verify-log --key VKEY [--url URL | --dir DIR] [options]"


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``python -m audit <command>``; ``verify-log`` is the one command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_USAGE)
        print("run `python -m audit verify-log --help` for the options")
        return 0 if args else 2
    if args[0] != "verify-log":
        print(f"{_USAGE}\nunknown command {args[0]!r}", file=sys.stderr)
        return 2
    return verify_cli.main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
