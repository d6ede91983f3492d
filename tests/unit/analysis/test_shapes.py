"""Shapes and parameter counts of a spec, in plain Python, against what Keras builds from networks written by hand."""

from __future__ import annotations

from dataclasses import replace

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.design import apply_variant
from analysis.errors import SpecError
from analysis.layers import DEFAULT_BASELINE, DEFAULT_CNN
from analysis.shapes import check_network, count_params, layer_shapes, receptive_field, summarize_network

from course import BASELINE_PARAMS, CNN_PARAMS, baseline_by_hand, cnn_by_hand
from networks import WHERE, custom_cnn, custom_cnn_by_hand, read_cnn


def keras_shapes(model: keras.Model) -> list[tuple[int, ...]]:
    return [tuple(layer.output.shape[1:]) for layer in model.layers]


@pytest.mark.parametrize(
    "network, reference, expected",
    [
        (DEFAULT_BASELINE, baseline_by_hand, BASELINE_PARAMS),
        *[
            (
                apply_variant(DEFAULT_CNN, "kernel", kernel),
                lambda kernel=kernel: cnn_by_hand(kernel),
                CNN_PARAMS[kernel],
            )
            for kernel in CNN_PARAMS
        ],
    ],
)
def test_the_course_networks_layer_by_layer_as_keras_counts_them(network, reference, expected):
    by_hand = reference()
    assert count_params(network) == by_hand.count_params() == expected
    assert [(shape.name, shape.output_shape, shape.params) for shape in layer_shapes(network)] == [
        (layer.name, tuple(layer.output.shape[1:]), layer.count_params()) for layer in by_hand.layers
    ]


def test_a_custom_cnn_counts_and_shapes_as_keras_builds_it_by_hand():
    network = custom_cnn()
    by_hand = custom_cnn_by_hand()
    assert count_params(network) == by_hand.count_params()
    assert [shape.output_shape for shape in layer_shapes(network)] == keras_shapes(by_hand)
    assert [shape.name for shape in layer_shapes(network)] == [
        "image",
        "conv1",
        "batchnorm",
        "pool1",
        "conv2",
        "pool2",
        "flatten",
        "hidden",
        "dropout",
        "probabilities",
    ]
    assert layer_shapes(network)[1].layer.why == "keep the border strokes"
    assert check_network(network, WHERE) == []


def test_strides_and_same_padding_follow_keras():
    network = read_cnn(
        [
            {"type": "conv", "filters": 4, "kernel": 3, "strides": 2},
            {"type": "conv", "filters": 4, "kernel": 5, "strides": 3, "padding": "same"},
            {"type": "avgpool", "size": 3},
            {"type": "globalavgpool"},
        ]
    )
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(4, 3, strides=2)(inputs)
    x = keras.layers.Conv2D(4, 5, strides=3, padding="same")(x)
    x = keras.layers.AveragePooling2D(3)(x)
    by_hand = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.GlobalAveragePooling2D()(x)))
    assert [shape.output_shape for shape in layer_shapes(network)] == keras_shapes(by_hand)
    assert count_params(network) == by_hand.count_params()


def test_the_receptive_field_widens_by_each_window_times_the_strides_before_it():
    assert receptive_field(DEFAULT_CNN) == 10 and receptive_field(apply_variant(DEFAULT_CNN, "kernel", 7)) == 22
    assert receptive_field(DEFAULT_BASELINE) is None


