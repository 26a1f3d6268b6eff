"""The lot generator is specified byte for byte, so its answers are fixed forever."""

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tally.lot import Lot


def test_first_block_is_sha256_of_seed_and_zero_counter():
    lot = Lot("plenary")
    expected = int.from_bytes(hashlib.sha256(b"plenary" + bytes(8)).digest(), "big")
    assert lot.block(0) == expected
    assert lot.below(1000) == expected % 1000
    assert lot.draws[0].counter == 0


def test_text_and_bytes_seeds_agree():
    assert Lot("seed").shuffle(range(10)) == Lot(b"seed").shuffle(range(10))


def test_same_seed_gives_same_draws_and_different_seed_differs():
    a = [Lot("a").below(10**6) for _ in range(3)]
    assert a == [Lot("a").below(10**6)] * 3
    assert Lot("a").shuffle(range(20)) != Lot("b").shuffle(range(20))


def test_below_rejects_nonpositive():
    with pytest.raises(ValueError, match="at least one"):
        Lot("x").below(0)


@given(st.binary(max_size=16), st.lists(st.integers(), max_size=30))
def test_shuffle_is_a_permutation(seed, items):
    assert sorted(Lot(seed).shuffle(items)) == sorted(items)


@given(st.binary(max_size=16), st.integers(0, 12))
def test_sample_draws_distinct_items(seed, k):
    items = list(range(12))
    got = Lot(seed).sample(items, k)
    assert len(got) == k
    assert len(set(got)) == k


def test_draws_are_roughly_uniform():
    lot = Lot("uniform")
    counts = Counter(lot.below(4) for _ in range(4000))
    assert set(counts) == {0, 1, 2, 3}
    assert all(900 < c < 1100 for c in counts.values())
