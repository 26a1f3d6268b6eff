"""Hypothesis strategies for the transparency log, shared by its property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from audit.canonical import MAX_SAFE_INTEGER

__all__ = ["consistency_sizes", "entry_positions", "json_values", "tree_sizes"]


def tree_sizes(largest: int = 300) -> st.SearchStrategy[int]:
    """Non-empty tree sizes up to ``largest`` (small, so logs are cheap to build)."""
    return st.integers(min_value=1, max_value=largest)


def entry_positions(largest: int = 300) -> st.SearchStrategy[tuple[int, int]]:
    """``(size, index)`` with ``0 <= index < size``."""
    return tree_sizes(largest).flatmap(
        lambda size: st.tuples(st.just(size), st.integers(min_value=0, max_value=size - 1))
    )


def consistency_sizes(largest: int = 300) -> st.SearchStrategy[tuple[int, int]]:
    """``(old, new)`` with ``1 <= old <= new``."""
    return tree_sizes(largest).flatmap(
        lambda new: st.tuples(st.integers(min_value=1, max_value=new), st.just(new))
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
"""Values canonical JSON can encode: no floats, integers within ±(2**53 - 1)."""
