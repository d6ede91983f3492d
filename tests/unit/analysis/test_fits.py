"""What a fit is and what it yields: the training protocol, a result through the cache and back, and the statistics
over seeds."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from analysis.fits import FitResult, ModelFits, TrainingSettings

import synthetic
from course import BASELINE, BASELINE_PARAMS, cnn


def test_model_specs():
    assert BASELINE.name == "baseline" and BASELINE.architecture == "baseline"
    assert cnn(5).name == "cnn_k5" and cnn(5).architecture == "cnn"
    assert [layer.kernel for layer in cnn(5).network.layers if layer.type == "conv"] == [5, 5]
    # The course's networks keep the descriptions (and so the cache keys) they had before networks were specs.
    assert cnn(7).to_dict() == {"architecture": "cnn", "kernel_size": 7}
    assert BASELINE.to_dict() == {"architecture": "baseline", "kernel_size": None}


def test_training_settings_are_the_course_protocol():
    settings = TrainingSettings()
    assert (settings.epochs, settings.batch_size, settings.seed, settings.limit_train, settings.validation_split) == (
        10,
        32,
        42,
        None,
        0.1,
    )
    assert settings.to_dict() == {
        "epochs": 10,
        "batch_size": 32,
        "seed": 42,
        "limit_train": None,
        "validation_split": 0.1,
        "optimizer": "Adam (default learning rate 0.001)",
        "loss": "sparse categorical cross-entropy",
    }


@pytest.mark.parametrize(
    "limit, available, used, fitted",
    [
        (None, 60_000, 60_000, 54_000),
        (1500, 60_000, 1500, 1350),
        (5000, 200, 200, 180),
        (999, 60_000, 999, 899),
        (10, 60_000, 10, 9),
        (None, 1, 1, 0),
    ],
)
def test_images_used_and_fitted(limit, available, used, fitted):
    settings = TrainingSettings(limit_train=limit)
    assert settings.images_used(available) == used
    assert settings.images_fitted(available) == fitted


def test_a_result_survives_the_cache_round_trip(dataset):
    result = synthetic.model_fit("cnn_k3", 17, 0.0421, dataset.y_test, layers=synthetic.cnn_layers(3), seconds=33.5)
    data = result.to_dict()
    assert data["test_accuracy"] == pytest.approx(0.983) and data["test_loss"] == pytest.approx(0.0421)
    assert data["test_predictions"][:3] == [1, 2, 3]  # the first mistakes read each digit as the next
    assert json.dumps(data["test_predictions"][:3]) == "[1, 2, 3]"  # stored as integers, not floats
    back = FitResult.from_dict(data, cached=True)
    assert back.cached is True and FitResult.from_dict(data, cached=False).cached is False
    for name in (
        "name",
        "params",
        "test_accuracy",
        "test_loss",
        "epochs",
        "train_seconds",
        "history",
        "layers",
        "probes",
    ):
        assert getattr(back, name) == getattr(result, name), name
    assert back.test_predictions.dtype == np.uint8 and back.test_confidence.dtype == np.float32
    np.testing.assert_array_equal(back.test_predictions, result.test_predictions)
    np.testing.assert_allclose(back.test_confidence, result.test_confidence)


def test_confidences_are_stored_to_five_decimals(dataset):
    result = synthetic.model_fit("baseline", 0, 0.1, dataset.y_test, layers=synthetic.baseline_layers())
    result = replace(result, test_confidence=np.full(len(dataset.y_test), 0.123456789, np.float32))
    assert result.to_dict()["test_confidence"][0] == 0.12346


def test_two_seeds_have_a_spread(dataset):
    runs = ModelFits(
        "baseline",
        tuple(
            synthetic.model_fit("baseline", wrong, 0.1, dataset.y_test, layers=synthetic.baseline_layers())
            for wrong in (30, 20)
        ),
    )
    assert runs.std("test_accuracy") == pytest.approx(0.01 / 2**0.5)


def test_model_fits_statistics(dataset):
    runs = ModelFits(
        "baseline",
        tuple(
            synthetic.model_fit(
                "baseline", wrong, loss, dataset.y_test, layers=synthetic.baseline_layers(), seconds=seconds
            )
            for wrong, loss, seconds in ((30, 0.1, 10.0), (28, 0.2, 20.0), (20, 0.6, 60.0))
        ),
    )
    assert runs.params == BASELINE_PARAMS and runs.first is runs.fits[0]
    assert runs.mean("test_loss") == pytest.approx(0.3)
    assert runs.std("test_loss") == pytest.approx(((0.04 + 0.01 + 0.09) / 2) ** 0.5)  # sample standard deviation
    assert runs.mean("train_seconds") == pytest.approx(30.0)
    assert ModelFits("baseline", runs.fits[:1]).std("test_loss") is None
