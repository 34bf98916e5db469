"""The growth checks of tests/linear.py catch quadratic work and pass linear work."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.linear import assert_costs_at_most, assert_linear


def _linear(n: int) -> int:
    return sum(ord(c) for c in "ab" * n)


def _quadratic(n: int) -> int:
    # Pure quadratic: the inner loop dominates at every size, so the measured growth is near factor².
    return sum(1 for i in range(n) for _ in range(i))


def _quadratic_backtracking(n: int) -> object:
    # The parsers' usual accident: a pattern that rescans the rest of the text from every position.
    return re.search(r"a*b", "a" * n)


def test_linear_work_passes() -> None:
    ratio = assert_linear(_linear, 20_000)
    assert ratio < 10


@pytest.mark.parametrize(("work", "small"), [(_quadratic, 300), (_quadratic_backtracking, 1000)])
def test_quadratic_work_fails(work: Callable[[int], object], small: int) -> None:
    # factor 8: quadratic growth (≈ 64) is far above the limit (36), so a loaded machine cannot
    # make it pass; with factor 4 the margin between 16 and 10 was small enough to be lost to noise.
    # The pattern starts at 1,000 characters: at 300 its search took 0.05 ms, where the call's own fixed
    # cost is a large share, and one run in twenty measured 34x.
    with pytest.raises(AssertionError, match=r"work grew .* quadratic ≈ 64"):
        assert_linear(work, small, factor=8)


def test_exponential_work_fails() -> None:
    def exponential(n: int) -> int:
        return sum(1 for _ in range(2 ** (n + 8)))

    with pytest.raises(AssertionError):
        assert_linear(exponential, 2, factor=3)


def test_constant_work_passes() -> None:
    assert_linear(lambda n: sum(range(1000)), 10_000)


def test_costs_at_most_compares_with_the_reference() -> None:
    assert_costs_at_most(lambda: _linear(10_000), lambda: _linear(10_000), 3)
    with pytest.raises(AssertionError, match="its reference"):
        assert_costs_at_most(lambda: _linear(20_000), lambda: _linear(1_000), 3)


def test_factor_below_two_is_an_error() -> None:
    with pytest.raises(ValueError, match="factor"):
        assert_linear(_linear, 10, factor=1)
