"""The networks of a report: the layer spec a student writes, its checks, and the Keras models it drives.

A network is a list of layers (``[models.cnn] layers = [{type = "conv", ...}, ...]``
in the project file) or a function in a Python file that returns a Keras model
(``builder = "my_net.py:make_model"``). cnn-report adds the 28 × 28 × 1 input
and the 10-way softmax output to a layer list; the defaults are the course's
two networks, layer for layer and name for name.

Everything here except :func:`build_keras_model` is plain Python: a spec is
checked (types, fields, feature-map sizes, parameter counts) without importing
TensorFlow, so a mistake stops the build before any training, and a cached
rebuild never pays for TensorFlow's import. A builder file is read with
:mod:`ast` for the same reason; it is run only when one of its models has to be
trained.

The controlled experiment varies one thing of the main CNN (:data:`VARIABLES`);
:func:`apply_variant` makes each variant, and the variant equal to the main
CNN *is* the main CNN, so its runs are reused.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import inspect
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from analysis.errors import SpecError

if TYPE_CHECKING:  # Only for annotations: importing Keras here would pull in TensorFlow.
    import keras

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
# Above this many parameters a network is still built, with a warning: on a
# laptop CPU such a model trains for hours and holds gigabytes.
PARAMETER_WARNING = 5_000_000

PADDINGS = ("valid", "same")
# Element-wise activations Keras knows by name that need no argument (tests/test_architectures.py
# checks each against keras.activations). Softmax is kept for the output layer cnn-report adds.
ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
    "tanh", "sigmoid", "hard_sigmoid", "softplus", "softsign", "linear",
)
POOLINGS = ("max", "avg", "none")

_REQUIRED = object()
# Each layer type, its fields and their defaults (_REQUIRED: no default). Any layer may also carry `why`.
LAYER_TYPES: dict[str, dict[str, object]] = {
    "conv": {"filters": _REQUIRED, "kernel": _REQUIRED, "strides": 1, "padding": "valid", "activation": "relu"},
    "maxpool": {"size": 2},
    "avgpool": {"size": 2},
    "globalavgpool": {},
    "flatten": {},
    "dense": {"units": _REQUIRED, "activation": "relu"},
    "dropout": {"rate": _REQUIRED},
    "batchnorm": {},
}
_POOL_TYPES = {"max": "maxpool", "avg": "avgpool"}
# A baseline sees no neighbourhoods: no convolution, no pooling.
_BASELINE_TYPES = ("flatten", "dense", "dropout", "batchnorm")

ROLES = ("baseline", "cnn")


@dataclass(frozen=True)
class Layer:
    """One layer of a spec; only the fields of its type are set (defaults filled in by :func:`read_network`)."""

    type: str
    filters: int | None = None
    kernel: int | None = None
    strides: int | None = None
    padding: str | None = None
    activation: str | None = None
    size: int | None = None
    units: int | None = None
    rate: float | None = None
    why: str | None = field(default=None, compare=False)  # the student's reason; changes no number

    def to_dict(self) -> dict:
        """The type and its fields, as a student would write them (``why`` left out: it changes no result)."""
        return {"type": self.type, **{name: getattr(self, name) for name in LAYER_TYPES[self.type]}}


@dataclass(frozen=True)
class Builder:
    """``builder = "file.py:function"``: a Python function that returns an uncompiled ``keras.Model``."""

    path: Path  # absolute
    function: str
    label: str  # as written in the project file, for messages
    sha256: str  # of the file's bytes: a changed file is a new model
    # The function's keyword parameters and their default values (None: no default), read from its source.
    keywords: tuple[tuple[str, object], ...] = ()
    # The keyword arguments this network is built with (an experiment's variant).
    arguments: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Network:
    """One network of the report: the baseline or a CNN, from layers or from a builder."""

    role: str  # "baseline" or "cnn"
    layers: tuple[Layer, ...] = ()
    builder: Builder | None = None

    def describe(self) -> dict:
        """Everything about the network that changes a trained result, for cache keys (``why`` excluded).

        The course's own networks keep the description they had before
        networks could be written in the project file, so that results cached
        by earlier versions are still found.
        """
        legacy = _legacy_description(self)
        if legacy is not None:
            return legacy
        if self.builder is not None:
            return {
                "architecture": self.role,
                "builder": {"function": self.builder.function, "sha256": self.builder.sha256,
                            "arguments": dict(self.builder.arguments)},
            }
        return {"architecture": self.role, "layers": [layer.to_dict() for layer in self.layers]}


@dataclass(frozen=True)
class LayerShape:
    """A layer as cnn-report will build it: its Keras name, output shape (no batch axis) and parameter count."""

    name: str
    type: str  # a spec type, or "input" / "output" for the layers cnn-report adds
    output_shape: tuple[int, ...]
    params: int
    layer: Layer | None = None  # None for the input and output


@dataclass(frozen=True)
class Experiment:
    """``[experiment]``: which one thing of the main CNN varies, and its values."""

    vary: str = "kernel"
    values: tuple = (3, 5, 7)


VARIABLES: dict[str, str] = {
    "kernel": "the kernel size of every conv layer",
    "width": "a multiplier on the filters of every conv layer",
    "pooling": "the kind of every pooling layer (max, avg, none)",
    "padding": "the padding of every conv layer (valid, same)",
    "activation": "the activation of every conv and dense layer",
    "dropout": "the rate of every dropout layer",
}
# The variables whose values are numbers: their experiments run in increasing order, are drawn as a line and are read
# for a trend; the others (pooling kinds, paddings, activations) keep the student's order and are drawn as points.
ORDERED_VARIABLES = ("kernel", "width", "dropout")
DEFAULT_EXPERIMENT = Experiment()


def _conv(filters: int, kernel: int) -> Layer:
    return Layer("conv", filters=filters, kernel=kernel, strides=1, padding="valid", activation="relu")


# The course's networks: Flatten -> Dense(128) and two conv/pool stages -> Dense(64), 'valid' padding.
DEFAULT_BASELINE = Network("baseline", (Layer("flatten"), Layer("dense", units=128, activation="relu")))
DEFAULT_CNN = Network(
    "cnn",
    (_conv(32, 3), Layer("maxpool", size=2), _conv(64, 3), Layer("maxpool", size=2), Layer("flatten"),
     Layer("dense", units=64, activation="relu")),
)


# --- reading a spec ----------------------------------------------------------------------------------------------


def read_network(table: Mapping, role: str, where: str, folder: Path) -> Network:
    """``[models.<role>]``: ``layers = [...]`` or ``builder = "file.py:function"``, checked field by field.

    ``where`` starts every message (the project file's path); builder files
    are found relative to ``folder``. Raises :class:`SpecError`.
    """
    place = f"{where}: [models.{role}]"
    _check_keys(table, ("layers", "builder"), f"key in [models.{role}]", where)
    if ("layers" in table) == ("builder" in table):
        raise SpecError(f'{place} needs either layers = [...] or builder = "my_net.py:make_model", not '
                        f"{'both' if table else 'neither'}")
    if "builder" in table:
        return Network(role, builder=read_builder(table["builder"], f"{place} builder", folder))
    entries = table["layers"]
    if not isinstance(entries, list):
        raise SpecError(f'{place} layers must be a list of tables, e.g. layers = [{{ type = "flatten" }}]')
    layers = tuple(_read_layer(entry, f"{place} layer {index}", where) for index, entry in enumerate(entries, start=1))
    network = Network(role, layers)
    if role == "cnn" and not any(layer.type == "conv" for layer in layers):
        raise SpecError(f'{place} has no conv layer: a CNN needs at least one {{ type = "conv", filters = 32, kernel = 3 }}')
    spatial = [layer.type for layer in layers if layer.type not in _BASELINE_TYPES]
    if role == "baseline" and spatial:
        raise SpecError(f"{place}: the baseline is the fully-connected network the CNN is compared with, so its layers "
                        f"can be {', '.join(_BASELINE_TYPES)}; move the {spatial[0]} layer to [models.cnn]")
    return network


def _read_layer(entry: object, place: str, where: str) -> Layer:
    if not isinstance(entry, Mapping):
        raise SpecError(f'{place}: expected a table such as {{ type = "conv", filters = 32, kernel = 3 }}, got {_toml(entry)}')
    if "type" not in entry:
        raise SpecError(f"{place}: missing type; one of {', '.join(LAYER_TYPES)}")
    kind = entry["type"]
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"{place}: {_unknown(str(kind), LAYER_TYPES, 'layer type')}")
    place = f"{place} ({kind})"
    fields = LAYER_TYPES[kind]
    valid = ["type", *fields, "why"]
    for name in entry:
        if name not in valid:
            raise SpecError(f"{place}: {_unknown(name, valid, 'field')}")
    values: dict[str, object] = {}
    for name, default in fields.items():
        if name not in entry:
            if default is _REQUIRED:
                raise SpecError(f"{place}: missing {name} ({_FIELD_RULES[name][1]})")
            values[name] = default
            continue
        check, expected = _FIELD_RULES[name]
        if not check(entry[name]):
            raise SpecError(f"{place}: {name} = {_toml(entry[name])} is not {expected}")
        values[name] = float(entry[name]) if name == "rate" else entry[name]
    why = entry.get("why")
    if why is not None and (not isinstance(why, str) or not why.strip()):
        raise SpecError(f'{place}: why = {_toml(why)} is not text; write your reason in quotes, why = "..."')
    return Layer(kind, why=why.strip() if why else None, **values)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_rate(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1


def _choice(options: tuple[str, ...]) -> Callable[[object], bool]:
    return lambda value: isinstance(value, str) and value in options


_FIELD_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "filters": (_is_count, "a whole number of at least 1"),
    "kernel": (_is_count, "a whole number of at least 1 (the side of a square kernel)"),
    "strides": (_is_count, "a whole number of at least 1"),
    "size": (_is_count, "a whole number of at least 1 (the side of the pooling window)"),
    "units": (_is_count, "a whole number of at least 1"),
    "rate": (_is_rate, "a number from 0 up to (not including) 1"),
    "padding": (_choice(PADDINGS), f"one of {', '.join(map(repr, PADDINGS))}"),
    "activation": (_choice(ACTIVATIONS), f"one of the activations {', '.join(ACTIVATIONS)} (the softmax output is added for you)"),
}


def read_builder(value: object, place: str, folder: Path) -> Builder:
    """``"file.py:function"``, checked without running the file: it exists, parses, and defines the function."""
    if not isinstance(value, str) or value.count(":") < 1 or not value.rsplit(":", 1)[1].strip():
        raise SpecError(f'{place} = {_toml(value)}: expected "file.py:function", e.g. builder = "my_net.py:make_model"')
    file_part, function = (part.strip() for part in value.rsplit(":", 1))
    path = Path(file_part).expanduser()
    path = (path if path.is_absolute() else folder / path).resolve()
    if not path.is_file():
        raise SpecError(f"{place} = {_toml(value)}: no such file {path}; fix the path (relative to the project file)")
    if not path.is_relative_to(folder.resolve()):
        raise SpecError(f"{place} = {_toml(value)}: {path} is outside the project folder {folder}; move it in "
                        "(it travels with the project, to SageMaker too)")
    source = path.read_bytes()
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise SpecError(f"{path}:{error.lineno}: {error.msg}; fix the builder file") from None
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if function not in functions:
        raise SpecError(f"{place} = {_toml(value)}: {path.name} defines no function {function!r} at its top level"
                        + (f"; it defines {', '.join(functions)}" if functions else ""))
    return Builder(path=path, function=function, label=value, sha256=hashlib.sha256(source).hexdigest(),
                   keywords=_keywords(functions[function]))


def _keywords(function: ast.FunctionDef) -> tuple[tuple[str, object], ...]:
    """The parameters a function accepts by keyword, each with its default (a literal) or None; ``**`` as ``"**"``."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults: list[object] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = list(zip(arguments.args, defaults[len(arguments.posonlyargs):]))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    keywords = []
    for argument, default in pairs:
        try:
            value = ast.literal_eval(default) if default is not None else None
        except ValueError:
            value = None  # a default that is not a literal cannot be compared with the experiment's values
        keywords.append((argument.arg, value))
    if arguments.kwarg is not None:
        keywords.append(("**", None))
    return tuple(keywords)


def read_experiment(table: Mapping, where: str) -> Experiment:
    """``[experiment]``: ``vary`` (one of :data:`VARIABLES`) and ``values``, each value of the right type."""
    place = f"{where}: [experiment]"
    _check_keys(table, ("vary", "values"), "key in [experiment]", where)
    vary = table.get("vary", DEFAULT_EXPERIMENT.vary)
    if not isinstance(vary, str) or vary not in VARIABLES:
        raise SpecError(f"{place} vary = {_toml(vary)}: {_unknown(str(vary), VARIABLES, 'experiment variable')}")
    if "values" not in table:
        if vary != DEFAULT_EXPERIMENT.vary:
            raise SpecError(f"{place} needs values = [...] for vary = {_toml(vary)}, e.g. values = {_toml(list(_EXAMPLES[vary]))}")
        return DEFAULT_EXPERIMENT
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise SpecError(f"{place} values = {_toml(values)}: expected a list such as {_toml(list(_EXAMPLES[vary]))}")
    check, expected = _VALUE_RULES[vary]
    for value in values:
        if not check(value):
            raise SpecError(f"{place} values: {_toml(value)} is not {expected} (vary = {_toml(vary)})")
    normalised = [float(value) if vary in ("width", "dropout") else value for value in values]
    repeated = sorted({_toml(value) for value in values if normalised.count(float(value) if vary in ("width", "dropout") else value) > 1})
    if repeated:
        raise SpecError(f"{place} values: {', '.join(repeated)} given more than once")
    # Numbers in increasing order, as an axis reads; named choices in the order the student gave them.
    ordered = sorted(normalised) if vary in ORDERED_VARIABLES else normalised
    return Experiment(vary, tuple(ordered))


def _is_positive_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 and math.isfinite(value)


_VALUE_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "kernel": (_is_count, "a whole number of at least 1"),
    "width": (_is_positive_number, "a positive number (1 is the CNN as written, 2 doubles every conv's filters)"),
    "pooling": (_choice(POOLINGS), f"one of {', '.join(map(repr, POOLINGS))}"),
    "padding": (_choice(PADDINGS), f"one of {', '.join(map(repr, PADDINGS))}"),
    "activation": (_choice(ACTIVATIONS), f"one of the activations {', '.join(ACTIVATIONS)}"),
    "dropout": (_is_rate, "a number from 0 up to (not including) 1"),
}
_EXAMPLES = {"kernel": (3, 5, 7), "width": (0.5, 1, 2), "pooling": ("max", "avg", "none"),
             "padding": ("valid", "same"), "activation": ("relu", "tanh"), "dropout": (0, 0.25, 0.5)}


