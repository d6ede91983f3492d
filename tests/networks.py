"""A student's CNN used across the network tests: as a project file's layers, and written in Keras by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

from analysis.layers import Network, read_network

WHERE = "cnn-report.toml"

# 'same' padding, batch normalisation after the first conv, dense 32 and dropout 0.3.
CUSTOM_CNN_LAYERS = [
    {"type": "conv", "filters": 32, "kernel": 3, "padding": "same", "why": "keep the border strokes"},
    {"type": "batchnorm"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 64, "kernel": 3, "padding": "same"},
    {"type": "maxpool"},
    {"type": "flatten"},
    {"type": "dense", "units": 32},
    {"type": "dropout", "rate": 0.3},
]

# A builder file whose function takes the experiment's variables as keywords.
GOOD_BUILDER = """
    import keras
    from keras import layers

    def make_model(kernel=3, width=1.0):
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(int(16 * width), kernel, activation="relu")(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
"""


def custom_cnn() -> Network:
    return read_network({"layers": CUSTOM_CNN_LAYERS}, "cnn", WHERE, Path("."))


def read_cnn(layer_list) -> Network:
    return read_network({"layers": layer_list}, "cnn", WHERE, Path("."))


def custom_cnn_by_hand(kernel=3, filters=(32, 64), pool="max", padding="same", activation="relu", rate=0.3):
    """CUSTOM_CNN_LAYERS in Keras, by hand; ``pool`` is "max", "avg" or None."""
    import keras
    from keras import layers

    pooling = {"max": layers.MaxPooling2D, "avg": layers.AveragePooling2D, None: None}[pool]
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters[0], kernel, padding=padding, activation=activation)(inputs)
    x = layers.BatchNormalization()(x)
    x = pooling(2)(x) if pooling else x
    x = layers.Conv2D(filters[1], kernel, padding=padding, activation=activation)(x)
    x = pooling(2)(x) if pooling else x
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation=activation)(x)
    x = layers.Dropout(rate)(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def toml_layer(layer: dict) -> str:
    """One layer of a spec as a TOML inline table, as a project file writes it."""
    fields = ", ".join(f"{key} = {value!r}".replace("'", '"') for key, value in layer.items())
    return "{" + fields + "}"


def write_builder(folder: Path, body: str, name: str = "my_net.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path
