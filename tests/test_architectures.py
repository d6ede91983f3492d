"""Networks from the project file: the spec's checks, its shape arithmetic against Keras, and the course's defaults.

The references are Keras models written out by hand here, as a student would
in a notebook: parameter counts and shapes are Keras's own, never the spec
module's arithmetic checked against itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from analysis.architectures import (
    ACTIVATIONS,
    DEFAULT_BASELINE,
    DEFAULT_CNN,
    DEFAULT_EXPERIMENT,
    Design,
    Experiment,
    Network,
    apply_variant,
    build_keras_model,
    check_experiment,
    check_network,
    count_params,
    layer_shapes,
    main_value,
    read_design,
    read_experiment,
    read_network,
    receptive_field,
    summarize_network,
    variant_name,
)
from analysis.errors import ProjectError, SpecError

WHERE = "cnn-report.toml"


def course_baseline() -> keras.Model:
    """The course notebook's baseline, by hand."""
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(128, activation="relu", name="hidden")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="probabilities")(x))


def course_cnn(kernel: int = 3) -> keras.Model:
    """The course notebook's CNN, by hand (the code cnn-report's make_cnn had before networks became specs)."""
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(32, kernel, activation="relu", padding="valid", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, kernel, activation="relu", padding="valid", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="hidden")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="probabilities")(x))


# The example: 'same' padding, batch normalisation after the first conv, dense 32 and dropout 0.3.
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


def custom_cnn_by_hand(kernel=3, filters=(32, 64), pool=layers.MaxPooling2D, padding="same", activation="relu",
                       rate=0.3) -> keras.Model:
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters[0], kernel, padding=padding, activation=activation)(inputs)
    x = layers.BatchNormalization()(x)
    x = pool(2)(x) if pool else x
    x = layers.Conv2D(filters[1], kernel, padding=padding, activation=activation)(x)
    x = pool(2)(x) if pool else x
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation=activation)(x)
    x = layers.Dropout(rate)(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def custom_cnn() -> Network:
    return read_network({"layers": CUSTOM_CNN_LAYERS}, "cnn", WHERE, Path("."))


def keras_shapes(model: keras.Model) -> list[tuple[int, ...]]:
    return [tuple(layer.output.shape[1:]) for layer in model.layers]


# --- the course's networks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("network, reference, expected", [
    (DEFAULT_BASELINE, course_baseline, 101_770),
    (DEFAULT_CNN, course_cnn, 121_930),
    (apply_variant(DEFAULT_CNN, "kernel", 5), lambda: course_cnn(5), 118_346),
    (apply_variant(DEFAULT_CNN, "kernel", 7), lambda: course_cnn(7), 119_114),
])
def test_defaults_are_the_course_networks_name_for_name(network, reference, expected):
    by_hand = reference()
    built = build_keras_model(network, "model")
    assert count_params(network) == by_hand.count_params() == built.count_params() == expected
    assert [layer.name for layer in built.layers] == [layer.name for layer in by_hand.layers]
    assert [(shape.name, shape.output_shape, shape.params) for shape in layer_shapes(network)] == [
        (layer.name, tuple(layer.output.shape[1:]), layer.count_params()) for layer in by_hand.layers
    ]


@pytest.mark.parametrize("network, reference", [
    (DEFAULT_BASELINE, course_baseline), (DEFAULT_CNN, course_cnn), (apply_variant(DEFAULT_CNN, "kernel", 7), lambda: course_cnn(7)),
])
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


def test_the_course_networks_keep_their_cache_descriptions():
    # The descriptions results were cached under before specs existed: existing caches stay valid.
    assert DEFAULT_BASELINE.describe() == {"architecture": "baseline", "kernel_size": None}
    for kernel in (1, 3, 5, 7, 9):
        assert apply_variant(DEFAULT_CNN, "kernel", kernel).describe() == {"architecture": "cnn", "kernel_size": kernel}
    # Anything else is described by its layers, without the student's reasons (they change no number).
    described = custom_cnn().describe()
    assert described["architecture"] == "cnn" and described["layers"][0] == {
        "type": "conv", "filters": 32, "kernel": 3, "strides": 1, "padding": "same", "activation": "relu"}
    assert apply_variant(DEFAULT_CNN, "width", 2).describe() != DEFAULT_CNN.describe()


