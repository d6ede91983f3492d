"""The input pipeline: the split Keras's own validation_split makes, and what each tf.data pipeline holds.

(Whether the training order changes from epoch to epoch, through ``fit``, is guarded by its own test.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.fits import TrainingSettings
from analysis.training import make_pipelines, scale_images, split_for_validation

from synthetic import make_dataset


def _labelled_images(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Images whose first pixel is their index, so every image can be told apart after scaling."""
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(count)
    return images, (np.arange(count) % 10).astype(np.uint8)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=400),
    st.one_of(st.none(), st.integers(min_value=2, max_value=400)),
    st.sampled_from([0.1, 0.2, 0.25, 0.5]),
)
def test_the_split_is_the_one_keras_validation_split_makes(available, limit, validation_split):
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    used = available if limit is None else min(limit, available)
    x, y = np.arange(available).reshape(available, 1), np.arange(available)
    fit_x, fit_y, val_x, val_y = split_for_validation(
        x, y, TrainingSettings(limit_train=limit, validation_split=validation_split)
    )
    try:
        (keras_x, keras_y), (keras_val_x, keras_val_y) = train_validation_split((x[:used], y[:used]), validation_split)
    except ValueError:  # Keras refuses a split that leaves either side empty
        assert len(fit_x) == 0 or len(val_x) == 0
        return
    for ours, theirs in ((fit_x, keras_x), (fit_y, keras_y), (val_x, keras_val_x), (val_y, keras_val_y)):
        np.testing.assert_array_equal(ours, np.asarray(theirs))


def test_scaling_is_a_division_by_255_with_a_channel_axis():
    images = np.array([[[0, 51, 255]]], dtype=np.uint8)
    scaled = scale_images(images)
    assert scaled.dtype == np.float32 and scaled.shape == (1, 1, 3, 1)
    np.testing.assert_array_equal(scaled[0, 0, :, 0], np.array([0.0, 0.2, 1.0], np.float32))


def _epoch(data) -> tuple[list[np.ndarray], list[np.ndarray]]:
    images, labels = [], []
    for batch_images, batch_labels in data:
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
    return images, labels


def _dataset(count: int):
    images, labels = _labelled_images(count)
    return replace(make_dataset(), x_train=images, y_train=labels)


def test_the_training_pipeline_holds_every_fitted_image_once_in_batches():
    dataset = _dataset(100)  # 90 fitted, 10 held out
    training, _ = make_pipelines(dataset, TrainingSettings(batch_size=16, seed=1))
    images, labels = _epoch(training)
    assert [len(batch) for batch in labels] == [16] * 5 + [10]
    assert images[0].shape == (16, 28, 28, 1) and images[0].dtype == np.float32 and labels[0].dtype == np.int32
    order = np.rint(np.concatenate(images)[:, 0, 0, 0] * 255).astype(int)
    assert sorted(order.tolist()) == list(range(90))
    np.testing.assert_array_equal(np.concatenate(labels), order % 10)  # each image keeps its own label
    assert np.concatenate(images)[:, 1:, :, :].max() == 0.0 and np.concatenate(images).max() <= 90 / 255


def test_the_validation_pipeline_holds_the_held_out_images_in_order():
    dataset = _dataset(100)
    _, validation = make_pipelines(dataset, TrainingSettings(batch_size=4, seed=1))
    images, labels = _epoch(validation)
    assert [len(batch) for batch in labels] == [4, 4, 2]
    order = np.rint(np.concatenate(images)[:, 0, 0, 0] * 255).astype(int)
    assert order.tolist() == list(range(90, 100))
    assert np.concatenate(labels).tolist() == [index % 10 for index in range(90, 100)]


def test_the_limit_applies_before_the_split():
    dataset = _dataset(100)
    training, validation = make_pipelines(dataset, TrainingSettings(batch_size=50, seed=1, limit_train=40))
    fitted = np.rint(np.concatenate(_epoch(training)[0])[:, 0, 0, 0] * 255).astype(int)
    held_out = np.rint(np.concatenate(_epoch(validation)[0])[:, 0, 0, 0] * 255).astype(int)
    assert sorted(fitted.tolist()) == list(range(36)) and held_out.tolist() == [36, 37, 38, 39]


def test_nothing_held_out_means_no_validation_pipeline():
    training, validation = make_pipelines(_dataset(20), TrainingSettings(batch_size=8, validation_split=0.0))
    assert validation is None
    assert sum(len(batch) for batch in _epoch(training)[1]) == 20


def test_the_seed_decides_the_training_order():
    dataset = _dataset(64)

    def first_epoch(seed: int) -> list[int]:
        training, _ = make_pipelines(dataset, TrainingSettings(batch_size=64, seed=seed))
        return np.rint(_epoch(training)[0][0][:, 0, 0, 0] * 255).astype(int).tolist()

    assert first_epoch(5) == first_epoch(5)
    assert first_epoch(5) != first_epoch(6)


def test_the_autotuner_is_off():
    # On 2 cores tf.data's autotuner left fit() idle at epoch boundaries (analysis/training.py).
    training, validation = make_pipelines(_dataset(20), TrainingSettings(batch_size=8))
    for data in (training, validation):
        assert data.options().autotune.enabled is False


@pytest.mark.parametrize("batch_size", [1, 7, 32])
def test_batches_follow_the_batch_size(batch_size):
    training, _ = make_pipelines(_dataset(50), TrainingSettings(batch_size=batch_size, seed=2))
    sizes = [len(batch) for batch in _epoch(training)[1]]
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1) and sum(sizes) == 45 and 0 < sizes[-1] <= batch_size
