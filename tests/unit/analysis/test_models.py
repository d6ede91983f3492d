"""The Keras models: built from a spec name for name and weight for weight as the course notebook's code, or by a
student's builder function and checked; compiled with the protocol; described layer by layer."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from analysis.design import apply_variant
from analysis.errors import SpecError
from analysis.layers import ACTIVATIONS, DEFAULT_BASELINE, DEFAULT_CNN, read_network
from analysis.models import build_keras_model, describe_layers

import synthetic
from course import BASELINE, BASELINE_PARAMS, CNN_PARAMS, baseline_by_hand, cnn, cnn_by_hand
from networks import GOOD_BUILDER, WHERE, write_builder

# Every odd kernel size the course CNN's 'valid' maps leave room for.
COURSE_KERNEL_SIZES = (1, 3, 5, 7, 9)


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
def test_defaults_are_the_course_networks_name_for_name(network, reference, expected):
    by_hand, built = reference(), build_keras_model(network, "model")
    assert by_hand.count_params() == built.count_params() == expected
    assert [layer.name for layer in built.layers] == [layer.name for layer in by_hand.layers]


@pytest.mark.parametrize(
    "network, reference",
    [
        (DEFAULT_BASELINE, baseline_by_hand),
        (DEFAULT_CNN, cnn_by_hand),
        (apply_variant(DEFAULT_CNN, "kernel", 7), lambda: cnn_by_hand(7)),
    ],
)
def test_same_seed_same_weights_as_the_course_code_before_and_after_a_fit(network, reference):
    # The default build's numbers stay the same only if the spec builds the very same initial weights.
    keras.utils.set_random_seed(11)
    by_hand = reference()
    keras.utils.set_random_seed(11)
    built = build_keras_model(network, "model")
    for old, new in zip(by_hand.get_weights(), built.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    labels = np.arange(64) % 10
    fitted = []
    for model in (by_hand, built):
        keras.utils.set_random_seed(5)
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
        history = model.fit(images, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
        fitted.append((history.history["loss"], model.get_weights()))
    assert fitted[0][0] == fitted[1][0]
    for old, new in zip(fitted[0][1], fitted[1][1], strict=True):
        np.testing.assert_array_equal(old, new)


def keras_model(spec):
    """The model a build trains for ``spec``."""
    return build_keras_model(spec.network, spec.name)


def test_the_course_models_by_name():
    assert keras_model(BASELINE).count_params() == BASELINE_PARAMS
    assert {kernel: keras_model(cnn(kernel)).count_params() for kernel in CNN_PARAMS} == CNN_PARAMS


def test_feature_maps_shrink_with_valid_padding_and_layer_parameters_add_up():
    shapes = {layer["name"]: layer["output_shape"] for layer in describe_layers(keras_model(cnn(7)))}
    assert (shapes["conv1"], shapes["pool1"], shapes["conv2"], shapes["pool2"], shapes["flatten"]) == (
        [22, 22, 32],
        [11, 11, 32],
        [5, 5, 64],
        [2, 2, 64],
        [256],
    )
    layers = describe_layers(keras_model(cnn(5)))
    assert sum(layer["params"] for layer in layers) == CNN_PARAMS[5]


def test_every_activation_offered_is_one_keras_knows():
    for name in ACTIVATIONS:
        assert callable(keras.activations.get(name))


def test_a_students_own_conv2d_subclass_is_a_conv_layer_and_other_layers_keep_their_class_name():
    """The probes look for keras.layers.Conv2D (subclasses included), so the layer list must call the same layer conv."""

    class WeightStandardizedConv2D(keras.layers.Conv2D):
        pass

    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.SeparableConv2D(4, 3, name="separable")(
        WeightStandardizedConv2D(4, 3, name="standardized")(inputs)
    )
    model = keras.Model(
        inputs, keras.layers.Dense(10, activation="softmax", name="out")(keras.layers.Flatten(name="flat")(x))
    )
    assert [(layer["name"], layer["type"]) for layer in describe_layers(model)] == [
        (model.layers[0].name, "input"),
        ("standardized", "conv"),
        ("separable", "SeparableConv2D"),
        ("flat", "flatten"),
        ("out", "dense"),
    ]


# --- builder functions -------------------------------------------------------------------------------------------


def test_a_builder_is_called_with_the_experiments_value_as_a_keyword(tmp_path):
    write_builder(tmp_path, GOOD_BUILDER)
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    model = build_keras_model(apply_variant(network, "kernel", 5), "cnn_k5")
    assert model.name == "cnn_k5"
    assert model.count_params() == (25 + 1) * 16 + 17 * 10
    assert build_keras_model(network, "cnn").count_params() == (9 + 1) * 16 + 17 * 10


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            """
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(32, 32, 3))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
     """,
            "its input is 32 × 32 × 3, not 28 × 28 × 1",
        ),
        (
            """
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs)))
     """,
            "its output is 2, not 10",
        ),
        (
            """
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         x = keras.layers.Flatten()(keras.layers.Conv2D(4, kernel)(inputs))
         return keras.Model(inputs, keras.layers.Dense(10)(x))
     """,
            "are not probabilities",
        ),
        # A CNN the report could not read after training (no first conv layer's filters and feature maps).
        (
            """
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
     """,
            "is wrong: it has no Conv2D layer: a CNN needs at least one",
        ),
        # Its convolutions inside a nested model: the report describes the model's own layers.
        (
            """
     import keras
     def make_model(kernel=3):
         block = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(4, kernel), keras.layers.Flatten()])
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(block(inputs)))
     """,
            'it has no Conv2D layer: a CNN needs at least one, e.g. keras.layers.Conv2D(32, 3, activation="relu"), in the '
            "model itself (not inside a nested model)",
        ),
        (
            """
     def make_model(kernel=3):
         return "a model"
     """,
            "returned str, not a keras.Model",
        ),
        (
            """
     def make_model(kernel=3):
         return undefined_name
     """,
            "make_model(kernel=5) failed: NameError: name 'undefined_name' is not defined (my_net.py, line 3)",
        ),
        (
            """
     import not_a_module_anyone_has
     def make_model(kernel=3):
         pass
     """,
            "cannot load my_net.py: ModuleNotFoundError",
        ),
    ],
)
def test_a_builder_that_returns_the_wrong_model_says_what_is_wrong(tmp_path, body, expected):
    write_builder(tmp_path, body, name="my_net.py")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError) as caught:
        build_keras_model(apply_variant(network, "kernel", 5), "cnn_k5")
    assert expected in str(caught.value) and str(caught.value).startswith("my_net.py:make_model")


@pytest.mark.parametrize(
    "layer, refused",
    [
        ("keras.layers.Conv2D(4, 3)(inputs)", "it has convolution or pooling layers (conv2d)"),
        ("keras.layers.MaxPooling2D(2)(inputs)", "it has convolution or pooling layers (max_pooling2d)"),
        ("keras.layers.Rescaling(1.0)(inputs)", None),  # a layer on the image that sees no neighbourhood
    ],
)
def test_a_builders_baseline_is_refused_only_with_convolution_or_pooling(tmp_path, layer, refused):
    """The baseline is the fully-connected network the report sets against the CNN, as a spec baseline is."""
    write_builder(
        tmp_path,
        f"""
        import keras
        def make_model():
            inputs = keras.Input(shape=(28, 28, 1))
            x = {layer}
            return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x)))
        """,
        name="my_net.py",
    )
    network = read_network({"builder": "my_net.py:make_model"}, "baseline", WHERE, tmp_path)
    keras.backend.clear_session()  # Keras numbers unnamed layers per session: conv2d, not conv2d_3
    if refused is None:
        assert build_keras_model(network, "baseline").count_params() == 28 * 28 * 10 + 10
    else:
        with pytest.raises(SpecError, match=re.escape(refused) + ".*move them to \\[models.cnn\\]"):
            build_keras_model(network, "baseline")


def test_baseline_layers_match_the_hand_formulas():
    assert describe_layers(keras_model(BASELINE)) == synthetic.baseline_layers()


@pytest.mark.parametrize("kernel_size", COURSE_KERNEL_SIZES)
def test_cnn_layers_match_the_hand_formulas(kernel_size):
    """conv: filters x (k*k*inputs + 1); dense: units x (inputs + 1); 'valid' convs take k - 1, pools halve (floor)."""
    model = keras_model(cnn(kernel_size))
    assert describe_layers(model) == synthetic.cnn_layers(kernel_size)
    assert model.count_params() == sum(layer["params"] for layer in synthetic.cnn_layers(kernel_size))
