"""Whether two means differ by more than their run-to-run spread: the rule behind every 'beyond the spread' in the report.

Each case is chosen by hand on either side of the rule (the gap against the two spreads' sum), and exactly on it.
"""

from __future__ import annotations

from report.summary.spread import differs_beyond_spread


def test_differs_beyond_spread():
    assert differs_beyond_spread(0.99, 0.002, 0.97, 0.002) is True
    assert differs_beyond_spread(0.97, 0.002, 0.99, 0.002) is True  # either direction
    assert differs_beyond_spread(0.99, 0.01, 0.98, 0.01) is False
    assert differs_beyond_spread(0.75, 0.125, 0.5, 0.125) is False  # exactly the spread is not beyond it
    assert differs_beyond_spread(0.99, None, 0.97, 0.002) is None
    assert differs_beyond_spread(0.99, 0.002, 0.97, None) is None
