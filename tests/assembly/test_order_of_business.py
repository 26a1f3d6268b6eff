"""The chair numbers the order of business 1 to n, each number once (issue 15): a repeated or
missing number is refused by name, never saved in an order the chair did not mean."""

from __future__ import annotations

import pytest

from assembly.meetings.agenda import order_of_business
from schemas.problems import DomainError


def test_numbers_one_to_n_give_that_order() -> None:
    assert order_of_business([(2, "b"), (1, "a"), (3, "c")]) == ["a", "b", "c"]
    assert order_of_business([]) == []


def test_a_repeated_number_is_refused_naming_it_and_the_one_missing() -> None:
    with pytest.raises(DomainError) as refused:
        order_of_business([(1, "a"), (2, "b"), (2, "c")])
    assert str(refused.value) == (
        "number the motions 1 to 3, each number once: number 2 given to more than one motion; "
        "number 3 missing; the order of business is unchanged"
    )


def test_a_gap_is_refused_naming_every_missing_number() -> None:
    with pytest.raises(DomainError, match="numbers 2, 3 missing"):
        order_of_business([(1, "a"), (4, "b"), (5, "c")])