def test_the_default_experiment_is_the_kernel_sweep():
    assert DEFAULT_EXPERIMENT == Experiment("kernel", (3, 5, 7))
    assert main_value(DEFAULT_CNN, "kernel") == 3
    assert apply_variant(DEFAULT_CNN, "kernel", 3) == DEFAULT_CNN
    assert [variant_name("kernel", value) for value in DEFAULT_EXPERIMENT.values] == ["cnn_k3", "cnn_k5", "cnn_k7"]
    assert receptive_field(DEFAULT_CNN) == 10 and receptive_field(apply_variant(DEFAULT_CNN, "kernel", 7)) == 22


# --- a student's own networks ------------------------------------------------------------------------------------


def test_a_custom_cnn_counts_and_shapes_as_keras_builds_it_by_hand():
    network = custom_cnn()
    by_hand = custom_cnn_by_hand()
    built = build_keras_model(network, "mine")
    assert count_params(network) == by_hand.count_params() == built.count_params()
    assert [shape.output_shape for shape in layer_shapes(network)] == keras_shapes(by_hand)
    assert [shape.name for shape in layer_shapes(network)] == [
        "image", "conv1", "batchnorm", "pool1", "conv2", "pool2", "flatten", "hidden", "dropout", "probabilities"]
    assert layer_shapes(network)[1].layer.why == "keep the border strokes"
    assert check_network(network, WHERE) == []


@pytest.mark.parametrize("vary, value, reference", [
    ("kernel", 5, lambda: custom_cnn_by_hand(kernel=5)),
    ("width", 0.5, lambda: custom_cnn_by_hand(filters=(16, 32))),
    ("width", 2, lambda: custom_cnn_by_hand(filters=(64, 128))),
    ("pooling", "avg", lambda: custom_cnn_by_hand(pool=layers.AveragePooling2D)),
    ("pooling", "none", lambda: custom_cnn_by_hand(pool=None)),
    ("padding", "valid", lambda: custom_cnn_by_hand(padding="valid")),
    ("activation", "tanh", lambda: custom_cnn_by_hand(activation="tanh")),
    ("dropout", 0.5, lambda: custom_cnn_by_hand(rate=0.5)),
])
def test_every_experiment_variable_builds_the_network_keras_builds_by_hand(vary, value, reference):
    variant = apply_variant(custom_cnn(), vary, value)
    by_hand, built = reference(), build_keras_model(variant, variant_name(vary, value))
    assert count_params(variant) == by_hand.count_params() == built.count_params()
    assert [shape.output_shape for shape in layer_shapes(variant)] == keras_shapes(by_hand) == keras_shapes(built)
    # What changes no parameter count must still reach Keras: the layer classes and their settings.
    assert [type(layer).__name__ for layer in built.layers] == [type(layer).__name__ for layer in by_hand.layers]
    settings = ("activation", "padding", "rate", "pool_size")
    assert [{key: value for key, value in layer.get_config().items() if key in settings} for layer in built.layers] == [
        {key: value for key, value in layer.get_config().items() if key in settings} for layer in by_hand.layers]


def test_main_value_and_the_variant_equal_to_the_main_cnn():
    network = custom_cnn()
    assert main_value(network, "padding") == "same"
    assert main_value(network, "pooling") == "max"
    assert main_value(network, "dropout") == 0.3
    assert main_value(network, "width") == 1.0
    assert apply_variant(network, "pooling", "max") == network
    assert apply_variant(network, "width", 1) == network
    assert apply_variant(network, "dropout", 0.3) == network
    mixed = read_network({"layers": [{"type": "conv", "filters": 8, "kernel": 5}, {"type": "conv", "filters": 8, "kernel": 3},
                                     {"type": "flatten"}]}, "cnn", WHERE, Path("."))
    assert main_value(mixed, "kernel") is None  # two kernel sizes: no variant is the main CNN


