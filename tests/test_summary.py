"""report.json's numbers, worked out by hand from results whose every accuracy is exact.

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

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import synthetic
from analysis.architectures import DEFAULT_CNN, Builder, Network, apply_variant, receptive_field
from analysis.experiments import kernel_design
from analysis.fits import ModelRuns
from report.summary import _top_confusions, advantage_largest_first, classes_balanced, differs_beyond_spread
from synthetic import Scenario

approx = pytest.approx


@pytest.fixture
def summary() -> dict:
    # Built afresh for each test (it takes milliseconds): mutation testing (mutation/run.py) runs only the tests that
    # call a mutated function, and a module-wide fixture would hide that every test here calls summarize().
    return synthetic.build(Scenario()).summary("en")


def test_each_model_reports_its_own_accuracy_and_loss_not_each_others(summary):
    base, cnn = summary["models"]["baseline"], summary["models"]["cnn_k3"]
    assert base["test_accuracy"] == approx(0.972) and base["test_accuracy_std"] == approx(0.002)
    assert base["test_loss"] == approx(0.095) and base["test_loss_std"] == approx(0.001)
    assert cnn["test_accuracy"] == approx(0.990) and cnn["test_accuracy_std"] == approx(0.002)
    assert cnn["test_loss"] == approx(0.031) and cnn["test_loss_std"] == approx(0.001)
    assert [run["test_accuracy"] for run in base["per_seed"]] == approx([0.970, 0.972, 0.974])
    assert [run["test_loss"] for run in base["per_seed"]] == approx([0.096, 0.095, 0.094])
    assert [run["test_accuracy"] for run in cnn["per_seed"]] == approx([0.988, 0.990, 0.992])
    assert [run["test_loss"] for run in cnn["per_seed"]] == approx([0.032, 0.031, 0.030])
    assert [run["test_mistakes"] for run in base["per_seed"]] == [30, 28, 26]
    assert [summary["models"][name]["test_accuracy"] for name in ("cnn_k5", "cnn_k7")] == approx([0.987, 0.984])


def test_model_block(summary):
    base, cnn = summary["models"]["baseline"], summary["models"]["cnn_k3"]
    assert (base["params"], cnn["params"]) == (101_770, 121_930)
    assert (base["runs"], base["epochs"]) == (3, 10)
    assert base["test_error"] == approx(0.028) and base["test_error_std"] == approx(0.002)
    assert (base["test_mistakes"], cnn["test_mistakes"]) == (28, 10)
    assert base["train_seconds"] == 60 and base["train_seconds_std"] == 0
    assert cnn["seconds_per_epoch"] == approx(18.0)
    assert base["cached"] is False
    assert base["history"]["accuracy"][-1] == approx(0.995) and base["history"]["val_accuracy"][-1] == approx(0.975)
    assert len(base["history"]["loss"]) == 10
    assert [layer["name"] for layer in cnn["layers"]][1:3] == ["conv1", "pool1"]
    # Seed 42: 30 mistakes, three per digit, each digit read as the next.
    assert base["per_seed"][0]["per_class_accuracy"] == approx([0.97] * 10)
    assert base["per_seed"][0]["train_seconds"] == 60 and base["per_seed"][0]["cached"] is False
    assert base["per_seed"][2]["history"]["val_accuracy"][-1] == approx(0.975) and len(base["per_seed"][2]["history"]) == 4
    # Over seeds: digits 0-5 lose 3+3+3 images of 100, 6-7 lose 3+3+2, 8-9 lose 3+2+2.
    assert [base["per_class_accuracy"][str(digit)] for digit in range(10)] == approx(
        [0.97] * 6 + [1 - 8 / 300] * 2 + [1 - 7 / 300] * 2)
    assert [cnn["per_class_accuracy"][str(digit)] for digit in range(10)] == approx(
        [1 - 4 / 300] * 2 + [0.99] * 6 + [1 - 2 / 300] * 2)
    # Counts of images, written to report.json as whole numbers.
    assert all(type(count) is int for row in base["confusion_matrix"] for count in row)
    matrix = np.array(base["confusion_matrix"])
    assert matrix.trace() == 970 and matrix[0, 1] == 3 and matrix[9, 0] == 3 and matrix.sum() == 1000
    assert base["top_confusions"] == [{"true": 0, "predicted": 1, "count": 3}, {"true": 1, "predicted": 2, "count": 3},
                                      {"true": 2, "predicted": 3, "count": 3}]
    assert cnn["top_confusions"] == [{"true": 0, "predicted": 1, "count": 2}, {"true": 1, "predicted": 2, "count": 2},
                                     {"true": 2, "predicted": 3, "count": 1}]


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
        "params_ratio": approx(121_930 / 101_770),
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
    }


def test_experiment_block(summary):
    experiment = summary["experiment"]
    assert (experiment["vary"], experiment["values"], experiment["main"], experiment["default"]) == (
        "kernel", [3, 5, 7], "cnn_k3", True)
    assert (experiment["best"], experiment["worst"]) == ("cnn_k3", "cnn_k7")
    assert experiment["spread_pp"] == approx(0.6)  # 99.0% against 98.4%
    assert experiment["difference_beyond_spread"] is True  # 0.6 points against 0.2 + 0.2
    assert experiment["params_monotonic"] is False  # 121,930 (3x3), 118,346 (5x5), 119,114 (7x7)
    assert experiment["params_constant"] is False
    assert (experiment["slowest"], experiment["fastest"]) == ("cnn_k7", "cnn_k3")  # 300 s and 180 s
    assert experiment["map_layers"] == ["conv1", "pool1", "conv2", "pool2"]
    assert experiment["receptive_fields"] is True


@pytest.mark.parametrize("mistakes, seconds, best, worst, slowest, fastest", [
    ((10, 10, 10), (60, 60, 60), "cnn_k3", "cnn_k7", "cnn_k3", "cnn_k7"),  # all tied: first best and slowest, last worst and fastest
    ((12, 10, 12), (50, 70, 50), "cnn_k5", "cnn_k7", "cnn_k5", "cnn_k7"),
    ((10, 12, 10), (70, 50, 70), "cnn_k3", "cnn_k5", "cnn_k3", "cnn_k5"),
])
def test_ties_never_make_one_variant_both_best_and_worst(mistakes, seconds, best, worst, slowest, fastest):
    kernels = {size: (wrong,) * 3 for size, wrong in zip((3, 5, 7), mistakes)}
    times = {f"cnn_k{size}": float(time) for size, time in zip((3, 5, 7), seconds)}
    experiment = synthetic.build(Scenario(kernels=kernels, seconds=times)).summary()["experiment"]
    assert (experiment["best"], experiment["worst"], experiment["slowest"], experiment["fastest"]) == (best, worst, slowest, fastest)


def test_variant_blocks(summary):
    variants = {variant["value"]: variant for variant in summary["experiment"]["variants"]}
    assert list(variants) == [3, 5, 7]
    assert [variants[size]["is_main"] for size in (3, 5, 7)] == [True, False, False]
    five, seven = variants[5], variants[7]
    assert five["name"] == "cnn_k5" and five["params"] == 118_346
    assert five["test_accuracy"] == approx(0.987) and five["test_accuracy_std"] == approx(0.002)
    assert five["test_loss"] == approx(0.031) and five["test_loss_std"] == approx(0.001)
    assert five["test_mistakes"] == 13 and seven["train_seconds"] == 300
    # 5x5 'valid': 28 -> 24 -> 12 -> 8 -> 4; 4 x 4 x 64 = 1,024 values reach the dense layer.
    assert five["feature_maps"] == [{"name": "conv1", "output_shape": [24, 24, 32]}, {"name": "pool1", "output_shape": [12, 12, 32]},
                                    {"name": "conv2", "output_shape": [8, 8, 64]}, {"name": "pool2", "output_shape": [4, 4, 64]}]
    assert (five["last_map"], five["flattened"]) == ([4, 4, 64], 1024)
    # 7x7: conv1 32 x (49 + 1), conv2 64 x (49 x 32 + 1), hidden 64 x (2 x 2 x 64 + 1), output 10 x (64 + 1).
    assert seven["conv_params"] == [{"name": "conv1", "params": 1_600}, {"name": "conv2", "params": 100_416}]
    assert (seven["conv_params_total"], seven["dense_params"], seven["output_params"]) == (102_016, 16_448, 650)
    assert [variants[size]["receptive_field"] for size in (3, 5, 7)] == [10, 16, 22]


def test_translation_block(summary):
    translation = summary["probes"]["translation"]
    assert translation["distances"] == [0, 1, 2, 3, 4, 5, 6]
    assert translation["directions"] == ["left", "right", "up", "down"]
    assert translation["test_images"] == 1000
    base = translation["models"]["baseline"]
    assert base["mean"] == approx([0.97, 0.93, 0.80, 0.60, 0.40, 0.25, 0.15])
    assert base["std"] == approx([0.0] * 7)
    assert base["by_direction"]["up"] == approx(base["mean"])
    assert translation["gap_pp"] == approx([2, 5, 15, 25, 25, 20, 15])
    assert translation["cnn_degrades_slower"] is True
    assert translation["threshold"] == 0.9
    assert (translation["baseline_below_threshold_at"], translation["cnn_below_threshold_at"]) == (2, 3)


def test_translation_averages_directions_then_seeds():
    built = synthetic.build(Scenario())
    runs = built.experiments.models["baseline"].runs
    # Seed 42 sees 1.0 left and right, 0.5 up and down; seed 43 0.5 everywhere; seed 44 as seed 42.
    curves = [{"left": [1.0] * 7, "right": [1.0] * 7, "up": [0.5] * 7, "down": [0.5] * 7}, {d: [0.5] * 7 for d in runs[0].probes["shift_accuracy"]}]
    changed = tuple(replace(run, probes={**run.probes, "shift_accuracy": curves[index % 2]}) for index, run in enumerate(runs))
    models = {**built.experiments.models, "baseline": ModelRuns("baseline", changed)}
    summary = replace(built, experiments=replace(built.experiments, models=models)).summary()
    base = summary["probes"]["translation"]["models"]["baseline"]
    assert base["mean"] == approx([(0.75 + 0.5 + 0.75) / 3] * 7)
    assert base["std"] == approx([0.25 / 3**0.5 * 1.0] * 7)  # sample std of 0.75, 0.5, 0.75
    assert base["by_direction"]["left"] == approx([(1.0 + 0.5 + 1.0) / 3] * 7)
    assert base["by_direction"]["down"] == approx([0.5] * 7)
    assert summary["probes"]["translation"]["baseline_below_threshold_at"] == 0


def test_permutation_block(summary):
    permutation = summary["probes"]["permutation"]
    assert permutation["pixels"] == 784
    assert permutation["models"]["baseline"] == {
        "original": approx(0.972), "original_std": approx(0.002), "permuted": approx(0.972), "permuted_std": approx(0.003),
        "change_pp": approx(0.0), "change_beyond_spread": False,
    }
    assert permutation["models"]["cnn_k3"] == {
        "original": approx(0.990), "original_std": approx(0.002), "permuted": approx(0.958), "permuted_std": approx(0.003),
        "change_pp": approx(-3.2), "change_beyond_spread": True,
    }
    assert permutation["cnn_still_better"] is False
    assert permutation["cnn_edge_pp"] == approx(-1.4)
    assert permutation["cnn_edge_beyond_spread"] is True


def test_data_efficiency_block(summary):
    efficiency = summary["probes"]["data_efficiency"]
    assert efficiency["sizes"] == [1000, 5000, 20000, 54000]
    assert [point["test_accuracy"] for point in efficiency["models"]["baseline"]] == approx([0.85, 0.92, 0.955, 0.972])
    assert [point["test_accuracy"] for point in efficiency["models"]["cnn_k3"]] == approx([0.92, 0.965, 0.982, 0.990])
    assert [point["test_accuracy_std"] for point in efficiency["models"]["cnn_k3"]] == approx([0, 0, 0, 0.002])
    assert efficiency["gap_pp"] == approx([7.0, 4.5, 2.7, 1.8])
    assert efficiency["gap_largest_at_smallest"] is True


def test_inside_and_parameter_efficiency_blocks(summary):
    probes = summary["probes"]
    assert probes["inside"] == {"filters": 32, "feature_maps_shown": 16, "test_index": 0, "layers": ["conv1", "conv2"],
                                "map_sizes": ["26×26", "11×11"]}
    assert [(point["name"], point["params"]) for point in probes["parameter_efficiency"]] == [
        ("baseline", 101_770), ("cnn_k3", 121_930), ("cnn_k5", 118_346), ("cnn_k7", 119_114)]
    assert [point["test_accuracy"] for point in probes["parameter_efficiency"]] == approx([0.972, 0.990, 0.987, 0.984])
    assert probes["parameter_efficiency"][0]["test_accuracy_std"] == approx(0.002)


def test_dataset_settings_and_environment_blocks(summary):
    dataset = summary["dataset"]
    assert (dataset["file"], dataset["format"], dataset["sha256"]) == ("mnist.npz", "npz", "5" * 64)
    assert "path" not in dataset  # no folder of the student's machine in the report
    assert (dataset["n_train"], dataset["n_test"]) == (600, 1000)
    assert dataset["class_counts"]["train"] == {str(digit): 60 for digit in range(10)}
    assert dataset["class_counts"]["test"]["9"] == 100
    assert dataset["classes_balanced"] is True
    settings = summary["settings"]
    assert (settings["epochs"], settings["batch_size"], settings["seed"], settings["limit_train"]) == (10, 32, 42, None)
    assert settings["seeds"] == [42, 43, 44] and settings["kernel_sizes"] == [3, 5, 7] and settings["lang"] == "en"
    assert (settings["n_fit"], settings["n_validation"]) == (540, 60)
    environment = summary["environment"]
    assert environment["command_line"] == "cnn-report build --out report.pdf"
    assert environment["stage_seconds"] == {"data": 1.0, "eda": 0.5}
    assert environment["jobs"] == 1  # one fit at a time unless the build says otherwise
    assert {"python", "tensorflow", "keras", "numpy"} <= set(environment["versions"])
    assert {"platform", "processor", "cpu_count"} <= set(environment["machine"])
    assert "generated_at" in environment and "tensorflow_onednn" in environment


def test_one_epoch_runs_take_all_their_time_in_that_epoch():
    summary = synthetic.build(Scenario(epochs=1)).summary()
    assert summary["models"]["baseline"]["seconds_per_epoch"] == approx(60.0)
    assert summary["comparison"]["little_training"] is True


def test_a_model_counts_as_cached_only_when_every_seed_was():
    built = synthetic.build(Scenario())
    runs = built.experiments.models["baseline"].runs
    partly = ModelRuns("baseline", (replace(runs[0], cached=True), *runs[1:]))
    wholly = ModelRuns("baseline", tuple(replace(run, cached=True) for run in runs))
    for baseline, cached in ((partly, False), (wholly, True)):
        models = {**built.experiments.models, "baseline": baseline}
        summary = replace(built, experiments=replace(built.experiments, models=models)).summary()
        assert summary["models"]["baseline"]["cached"] is cached
        assert [run["cached"] for run in summary["models"]["baseline"]["per_seed"]] == [run.cached for run in baseline.runs]


@pytest.mark.parametrize("params, monotonic", [
    ((100, 100, 200), True), ((300, 200, 200), True), ((100, 300, 200), False), ((200, 100, 300), False),
])
def test_kernel_parameter_counts_are_monotonic_ties_included(params, monotonic):
    counts = dict(zip(("cnn_k3", "cnn_k5", "cnn_k7"), params))
    summary = synthetic.build(Scenario(params=counts)).summary()
    assert summary["experiment"]["params_monotonic"] is monotonic


def test_the_build_time_is_in_utc_to_the_second(summary):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", summary["environment"]["generated_at"])


def test_limited_training_set_is_counted_in_the_settings():
    summary = synthetic.build(Scenario(limit_train=500)).summary()
    assert (summary["settings"]["n_fit"], summary["settings"]["n_validation"]) == (450, 50)
    assert summary["comparison"]["little_training"] is True


def test_one_seed_has_no_spread_and_makes_no_spread_claims():
    one = Scenario(seeds=(7,), baseline=(28,), kernels={3: (10,), 5: (13,), 7: (16,)}, baseline_loss=(0.095,),
                   cnn_loss=(0.031,), baseline_permuted=(28,), cnn_permuted=(42,), efficiency={1000: ((150,), (80,))})
    summary = synthetic.build(one).summary()
    base = summary["models"]["baseline"]
    assert base["test_accuracy_std"] is None and base["test_loss_std"] is None and base["test_error_std"] is None
    assert base["train_seconds_std"] is None
    comparison = summary["comparison"]
    assert comparison["gain_beyond_spread"] is None and summary["experiment"]["difference_beyond_spread"] is None
    assert comparison["cnn_clearly_better"] is True and comparison["seeds"] == 1
    assert summary["probes"]["translation"]["models"]["cnn_k3"]["std"] is None
    permutation = summary["probes"]["permutation"]
    assert permutation["models"]["baseline"]["change_beyond_spread"] is None
    assert permutation["cnn_edge_beyond_spread"] is None
    assert summary["settings"]["seeds"] == [7]


def test_a_perfect_cnn_has_no_error_ratio_and_no_confusions():
    summary = synthetic.build(Scenario(kernels={3: (0, 0, 0), 5: (15, 13, 11), 7: (18, 16, 14)},
                                       cnn_loss=(0.0, 0.0, 0.0))).summary()
    assert summary["comparison"]["error_ratio"] is None
    assert summary["comparison"]["loss_ratio"] is None
    assert summary["models"]["cnn_k3"]["top_confusions"] == []


def test_time_ratio_needs_a_measured_baseline_time():
    summary = synthetic.build(Scenario(seconds={"baseline": 0.0, "cnn_k3": 180.0})).summary()
    assert summary["comparison"]["time_ratio"] is None


def test_history_is_averaged_epoch_by_epoch_over_seeds():
    built = synthetic.build(Scenario())
    runs = built.experiments.models["cnn_k3"].runs
    finals = (0.96, 0.98, 1.0)
    changed = tuple(replace(run, history={**run.history, "accuracy": [0.5] * 9 + [final]}) for run, final in zip(runs, finals))
    models = {**built.experiments.models, "cnn_k3": ModelRuns("cnn_k3", changed)}
    summary = replace(built, experiments=replace(built.experiments, models=models)).summary()
    assert summary["models"]["cnn_k3"]["history"]["accuracy"] == approx([0.5] * 9 + [0.98])
    assert summary["comparison"]["cnn_generalization_gap_pp"] == approx(100 * (0.98 - 0.989))


def test_a_run_without_validation_has_no_generalization_gap():
    built = synthetic.build(Scenario())
    without = {
        name: ModelRuns(name, tuple(replace(run, history={"loss": run.history["loss"], "accuracy": run.history["accuracy"]})
                                    for run in runs.runs))
        for name, runs in built.experiments.models.items()
    }
    summary = replace(built, experiments=replace(built.experiments, models=without)).summary()
    assert summary["comparison"]["baseline_generalization_gap_pp"] == 0.0
    assert summary["comparison"]["cnn_generalization_gap_pp"] == 0.0
    assert summary["comparison"]["cnn_overfits_less"] is False


def test_the_main_cnn_is_found_among_the_kernel_sizes():
    """Kernel sizes 5 and 7 only: the 3x3 CNN is still trained (it is the main one) and compared as such."""
    built = synthetic.build(Scenario())
    experiments = replace(built.experiments, design=kernel_design((5, 7)))
    summary = replace(built, experiments=experiments).summary()
    experiment = summary["experiment"]
    assert [variant["value"] for variant in experiment["variants"]] == [5, 7]
    assert not any(variant["is_main"] for variant in experiment["variants"]) and experiment["main"] == "cnn_k3"
    assert summary["comparison"]["cnn_better"] is True and summary["comparison"]["accuracy_gain_pp"] == approx(1.8)
    assert (experiment["best"], experiment["worst"]) == ("cnn_k5", "cnn_k7")
    assert experiment["params_monotonic"] is True  # 118,346 then 119,114
    assert summary["settings"]["kernel_sizes"] == [5, 7]


def test_equal_confusions_are_listed_in_reading_order():
    # Several confusions made twice: the first three in the order of the matrix (true digit, then predicted).
    matrix = np.zeros((10, 10), dtype=np.int64)
    for true, predicted in ((1, 5), (0, 9), (6, 0), (1, 4), (9, 1)):
        matrix[true, predicted] = 2
    matrix[3, 3] = 50  # the diagonal is not a confusion
    assert _top_confusions(matrix) == [{"true": 0, "predicted": 9, "count": 2}, {"true": 1, "predicted": 4, "count": 2},
                                       {"true": 1, "predicted": 5, "count": 2}]


def test_the_most_helped_digit_is_the_one_whose_mistakes_went():
    summary = synthetic.build(Scenario(baseline_wrong_digits=(8,), cnn_wrong_digits=(3,))).summary()
    comparison = summary["comparison"]
    assert comparison["most_helped_digit"] == 8 and comparison["most_helped_gain_pp"] == approx(28.0)
    assert summary["models"]["baseline"]["per_class_accuracy"]["8"] == approx(0.72)
    assert summary["models"]["baseline"]["top_confusions"] == [{"true": 8, "predicted": 9, "count": 30}]


# --- The wording helpers ----------------------------------------------------------------------------------------


def test_differs_beyond_spread():
    assert differs_beyond_spread(0.99, 0.002, 0.97, 0.002) is True
    assert differs_beyond_spread(0.97, 0.002, 0.99, 0.002) is True  # either direction
    assert differs_beyond_spread(0.99, 0.01, 0.98, 0.01) is False
    assert differs_beyond_spread(0.75, 0.125, 0.5, 0.125) is False  # exactly the spread is not beyond it
    assert differs_beyond_spread(0.99, None, 0.97, 0.002) is None
    assert differs_beyond_spread(0.99, 0.002, 0.97, None) is None


def test_classes_balanced_below_one_and_a_half_times():
    assert classes_balanced({0: 5923, 1: 6742, 5: 5421})
    assert classes_balanced({0: 41, 1: 60})
    assert not classes_balanced({0: 40, 1: 60})  # exactly 1.5 times is unbalanced
    assert not classes_balanced({0: 10, 1: 60, 2: 20})


def test_advantage_largest_first_boundaries():
    assert advantage_largest_first([2.5, 2.5, 1.0])  # a tie at the top still counts
    assert not advantage_largest_first([0.0, -1.0, -2.0])  # no lead at all
    assert advantage_largest_first([0.5])


@pytest.mark.parametrize("kernel_size, pool_size, field", [(3, 2, 10), (5, 2, 16), (7, 2, 22), (1, 2, 4), (3, 3, 17), (3, 1, 5)])
def test_receptive_field(kernel_size, pool_size, field):
    # conv k, pool p (stride p), conv k, pool p: 1 + (k-1) + (p-1) + (k-1)p + (p-1)p input pixels per side.
    network = apply_variant(DEFAULT_CNN, "kernel", kernel_size)
    network = replace(network, layers=tuple(replace(layer, size=pool_size) if layer.type == "maxpool" else layer
                                            for layer in network.layers))
    assert receptive_field(network) == field


def test_epoch_order_block():
    summary = synthetic.build(Scenario(baseline_fixed_order=(42, 40, 38))).summary()
    order = summary["probes"]["epoch_order"]
    assert order["model"] == "baseline"
    assert order["reshuffled"] == {"test_accuracy": approx(0.972), "test_accuracy_std": approx(0.002),
                                   "test_loss": approx(0.095), "test_loss_std": approx(0.001)}
    assert order["fixed"]["test_accuracy"] == approx(0.960) and order["fixed"]["test_accuracy_std"] == approx(0.002)
    assert order["accuracy_change_pp"] == approx(-1.2) and order["loss_change"] == approx(0.0)
    assert order["fixed_order_worse"] is True and order["change_beyond_spread"] is True
    assert [row["seed"] for row in order["per_seed"]] == [42, 43, 44]
    assert order["per_seed"][1] == {"seed": 43, "reshuffled_test_accuracy": approx(0.972), "fixed_test_accuracy": approx(0.960),
                                    "reshuffled_test_loss": approx(0.095), "fixed_test_loss": approx(0.095)}


def test_networks_block_of_the_course_design(summary):
    networks = summary["networks"]
    assert networks["default"] is True
    base, cnn = networks["baseline"], networks["cnn"]
    assert (base["name"], base["params"], base["conv_layers"], base["pooling"], base["pool_sizes"]) == (
        "baseline", 101_770, [], "none", [])
    assert (cnn["name"], cnn["params"], cnn["conv_layers"], cnn["pooling"], cnn["pool_sizes"]) == (
        "cnn_k3", 121_930, ["conv1", "conv2"], "max", [2])
    assert cnn["receptive_field"] == 10 and base["receptive_field"] is None
    assert not any(network[key] for network in (base, cnn) for key in ("global_pool", "has_why", "custom"))
    assert [layer["type"] for layer in cnn["layers"]] == ["input", "conv", "maxpool", "conv", "maxpool", "flatten", "dense",
                                                           "output"]


@pytest.mark.parametrize("pools, pooling", [(("max", "max"), "max"), (("avg", "avg"), "avg"), (("max", "avg"), "mixed")])
def test_networks_block_of_a_students_cnn(pools, pooling):
    """The student's CNN (same layer names, other pooling, a reason for one layer): what the wording turns on."""
    kinds = iter(pools)
    layers = tuple(
        replace(layer, type={"max": "maxpool", "avg": "avgpool"}[next(kinds)]) if layer.type == "maxpool"
        else replace(layer, why="Edges first.") if layer.type == "conv" and layer.filters == 32 else layer
        for layer in DEFAULT_CNN.layers
    )
    built = synthetic.build(Scenario())
    design = replace(built.experiments.design, cnn=replace(DEFAULT_CNN, layers=layers))
    summary = replace(built, experiments=replace(built.experiments, design=design)).summary()
    networks = summary["networks"]
    # A reason changes no number: the course's layers with a reason are still the course's CNN.
    custom = pooling != "max"
    assert networks["default"] is not custom and networks["cnn"]["custom"] is custom and networks["baseline"]["custom"] is False
    assert networks["cnn"]["pooling"] == pooling and networks["cnn"]["pool_sizes"] == [2]
    assert networks["cnn"]["has_why"] is True and networks["baseline"]["has_why"] is False
    assert [layer["type"] for layer in summary["models"]["cnn_k3"]["layers"]][2] == {"max": "maxpool", "avg": "avgpool"}[pools[0]]
    # The experiment's feature maps follow every conv and pooling layer, whichever kind of pooling it is.
    for variant in summary["experiment"]["variants"]:
        assert [layer["name"] for layer in variant["feature_maps"]] == ["conv1", "pool1", "conv2", "pool2"]


