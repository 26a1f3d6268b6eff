"""Canonical JSON for log entries, after RFC 8785 (JSON Canonicalization Scheme).

One value has one encoding, so one decision has one leaf hash: object members sorted by the
UTF-16 code units of their names (§3.2.3), no insignificant white space, strings with only the
escapes RFC 8785 §3.2.2.2 prescribes (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t`` and
``\\u00xx`` for other control characters, lowercase hex), UTF-8 output. Numbers are integers
only, within the I-JSON exact range ±(2**53 - 1) (RFC 7493 §2.2): floats are refused, because
a count written as a float can be rounded and counts here are exact.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring
from typing import Final

from audit.errors import MalformedError

__all__ = ["MAX_SAFE_INTEGER", "canonical_json", "load_canonical_json"]

_quote = encode_basestring
"""JSON string quoting with exactly RFC 8785's escapes (C-accelerated in CPython)."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer every JSON reader holds exactly (RFC 7493 §2.2)."""


def _encode(value: object, out: list[str], depth: int) -> None:
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise MalformedError(f"integer {value} is outside ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, float):
        raise MalformedError(f"canonical JSON refuses floats ({value!r}); use an integer")
    elif depth >= 64:
        raise MalformedError("canonical JSON nests deeper than 64 levels")
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise MalformedError(f"object member names must be strings, got {key!r}")
        out.append("{")
        for position, key in enumerate(sorted(value, key=_utf16_order)):
            if position:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _encode(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _encode(item, out, depth + 1)
        out.append("]")
    else:
        raise MalformedError(f"canonical JSON cannot encode {type(value).__name__}")


def _utf16_order(name: str) -> bytes:
    # UTF-16BE bytes compare in code-unit order (RFC 8785 §3.2.3); lone surrogates are
    # refused later, when the output is encoded as UTF-8.
    return name.encode("utf-16-be", "surrogatepass")


_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False, check_circular=False
).encode
"""The C encoder; its bytes are canonical for the values :func:`_plain` accepts."""

_WIDE: Final = "\uffff"


def _plain(value: object, depth: int) -> bool:
    """True when ``_dumps(value)`` is exactly :func:`_encode`'s output: only exact dicts with
    str keys below U+10000 (code-point order is then UTF-16 order), lists, tuples, str, bool,
    None and ints in range, nested under 64 levels. Anything else takes the reference path,
    which also gives the errors."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER  # type: ignore[operator]
    if depth >= 64:
        return False
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or (key and not key.isascii() and max(key) > _WIDE):
                return False
            if type(item) is not str and not _plain(item, depth + 1):
                return False
        return True
    if kind is list or kind is tuple:
        return all(type(item) is str or _plain(item, depth + 1) for item in value)  # type: ignore[attr-defined]
    return False


def _reference_canonical_json(value: object) -> bytes:
    """The canonical JSON by the rules written out, one value at a time (the slow path)."""
    out: list[str] = []
    _encode(value, out, 0)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError("canonical JSON strings must be valid Unicode") from exc


def canonical_json(value: object) -> bytes:
    """Return the canonical UTF-8 JSON of ``value`` (RFC 8785 with integers only).

    Accepts ``None``, ``bool``, ``int``, ``str``, mappings with string keys and sequences
    (lists, tuples). Raises :class:`audit.errors.MalformedError` (a ``ValueError``) for a
    float, a non-string key, an out-of-range integer, a lone surrogate or another type.
    Cost: linear in the size of the value; plain values (dicts, lists, str, int, as decoded
    JSON is) are checked in Python and written by the C encoder, byte for byte the same.
    """
    if _plain(value, 0):
        try:
            return _dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the reference path says so
    return _reference_canonical_json(value)


def _refuse_float(text: str) -> object:
    raise MalformedError(f"canonical JSON refuses the number {text}")


def _refuse_constant(text: str) -> object:
    raise MalformedError(f"{text} is not JSON")


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise MalformedError("object has a duplicate member name")
    return result


def load_canonical_json(data: bytes) -> object:
    """Parse bytes that must already be canonical JSON, as the verifier reads log entries.

    Refuses invalid UTF-8, duplicate names, floats, ``NaN``, and any bytes that differ from
    the canonical encoding of what they parse to. Cost: one parse and one encode.
    """
    try:
        text = data.decode("utf-8")
        value: object = json.loads(
            text,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_members,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedError(f"not JSON: {exc}") from exc
    if canonical_json(value) != data:
        raise MalformedError("JSON is not in canonical form")
    return value
