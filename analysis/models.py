"""The two architectures the course compares, built with the Keras Functional API.

This module imports Keras (and so TensorFlow) at import time; code that only
reads cached results must not import it, which keeps a cached rebuild fast.
"""

from __future__ import annotations

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def make_baseline(input_shape: tuple[int, int, int] = INPUT_SHAPE, num_classes: int = NUM_CLASSES) -> keras.Model:
    """Flatten -> Dense(128, relu) -> Dense(10, softmax): every pixel wired to every unit."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(128, activation="relu", name="hidden")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="baseline")


def make_cnn(
    kernel_size: int = 3, input_shape: tuple[int, int, int] = INPUT_SHAPE, num_classes: int = NUM_CLASSES
) -> keras.Model:
    """Two conv/pool stages ('valid' padding) and a small dense head, as in the course notebook."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(32, kernel_size, activation="relu", padding="valid", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, kernel_size, activation="relu", padding="valid", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="hidden")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"cnn_k{kernel_size}")


def compile_for_training(model: keras.Model, **options) -> keras.Model:
    """The course's protocol: Adam at its default learning rate, cross-entropy, accuracy.

    ``options`` go to ``model.compile`` as they are: execution settings such as
    ``jit_compile`` or ``steps_per_execution``, which change speed, not the protocol.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        **options,
    )
    return model


def describe_layers(model: keras.Model) -> list[dict]:
    """Each layer's name, output shape (without the batch axis) and parameter count."""
    return [
        {
            "name": layer.name,
            "output_shape": list(layer.output.shape[1:]),
            "params": int(layer.count_params()),
        }
        for layer in model.layers
    ]
