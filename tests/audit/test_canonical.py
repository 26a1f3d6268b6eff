"""One decision, one encoding: canonical JSON is RFC 8785 with integers only."""

from __future__ import annotations

import pytest
from hypothesis import given

from audit.canonical import MAX_SAFE_INTEGER, canonical_json, load_canonical_json
from audit.errors import MalformedError

from .strategies import json_values


def test_members_are_sorted_and_white_space_removed():
    assert canonical_json({"b": [1, True, None], "a": {"y": "z", "x": -3}}) == (
        b'{"a":{"x":-3,"y":"z"},"b":[1,true,null]}'
    )


def test_members_sort_by_utf16_code_units_as_rfc8785_example():
    """RFC 8785 §3.2.3 sorting example: code-unit order puts the emoji (a surrogate pair,
    0xD83D…) before U+FB33, although its code point is larger."""
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    encoded = canonical_json(dict.fromkeys(names, 0)).decode("utf-8")
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    expected = "{" + ",".join(canonical_json(n).decode() + ":0" for n in order) + "}"
    assert encoded == expected


def test_strings_use_the_minimal_escapes_and_raw_utf8():
    assert canonical_json('é"\\\n\x1f\u2028/') == '"é\\"\\\\\\n\\u001f\u2028/"'.encode()


@pytest.mark.parametrize(
    "value",
    [1.5, 1.0, float("nan"), {1: "x"}, 2**53, -(2**53), "\ud800", b"bytes", {"a": {1, 2}}],
)
def test_values_without_one_exact_encoding_are_refused(value):
    with pytest.raises(MalformedError):
        canonical_json(value)


def test_largest_safe_integers_are_accepted():
    assert (
        canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
        == b"[9007199254740991,-9007199254740991]"
    )


@pytest.mark.parametrize(
    "data",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b'{"a":1,"a":1}', b'"\\u00e9"', b"\xff", b"NaN"],
)
def test_non_canonical_bytes_are_refused_on_load(data):
    with pytest.raises(MalformedError):
        load_canonical_json(data)


@given(json_values)
def test_encoding_round_trips_through_load(value):
    encoded = canonical_json(value)
    assert load_canonical_json(encoded) == value
    assert canonical_json(load_canonical_json(encoded)) == encoded
