"""Exact arithmetic for counts: integers scaled to a rule's decimal places, never floats.

A value with ``d`` decimals is the integer ``round_down(value * 10**d)``: 1300.00000 at five
decimals is ``130000000``. Scottish STV (SSI 2007/42 rule 48(3)) works at five decimals with
remainders ignored; Meek in the ``fixed9`` variant at nine. Helpers here are the only place that
scales, truncates or prints such values, so every rule rounds the same way.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = [
    "droop_quota",
    "format_fixed",
    "majority_of",
    "mul_div_down",
    "mul_div_up",
    "parse_fixed",
    "quota_above",
    "scale_of",
]


def scale_of(decimals: int) -> int:
    """``10**decimals``: the integer that stands for 1 at that many decimal places."""
    if decimals < 0:
        raise ValueError(f"decimal places must be 0 or more, not {decimals}")
    scale: int = 10**decimals
    return scale


def mul_div_down(a: int, b: int, c: int) -> int:
    """``a * b / c`` rounded down (remainder ignored), as rule 48(3) computes a transfer value.

    All three are non-negative scaled integers; ``c`` must be positive. Cost: one big-integer
    multiplication and division.
    """
    if c <= 0:
        raise ZeroDivisionError("cannot divide a vote total that is not positive")
    return a * b // c


def mul_div_up(a: int, b: int, c: int) -> int:
    """``a * b / c`` rounded up, as Meek's keep factors are (Hill's rounding, step B.2.f).

    ``a`` and ``b`` are non-negative scaled integers; ``c`` must be positive. Cost: as
    :func:`mul_div_down`.
    """
    if c <= 0:
        raise ZeroDivisionError("cannot divide a vote total that is not positive")
    return -(-a * b // c)


def droop_quota(valid_papers: int, seats: int, scale: int) -> int:
    """⌊valid papers / (seats + 1)⌋ + 1 whole votes, scaled (SSI 2007/42 rule 46)."""
    return (valid_papers // (seats + 1) + 1) * scale


def majority_of(votes: int, scale: int) -> int:
    """The least whole number of votes above half of ``votes`` (scaled), for IRV."""
    return (votes // scale // 2 + 1) * scale


def quota_above(votes: int, seats: int) -> int:
    """Meek's quota: ``votes / (seats + 1)`` truncated at the scale, plus one unit of it."""
    return votes // (seats + 1) + 1


def format_fixed(value: int, decimals: int) -> str:
    """The scaled integer ``value`` written with exactly ``decimals`` places: ``1300.00000``."""
    if decimals == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def parse_fixed(text: str, decimals: int) -> int:
    """The scaled integer for a decimal string such as ``"1300.00000"`` (exact, no float).

    Digits beyond ``decimals`` are truncated. Raises ``ValueError`` on anything else.
    """
    value = Fraction(text.strip())
    scaled = value * 10**decimals
    return int(scaled)
