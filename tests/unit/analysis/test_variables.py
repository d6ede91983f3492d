"""The table of experiment variables: each row's rule, naming and wording, and the networks its values make in Keras."""

from __future__ import annotations

import pytest

from analysis.design import apply_variant, read_experiment, variant_name
from analysis.models import build_keras_model
from analysis.shapes import count_params, layer_shapes
from analysis.variables import VARIABLES

from networks import WHERE, custom_cnn, custom_cnn_by_hand


@pytest.mark.parametrize("name", list(VARIABLES))
def test_every_row_is_complete_and_its_examples_follow_its_own_rule(name):
    variable = VARIABLES[name]
    assert variable.name == name and variable.changes and variable.layer_types and variable.needs
    assert variable.column and variable.phrase and variable.title
    # A row either sets one field of its layers, or says how to apply a value and how to read the CNN's own.
    assert (variable.sets is None) == (variable.apply is not None) == (variable.own is not None)
    assert all(variable.is_valid(value) for value in variable.examples)
    # The examples read as an experiment of their own, in the order the variable keeps them.
    experiment = read_experiment({"vary": name, "values": list(variable.examples)}, WHERE)
    assert list(experiment.values) == (sorted(experiment.values) if variable.ordered else list(variable.examples))
    for value in experiment.values:
        assert variable.model_key(value).isidentifier() and variable.model_key(value).startswith("cnn_")
        # Each value is named: a word of its own, or the value itself in the model's label.
        assert value in variable.named or "%(value)s" in variable.model_label


def test_variant_names_are_identifiers():
    assert variant_name("width", 0.5) == "cnn_width_0_5"
    assert variant_name("width", 2.0) == "cnn_width_2"
    assert variant_name("pooling", "none") == "cnn_pooling_none"
    assert variant_name("dropout", 0.25) == "cnn_dropout_0_25"
    assert variant_name("dropout", 0.0) == "cnn_dropout_0"
    assert all(
        variant_name(vary, value).isidentifier()
        for vary, value in (("padding", "same"), ("activation", "leaky_relu"), ("kernel", 7))
    )


@pytest.mark.parametrize(
    "vary, value, reference",
    [
        ("kernel", 5, lambda: custom_cnn_by_hand(kernel=5)),
        ("width", 0.5, lambda: custom_cnn_by_hand(filters=(16, 32))),
        ("width", 2, lambda: custom_cnn_by_hand(filters=(64, 128))),
        ("pooling", "avg", lambda: custom_cnn_by_hand(pool="avg")),
        ("pooling", "none", lambda: custom_cnn_by_hand(pool=None)),
        ("padding", "valid", lambda: custom_cnn_by_hand(padding="valid")),
        ("activation", "tanh", lambda: custom_cnn_by_hand(activation="tanh")),
        ("dropout", 0.5, lambda: custom_cnn_by_hand(rate=0.5)),
    ],
)
def test_every_experiment_variable_builds_the_network_keras_builds_by_hand(vary, value, reference):
    variant = apply_variant(custom_cnn(), vary, value)
    by_hand, built = reference(), build_keras_model(variant, variant_name(vary, value))
    assert count_params(variant) == by_hand.count_params() == built.count_params()
    shapes = [tuple(layer.output.shape[1:]) for layer in by_hand.layers]
    assert (
        [shape.output_shape for shape in layer_shapes(variant)]
        == shapes
        == [tuple(layer.output.shape[1:]) for layer in built.layers]
    )
    # What changes no parameter count must still reach Keras: the layer classes and their settings.
    assert [type(layer).__name__ for layer in built.layers] == [type(layer).__name__ for layer in by_hand.layers]
    settings = ("activation", "padding", "rate", "pool_size")
    assert [{key: value for key, value in layer.get_config().items() if key in settings} for layer in built.layers] == [
        {key: value for key, value in layer.get_config().items() if key in settings} for layer in by_hand.layers
    ]
