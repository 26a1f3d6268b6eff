"""The fast canonical encoder writes exactly the reference encoder's bytes, or its errors."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.canonical import MAX_SAFE_INTEGER, _reference_canonical_json, canonical_json
from audit.errors import MalformedError

_text = st.text(st.characters(codec=None)) | st.sampled_from(["", "\U0001f600", "\ue000", "\ud800"])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.integers()
    | st.floats()
    | _text
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(_text | st.integers(0, 3), inner, max_size=5)
    ),
    max_leaves=40,
)


def _outcome(encode: Any, value: object) -> tuple[str, object]:
    try:
        return ("bytes", encode(value))
    except MalformedError as exc:
        return ("refused", str(exc))


@settings(max_examples=1500, deadline=None)
@given(_values)
def test_fast_and_reference_encoders_agree_on_random_json(value: object) -> None:
    assert _outcome(canonical_json, value) == _outcome(_reference_canonical_json, value)


def test_keys_beyond_the_bmp_sort_by_utf16_code_units() -> None:
    value = {"\U0001f600": 1, "\uffff": 2, "a": 3}
    assert canonical_json(value) == _reference_canonical_json(value)
    # U+1F600 is the code units D83D DE00, before U+FFFF (code-point order would swap them)
    assert canonical_json(value) == '{"a":3,"\U0001f600":1,"\uffff":2}'.encode()


def test_nesting_at_the_limit_and_beyond() -> None:
    deep: Any = 1
    for _ in range(64):
        deep = [deep]
    assert canonical_json(deep) == _reference_canonical_json(deep)
    assert _outcome(canonical_json, [deep]) == _outcome(_reference_canonical_json, [deep])
    assert _outcome(canonical_json, [deep])[0] == "refused"
