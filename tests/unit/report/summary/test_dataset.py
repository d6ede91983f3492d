"""The dataset block of report.json (class balance, the rarest and commonest digits), worked out by hand.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

import pytest

from report.summary.dataset import classes_balanced, commonest_digit, rarest_digit

import synthetic
from synthetic import Scenario

approx = pytest.approx


def test_classes_balanced_below_one_and_a_half_times():
    assert classes_balanced({0: 5923, 1: 6742, 5: 5421})
    assert classes_balanced({0: 41, 1: 60})
    assert not classes_balanced({0: 40, 1: 60})  # exactly 1.5 times is unbalanced
    assert not classes_balanced({0: 10, 1: 60, 2: 20})


def test_the_rarest_and_commonest_digits_with_their_shares(summary):
    # 60 training images of every digit, 600 in all: a tie everywhere, so the smallest digit is the rarest and the
    # largest the commonest, never one digit both.
    assert summary["dataset"]["rarest"] == {"digit": 0, "count": 60, "share": approx(0.1)}
    assert summary["dataset"]["commonest"] == {"digit": 9, "count": 60, "share": approx(0.1)}
    unbalanced = synthetic.build(Scenario(train_counts=(60, 60, 45, 60, 60, 60, 60, 70, 60, 60))).summary()["dataset"]
    # 595 training images: digit 2 has 45 of them (7.56%), digit 7 has 70 (11.76%).
    assert unbalanced["rarest"] == {"digit": 2, "count": 45, "share": approx(45 / 595)}
    assert unbalanced["commonest"] == {"digit": 7, "count": 70, "share": approx(70 / 595)}


def test_ties_for_rarest_and_commonest_digit_go_to_the_smallest_and_the_largest():
    assert rarest_digit({0: 5, 1: 3, 2: 3}) == 1
    assert commonest_digit({0: 5, 1: 5, 2: 3}) == 1
    assert (rarest_digit({4: 7}), commonest_digit({4: 7})) == (4, 4)
