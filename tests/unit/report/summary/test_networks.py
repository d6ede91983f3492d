"""The networks block of report.json (the student's two networks, and what the wording needs of them), worked out by hand.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.layers import DEFAULT_CNN

import synthetic
from course import BASELINE_PARAMS, CNN_PARAMS
from synthetic import Scenario

# The course's CNN with its first conv/pool stage only: conv1, pool1, flatten, hidden.
ONE_CONV_CNN = replace(DEFAULT_CNN, layers=DEFAULT_CNN.layers[:2] + DEFAULT_CNN.layers[4:])


def test_networks_block_of_the_course_design(summary):
    networks = summary["networks"]
    assert networks["default"] is True
    base, cnn = networks["baseline"], networks["cnn"]
    assert (base["name"], base["params"], base["conv_layers"], base["pooling"], base["pool_sizes"]) == (
        "baseline",
        BASELINE_PARAMS,
        [],
        "none",
        [],
    )
    assert (cnn["name"], cnn["params"], cnn["conv_layers"], cnn["pooling"], cnn["pool_sizes"]) == (
        "cnn_k3",
        CNN_PARAMS[3],
        ["conv1", "conv2"],
        "max",
        [2],
    )
    assert cnn["receptive_field"] == 10 and base["receptive_field"] is None
    assert not any(network[key] for network in (base, cnn) for key in ("global_pool", "has_why", "custom"))
    assert [layer["type"] for layer in cnn["layers"]] == [
        "input",
        "conv",
        "maxpool",
        "conv",
        "maxpool",
        "flatten",
        "dense",
        "output",
    ]


@pytest.mark.parametrize(
    "pools, pooling", [(("max", "max"), "max"), (("avg", "avg"), "avg"), (("max", "avg"), "mixed")]
)
def test_networks_block_of_a_students_cnn(pools, pooling):
    """The student's CNN (same layer names, other pooling, a reason for one layer): what the wording turns on."""
    kinds = iter(pools)
    layers = tuple(
        replace(layer, type={"max": "maxpool", "avg": "avgpool"}[next(kinds)])
        if layer.type == "maxpool"
        else replace(layer, why="Edges first.")
        if layer.type == "conv" and layer.filters == 32
        else layer
        for layer in DEFAULT_CNN.layers
    )
    built = synthetic.build(Scenario())
    design = replace(built.trained.design, cnn=replace(DEFAULT_CNN, layers=layers))
    summary = replace(built, trained=replace(built.trained, design=design)).summary()
    networks = summary["networks"]
    # A reason changes no number: the course's layers with a reason are still the course's CNN.
    custom = pooling != "max"
    assert (
        networks["default"] is not custom
        and networks["cnn"]["custom"] is custom
        and networks["baseline"]["custom"] is False
    )
    assert networks["cnn"]["pooling"] == pooling and networks["cnn"]["pool_sizes"] == [2]
    assert networks["cnn"]["has_why"] is True and networks["baseline"]["has_why"] is False
    assert [layer["type"] for layer in summary["models"]["cnn_k3"]["layers"]][2] == {
        "max": "maxpool",
        "avg": "avgpool",
    }[pools[0]]
    # The experiment's feature maps follow every conv and pooling layer, whichever kind of pooling it is.
    for variant in summary["experiment"]["variants"]:
        assert [layer["name"] for layer in variant["feature_maps"]] == ["conv1", "pool1", "conv2", "pool2"]


def test_a_builders_cnn_is_described_by_the_model_keras_built():
    """A network from a builder function has no layer specs: its layers and parameters are the trained model's."""
    summary = synthetic.build(Scenario(params={"cnn_k3": 123_456})).with_builder_cnn().summary()
    cnn = summary["networks"]["cnn"]
    assert (cnn["name"], cnn["builder"], cnn["params"], cnn["custom"]) == ("cnn_k3", "cnn.py:make_cnn", 123_456, True)
    assert cnn["conv_layers"] == ["conv1", "conv2"] and cnn["pooling"] == "max" and cnn["receptive_field"] is None
    assert [layer["output_shape"] for layer in cnn["layers"]][1] == [26, 26, 32]
    assert summary["models"]["cnn_k3"]["layers"][-1]["type"] == "output"


@pytest.mark.parametrize("head, global_pool", [("flatten", False), ("globalavgpool", True)])
def test_the_networks_block_says_whether_the_cnn_ends_in_a_global_pool(head, global_pool):
    """The wording about what reaches the dense head turns on a global average pool in place of flatten."""
    layers = tuple(replace(layer, type=head) if layer.type == "flatten" else layer for layer in DEFAULT_CNN.layers)
    cnn = replace(DEFAULT_CNN, layers=layers)
    networks = synthetic.build(Scenario(vary="width", kernels={1: (12, 10, 8), 2: (9, 8, 7)}, cnn=cnn)).summary()[
        "networks"
    ]
    assert networks["cnn"]["global_pool"] is global_pool and networks["baseline"]["global_pool"] is False


def test_what_the_wording_about_each_network_needs(summary):
    base, cnn = summary["networks"]["baseline"], summary["networks"]["cnn"]
    # 3x3 'valid': 28 -> 26 (conv1) -> 13 (pool1) -> 11 (conv2) -> 5 (pool2), 64 channels reach the dense head.
    assert cnn["last_map"] == [5, 5, 64] and base["last_map"] is None
    assert cnn["conv_positions"] == {"conv1": 26 * 26, "conv2": 11 * 11} and base["conv_positions"] == {}
    assert cnn["stacked_convs"] is True and base["stacked_convs"] is False


def test_a_cnn_with_one_conv_layer_stacks_none_and_shows_one_layers_maps():
    summary = synthetic.build(
        Scenario(vary="width", kernels={1: (12, 10, 8), 2: (9, 8, 7)}, cnn=ONE_CONV_CNN)
    ).summary()
    cnn = summary["networks"]["cnn"]
    # conv1 3x3 'valid' then pool1 2x2: 28 -> 26 -> 13, 32 channels.
    assert cnn["stacked_convs"] is False and cnn["last_map"] == [13, 13, 32] and cnn["conv_positions"] == {"conv1": 676}
    inside = summary["probes"]["inside"]
    assert inside["layers"] == ["conv1"] and inside["two_layers"] is False


def test_a_builders_maps_need_not_be_square(oblong_conv1):
    """A builder may use a 3×5 kernel: conv1's positions are its output's height × width, 26 × 24, not 24 × 24."""
    summary = synthetic.build(Scenario()).with_builder_cnn().summary()
    assert summary["networks"]["cnn"]["conv_positions"]["conv1"] == 26 * 24


def test_a_cnn_whose_only_map_is_its_first_layers_hands_that_map_on():
    """conv1 then flatten: the dense head receives conv1's 26×26×32 map (the input's own map is not one)."""
    conv_then_dense = replace(DEFAULT_CNN, layers=DEFAULT_CNN.layers[:1] + DEFAULT_CNN.layers[4:])
    networks = synthetic.build(
        Scenario(vary="width", kernels={1: (12, 10, 8), 2: (9, 8, 7)}, cnn=conv_then_dense)
    ).summary()["networks"]
    assert networks["cnn"]["last_map"] == [26, 26, 32] and networks["baseline"]["last_map"] is None