def test_only_a_kernel_experiment_has_kernel_sizes_in_the_settings():
    widths = Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8), 2: (9, 8, 7)})
    summary = synthetic.build(widths).summary()
    assert summary["settings"]["kernel_sizes"] is None
    assert (summary["experiment"]["vary"], summary["experiment"]["values"]) == ("width", [0.5, 1, 2])
    assert summary["experiment"]["main"] == "cnn_width_1" and summary["experiment"]["default"] is False


def test_a_builders_cnn_is_described_by_the_model_keras_built():
    """A network from a builder function has no layer specs: its layers and parameters are the trained model's."""
    builder = Builder(path=Path("/student/cnn.py"), function="make_cnn", label="cnn.py:make_cnn", sha256="0" * 64,
                      keywords=(("kernel", 3),))
    built = synthetic.build(Scenario(params={"cnn_k3": 123_456}))
    design = replace(built.experiments.design, cnn=Network("cnn", builder=builder))
    summary = replace(built, experiments=replace(built.experiments, design=design)).summary()
    cnn = summary["networks"]["cnn"]
    assert (cnn["name"], cnn["builder"], cnn["params"], cnn["custom"]) == ("cnn_k3", "cnn.py:make_cnn", 123_456, True)
    assert cnn["conv_layers"] == ["conv1", "conv2"] and cnn["pooling"] == "max" and cnn["receptive_field"] is None
    assert [layer["output_shape"] for layer in cnn["layers"]][1] == [26, 26, 32]
    assert summary["models"]["cnn_k3"]["layers"][-1]["type"] == "output"


