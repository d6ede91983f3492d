"""The layer spec: a project file's networks read field by field, and the course's networks described as always."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.design import apply_variant
from analysis.errors import ProjectError, SpecError
from analysis.layers import DEFAULT_BASELINE, DEFAULT_CNN, course_cnn, read_network

from networks import WHERE, custom_cnn


def test_the_course_networks_keep_their_cache_descriptions():
    # The cache keys of every result trained from the course's networks depend on these descriptions.
    assert DEFAULT_BASELINE.describe() == {"architecture": "baseline", "kernel_size": None}
    for kernel in (1, 2, 3, 5, 7, 9):
        assert course_cnn(kernel).describe() == {"architecture": "cnn", "kernel_size": kernel}
        assert apply_variant(DEFAULT_CNN, "kernel", kernel) == course_cnn(kernel)
    # Anything else is described by its layers, without the student's reasons (they change no number).
    described = custom_cnn().describe()
    assert described["architecture"] == "cnn" and described["layers"][0] == {
        "type": "conv",
        "filters": 32,
        "kernel": 3,
        "strides": 1,
        "padding": "same",
        "activation": "relu",
    }
    assert apply_variant(DEFAULT_CNN, "width", 2).describe() != DEFAULT_CNN.describe()
    # A student's network that equals the course's in everything but its reasons is the course's network.
    why = read_network(
        {"layers": [{"type": "flatten", "why": "pixels in a row"}, {"type": "dense", "units": 128}]},
        "baseline",
        WHERE,
        Path("."),
    )
    assert why.describe() == DEFAULT_BASELINE.describe() and why.layers[0].why == "pixels in a row"


def test_defaults_are_filled_in_and_rates_are_floats():
    network = read_network(
        {"layers": [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "dropout", "rate": 0}, {"type": "flatten"}]},
        "cnn",
        WHERE,
        Path("."),
    )
    conv, dropout, _ = network.layers
    assert (conv.strides, conv.padding, conv.activation) == (1, "valid", "relu")
    assert dropout.rate == 0.0 and isinstance(dropout.rate, float)


@pytest.mark.parametrize(
    "table, expected",
    [
        (
            {"layers": [{"type": "convolution", "filters": 8, "kernel": 3}]},
            "unknown layer type 'convolution'; did you mean 'conv'?",
        ),
        (
            {"layers": [{"type": "conv", "filters": 8, "kernal": 3}]},
            "unknown field 'kernal'; did you mean 'kernel'? Valid: type, filters, kernel",
        ),
        ({"layers": [{"filters": 8}]}, "layer 1: missing type"),
        ({"layers": [{"type": "conv", "filters": 8}]}, "layer 1 (conv): missing kernel"),
        ({"layers": [{"type": "conv", "filters": "32", "kernel": 3}]}, 'filters = "32" is not a whole number'),
        ({"layers": [{"type": "conv", "filters": 32, "kernel": 3.5}]}, "kernel = 3.5 is not a whole number"),
        ({"layers": [{"type": "conv", "filters": True, "kernel": 3}]}, "filters = true is not a whole number"),
        (
            {"layers": [{"type": "conv", "filters": 8, "kernel": 3, "padding": "full"}]},
            "padding = \"full\" is not one of 'valid', 'same'",
        ),
        (
            {"layers": [{"type": "conv", "filters": 8, "kernel": 3, "activation": "softmax"}]},
            'activation = "softmax" is not one of the activations relu',
        ),
        (
            {"layers": [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "dropout", "rate": 1.5}]},
            "rate = 1.5 is not a number from 0",
        ),
        ({"layers": [{"type": "conv", "filters": 8, "kernel": 3, "why": 3}]}, "why = 3 is not text"),
        ({"layers": {"type": "conv"}}, "layers must be a list of tables"),
        ({"layers": ["conv"]}, "layer 1: expected a table such as"),
        ({"layers": [{"type": "dense", "units": 10}]}, "no conv layer"),
        ({"layer": []}, "unknown key in [models.cnn] 'layer'; did you mean 'layers'?"),
        ({}, "needs either layers = [...] or builder"),
    ],
)
def test_bad_layer_specs_are_one_line_errors_naming_the_place(table, expected):
    with pytest.raises(SpecError) as caught:
        read_network(table, "cnn", WHERE, Path("."))
    message = str(caught.value)
    assert expected in message and message.startswith(WHERE) and "\n" not in message
    assert isinstance(caught.value, ProjectError)  # exit code 2 at the command line, one line


@pytest.mark.parametrize(
    "layer", [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "maxpool"}, {"type": "globalavgpool"}]
)
def test_a_baseline_that_looks_at_neighbourhoods_is_refused(layer):
    with pytest.raises(
        SpecError,
        match=r"\[models.baseline\]: the baseline is the fully-connected network .*can be flatten, "
        f"dense, dropout, batchnorm; move the {layer['type']} layer to \\[models.cnn\\]",
    ):
        read_network({"layers": [layer, {"type": "flatten"}]}, "baseline", WHERE, Path("."))