def test_variant_names_are_identifiers():
    assert variant_name("width", 0.5) == "cnn_width_0_5"
    assert variant_name("width", 2.0) == "cnn_width_2"
    assert variant_name("pooling", "none") == "cnn_pooling_none"
    assert variant_name("dropout", 0.25) == "cnn_dropout_0_25"
    assert all(variant_name(vary, value).isidentifier()
               for vary, value in (("padding", "same"), ("activation", "leaky_relu"), ("kernel", 7)))


def test_every_activation_offered_is_one_keras_knows():
    for name in ACTIVATIONS:
        assert callable(keras.activations.get(name))


def test_read_experiment_orders_numbers_and_keeps_choices_as_given():
    assert read_experiment({"vary": "width", "values": [2, 0.5, 1]}, WHERE) == Experiment("width", (0.5, 1.0, 2.0))
    assert read_experiment({"vary": "pooling", "values": ["none", "max"]}, WHERE) == Experiment("pooling", ("none", "max"))
    assert read_experiment({}, WHERE) == DEFAULT_EXPERIMENT


# --- every bad spec has its one-line error, before TensorFlow ----------------------------------------------------


def read_cnn(layer_list) -> Network:
    return read_network({"layers": layer_list}, "cnn", WHERE, Path("."))


@pytest.mark.parametrize("table, expected", [
    ({"layers": [{"type": "convolution", "filters": 8, "kernel": 3}]}, "unknown layer type 'convolution'; did you mean 'conv'?"),
    ({"layers": [{"type": "conv", "filters": 8, "kernal": 3}]}, "unknown field 'kernal'; did you mean 'kernel'? Valid: type, filters, kernel"),
    ({"layers": [{"filters": 8}]}, "layer 1: missing type"),
    ({"layers": [{"type": "conv", "filters": 8}]}, "layer 1 (conv): missing kernel"),
    ({"layers": [{"type": "conv", "filters": "32", "kernel": 3}]}, 'filters = "32" is not a whole number'),
    ({"layers": [{"type": "conv", "filters": 32, "kernel": 3.5}]}, "kernel = 3.5 is not a whole number"),
    ({"layers": [{"type": "conv", "filters": True, "kernel": 3}]}, "filters = true is not a whole number"),
    ({"layers": [{"type": "conv", "filters": 8, "kernel": 3, "padding": "full"}]}, "padding = \"full\" is not one of 'valid', 'same'"),
    ({"layers": [{"type": "conv", "filters": 8, "kernel": 3, "activation": "softmax"}]}, 'activation = "softmax" is not one of the activations relu'),
    ({"layers": [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "dropout", "rate": 1.5}]}, "rate = 1.5 is not a number from 0"),
    ({"layers": [{"type": "conv", "filters": 8, "kernel": 3, "why": 3}]}, "why = 3 is not text"),
    ({"layers": {"type": "conv"}}, "layers must be a list of tables"),
    ({"layers": ["conv"]}, 'layer 1: expected a table such as'),
    ({"layers": [{"type": "dense", "units": 10}]}, "no conv layer"),
    ({"layer": []}, "unknown key in [models.cnn] 'layer'; did you mean 'layers'?"),
    ({}, "needs either layers = [...] or builder"),
])
def test_bad_layer_specs_are_one_line_errors_naming_the_place(table, expected):
    with pytest.raises(SpecError) as caught:
        read_network(table, "cnn", WHERE, Path("."))
    message = str(caught.value)
    assert expected in message and message.startswith(WHERE) and "\n" not in message
    assert isinstance(caught.value, ProjectError)  # exit code 2 at the command line, one line


