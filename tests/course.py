"""The course notebook's two networks as the tests know them: parameter counts by hand, pinned once, and their specs.

Flatten -> Dense(128) -> Dense(10): 784 * 128 + 128 + 128 * 10 + 10 = 101,770. The CNN with k × k kernels
('valid' padding): conv1 32 (k² + 1), conv2 64 (32 k² + 1), then Dense(64) over the last 2×2-pooled map and Dense(10);
for k = 3, 5, 7 that is 121,930, 118,346 and 119,114 (tests/unit/analysis/test_models.py checks them against Keras).
"""

from __future__ import annotations

from analysis.fits import ModelSpec
from analysis.layers import DEFAULT_BASELINE, course_cnn

BASELINE_PARAMS = 101_770
CNN_PARAMS = {3: 121_930, 5: 118_346, 7: 119_114}

BASELINE = ModelSpec("baseline", DEFAULT_BASELINE)


def cnn(kernel_size: int) -> ModelSpec:
    """The course's CNN with ``kernel_size`` kernels, as the design plans it."""
    return ModelSpec(f"cnn_k{kernel_size}", course_cnn(kernel_size), ("kernel", kernel_size))


def baseline_by_hand():
    """The course notebook's baseline, written in Keras by hand as a student would."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(128, activation="relu", name="hidden")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="probabilities")(x))


def cnn_by_hand(kernel: int = 3):
    """The course notebook's CNN with ``kernel`` × ``kernel`` kernels, written in Keras by hand."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(32, kernel, activation="relu", padding="valid", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, kernel, activation="relu", padding="valid", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="hidden")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="probabilities")(x))
