"""Properties that hold for any results, checked with Hypothesis against independent formulations.

The oracles here are written differently from the code they check: exact fractions instead of floats, counts of
mistakes instead of accuracies, a loop instead of numpy, dependency sets instead of a formula.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import synthetic
from analysis.architectures import DEFAULT_CNN, apply_variant, receptive_field
from analysis.experiments import SUPPORTED_KERNEL_SIZES, confusion_matrix, parse_kernel_sizes
from report.summary import advantage_largest_first
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
    return (tuple(draw(st.lists(MISTAKES, min_size=seeds, max_size=seeds))),
            tuple(draw(st.lists(MISTAKES, min_size=seeds, max_size=seeds))))


def _scenario(baseline: tuple[int, ...], cnn: tuple[int, ...]) -> Scenario:
    count = len(baseline)
    same = lambda value: (value,) * count  # noqa: E731 - a one-line helper for the scenario's other models
    return Scenario(
        seeds=tuple(range(42, 42 + count)), baseline=baseline, kernels={3: cnn, 5: same(15)},
        baseline_loss=same(0.1), cnn_loss=same(0.05), baseline_permuted=same(30), cnn_permuted=same(40),
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


def _field_by_dependencies(kernel_size: int, pool_size: int) -> int:
    """Input pixels (along one side) that one unit after conv, pool, conv, pool depends on, traced layer by layer."""
    units = {0}
    for window, stride in reversed(((kernel_size, 1), (pool_size, pool_size), (kernel_size, 1), (pool_size, pool_size))):
        units = {unit * stride + offset for unit in units for offset in range(window)}
    return len(units)


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=4))
def test_receptive_field_is_what_one_unit_depends_on(kernel_size, pool_size):
    network = apply_variant(DEFAULT_CNN, "kernel", kernel_size)
    network = replace(network, layers=tuple(replace(layer, size=pool_size) if layer.type == "maxpool" else layer
                                            for layer in network.layers))
    assert receptive_field(network) == _field_by_dependencies(kernel_size, pool_size)


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=200))
def test_confusion_matrix_counts_every_pair(pairs):
    truth, predicted = (np.array(column, dtype=np.uint8) for column in zip(*pairs))
    expected = [[0] * 10 for _ in range(10)]
    for t, p in pairs:
        expected[t][p] += 1
    assert confusion_matrix(truth, predicted).tolist() == expected


@given(st.lists(st.sampled_from(SUPPORTED_KERNEL_SIZES), min_size=1, max_size=8))
def test_supported_kernel_sizes_parse_sorted_and_once_each(sizes):
    expected = tuple(sorted(set(sizes)))
    assert parse_kernel_sizes(",".join(map(str, sizes))) == expected
    assert parse_kernel_sizes([str(size) for size in sizes]) == expected
    assert parse_kernel_sizes(" , ".join(map(str, sizes)) + ",") == expected


@given(st.lists(st.integers(-3, 12), min_size=1, max_size=4).filter(lambda sizes: set(sizes) - set(SUPPORTED_KERNEL_SIZES)))
def test_unsupported_kernel_sizes_are_named(sizes):
    unsupported = sorted(set(sizes) - set(SUPPORTED_KERNEL_SIZES))
    with pytest.raises(ValueError) as caught:
        parse_kernel_sizes(",".join(map(str, sizes)))
    assert f"unsupported kernel size(s) {', '.join(map(str, unsupported))}" in str(caught.value)
    assert "choose from 1, 3, 5, 7, 9" in str(caught.value)


GAPS = st.lists(st.floats(min_value=-20, max_value=20, allow_nan=False), min_size=1, max_size=5)


@given(GAPS, st.floats(min_value=0.01, max_value=5))
def test_a_new_smallest_set_with_the_largest_lead_is_largest_first(gaps, margin):
    assert advantage_largest_first([max(max(gaps), 0.0) + margin, *gaps])


@given(GAPS, st.floats(min_value=0.01, max_value=5))
def test_a_larger_lead_at_a_later_size_is_not_largest_first(gaps, margin):
    assert not advantage_largest_first([*gaps, gaps[0] + margin])


@given(GAPS)
def test_a_cnn_behind_at_the_smallest_set_has_no_advantage_there(gaps):
    assert not advantage_largest_first([-abs(gaps[0]), *gaps[1:]])


@given(GAPS, st.randoms())
def test_only_the_smallest_sets_lead_counts_not_the_order_of_the_others(gaps, random):
    later = gaps[1:]
    random.shuffle(later)
    assert advantage_largest_first([gaps[0], *later]) == advantage_largest_first(gaps)
