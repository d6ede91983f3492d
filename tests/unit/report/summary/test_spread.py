"""Whether two means differ by more than their run-to-run spread: the rule behind every 'beyond the spread' in the report.

The default scenario of tests/synthetic.py, seed by seed (mistakes on the 1,000 test images, test digits 0..9 in turn,
each mistake reading a digit as the next one):

    baseline  30, 28, 26 mistakes  -> 97.0, 97.2, 97.4%   loss 0.096, 0.095, 0.094   60 s
    cnn_k3    12, 10,  8           -> 98.8, 99.0, 99.2%   loss 0.032, 0.031, 0.030  180 s
    cnn_k5    15, 13, 11           -> 98.5, 98.7, 98.9%                              240 s
    cnn_k7    18, 16, 14           -> 98.2, 98.4, 98.6%                              300 s

so each model's mean is the middle seed's and its sample standard deviation 0.2 points. Every expectation below is
computed from this table by hand, not by the code's formulas.
"""

from __future__ import annotations

import pytest

from report.summary.spread import differs_beyond_spread

approx = pytest.approx


def test_differs_beyond_spread():
    assert differs_beyond_spread(0.99, 0.002, 0.97, 0.002) is True
    assert differs_beyond_spread(0.97, 0.002, 0.99, 0.002) is True  # either direction
    assert differs_beyond_spread(0.99, 0.01, 0.98, 0.01) is False
    assert differs_beyond_spread(0.75, 0.125, 0.5, 0.125) is False  # exactly the spread is not beyond it
    assert differs_beyond_spread(0.99, None, 0.97, 0.002) is None
    assert differs_beyond_spread(0.99, 0.002, 0.97, None) is None
