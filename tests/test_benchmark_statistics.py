"""The partial fine-tune benchmark's paired test: "equal accuracy" as two classifiers on the same photos."""

from __future__ import annotations

import math

import pytest

from benchmarks import partial


def test_no_disagreement_is_equal():
    assert partial.mcnemar_exact_p(0, 0) == 1.0


def test_an_even_split_is_chance():
    # 10 photos split 4/6: as likely as not under equal accuracy.
    assert partial.mcnemar_exact_p(4, 6) == pytest.approx(2 * sum(math.comb(10, i) for i in range(5)) / 2**10)
    assert partial.mcnemar_exact_p(6, 4) == partial.mcnemar_exact_p(4, 6)
    assert partial.mcnemar_exact_p(5, 5) == 1.0


def test_a_one_sided_split_is_not_chance():
    # Every one of 6 disagreements the same way: 2 / 2**6.
    assert partial.mcnemar_exact_p(0, 6) == pytest.approx(2 / 64)
    assert partial.mcnemar_exact_p(1, 10) < partial.EQUAL_ACCURACY_ALPHA
    assert partial.mcnemar_exact_p(2, 5) > partial.EQUAL_ACCURACY_ALPHA
