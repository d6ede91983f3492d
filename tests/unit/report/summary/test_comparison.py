"""The comparison block of report.json (the baseline against the main CNN), worked out by hand from exact results.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.fits import ModelFits

import synthetic
from course import BASELINE_PARAMS, CNN_PARAMS
from synthetic import Scenario

approx = pytest.approx


def test_comparison_block(summary):
    assert summary["comparison"] == {
        "seeds": 3,
        "cnn_better": True,
        "accuracy_gain_pp": approx(1.8),
        "gain_beyond_spread": True,  # 1.8 points against 0.2 + 0.2
        "cnn_clearly_better": True,
        "error_ratio": approx(2.8),  # 2.8% against 1.0%
        "loss_ratio": approx(0.095 / 0.031),
        "cnn_lower_loss": True,  # 0.031 against 0.095
        "params_ratio": approx(CNN_PARAMS[3] / BASELINE_PARAMS),
        "params_comparable": True,
        "time_ratio": approx(3.0),
        "cnn_overfits_less": True,
        "neither_overfits": False,
        "baseline_generalization_gap_pp": approx(2.0),  # 99.5% training against 97.5% validation accuracy
        "cnn_generalization_gap_pp": approx(0.5),
        "most_helped_digit": 2,  # digits 2-5 gain 2 points each; the smallest digit wins the tie
        "most_helped_gain_pp": approx(2.0),
        "conv1_name": "conv1",
        "conv1_kernel": 3,
        "conv1_params": 320,  # 32 filters x (3x3 weights + 1 bias)
        "conv1_positions": 676,  # 26 x 26
        "conv1_filters": 32,
        "dense_equivalent_weights": 784 * 676 * 32,
        "cnn_receptive_field": 10,  # 3x3 conv, 2x2 pool, 3x3 conv, 2x2 pool: 1 + 2 + 1 + 2*2 + 1*4
        "little_training": False,
        "input_pixels": 784,  # 28 x 28
    }


def test_a_perfect_cnn_has_no_error_ratio_and_no_confusions():
    summary = synthetic.build(
        Scenario(kernels={3: (0, 0, 0), 5: (15, 13, 11), 7: (18, 16, 14)}, cnn_loss=(0.0, 0.0, 0.0))
    ).summary()
    assert summary["comparison"]["error_ratio"] is None
    assert summary["comparison"]["loss_ratio"] is None
    assert summary["models"]["cnn_k3"]["top_confusions"] == []


def test_time_ratio_needs_a_measured_baseline_time():
    summary = synthetic.build(Scenario(seconds={"baseline": 0.0, "cnn_k3": 180.0})).summary()
    assert summary["comparison"]["time_ratio"] is None


def test_a_run_without_validation_has_no_generalization_gap():
    built = synthetic.build(Scenario())
    without = {
        name: ModelFits(
            name,
            tuple(
                replace(fit, history={"loss": fit.history["loss"], "accuracy": fit.history["accuracy"]})
                for fit in fits.fits
            ),
        )
        for name, fits in built.trained.models.items()
    }
    summary = replace(built, trained=replace(built.trained, models=without)).summary()
    assert summary["comparison"]["baseline_generalization_gap_pp"] == 0.0
    assert summary["comparison"]["cnn_generalization_gap_pp"] == 0.0
    assert summary["comparison"]["cnn_overfits_less"] is False


def test_the_most_helped_digit_is_the_one_whose_mistakes_went():
    summary = synthetic.build(Scenario(baseline_wrong_digits=(8,), cnn_wrong_digits=(3,))).summary()
    comparison = summary["comparison"]
    assert comparison["most_helped_digit"] == 8 and comparison["most_helped_gain_pp"] == approx(28.0)
    assert summary["models"]["baseline"]["per_class_accuracy"]["8"] == approx(0.72)
    assert summary["models"]["baseline"]["top_confusions"] == [{"true": 8, "predicted": 9, "count": 30}]


def test_a_builders_first_conv_layer_counts_its_positions_as_height_times_width(oblong_conv1):
    """A builder may use a kernel that is not square: conv1's positions are its output's height × width, not width²."""
    summary = synthetic.build(Scenario()).with_builder_cnn().summary()
    comparison = summary["comparison"]
    assert comparison["conv1_positions"] == 26 * 24
    assert comparison["dense_equivalent_weights"] == 28 * 28 * 26 * 24 * 32
    assert summary["probes"]["inside"]["map_sizes"][0] == "26×24"  # height × width, as "Inside the CNN" captions it


@pytest.mark.parametrize("baseline_seconds, ratio", [(0.5, 3.0), (0.0, None)])
def test_time_ratio_even_for_a_baseline_under_a_second(baseline_seconds, ratio):
    """A tiny build trains the baseline in under a second: the ratio is still measured; only a zero time has none."""
    seconds = {"baseline": baseline_seconds, "cnn_k3": 1.5, "cnn_k5": 2.0, "cnn_k7": 2.5}
    comparison = synthetic.build(Scenario(seconds=seconds)).summary()["comparison"]
    assert comparison["time_ratio"] == (approx(ratio) if ratio is not None else None)


@pytest.mark.parametrize(
    "baseline_final, cnn_final, neither",
    [
        ((0.95, 0.95), (0.97, 0.97), True),  # no gap at all: nothing shows overfitting
        ((0.90, 0.93), (0.80, 0.95), True),  # both trail validation, as after one short epoch
        ((0.95, 0.95), (0.97, 0.96), False),  # the CNN has begun to overfit
        ((0.96, 0.95), (0.97, 0.98), False),  # the baseline has
    ],
)
def test_neither_overfits_only_when_no_model_is_ahead_on_its_training_data(baseline_final, cnn_final, neither):
    comparison = synthetic.build(Scenario(baseline_final=baseline_final, cnn_final=cnn_final)).summary()["comparison"]
    assert comparison["neither_overfits"] is neither


@pytest.mark.parametrize(
    "cnn_loss, lower", [((0.094, 0.094, 0.094), True), ((0.095, 0.095, 0.095), False), ((0.096, 0.096, 0.096), False)]
)
def test_the_cnns_loss_is_lower_only_when_it_is_below_the_baselines(cnn_loss, lower):
    """Against the baseline's 0.095 on every seed: a tie is not lower."""
    comparison = synthetic.build(Scenario(baseline_loss=(0.095, 0.095, 0.095), cnn_loss=cnn_loss)).summary()[
        "comparison"
    ]
    assert comparison["cnn_lower_loss"] is lower
