"""Training: the validation split follows Keras's, and a seed fixes every number."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analysis.data import Dataset, load_dataset
from analysis.fits import TrainingSettings
from analysis.training import scale_images, split_for_validation, train_and_evaluate

from course import BASELINE, BASELINE_PARAMS, cnn


def test_split_holds_out_the_last_tenth_of_the_limited_set():
    x, y = np.arange(1000).reshape(1000, 1), np.arange(1000)
    x_fit, y_fit, x_val, y_val = split_for_validation(x, y, TrainingSettings(limit_train=500))
    assert (len(x_fit), len(x_val)) == (450, 50)
    assert y_fit[-1] == 449 and y_val[0] == 450 and y_val[-1] == 499


def test_scaling_maps_uint8_to_unit_interval_with_a_channel_axis():
    images = np.array([[[0, 255]]], dtype=np.uint8)
    scaled = scale_images(images)
    assert scaled.shape == (1, 1, 2, 1) and scaled.dtype == np.float32
    assert scaled.min() == 0.0 and scaled.max() == 1.0


def test_same_seed_same_numbers_different_seed_different_numbers(tiny_npz):
    dataset = load_dataset(tiny_npz)
    settings = TrainingSettings(epochs=2, batch_size=16, seed=7)
    first = train_and_evaluate(cnn(3), dataset, settings)
    second = train_and_evaluate(cnn(3), dataset, settings)
    assert first.history == second.history
    assert first.test_loss == second.test_loss
    np.testing.assert_array_equal(first.test_confidence, second.test_confidence)
    other = train_and_evaluate(cnn(3), dataset, TrainingSettings(epochs=2, batch_size=16, seed=8))
    assert other.history != first.history


def test_result_reports_the_models_own_numbers(tiny_npz):
    dataset = load_dataset(tiny_npz)
    result = train_and_evaluate(BASELINE, dataset, TrainingSettings(epochs=1, seed=1))
    assert result.params == BASELINE_PARAMS
    # Test loss and accuracy are checked against Keras's own evaluate below (test_test_loss_and_accuracy_...).
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert [layer["name"] for layer in result.layers] == ["image", "flatten", "hidden", "probabilities"]


def _onednn_state(environment: dict[str, str]) -> str:
    """Whether TensorFlow's oneDNN kernels are on in a fresh process that imports the training module."""
    script = (
        "import analysis.training\n"
        "from tensorflow.python.util import _pywrap_util_port\n"
        "print(_pywrap_util_port.IsMklEnabled())\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    return finished.stdout.strip().splitlines()[-1]


def test_training_asks_tensorflow_for_onednn_and_a_users_zero_wins():
    environment = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    assert _onednn_state(environment) == "True"
    assert _onednn_state({**environment, "TF_ENABLE_ONEDNN_OPTS": "0"}) == "False"


def _half_learnable(tiny: Path) -> Dataset:
    """The tiny dataset with the second half of its test images replaced by noise, so accuracy lands inside (0, 1)."""
    dataset = load_dataset(tiny)
    x_test = dataset.x_test.copy()
    x_test[len(x_test) // 2 :] = np.random.default_rng(5).integers(
        0, 256, x_test[len(x_test) // 2 :].shape, dtype=np.uint8
    )
    return replace(dataset, x_test=x_test)


@pytest.mark.parametrize("spec", [BASELINE, cnn(3)], ids=["baseline", "cnn_k3"])
def test_test_loss_and_accuracy_are_what_keras_evaluate_measures(tiny_npz, monkeypatch, spec):
    import analysis.training as training

    trained = {}
    prepare = training.prepare_model

    def keep(*args, **kwargs):
        trained["model"] = prepare(*args, **kwargs)
        return trained["model"]

    monkeypatch.setattr(training, "prepare_model", keep)
    dataset = _half_learnable(tiny_npz)
    result = training.train_and_evaluate(spec, dataset, TrainingSettings(epochs=2, batch_size=16, seed=3))

    # Scaled here without the project's helper: uint8 -> [0, 1] floats with a channel axis.
    images = dataset.x_test.astype(np.float32)[..., np.newaxis] / 255.0
    loss, accuracy = trained["model"].evaluate(images, dataset.y_test, batch_size=25, verbose=0)
    assert 0.0 < accuracy < 1.0, "the test set should give a partial accuracy"
    assert result.test_accuracy == pytest.approx(accuracy, abs=1e-6)
    assert result.test_loss == pytest.approx(loss, rel=1e-4)
    assert result.test_predictions.shape == (len(dataset.y_test),)
    assert result.test_confidence.min() > 0.1 and result.test_confidence.max() <= 1.0
