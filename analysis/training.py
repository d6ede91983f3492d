"""Training and evaluating one model with the course's protocol.

The split follows Keras's ``validation_split``: the *last* 10% of the training
images (after ``--limit-train``) are held out, without shuffling first.
Training is seeded and runs with TensorFlow's op determinism, so the same seed
on the same machine gives the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from analysis.data import Dataset
from analysis.fits import FitResult, ModelSpec, TrainingSettings
from analysis.models import build_keras_model, compile_for_training, describe_layers
from analysis.probes import FEATURE_MAPS_SHOWN, FILTERS_SHOWN, shift_accuracies

_EVALUATION_BATCH_SIZE = 1000
# Every model of a build is a new Keras model, so TensorFlow traces each one's
# training step afresh and warns about "retracing"; that is expected here.
tf.get_logger().setLevel("ERROR")
# Run 32 training steps per call into TensorFlow instead of one: at batch 32
# the per-step Python round-trip is a large share of a step on 2 CPU cores
# (bench/RESULTS.md), and the numbers are the same step for step.
BUILD_COMPILE_OPTIONS = {"steps_per_execution": 32}
# Keras clips probabilities the same way inside its cross-entropy.
_EPSILON = 1e-7


def build_model(spec: ModelSpec) -> keras.Model:
    """The untrained Keras model for ``spec`` (a builder function's model is checked as it is built)."""
    return build_keras_model(spec.network, spec.name)


def split_for_validation(
    x: np.ndarray, y: np.ndarray, settings: TrainingSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First ``limit_train`` examples, of which the last ``validation_split`` share is held out."""
    used, split_at = settings.images_used(len(x)), settings.images_fitted(len(x))
    return x[:split_at], y[:split_at], x[split_at:used], y[split_at:used]


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


EpochCallback = Callable[[int, float, dict[str, float]], None]


def train_and_evaluate(
    spec: ModelSpec,
    dataset: Dataset,
    settings: TrainingSettings,
    on_epoch: EpochCallback | None = None,
    on_trained: Callable[[keras.Model], None] | None = None,
) -> FitResult:
    """Train ``spec`` from a seeded initialisation and evaluate it on the whole test set.

    ``on_epoch(epoch, seconds, logs)`` hears of each finished epoch (counted
    from 1), and ``on_trained(model)`` gets the trained model before it is
    evaluated, to be saved.
    """
    model = prepare_model(spec, settings)
    training_data, validation_data = make_pipelines(dataset, settings)
    history, train_seconds = fit_model(model, training_data, validation_data, settings, on_epoch)
    if on_trained is not None:
        on_trained(model)

    test_images = tf.data.Dataset.from_tensor_slices(scale_images(dataset.x_test)).batch(_EVALUATION_BATCH_SIZE)
    probabilities = model.predict(test_images, verbose=0)
    predictions = probabilities.argmax(axis=1)
    probes = inspect_model(model, spec, dataset)
    true_probability = probabilities[np.arange(len(predictions)), dataset.y_test]
    return FitResult(
        name=spec.name,
        params=int(model.count_params()),
        test_accuracy=float(np.mean(predictions == dataset.y_test)),
        test_loss=float(-np.mean(np.log(np.clip(true_probability, _EPSILON, 1.0 - _EPSILON)))),
        epochs=settings.epochs,
        train_seconds=train_seconds,
        history=history,
        layers=describe_layers(model),
        test_predictions=predictions.astype(np.uint8),
        test_confidence=probabilities.max(axis=1).astype(np.float32),
        probes=probes,
    )


def inspect_model(model: keras.Model, spec: ModelSpec, dataset: Dataset) -> dict:
    """What can only be measured while the trained model is in memory.

    Every model: accuracy on shifted test digits. CNNs also: the first conv
    layer's filters (at most :data:`FILTERS_SHOWN`), and the feature maps of
    the first two conv layers (one, if the CNN has one) for the first test
    digit, the first :data:`FEATURE_MAPS_SHOWN` channels of each. They are
    stored as ``conv1`` and ``conv2`` whatever the layers' names.
    """

    def predict(images: np.ndarray) -> np.ndarray:
        return np.asarray(model(scale_images(images), training=False)).argmax(axis=1)

    probes: dict = {"shift_accuracy": shift_accuracies(predict, dataset.x_test, dataset.y_test)}
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][:2]
    if spec.architecture == "cnn" and convs:
        kernels = convs[0].get_weights()[0]  # (k, k, input channels, filters): the image's one channel, first
        probes["conv1_filters"] = np.round(kernels[:, :, 0, :FILTERS_SHOWN].transpose(2, 0, 1), 4).tolist()
        extractor = keras.Model(model.input, [layer.output for layer in convs])
        outputs = extractor(scale_images(dataset.x_test[:1]), training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        probes["feature_maps"] = {"test_index": 0} | {
            f"conv{index}": np.round(np.asarray(maps)[0, :, :, :FEATURE_MAPS_SHOWN].transpose(2, 0, 1), 3).tolist()
            for index, maps in enumerate(outputs, start=1)
        }
    return probes


def prepare_model(spec: ModelSpec, settings: TrainingSettings, **compile_options) -> keras.Model:
    """Seed every generator, switch on op determinism, then build and compile ``spec``.

    ``compile_options`` go to :func:`compile_for_training` over the build's
    own (:data:`BUILD_COMPILE_OPTIONS`); the benchmark uses them to try speed
    settings on the build's own path.
    """
    # A build trains dozens of models in one process; without this, Keras keeps
    # every earlier model's graph state alive and memory grows with each one.
    keras.backend.clear_session()
    keras.utils.set_random_seed(settings.seed)
    tf.config.experimental.enable_op_determinism()
    return compile_for_training(build_model(spec), **(BUILD_COMPILE_OPTIONS | compile_options))


def make_pipelines(dataset: Dataset, settings: TrainingSettings) -> tuple[tf.data.Dataset, tf.data.Dataset | None]:
    """The training pipeline (seeded reshuffling) and the validation one, ``None`` when nothing is held out."""
    x_fit, y_fit, x_val, y_val = split_for_validation(dataset.x_train, dataset.y_train, settings)
    training_data = _make_pipeline(
        x_fit, y_fit, settings.batch_size, shuffle_seed=settings.seed, reshuffle=settings.reshuffle
    )
    validation_data = _make_pipeline(x_val, y_val, settings.batch_size) if len(x_val) else None
    return training_data, validation_data


def fit_model(
    model: keras.Model,
    training_data: tf.data.Dataset,
    validation_data: tf.data.Dataset | None,
    settings: TrainingSettings,
    on_epoch: EpochCallback | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[dict[str, list[float]], float]:
    """Run ``model.fit`` as the build does; return the per-epoch history and the wall time of the whole fit.

    ``on_epoch`` hears of each finished epoch; ``callbacks`` are added to the
    build's own, and the benchmark times epochs with one.
    """
    started = time.perf_counter()
    history = model.fit(
        training_data,
        epochs=settings.epochs,
        validation_data=validation_data,
        shuffle=False,  # The pipeline already reshuffles every epoch, with the seed.
        verbose=0,
        callbacks=[_EpochProgress(on_epoch), *callbacks],
    )
    train_seconds = time.perf_counter() - started
    return {key: [float(value) for value in values] for key, values in history.history.items()}, train_seconds


def _make_pipeline(
    x: np.ndarray, y: np.ndarray, batch_size: int, shuffle_seed: int | None = None, reshuffle: bool = True
) -> tf.data.Dataset:
    """A tf.data pipeline over in-memory uint8 images, shuffled with the seed and reshuffled each epoch.

    That is what ``fit(x, y, shuffle=True)`` promises, and not what Keras 3
    delivers on arrays after ``keras.utils.set_random_seed``: there every epoch
    repeats one order. ``reshuffle=False`` reproduces that fixed order, for the
    report's comparison of the two; ``tests/unit/analysis/test_training_epoch_order.py`` guards both.

    The images stay uint8 through the shuffle and are scaled as
    :func:`scale_images` scales them (the same float32 division, so the same
    values) one batch at a time: the pipeline holds a quarter of the memory a
    float32 copy would take, twice (the data and the shuffle buffer), which
    is what lets a worker process per core fit in 1.2 GiB (bench/RESULTS.md).

    tf.data's autotuner is switched off: on a 2-core machine it left the
    process idle for a fifth of ``fit()`` at epoch boundaries, and turning it
    off changed no metric.
    """
    data = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=reshuffle)
    data = data.batch(batch_size).map(_scale_batch).prefetch(2)
    options = tf.data.Options()
    options.autotune.enabled = False
    return data.with_options(options)


def _scale_batch(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """:func:`scale_images` inside the pipeline: uint8 (batch, 28, 28) -> float32 (batch, 28, 28, 1) in [0, 1]."""
    return (tf.cast(images, tf.float32) / 255.0)[..., tf.newaxis], labels


class _EpochProgress(keras.callbacks.Callback):
    """Times each epoch and reports it with its metrics, as plain floats."""

    def __init__(self, on_epoch: EpochCallback | None):
        super().__init__()
        self._on_epoch = on_epoch
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._on_epoch is not None:
            metrics = {name: float(value) for name, value in (logs or {}).items()}
            self._on_epoch(epoch + 1, time.perf_counter() - self._started, metrics)