# --- shapes and parameters, in plain Python ----------------------------------------------------------------------


def layer_shapes(network: Network, where: str = "", variant: str = "") -> list[LayerShape]:
    """Every layer cnn-report will build, input and output included, with its output shape and parameter count.

    Follows Keras's own arithmetic ('valid': ⌊(n − k) / s⌋ + 1, 'same': ⌈n / s⌉,
    pooling windows as strides), so that a spec whose feature maps shrink to
    nothing is caught here, naming the layer and the sizes, before TensorFlow
    is imported. Builder networks have no shapes until they are built: [].
    ``where`` (the project file) and ``variant`` (an experiment's setting) go into messages.
    """
    if network.builder is not None:
        return []
    place = f"{where + ': ' if where else ''}[models.{network.role}]{' with ' + variant if variant else ''}"
    names = _layer_names(network.layers)
    shape: tuple[int, ...] = INPUT_SHAPE
    shapes = [LayerShape("image", "input", shape, 0)]
    for index, (layer, name) in enumerate(zip(network.layers, names), start=1):
        label = f"{place}{',' if variant else ''} layer {index} ({name})"
        shape, params = _apply(layer, shape, label)
        shapes.append(LayerShape(name, layer.type, shape, params, layer))
    if len(shape) != 1:
        raise SpecError(f"{place}: the last layer leaves a {_size(shape)} map, but the 10-way output needs a flat "
                        'vector; end with { type = "flatten" } or { type = "globalavgpool" }')
    shapes.append(LayerShape("probabilities", "output", (NUM_CLASSES,), (shape[0] + 1) * NUM_CLASSES))
    return shapes