@pytest.mark.parametrize(
    "layer_list, expected",
    [
        # 28 -> 22 -> 11 -> 5 -> 2: a third 7x7 conv has nothing left to slide over.
        (
            [
                {"type": "conv", "filters": 8, "kernel": 7},
                {"type": "maxpool"},
                {"type": "conv", "filters": 8, "kernel": 7},
                {"type": "maxpool"},
                {"type": "conv", "filters": 8, "kernel": 7},
                {"type": "flatten"},
            ],
            "layer 5 (conv3): its 2×2 input is smaller than its 7×7 kernel with 'valid' padding, so the feature maps shrink to nothing",
        ),
        (
            [{"type": "conv", "filters": 8, "kernel": 3, "padding": "same"}]
            + [{"type": "maxpool", "size": 4}] * 3
            + [{"type": "flatten"}],
            "layer 4 (pool3): its 1×1 input is smaller than its 4×4 window",
        ),
        ([{"type": "conv", "filters": 8, "kernel": 3}], "the last layer leaves a 26×26×8 map"),
        (
            [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "dense", "units": 8}],
            "layer 2 (hidden): needs a flat input, but gets a 26×26×8 map",
        ),
        (
            [
                {"type": "conv", "filters": 8, "kernel": 3},
                {"type": "flatten"},
                {"type": "conv", "filters": 8, "kernel": 3},
            ],
            "layer 3 (conv2): needs an image-shaped input, but the layer before leaves a flat vector of 5,408",
        ),
    ],
)
def test_feature_maps_that_shrink_to_nothing_name_the_layer_and_the_sizes(layer_list, expected):
    with pytest.raises(SpecError) as caught:
        check_network(read_cnn(layer_list), WHERE)
    assert expected in str(caught.value)


def test_a_network_over_five_million_parameters_is_built_with_a_warning_giving_the_count():
    big = read_cnn(
        [
            {"type": "conv", "filters": 64, "kernel": 3, "padding": "same"},
            {"type": "flatten"},
            {"type": "dense", "units": 100},
        ]
    )
    expected = count_params(big)
    assert expected == (9 + 1) * 64 + (28 * 28 * 64 + 1) * 100 + 101 * 10 and expected > 5_000_000
    [warning] = check_network(big, WHERE)
    assert f"{expected:,} parameters" in warning and "over 5,000,000" in warning
    assert check_network(DEFAULT_CNN, WHERE) == []


def test_the_report_describes_each_layer_with_its_reason():
    summary = summarize_network(custom_cnn())
    assert summary["params"] == custom_cnn_by_hand().count_params()
    first = summary["layers"][1]
    assert first == {
        "name": "conv1",
        "type": "conv",
        "output_shape": [28, 28, 32],
        "params": 320,
        "filters": 32,
        "kernel": 3,
        "strides": 1,
        "padding": "same",
        "activation": "relu",
        "why": "keep the border strokes",
    }
    assert [(layer["type"], layer["why"]) for layer in (summary["layers"][0], summary["layers"][-1])] == [
        ("input", None),
        ("output", None),
    ]
    # A unit of pool2 sees 2×2 of conv2, i.e. 4×4 of pool1, i.e. 8×8 of conv1, each of which sees 3×3 pixels: 8 + 2.
    assert summary["receptive_field"] == 10


@pytest.mark.parametrize(
    "kernel_size, pool_size, field", [(3, 2, 10), (5, 2, 16), (7, 2, 22), (1, 2, 4), (3, 3, 17), (3, 1, 5)]
)
def test_receptive_field(kernel_size, pool_size, field):
    # conv k, pool p (stride p), conv k, pool p: 1 + (k-1) + (p-1) + (k-1)p + (p-1)p input pixels per side.
    network = apply_variant(DEFAULT_CNN, "kernel", kernel_size)
    network = replace(
        network,
        layers=tuple(replace(layer, size=pool_size) if layer.type == "maxpool" else layer for layer in network.layers),
    )
    assert receptive_field(network) == field


def _field_by_dependencies(kernel_size: int, pool_size: int) -> int:
    """Input pixels (along one side) that one unit after conv, pool, conv, pool depends on, traced layer by layer."""
    units = {0}
    for window, stride in reversed(
        ((kernel_size, 1), (pool_size, pool_size), (kernel_size, 1), (pool_size, pool_size))
    ):
        units = {unit * stride + offset for unit in units for offset in range(window)}
    return len(units)


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=4))
def test_receptive_field_is_what_one_unit_depends_on(kernel_size, pool_size):
    network = apply_variant(DEFAULT_CNN, "kernel", kernel_size)
    network = replace(
        network,
        layers=tuple(replace(layer, size=pool_size) if layer.type == "maxpool" else layer for layer in network.layers),
    )
    assert receptive_field(network) == _field_by_dependencies(kernel_size, pool_size)