def test_a_builders_first_conv_layer_counts_its_positions_as_height_times_width(monkeypatch):
    """A builder may use a kernel that is not square: conv1's positions are its output's height × width, not width²."""
    square = synthetic.cnn_layers

    def oblong(kernel_size):
        layers = square(kernel_size)
        layers[1] = {**layers[1], "output_shape": [26, 24, 32]}  # a 3 × 5 kernel on 28 × 28, 'valid'
        return layers

    monkeypatch.setattr(synthetic, "cnn_layers", oblong)
    builder = Builder(path=Path("/student/cnn.py"), function="make_cnn", label="cnn.py:make_cnn", sha256="0" * 64,
                      keywords=(("kernel", 3),))
    built = synthetic.build(Scenario())
    design = replace(built.experiments.design, cnn=Network("cnn", builder=builder))
    summary = replace(built, experiments=replace(built.experiments, design=design)).summary()
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


@pytest.mark.parametrize("head, global_pool", [("flatten", False), ("globalavgpool", True)])
def test_the_networks_block_says_whether_the_cnn_ends_in_a_global_pool(head, global_pool):
    """The wording about what reaches the dense head turns on a global average pool in place of flatten."""
    layers = tuple(replace(layer, type=head) if layer.type == "flatten" else layer for layer in DEFAULT_CNN.layers)
    cnn = replace(DEFAULT_CNN, layers=layers)
    networks = synthetic.build(Scenario(vary="width", kernels={1: (12, 10, 8), 2: (9, 8, 7)}, cnn=cnn)).summary()["networks"]
    assert networks["cnn"]["global_pool"] is global_pool and networks["baseline"]["global_pool"] is False


