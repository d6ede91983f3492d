"""The architectures: parameter counts and shapes, computed by Keras from the models themselves."""

from __future__ import annotations

import pytest

from analysis.models import describe_layers, make_baseline, make_cnn


def test_baseline_has_the_course_parameter_count():
    # 784*128 + 128 + 128*10 + 10
    assert make_baseline().count_params() == 101_770


@pytest.mark.parametrize(
    "kernel_size, expected",
    [
        # conv1 32*(k*k+1), conv2 64*(32*k*k+1), dense 64*(flatten+1), output 650
        (3, 320 + 18_496 + 102_464 + 650),  # flatten 5*5*64 = 1600
        (5, 832 + 51_264 + 65_600 + 650),  # flatten 4*4*64 = 1024
        (7, 1_600 + 100_416 + 16_448 + 650),  # flatten 2*2*64 = 256
    ],
)
def test_cnn_parameter_counts(kernel_size, expected):
    assert make_cnn(kernel_size).count_params() == expected


def test_cnn_3x3_is_the_course_model():
    assert make_cnn(3).count_params() == 121_930


def test_feature_maps_shrink_with_valid_padding():
    shapes = {layer["name"]: layer["output_shape"] for layer in describe_layers(make_cnn(7))}
    assert shapes["conv1"] == [22, 22, 32]
    assert shapes["pool1"] == [11, 11, 32]
    assert shapes["conv2"] == [5, 5, 64]
    assert shapes["pool2"] == [2, 2, 64]
    assert shapes["flatten"] == [256]


def test_layer_parameters_add_up():
    layers = describe_layers(make_cnn(5))
    assert sum(layer["params"] for layer in layers) == make_cnn(5).count_params()


def test_a_students_own_conv2d_subclass_is_a_conv_layer_and_other_layers_keep_their_class_name():
    """The probes look for keras.layers.Conv2D (subclasses included), so the layer list must call the same layer conv."""
    import keras

    class WeightStandardizedConv2D(keras.layers.Conv2D):
        pass

    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.SeparableConv2D(4, 3, name="separable")(WeightStandardizedConv2D(4, 3, name="standardized")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="out")(keras.layers.Flatten(name="flat")(x)))
    assert [(layer["name"], layer["type"]) for layer in describe_layers(model)] == [
        (model.layers[0].name, "input"), ("standardized", "conv"), ("separable", "SeparableConv2D"), ("flat", "flatten"),
        ("out", "dense"),
    ]
