"""The Keras models: built from a layer spec or by a student's builder function, compiled with the protocol, described.

This module imports Keras (and so TensorFlow) at import time. Only the
modules that build or train models import it (a test guards the boundary),
so that checking a spec or reading cached results never pays for TensorFlow.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
from keras import layers

from analysis.builder import Builder
from analysis.design import Design
from analysis.errors import SpecError
from analysis.layers import INPUT_SHAPE, NUM_CLASSES, PARAMETER_WARNING, Network
from analysis.shapes import layer_names

# Keras's layer classes under the names the project file gives them; a builder's other layers keep their class name.
_LAYER_TYPES = {
    "InputLayer": "input",
    "Conv2D": "conv",
    "MaxPooling2D": "maxpool",
    "AveragePooling2D": "avgpool",
    "GlobalAveragePooling2D": "globalavgpool",
    "Flatten": "flatten",
    "Dense": "dense",
    "Dropout": "dropout",
    "BatchNormalization": "batchnorm",
}


def build_keras_model(network: Network, name: str) -> keras.Model:
    """The untrained Keras model of ``network``, built with the Functional API.

    Layers are created in spec order with cnn-report's names: after
    ``keras.utils.set_random_seed``, the weights a network starts from follow
    that order, and the course's networks must start from the weights their
    cached results were trained from. A builder's model is checked: input
    28 × 28 × 1, output 10 probabilities, and a Conv2D layer in a CNN but
    none (nor pooling) in a baseline.
    """
    if network.builder is not None:
        return _build_from_function(network.builder, name, network.role)
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    x = inputs
    for layer, layer_name in zip(network.layers, layer_names(network.layers)):
        if layer.type == "conv":
            x = layers.Conv2D(
                layer.filters,
                layer.kernel,
                strides=layer.strides,
                padding=layer.padding,
                activation=layer.activation,
                name=layer_name,
            )(x)
        elif layer.type == "maxpool":
            x = layers.MaxPooling2D(layer.size, name=layer_name)(x)
        elif layer.type == "avgpool":
            x = layers.AveragePooling2D(layer.size, name=layer_name)(x)
        elif layer.type == "globalavgpool":
            x = layers.GlobalAveragePooling2D(name=layer_name)(x)
        elif layer.type == "flatten":
            x = layers.Flatten(name=layer_name)(x)
        elif layer.type == "dense":
            x = layers.Dense(layer.units, activation=layer.activation, name=layer_name)(x)
        elif layer.type == "dropout":
            x = layers.Dropout(layer.rate, name=layer_name)(x)
        elif layer.type == "batchnorm":
            x = layers.BatchNormalization(name=layer_name)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def compile_for_training(model: keras.Model, **options) -> keras.Model:
    """The course's protocol: Adam at its default learning rate, cross-entropy, accuracy.

    ``options`` go to ``model.compile`` as they are: execution settings such as
    ``jit_compile`` or ``steps_per_execution``, which change speed, not the protocol.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        **options,
    )
    return model


def describe_layers(model: keras.Model) -> list[dict]:
    """Each layer's name, type, output shape (without the batch axis) and parameter count."""
    return [
        {
            "name": layer.name,
            "type": _layer_type(layer),
            "output_shape": list(layer.output.shape[1:]),
            "params": int(layer.count_params()),
        }
        for layer in model.layers
    ]


def _layer_type(layer: keras.layers.Layer) -> str:
    """The spec type of ``layer``, or of the Keras layer it extends (a student's own Conv2D subclass is a conv layer,
    as the probes that look for ``keras.layers.Conv2D`` find it); other layers keep their class name."""
    for cls in type(layer).__mro__:
        if cls.__name__ in _LAYER_TYPES:
            return _LAYER_TYPES[cls.__name__]
    return type(layer).__name__


def check_builders(design: Design, names: set[str] | None = None) -> list[str]:
    """Build every network of ``design`` (of ``names``) that a builder function makes, and check it; returns warnings.

    This runs the student's code, so a build calls it only when such a
    network is about to be trained, and before the first fit.
    """
    warnings = []
    for name, network in design.networks().items():
        if network.builder is None or (names is not None and name not in names):
            continue
        model = build_keras_model(network, name)
        if model.count_params() > PARAMETER_WARNING:
            warnings.append(
                f"{network.builder.label}: {name} has {model.count_params():,} parameters "
                f"(over {PARAMETER_WARNING:,}): expect long training and a lot of memory"
            )
        del model
        keras.backend.clear_session()
    return warnings


