"""The comparison's verdict, summarised and rendered, follows the exact accuracies, for any results (Hypothesis).

The oracles here are written differently from the code they check: exact fractions instead of floats, counts of
mistakes instead of accuracies, a loop instead of numpy, dependency sets instead of a formula.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import synthetic
from synthetic import N_TEST, Scenario

MISTAKES = st.integers(min_value=0, max_value=200)


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _variance(values: list[Fraction]) -> Fraction:
    mean = _mean(values)
    return sum(((value - mean) ** 2 for value in values), Fraction(0)) / (len(values) - 1)


@st.composite
def head_to_head(draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Mistakes per seed of the baseline and the 3x3 CNN, for one to three seeds."""
    seeds = draw(st.integers(min_value=1, max_value=3))
    return (
        tuple(draw(st.lists(MISTAKES, min_size=seeds, max_size=seeds))),
        tuple(draw(st.lists(MISTAKES, min_size=seeds, max_size=seeds))),
    )


def _scenario(baseline: tuple[int, ...], cnn: tuple[int, ...]) -> Scenario:
    count = len(baseline)
    same = lambda value: (value,) * count  # noqa: E731 - a one-line helper for the scenario's other models
    return Scenario(
        seeds=tuple(range(42, 42 + count)),
        baseline=baseline,
        kernels={3: cnn, 5: same(15)},
        baseline_loss=same(0.1),
        cnn_loss=same(0.05),
        baseline_permuted=same(30),
        cnn_permuted=same(40),
        efficiency={1000: (same(150), same(80))},
    )


def _oracle(baseline: tuple[int, ...], cnn: tuple[int, ...]) -> dict:
    """Verdict from exact accuracies: who is ahead, by how many points, and whether by more than both spreads."""
    base = [Fraction(N_TEST - wrong, N_TEST) for wrong in baseline]
    conv = [Fraction(N_TEST - wrong, N_TEST) for wrong in cnn]
    gain = _mean(conv) - _mean(base)
    if len(base) == 1:
        return {"better": gain > 0, "gain_pp": float(100 * gain), "beyond": None}
    spread = float(_variance(base)) ** 0.5 + float(_variance(conv)) ** 0.5
    # Too close to call in floating point: the code may fairly land on either side.
    assume(abs(abs(float(gain)) - spread) > 1e-9)
    return {"better": gain > 0, "gain_pp": float(100 * gain), "beyond": abs(float(gain)) > spread}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head_to_head())
def test_the_comparison_follows_the_exact_accuracies(runs):
    baseline, cnn = runs
    expected = _oracle(baseline, cnn)
    comparison = synthetic.build(_scenario(baseline, cnn)).summary()["comparison"]
    assert comparison["cnn_better"] is expected["better"]
    assert comparison["accuracy_gain_pp"] == pytest.approx(expected["gain_pp"], abs=1e-9)
    assert comparison["gain_beyond_spread"] is expected["beyond"]
    assert comparison["cnn_clearly_better"] is (expected["better"] and expected["beyond"] is not False)
    base_errors, cnn_errors = sum(baseline), sum(cnn)
    assert comparison["error_ratio"] == (pytest.approx(base_errors / cnn_errors) if cnn_errors else None)


VERDICT_WORDS = {  # (English) words only each verdict writes
    "beyond": "The gap exceeds the run-to-run spread",
    "within": "Only within the noise",
    "unmeasured": "(One run per model: the spread between seeds was not measured.)",
    "not_better": "In this run the CNN did not beat the baseline",
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head_to_head())
def test_the_rendered_verdict_follows_the_exact_accuracies(runs):
    baseline, cnn = runs
    expected = _oracle(baseline, cnn)
    if not expected["better"]:
        verdict = "not_better"
    else:
        verdict = {None: "unmeasured", True: "beyond", False: "within"}[expected["beyond"]]
    text = synthetic.page_text(synthetic.render(synthetic.build(_scenario(baseline, cnn)).summary(), "en"))
    assert {name for name, words in VERDICT_WORDS.items() if words in text} == {verdict}