@pytest.mark.parametrize("vary, values, map_layers", [
    ("width", {1: (12, 10, 8), 2: (9, 8, 7)}, ["conv1", "pool1", "conv2", "pool2"]),
    ("kernel", {3: (12, 10, 8)}, ["conv1", "pool1", "conv2", "pool2"]),  # one value, as --kernel-sizes 3 gives
    ("pooling", {"max": (12, 10, 8), "none": (20, 18, 16)}, None),
])
def test_the_experiment_names_its_map_layers_only_when_every_variant_has_the_same(vary, values, map_layers):
    """Removing the pooling changes which layers make feature maps: then no one list of them fits every variant."""
    experiment = synthetic.build(Scenario(vary=vary, kernels=values)).summary()["experiment"]
    assert experiment["map_layers"] == map_layers


DROPOUT_CNN = replace(DEFAULT_CNN, layers=(*DEFAULT_CNN.layers, replace(DEFAULT_CNN.layers[-1], type="dropout", units=None,
                                                                         activation=None, rate=0.25)))


@pytest.mark.parametrize("vary, values, cnn, params_monotonic", [
    ("kernel", {3: (12, 10, 8), 5: (15, 13, 11), 7: (18, 16, 14)}, None, False),  # 121,930 / 118,346 / 119,114 parameters
    ("width", {1: (12, 10, 8), 2: (9, 8, 7)}, None, True),
    ("dropout", {0.25: (12, 10, 8), 0.5: (13, 11, 9)}, DROPOUT_CNN, True),  # constant counts move in no direction
    ("pooling", {"max": (12, 10, 8), "avg": (13, 11, 9)}, None, None),
    ("padding", {"valid": (12, 10, 8), "same": (11, 9, 7)}, None, None),
    ("activation", {"relu": (12, 10, 8), "tanh": (14, 12, 10)}, None, None),
])
def test_the_parameter_trend_is_read_only_for_variables_with_an_order(vary, values, cnn, params_monotonic):
    """Kernel sizes, widths and dropout rates have an order, so whether the count moves one way is a fact of the
    experiment; pooling kinds, paddings and activations have none, so the trend is left unset (None), not False."""
    experiment = synthetic.build(Scenario(vary=vary, kernels=values, cnn=cnn)).summary()["experiment"]
    assert experiment["params_monotonic"] is params_monotonic
    assert experiment["ordered"] is (vary in ("kernel", "width", "dropout"))  # the figure draws a line only then