@pytest.mark.parametrize("layer", [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "maxpool"}, {"type": "globalavgpool"}])
def test_a_baseline_that_looks_at_neighbourhoods_is_refused(layer):
    with pytest.raises(SpecError, match=r"\[models.baseline\]: the baseline is the fully-connected network .*can be flatten, "
                                        f"dense, dropout, batchnorm; move the {layer['type']} layer to \\[models.cnn\\]"):
        read_network({"layers": [layer, {"type": "flatten"}]}, "baseline", WHERE, Path("."))


@pytest.mark.parametrize("layer_list, expected", [
    # 28 -> 22 -> 11 -> 5 -> 2: a third 7x7 conv has nothing left to slide over.
    ([{"type": "conv", "filters": 8, "kernel": 7}, {"type": "maxpool"}, {"type": "conv", "filters": 8, "kernel": 7},
      {"type": "maxpool"}, {"type": "conv", "filters": 8, "kernel": 7}, {"type": "flatten"}],
     "layer 5 (conv3): its 2×2 input is smaller than its 7×7 kernel with 'valid' padding, so the feature maps shrink to nothing"),
    ([{"type": "conv", "filters": 8, "kernel": 3, "padding": "same"}] + [{"type": "maxpool", "size": 4}] * 3 + [{"type": "flatten"}],
     "layer 4 (pool3): its 1×1 input is smaller than its 4×4 window"),
    ([{"type": "conv", "filters": 8, "kernel": 3}], "the last layer leaves a 26×26×8 map"),
    ([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "dense", "units": 8}], "layer 2 (hidden): needs a flat input, but gets a 26×26×8 map"),
    ([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "flatten"}, {"type": "conv", "filters": 8, "kernel": 3}],
     "layer 3 (conv2): needs an image-shaped input, but the layer before leaves a flat vector of 5,408"),
])
def test_feature_maps_that_shrink_to_nothing_name_the_layer_and_the_sizes(layer_list, expected):
    with pytest.raises(SpecError) as caught:
        check_network(read_cnn(layer_list), WHERE)
    assert expected in str(caught.value)


def test_an_experiment_that_shrinks_a_variant_to_nothing_fails_naming_the_value():
    # The default 3x3 CNN is fine; its 9x9 variant is too (28-8=20, 10, 2); a 11x11 one is not.
    check_experiment(DEFAULT_CNN, Experiment("kernel", (3, 9)), WHERE)
    with pytest.raises(SpecError, match=r"\[models.cnn\] with \[experiment\] kernel = 11, layer 3 \(conv2\): its 9×9 input is smaller than its 11×11 kernel"):
        check_experiment(DEFAULT_CNN, Experiment("kernel", (3, 11)), WHERE)
    deep = read_cnn([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "maxpool"}] * 3 + [{"type": "flatten"}])
    with pytest.raises(SpecError, match="or set \\[experiment\\] vary and values to choose another experiment"):
        check_experiment(deep, DEFAULT_EXPERIMENT, WHERE, default=True)


@pytest.mark.parametrize("table, expected", [
    ({"vary": "dropout", "values": [0.1, 0.5]}, "[models.cnn] has no dropout layer to vary"),
    ({"vary": "pooling", "values": ["max", "avg"]}, "has no maxpool or avgpool layer to vary"),
])
def test_an_experiment_variable_the_cnn_does_not_have_is_refused(table, expected):
    plain = read_cnn([{"type": "conv", "filters": 8, "kernel": 3}, {"type": "flatten"}, {"type": "dense", "units": 16}])
    with pytest.raises(SpecError) as caught:
        check_experiment(plain, read_experiment(table, WHERE), WHERE)
    assert expected in str(caught.value)


