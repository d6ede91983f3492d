"""Every epoch a new order: the build's training reshuffles, and the fixed-order comparison says what it measured.

The order is observed where it matters, inside ``model.fit``: the model's own
training step records the labels of every batch it is given. A pipeline that
stops reshuffling (``reshuffle_each_iteration=False``, no shuffle at all, or
``fit(x, y, shuffle=True)`` after ``keras.utils.set_random_seed``, which repeats
one order in Keras 3) fails the first test.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import analysis.training
from analysis.data import load_dataset
from analysis.fits import TrainingSettings
from analysis.runner import fit_key
from analysis.training import split_for_validation, train_and_evaluate

from course import BASELINE


class _RecordingModel(keras.Model):
    """A model that hands the labels of each training batch it sees to ``record_batch``.

    A function rather than a list: Keras replaces a list attribute with a tracked copy of it.
    """

    record_batch = None

    def train_step(self, data):
        images, labels = data[0], data[1]

        def record(batch):
            self.record_batch(batch.numpy().copy())
            return batch

        # The step trains on what the recorder returns, so the recording cannot be pruned from the
        # compiled loop that runs several steps per call.
        seen = tf.py_function(record, [labels], Tout=labels.dtype)
        seen.set_shape(labels.shape)
        return super().train_step((images, seen))


class _EpochStarts(keras.callbacks.Callback):
    def __init__(self, model_batches: list, starts: list):
        super().__init__()
        self._batches, self._starts = model_batches, starts

    def on_epoch_begin(self, epoch, logs=None):
        self._starts.append(len(self._batches))


def _epochs_seen(monkeypatch, tiny_npz, settings: TrainingSettings) -> tuple[list[np.ndarray], np.ndarray]:
    """The labels in the order each epoch of the build's own training fed them, and the labels fitted on."""
    batches: list[np.ndarray] = []
    starts: list[int] = []
    build_model = analysis.training.build_model

    def recording_model(spec):
        model = build_model(spec)
        recording = _RecordingModel(model.inputs, model.outputs, name=model.name)
        recording.record_batch = batches.append
        return recording

    fit_model = analysis.training.fit_model

    def fit_with_epoch_starts(model, training_data, validation_data, settings, on_epoch=None, callbacks=()):
        return fit_model(
            model, training_data, validation_data, settings, on_epoch, [*callbacks, _EpochStarts(batches, starts)]
        )

    monkeypatch.setattr(analysis.training, "build_model", recording_model)
    monkeypatch.setattr(analysis.training, "fit_model", fit_with_epoch_starts)
    dataset = load_dataset(tiny_npz)
    train_and_evaluate(BASELINE, dataset, settings)
    bounds = [*starts, len(batches)]
    epochs = [np.concatenate(batches[start:end]) for start, end in zip(bounds, bounds[1:])]
    _, y_fit, _, _ = split_for_validation(dataset.x_train, dataset.y_train, settings)
    return epochs, y_fit


def test_every_epoch_of_a_build_sees_a_new_order(monkeypatch, tiny_npz):
    epochs, y_fit = _epochs_seen(monkeypatch, tiny_npz, TrainingSettings(epochs=3, batch_size=16, seed=5))
    assert len(epochs) == 3
    for order in epochs:
        # Every fitted image once per epoch, none of the held-out ones.
        np.testing.assert_array_equal(np.sort(order), np.sort(y_fit))
    assert not np.array_equal(epochs[0], y_fit), "the first epoch is not shuffled at all"
    assert not np.array_equal(epochs[0][:16], epochs[1][:16]), "epochs 1 and 2 start with the same batch"
    assert not np.array_equal(epochs[1], epochs[2]), "epochs 2 and 3 repeat one order"


def test_the_fixed_order_setting_repeats_one_shuffled_order(monkeypatch, tiny_npz):
    epochs, y_fit = _epochs_seen(
        monkeypatch, tiny_npz, TrainingSettings(epochs=3, batch_size=16, seed=5, reshuffle=False)
    )
    assert len(epochs) == 3
    assert not np.array_equal(epochs[0], y_fit)
    np.testing.assert_array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(epochs[1], epochs[2])


def test_fixed_order_results_have_their_own_cache_key_and_old_keys_are_kept():
    protocol = TrainingSettings()
    assert "epoch_order" not in protocol.to_dict()  # keys of results cached before the option existed are unchanged
    assert TrainingSettings(reshuffle=False).to_dict()["epoch_order"] == "fixed"
    assert fit_key(BASELINE, TrainingSettings(reshuffle=False), "abc") != fit_key(BASELINE, protocol, "abc")