def _build_from_function(builder: Builder, name: str, role: str) -> keras.Model:
    """Run the builder file, call its function with the variant's arguments, and check what it returns."""
    function = load_builder(builder)
    call = builder.call
    try:
        model = function(**dict(builder.arguments))
    except Exception as error:  # The student's code: any failure is theirs to see, in one line.
        raise SpecError(
            f"{builder.label}: {call} failed: {type(error).__name__}: {error}{_where_in(error, builder.path)}"
        ) from None
    if not isinstance(model, keras.Model):
        raise SpecError(
            f"{builder.label}: {call} returned {type(model).__name__}, not a keras.Model; return keras.Model(inputs, outputs)"
        )
    problems = []
    if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != INPUT_SHAPE:
        shapes = ", ".join(_shape_text(tensor.shape) for tensor in model.inputs)
        problems.append(f"its input is {shapes}, not 28 × 28 × 1 (use keras.Input(shape=(28, 28, 1)))")
    if len(model.outputs) != 1 or tuple(model.outputs[0].shape[1:]) != (NUM_CLASSES,):
        shapes = ", ".join(_shape_text(tensor.shape) for tensor in model.outputs)
        problems.append(f'its output is {shapes}, not 10 (end with keras.layers.Dense(10, activation="softmax"))')
    # The report reads a CNN's first Conv2D layer (its filters, feature maps and receptive field) and describes the
    # model's own layers, not those inside a nested model; a baseline is the network that sees no neighbourhoods.
    if role == "cnn" and not any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        problems.append(
            "it has no Conv2D layer: a CNN needs at least one, e.g. keras.layers.Conv2D(32, 3, "
            'activation="relu"), in the model itself (not inside a nested model)'
        )
    spatial = [
        layer.name for layer in model.layers if any(kind in type(layer).__name__ for kind in ("Conv", "Pooling"))
    ]
    if role == "baseline" and spatial:
        problems.append(
            f"it has convolution or pooling layers ({', '.join(spatial)}): the baseline is the "
            "fully-connected network the CNN is compared with; move them to [models.cnn]"
        )
    if problems:
        raise SpecError(f"{builder.label}: the model of {call} is wrong: {'; '.join(problems)}")
    # The protocol's loss expects probabilities: check on a few images that the outputs are.
    probabilities = np.asarray(
        model(np.random.default_rng(0).random((4, *INPUT_SHAPE), dtype=np.float32), training=False)
    )
    if not (np.all(probabilities >= 0) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3)):
        raise SpecError(
            f"{builder.label}: the outputs of {call} are not probabilities (they do not sum to 1); "
            'end with a softmax: keras.layers.Dense(10, activation="softmax")'
        )
    # A fresh name keeps reports and saved models apart from the function's own choice.
    model.name = name
    return model


def load_builder(builder: Builder) -> Callable[..., keras.Model]:
    """Import the builder file (its folder first on the import path, for its own helpers) and return the function."""
    module_name = f"_cnn_report_builder_{builder.sha256[:12]}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, builder.path)
        module = importlib.util.module_from_spec(spec)
        folder = str(builder.path.parent)
        sys.path.insert(0, folder)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise SpecError(
                f"{builder.label}: cannot load {builder.path.name}: {type(error).__name__}: {error}"
                f"{_where_in(error, builder.path)}"
            ) from None
        finally:
            if folder in sys.path:
                sys.path.remove(folder)
        sys.modules[module_name] = module
    function = getattr(module, builder.function, None)
    if not callable(function):
        raise SpecError(f"{builder.label}: {builder.path.name} has no function {builder.function!r} once run")
    if "**" not in dict(builder.keywords):
        accepted = set(inspect.signature(function).parameters)
        unknown = [key for key, _ in builder.arguments if key not in accepted]
        if unknown:
            raise SpecError(f"{builder.label}: {builder.function} takes no {', '.join(map(repr, unknown))} argument")
    return function


def _where_in(error: BaseException, path: Path) -> str:
    """`` (my_net.py, line 12)`` for the deepest frame of ``error`` in the builder file, or nothing."""
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if Path(traceback.tb_frame.f_code.co_filename).resolve() == path:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    if line is None and isinstance(error, SyntaxError) and error.lineno:
        line = error.lineno
    return f" ({path.name}, line {line})" if line else ""


def _shape_text(shape) -> str:
    return " × ".join("?" if size is None else str(size) for size in tuple(shape)[1:]) or "a scalar"