@pytest.mark.parametrize("table, expected", [
    ({"vary": "kernels", "values": [3]}, "unknown experiment variable 'kernels'; did you mean 'kernel'?"),
    ({"vary": "kernel", "values": [3, "5"]}, 'values: "5" is not a whole number'),
    ({"vary": "kernel", "values": [3, 3]}, "values: 3 given more than once"),
    ({"vary": "width", "values": [1, 1.0]}, "given more than once"),
    ({"vary": "width", "values": [0, 1]}, "values: 0 is not a positive number"),
    ({"vary": "pooling", "values": ["max", "min"]}, "values: \"min\" is not one of 'max', 'avg', 'none'"),
    ({"vary": "dropout", "values": [0.2, 1]}, "values: 1 is not a number from 0 up to"),
    ({"vary": "padding"}, "needs values = [...] for vary = \"padding\""),
    ({"vary": "kernel", "values": []}, "values = []: expected a list such as [3, 5, 7]"),
    ({"vary": "kernel", "value": [3]}, "unknown key in [experiment] 'value'; did you mean 'values'?"),
])
def test_bad_experiments_are_one_line_errors(table, expected):
    with pytest.raises(SpecError) as caught:
        read_experiment(table, WHERE)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_network_over_five_million_parameters_is_built_with_a_warning_giving_the_count():
    big = read_cnn([{"type": "conv", "filters": 64, "kernel": 3, "padding": "same"}, {"type": "flatten"},
                    {"type": "dense", "units": 100}])
    expected = count_params(big)
    assert expected == (9 + 1) * 64 + (28 * 28 * 64 + 1) * 100 + 101 * 10 and expected > 5_000_000
    [warning] = check_network(big, WHERE)
    assert f"{expected:,} parameters" in warning and "over 5,000,000" in warning
    assert check_network(DEFAULT_CNN, WHERE) == []


