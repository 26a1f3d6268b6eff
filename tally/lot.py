"""Drawing by lot: a deterministic SHA-256 counter generator anyone can re-run.

Python's ``random`` is not stable across versions, so a draw that an auditor must reproduce
uses this generator instead. It is specified completely here, so that it can be written again
in any language:

- the seed is bytes (a text seed is its UTF-8 encoding);
- block ``i`` (``i`` = 0, 1, 2, …) is ``SHA-256(seed || i as 8-byte big-endian)``, read as a
  256-bit big-endian unsigned integer ``v``;
- a draw below ``n`` takes the next block; with ``limit = 2**256 - (2**256 mod n)`` it answers
  ``v mod n`` when ``v < limit`` and otherwise rejects the block and takes the next one
  (rejection sampling, so every answer in ``range(n)`` is exactly equally likely);
- ``shuffle`` is Fisher–Yates from the last position down, drawing ``below(i + 1)`` for
  ``i = len - 1, …, 1``.

Every draw is recorded (``Lot.draws``), so a transcript can show the draws a result rests on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["Draw", "Lot"]

T = TypeVar("T")

_SPACE = 1 << 256


@dataclass(frozen=True, slots=True)
class Draw:
    """One draw: ``value`` was drawn uniformly from ``range(n)`` using block ``counter``."""

    counter: int
    n: int
    value: int


@dataclass(slots=True)
class Lot:
    """A reproducible source of uniform choices, seeded by bytes or text.

    Cost: one SHA-256 per draw (a rejected block costs one more; the chance of a rejection
    is below ``n / 2**256``).
    """

    seed: bytes
    counter: int = 0
    draws: list[Draw] = field(default_factory=list)

    def __init__(self, seed: bytes | str) -> None:
        self.seed = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
        self.counter = 0
        self.draws = []

    def block(self, counter: int) -> int:
        """The 256-bit value of block ``counter``; pure, does not advance the generator."""
        digest = hashlib.sha256(self.seed + counter.to_bytes(8, "big")).digest()
        return int.from_bytes(digest, "big")

    def below(self, n: int) -> int:
        """A uniform integer in ``range(n)``; ``n`` must be at least 1."""
        if n < 1:
            raise ValueError(f"cannot draw below {n}: need at least one choice")
        limit = _SPACE - (_SPACE % n)
        while True:
            counter = self.counter
            self.counter += 1
            value = self.block(counter)
            if value < limit:
                drawn = value % n
                self.draws.append(Draw(counter=counter, n=n, value=drawn))
                return drawn

    def choose(self, items: Sequence[T]) -> T:
        """One of ``items``, each equally likely."""
        if not items:
            raise ValueError("cannot choose from an empty sequence")
        return items[self.below(len(items))]

    def shuffle(self, items: Sequence[T]) -> list[T]:
        """A new list with ``items`` in a uniformly random order (Fisher–Yates)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """``k`` distinct items, in the order drawn (a partial Fisher–Yates from the front)."""
        if not 0 <= k <= len(items):
            raise ValueError(f"cannot draw {k} from {len(items)}")
        pool = list(items)
        for i in range(k):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]
