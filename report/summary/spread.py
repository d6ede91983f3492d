"""Whether two means differ by more than their seeds' spread: the test behind every "beyond the noise" of the text."""

from __future__ import annotations


def differs_beyond_spread(mean_a: float, std_a: float | None, mean_b: float, std_b: float | None) -> bool | None:
    """Whether two means differ by more than their combined run-to-run spread (std_a + std_b).

    None when either spread is unknown (a single seed): then no claim can be made.
    """
    if std_a is None or std_b is None:
        return None
    return abs(mean_a - mean_b) > std_a + std_b
