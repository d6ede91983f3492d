"""The design: the experiment read and checked, the main CNN's own value, its variants, and the whole design."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.design import (
    DEFAULT_EXPERIMENT,
    Design,
    Experiment,
    apply_variant,
    check_experiment,
    kernel_design,
    main_value,
    read_design,
    read_experiment,
    variant_name,
)
from analysis.errors import SpecError
from analysis.layers import DEFAULT_BASELINE, DEFAULT_CNN, read_network
from analysis.shapes import layer_shapes

from networks import CUSTOM_CNN_LAYERS, GOOD_BUILDER, WHERE, custom_cnn, read_cnn, write_builder


def test_the_default_experiment_is_the_kernel_sweep():
    assert DEFAULT_EXPERIMENT == Experiment("kernel", (3, 5, 7))
    assert main_value(DEFAULT_CNN, "kernel") == 3
    assert apply_variant(DEFAULT_CNN, "kernel", 3) == DEFAULT_CNN
    assert [variant_name("kernel", value) for value in DEFAULT_EXPERIMENT.values] == ["cnn_k3", "cnn_k5", "cnn_k7"]
    assert kernel_design((7, 3, 3)).experiment == Experiment("kernel", (3, 7))


def test_main_value_and_the_variant_equal_to_the_main_cnn():
    network = custom_cnn()
    assert main_value(network, "padding") == "same"
    assert main_value(network, "pooling") == "max"
    assert main_value(network, "dropout") == 0.3
    assert main_value(network, "width") == 1.0
    assert apply_variant(network, "pooling", "max") == network
    assert apply_variant(network, "width", 1) == network
    assert apply_variant(network, "dropout", 0.3) == network
    mixed = read_cnn(
        [{"type": "conv", "filters": 8, "kernel": 5}, {"type": "conv", "filters": 8, "kernel": 3}, {"type": "flatten"}]
    )
    assert main_value(mixed, "kernel") is None  # two kernel sizes: no variant is the main CNN


def test_read_experiment_orders_numbers_and_keeps_choices_as_given():
    assert read_experiment({"vary": "width", "values": [2, 0.5, 1]}, WHERE) == Experiment("width", (0.5, 1.0, 2.0))
    assert read_experiment({"vary": "pooling", "values": ["none", "max"]}, WHERE) == Experiment(
        "pooling", ("none", "max")
    )
    assert read_experiment({}, WHERE) == DEFAULT_EXPERIMENT


@pytest.mark.parametrize(
    "table, expected",
    [
        ({"vary": "kernels", "values": [3]}, "unknown experiment variable 'kernels'; did you mean 'kernel'?"),
        ({"vary": "kernel", "values": [3, "5"]}, 'values: "5" is not a whole number'),
        ({"vary": "kernel", "values": [3, 3]}, "values: 3 given more than once"),
        ({"vary": "width", "values": [1, 1.0]}, "given more than once"),
        ({"vary": "width", "values": [0, 1]}, "values: 0 is not a positive number"),
        ({"vary": "pooling", "values": ["max", "min"]}, "values: \"min\" is not one of 'max', 'avg', 'none'"),
        ({"vary": "dropout", "values": [0.2, 1]}, "values: 1 is not a number from 0 up to"),
        ({"vary": "padding"}, 'needs values = [...] for vary = "padding"'),
        ({"vary": "kernel", "values": []}, "values = []: expected a list such as [3, 5, 7]"),
        ({"vary": "kernel", "value": [3]}, "unknown key in [experiment] 'value'; did you mean 'values'?"),
    ],
)
def test_bad_experiments_are_one_line_errors(table, expected):
    with pytest.raises(SpecError) as caught:
        read_experiment(table, WHERE)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_an_experiment_that_shrinks_a_variant_to_nothing_fails_naming_the_value():
    # The default 3x3 CNN is fine; its 9x9 variant is too (28-8=20, 10, 2); a 11x11 one is not.
    check_experiment(DEFAULT_CNN, Experiment("kernel", (3, 9)), WHERE)
    with pytest.raises(
        SpecError,
        match=r"\[models.cnn\] with \[experiment\] kernel = 11, layer 3 \(conv2\): its 9×9 input is smaller than its 11×11 kernel",
    ):
        check_experiment(DEFAULT_CNN, Experiment("kernel", (3, 11)), WHERE)
    deep = read_cnn([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "maxpool"}] * 3 + [{"type": "flatten"}])
    with pytest.raises(SpecError, match="or set \\[experiment\\] vary and values to choose another experiment"):
        check_experiment(deep, DEFAULT_EXPERIMENT, WHERE, default=True)


@pytest.mark.parametrize(
    "table, expected",
    [
        ({"vary": "dropout", "values": [0.1, 0.5]}, "[models.cnn] has no dropout layer to vary"),
        ({"vary": "pooling", "values": ["max", "avg"]}, "has no maxpool or avgpool layer to vary"),
    ],
)
def test_an_experiment_variable_the_cnn_does_not_have_is_refused(table, expected):
    plain = read_cnn([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "flatten"}, {"type": "dense", "units": 16}])
    with pytest.raises(SpecError) as caught:
        check_experiment(plain, read_experiment(table, WHERE), WHERE)
    assert expected in str(caught.value)


def test_a_builder_is_varied_by_keyword_and_its_own_default_is_the_main_cnn(tmp_path):
    write_builder(tmp_path, GOOD_BUILDER)
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    assert main_value(network, "kernel") == 3 and main_value(network, "width") == 1.0
    assert apply_variant(network, "kernel", 3) == network  # the function's default: the main CNN itself
    assert apply_variant(network, "kernel", 5).builder.arguments == (("kernel", 5),)
    assert apply_variant(network, "kernel", 5).builder.call == "make_model(kernel=5)"
    assert layer_shapes(network) == []


def test_a_builder_without_the_experiments_keyword_is_refused(tmp_path):
    write_builder(tmp_path, "def make_model():\n    pass\n")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError, match=r"takes no 'kernel' argument; add one .*def make_model\(kernel=3\)"):
        check_experiment(network, DEFAULT_EXPERIMENT, WHERE)
    write_builder(tmp_path, "def make_model(dropout):\n    pass\n")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError, match=r"give 'dropout' a default"):
        main_value(network, "dropout")


def test_no_tables_is_the_course_design():
    design = read_design(None, None, WHERE, Path("."))
    assert design == Design() and design.is_default and design.main_name == "cnn_k3"
    assert list(design.networks()) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [(variant.name, variant.is_main) for variant in design.variants()] == [
        ("cnn_k3", True),
        ("cnn_k5", False),
        ("cnn_k7", False),
    ]
    assert read_design(None, {"vary": "kernel", "values": [5]}, WHERE, Path(".")).networks().keys() == {
        "baseline",
        "cnn_k3",
        "cnn_k5",
    }


def test_a_custom_design_with_a_pooling_experiment():
    design = read_design(
        {"cnn": {"layers": CUSTOM_CNN_LAYERS}}, {"vary": "pooling", "values": ["max", "avg", "none"]}, WHERE, Path(".")
    )
    assert not design.is_default and design.baseline == DEFAULT_BASELINE
    assert design.main_name == "cnn_pooling_max"
    assert list(design.networks()) == ["baseline", "cnn_pooling_max", "cnn_pooling_avg", "cnn_pooling_none"]
    assert design.networks()["cnn_pooling_max"] == design.cnn
    assert [shape.type for shape in layer_shapes(design.networks()["cnn_pooling_avg"])].count("avgpool") == 2
    # Every model knows its (variable, value): nothing decodes it from the name.
    assert [design.variant_of(name) for name in design.networks()] == [
        None,
        ("pooling", "max"),
        ("pooling", "avg"),
        ("pooling", "none"),
    ]


def test_a_cnn_none_of_whose_variants_is_itself_is_named_cnn():
    mixed = [
        {"type": "conv", "filters": 8, "kernel": 5},
        {"type": "conv", "filters": 8, "kernel": 3},
        {"type": "flatten"},
    ]
    design = read_design({"cnn": {"layers": mixed}}, {"vary": "kernel", "values": [3, 5]}, WHERE, Path("."))
    assert list(design.networks()) == ["baseline", "cnn", "cnn_k3", "cnn_k5"]
    assert design.variant_of("cnn") is None and design.variant_of("cnn_k5") == ("kernel", 5)


def test_design_errors_and_warnings():
    with pytest.raises(SpecError, match="unknown \\[models\\] table 'cnnn'; did you mean 'cnn'"):
        read_design({"cnnn": {}}, None, WHERE, Path("."))
    wide = {
        "layers": [
            {"type": "conv", "filters": 64, "kernel": 3, "padding": "same"},
            {"type": "flatten"},
            {"type": "dense", "units": 100},
        ]
    }
    design = read_design({"cnn": wide}, {"vary": "width", "values": [1, 2]}, WHERE, Path("."))
    assert len(design.warnings) == 2  # the CNN as written, and its double-width variant
    assert all("parameters (over 5,000,000)" in warning for warning in design.warnings)
