"""Entry point for ``python -m tally`` (see :mod:`tally.cli`)."""

from __future__ import annotations

import sys

from tally.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