@pytest.mark.parametrize("baseline_final, cnn_final, neither", [
    ((0.95, 0.95), (0.97, 0.97), True),   # no gap at all: nothing shows overfitting
    ((0.90, 0.93), (0.80, 0.95), True),   # both trail validation, as after one short epoch
    ((0.95, 0.95), (0.97, 0.96), False),  # the CNN has begun to overfit
    ((0.96, 0.95), (0.97, 0.98), False),  # the baseline has
])
def test_neither_overfits_only_when_no_model_is_ahead_on_its_training_data(baseline_final, cnn_final, neither):
    comparison = synthetic.build(Scenario(baseline_final=baseline_final, cnn_final=cnn_final)).summary()["comparison"]
    assert comparison["neither_overfits"] is neither


@pytest.mark.parametrize("cnn_loss, lower", [((0.094, 0.094, 0.094), True), ((0.095, 0.095, 0.095), False),
                                             ((0.096, 0.096, 0.096), False)])
def test_the_cnns_loss_is_lower_only_when_it_is_below_the_baselines(cnn_loss, lower):
    """Against the baseline's 0.095 on every seed: a tie is not lower."""
    comparison = synthetic.build(Scenario(baseline_loss=(0.095, 0.095, 0.095), cnn_loss=cnn_loss)).summary()["comparison"]
    assert comparison["cnn_lower_loss"] is lower


