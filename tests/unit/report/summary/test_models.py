"""The models block of report.json (each model's numbers), worked out by hand from results whose every accuracy is exact.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.fits import ModelFits
from report.summary.models import confusion_matrix, top_confusions

import synthetic
from course import BASELINE_PARAMS, CNN_PARAMS
from synthetic import Scenario

approx = pytest.approx


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
    assert (base["params"], cnn["params"]) == (BASELINE_PARAMS, CNN_PARAMS[3])
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
    assert (
        base["per_seed"][2]["history"]["val_accuracy"][-1] == approx(0.975) and len(base["per_seed"][2]["history"]) == 4
    )
    # Over seeds: digits 0-5 lose 3+3+3 images of 100, 6-7 lose 3+3+2, 8-9 lose 3+2+2.
    assert [base["per_class_accuracy"][str(digit)] for digit in range(10)] == approx(
        [0.97] * 6 + [1 - 8 / 300] * 2 + [1 - 7 / 300] * 2
    )
    assert [cnn["per_class_accuracy"][str(digit)] for digit in range(10)] == approx(
        [1 - 4 / 300] * 2 + [0.99] * 6 + [1 - 2 / 300] * 2
    )
    # Counts of images, written to report.json as whole numbers.
    assert all(type(count) is int for row in base["confusion_matrix"] for count in row)
    matrix = np.array(base["confusion_matrix"])
    assert matrix.trace() == 970 and matrix[0, 1] == 3 and matrix[9, 0] == 3 and matrix.sum() == 1000
    assert base["top_confusions"] == [
        {"true": 0, "predicted": 1, "count": 3},
        {"true": 1, "predicted": 2, "count": 3},
        {"true": 2, "predicted": 3, "count": 3},
    ]
    assert cnn["top_confusions"] == [
        {"true": 0, "predicted": 1, "count": 2},
        {"true": 1, "predicted": 2, "count": 2},
        {"true": 2, "predicted": 3, "count": 1},
    ]


def test_one_epoch_runs_take_all_their_time_in_that_epoch():
    summary = synthetic.build(Scenario(epochs=1)).summary()
    assert summary["models"]["baseline"]["seconds_per_epoch"] == approx(60.0)
    assert summary["comparison"]["little_training"] is True


def test_a_model_counts_as_cached_only_when_every_seed_was():
    built = synthetic.build(Scenario())
    fits = built.trained.models["baseline"].fits
    partly = ModelFits("baseline", (replace(fits[0], cached=True), *fits[1:]))
    wholly = ModelFits("baseline", tuple(replace(fit, cached=True) for fit in fits))
    for baseline, cached in ((partly, False), (wholly, True)):
        models = {**built.trained.models, "baseline": baseline}
        summary = replace(built, trained=replace(built.trained, models=models)).summary()
        assert summary["models"]["baseline"]["cached"] is cached
        assert [seed["cached"] for seed in summary["models"]["baseline"]["per_seed"]] == [
            fit.cached for fit in baseline.fits
        ]


def test_history_is_averaged_epoch_by_epoch_over_seeds():
    built = synthetic.build(Scenario())
    fits = built.trained.models["cnn_k3"].fits
    finals = (0.96, 0.98, 1.0)
    changed = tuple(
        replace(fit, history={**fit.history, "accuracy": [0.5] * 9 + [final]}) for fit, final in zip(fits, finals)
    )
    models = {**built.trained.models, "cnn_k3": ModelFits("cnn_k3", changed)}
    summary = replace(built, trained=replace(built.trained, models=models)).summary()
    assert summary["models"]["cnn_k3"]["history"]["accuracy"] == approx([0.5] * 9 + [0.98])
    assert summary["comparison"]["cnn_generalization_gap_pp"] == approx(100 * (0.98 - 0.989))


def test_equal_confusions_are_listed_in_reading_order():
    # Several confusions made twice: the first three in the order of the matrix (true digit, then predicted).
    matrix = np.zeros((10, 10), dtype=np.int64)
    for true, predicted in ((1, 5), (0, 9), (6, 0), (1, 4), (9, 1)):
        matrix[true, predicted] = 2
    matrix[3, 3] = 50  # the diagonal is not a confusion
    assert top_confusions(matrix) == [
        {"true": 0, "predicted": 9, "count": 2},
        {"true": 1, "predicted": 4, "count": 2},
        {"true": 1, "predicted": 5, "count": 2},
    ]


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=200))
def test_confusion_matrix_counts_every_pair(pairs):
    truth, predicted = (np.array(column, dtype=np.uint8) for column in zip(*pairs))
    expected = [[0] * 10 for _ in range(10)]
    for t, p in pairs:
        expected[t][p] += 1
    assert confusion_matrix(truth, predicted).tolist() == expected
