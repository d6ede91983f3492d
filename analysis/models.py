"""Keras's side of the models: the course's two networks by name, the protocol's compile, and a model's layers.

The networks themselves are specs (:mod:`analysis.architectures`), which
build them with the Functional API. This module imports Keras (and so
TensorFlow) at import time; code that only reads cached results must not
import it, which keeps a cached rebuild fast.
"""

from __future__ import annotations

import keras

from analysis.architectures import DEFAULT_BASELINE, DEFAULT_CNN, apply_variant, build_keras_model, variant_name

# Keras's layer classes under the names the project file gives them; a builder's other layers keep their class name.
_LAYER_TYPES = {
    "InputLayer": "input", "Conv2D": "conv", "MaxPooling2D": "maxpool", "AveragePooling2D": "avgpool",
    "GlobalAveragePooling2D": "globalavgpool", "Flatten": "flatten", "Dense": "dense", "Dropout": "dropout",
    "BatchNormalization": "batchnorm",
}


def make_baseline() -> keras.Model:
    """Flatten -> Dense(128, relu) -> Dense(10, softmax): every pixel wired to every unit."""
    return build_keras_model(DEFAULT_BASELINE, "baseline")


def make_cnn(kernel_size: int = 3) -> keras.Model:
    """Two conv/pool stages ('valid' padding) and a small dense head, as in the course notebook."""
    return build_keras_model(apply_variant(DEFAULT_CNN, "kernel", kernel_size), variant_name("kernel", kernel_size))


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
    """Each layer's name, type, output shape (without the batch axis) and parameter count."""
    return [
        {
            "name": layer.name,
            "type": _layer_type(layer),
            "output_shape": list(layer.output.shape[1:]),
            "params": int(layer.count_params()),
        }
        for layer in model.layers
    ]


def _layer_type(layer: keras.layers.Layer) -> str:
    """The spec type of ``layer``, or of the Keras layer it extends (a student's own Conv2D subclass is a conv layer,
    as the probes that look for ``keras.layers.Conv2D`` find it); other layers keep their class name."""
    for cls in type(layer).__mro__:
        if cls.__name__ in _LAYER_TYPES:
            return _LAYER_TYPES[cls.__name__]
    return type(layer).__name__