@pytest.mark.parametrize("baseline_shift, cnn_shift, slower", [
    # CNN minus baseline: 1 pp unshifted, 5 pp at one pixel, 3 pp at two. The lead at two pixels is set against the
    # lead with no shift, not against the lead at one pixel.
    ((0.97, 0.90, 0.85, 0.60, 0.40, 0.25, 0.15), (0.98, 0.95, 0.88, 0.85, 0.65, 0.45, 0.30), True),
    ((0.97, 0.90, 0.85, 0.60, 0.40, 0.25, 0.15), (0.99, 0.91, 0.86, 0.85, 0.65, 0.45, 0.30), False),  # 2, 1, 1 pp
])
def test_the_cnn_degrades_slower_when_its_lead_grows_from_no_shift_to_two_pixels(baseline_shift, cnn_shift, slower):
    translation = synthetic.build(Scenario(baseline_shift=baseline_shift, cnn_shift=cnn_shift)).summary()["probes"]["translation"]
    assert translation["cnn_degrades_slower"] is slower


@pytest.mark.parametrize("baseline_shift, below_at", [
    ((0.97, 0.95, 0.92, 0.91, 0.91, 0.91, 0.91), None),  # never below 90% within six pixels
    ((0.97, 0.95, 0.90, 0.90, 0.89, 0.80, 0.70), 4),     # exactly 90% is not below it
])
def test_the_first_shift_below_the_threshold_is_strictly_below_and_may_never_come(baseline_shift, below_at):
    translation = synthetic.build(Scenario(baseline_shift=baseline_shift)).summary()["probes"]["translation"]
    assert translation["threshold"] == 0.9
    assert translation["baseline_below_threshold_at"] == below_at