def summarize_network(network: Network) -> dict:
    """The network as report.json shows it: each layer's name, type, settings, output shape, parameters and ``why``.

    A builder's layers are known only once it is built; here it has its
    function's name and no layers (the report reads them off the trained model).
    """
    if network.builder is not None:
        return {"builder": network.builder.label, "layers": None, "params": None, "receptive_field": None}
    layers = []
    for shape in layer_shapes(network):
        entry = {"name": shape.name, "type": shape.type, "output_shape": list(shape.output_shape), "params": shape.params}
        if shape.layer is not None:
            entry.update({key: value for key, value in shape.layer.to_dict().items() if key != "type"})
        entry["why"] = shape.layer.why if shape.layer is not None else None
        layers.append(entry)
    return {"builder": None, "layers": layers, "params": sum(layer["params"] for layer in layers),
            "receptive_field": receptive_field(network)}


def count_params(network: Network) -> int | None:
    """The network's parameter count as Keras's ``count_params()`` gives it (None for a builder)."""
    shapes = layer_shapes(network)
    return sum(shape.params for shape in shapes) if shapes else None


def _apply(layer: Layer, shape: tuple[int, ...], label: str) -> tuple[tuple[int, ...], int]:
    """The output shape and parameter count of ``layer`` on an input of ``shape``."""
    image = len(shape) == 3
    if layer.type in ("conv", "maxpool", "avgpool", "globalavgpool", "flatten") and not image:
        raise SpecError(f"{label}: needs an image-shaped input, but the layer before leaves a flat vector of "
                        f"{shape[0]:,}; move it before the flatten/globalavgpool layer")
    if layer.type == "dense" and image:
        raise SpecError(f"{label}: needs a flat input, but gets a {_size(shape)} map; "
                        'put { type = "flatten" } or { type = "globalavgpool" } before it')
    if layer.type == "conv":
        height, width, channels = shape
        if layer.padding == "valid":
            if min(height, width) < layer.kernel:
                raise SpecError(
                    f"{label}: its {height}×{width} input is smaller than its {layer.kernel}×{layer.kernel} kernel "
                    "with 'valid' padding, so the feature maps shrink to nothing; use a smaller kernel, "
                    'padding = "same", or fewer pooling layers before it'
                )
            height, width = ((height - layer.kernel) // layer.strides + 1, (width - layer.kernel) // layer.strides + 1)
        else:
            height, width = math.ceil(height / layer.strides), math.ceil(width / layer.strides)
        return (height, width, layer.filters), (layer.kernel * layer.kernel * channels + 1) * layer.filters
    if layer.type in ("maxpool", "avgpool"):
        height, width, channels = shape
        if min(height, width) < layer.size:
            raise SpecError(
                f"{label}: its {height}×{width} input is smaller than its {layer.size}×{layer.size} window, so the "
                "feature maps shrink to nothing; remove it, use a smaller size, or keep more of the map before it "
                '(padding = "same" in the conv layers)'
            )
        return ((height - layer.size) // layer.size + 1, (width - layer.size) // layer.size + 1, channels), 0
    if layer.type == "globalavgpool":
        return (shape[2],), 0
    if layer.type == "flatten":
        return (math.prod(shape),), 0
    if layer.type == "dense":
        return (layer.units,), (shape[0] + 1) * layer.units
    if layer.type == "batchnorm":
        # Scale and offset are trained; the moving mean and variance are counted by Keras too.
        return shape, 4 * shape[-1]
    return shape, 0  # dropout


def _layer_names(layers: tuple[Layer, ...]) -> list[str]:
    """Keras layer names: conv1, pool1, conv2, ... always numbered; the others numbered only when repeated.

    The course's networks come out as they always were named (conv1, pool1,
    conv2, pool2, flatten, hidden), which the report and its probes read.
    """
    stems = {"conv": "conv", "maxpool": "pool", "avgpool": "pool", "globalavgpool": "global_pool",
             "flatten": "flatten", "dense": "hidden", "dropout": "dropout", "batchnorm": "batchnorm"}
    totals: dict[str, int] = {}
    for layer in layers:
        totals[stems[layer.type]] = totals.get(stems[layer.type], 0) + 1
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        stem = stems[layer.type]
        seen[stem] = seen.get(stem, 0) + 1
        numbered = stem in ("conv", "pool") or totals[stem] > 1
        names.append(f"{stem}{seen[stem]}" if numbered else stem)
    return names


def receptive_field(network: Network) -> int | None:
    """Input pixels (per side) one unit of the last conv/pool layer sees; None for a builder or without either.

    Each window widens the field by (window − 1) times the product of the
    strides before it.
    """
    if network.builder is not None:
        return None
    field_size, jump, seen = 1, 1, False
    for layer in network.layers:
        if layer.type == "conv":
            window, stride = layer.kernel, layer.strides
        elif layer.type in ("maxpool", "avgpool"):
            window, stride = layer.size, layer.size
        else:
            continue
        seen = True
        field_size += (window - 1) * jump
        jump *= stride
    return field_size if seen else None


def check_network(network: Network, where: str, variant: str = "") -> list[str]:
    """Check a network's shapes (raises :class:`SpecError`); returns warnings, such as a very large network."""
    shapes = layer_shapes(network, where, variant)
    total = sum(shape.params for shape in shapes)
    if total > PARAMETER_WARNING:
        return [f"{where}: [models.{network.role}]{' with ' + variant if variant else ''} has {total:,} parameters "
                f"(over {PARAMETER_WARNING:,}): expect long training and a lot of memory"]
    return []


# --- the controlled experiment -----------------------------------------------------------------------------------


def main_value(network: Network, vary: str, where: str = "") -> object | None:
    """The main CNN's own value of ``vary``: the variant equal to it is the main CNN, trained once.

    None where its layers disagree (two kernel sizes, say): then every variant
    is trained separately. A network without the variable at all (``dropout``
    without a dropout layer) raises :class:`SpecError`.
    """
    place = f"{where + ': ' if where else ''}[experiment] vary = {_toml(vary)}"
    if network.builder is not None:
        keywords = dict(network.builder.keywords)
        if vary not in keywords and "**" not in keywords:
            raise SpecError(f"{place}: {network.builder.label} takes no {vary!r} argument; add one with the main "
                            f"CNN's value as its default, e.g. def {network.builder.function}({vary}={_toml(_EXAMPLES[vary][0])})")
        if keywords.get(vary) is None:
            raise SpecError(f"{place}: give {vary!r} a default in {network.builder.label} (the main CNN's value), "
                            f"e.g. def {network.builder.function}({vary}={_toml(_EXAMPLES[vary][0])})")
        return keywords[vary]
    targets = _targets(network, vary)
    if vary != "pooling" and not targets:
        raise SpecError(f"{place}: [models.{network.role}] has no {_WHAT_IT_NEEDS[vary]} to vary; add one or vary something else")
    if vary == "pooling":
        if not targets:
            raise SpecError(f"{place}: [models.{network.role}] has no maxpool or avgpool layer to vary; add one or vary something else")
        kinds = {layer.type for layer in targets}
        return {"maxpool": "max", "avgpool": "avg"}[kinds.pop()] if len(kinds) == 1 else None
    if vary == "width":
        return 1.0
    values = {getattr(layer, _ATTRIBUTES[vary]) for layer in targets}
    return values.pop() if len(values) == 1 else None


_WHAT_IT_NEEDS = {"kernel": "conv layer", "width": "conv layer", "padding": "conv layer",
                  "activation": "conv or dense layer", "dropout": "dropout layer"}


# The layer types each variable changes, and the field it sets.
_TARGET_TYPES = {"kernel": ("conv",), "width": ("conv",), "padding": ("conv",), "activation": ("conv", "dense"),
                 "dropout": ("dropout",), "pooling": ("maxpool", "avgpool")}
_ATTRIBUTES = {"kernel": "kernel", "padding": "padding", "activation": "activation", "dropout": "rate"}


def _targets(network: Network, vary: str) -> list[Layer]:
    return [layer for layer in network.layers if layer.type in _TARGET_TYPES[vary]]


def apply_variant(network: Network, vary: str, value: object) -> Network:
    """The network with ``vary`` set to ``value`` everywhere it applies (a builder is called with it as a keyword)."""
    if network.builder is not None:
        # The function's own default is left to it, so that the variant equal to the main CNN is the main CNN.
        arguments = {**dict(network.builder.arguments), vary: value}
        if dict(network.builder.keywords).get(vary) == value:
            del arguments[vary]
        return replace(network, builder=replace(network.builder, arguments=tuple(sorted(arguments.items()))))
    if vary == "pooling":
        if value == "none":
            return replace(network, layers=tuple(layer for layer in network.layers if layer.type not in ("maxpool", "avgpool")))
        return replace(network, layers=tuple(
            replace(layer, type=_POOL_TYPES[value]) if layer.type in ("maxpool", "avgpool") else layer for layer in network.layers
        ))
    changed = []
    for layer in network.layers:
        if layer.type in _TARGET_TYPES[vary]:
            if vary == "width":
                layer = replace(layer, filters=max(1, round(layer.filters * value)))
            else:
                layer = replace(layer, **{_ATTRIBUTES[vary]: value})
        changed.append(layer)
    return replace(network, layers=tuple(changed))


def variant_name(vary: str, value: object) -> str:
    """The variant's key in report.json: ``cnn_k5`` (as always) for kernels, else ``cnn_<variable>_<value>``.

    Names are identifiers (``cnn_width_0_5``, ``cnn_pooling_avg``) so that
    notes can write ``{{ models.cnn_width_0_5.test_accuracy }}``.
    """
    if vary == "kernel":
        return f"cnn_k{value}"
    text = f"{value:g}" if isinstance(value, (int, float)) else str(value)
    return f"cnn_{vary}_{text.replace('.', '_').replace('-', '_')}"


def check_experiment(cnn: Network, experiment: Experiment, where: str, default: bool = False) -> list[str]:
    """Check every variant of the experiment as a network of its own; returns their warnings.

    ``default``: the experiment is the one cnn-report picks when the project
    file has none, which the messages say, since the student never wrote it.
    """
    own = main_value(cnn, experiment.vary, where)
    warnings: list[str] = []
    for value in experiment.values:
        if own is not None and value == own:
            continue  # the main CNN itself, checked as such
        variant = apply_variant(cnn, experiment.vary, value)
        setting = f"[experiment] {experiment.vary} = {_toml(value)}{' (the default experiment)' if default else ''}"
        try:
            warnings += check_network(variant, where, setting)
        except SpecError as error:
            hint = "; or set [experiment] vary and values to choose another experiment" if default else ""
            raise SpecError(f"{error}{hint}") from None
    return warnings


@dataclass(frozen=True)
class Variant:
    """One network of the experiment: the value it was built with, its name in report.json, the network."""

    value: object
    name: str
    network: Network
    is_main: bool  # the main CNN itself, trained once for both roles


@dataclass(frozen=True)
class Design:
    """The student's networks and controlled experiment: everything a build trains, checked."""

    baseline: Network = DEFAULT_BASELINE
    cnn: Network = DEFAULT_CNN
    experiment: Experiment = DEFAULT_EXPERIMENT
    # Said once when the project is read (a network over PARAMETER_WARNING parameters); they change no result.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_default(self) -> bool:
        """Whether these are the course's networks and kernel sweep (the report's wording can say so)."""
        return (self.baseline, self.cnn, self.experiment.vary) == (DEFAULT_BASELINE, DEFAULT_CNN, DEFAULT_EXPERIMENT.vary)

    @property
    def main_name(self) -> str:
        """The main CNN's name in report.json: its own variant's (``cnn_k3``), or ``cnn`` when it is none of them."""
        value = main_value(self.cnn, self.experiment.vary)
        return variant_name(self.experiment.vary, value) if value is not None else "cnn"

    def variants(self) -> list[Variant]:
        """The experiment's networks in the order of its values; the one equal to the main CNN is the main CNN."""
        own = main_value(self.cnn, self.experiment.vary)
        return [
            Variant(value, self.main_name, self.cnn, True) if own is not None and value == own
            else Variant(value, variant_name(self.experiment.vary, value), apply_variant(self.cnn, self.experiment.vary, value), False)
            for value in self.experiment.values
        ]

    def fingerprint(self) -> dict:
        """Everything of the design a finished report shows: the networks, the reasons for their layers, the experiment."""
        return {
            role: {**network.describe(), "why": [layer.why for layer in network.layers]}
            for role, network in (("baseline", self.baseline), ("cnn", self.cnn))
        } | {"experiment": {"vary": self.experiment.vary, "values": list(self.experiment.values)}}

    def networks(self) -> dict[str, Network]:
        """Every network a build trains, by name: the baseline, the main CNN, then the other variants."""
        networks = {"baseline": self.baseline, self.main_name: self.cnn}
        for variant in self.variants():
            networks.setdefault(variant.name, variant.network)
        return networks


def read_design(models: Mapping | None, experiment: Mapping | None, where: str, folder: Path) -> Design:
    """``[models.baseline]``, ``[models.cnn]`` and ``[experiment]`` (each may be absent: the course's), all checked.

    Every network and every variant of the experiment is checked here, in
    plain Python, so that a mistake stops the build before any training.
    """
    models = {} if models is None else models
    _check_keys(models, ROLES, "[models] table", where)
    networks = {role: read_network(models[role], role, where, folder) if role in models else default
                for role, default in (("baseline", DEFAULT_BASELINE), ("cnn", DEFAULT_CNN))}
    chosen = read_experiment(experiment, where) if experiment is not None else DEFAULT_EXPERIMENT
    warnings = check_network(networks["baseline"], where) + check_network(networks["cnn"], where)
    warnings += check_experiment(networks["cnn"], chosen, where, default=experiment is None)
    return Design(networks["baseline"], networks["cnn"], chosen, tuple(dict.fromkeys(warnings)))


# --- building in Keras -------------------------------------------------------------------------------------------


def build_keras_model(network: Network, name: str) -> keras.Model:
    """The untrained Keras model of ``network``, built with the Functional API.

    Layers are created in spec order with cnn-report's names, so that after
    ``keras.utils.set_random_seed`` the course's networks start from exactly
    the weights that they always did. A builder's model is checked: input
    28 × 28 × 1, output 10 probabilities, and a Conv2D layer in a CNN but
    none (nor pooling) in a baseline.
    """
    if network.builder is not None:
        return _build_from_function(network.builder, name, network.role)
    import keras
    from keras import layers

    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    x = inputs
    for layer, layer_name in zip(network.layers, _layer_names(network.layers)):
        if layer.type == "conv":
            x = layers.Conv2D(layer.filters, layer.kernel, strides=layer.strides, padding=layer.padding,
                              activation=layer.activation, name=layer_name)(x)
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


def check_builders(design: Design, names: set[str] | None = None) -> list[str]:
    """Build every network of ``design`` (of ``names``) that a builder function makes, and check it; returns warnings.

    This runs the student's code and imports TensorFlow, so a build calls it
    only when such a network is about to be trained, and before the first fit.
    """
    import keras

    warnings = []
    for name, network in design.networks().items():
        if network.builder is None or (names is not None and name not in names):
            continue
        model = build_keras_model(network, name)
        if model.count_params() > PARAMETER_WARNING:
            warnings.append(f"{network.builder.label}: {name} has {model.count_params():,} parameters "
                            f"(over {PARAMETER_WARNING:,}): expect long training and a lot of memory")
        del model
        keras.backend.clear_session()
    return warnings


def _build_from_function(builder: Builder, name: str, role: str) -> keras.Model:
    """Run the builder file, call its function with the variant's arguments, and check what it returns."""
    import keras
    import numpy as np

    function = load_builder(builder)
    call = f"{builder.function}({', '.join(f'{key}={value!r}' for key, value in builder.arguments)})"
    try:
        model = function(**dict(builder.arguments))
    except Exception as error:  # The student's code: any failure is theirs to see, in one line.
        raise SpecError(f"{builder.label}: {call} failed: {type(error).__name__}: {error}{_where_in(error, builder.path)}") from None
    if not isinstance(model, keras.Model):
        raise SpecError(f"{builder.label}: {call} returned {type(model).__name__}, not a keras.Model; return keras.Model(inputs, outputs)")
    problems = []
    if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != INPUT_SHAPE:
        shapes = ", ".join(_shape_text(tensor.shape) for tensor in model.inputs)
        problems.append(f"its input is {shapes}, not 28 × 28 × 1 (use keras.Input(shape=(28, 28, 1)))")
    if len(model.outputs) != 1 or tuple(model.outputs[0].shape[1:]) != (NUM_CLASSES,):
        shapes = ", ".join(_shape_text(tensor.shape) for tensor in model.outputs)
        problems.append(f"its output is {shapes}, not 10 (end with keras.layers.Dense(10, activation=\"softmax\"))")
    # The report reads a CNN's first Conv2D layer (its filters, feature maps and receptive field) and describes the
    # model's own layers, not those inside a nested model; a baseline is the network that sees no neighbourhoods.
    if role == "cnn" and not any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        problems.append('it has no Conv2D layer: a CNN needs at least one, e.g. keras.layers.Conv2D(32, 3, '
                        'activation="relu"), in the model itself (not inside a nested model)')
    spatial = [layer.name for layer in model.layers if any(kind in type(layer).__name__ for kind in ("Conv", "Pooling"))]
    if role == "baseline" and spatial:
        problems.append(f"it has convolution or pooling layers ({', '.join(spatial)}): the baseline is the "
                        "fully-connected network the CNN is compared with; move them to [models.cnn]")
    if problems:
        raise SpecError(f"{builder.label}: the model of {call} is wrong: {'; '.join(problems)}")
    # The protocol's loss expects probabilities: check on a few images that the outputs are.
    probabilities = np.asarray(model(np.random.default_rng(0).random((4, *INPUT_SHAPE), dtype=np.float32), training=False))
    if not (np.all(probabilities >= 0) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3)):
        raise SpecError(f"{builder.label}: the outputs of {call} are not probabilities (they do not sum to 1); "
                        'end with a softmax: keras.layers.Dense(10, activation="softmax")')
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
            raise SpecError(f"{builder.label}: cannot load {builder.path.name}: {type(error).__name__}: {error}"
                            f"{_where_in(error, builder.path)}") from None
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


# --- messages ----------------------------------------------------------------------------------------------------


def _check_keys(table: Mapping, valid: tuple[str, ...], what: str, where: str) -> None:
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: expected a table, got {_toml(table)}")
    for key in table:
        if key not in valid:
            raise SpecError(f"{where}: {_unknown(key, valid, what)}")


def _unknown(name: str, valid, what: str) -> str:
    """``unknown <what> 'name'; did you mean 'close'? Valid: ...``, the close match only where there is one."""
    valid = list(valid)
    # Spelling slips ("kernal") by similarity; longer or shorter forms ("convolution", "Conv") by prefix.
    close = difflib.get_close_matches(name.lower(), valid, n=1) or [
        option for option in valid if name and (name.lower().startswith(option) or option.startswith(name.lower()))
    ][:1]
    hint = f"; did you mean {close[0]!r}? Valid: " if close else "; valid: "
    return f"unknown {what} {name!r}{hint}{', '.join(valid)}"


def _size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _toml(value: object) -> str:
    """A value as it is written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    return str(value)


def _legacy_description(network: Network) -> dict | None:
    """The cache description the course's networks had before specs existed, or None for any other network."""
    if network.builder is not None:
        return None
    if network.role == "baseline" and network.layers == DEFAULT_BASELINE.layers:
        return {"architecture": "baseline", "kernel_size": None}
    if network.role == "cnn":
        kernels = {layer.kernel for layer in network.layers if layer.type == "conv"}
        if len(kernels) == 1:
            kernel = kernels.pop()
            if network.layers == apply_variant(DEFAULT_CNN, "kernel", kernel).layers:
                return {"architecture": "cnn", "kernel_size": kernel}
    return None
