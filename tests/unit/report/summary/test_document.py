"""report.json as a whole: the dataset, settings and environment blocks, and what one or several seeds change everywhere.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import synthetic
from synthetic import Scenario

approx = pytest.approx

# The default scenario with two seeds only: a spread is measured, from the smallest number of runs that has one.
TWO_SEEDS = Scenario(
    seeds=(42, 43),
    baseline=(28, 26),
    kernels={3: (10, 8), 5: (13, 11), 7: (16, 14)},
    baseline_loss=(0.095, 0.094),
    cnn_loss=(0.031, 0.030),
    baseline_permuted=(28, 26),
    cnn_permuted=(42, 40),
    efficiency={1000: ((150, 140), (80, 70)), 5000: ((80, 70), (35, 30)), 20000: ((45, 40), (18, 16))},
)


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


def test_the_build_time_is_in_utc_to_the_second(summary):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", summary["environment"]["generated_at"])


def test_limited_training_set_is_counted_in_the_settings():
    summary = synthetic.build(Scenario(limit_train=500)).summary()
    assert (summary["settings"]["n_fit"], summary["settings"]["n_validation"]) == (450, 50)
    assert summary["comparison"]["little_training"] is True


def test_one_seed_has_no_spread_and_makes_no_spread_claims():
    one = Scenario(
        seeds=(7,),
        baseline=(28,),
        kernels={3: (10,), 5: (13,), 7: (16,)},
        baseline_loss=(0.095,),
        cnn_loss=(0.031,),
        baseline_permuted=(28,),
        cnn_permuted=(42,),
        efficiency={1000: ((150,), (80,))},
    )
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


def test_only_a_kernel_experiment_has_kernel_sizes_in_the_settings():
    widths = Scenario(vary="width", kernels={0.5: (20, 18, 16), 1: (12, 10, 8), 2: (9, 8, 7)})
    summary = synthetic.build(widths).summary()
    assert summary["settings"]["kernel_sizes"] is None
    assert (summary["experiment"]["vary"], summary["experiment"]["values"]) == ("width", [0.5, 1, 2])
    assert summary["experiment"]["main"] == "cnn_width_1" and summary["experiment"]["default"] is False


def test_two_seeds_give_a_spread_everywhere():
    """Two runs are enough for a sample standard deviation (ddof=1); only one run has none."""
    summary = synthetic.build(TWO_SEEDS).summary()
    assert summary["models"]["cnn_k3"]["test_accuracy_std"] == approx(np.std([0.99, 0.992], ddof=1))
    assert summary["probes"]["translation"]["models"]["cnn_k3"]["std"] == [0.0] * 7  # the same curve for both seeds
    assert summary["comparison"]["gain_beyond_spread"] is not None
    assert summary["settings"]["several_seeds"] is True  # two are several: the text speaks of a mean over seeds


def test_several_seeds_and_training_set_sizes(summary):
    assert summary["settings"]["several_seeds"] is True
    assert summary["probes"]["data_efficiency"]["single_size"] is False  # 1,000, 5,000, 20,000 and 54,000 images
    one = Scenario(
        seeds=(7,),
        baseline=(28,),
        kernels={3: (10,), 5: (13,), 7: (16,)},
        baseline_loss=(0.095,),
        cnn_loss=(0.031,),
        baseline_permuted=(28,),
        cnn_permuted=(42,),
        efficiency={},
    )
    # One smaller training set besides the full one is already a trend of two sizes.
    two_sizes = synthetic.build(Scenario(efficiency={1000: ((150, 150, 150), (80, 80, 80))})).summary()
    assert two_sizes["probes"]["data_efficiency"]["sizes"] == [1000, 54000]
    assert two_sizes["probes"]["data_efficiency"]["single_size"] is False
    summary = synthetic.build(one).summary()
    assert summary["settings"]["several_seeds"] is False
    assert (
        summary["probes"]["data_efficiency"]["sizes"] == [54000]
        and summary["probes"]["data_efficiency"]["single_size"] is True
    )


def test_the_library_versions_are_listed_alphabetically(summary):
    environment = summary["environment"]
    names = [name for name, _version in environment["versions_sorted"]]
    # Distribution names in lower case, so that plain order is the dictionary's.
    assert all(name == name.lower() for name in names)
    assert sorted(names, key=str.lower) == names and set(names) == set(environment["versions"])
    assert all(environment["versions"][name] == version for name, version in environment["versions_sorted"])