TWO_SEEDS = Scenario(
    seeds=(42, 43), baseline=(28, 26), kernels={3: (10, 8), 5: (13, 11), 7: (16, 14)}, baseline_loss=(0.095, 0.094),
    cnn_loss=(0.031, 0.030), baseline_permuted=(28, 26), cnn_permuted=(42, 40),
    efficiency={1000: ((150, 140), (80, 70)), 5000: ((80, 70), (35, 30)), 20000: ((45, 40), (18, 16))},
)


def test_two_seeds_give_a_spread_everywhere():
    """Two runs are enough for a sample standard deviation (ddof=1); only one run has none."""
    summary = synthetic.build(TWO_SEEDS).summary()
    assert summary["models"]["cnn_k3"]["test_accuracy_std"] == approx(np.std([0.99, 0.992], ddof=1))
    assert summary["probes"]["translation"]["models"]["cnn_k3"]["std"] == [0.0] * 7  # the same curve for both seeds
    assert summary["comparison"]["gain_beyond_spread"] is not None


@pytest.mark.parametrize("fixed_order, worse", [(None, False), ((29, 27, 25), True), ((27, 25, 23), False)])
def test_one_fixed_epoch_order_is_worse_only_with_fewer_right_answers(fixed_order, worse):
    """Against the reshuffled baseline's 28, 26 and 24 mistakes per seed (None: the same runs, a tie)."""
    order = synthetic.build(Scenario(baseline=(28, 26, 24), baseline_fixed_order=fixed_order)).summary()["probes"]["epoch_order"]
    assert order["fixed_order_worse"] is worse
