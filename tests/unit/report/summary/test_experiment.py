"""The experiment block of report.json (one entry per value, and the comparisons its wording needs), worked out by hand.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.design import kernel_design
from analysis.layers import DEFAULT_CNN

import synthetic
from course import CNN_PARAMS
from synthetic import Scenario

approx = pytest.approx

# The course's CNN with a dropout layer at the end of its head, for an experiment on the dropout rate.
DROPOUT_CNN = replace(
    DEFAULT_CNN,
    layers=(
        *DEFAULT_CNN.layers,
        replace(DEFAULT_CNN.layers[-1], type="dropout", units=None, activation=None, rate=0.25),
    ),
)


def test_experiment_block(summary):
    experiment = summary["experiment"]
    assert (experiment["vary"], experiment["values"], experiment["main"], experiment["default"]) == (
        "kernel",
        [3, 5, 7],
        "cnn_k3",
        True,
    )
    assert (experiment["best"], experiment["worst"]) == ("cnn_k3", "cnn_k7")
    assert experiment["spread_pp"] == approx(0.6)  # 99.0% against 98.4%
    assert experiment["difference_beyond_spread"] is True  # 0.6 points against 0.2 + 0.2
    assert experiment["params_monotonic"] is False  # 121,930 (3x3), 118,346 (5x5), 119,114 (7x7)
    assert experiment["params_constant"] is False
    assert (experiment["slowest"], experiment["fastest"]) == ("cnn_k7", "cnn_k3")  # 300 s and 180 s
    assert experiment["map_layers"] == ["conv1", "pool1", "conv2", "pool2"]
    assert experiment["receptive_fields"] is True


@pytest.mark.parametrize(
    "mistakes, seconds, best, worst, slowest, fastest",
    [
        (
            (10, 10, 10),
            (60, 60, 60),
            "cnn_k3",
            "cnn_k7",
            "cnn_k3",
            "cnn_k7",
        ),  # all tied: first best and slowest, last worst and fastest
        ((12, 10, 12), (50, 70, 50), "cnn_k5", "cnn_k7", "cnn_k5", "cnn_k7"),
        ((10, 12, 10), (70, 50, 70), "cnn_k3", "cnn_k5", "cnn_k3", "cnn_k5"),
    ],
)
def test_ties_never_make_one_variant_both_best_and_worst(mistakes, seconds, best, worst, slowest, fastest):
    kernels = {size: (wrong,) * 3 for size, wrong in zip((3, 5, 7), mistakes)}
    times = {f"cnn_k{size}": float(time) for size, time in zip((3, 5, 7), seconds)}
    experiment = synthetic.build(Scenario(kernels=kernels, seconds=times)).summary()["experiment"]
    assert (experiment["best"], experiment["worst"], experiment["slowest"], experiment["fastest"]) == (
        best,
        worst,
        slowest,
        fastest,
    )


def test_variant_blocks(summary):
    variants = {variant["value"]: variant for variant in summary["experiment"]["variants"]}
    assert list(variants) == [3, 5, 7]
    assert [variants[size]["is_main"] for size in (3, 5, 7)] == [True, False, False]
    five, seven = variants[5], variants[7]
    assert five["name"] == "cnn_k5" and five["params"] == CNN_PARAMS[5]
    assert five["test_accuracy"] == approx(0.987) and five["test_accuracy_std"] == approx(0.002)
    assert five["test_loss"] == approx(0.031) and five["test_loss_std"] == approx(0.001)
    assert five["test_mistakes"] == 13 and seven["train_seconds"] == 300
    # 5x5 'valid': 28 -> 24 -> 12 -> 8 -> 4; 4 x 4 x 64 = 1,024 values reach the dense layer.
    assert five["feature_maps"] == [
        {"name": "conv1", "output_shape": [24, 24, 32]},
        {"name": "pool1", "output_shape": [12, 12, 32]},
        {"name": "conv2", "output_shape": [8, 8, 64]},
        {"name": "pool2", "output_shape": [4, 4, 64]},
    ]
    assert (five["last_map"], five["flattened"]) == ([4, 4, 64], 1024)
    # 7x7: conv1 32 x (49 + 1), conv2 64 x (49 x 32 + 1), hidden 64 x (2 x 2 x 64 + 1), output 10 x (64 + 1).
    assert seven["conv_params"] == [{"name": "conv1", "params": 1_600}, {"name": "conv2", "params": 100_416}]
    assert (seven["conv_params_total"], seven["dense_params"], seven["output_params"]) == (102_016, 16_448, 650)
    assert [variants[size]["receptive_field"] for size in (3, 5, 7)] == [10, 16, 22]


@pytest.mark.parametrize(
    "params, monotonic",
    [
        ((100, 100, 200), True),
        ((300, 200, 200), True),
        ((100, 300, 200), False),
        ((200, 100, 300), False),
    ],
)
def test_kernel_parameter_counts_are_monotonic_ties_included(params, monotonic):
    counts = dict(zip(("cnn_k3", "cnn_k5", "cnn_k7"), params))
    summary = synthetic.build(Scenario(params=counts)).summary()
    assert summary["experiment"]["params_monotonic"] is monotonic


def test_the_main_cnn_is_found_among_the_kernel_sizes():
    """Kernel sizes 5 and 7 only: the 3x3 CNN is still trained (it is the main one) and compared as such."""
    built = synthetic.build(Scenario())
    trained = replace(built.trained, design=kernel_design((5, 7)))
    summary = replace(built, trained=trained).summary()
    experiment = summary["experiment"]
    assert [variant["value"] for variant in experiment["variants"]] == [5, 7]
    assert not any(variant["is_main"] for variant in experiment["variants"]) and experiment["main"] == "cnn_k3"
    assert summary["comparison"]["cnn_better"] is True and summary["comparison"]["accuracy_gain_pp"] == approx(1.8)
    assert (experiment["best"], experiment["worst"]) == ("cnn_k5", "cnn_k7")
    assert experiment["params_monotonic"] is True  # 118,346 then 119,114
    assert summary["settings"]["kernel_sizes"] == [5, 7]


@pytest.mark.parametrize(
    "vary, values, map_layers",
    [
        ("width", {1: (12, 10, 8), 2: (9, 8, 7)}, ["conv1", "pool1", "conv2", "pool2"]),
        ("kernel", {3: (12, 10, 8)}, ["conv1", "pool1", "conv2", "pool2"]),  # one value, as --kernel-sizes 3 gives
        ("pooling", {"max": (12, 10, 8), "none": (20, 18, 16)}, None),
    ],
)
def test_the_experiment_names_its_map_layers_only_when_every_variant_has_the_same(vary, values, map_layers):
    """Removing the pooling changes which layers make feature maps: then no one list of them fits every variant."""
    experiment = synthetic.build(Scenario(vary=vary, kernels=values)).summary()["experiment"]
    assert experiment["map_layers"] == map_layers


@pytest.mark.parametrize(
    "vary, values, cnn, params_monotonic",
    [
        (
            "kernel",
            {3: (12, 10, 8), 5: (15, 13, 11), 7: (18, 16, 14)},
            None,
            False,
        ),  # 121,930 / 118,346 / 119,114 parameters
        ("width", {1: (12, 10, 8), 2: (9, 8, 7)}, None, True),
        ("dropout", {0.25: (12, 10, 8), 0.5: (13, 11, 9)}, DROPOUT_CNN, True),  # constant counts move in no direction
        ("pooling", {"max": (12, 10, 8), "avg": (13, 11, 9)}, None, None),
        ("padding", {"valid": (12, 10, 8), "same": (11, 9, 7)}, None, None),
        ("activation", {"relu": (12, 10, 8), "tanh": (14, 12, 10)}, None, None),
    ],
)
def test_the_parameter_trend_is_read_only_for_variables_with_an_order(vary, values, cnn, params_monotonic):
    """Kernel sizes, widths and dropout rates have an order, so whether the count moves one way is a fact of the
    experiment; pooling kinds, paddings and activations have none, so the trend is left unset (None), not False."""
    experiment = synthetic.build(Scenario(vary=vary, kernels=values, cnn=cnn)).summary()["experiment"]
    assert experiment["params_monotonic"] is params_monotonic
    assert experiment["ordered"] is (vary in ("kernel", "width", "dropout"))  # the figure draws a line only then


def test_the_experiment_names_its_slowest_and_fastest_times_and_the_main_cnns_row(summary):
    experiment = summary["experiment"]
    assert (experiment["slowest_seconds"], experiment["fastest_seconds"]) == (300, 180)  # 7x7 and 3x3
    assert experiment["main_tried"] is True and experiment["main_value"] == 3
    assert experiment["several_variants"] is True and experiment["three_kernel_sizes"] is True


@pytest.mark.parametrize(
    "scenario, main_tried, main_value, several, three",
    [
        (Scenario(values=(5, 7)), False, 3, True, False),  # the 3x3 CNN is trained, but is no row of the experiment
        (Scenario(kernels={3: (12, 10, 8)}), True, 3, False, False),  # one kernel size, as --kernel-sizes 3 gives
        (Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8), 2: (9, 8, 7)}), True, 1, True, False),
        (
            Scenario(
                vary="pooling",
                values=("avg", "none"),
                kernels={"max": (12, 10, 8), "avg": (14, 12, 10), "none": (16, 14, 12)},
            ),
            False,
            "max",
            True,
            False,
        ),
    ],
)
def test_the_main_cnns_value_and_whether_it_is_a_row(scenario, main_tried, main_value, several, three):
    experiment = synthetic.build(scenario).summary()["experiment"]
    assert experiment["main_tried"] is main_tried and experiment["main_value"] == main_value
    assert experiment["several_variants"] is several and experiment["three_kernel_sizes"] is three


def test_the_slowest_and_fastest_times_follow_the_tie_rule():
    # 5x5 and 7x7 both take 300 s, 3x3 180 s: the first listed of a tie is the slowest.
    times = {"cnn_k3": 180.0, "cnn_k5": 300.0, "cnn_k7": 300.0}
    experiment = synthetic.build(Scenario(seconds={"baseline": 60.0, **times})).summary()["experiment"]
    assert (experiment["slowest"], experiment["slowest_seconds"]) == ("cnn_k5", 300)
    assert (experiment["fastest"], experiment["fastest_seconds"]) == ("cnn_k3", 180)