def test_checking_specs_never_imports_tensorflow(tmp_path):
    # A cached rebuild must stay free of TensorFlow's import: everything up to building a model is plain Python.
    (tmp_path / "net.py").write_text("import keras\n\ndef make_model(kernel=3):\n    raise RuntimeError\n")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from analysis.architectures import *
        cnn = read_network({{"layers": {CUSTOM_CNN_LAYERS!r}}}, "cnn", "f", Path("."))
        check_experiment(cnn, read_experiment({{"vary": "pooling", "values": ["max", "avg", "none"]}}, "f"), "f")
        built = read_network({{"builder": "net.py:make_model"}}, "cnn", "f", Path({str(tmp_path)!r}))
        check_experiment(built, DEFAULT_EXPERIMENT, "f")
        for variant in (apply_variant(cnn, "width", 2), apply_variant(built, "kernel", 5)):
            variant.describe()
        print(sorted(name for name in ("tensorflow", "keras") if name in sys.modules))
    """)
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1])
    assert finished.stdout.strip() == "[]"


# --- builder functions -------------------------------------------------------------------------------------------


def write_builder(folder: Path, body: str, name: str = "my_net.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


GOOD_BUILDER = """
    import keras
    from keras import layers

    def make_model(kernel=3, width=1.0):
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(int(16 * width), kernel, activation="relu")(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
"""


def test_a_builder_is_called_with_the_experiments_value_as_a_keyword(tmp_path):
    write_builder(tmp_path, GOOD_BUILDER)
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    assert main_value(network, "kernel") == 3 and main_value(network, "width") == 1.0
    assert apply_variant(network, "kernel", 3) == network  # the function's default: the main CNN itself
    model = build_keras_model(apply_variant(network, "kernel", 5), "cnn_k5")
    assert model.name == "cnn_k5"
    assert model.count_params() == (25 + 1) * 16 + 17 * 10
    assert build_keras_model(network, "cnn").count_params() == (9 + 1) * 16 + 17 * 10
    assert layer_shapes(network) == [] and count_params(network) is None


def test_the_builder_files_content_is_in_the_description(tmp_path):
    path = write_builder(tmp_path, GOOD_BUILDER)
    before = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path).describe()
    path.write_text(path.read_text() + "\n# edited\n")
    after = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path).describe()
    assert before != after and before["builder"]["function"] == "make_model"


@pytest.mark.parametrize("value, files, expected", [
    ("my_net.py", {}, 'expected "file.py:function"'),
    ("missing.py:make_model", {}, "no such file"),
    ("my_net.py:build", {"my_net.py": GOOD_BUILDER}, "my_net.py defines no function 'build' at its top level; it defines make_model"),
    ("my_net.py:make_model", {"my_net.py": "def make_model(:\n"}, "my_net.py:1: "),
])
def test_builders_that_cannot_be_found_fail_before_anything_runs(tmp_path, value, files, expected):
    for name, body in files.items():
        write_builder(tmp_path, body, name)
    with pytest.raises(SpecError) as caught:
        read_network({"builder": value}, "cnn", WHERE, tmp_path)
    assert expected in str(caught.value)


def test_a_builder_without_the_experiments_keyword_is_refused(tmp_path):
    write_builder(tmp_path, "def make_model():\n    pass\n")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError, match=r"takes no 'kernel' argument; add one .*def make_model\(kernel=3\)"):
        check_experiment(network, DEFAULT_EXPERIMENT, WHERE)
    write_builder(tmp_path, "def make_model(dropout):\n    pass\n")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError, match=r"give 'dropout' a default"):
        main_value(network, "dropout")


@pytest.mark.parametrize("body, expected", [
    ("""
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(32, 32, 3))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
     """, "its input is 32 × 32 × 3, not 28 × 28 × 1"),
    ("""
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs)))
     """, "its output is 2, not 10"),
    ("""
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         x = keras.layers.Flatten()(keras.layers.Conv2D(4, kernel)(inputs))
         return keras.Model(inputs, keras.layers.Dense(10)(x))
     """, "are not probabilities"),
    # A CNN the report could not read after training (no first conv layer's filters and feature maps).
    ("""
     import keras
     def make_model(kernel=3):
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
     """, "is wrong: it has no Conv2D layer: a CNN needs at least one"),
    # Its convolutions inside a nested model: the report describes the model's own layers.
    ("""
     import keras
     def make_model(kernel=3):
         block = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(4, kernel), keras.layers.Flatten()])
         inputs = keras.Input(shape=(28, 28, 1))
         return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(block(inputs)))
     """, "it has no Conv2D layer: a CNN needs at least one, e.g. keras.layers.Conv2D(32, 3, activation=\"relu\"), in the "
          "model itself (not inside a nested model)"),
    ("""
     def make_model(kernel=3):
         return "a model"
     """, "returned str, not a keras.Model"),
    ("""
     def make_model(kernel=3):
         return undefined_name
     """, "make_model(kernel=5) failed: NameError: name 'undefined_name' is not defined (my_net.py, line 3)"),
    ("""
     import not_a_module_anyone_has
     def make_model(kernel=3):
         pass
     """, "cannot load my_net.py: ModuleNotFoundError"),
])
def test_a_builder_that_returns_the_wrong_model_says_what_is_wrong(tmp_path, body, expected):
    write_builder(tmp_path, body, name=f"my_net.py")
    network = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path)
    with pytest.raises(SpecError) as caught:
        build_keras_model(apply_variant(network, "kernel", 5), "cnn_k5")
    assert expected in str(caught.value) and str(caught.value).startswith("my_net.py:make_model")


@pytest.mark.parametrize("layer, refused", [
    ("keras.layers.Conv2D(4, 3)(inputs)", "it has convolution or pooling layers (conv2d)"),
    ("keras.layers.MaxPooling2D(2)(inputs)", "it has convolution or pooling layers (max_pooling2d)"),
    ("keras.layers.Rescaling(1.0)(inputs)", None),  # a layer on the image that sees no neighbourhood
])
def test_a_builders_baseline_is_refused_only_with_convolution_or_pooling(tmp_path, layer, refused):
    """The baseline is the fully-connected network the report sets against the CNN, as a spec baseline is."""
    write_builder(tmp_path, f"""
        import keras
        def make_model():
            inputs = keras.Input(shape=(28, 28, 1))
            x = {layer}
            return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x)))
        """, name="my_net.py")
    network = read_network({"builder": "my_net.py:make_model"}, "baseline", WHERE, tmp_path)
    keras.backend.clear_session()  # Keras numbers unnamed layers per session: conv2d, not conv2d_3
    if refused is None:
        assert build_keras_model(network, "baseline").count_params() == 28 * 28 * 10 + 10
    else:
        with pytest.raises(SpecError, match=re.escape(refused) + ".*move them to \\[models.cnn\\]"):
            build_keras_model(network, "baseline")


# --- the whole design: networks and experiment -------------------------------------------------------------------


def test_no_tables_is_the_course_design():
    design = read_design(None, None, WHERE, Path("."))
    assert design == Design() and design.is_default and design.main_name == "cnn_k3"
    assert list(design.networks()) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [(variant.name, variant.is_main) for variant in design.variants()] == [("cnn_k3", True), ("cnn_k5", False), ("cnn_k7", False)]
    assert read_design(None, {"vary": "kernel", "values": [5]}, WHERE, Path(".")).networks().keys() == {"baseline", "cnn_k3", "cnn_k5"}


def test_a_custom_design_with_a_pooling_experiment():
    design = read_design({"cnn": {"layers": CUSTOM_CNN_LAYERS}}, {"vary": "pooling", "values": ["max", "avg", "none"]},
                         WHERE, Path("."))
    assert not design.is_default and design.baseline == DEFAULT_BASELINE
    assert design.main_name == "cnn_pooling_max"
    assert list(design.networks()) == ["baseline", "cnn_pooling_max", "cnn_pooling_avg", "cnn_pooling_none"]
    assert design.networks()["cnn_pooling_max"] == design.cnn
    assert [shape.type for shape in layer_shapes(design.networks()["cnn_pooling_avg"])].count("avgpool") == 2


def test_a_cnn_none_of_whose_variants_is_itself_is_named_cnn():
    mixed = [{"type": "conv", "filters": 8, "kernel": 5}, {"type": "conv", "filters": 8, "kernel": 3}, {"type": "flatten"}]
    design = read_design({"cnn": {"layers": mixed}}, {"vary": "kernel", "values": [3, 5]}, WHERE, Path("."))
    assert list(design.networks()) == ["baseline", "cnn", "cnn_k3", "cnn_k5"]


def test_design_errors_and_warnings():
    with pytest.raises(SpecError, match="unknown \\[models\\] table 'cnnn'; did you mean 'cnn'"):
        read_design({"cnnn": {}}, None, WHERE, Path("."))
    wide = {"layers": [{"type": "conv", "filters": 64, "kernel": 3, "padding": "same"}, {"type": "flatten"}, {"type": "dense", "units": 100}]}
    design = read_design({"cnn": wide}, {"vary": "width", "values": [1, 2]}, WHERE, Path("."))
    assert len(design.warnings) == 2  # the CNN as written, and its double-width variant
    assert all("parameters (over 5,000,000)" in warning for warning in design.warnings)


def test_the_report_describes_each_layer_with_its_reason():
    summary = summarize_network(custom_cnn())
    assert summary["params"] == custom_cnn_by_hand().count_params()
    first = summary["layers"][1]
    assert first == {"name": "conv1", "type": "conv", "output_shape": [28, 28, 32], "params": 320, "filters": 32, "kernel": 3,
                     "strides": 1, "padding": "same", "activation": "relu", "why": "keep the border strokes"}
    assert [(layer["type"], layer["why"]) for layer in (summary["layers"][0], summary["layers"][-1])] == [("input", None), ("output", None)]
    # A unit of pool2 sees 2×2 of conv2, i.e. 4×4 of pool1, i.e. 8×8 of conv1, each of which sees 3×3 pixels: 8 + 2.
    assert summary["receptive_field"] == 10
