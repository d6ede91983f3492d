"""Training: the validation split follows Keras's, and a seed fixes every number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from analysis.data import load_dataset
from analysis.experiments import BASELINE, cnn
from analysis.fits import TrainingSettings
from analysis.training import scale_images, split_for_validation, train_and_evaluate


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
    assert result.params == 101_770
    # Test loss and accuracy are checked against Keras's own evaluate in tests/test_oracles.py.
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert [layer["name"] for layer in result.layers] == ["image", "flatten", "hidden", "probabilities"]


def _onednn_state(environment: dict[str, str]) -> str:
    """Whether TensorFlow's oneDNN kernels are on in a fresh process that imports the training module."""
    script = (
        "import analysis.training\n"
        "from tensorflow.python.util import _pywrap_util_port\n"
        "print(_pywrap_util_port.IsMklEnabled())\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True,
                              check=True, cwd=Path(__file__).resolve().parents[1])
    return finished.stdout.strip().splitlines()[-1]


def test_training_asks_tensorflow_for_onednn_and_a_users_zero_wins():
    environment = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    assert _onednn_state(environment) == "True"
    assert _onednn_state({**environment, "TF_ENABLE_ONEDNN_OPTS": "0"}) == "False"
